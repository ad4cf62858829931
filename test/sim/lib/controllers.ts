// The controller seam of the simulated cluster. A controller reacts to store events (synchronously, right after
// the write) and/or runs on every tick of one shared loop. To simulate more of Kubernetes (e.g. "a Deployment
// creates pods after a delay"), write a Controller and register it in apiserver.ts.
import type { ResourceRegistry, ResourceType } from './resources.ts';
import { nowTimestamp, type KubeObject, type Store, type StoreEvent } from './store.ts';

export interface ControllerContext {
  store: Store;
  registry: ResourceRegistry;
  /** A served type; throws if it is not served (a controller bug). */
  rt: (group: string, resource: string) => ResourceType;
  log: (msg: string) => void;
}

export interface Controller {
  name: string;
  onEvent?: (ev: StoreEvent, ctx: ControllerContext) => void;
  tick?: (now: number, ctx: ControllerContext) => void;
}

export class ControllerManager {
  private readonly controllers: Controller[] = [];
  private readonly ctx: ControllerContext;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
  }

  register(c: Controller): this {
    this.controllers.push(c);
    return this;
  }

  /** Subscribes to store events now (so seeding is seen) and starts the tick loop. */
  start(tickMs = 200): void {
    this.unsubscribe = this.ctx.store.on((ev) => {
      for (const c of this.controllers) this.safely(c, () => c.onEvent?.(ev, this.ctx));
    });
    // Ticks stay on the grid start + k*tickMs (setInterval would drift by the ticks' own duration), so timed
    // transitions such as the end of api-slow happen right when they are due.
    const t0 = Date.now();
    let k = 0;
    const schedule = () => {
      k = Math.max(k + 1, Math.ceil((Date.now() - t0) / tickMs));
      this.timer = setTimeout(run, Math.max(0, t0 + k * tickMs - Date.now()));
    };
    const run = () => {
      const now = Date.now();
      for (const c of this.controllers) this.safely(c, () => c.tick?.(now, this.ctx));
      if (this.timer) schedule();
    };
    schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
  }

  private safely(c: Controller, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`controller ${c.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
}

const CRD_GROUP = 'apiextensions.k8s.io';

/** Serves custom resources while their CRD exists, marks CRDs Established, deletes CRs with their CRD. */
export const crdController: Controller = {
  name: 'crd',
  onEvent(ev, ctx) {
    if (ev.rt.group !== CRD_GROUP || ev.rt.resource !== 'customresourcedefinitions') return;
    const crdRt = ctx.rt(CRD_GROUP, 'customresourcedefinitions');
    if (ev.type === 'DELETED') {
      const spec = ev.object.spec as { group?: string; names?: { plural?: string } } | undefined;
      for (const r of ctx.registry.served().filter((x) => x.group === spec?.group && x.resource === spec.names?.plural)) {
        for (const o of ctx.store.list(r)) ctx.store.delete(r, o.metadata.namespace, o.metadata.name);
      }
    }
    ctx.registry.setCrds(ctx.store.list(crdRt));
    if (ev.type === 'ADDED') {
      const names = (ev.object.spec as { names?: unknown } | undefined)?.names;
      const t = nowTimestamp();
      ctx.store.update(crdRt, {
        ...ev.object,
        metadata: { ...ev.object.metadata, resourceVersion: undefined },
        status: {
          acceptedNames: names,
          storedVersions: ((ev.object.spec as { versions?: Array<{ name: string; storage?: boolean }> }).versions ?? []).filter((v) => v.storage).map((v) => v.name),
          conditions: [
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
            { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
          ],
        },
      });
    }
  },
};

/** Every namespace gets a "default" ServiceAccount and the kube-root-ca.crt ConfigMap; deleting one empties it. */
export const namespaceController: Controller = {
  name: 'namespace',
  onEvent(ev, ctx) {
    if (ev.rt.group !== '' || ev.rt.resource !== 'namespaces') return;
    const ns = ev.object.metadata.name;
    if (ev.type === 'ADDED') {
      const sa = ctx.rt('', 'serviceaccounts');
      const cm = ctx.rt('', 'configmaps');
      if (!ctx.store.get(sa, ns, 'default')) ctx.store.create(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
      if (!ctx.store.get(cm, ns, 'kube-root-ca.crt')) {
        ctx.store.create(cm, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nSIMULATED\n-----END CERTIFICATE-----\n' },
        });
      }
    }
    if (ev.type === 'DELETED') {
      for (const r of ctx.registry.served().filter((x) => x.namespaced)) {
        for (const o of ctx.store.list(r, ns)) ctx.store.delete(r, ns, o.metadata.name);
      }
    }
  },
};

/** Background cascading deletion through ownerReferences (unless the client asked to orphan). */
export const garbageCollector: Controller = {
  name: 'garbage-collector',
  onEvent(ev, ctx) {
    if (ev.type !== 'DELETED' || ev.propagationPolicy === 'Orphan') return;
    const uid = ev.object.metadata.uid;
    for (const r of ctx.registry.served()) {
      for (const o of ctx.store.list(r)) {
        if ((o.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid)) {
          try {
            ctx.store.delete(r, o.metadata.namespace, o.metadata.name);
          } catch {
            // already deleted by another cascade
          }
        }
      }
    }
  },
};

/**
 * Availability of aggregated APIServices (e.g. v1beta1.custom.metrics.k8s.io from prometheus-adapter): Local
 * ones are always available; service-backed ones need the Service and an Endpoints object with addresses.
 */
export const apiServiceController: Controller = {
  name: 'apiservice-availability',
  tick(_now, ctx) {
    const apisvc = ctx.rt('apiregistration.k8s.io', 'apiservices');
    for (const o of ctx.store.list(apisvc)) {
      const svc = (o.spec as { service?: { name?: string; namespace?: string } } | undefined)?.service;
      if (!svc?.name) continue;
      const ns = svc.namespace ?? 'default';
      const service = ctx.store.get(ctx.rt('', 'services'), ns, svc.name);
      const ep = ctx.store.get(ctx.rt('', 'endpoints'), ns, svc.name);
      const hasAddresses = ((ep?.subsets ?? []) as Array<{ addresses?: unknown[] }>).some((s) => (s.addresses ?? []).length > 0);
      const [status, reason, message] = !service
        ? ['False', 'ServiceNotFound', `service/${svc.name} in "${ns}" is not present`]
        : !hasAddresses
          ? ['False', 'MissingEndpoints', `endpoints for service/${svc.name} in "${ns}" have no addresses`]
          : ['True', 'Passed', 'all checks passed'];
      const conds = ((o.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? []).filter((c) => c.type !== 'Available');
      const prev = ((o.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? []).find((c) => c.type === 'Available');
      if (prev?.status === status && prev.reason === reason) continue;
      const next: KubeObject = { ...o, metadata: { ...o.metadata, resourceVersion: undefined }, status: { conditions: [...conds, { type: 'Available', status, lastTransitionTime: nowTimestamp(), reason, message }] } };
      ctx.store.update(apisvc, next);
    }
  },
};

/** The end of the api-slow fault: at `readyAt` the node becomes Ready and the system pods start. */
export function bootstrapController(readyAt: number, markReady: () => void): Controller {
  let done = false;
  return {
    name: 'bootstrap',
    tick(now, ctx) {
      if (done || now < readyAt) return;
      done = true;
      ctx.log('node network ready: marking node Ready and starting system pods');
      markReady();
    },
  };
}

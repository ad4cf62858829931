// The endpoints and endpointslice controllers: for every Service with a selector, the pods it selects that
// have an IP, Ready ones as addresses and the others as notReadyAddresses (all of them as addresses with
// publishNotReadyAddresses), with the Service's ports resolved against each pod's named container ports.
// The Endpoints object is named like the Service; the EndpointSlice is "<service>-<5 chars>", labelled
// kubernetes.io/service-name and owned by the Service.
import type { Controller, ControllerContext } from './controllers.ts';
import { randomSuffix } from './restapi.ts';
import type { KubeObject } from './store.ts';
import { arr, isPodReady, obj, onChanges } from './workloads.ts';

type Obj = Record<string, unknown>;

interface Resolved {
  pod: KubeObject;
  ready: boolean;
  ports: Obj[];
}

function resolvePorts(svc: KubeObject, pod: KubeObject): Obj[] | undefined {
  const out: Obj[] = [];
  const containerPorts = arr(obj(pod.spec).containers).flatMap((c) => arr(obj(c).ports).map(obj));
  for (const p of arr(obj(svc.spec).ports).map(obj)) {
    const target = p.targetPort ?? p.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (typeof target === 'string' && /^\d+$/.test(target)) port = Number(target);
    else port = containerPorts.find((cp) => cp.name === target && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.containerPort as number | undefined;
    if (port === undefined) continue;
    const e: Obj = {};
    if (p.name) e.name = p.name;
    e.port = port;
    e.protocol = p.protocol ?? 'TCP';
    if (p.appProtocol) e.appProtocol = p.appProtocol;
    out.push(e);
  }
  return out.length ? out : undefined;
}

function selected(ctx: ControllerContext, svc: KubeObject): Resolved[] {
  const selector = obj(obj(svc.spec).selector);
  if (!Object.keys(selector).length) return [];
  const publishAll = obj(svc.spec).publishNotReadyAddresses === true;
  const out: Resolved[] = [];
  for (const pod of ctx.store.list(ctx.rt('', 'pods'), svc.metadata.namespace)) {
    const labels = pod.metadata.labels ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    const st = obj(pod.status);
    if (!st.podIP || pod.metadata.deletionTimestamp || st.phase === 'Succeeded' || st.phase === 'Failed') continue;
    const ports = resolvePorts(svc, pod);
    if (!ports) continue;
    out.push({ pod, ready: publishAll || isPodReady(pod), ports });
  }
  return out.sort((a, b) => String(obj(a.pod.status).podIP).localeCompare(String(obj(b.pod.status).podIP), undefined, { numeric: true }));
}

function address(pod: KubeObject): Obj {
  return { ip: obj(pod.status).podIP, nodeName: obj(pod.spec).nodeName, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid } };
}

function subsets(resolved: Resolved[]): Obj[] {
  const groups = new Map<string, { ports: Obj[]; addresses: Obj[]; notReadyAddresses: Obj[] }>();
  for (const r of resolved) {
    const key = JSON.stringify(r.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: r.ports, addresses: [], notReadyAddresses: [] }));
    (r.ready ? g.addresses : g.notReadyAddresses).push(address(r.pod));
  }
  return [...groups.values()].map((g) => {
    const s: Obj = {};
    if (g.addresses.length) s.addresses = g.addresses;
    if (g.notReadyAddresses.length) s.notReadyAddresses = g.notReadyAddresses;
    s.ports = g.ports;
    return s;
  });
}

function syncService(ctx: ControllerContext, svc: KubeObject): void {
  if (!Object.keys(obj(obj(svc.spec).selector)).length) return;
  const ns = svc.metadata.namespace ?? 'default';
  const epRt = ctx.rt('', 'endpoints');
  const resolved = selected(ctx, svc);
  const headless = obj(svc.spec).clusterIP === 'None';
  const labels: Record<string, string> = { ...svc.metadata.labels, ...(headless ? { 'service.kubernetes.io/headless': '' } : {}) };
  const want = subsets(resolved);
  const cur = ctx.store.get(epRt, ns, svc.metadata.name);
  if (!cur) {
    ctx.store.create(epRt, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: ns, labels }, ...(want.length ? { subsets: want } : {}) });
  } else if (JSON.stringify(cur.subsets ?? []) !== JSON.stringify(want) || JSON.stringify(cur.metadata.labels ?? {}) !== JSON.stringify(labels)) {
    const next: KubeObject = { ...cur, metadata: { ...cur.metadata, labels, resourceVersion: undefined } };
    if (want.length) next.subsets = want;
    else delete next.subsets;
    ctx.store.update(epRt, next);
  }

  const sliceRt = ctx.rt('discovery.k8s.io', 'endpointslices');
  const sliceLabels = { ...svc.metadata.labels, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': svc.metadata.name, ...(headless ? { 'service.kubernetes.io/headless': '' } : {}) };
  const endpoints = resolved.map((r) => ({
    addresses: [obj(r.pod.status).podIP],
    conditions: { ready: r.ready, serving: r.ready, terminating: false },
    nodeName: obj(r.pod.spec).nodeName,
    targetRef: { kind: 'Pod', namespace: ns, name: r.pod.metadata.name, uid: r.pod.metadata.uid },
  }));
  const ports = resolved[0]?.ports ?? [];
  const existing = ctx.store.list(sliceRt, ns).find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
  if (!existing) {
    ctx.store.create(sliceRt, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${svc.metadata.name}-${randomSuffix()}`,
        generateName: `${svc.metadata.name}-`,
        namespace: ns,
        labels: sliceLabels,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints,
      ports,
    });
  } else if (JSON.stringify(existing.endpoints) !== JSON.stringify(endpoints) || JSON.stringify(existing.ports) !== JSON.stringify(ports)) {
    ctx.store.update(sliceRt, { ...existing, endpoints, ports, metadata: { ...existing.metadata, labels: sliceLabels, resourceVersion: undefined } });
  }
}

const sync = onChanges('endpoints', ['/pods', '/services'], (_now, ctx) => {
  for (const svc of ctx.store.list(ctx.rt('', 'services'))) {
    try {
      syncService(ctx, svc);
    } catch (err) {
      ctx.log(`endpoints: ${svc.metadata.namespace ?? ''}/${svc.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
});

export const endpointsController: Controller = {
  name: 'endpoints',
  onEvent(ev, ctx) {
    sync.onEvent?.(ev, ctx);
    // The Endpoints of a deleted Service go with it (its EndpointSlice is garbage-collected by owner).
    if (ev.type !== 'DELETED' || ev.rt.group !== '' || ev.rt.resource !== 'services') return;
    const epRt = ctx.rt('', 'endpoints');
    if (ctx.store.get(epRt, ev.object.metadata.namespace, ev.object.metadata.name)) ctx.store.delete(epRt, ev.object.metadata.namespace, ev.object.metadata.name);
  },
  tick: (now, ctx) => sync.tick?.(now, ctx),
};

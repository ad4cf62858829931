// A stand-in for the workload controllers (Deployment -> Pods, pod scheduling and status, Endpoints, pod logs),
// used ONLY when HPA_LAB_SIM_DATAPATH_STANDALONE=1, so the data path can be tested before (or without) the real
// workload controllers of the simulation. It is deliberately small: Deployments own their pods directly (no
// ReplicaSets), pods get an IP at once, and the runtimes (runtime.ts) decide readiness of the pods they claim.
import { randomBytes } from 'node:crypto';
import type { Controller } from '../lib/controllers.ts';
import { backends, runtimeFor, type ContainerRuntime, type ContainerState, type RuntimeHost } from '../lib/runtime.ts';
import { nowTimestamp, type KubeObject, type Store } from '../lib/store.ts';
import { arr, num, obj, podIP, podReady, resolveTargetPort, serviceSelects, servicePorts, str, type TypeLookup } from './kube.ts';

export function standaloneEnabled(): boolean {
  return process.env.HPA_LAB_SIM_DATAPATH_STANDALONE === '1';
}

const LOG_LIMIT = 5000;

export class PodLogs {
  private readonly lines = new Map<string, string[]>();

  append(ns: string, pod: string, line: string): void {
    const key = `${ns}/${pod}`;
    let l = this.lines.get(key);
    if (!l) this.lines.set(key, (l = []));
    l.push(line);
    if (l.length > LOG_LIMIT) l.splice(0, l.length - LOG_LIMIT);
  }

  get(ns: string, pod: string): string[] {
    return this.lines.get(`${ns}/${pod}`) ?? [];
  }

  delete(ns: string, pod: string): void {
    this.lines.delete(`${ns}/${pod}`);
  }
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const rand = (n: number) => Array.from(randomBytes(n), (b) => ALPHABET[b % ALPHABET.length]).join('');

export interface Standalone {
  controller: Controller;
  logs: PodLogs;
}

export function standaloneDriver(store: Store, rt: TypeLookup, stateDir: string, log: (m: string) => void): Standalone {
  const logs = new PodLogs();
  const started = new Map<string, ContainerRuntime>();
  const everRan = new Set<string>();
  let nextIP = 10;
  let endpointsDirty = true;
  const type = (g: string, r: string) => {
    const t = rt(g, r);
    if (!t) throw new Error(`type ${g}/${r} is not served`);
    return t;
  };
  const nodeName = (): string => store.list(type('', 'nodes'))[0]?.metadata.name ?? 'hpa-lab-control-plane';
  const nodeIP = (): string =>
    str(
      arr(obj(store.list(type('', 'nodes'))[0]?.status).addresses)
        .map(obj)
        .find((a) => a.type === 'InternalIP')?.address,
      '172.18.0.2',
    );

  const updatePod = (ns: string, name: string, mutate: (p: KubeObject) => void): void => {
    const pods = type('', 'pods');
    const cur = store.get(pods, ns, name);
    if (!cur) return;
    const next = structuredClone(cur);
    delete next.metadata.resourceVersion;
    mutate(next);
    store.update(pods, next);
  };

  const host: RuntimeHost = {
    stateDir,
    log: (ns, pod, line) => logs.append(ns, pod, line),
    report: (ns, pod, s: ContainerState) => {
      const key = `${ns}/${pod}`;
      if (s.running) everRan.add(key);
      updatePod(ns, pod, (p) => applyState(p, s, everRan.has(key) || s.restartCount > 0));
    },
  };

  const schedule = (ns: string, name: string): void => {
    const pods = type('', 'pods');
    const pod = store.get(pods, ns, name);
    if (!pod || podIP(pod) || started.has(`${ns}/${name}`)) return;
    const ip = `10.244.${Math.floor(nextIP / 250)}.${(nextIP % 250) + 2}`;
    nextIP++;
    const t = nowTimestamp();
    updatePod(ns, name, (p) => {
      p.spec = { ...obj(p.spec), nodeName: nodeName() };
      p.status = {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
        ],
        hostIP: nodeIP(),
        hostIPs: [{ ip: nodeIP() }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime: t,
        qosClass: 'Burstable',
      };
    });
    const fresh = store.get(pods, ns, name);
    if (!fresh) return;
    const runtime = runtimeFor(fresh);
    if (runtime) {
      started.set(`${ns}/${name}`, runtime);
      runtime.start(fresh, host);
    } else {
      updatePod(ns, name, (p) => applyState(p, { ready: true, running: true, restartCount: 0 }, true));
    }
  };

  const reconcileDeployments = (): void => {
    const deployments = type('apps', 'deployments');
    const pods = type('', 'pods');
    for (const d of store.list(deployments)) {
      const ns = d.metadata.namespace ?? 'default';
      const spec = obj(d.spec);
      const want = num(spec.replicas, 1);
      const owned = store.list(pods, ns).filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata.uid));
      const alive = owned.filter((p) => !p.metadata.deletionTimestamp);
      const template = obj(spec.template);
      const hash = (d.metadata.uid ?? '').replace(/-/g, '').slice(0, 10);
      for (let i = alive.length; i < want; i++) {
        store.create(pods, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${d.metadata.name}-${hash}-${rand(5)}`,
            namespace: ns,
            labels: { ...(obj(obj(template.metadata).labels) as Record<string, string>), 'pod-template-hash': hash },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
          },
          spec: structuredClone(obj(template.spec)),
        });
      }
      if (alive.length > want) {
        const victims = [...alive].sort((a, b) => Number(podReady(a)) - Number(podReady(b)) || str(b.metadata.creationTimestamp).localeCompare(str(a.metadata.creationTimestamp))).slice(0, alive.length - want);
        for (const v of victims) store.delete(pods, ns, v.metadata.name);
      }
      const now = store.list(pods, ns).filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata.uid));
      const ready = now.filter(podReady).length;
      const status = { observedGeneration: d.metadata.generation ?? 1, replicas: now.length, updatedReplicas: now.length, readyReplicas: ready, availableReplicas: ready, ...(now.length - ready > 0 ? { unavailableReplicas: now.length - ready } : {}) };
      if (JSON.stringify(d.status) !== JSON.stringify(status)) store.update(deployments, { ...d, metadata: { ...d.metadata, resourceVersion: undefined }, status });
    }
  };

  const reconcileEndpoints = (): void => {
    const services = type('', 'services');
    const endpoints = type('', 'endpoints');
    const pods = type('', 'pods');
    for (const svc of store.list(services)) {
      const ns = svc.metadata.namespace ?? 'default';
      if (ns === 'kube-system' || !Object.keys(obj(obj(svc.spec).selector)).length) continue;
      const selected = store.list(pods, ns).filter((p) => serviceSelects(svc, p) && podIP(p));
      const toAddr = (p: KubeObject) => ({ ip: podIP(p), nodeName: str(obj(p.spec).nodeName), targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid } });
      const ready = selected.filter(podReady).map(toAddr);
      const notReady = selected.filter((p) => !podReady(p)).map(toAddr);
      const ports = servicePorts(svc).map((sp) => ({ ...(sp.name ? { name: sp.name } : {}), port: (selected[0] ? resolveTargetPort(selected[0], sp.targetPort)?.containerPort : undefined) ?? (typeof sp.targetPort === 'number' ? sp.targetPort : sp.port), protocol: sp.protocol }));
      const subsets = ready.length || notReady.length ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }] : [];
      const cur = store.get(endpoints, ns, svc.metadata.name);
      const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: ns, labels: svc.metadata.labels ?? {} }, subsets };
      if (!cur) store.create(endpoints, body);
      else if (JSON.stringify(cur.subsets ?? []) !== JSON.stringify(subsets)) store.update(endpoints, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, subsets });
    }
  };

  const controller: Controller = {
    name: 'datapath-standalone',
    onEvent(ev) {
      if (ev.rt.group === '' && ev.rt.resource === 'pods') {
        endpointsDirty = true;
        const ns = ev.object.metadata.namespace ?? 'default';
        const name = ev.object.metadata.name;
        if (ev.type === 'ADDED' && !podIP(ev.object)) setImmediate(() => schedule(ns, name));
        if (ev.type === 'DELETED') {
          const r = started.get(`${ns}/${name}`);
          started.delete(`${ns}/${name}`);
          everRan.delete(`${ns}/${name}`);
          r?.stop(ns, name);
          backends.deletePod(ns, name);
          setTimeout(() => logs.delete(ns, name), 60_000).unref();
        }
      }
      if (ev.rt.group === '' && ev.rt.resource === 'services') endpointsDirty = true;
    },
    tick() {
      reconcileDeployments();
      if (endpointsDirty) {
        endpointsDirty = false;
        reconcileEndpoints();
      }
    },
  };
  log('data path: standalone workload driver enabled (HPA_LAB_SIM_DATAPATH_STANDALONE=1)');
  return { controller, logs };
}

/** Writes a runtime's container state into pod.status as the kubelet would. */
function applyState(p: KubeObject, s: ContainerState, started: boolean): void {
  const status = obj(p.status);
  const t = nowTimestamp();
  const containers = arr(obj(p.spec).containers).map(obj);
  const prev = arr(status.containerStatuses).map(obj);
  status.phase = started ? 'Running' : 'Pending';
  status.containerStatuses = containers.map((c) => {
    const old = prev.find((x) => x.name === c.name);
    const state = s.running ? { running: { startedAt: str(obj(obj(old?.state).running).startedAt) || t } } : { waiting: { reason: s.waiting?.reason ?? 'ContainerCreating', ...(s.waiting?.message ? { message: s.waiting.message } : {}) } };
    return { name: c.name, image: c.image, imageID: '', containerID: s.running || started ? `containerd://${'0'.repeat(64)}` : undefined, ready: s.ready, started: s.running, restartCount: s.restartCount, state };
  });
  const conds = arr(status.conditions).map(obj);
  const set = (type: string, value: boolean) => {
    const c = conds.find((x) => x.type === type);
    const v = value ? 'True' : 'False';
    if (!c) conds.push({ type, status: v, lastProbeTime: null, lastTransitionTime: t });
    else if (c.status !== v) Object.assign(c, { status: v, lastTransitionTime: t });
  };
  set('PodReadyToStartContainers', true);
  set('Ready', s.ready);
  set('ContainersReady', s.ready);
  status.conditions = conds;
  p.status = status;
}

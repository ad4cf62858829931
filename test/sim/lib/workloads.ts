// The workload controllers of kube-controller-manager, simplified: Deployment → ReplicaSet → Pods (rolling
// update by template hash), StatefulSet → <name>-0..n-1 (OrderedReady), DaemonSet → one pod per eligible node.
// They reconcile on every tick (200 ms) from the store, write status the way the real controllers do
// (zero counts omitted where the API omits them, conditions with stable timestamps) and record the familiar
// events (ScalingReplicaSet, SuccessfulCreate, SuccessfulDelete; FailedCreate, and the ReplicaSet's and
// Deployment's ReplicaFailure condition, when the API server refuses a pod).
import { ApiError } from './apierrors.ts';
import type { Controller, ControllerContext } from './controllers.ts';
import { recordEvent } from './events.ts';
import type { ResourceType } from './resources.ts';
import { randomSuffix } from './restapi.ts';
import { STRATEGIES } from './strategies.ts';
import { nowTimestamp, type KubeObject, type OwnerReference } from './store.ts';

type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown, d = 0): number => (typeof v === 'number' ? v : d);

// ---- shared helpers ---------------------------------------------------------------------------------------

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with sorted keys: a stable serialization for hashing. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as Obj)
      .sort()
      .filter((k) => (v as Obj)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The pod-template-hash of a template, computed like controller.ComputeHash: FNV-32a over the template, the
 * decimal digits of the sum mapped onto rand.SafeEncodeString's alphabet (so 6–10 characters such as
 * "5d4b8c9f7x"). Equal templates give equal hashes, so an unchanged re-apply keeps its ReplicaSet.
 */
export function templateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(canonical(template), 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller);
}

export function ownedBy(items: KubeObject[], uid: string | undefined): KubeObject[] {
  return items.filter((o) => controllerOf(o)?.uid === uid);
}

/** A LabelSelector (matchLabels + matchExpressions) against a label set. */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const sel = obj(selector);
  const l = labels ?? {};
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) if (l[k] !== v) return false;
  for (const e of arr(sel.matchExpressions).map(obj)) {
    const key = String(e.key);
    const values = arr(e.values).map(String);
    switch (e.operator) {
      case 'In':
        if (!(key in l) || !values.includes(l[key] as string)) return false;
        break;
      case 'NotIn':
        if (key in l && values.includes(l[key] as string)) return false;
        break;
      case 'Exists':
        if (!(key in l)) return false;
        break;
      case 'DoesNotExist':
        if (key in l) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function isPodReady(p: KubeObject): boolean {
  return arr(obj(p.status).conditions).map(obj).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isActive(p: KubeObject): boolean {
  const phase = obj(p.status).phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** A condition that keeps its timestamps while its status (and reason) do not change. */
export function condition(prev: unknown, type: string, status: boolean, reason: string, message: string, withUpdateTime = false): Obj {
  const old = arr(prev).map(obj).find((c) => c.type === type);
  const s = status ? 'True' : 'False';
  const now = nowTimestamp();
  const transition = old?.status === s && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : now;
  const c: Obj = { type, status: s };
  if (withUpdateTime) c.lastUpdateTime = old?.status === s && old.reason === reason && old.message === message && typeof old.lastUpdateTime === 'string' ? old.lastUpdateTime : now;
  c.lastTransitionTime = transition;
  c.reason = reason;
  c.message = message;
  return c;
}

/** Drops zero counts the API omits (omitempty int32 fields). */
function omitZero(status: Obj, fields: string[]): Obj {
  for (const f of fields) if (status[f] === 0) delete status[f];
  return status;
}

/** Writes a new status when it differs from the stored one. */
export function writeStatus(ctx: ControllerContext, rt: ResourceType, o: KubeObject, status: Obj): KubeObject {
  const cur = ctx.store.get(rt, o.metadata.namespace, o.metadata.name);
  if (!cur || JSON.stringify(cur.status) === JSON.stringify(status)) return cur ?? o;
  return ctx.store.update(rt, { ...cur, status, metadata: { ...cur.metadata, resourceVersion: undefined } });
}

function patchMeta(ctx: ControllerContext, rt: ResourceType, o: KubeObject, fn: (m: KubeObject['metadata']) => void): KubeObject {
  const cur = ctx.store.get(rt, o.metadata.namespace, o.metadata.name);
  if (!cur) return o;
  const meta = structuredClone(cur.metadata);
  fn(meta);
  if (JSON.stringify(meta) === JSON.stringify(cur.metadata)) return cur;
  return ctx.store.update(rt, { ...cur, metadata: { ...meta, resourceVersion: undefined } });
}

function setReplicas(ctx: ControllerContext, rt: ResourceType, o: KubeObject, replicas: number, annotations: Record<string, string> = {}): KubeObject {
  const cur = ctx.store.get(rt, o.metadata.namespace, o.metadata.name);
  if (!cur) return o;
  const spec = obj(cur.spec);
  const anns = { ...cur.metadata.annotations, ...annotations };
  if (spec.replicas === replicas && JSON.stringify(anns) === JSON.stringify(cur.metadata.annotations ?? {})) return cur;
  return ctx.store.update(rt, { ...cur, spec: { ...spec, replicas }, metadata: { ...cur.metadata, annotations: anns, resourceVersion: undefined } });
}

function ownerRef(rt: ResourceType, o: KubeObject): OwnerReference {
  return { apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version, kind: rt.kind, name: o.metadata.name, uid: o.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export interface NewPod {
  name?: string;
  generateName?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  spec: Obj;
}

/**
 * Creates a pod from a template as the controllers do: owner reference, admission (the ServiceAccount plugin
 * sees the generateName, as in kube-apiserver), API defaults. Throws the API server's ApiError when refused.
 */
export function createPod(ctx: ControllerContext, namespace: string, owner: OwnerReference, p: NewPod): KubeObject {
  const podsRt = ctx.rt('', 'pods');
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name ?? '',
      ...(p.generateName ? { generateName: p.generateName } : {}),
      namespace,
      labels: p.labels,
      ...(p.annotations && Object.keys(p.annotations).length ? { annotations: p.annotations } : {}),
      ownerReferences: [owner],
    },
    spec: structuredClone(p.spec),
  };
  const sctx = { store: ctx.store, rt: (g: string, r: string) => ctx.registry.served().find((x) => x.group === g && x.resource === r) };
  STRATEGIES.pods?.admit?.(pod, sctx);
  if (!pod.metadata.name) pod.metadata.name = `${p.generateName ?? ''}${randomSuffix()}`;
  STRATEGIES.pods?.prepareForCreate?.(pod, sctx);
  return ctx.store.create(podsRt, pod);
}

// ---- failed pod creations ---------------------------------------------------------------------------------
//
// A controller whose pod create is refused (e.g. by admission: a missing ServiceAccount) records FailedCreate on
// its object and is requeued with client-go's per-item exponential back-off (5 ms doubling to 1000 s: the
// controllers' DefaultControllerRateLimiter); here retries are due no sooner than that and happen on the
// controllers' ticks (at least every 2 s).

const createFailures = new Map<string, { count: number; nextAt: number; message: string }>();

function mayCreate(owner: KubeObject, now: number): boolean {
  const f = createFailures.get(owner.metadata.uid ?? '');
  return !f || now >= f.nextAt;
}

function createFailed(owner: KubeObject, message: string, now: number): void {
  const uid = owner.metadata.uid ?? '';
  const count = (createFailures.get(uid)?.count ?? 0) + 1;
  createFailures.set(uid, { count, nextAt: now + Math.min(1_000_000, 5 * 2 ** (count - 1)), message });
}

/** An ApiError from createPod (the refusal), else rethrows. */
function refusal(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  throw err;
}

const source = (component: string) => ({ component });

function event(ctx: ControllerContext, rt: ResourceType, o: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
  recordEvent(ctx.store, ctx.rt('', 'events'), { rt, object: o }, type, reason, message, source(component));
}

/** Pods of a ReplicaSet to delete first when scaling down: unscheduled, then not ready, then the newest. */
function deletionOrder(pods: KubeObject[]): KubeObject[] {
  const rank = (p: KubeObject) => (!obj(p.spec).nodeName ? 0 : !isPodReady(p) ? 1 : 2);
  return [...pods].sort((a, b) => rank(a) - rank(b) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
}

// ---- ReplicaSet -------------------------------------------------------------------------------------------

function reconcileReplicaSet(ctx: ControllerContext, rs: KubeObject): void {
  if (rs.metadata.deletionTimestamp) return;
  const rsRt = ctx.rt('apps', 'replicasets');
  const podsRt = ctx.rt('', 'pods');
  const spec = obj(rs.spec);
  const desired = num(spec.replicas, 1);
  const ns = rs.metadata.namespace ?? 'default';
  const pods = ownedBy(ctx.store.list(podsRt, ns), rs.metadata.uid).filter(isActive);
  const template = obj(spec.template);
  const tmeta = obj(template.metadata);
  // manageReplicas' error: undefined when the replicas are as wanted; while backing off, the last one.
  let manageErr: string | undefined;
  const now = Date.now();
  if (pods.length < desired) {
    if (!mayCreate(rs, now)) manageErr = createFailures.get(rs.metadata.uid ?? '')?.message;
    else {
      for (let i = pods.length; i < desired; i++) {
        let pod: KubeObject;
        try {
          pod = createPod(ctx, ns, ownerRef(rsRt, rs), { generateName: `${rs.metadata.name}-`, labels: { ...(tmeta.labels as Record<string, string>) }, annotations: tmeta.annotations as Record<string, string> | undefined, spec: obj(template.spec) });
        } catch (err) {
          manageErr = refusal(err).message;
          event(ctx, rsRt, rs, 'Warning', 'FailedCreate', `Error creating: ${manageErr}`, 'replicaset-controller');
          createFailed(rs, manageErr, now);
          break;
        }
        event(ctx, rsRt, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
        pods.push(pod);
      }
      if (!manageErr) createFailures.delete(rs.metadata.uid ?? '');
    }
  } else if (pods.length > desired) {
    for (const victim of deletionOrder(pods).slice(0, pods.length - desired)) {
      ctx.store.delete(podsRt, ns, victim.metadata.name);
      event(ctx, rsRt, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${victim.metadata.name}`, 'replicaset-controller');
    }
  }
  const live = ownedBy(ctx.store.list(podsRt, ns), rs.metadata.uid).filter(isActive);
  const ready = live.filter(isPodReady).length;
  const status = omitZero(
    {
      replicas: live.length,
      fullyLabeledReplicas: live.filter((p) => selectorMatches({ matchLabels: tmeta.labels }, p.metadata.labels)).length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    },
    ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  );
  // replica_set_utils.go calculateStatus: a failed create adds ReplicaFailure (kept, with its first message,
  // while the failures last); the first sync without error removes it.
  const failure = arr(obj(rs.status).conditions).map(obj).find((c) => c.type === 'ReplicaFailure');
  if (failure && manageErr) status.conditions = [failure];
  else if (manageErr) status.conditions = [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: nowTimestamp(), reason: 'FailedCreate', message: manageErr }];
  writeStatus(ctx, rsRt, rs, status);
}

// ---- Deployment -------------------------------------------------------------------------------------------

/** maxUnavailable / maxSurge: an int or a percentage of the desired replicas (rounded down / up). */
function intOrPercent(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return dflt;
}

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * The deployment controller moves a ReplicaSet's ReplicaFailure condition into the Deployment's conditions
 * (progress.go getReplicaFailures, the new ReplicaSet first; util.ReplicaSetToDeploymentCondition).
 */
function replicaFailure(replicaSets: KubeObject[]): Obj[] {
  for (const rs of replicaSets) {
    const c = arr(obj(rs.status).conditions).map(obj).find((x) => x.type === 'ReplicaFailure');
    if (c) return [{ type: 'ReplicaFailure', status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message }];
  }
  return [];
}

function reconcileDeployment(ctx: ControllerContext, d: KubeObject): void {
  if (d.metadata.deletionTimestamp) return;
  const depRt = ctx.rt('apps', 'deployments');
  const rsRt = ctx.rt('apps', 'replicasets');
  const ns = d.metadata.namespace ?? 'default';
  const spec = obj(d.spec);
  const desired = num(spec.replicas, 1);
  const template = obj(spec.template);
  const hash = templateHash(template);
  const owned = ownedBy(ctx.store.list(rsRt, ns), d.metadata.uid);
  let newRS = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.[REVISION] ?? '0');
  const maxRevision = Math.max(0, ...owned.map(revisionOf));
  const strategy = obj(spec.strategy);
  const rolling = obj(strategy.rollingUpdate);
  const surge = strategy.type === 'Recreate' ? 0 : intOrPercent(rolling.maxSurge, desired, true, 1);
  const maxUnavailable = strategy.type === 'Recreate' ? desired : intOrPercent(rolling.maxUnavailable, desired, false, 0);
  let created = false;
  if (!newRS && !spec.paused) {
    const tmeta = obj(template.metadata);
    const labels = { ...(tmeta.labels as Record<string, string>), 'pod-template-hash': hash };
    const selector = obj(spec.selector);
    const revision = String(maxRevision + 1);
    newRS = ctx.store.create(rsRt, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: ns,
        labels,
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + surge), [REVISION]: revision },
        ownerReferences: [ownerRef(depRt, d)],
      },
      spec: {
        replicas: 0,
        ...(spec.minReadySeconds !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector: { ...selector, matchLabels: { ...obj(selector.matchLabels), 'pod-template-hash': hash } },
        template: { ...template, metadata: { ...tmeta, labels } },
      },
      status: { replicas: 0 },
    });
    created = true;
    patchMeta(ctx, depRt, d, (m) => {
      m.annotations = { ...m.annotations, [REVISION]: revision };
    });
  } else if (newRS && revisionOf(newRS) < maxRevision) {
    // A rollback to an older template: that ReplicaSet becomes the newest revision again.
    const revision = String(maxRevision + 1);
    newRS = patchMeta(ctx, rsRt, newRS, (m) => {
      m.annotations = { ...m.annotations, [REVISION]: revision };
    });
    patchMeta(ctx, depRt, d, (m) => {
      m.annotations = { ...m.annotations, [REVISION]: revision };
    });
  }
  const anns = { 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + surge) };
  if (newRS) {
    const before = num(obj(newRS.spec).replicas);
    if (before !== desired) {
      newRS = setReplicas(ctx, rsRt, newRS, desired, anns);
      event(ctx, depRt, d, 'Normal', 'ScalingReplicaSet', `Scaled ${desired > before ? 'up' : 'down'} replica set ${newRS.metadata.name} from ${before} to ${desired}`, 'deployment-controller');
    } else newRS = setReplicas(ctx, rsRt, newRS, desired, anns);
  }
  const newAvailable = num(obj(newRS?.status).availableReplicas);
  const olds = owned.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
  for (const old of olds) {
    const before = num(obj(old.spec).replicas);
    if (before === 0) continue;
    // Rolling update (simplified): the old ReplicaSets go to 0 once the new one is fully available; Recreate
    // scales them down at once.
    if (strategy.type === 'Recreate' || newAvailable >= desired || !newRS) {
      setReplicas(ctx, rsRt, old, 0);
      event(ctx, depRt, d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${old.metadata.name} from ${before} to 0`, 'deployment-controller');
    }
  }
  // Keep spec.revisionHistoryLimit old ReplicaSets.
  const limit = num(spec.revisionHistoryLimit, 10);
  const idle = olds.filter((rs) => num(obj(ctx.store.get(rsRt, ns, rs.metadata.name)?.spec).replicas) === 0 && num(obj(rs.status).replicas) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) ctx.store.delete(rsRt, ns, rs.metadata.name);

  const all = ownedBy(ctx.store.list(rsRt, ns), d.metadata.uid);
  const sum = (f: string) => all.reduce((n, rs) => n + num(obj(rs.status)[f]), 0);
  const specTotal = all.reduce((n, rs) => n + num(obj(rs.spec).replicas), 0);
  const available = sum('availableReplicas');
  const updated = num(obj(newRS?.status).replicas);
  const prev = obj(d.status).conditions;
  const complete = !!newRS && updated === desired && available >= desired && sum('replicas') === desired;
  const progressing = !newRS
    ? condition(prev, 'Progressing', true, 'ReplicaSetUpdated', 'Deployment is paused', true)
    : complete
      ? condition(prev, 'Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`, true)
      : created
        ? condition(prev, 'Progressing', true, 'NewReplicaSetCreated', `Created new replica set "${newRS.metadata.name}"`, true)
        : condition(prev, 'Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${newRS.metadata.name}" is progressing.`, true);
  const availableCond =
    available >= desired - maxUnavailable
      ? condition(prev, 'Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.', true)
      : condition(prev, 'Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', true);
  const status = omitZero(
    {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sum('replicas'),
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specTotal - available),
      conditions: [availableCond, progressing, ...replicaFailure(newRS ? [newRS, ...olds] : olds)],
    },
    ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
  );
  writeStatus(ctx, depRt, d, status);
}

// ---- StatefulSet ------------------------------------------------------------------------------------------

function reconcileStatefulSet(ctx: ControllerContext, sts: KubeObject): void {
  if (sts.metadata.deletionTimestamp) return;
  const stsRt = ctx.rt('apps', 'statefulsets');
  const podsRt = ctx.rt('', 'pods');
  const ns = sts.metadata.namespace ?? 'default';
  const spec = obj(sts.spec);
  const desired = num(spec.replicas, 1);
  const template = obj(spec.template);
  const tmeta = obj(template.metadata);
  const updateRevision = `${sts.metadata.name}-${templateHash(template)}`;
  const parallel = spec.podManagementPolicy === 'Parallel';
  const ordinal = (p: KubeObject) => Number(/-(\d+)$/.exec(p.metadata.name)?.[1] ?? '-1');
  const pods = ownedBy(ctx.store.list(podsRt, ns), sts.metadata.uid).filter((p) => !p.metadata.deletionTimestamp);
  const byOrdinal = new Map(pods.map((p) => [ordinal(p), p]));
  let acted = false;
  for (let i = 0; i < desired && !acted; i++) {
    if (byOrdinal.has(i)) continue;
    if (!parallel && [...Array(i).keys()].some((j) => !byOrdinal.get(j) || !isPodReady(byOrdinal.get(j) as KubeObject))) break;
    const name = `${sts.metadata.name}-${i}`;
    const now = Date.now();
    if (!mayCreate(sts, now)) break;
    let pod: KubeObject;
    try {
      pod = createPod(ctx, ns, ownerRef(stsRt, sts), {
        name,
        labels: { ...(tmeta.labels as Record<string, string>), 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': updateRevision, 'statefulset.kubernetes.io/pod-name': name },
        annotations: tmeta.annotations as Record<string, string> | undefined,
        spec: { ...obj(template.spec), hostname: name, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}) },
      });
    } catch (err) {
      // stateful_pod_control.go recordPodEvent
      const message = refusal(err).message;
      event(ctx, stsRt, sts, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${sts.metadata.name} failed error: ${message}`, 'statefulset-controller');
      createFailed(sts, message, now);
      break;
    }
    createFailures.delete(sts.metadata.uid ?? '');
    event(ctx, stsRt, sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`, 'statefulset-controller');
    byOrdinal.set(i, pod);
    if (!parallel) acted = true;
  }
  const extra = [...byOrdinal.keys()].filter((i) => i >= desired).sort((a, b) => b - a);
  for (const i of parallel ? extra : extra.slice(0, 1)) {
    const p = byOrdinal.get(i) as KubeObject;
    ctx.store.delete(podsRt, ns, p.metadata.name);
    event(ctx, stsRt, sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} successful`, 'statefulset-controller');
    byOrdinal.delete(i);
    acted = true;
  }
  // Rolling update: highest ordinal first, one at a time, once all pods are Ready.
  const inRange = [...byOrdinal.entries()].filter(([i]) => i < desired);
  if (!acted && obj(spec.updateStrategy).type !== 'OnDelete' && inRange.length === desired && inRange.every(([, p]) => isPodReady(p))) {
    const stale = inRange.filter(([, p]) => p.metadata.labels?.['controller-revision-hash'] !== updateRevision).sort((a, b) => b[0] - a[0])[0];
    if (stale) {
      ctx.store.delete(podsRt, ns, stale[1].metadata.name);
      event(ctx, stsRt, sts, 'Normal', 'SuccessfulDelete', `delete Pod ${stale[1].metadata.name} in StatefulSet ${sts.metadata.name} successful`, 'statefulset-controller');
    }
  }
  const live = ownedBy(ctx.store.list(podsRt, ns), sts.metadata.uid).filter((p) => !p.metadata.deletionTimestamp);
  const updated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === updateRevision).length;
  const prevCurrent = obj(sts.status).currentRevision;
  const currentRevision = updated === live.length && live.length === desired ? updateRevision : typeof prevCurrent === 'string' ? prevCurrent : updateRevision;
  const ready = live.filter(isPodReady).length;
  const status = omitZero(
    {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: ready,
      currentReplicas: live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount: 0,
      availableReplicas: ready,
    },
    ['readyReplicas', 'currentReplicas', 'updatedReplicas'],
  );
  writeStatus(ctx, stsRt, sts, status);
}

// ---- DaemonSet --------------------------------------------------------------------------------------------

/** Taints a pod's tolerations do not cover (NoSchedule/NoExecute ones only). */
export function untoleratedTaints(taints: unknown, tolerations: unknown): Obj[] {
  const tols = arr(tolerations).map(obj);
  return arr(taints)
    .map(obj)
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .filter(
      (t) =>
        !tols.some((tol) => {
          if (tol.effect && tol.effect !== t.effect) return false;
          if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
          return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
        }),
    );
}

/** Tolerations the DaemonSet controller adds to its pods. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The node a pod is bound or pinned to (DaemonSet pods are pinned by node affinity on metadata.name). */
export function pinnedNode(p: KubeObject): string | undefined {
  const spec = obj(p.spec);
  if (typeof spec.nodeName === 'string' && spec.nodeName) return spec.nodeName;
  const terms = arr(obj(obj(obj(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms).map(obj);
  for (const t of terms) for (const f of arr(t.matchFields).map(obj)) if (f.key === 'metadata.name' && f.operator === 'In') return String(arr(f.values)[0]);
  return undefined;
}

function reconcileDaemonSet(ctx: ControllerContext, ds: KubeObject): void {
  if (ds.metadata.deletionTimestamp) return;
  const dsRt = ctx.rt('apps', 'daemonsets');
  const podsRt = ctx.rt('', 'pods');
  const ns = ds.metadata.namespace ?? 'default';
  const spec = obj(ds.spec);
  const template = obj(spec.template);
  const tmeta = obj(template.metadata);
  const tspec = obj(template.spec);
  const hash = templateHash(template);
  const tolerations = [...arr(tspec.tolerations), ...DAEMON_TOLERATIONS, ...(tspec.hostNetwork ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : [])];
  const nodes = ctx.store.list(ctx.rt('', 'nodes'));
  const eligible = nodes.filter((n) => selectorMatches({ matchLabels: tspec.nodeSelector }, n.metadata.labels) && untoleratedTaints(obj(n.spec).taints, tolerations).length === 0);
  const pods = ownedBy(ctx.store.list(podsRt, ns), ds.metadata.uid).filter((p) => !p.metadata.deletionTimestamp);
  for (const n of eligible) {
    const mine = pods.filter((p) => pinnedNode(p) === n.metadata.name);
    const current = mine.find((p) => (p.metadata.labels?.['controller-revision-hash'] ?? hash) === hash);
    for (const stale of mine.filter((p) => p !== current)) {
      ctx.store.delete(podsRt, ns, stale.metadata.name);
      event(ctx, dsRt, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${stale.metadata.name}`, 'daemonset-controller');
    }
    if (current) continue;
    const now = Date.now();
    if (!mayCreate(ds, now)) break;
    let pod: KubeObject;
    try {
      pod = createPod(ctx, ns, ownerRef(dsRt, ds), {
        generateName: `${ds.metadata.name}-`,
        labels: { ...(tmeta.labels as Record<string, string>), 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
        annotations: tmeta.annotations as Record<string, string> | undefined,
        spec: {
          ...tspec,
          tolerations,
          affinity: { ...obj(tspec.affinity), nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n.metadata.name] }] }] } } },
        },
      });
    } catch (err) {
      const message = refusal(err).message;
      event(ctx, dsRt, ds, 'Warning', 'FailedCreate', `Error creating: ${message}`, 'daemonset-controller');
      createFailed(ds, message, now);
      break;
    }
    createFailures.delete(ds.metadata.uid ?? '');
    event(ctx, dsRt, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'daemonset-controller');
  }
  for (const p of pods.filter((p) => !eligible.some((n) => n.metadata.name === pinnedNode(p)))) {
    ctx.store.delete(podsRt, ns, p.metadata.name);
    event(ctx, dsRt, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'daemonset-controller');
  }
  const live = ownedBy(ctx.store.list(podsRt, ns), ds.metadata.uid).filter((p) => !p.metadata.deletionTimestamp);
  const ready = live.filter(isPodReady).length;
  const status = omitZero(
    {
      currentNumberScheduled: live.length,
      desiredNumberScheduled: eligible.length,
      numberMisscheduled: 0,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: live.filter((p) => (p.metadata.labels?.['controller-revision-hash'] ?? hash) === hash).length,
      numberAvailable: ready,
      numberUnavailable: Math.max(0, eligible.length - ready),
    },
    ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'],
  );
  writeStatus(ctx, dsRt, ds, status);
}

// ---- the controllers --------------------------------------------------------------------------------------

function each(ctx: ControllerContext, group: string, resource: string, fn: (ctx: ControllerContext, o: KubeObject) => void): void {
  const rt = ctx.rt(group, resource);
  for (const o of ctx.store.list(rt)) {
    try {
      fn(ctx, o);
    } catch (err) {
      ctx.log(`${resource} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
}

/**
 * Runs `fn` on a tick only after a store change of one of `resources` (group/resource), and at least every
 * `resyncMs`: an idle cluster costs next to nothing, a busy one converges tick by tick (a controller's own writes
 * are changes too, so it runs again until nothing changes).
 */
export function onChanges(name: string, resources: string[], fn: (now: number, ctx: ControllerContext) => void, resyncMs = 2000): Controller {
  const watched = new Set(resources);
  let dirty = true;
  let last = 0;
  return {
    name,
    onEvent(ev) {
      if (watched.has(`${ev.rt.group}/${ev.rt.resource}`)) dirty = true;
    },
    tick(now, ctx) {
      if (!dirty && now - last < resyncMs) return;
      dirty = false;
      last = now;
      fn(now, ctx);
    },
  };
}

/**
 * The ServiceAccount controller (pkg/controller/serviceaccount/serviceaccounts_controller.go): every active
 * namespace has the ServiceAccount "default"; one that is deleted is made again. (New namespaces get theirs from
 * the namespace controller in controllers.ts, at once; this one puts back a deleted one.)
 */
function ensureDefaultServiceAccount(ev: { type: string; rt: ResourceType; object: KubeObject }, ctx: ControllerContext): void {
  if (ev.rt.group !== '' || ev.rt.resource !== 'serviceaccounts' || ev.type !== 'DELETED' || ev.object.metadata.name !== 'default') return;
  const ns = ev.object.metadata.namespace ?? '';
  const nsObj = ctx.store.get(ctx.rt('', 'namespaces'), undefined, ns);
  if (!nsObj || nsObj.metadata.deletionTimestamp || obj(nsObj.status).phase === 'Terminating') return;
  const saRt = ctx.rt('', 'serviceaccounts');
  if (!ctx.store.get(saRt, ns, 'default')) ctx.store.create(saRt, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
}

/** Deployments, then ReplicaSets (so a new Deployment has pods within one tick), StatefulSets, DaemonSets. */
const workloads = onChanges('workloads', ['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', '/pods', '/nodes'], (_now, ctx) => {
  each(ctx, 'apps', 'deployments', reconcileDeployment);
  each(ctx, 'apps', 'replicasets', reconcileReplicaSet);
  each(ctx, 'apps', 'statefulsets', reconcileStatefulSet);
  each(ctx, 'apps', 'daemonsets', reconcileDaemonSet);
});

/** The workload controllers of kube-controller-manager (and its ServiceAccount controller). */
export const workloadController: Controller = {
  name: 'workloads',
  onEvent(ev, ctx) {
    workloads.onEvent?.(ev, ctx);
    ensureDefaultServiceAccount(ev, ctx);
  },
  tick: (now, ctx) => workloads.tick?.(now, ctx),
};

// Whether a Deployment, StatefulSet or DaemonSet has finished rolling out, by the rules of
// `kubectl rollout status` (kubectl's pkg/polymorphichelpers/rollout_status.go: the controller has observed
// the newest generation, every replica is updated, available/ready, and no old replica is left), plus one
// stricter check for Deployments: no pod of an older ReplicaSet is still there (a pod being deleted still
// serves, and a gate must not pass against it). Gates that run after an upgrade wait for this first, so they
// never pass against the old pods.
import type { Kube } from '../kube/api.ts';
import { listPath } from '../kube/resources.ts';

export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  namespace: string;
  name: string;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
const PLURAL: Record<WorkloadRef['kind'], string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ kind: string; name: string; uid?: string }>;
}
interface Workload {
  metadata: Meta;
  spec?: {
    replicas?: number;
    paused?: boolean;
    selector?: { matchLabels?: Record<string, string> };
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: Record<string, unknown> & { observedGeneration?: number; conditions?: Array<{ type: string; reason?: string; message?: string }> };
}

export interface RolloutState {
  done: boolean;
  /** kubectl's words for what is still pending, or "rolled out". */
  state: string;
  /** A rollout that cannot finish by waiting (a Deployment past its progress deadline). */
  failed?: boolean;
  /**
   * It waits on pods of the current template (to be created, ready or available): the states in which a pod that
   * cannot start holds the rollout, so the gate looks at them (probes.ts rolloutGate). Not while the controller has
   * not seen the spec yet, nor for pods of an older ReplicaSet still there.
   */
  waitsOnPods?: boolean;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const selectorOf = (w: Workload): string => Object.entries(w.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

export function workloadPath(w: WorkloadRef): string {
  return `/apis/apps/v1/namespaces/${w.namespace}/${PLURAL[w.kind]}/${w.name}`;
}

/** kubectl's status rules for the object as read, without looking at pods. */
export function statusRule(kind: WorkloadRef['kind'], w: Workload): RolloutState {
  const gen = w.metadata.generation ?? 0;
  const observed = w.status?.observedGeneration ?? 0;
  const s = w.status ?? {};
  const name = w.metadata.name;
  if (kind === 'Deployment') {
    if (w.spec?.paused) return { done: true, state: `deployment "${name}" is paused` };
    if (gen > observed) return { done: false, state: `Waiting for deployment "${name}" spec update to be observed` };
    const progressing = w.status?.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: true, state: `deployment "${name}" exceeded its progress deadline` };
    const desired = w.spec?.replicas ?? 1;
    const updated = num(s.updatedReplicas);
    if (updated < desired) return { done: false, waitsOnPods: true, state: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated` };
    if (num(s.replicas) > updated) return { done: false, waitsOnPods: true, state: `Waiting for deployment "${name}" rollout to finish: ${num(s.replicas) - updated} old replicas are pending termination` };
    if (num(s.availableReplicas) < updated) return { done: false, waitsOnPods: true, state: `Waiting for deployment "${name}" rollout to finish: ${num(s.availableReplicas)} of ${updated} updated replicas are available` };
    return { done: true, state: `deployment "${name}" successfully rolled out` };
  }
  const strategy = w.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') return { done: true, state: `rollout status is not tracked for the ${strategy} strategy` };
  if (kind === 'StatefulSet') {
    if (observed === 0 || gen > observed) return { done: false, state: `Waiting for statefulset "${name}" spec update to be observed` };
    const desired = w.spec?.replicas ?? 1;
    if (num(s.readyReplicas) < desired) return { done: false, waitsOnPods: true, state: `Waiting for ${desired - num(s.readyReplicas)} pods of statefulset "${name}" to be ready` };
    const partition = w.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      if (num(s.updatedReplicas) < desired - partition) return { done: false, waitsOnPods: true, state: `Waiting for partitioned roll out of statefulset "${name}" to finish: ${num(s.updatedReplicas)} out of ${desired - partition} new pods have been updated` };
      return { done: true, state: `partitioned roll out of statefulset "${name}" complete` };
    }
    if (s.updateRevision !== s.currentRevision) return { done: false, waitsOnPods: true, state: `waiting for statefulset "${name}" rolling update to complete ${num(s.updatedReplicas)} pods at revision ${String(s.updateRevision)}` };
    return { done: true, state: `statefulset "${name}" rolled out` };
  }
  if (gen > observed) return { done: false, state: `Waiting for daemon set "${name}" spec update to be observed` };
  const desired = num(s.desiredNumberScheduled);
  if (num(s.updatedNumberScheduled) < desired) return { done: false, waitsOnPods: true, state: `Waiting for daemon set "${name}" rollout to finish: ${num(s.updatedNumberScheduled)} out of ${desired} new pods have been updated` };
  if (num(s.numberAvailable) < desired) return { done: false, waitsOnPods: true, state: `Waiting for daemon set "${name}" rollout to finish: ${num(s.numberAvailable)} of ${desired} updated pods are available` };
  return { done: true, state: `daemon set "${name}" successfully rolled out` };
}

/**
 * Pods of the Deployment that do not belong to its newest ReplicaSet (or are being deleted) and can still serve.
 * A pod that has ended (phase Failed or Succeeded: evicted, OOM-killed with restartPolicy Never, completed) serves
 * nothing and stays until it is deleted (the pod GC keeps up to --terminated-pod-gc-threshold, 12500, of them):
 * it does not hold the rollout up, as it does not in `kubectl rollout status`, which reads no pods at all.
 */
async function oldPods(kube: Kube, d: Workload): Promise<string[]> {
  const ns = d.metadata.namespace ?? 'default';
  const sel = selectorOf(d);
  const sets = (await kube.getJson<{ items: Workload[] }>(listPath('apps/v1', 'replicasets', ns, sel)))?.items ?? [];
  const mine = sets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && (d.metadata.uid ? o.uid === d.metadata.uid : o.name === d.metadata.name)));
  const revision = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const newest = mine.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
  if (!newest) return [];
  const newHash = newest.metadata.labels?.['pod-template-hash'];
  const pods = (await kube.getJson<{ items: Array<{ metadata: Meta; status?: { phase?: string } }> }>(listPath('v1', 'pods', ns, sel)))?.items ?? [];
  return pods
    .filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')
    .filter((p) => p.metadata.deletionTimestamp || (newHash !== undefined && p.metadata.labels?.['pod-template-hash'] !== newHash))
    .map((p) => p.metadata.name);
}

export async function rolloutState(kube: Kube, ref: WorkloadRef): Promise<RolloutState> {
  const w = await kube.getJson<Workload>(workloadPath(ref));
  if (!w) return { done: false, state: `${ref.kind} ${ref.namespace}/${ref.name} does not exist` };
  const rule = statusRule(ref.kind, w);
  if (!rule.done || ref.kind !== 'Deployment') return rule;
  const old = await oldPods(kube, w);
  if (old.length) return { done: false, state: `Waiting for deployment "${ref.name}" rollout to finish: pods of an older ReplicaSet still there (${old.join(', ')})` };
  return rule;
}

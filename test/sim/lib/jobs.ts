// The Job controller and the TTL-after-finished controller of kube-controller-manager, as large as hpa-lab's
// in-cluster load needs (pkg/controller/job/job_controller.go syncJob/manageJob,
// pkg/controller/ttlafterfinished/ttlafterfinished_controller.go). Non-indexed Jobs only:
//
// - pods are made from the template (its labels include the ones the API server's strategy added:
//   batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name, controller-uid, job-name), named
//   <job>-<random>, owned by the Job (controller: true, blockOwnerDeletion: true); SuccessfulCreate events;
// - up to min(parallelism, completions − succeeded) active pods; status.active/ready/succeeded/failed and
//   startTime (set on the first sync), completionTime when Complete;
// - finished: with the JobManagedBy / JobPodReplacementPolicy gates on (both on by default in the v1.36 the
//   simulation serves), the controller first adds the interim condition — SuccessCriteriaMet when the
//   completions succeeded, FailureTarget with reason BackoffLimitExceeded (failed pods > backoffLimit) or
//   DeadlineExceeded (active longer than activeDeadlineSeconds; its active pods are deleted) — and once no pod
//   is active the terminal one, Complete or Failed, with the same reason and message;
// - a finished Job with ttlSecondsAfterFinished is deleted that long after it finished (background cascade:
//   garbageCollector in controllers.ts deletes its pods, as for any owner).
//
// Left out: indexed Jobs, podFailurePolicy, successPolicy, backoffLimitPerIndex, suspend, pod back-off delays
// between retries, the job-tracking finalizer and uncountedTerminatedPods (pods are counted by uid here; a pod
// deleted before it succeeded counts as failed, as isPodFailed says, seen here as an active pod gone), managedBy.
import type { Controller, ControllerContext } from './controllers.ts';
import { recordEvent } from './events.ts';
import { nowTimestamp, type KubeObject } from './store.ts';
import { arr, createPod, obj, ownedBy, isPodReady, onChanges } from './workloads.ts';
import { ApiError } from './apierrors.ts';

type Obj = Record<string, unknown>;
const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Pods of a Job counted once they finished (the real controller counts through its tracking finalizer). */
const counted = new Map<string, { succeeded: Set<string>; failed: Set<string>; active: Set<string> }>();

function cond(status: Obj, type: string): Obj | undefined {
  return arr(status.conditions).map(obj).find((c) => c.type === type && c.status === 'True');
}

function newCondition(type: string, reason: string, message: string): Obj {
  const t = nowTimestamp();
  return { type, status: 'True', lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function jobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const st = obj(job.status);
  return cond(st, 'Complete') ? 'Complete' : cond(st, 'Failed') ? 'Failed' : undefined;
}

function event(ctx: ControllerContext, job: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
  recordEvent(ctx.store, ctx.rt('', 'events'), { rt: ctx.rt('batch', 'jobs'), object: job }, type, reason, message, { component: 'job-controller' });
}

function syncJob(ctx: ControllerContext, job: KubeObject, now: number): void {
  if (job.metadata.deletionTimestamp || jobFinished(job)) return;
  const jobsRt = ctx.rt('batch', 'jobs');
  const podsRt = ctx.rt('', 'pods');
  const ns = job.metadata.namespace ?? 'default';
  const uid = job.metadata.uid ?? '';
  const spec = obj(job.spec);
  const status: Obj = { ...obj(job.status) };
  status.startTime ??= nowTimestamp(new Date(now));
  const tally = counted.get(uid) ?? { succeeded: new Set<string>(), failed: new Set<string>(), active: new Set<string>() };
  counted.set(uid, tally);

  let pods = ownedBy(ctx.store.list(podsRt, ns), uid);
  for (const p of pods) {
    const phase = obj(p.status).phase;
    if (phase === 'Succeeded') tally.succeeded.add(p.metadata.uid ?? '');
    // isPodFailed: Failed, or (no podFailurePolicy) deleted before it succeeded: "Count deleted Pods as failures
    // to account for orphan Pods that never have a chance to reach the Failed phase".
    if (phase === 'Failed' || (p.metadata.deletionTimestamp && phase !== 'Succeeded')) tally.failed.add(p.metadata.uid ?? '');
  }
  // The real controller sees a deleted pod through its tracking finalizer before the pod goes; here a pod that was
  // active at the last sync and is gone without having succeeded is that deleted pod.
  const present = new Set(pods.map((p) => p.metadata.uid ?? ''));
  for (const gone of tally.active) if (!present.has(gone) && !tally.succeeded.has(gone)) tally.failed.add(gone);
  const isActive = (p: KubeObject) => !p.metadata.deletionTimestamp && obj(p.status).phase !== 'Succeeded' && obj(p.status).phase !== 'Failed';
  const succeeded = tally.succeeded.size;
  const failed = tally.failed.size;
  const completions = num(spec.completions, 1);
  const parallelism = num(spec.parallelism, 1);

  // An interim condition already set: the terminal one once no pod is active any more.
  const target = cond(status, 'FailureTarget') ?? cond(status, 'SuccessCriteriaMet');
  let finishing = target;
  if (!finishing) {
    const deadline = typeof spec.activeDeadlineSeconds === 'number' ? Date.parse(String(status.startTime)) + spec.activeDeadlineSeconds * 1000 : undefined;
    if (failed > num(spec.backoffLimit, 6)) finishing = newCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    else if (deadline !== undefined && now >= deadline) finishing = newCondition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    else if (succeeded >= completions && pods.filter(isActive).length === 0) finishing = newCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
    if (finishing) status.conditions = [...arr(status.conditions), finishing];
  }
  if (finishing?.type === 'FailureTarget') {
    // A failed Job's active pods are deleted (deleteActivePods).
    for (const p of pods.filter(isActive)) {
      ctx.store.delete(podsRt, ns, p.metadata.name);
      event(ctx, job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
    }
    pods = ownedBy(ctx.store.list(podsRt, ns), uid);
  } else if (!finishing) {
    // manageJob: as many active pods as are wanted, no more.
    const active = pods.filter(isActive).length;
    const want = Math.max(0, Math.min(parallelism, completions - succeeded));
    const template = obj(spec.template);
    const tmeta = obj(template.metadata);
    const owner = { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid, controller: true, blockOwnerDeletion: true };
    for (let i = active; i < want; i++) {
      try {
        const pod = createPod(ctx, ns, owner, { generateName: `${job.metadata.name}-`, labels: { ...(tmeta.labels as Record<string, string>) }, annotations: tmeta.annotations as Record<string, string> | undefined, spec: obj(template.spec) });
        event(ctx, job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        event(ctx, job, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
        break;
      }
    }
    pods = ownedBy(ctx.store.list(podsRt, ns), uid);
  }
  const activePods = pods.filter(isActive);
  tally.active = new Set(activePods.map((p) => p.metadata.uid ?? ''));
  status.active = activePods.length;
  status.ready = activePods.filter(isPodReady).length;
  status.succeeded = succeeded;
  status.failed = failed;
  status.terminating = pods.filter((p) => p.metadata.deletionTimestamp).length;
  if (finishing && activePods.length === 0 && finishing === target) {
    // The second step: the terminal condition (and, for success, the completion time).
    const terminal = finishing.type === 'FailureTarget' ? 'Failed' : 'Complete';
    status.conditions = [...arr(status.conditions), newCondition(terminal, text(finishing.reason), text(finishing.message))];
    if (terminal === 'Complete') {
      status.completionTime = nowTimestamp(new Date(now));
      event(ctx, job, 'Normal', 'Completed', 'Job completed');
    } else event(ctx, job, 'Warning', text(finishing.reason), text(finishing.message));
    counted.delete(uid);
  }
  for (const k of ['active', 'succeeded', 'failed']) if (status[k] === 0) delete status[k];
  const cur = ctx.store.get(jobsRt, ns, job.metadata.name);
  if (!cur || JSON.stringify(cur.status) === JSON.stringify(status)) return;
  ctx.store.update(jobsRt, { ...cur, status, metadata: { ...cur.metadata, resourceVersion: undefined } });
}

/** ttlafterfinished: a finished Job is deleted ttlSecondsAfterFinished after its terminal condition. */
function expireJob(ctx: ControllerContext, job: KubeObject, now: number): void {
  const ttl = obj(job.spec).ttlSecondsAfterFinished;
  const how = jobFinished(job);
  if (typeof ttl !== 'number' || !how || job.metadata.deletionTimestamp) return;
  const at = Date.parse(text(cond(obj(job.status), how)?.lastTransitionTime));
  if (Number.isFinite(at) && now >= at + ttl * 1000) {
    try {
      ctx.store.delete(ctx.rt('batch', 'jobs'), job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' });
    } catch {
      // gone already
    }
  }
}

const jobs = onChanges('job-controller', ['batch/jobs', '/pods'], (now, ctx) => {
  for (const job of ctx.store.list(ctx.rt('batch', 'jobs'))) {
    try {
      syncJob(ctx, job, now);
      expireJob(ctx, ctx.store.get(ctx.rt('batch', 'jobs'), job.metadata.namespace, job.metadata.name) ?? job, now);
    } catch (err) {
      ctx.log(`job ${job.metadata.namespace ?? ''}/${job.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
}, 1000);

export const jobController: Controller = {
  name: 'job-controller',
  onEvent(ev, ctx) {
    jobs.onEvent?.(ev, ctx);
    if (ev.type === 'DELETED' && ev.rt.group === 'batch' && ev.rt.resource === 'jobs') counted.delete(ev.object.metadata.uid ?? '');
  },
  tick: (now, ctx) => jobs.tick?.(now, ctx),
};

// `demo --in-cluster-load`: the demo's load from a batch/v1 Job in the cluster instead of this machine. The Job
// runs the stack's load generator (demo.inCluster: a command of an image the stack builds, app/load.ts in the app's
// image) against the Service's in-cluster DNS name, so the requests go through kube-proxy and spread over the
// pods as real traffic would, with no port-forward. What it achieved is read from its pod's log (JSON lines).
//
// The image: the one the live pods of the demo run for that component (read from the cluster), so it is exactly
// what `up` loaded into the kind node or pushed to `up --context --registry`, and the demo needs no --registry.
import type { Diagnosis } from '../gates/poll.ts';
import { waitFor } from '../gates/poll.ts';
import type { Clock } from '../gates/poll.ts';
import { parseImageRef } from '../images/ref.ts';
import type { Kube } from '../kube/api.ts';
import { labLabels } from '../cluster/ownership.ts';
import { explainPods } from '../gates/pod-diagnosis.ts';
import { listPath } from '../kube/resources.ts';
import { LabError } from '../errors.ts';
import type { InClusterLoadSpec } from '../stack/stack-file.ts';
import { lastLoadLine, type LoadReport } from './model.ts';

/**
 * Seconds the Job may stay active past the load's own duration and the time its pod may take to start (the
 * demo's start deadline, scaled by --timeout-factor): the termination grace and the final summary.
 */
export const DEADLINE_MARGIN_SECONDS = 30;
/** The load generator reports its progress at most this often (app/load.ts --progress). */
export const MAX_PROGRESS_SECONDS = 2;
/** How long the Job and its pod are kept once finished, should the demo not delete them itself. */
export const TTL_AFTER_FINISHED_SECONDS = 300;

export interface LoadJobParams {
  name: string;
  namespace: string;
  lab: string;
  image: string;
  command: string[];
  url: string;
  rate: number;
  connections: number;
  durationSeconds: number;
  /** how long the demo waits for the pod to run: the Job's active deadline allows for it */
  startDeadlineMs: number;
  /** the load generator's progress period (progressSeconds(): at most the demo's --interval) */
  progressSeconds: number;
}

/**
 * The load generator's progress period for a demo refreshing every `intervalSeconds`: at most the interval,
 * so every refresh sees a new line (a longer period makes the rate shown flicker between 0 and twice the
 * rate), and at most MAX_PROGRESS_SECONDS.
 */
export function progressSeconds(intervalSeconds: number): number {
  return Math.min(MAX_PROGRESS_SECONDS, intervalSeconds);
}

/** The Job (a plain object: kube.send POSTs it). */
export function loadJob(p: LoadJobParams): Record<string, unknown> {
  const labels = { ...labLabels(p.lab), 'app.kubernetes.io/component': 'demo-load' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: {
      // One pod, never retried: a failed load is a failed demo, said at once, not a second load later.
      backoffLimit: 0,
      // counted from the Job's start, which includes its pod's start-up (pull, schedule): the demo allows that
      // up to startDeadlineMs, so the deadline does too
      activeDeadlineSeconds: Math.ceil(p.durationSeconds) + Math.ceil(p.startDeadlineMs / 1000) + DEADLINE_MARGIN_SECONDS,
      ttlSecondsAfterFinished: TTL_AFTER_FINISHED_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // the load's own grace: SIGTERM makes it print its summary and exit
          terminationGracePeriodSeconds: 10,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'load',
              image: p.image,
              imagePullPolicy: 'IfNotPresent',
              command: p.command,
              args: ['--url', p.url, '--rate', String(p.rate), '--connections', String(p.connections), '--duration', String(Math.ceil(p.durationSeconds)), '--progress', String(p.progressSeconds)],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

interface Pod {
  metadata: { name: string };
  spec?: { containers?: Array<{ name: string; image?: string }> };
  status?: {
    phase?: string;
    /** e.g. Evicted, DeadlineExceeded */
    reason?: string;
    message?: string;
    containerStatuses?: Array<{ name: string; state?: { running?: unknown; waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string; message?: string } } }>;
  };
}
interface PodList {
  items: Pod[];
}
interface JobObject {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** How the load's pod ended, as its pod, its container and its Job say it. */
export interface LoadEnd {
  /** namespace/name of the pod */
  pod: string;
  /** the pod's phase when it was seen ended, or "deleted" */
  phase: string;
  /** e.g. OOMKilled, Error, Evicted, DeadlineExceeded (the Job's), or "deleted" */
  reason: string;
  exitCode?: number;
  message?: string;
  /** true: it exited 0 after its whole duration (the load was done, not stopped early) */
  complete: boolean;
  /** the last lines of its log that are not the load's JSON lines (a crash's message), when it ended early */
  logTail?: string[];
}

/** One line: "pod default/x ended: Failed, OOMKilled, exit code 137 (message)". */
export function describeLoadEnd(e: LoadEnd): string {
  const parts = [e.phase, ...(e.reason !== e.phase ? [e.reason] : []), ...(e.exitCode !== undefined ? [`exit code ${e.exitCode}`] : [])];
  return `pod ${e.pod} ${e.phase === 'deleted' ? 'was deleted' : `ended: ${parts.join(', ')}`}${e.message ? ` (${e.message})` : ''}`;
}

/**
 * The image reference the demo's pods run for the stack's image `repository` (registry host and tag as the
 * cluster has them). A LabError when no pod runs it: `up` has not made them, or they run another image.
 */
export async function imageInCluster(kube: Kube, pods: { namespace: string; labelSelector: string }, repository: string, component: string): Promise<string> {
  const want = parseImageRef(repository)?.path ?? repository;
  const list = await kube.getJson<PodList>(listPath('v1', 'pods', pods.namespace, pods.labelSelector));
  const images = (list?.items ?? []).flatMap((p) => (p.spec?.containers ?? []).map((c) => c.image ?? ''));
  const found = images.find((i) => {
    const path = parseImageRef(i)?.path;
    return path === want || path?.endsWith(`/${want}`);
  });
  if (!found) {
    throw new LabError(`no pod ${pods.labelSelector} in namespace ${pods.namespace} runs the image of ${component} (${repository}): the in-cluster load runs that image`, {
      details: images.length ? [`their images: ${[...new Set(images)].join(', ')}`] : ['there are no such pods'],
      fix: 'npm run up (with the same --stack, --set and --variant as the demo), then the demo again',
    });
  }
  return found;
}

export interface InClusterLoad {
  job: string;
  namespace: string;
  image: string;
  url: string;
  /** Re-reads the pod (has it ended?), its Job (has it failed?) and its log (call before counts() and ended()). */
  refresh(): Promise<void>;
  /** How the pod ended, once a refresh() before stop() saw it end (undefined while it runs). */
  ended(): LoadEnd | undefined;
  /** 2xx and other answers so far, from the pod's last line (its progress every 2 s, or its summary). */
  counts(): { ok: number; failed: number };
  /** The last progress or summary line seen. */
  report(): LoadReport | undefined;
  /**
   * Deletes the Job and, with it, its pod (propagationPolicy Background). Idempotent; never throws: when the
   * API refuses (anything but 200, 202 or 404), onWarn gets a line naming the Job, the answer, and the fix.
   * A Job whose pod ended early (ended(), not complete, the pod still there) is kept, so that its pod's log can
   * be read: it runs no other pod (backoffLimit 0) and its ttlSecondsAfterFinished removes it.
   */
  stop(): Promise<void>;
  /** true once stop() kept the Job (see stop()). */
  kept(): boolean;
}

export interface StartOptions {
  kube: Kube;
  clock: Clock;
  signal?: AbortSignal;
  lab: string;
  spec: InClusterLoadSpec;
  namespace: string;
  image: string;
  rate: number;
  connections: number;
  durationSeconds: number;
  /** how long the pod may take to start running (scaled by the lab's timeout factor) */
  startDeadlineMs: number;
  /** the load generator's progress period (progressSeconds()) */
  progressSeconds: number;
  onWait?: (line: string) => void;
  /** a line for the user when something is left behind (a Job that could not be deleted) */
  onWarn?: (line: string) => void;
}

/** Creates the Job and waits until its pod runs; the Job is deleted again when it cannot start. */
export async function startInClusterLoad(o: StartOptions): Promise<InClusterLoad> {
  const name = `demo-load-${o.clock.now().toString(36)}`;
  const ns = o.namespace;
  const jobPath = `/apis/batch/v1/namespaces/${ns}/jobs`;
  const body = loadJob({
    name, namespace: ns, lab: o.lab, image: o.image, command: o.spec.command, url: o.spec.url, rate: o.rate, connections: o.connections,
    durationSeconds: o.durationSeconds, startDeadlineMs: o.startDeadlineMs, progressSeconds: o.progressSeconds,
  });
  const created = await o.kube.send('POST', jobPath, body);
  if (created.status !== 201 && created.status !== 200) {
    throw new LabError(`could not create the in-cluster load's Job ${ns}/${name}: HTTP ${created.status}: ${statusMessage(created.body)}`);
  }
  const selector = `batch.kubernetes.io/job-name=${name}`;
  let stopped = false;
  let pod: string | undefined;
  let last: LoadReport | undefined;
  let end: LoadEnd | undefined;
  let logText = '';
  let keptJob = false;
  /** The pod's and the Job's state first, the log after: a pod seen ended has its last lines in the log read next. */
  const readEnd = async (podName: string): Promise<LoadEnd | undefined> => {
    // an API that does not answer now says nothing about the pod: the next refresh asks again
    const [p, job] = await Promise.all([
      o.kube.getJson<Pod>(`/api/v1/namespaces/${ns}/pods/${podName}`).then((v) => ({ v }), () => undefined),
      o.kube.getJson<JobObject>(`${jobPath}/${name}`).catch(() => undefined),
    ]);
    const failed = job?.status?.conditions?.find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True');
    const ref = `${ns}/${podName}`;
    if (p && !p.v) return { pod: ref, phase: 'deleted', reason: failed?.reason ?? 'deleted', message: failed?.message, complete: false };
    const st = p?.v?.status;
    const term = st?.containerStatuses?.find((c) => c.name === 'load')?.state?.terminated ?? st?.containerStatuses?.[0]?.state?.terminated;
    if (st?.phase === 'Failed' || st?.phase === 'Succeeded' || term) {
      return {
        pod: ref,
        phase: st?.phase ?? 'Running',
        reason: st?.reason ?? term?.reason ?? failed?.reason ?? st?.phase ?? 'Terminated',
        exitCode: term?.exitCode,
        message: st?.message ?? term?.message ?? failed?.message,
        complete: false,
      };
    }
    if (failed) return { pod: ref, phase: st?.phase ?? 'Running', reason: failed.reason ?? 'Failed', message: failed.message, complete: false };
    return undefined;
  };
  const load: InClusterLoad = {
    job: name,
    namespace: ns,
    image: o.image,
    url: o.spec.url,
    async refresh() {
      if (!pod) return;
      const e = stopped || end ? undefined : await readEnd(pod);
      const r = await o.kube.getRaw(`/api/v1/namespaces/${ns}/pods/${pod}/log?container=load`).catch(() => undefined);
      if (r?.status === 200) {
        logText = r.body;
        last = lastLoadLine(r.body) ?? last;
      }
      // exit 0 with the summary of its whole duration: the load was done, not stopped early
      if (e) {
        const complete = e.phase === 'Succeeded' && e.exitCode === 0 && last?.type === 'summary' && last.elapsedSeconds >= Math.ceil(o.durationSeconds);
        const tail = logText.split('\n').map((l) => l.trimEnd()).filter((l) => l && !l.trimStart().startsWith('{"type":')).slice(-5);
        end = { ...e, complete, ...(!complete && tail.length ? { logTail: tail } : {}) };
      }
    },
    ended: () => end,
    kept: () => keptJob,
    counts: () => ({ ok: last?.ok ?? 0, failed: last?.failed ?? 0 }),
    report: () => last,
    async stop() {
      if (stopped) return;
      stopped = true;
      // the final summary, if the pod has printed it already (else the last progress line stands)
      await load.refresh().catch(() => undefined);
      if (end && !end.complete && end.phase !== 'deleted') {
        keptJob = true;
        return;
      }
      const answer = await o.kube.send('DELETE', `${jobPath}/${name}`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }).then(
        (r) => (r.status === 200 || r.status === 202 || r.status === 404 ? undefined : `HTTP ${r.status}: ${statusMessage(r.body)}`),
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      if (answer) {
        o.onWarn?.(`warning: could not delete the in-cluster load's Job ${ns}/${name}: ${answer}; it and its pod stay until their deadline or TTL (fix: kubectl -n ${ns} delete job ${name})`);
      }
    },
  };
  try {
    const started = await waitFor<{ pod: string } | { ended: LabError }>(
      {
        what: `the in-cluster load's pod (Job ${ns}/${name}) to run`,
        deadlineMs: o.startDeadlineMs,
        intervalMs: 500,
        probe: async () => {
          const list = await o.kube.getJson<PodList>(listPath('v1', 'pods', ns, selector));
          const p = list?.items[0];
          if (!p) return { ok: false, state: 'no pod yet' };
          const cs = p.status?.containerStatuses?.[0]?.state;
          if (p.status?.phase === 'Running' && cs?.running) return { ok: true, value: { pod: p.metadata.name } };
          if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded' || cs?.terminated) {
            const ended = new LabError(`the in-cluster load's pod ${ns}/${p.metadata.name} ended before the load ran (phase ${p.status?.phase ?? '?'}, exit code ${cs?.terminated?.exitCode ?? '?'})`, {
              fix: `kubectl logs -n ${ns} ${p.metadata.name}`,
            });
            return { ok: true, value: { ended } };
          }
          return { ok: false, state: `pod ${p.metadata.name} ${p.status?.phase ?? 'Pending'}${cs?.waiting?.reason ? ` (${cs.waiting.reason})` : ''}` };
        },
        diagnose: async (): Promise<Diagnosis | undefined> => explainPods(o.kube, ns, selector, [name]),
      },
      { clock: o.clock, signal: o.signal, onWait: o.onWait },
    );
    if ('ended' in started) throw started.ended;
    pod = started.pod;
  } catch (err) {
    await load.stop();
    throw err;
  }
  return load;
}

/**
 * The demo's failure when its in-cluster load's pod ended before the demo stopped it (exit 1, after the summary
 * and results): `how` says how and when (the summary's row), then the pod's last log lines, `more` (the
 * verdict), and where to read more: its log when stop() kept the Job, else the pod's events (it is gone).
 */
export function loadStoppedError(load: InClusterLoad, end: LoadEnd, how: string, more: string[] = []): LabError {
  const [ns = load.namespace, pod = ''] = end.pod.split('/');
  return new LabError(`the in-cluster load stopped early: ${how}; the demo's figures cover only the load it got`, {
    details: [
      ...(end.logTail?.length ? ['its log ends with:', ...end.logTail.map((l) => `  ${l}`)] : []),
      ...more,
      ...(load.kept() ? [`Job ${load.namespace}/${load.job} and its pod are kept for that (its ttlSecondsAfterFinished removes them ${TTL_AFTER_FINISHED_SECONDS}s after it finished)`] : []),
    ],
    fix: load.kept() ? `kubectl logs -n ${ns} ${pod}` : `kubectl -n ${ns} get events --field-selector involvedObject.name=${pod}   (the pod is gone: its events say why)`,
  });
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

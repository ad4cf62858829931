// The simulated Job controller and containers that exit (test/sim/lib/{jobs,kubelet,strategies}.ts,
// test/sim/datapath/load-job.ts), through the real kubectl: the API server's generated selector and labels and its
// restartPolicy validation; a Job's pod running the REAL app/load.ts from the sample app's image, exiting 0
// (pod Succeeded, container terminated Completed; Job SuccessCriteriaMet then Complete) or 2 on bad flags (pod
// Failed; Job FailureTarget then Failed, BackoffLimitExceeded); activeDeadlineSeconds (DeadlineExceeded, the
// pod deleted); a running pod deleted counting as failed; ttlSecondsAfterFinished and a Background delete removing
// the Job with its pod.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from './helpers/sim.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

type Obj = Record<string, unknown>;
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Job {
  metadata: { name: string; uid: string };
  spec: { selector?: { matchLabels?: Record<string, string> }; template: { metadata: { labels?: Record<string, string> } }; backoffLimit?: number };
  status?: { active?: number; ready?: number; succeeded?: number; failed?: number; startTime?: string; completionTime?: string; conditions?: Condition[] };
}
interface Pod {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }> };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: Array<{ ready: boolean; state: { terminated?: { exitCode: number; reason: string; startedAt?: string; finishedAt?: string } } }> };
}

const CLUSTER = 'jobs';
const IMAGE = 'hpa-lab/sample-app:jobs-test';
const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => waitUntil(what, fn, timeoutMs, 250);

describe.skipIf(!requireKubectl())(`the simulated Job controller and container exits, seen through kubectl${KUBECTL_REASON}`, { timeout: 240_000 }, () => {
  let sim: Sim;
  let files = 0;
  const k = (...args: string[]) => sim.exec('kubectl', ['--context', `kind-${CLUSTER}`, ...args]);
  async function apply(...objects: Obj[]) {
    const file = path.join(sim.home, `objects-${++files}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    return k('apply', '-f', file);
  }
  async function getJson<T>(...args: string[]): Promise<T> {
    const r = await k('get', ...args, '-o', 'json');
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as T;
  }
  const job = (name: string) => getJson<Job>('job', name, '-n', 'default');
  const podsOf = async (name: string) => (await getJson<{ items: Pod[] }>('pods', '-n', 'default', '-l', `batch.kubernetes.io/job-name=${name}`)).items;
  /** restartPolicy '' leaves it out (the API default, Always). */
  const loadJob = (name: string, args: string[], spec: Obj = {}, restartPolicy = 'Never'): Obj => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { backoffLimit: 0, ...spec, template: { metadata: { labels: { role: 'load' } }, spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'load', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['node', 'load.ts'], args }] } } },
  });
  const conditions = (j: Job) => (j.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}${c.reason ? `:${c.reason}` : ''}`);

  beforeAll(async () => {
    sim = await createSim();
    const created = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER]);
    expect(created.exitCode, created.stderr).toBe(0);
    // The app's image, built and loaded into the node as `up` does: the Job's pod runs load.ts from it.
    const built = await sim.exec('docker', ['build', '-t', IMAGE, 'app']);
    expect(built.exitCode, built.stderr).toBe(0);
    const loaded = await sim.exec('kind', ['load', 'docker-image', IMAGE, '--name', CLUSTER]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
  }, 120_000);
  afterAll(() => sim.cleanup());

  it('refuses a pod template whose restartPolicy is not Never or OnFailure (the default Always included)', async () => {
    for (const policy of ['Always', '']) {
      const r = await apply(loadJob('bad-policy', ['--url', 'http://x/', '--rate', '1'], {}, policy));
      expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/The Job "bad-policy" is invalid: spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    }
  });

  it('a pod whose load.ts exits 0: the generated selector and labels, the pod Succeeded, the Job SuccessCriteriaMet then Complete', async () => {
    // Nothing listens at this URL: every request fails, the load still ends after its second and exits 0.
    expect((await apply(loadJob('done', ['--url', 'http://127.0.0.1:9/', '--rate', '5', '--duration', '1']))).exitCode).toBe(0);
    const j = await job('done');
    const uid = j.metadata.uid;
    expect(j.spec.selector?.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': uid });
    expect(j.spec.template.metadata.labels).toEqual({ role: 'load', 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'done', 'controller-uid': uid, 'job-name': 'done' });
    const finished = await eventually('Job done Complete', async () => {
      const x = await job('done');
      return conditions(x).includes('Complete:CompletionsReached') ? x : undefined;
    });
    expect(conditions(finished)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    expect(finished.status).toMatchObject({ succeeded: 1, ready: 0 });
    expect(finished.status?.active).toBeUndefined();
    expect(Date.parse(finished.status?.completionTime ?? '')).toBeGreaterThanOrEqual(Date.parse(finished.status?.startTime ?? ''));
    const [pod] = await podsOf('done');
    expect(pod?.metadata.name).toMatch(/^done-[a-z0-9]{5}$/);
    expect(pod?.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'done', uid, controller: true, blockOwnerDeletion: true }]);
    expect(pod?.status?.phase).toBe('Succeeded');
    expect(pod?.status?.containerStatuses?.[0]).toMatchObject({ ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(pod?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(pod?.status?.conditions?.find((c) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    // its log: the load generator's summary line
    const log = await k('logs', '-n', 'default', pod?.metadata.name ?? '');
    expect(log.stdout).toMatch(/\{"type":"summary","sent":5,"ok":0,"failed":5,/);
    expect((await k('get', 'pods', '-n', 'default', '-l', 'job-name=done')).stdout).toMatch(/done-\w+ +0\/1 +Completed +0 /);
  });

  it('a pod that exits 2 (bad flags) with backoffLimit 0: pod Failed, Job FailureTarget then Failed (BackoffLimitExceeded), no retry', async () => {
    expect((await apply(loadJob('bad-flags', ['--url', 'http://127.0.0.1:9/']))).exitCode).toBe(0);
    const failed = await eventually('Job bad-flags Failed', async () => {
      const x = await job('bad-flags');
      return conditions(x).includes('Failed:BackoffLimitExceeded') ? x : undefined;
    });
    expect(conditions(failed)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.message).toBe('Job has reached the specified backoff limit');
    expect(failed.status).toMatchObject({ failed: 1 });
    const pods = await podsOf('bad-flags');
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.phase).toBe('Failed');
    expect(pods[0]?.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    // the kubelet's conditions for a Failed pod (pkg/kubelet/status/generate.go): PodFailed, not PodCompleted
    for (const type of ['Ready', 'ContainersReady']) expect(pods[0]?.status?.conditions?.find((c) => c.type === type)).toMatchObject({ status: 'False', reason: 'PodFailed' });
  });

  it('activeDeadlineSeconds: DeadlineExceeded, its running pod deleted', async () => {
    expect((await apply(loadJob('deadline', ['--url', 'http://127.0.0.1:9/', '--rate', '1', '--duration', '600'], { activeDeadlineSeconds: 2 }))).exitCode).toBe(0);
    await eventually('the deadline pod running', async () => (await podsOf('deadline')).some((p) => p.status?.phase === 'Running'));
    const failed = await eventually('Job deadline Failed', async () => {
      const x = await job('deadline');
      return conditions(x).includes('Failed:DeadlineExceeded') ? x : undefined;
    });
    expect(conditions(failed)).toEqual(['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded']);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.message).toBe('Job was active longer than specified deadline');
    expect(await podsOf('deadline')).toEqual([]);
  });

  it('a running pod deleted (backoffLimit 0) counts as failed: the Job fails with BackoffLimitExceeded and makes no new pod', async () => {
    expect((await apply(loadJob('evicted', ['--url', 'http://127.0.0.1:9/', '--rate', '1', '--duration', '600']))).exitCode).toBe(0);
    const running = await eventually('the evicted Job pod running', async () => (await podsOf('evicted')).find((p) => p.status?.phase === 'Running'));
    const del = await k('delete', 'pod', running.metadata.name, '-n', 'default', '--wait=false');
    expect(del.exitCode, del.stderr).toBe(0);
    const failed = await eventually('Job evicted Failed', async () => {
      const x = await job('evicted');
      return conditions(x).includes('Failed:BackoffLimitExceeded') ? x : undefined;
    });
    expect(conditions(failed)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    expect(failed.status?.failed).toBe(1);
    expect((await podsOf('evicted')).map((p) => p.metadata.name).filter((n) => n !== running.metadata.name)).toEqual([]);
  });

  it('ttlSecondsAfterFinished deletes a finished Job and its pod; a Background delete of a running Job removes its pod', async () => {
    expect((await apply(loadJob('ttl', ['--url', 'http://127.0.0.1:9/', '--rate', '5', '--duration', '1'], { ttlSecondsAfterFinished: 1 }))).exitCode).toBe(0);
    await eventually('Job ttl gone', async () => (await k('get', 'job', 'ttl', '-n', 'default')).stderr.includes('NotFound'));
    await eventually('its pod gone', async () => (await podsOf('ttl')).length === 0);

    expect((await apply(loadJob('running', ['--url', 'http://127.0.0.1:9/', '--rate', '1', '--duration', '600']))).exitCode).toBe(0);
    await eventually('the running Job active and ready', async () => (await job('running')).status?.ready === 1);
    const del = await k('delete', 'job', 'running', '-n', 'default', '--cascade=background');
    expect(del.exitCode, del.stderr).toBe(0);
    await eventually('its pod gone with it', async () => (await podsOf('running')).length === 0);
  });
});

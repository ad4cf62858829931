// `demo --in-cluster-load` before the cluster: the stack's demo.inCluster (parsed and checked as data), the Job
// built from it, the load generator's log lines read back, and the flag refused (exit 2, nothing touched) for a
// stack without an in-cluster load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { main } from '../scripts/cli.ts';
import { inClusterLoadLine, lastLoadLine } from '../scripts/lib/demo/model.ts';
import { DEADLINE_MARGIN_SECONDS, describeLoadEnd, loadJob, loadStoppedError, progressSeconds, startInClusterLoad } from '../scripts/lib/demo/in-cluster-load.ts';
import { parseLoadFlags } from '../app/load.ts';
import { prepareStack } from '../scripts/lib/stack/prepare.ts';
import { parseStack } from '../scripts/lib/stack/stack-file.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { thrownInputError } from './helpers/errors.ts';

const stackDoc = () => parse(readFileSync(path.join(REPO_ROOT, 'stacks', 'custom-metrics.yaml'), 'utf8')) as { demo: Record<string, unknown> };

const inputError = (fn: () => unknown): string => thrownInputError(fn).message;

describe('demo.inCluster in a stack', () => {
  it.each(['custom-metrics', 'keda'])('%s: resolves to the app Service by its in-cluster DNS name, and the image component', (name) => {
    const state = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-icl-'));
    try {
      const prepared = prepareStack({ stack: name, sets: [] }, state);
      const demo = prepared.resolver.resolve(prepared.stack.demo, 'demo');
      expect(demo?.inCluster).toEqual({ image: 'sample-app-image', command: ['node', 'load.ts'], url: 'http://test-prometheus.default.svc:8080/' });
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('is checked like the rest of demo: (file, field, what was expected)', () => {
    const withInCluster = (v: unknown) => {
      const doc = stackDoc();
      doc.demo.inCluster = v;
      return () => parseStack('stacks/x.yaml', doc, REPO_ROOT);
    };
    expect(inputError(withInCluster({ image: 'metrics-server', command: ['node', 'load.ts'], url: 'http://a.b.svc:80/' }))).toMatch(/^stacks\/x\.yaml: demo\.inCluster\.image: expected a component with image: \(one of: sample-app-image\), got "metrics-server"/);
    expect(inputError(withInCluster({ image: 'sample-app-image', command: [], url: 'http://a.b.svc:80/' }))).toMatch(/demo\.inCluster\.command: expected the load generator's command/);
    expect(inputError(withInCluster({ image: 'sample-app-image', command: ['node'], url: 'https://a.b.svc/' }))).toMatch(/demo\.inCluster\.url: expected an http:\/\/ URL/);
    expect(inputError(withInCluster({ image: 'sample-app-image', command: ['node'], url: 'http://a/', extra: 1 }))).toMatch(/demo\.inCluster\.extra: unknown field/);
  });
});

describe('the load Job', () => {
  const params = { name: 'demo-load-x', namespace: 'default', lab: 'hpa-lab', image: 'hpa-lab/sample-app:abc', command: ['node', 'load.ts'], url: 'http://test-prometheus.default.svc:8080/', rate: 30, connections: 8, durationSeconds: 185, startDeadlineMs: 120_000, progressSeconds: 2 };
  const job = loadJob(params);
  interface JobSpec {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    ttlSecondsAfterFinished: number;
    template: { metadata: { labels: Record<string, string> }; spec: { restartPolicy: string; containers: Array<{ image: string; command: string[]; args: string[]; resources: { requests: unknown } }> } };
  }
  const spec = job.spec as JobSpec;

  it('one pod, never retried, bounded in time, labelled as the lab’s', () => {
    expect(job.metadata).toMatchObject({ name: 'demo-load-x', namespace: 'default', labels: { 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' } });
    expect(spec.backoffLimit).toBe(0);
    // the load's duration, the time its pod may take to start (the Job's clock runs from then), a small margin
    expect(spec.activeDeadlineSeconds).toBe(185 + 120 + DEADLINE_MARGIN_SECONDS);
    expect(DEADLINE_MARGIN_SECONDS).toBeLessThanOrEqual(60);
    expect(spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.template.metadata.labels['hpa-lab/instance']).toBe('hpa-lab');
  });

  it('runs the stack’s command in the app’s image against the in-cluster URL, with small requests', () => {
    const c = spec.template.spec.containers[0] ?? { image: '', command: [], args: [], resources: { requests: {} } };
    expect(c.image).toBe('hpa-lab/sample-app:abc');
    expect(c.command).toEqual(['node', 'load.ts']);
    expect(c.args).toEqual(['--url', 'http://test-prometheus.default.svc:8080/', '--rate', '30', '--connections', '8', '--duration', '185', '--progress', '2']);
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
  });

  it('its active deadline grows with the start deadline (--timeout-factor), rounded up to whole seconds', () => {
    // --timeout-factor 3: the demo waits up to 6 minutes for the pod, so the Job may not give up after 2
    const slow = loadJob({ ...params, startDeadlineMs: 360_000 }).spec as JobSpec;
    expect(slow.activeDeadlineSeconds).toBe(185 + 360 + DEADLINE_MARGIN_SECONDS);
    const odd = loadJob({ ...params, durationSeconds: 64.2, startDeadlineMs: 90_500 }).spec as JobSpec;
    expect(odd.activeDeadlineSeconds).toBe(65 + 91 + DEADLINE_MARGIN_SECONDS);
  });

  it('reports its progress at least once per --interval (at most every 2 s), in flags app/load.ts accepts', () => {
    expect([1, 2, 3, 10].map(progressSeconds)).toEqual([1, 2, 2, 2]);
    for (const interval of [1, 2, 5]) {
      const args = (loadJob({ ...params, progressSeconds: progressSeconds(interval) }).spec as JobSpec).template.spec.containers[0]?.args ?? [];
      expect(args.slice(-2)).toEqual(['--progress', String(Math.min(2, interval))]);
      expect(parseLoadFlags(args)).toMatchObject({ progressSeconds: Math.min(2, interval), durationSeconds: 185, rate: 30 });
    }
  });
});

describe('the load generator’s log', () => {
  it('the summary wins over progress lines; other lines are skipped', () => {
    const log = ['starting', '{"type":"progress","sent":60,"ok":58,"failed":2,"rate":29,"elapsedSeconds":2}', '{"type":"summary","sent":900,"ok":899,"failed":1,"rate":29.97,"elapsedSeconds":30,"url":"u"}', '{"type":"progress","sent":1,"ok":1,"failed":0,"rate":1,"elapsedSeconds":1}', '{broken'].join('\n');
    expect(lastLoadLine(log)).toMatchObject({ type: 'summary', ok: 899, rate: 29.97 });
    expect(lastLoadLine('{"type":"progress","sent":60,"ok":58,"failed":2,"rate":29,"elapsedSeconds":2}\n')).toMatchObject({ type: 'progress', ok: 58 });
    expect(lastLoadLine('no json here')).toBeUndefined();
  });

  it('says what rate the load held', () => {
    expect(inClusterLoadLine('default/j', { type: 'summary', sent: 900, ok: 899, failed: 1, rate: 29.97, elapsedSeconds: 30 })).toBe("29.97 req/s answered (2xx) over 30s: 900 sent, 899 answered, 1 failed (Job default/j, from its pod's log)");
    // stopped before its summary: the progress line's count over its time
    expect(inClusterLoadLine('default/j', { type: 'progress', sent: 60, ok: 58, failed: 2, rate: 29, elapsedSeconds: 2 })).toMatch(/^29 req\/s answered/);
    expect(inClusterLoadLine('default/j', undefined)).toBe("Job default/j: no report in its pod's log");
  });
});

describe('demo --in-cluster-load with a stack that has none', () => {
  let state: string;
  const saved = process.env.HPA_LAB_STATE_DIR;
  beforeAll(() => {
    state = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-icl-'));
    process.env.HPA_LAB_STATE_DIR = state;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.HPA_LAB_STATE_DIR;
    else process.env.HPA_LAB_STATE_DIR = saved;
    rmSync(state, { recursive: true, force: true });
  });

  it('exits 2 naming the stack file and demo.inCluster, before any cluster is asked', async () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'stacks', 'custom-metrics.yaml'), 'utf8').replace(/\n {2}inCluster:\n(?: {4}.*\n)+/, '\n');
    expect(doc).not.toContain('inCluster');
    const file = path.join(state, 'no-in-cluster.yaml');
    writeFileSync(file, doc);
    const err: string[] = [];
    // HPA_LAB_KIND is not set up here: a demo that went on to find the cluster would fail differently.
    const code = await main(['demo', '--stack', file, '--in-cluster-load'], { out: () => undefined, err: (s) => err.push(s) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--in-cluster-load: stack custom-metrics \(.*no-in-cluster\.yaml\) has no demo\.inCluster: expected the in-cluster load generator there/);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('startInClusterLoad against a fake API', () => {
  /** A virtual clock: sleeping moves time on at once. */
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, sleep: (ms: number) => ((t += ms), Promise.resolve()) };
  };
  const spec = { image: 'sample-app-image', command: ['node', 'load.ts'], url: 'http://test-prometheus.default.svc:8080/' };
  const running = { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Running', containerStatuses: [{ name: 'load', state: { running: {} } }] } };
  /** The API as the test sets it: the pod (undefined: gone, 404), the Job's status, the log, DELETE's answer. */
  function fakeKube(pod: Record<string, unknown> | undefined, log = '', more: { job?: Record<string, unknown>; deleteAnswer?: { status: number; body: string } } = {}) {
    const calls: Array<{ method: string; path: string; body?: unknown }> = [];
    const state = { pod, log, job: more.job ?? { status: { active: 1 } } };
    const kube = {
      context: 'kind-hpa-lab',
      server: 'https://127.0.0.1:6443',
      kubeconfig: '',
      getRaw: (p: string) => {
        calls.push({ method: 'GET', path: p });
        return Promise.resolve(state.pod ? { status: 200, body: state.log } : { status: 404, body: '{"kind":"Status","reason":"NotFound"}' });
      },
      getJson: <T>(p: string) => {
        calls.push({ method: 'GET', path: p });
        if (p === '/api/v1/namespaces/default/pods/demo-load-x-abcde') return Promise.resolve(state.pod as T | undefined);
        if (p.startsWith('/api/v1/namespaces/default/pods')) return Promise.resolve({ items: state.pod ? [state.pod] : [] } as T);
        if (/^\/apis\/batch\/v1\/namespaces\/default\/jobs\/demo-load-\w+$/.test(p)) return Promise.resolve(state.job as T);
        if (p.startsWith('/api/v1/namespaces/default/events')) {
          return Promise.resolve({ items: [{ involvedObject: { kind: 'Pod', name: 'demo-load-x-abcde' }, reason: 'Failed', type: 'Warning', message: 'Failed to pull image "hpa-lab/sample-app:abc": not found' }] } as T);
        }
        return Promise.resolve(undefined);
      },
      listNodes: () => Promise.resolve([]),
      apply: <T>(o: T) => Promise.resolve(o),
      send: (method: 'POST' | 'DELETE', p: string, body?: unknown) => {
        calls.push({ method, path: p, body });
        return Promise.resolve(method === 'POST' ? { status: 201, body: '{}' } : (more.deleteAnswer ?? { status: 200, body: '{}' }));
      },
    };
    return { kube, calls, state };
  }
  const start = (kube: ReturnType<typeof fakeKube>['kube'], warn?: (line: string) => void) =>
    startInClusterLoad({ kube, clock: clock(), lab: 'hpa-lab', spec, namespace: 'default', image: 'hpa-lab/sample-app:abc', rate: 30, connections: 8, durationSeconds: 65, startDeadlineMs: 10_000, progressSeconds: 2, ...(warn ? { onWarn: warn } : {}) });

  it('a pod that cannot start: the wait gives up with the kubelet’s reason, and the Job is deleted (Background)', async () => {
    const { kube, calls } = fakeKube({ metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Pending', containerStatuses: [{ name: 'load', image: 'hpa-lab/sample-app:abc', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] } });
    const err = await start(kube).then(
      () => undefined,
      (e: unknown) => e as Error & { why?: string },
    );
    expect(err?.message).toMatch(/^gave up waiting 10s for the in-cluster load's pod \(Job default\/demo-load-\w+\) to run/);
    expect(err?.why).toMatch(/the node cannot pull image hpa-lab\/sample-app:abc for container load of pod demo-load-x-abcde \(ImagePullBackOff/);
    const posted = calls.find((c) => c.method === 'POST');
    expect(posted?.path).toBe('/apis/batch/v1/namespaces/default/jobs');
    const name = (posted?.body as { metadata: { name: string } }).metadata.name;
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([{ method: 'DELETE', path: `/apis/batch/v1/namespaces/default/jobs/${name}`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }]);
  });

  it('a running pod: counts from its log, not ended, and stop() deletes the Job once', async () => {
    const log = '{"type":"progress","sent":62,"ok":60,"failed":2,"rate":30,"elapsedSeconds":2.01}\n';
    const warned: string[] = [];
    const { kube, calls } = fakeKube(running, log);
    const load = await start(kube, (l) => warned.push(l));
    await load.refresh();
    expect(load.counts()).toEqual({ ok: 60, failed: 2 });
    expect(load.ended()).toBeUndefined();
    expect(calls.some((c) => c.path === '/api/v1/namespaces/default/pods/demo-load-x-abcde/log?container=load')).toBe(true);
    await load.stop();
    await load.stop();
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
    expect(load.report()).toMatchObject({ type: 'progress', ok: 60 });
    expect(warned).toEqual([]);
  });

  describe('a Job the API will not delete', () => {
    it.each([
      [403, '{"kind":"Status","message":"jobs.batch \\"demo-load-x\\" is forbidden: User \\"ci\\" cannot delete resource \\"jobs\\" in API group \\"batch\\" in the namespace \\"default\\"","reason":"Forbidden","code":403}', /HTTP 403: jobs\.batch "demo-load-x" is forbidden: User "ci" cannot delete resource "jobs"/],
      [500, 'etcdserver: request timed out', /HTTP 500: etcdserver: request timed out/],
    ])('HTTP %i: stop() does not throw, and warns naming the Job, the answer and the kubectl fix', async (status, body, answer) => {
      const warned: string[] = [];
      const { kube, calls } = fakeKube(running, '', { deleteAnswer: { status, body } });
      const load = await start(kube, (l) => warned.push(l));
      await expect(load.stop()).resolves.toBeUndefined();
      const name = load.job;
      expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatch(new RegExp(`^warning: could not delete the in-cluster load's Job default/${name}: `));
      expect(warned[0]).toMatch(answer);
      expect(warned[0]).toContain(`kubectl -n default delete job ${name}`);
    });

    it.each([202, 404])('HTTP %i (accepted, or gone already): no warning', async (status) => {
      const warned: string[] = [];
      const { kube } = fakeKube(running, '', { deleteAnswer: { status, body: '{}' } });
      const load = await start(kube, (l) => warned.push(l));
      await load.stop();
      expect(warned).toEqual([]);
    });
  });

  describe('a pod that ends while the load runs', () => {
    const progress = '{"type":"progress","sent":300,"ok":300,"failed":0,"rate":30,"elapsedSeconds":10}\n';
    const failedJob = (reason: string, message: string) => ({ status: { conditions: [{ type: 'FailureTarget', status: 'True', reason, message }] } });
    it.each([
      [
        'OOMKilled',
        { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Failed', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] } },
        undefined,
        { phase: 'Failed', reason: 'OOMKilled', exitCode: 137 },
        'pod default/demo-load-x-abcde ended: Failed, OOMKilled, exit code 137',
      ],
      [
        'a crash',
        { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Failed', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 1, reason: 'Error' } } }] } },
        failedJob('BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        { phase: 'Failed', reason: 'Error', exitCode: 1 },
        'pod default/demo-load-x-abcde ended: Failed, Error, exit code 1 (Job has reached the specified backoff limit)',
      ],
      [
        'eviction',
        { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } },
        undefined,
        { phase: 'Failed', reason: 'Evicted', exitCode: 0 },
        'pod default/demo-load-x-abcde ended: Failed, Evicted, exit code 0 (The node was low on resource: memory.)',
      ],
      [
        "the Job's active deadline (its pod deleted)",
        undefined,
        failedJob('DeadlineExceeded', 'Job was active longer than specified deadline'),
        { phase: 'deleted', reason: 'DeadlineExceeded' },
        'pod default/demo-load-x-abcde was deleted (Job was active longer than specified deadline)',
      ],
      [
        'SIGTERM (exit 0 before its duration)',
        { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } },
        undefined,
        { phase: 'Succeeded', reason: 'Completed', exitCode: 0 },
        'pod default/demo-load-x-abcde ended: Succeeded, Completed, exit code 0',
      ],
    ])('%s: ended() says how, not complete; the counts stay the last ones read', async (_what, endedPod, job, fields, line) => {
      const { kube, state } = fakeKube(running, progress);
      const load = await start(kube);
      await load.refresh();
      expect(load.ended()).toBeUndefined();
      state.pod = endedPod;
      if (job) state.job = job;
      if (endedPod) state.log = progress + '{"type":"summary","sent":310,"ok":310,"failed":0,"rate":30,"elapsedSeconds":10.3,"url":"u"}\n';
      await load.refresh();
      const ended = load.ended();
      expect(ended).toMatchObject({ pod: 'default/demo-load-x-abcde', complete: false, ...fields });
      expect(describeLoadEnd(ended ?? { pod: '', phase: '', reason: '', complete: false })).toBe(line);
      expect(load.counts().ok).toBe(endedPod ? 310 : 300);
    });

    it('stop(): the Job of a pod that ended early is kept for its log (no DELETE); one whose pod is gone is deleted', async () => {
      const oom = fakeKube(running, progress);
      const kept = await start(oom.kube);
      oom.state.pod = { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Failed', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] } };
      oom.state.log = progress + 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';
      await kept.refresh();
      expect(kept.ended()?.logTail).toEqual(['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory']);
      await kept.stop();
      expect(kept.kept()).toBe(true);
      expect(oom.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
      // the demo's failure: the pod, how it ended, its log's last lines, kubectl logs (the pod is still there)
      const keptEnd = kept.ended();
      if (!keptEnd) throw new Error('expected the pod seen ended');
      const err = loadStoppedError(kept, keptEnd, `${describeLoadEnd(keptEnd)}, 12s into the load`, ['expected ≥ 3 Ready replicas within 180s of load start; peak was 1 Ready (1 desired)']);
      expect(err.message).toBe("the in-cluster load stopped early: pod default/demo-load-x-abcde ended: Failed, OOMKilled, exit code 137, 12s into the load; the demo's figures cover only the load it got");
      expect(err.exitCode).toBe(1);
      expect(err.details).toEqual([
        'its log ends with:',
        '  FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
        'expected ≥ 3 Ready replicas within 180s of load start; peak was 1 Ready (1 desired)',
        expect.stringMatching(new RegExp(`^Job default/${kept.job} and its pod are kept for that \\(its ttlSecondsAfterFinished removes them 300s after it finished\\)$`)),
      ]);
      expect(err.fix).toBe('kubectl logs -n default demo-load-x-abcde');

      const gone = fakeKube(running, progress);
      const deleted = await start(gone.kube);
      gone.state.pod = undefined;
      await deleted.refresh();
      expect(deleted.ended()).toMatchObject({ phase: 'deleted' });
      await deleted.stop();
      expect(deleted.kept()).toBe(false);
      expect(gone.calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
      const goneEnd = deleted.ended();
      if (!goneEnd) throw new Error('expected the pod seen gone');
      expect(loadStoppedError(deleted, goneEnd, describeLoadEnd(goneEnd)).fix).toBe('kubectl -n default get events --field-selector involvedObject.name=demo-load-x-abcde   (the pod is gone: its events say why)');
    });

    it('exit 0 after its whole duration: ended, complete (the load was done, not stopped early)', async () => {
      const { kube, state } = fakeKube(running, progress);
      const load = await start(kube);
      state.pod = { metadata: { name: 'demo-load-x-abcde' }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'load', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } };
      state.log = progress + '{"type":"summary","sent":1950,"ok":1950,"failed":0,"rate":30,"elapsedSeconds":65,"url":"u"}\n';
      await load.refresh();
      expect(load.ended()).toMatchObject({ phase: 'Succeeded', exitCode: 0, complete: true });
    });

    it('an API that does not answer says nothing: not ended', async () => {
      const { kube } = fakeKube(running, progress);
      const load = await start(kube);
      kube.getJson = () => Promise.reject(new Error('GET …: connection refused by 127.0.0.1:6443'));
      await load.refresh();
      expect(load.ended()).toBeUndefined();
    });
  });
});

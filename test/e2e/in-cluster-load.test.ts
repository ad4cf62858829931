// `demo --in-cluster-load` against the simulated lab: the load comes from a Job in the cluster (the REAL
// app/load.ts as the Job's pod, from the app's image), hits the app's Service by its DNS name through the
// simulated kube-proxy (a new backend per connection), so it spreads over the REAL app pods; the REAL Prometheus
// scrapes them, the adapter's rules and the simulated HPA scale on it. The Job exists while the load runs and is
// gone after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { eventually } from '../helpers/eventually.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';

interface Job {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { backoffLimit?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { active?: number; startTime?: string };
}
interface Pod {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; uid: string }> };
  spec: { restartPolicy?: string; containers: Array<{ image: string; command?: string[] }> };
  status?: { phase?: string };
}

describe.skipIf(!requirePrometheus())(`npm run demo -- --in-cluster-load in simulation ${PROMETHEUS_REASON}`, { timeout: 400_000 }, () => {
  let sim: Sim;
  let run: (cmd: string, ...extra: string[]) => ReturnType<Sim['run']>;
  const kubectl = async <T>(...args: string[]): Promise<T> => {
    const r = await sim.exec('kubectl', ['--context', 'kind-hpa-lab', ...args, '-o', 'json']);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as T;
  };
  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    const args = sim.labArgs();
    run = (cmd, ...extra) => sim.run([cmd, ...args, ...extra], { timeoutMs: 390_000 });
    const up = await run('up');
    expect(up.exitCode, up.stderr).toBe(0);
  }, 300_000);
  afterAll(() => sim.cleanup());

  it('--expect-replicas 3 --within 3m passes with the load from a Job, spread over the pods; the Job is gone after', async () => {
    const demo = run('demo', '--in-cluster-load', '--expect-replicas', '3', '--within', '3m', '--no-scale-in', '--no-report', '--interval', '2s');
    let finished = false;
    void demo.finally(() => (finished = true));
    // While the load runs: the lab's Job, and its pod made by the Job controller from the template.
    const seen = await eventually(
      'the load Job and its running pod',
      async () => {
        if (finished) throw new Error('the demo ended before its Job was seen');
        const jobs = (await kubectl<{ items: Job[] }>('get', 'jobs', '-n', 'default', '-l', 'hpa-lab/instance=hpa-lab')).items;
        const job = jobs[0];
        if (!job) return undefined;
        const pods = (await kubectl<{ items: Pod[] }>('get', 'pods', '-n', 'default', '-l', `batch.kubernetes.io/job-name=${job.metadata.name}`)).items;
        const pod = pods.find((p) => p.status?.phase === 'Running');
        return pod ? { job, pod } : undefined;
      },
      120_000,
      500,
    );
    const { job, pod } = seen;
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.selector?.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': job.metadata.uid });
    expect(pod.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': job.metadata.name, 'batch.kubernetes.io/controller-uid': job.metadata.uid, 'job-name': job.metadata.name, 'controller-uid': job.metadata.uid, 'hpa-lab/instance': 'hpa-lab' });
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: job.metadata.name, uid: job.metadata.uid })]);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.containers[0]?.image).toMatch(/^hpa-lab\/sample-app:/);
    expect(pod.spec.containers[0]?.command).toEqual(['node', 'load.ts']);

    const r = await demo;
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Demo: 30 req\/s over 8 connections to http:\/\/test-prometheus\.default\.svc:8080\/ from a Job in the cluster \(image hpa-lab\/sample-app:/);
    expect(r.stdout).toMatch(/In-cluster load: Job default\/demo-load-\w+ is running/);
    expect(r.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s/);
    // What the load generator itself counted, from its pod's log.
    const held = /in-cluster load held {10}([\d.]+) req\/s answered \(2xx\) over ([\d.]+)s: (\d+) sent, (\d+) answered, (\d+) failed \(Job default\/(demo-load-\w+), from its pod's log\)/.exec(r.stdout);
    expect(held, r.stdout).not.toBeNull();
    const [, rate = '0', , sent = '0', answered = '0'] = held ?? [];
    expect(Number(rate)).toBeGreaterThan(20);
    expect(Number(rate)).toBeLessThanOrEqual(30.5);
    expect(Number(answered)).toBeGreaterThan(0.95 * Number(sent));
    console.log(`in-cluster load held: ${held?.[0] ?? ''}`);

    // The load spread over the pods: at the peak, several pods report a non-zero rate through the custom metrics API.
    const m = /Results: (\S+\.json)/.exec(r.stdout);
    const results = JSON.parse(readFileSync(path.resolve(REPO_ROOT, m?.[1] ?? ''), 'utf8')) as {
      load: { inCluster?: { job: string; held?: { ok: number; sent: number } } };
      samples: Array<{ t: number; phase: string; sentRate: number; perPod: Array<{ pod: string; value: number }> }>;
    };
    // The load's time origin is when its pod runs: the baseline, taken before the Job was made, lies before it
    // (with the pod's start-up counted as load time it would be at 0), and the first load sample one interval after.
    const [baseline, firstLoad] = results.samples;
    expect(baseline?.phase).toBe('baseline');
    expect(baseline?.t).toBeLessThan(0);
    expect(firstLoad?.phase).toBe('load');
    expect(firstLoad?.t).toBeGreaterThanOrEqual(2000);
    expect(results.load.inCluster?.job).toBe(job.metadata.name);
    expect(results.load.inCluster?.held).toMatchObject({ sent: Number(sent), ok: Number(answered) });
    const busiest = results.samples.filter((s) => s.phase === 'load').map((s) => s.perPod.filter((p) => p.value > 0.5).length);
    expect(Math.max(...busiest)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...results.samples.map((s) => s.sentRate))).toBeGreaterThan(10);

    // The Job and its pod are gone once the demo is over.
    const jobs = (await kubectl<{ items: Job[] }>('get', 'jobs', '-n', 'default', '-l', 'hpa-lab/instance=hpa-lab')).items;
    expect(jobs).toEqual([]);
    await eventually('the load pod deleted with its Job', async () => (await kubectl<{ items: Pod[] }>('get', 'pods', '-n', 'default', '-l', `batch.kubernetes.io/job-name=${job.metadata.name}`)).items.length === 0, 30_000);
  });

  it('a load pod that goes away mid-run: the demo says the load stopped early, naming the pod, and exits 1 after its summary', async () => {
    const demo = run('demo', '--in-cluster-load', '--duration', '2m', '--no-scale-in', '--no-report', '--interval', '2s');
    let finished = false;
    void demo.finally(() => (finished = true));
    const pod = await eventually(
      'the load pod running',
      async () => {
        if (finished) throw new Error('the demo ended before its pod ran');
        const pods = (await kubectl<{ items: Pod[] }>('get', 'pods', '-n', 'default', '-l', 'app.kubernetes.io/component=demo-load')).items;
        return pods.find((p) => p.status?.phase === 'Running');
      },
      120_000,
      500,
    );
    // the demo has read a progress line from it before it goes
    await eventually('a load sample', async () => {
      if (finished) throw new Error('the demo ended before the pod was deleted');
      const logs = await sim.exec('kubectl', ['--context', 'kind-hpa-lab', 'logs', '-n', 'default', pod.metadata.name]);
      return logs.stdout.includes('"type":"progress"');
    }, 30_000, 500);
    const del = await sim.exec('kubectl', ['--context', 'kind-hpa-lab', 'delete', 'pod', '-n', 'default', pod.metadata.name, '--wait=false']);
    expect(del.exitCode, del.stderr).toBe(0);
    const r = await demo;
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`In-cluster load stopped early: pod default/${pod.metadata.name} was deleted`));
    // the Job controller counts the deleted pod as failed (isPodFailed): once the Job has failed too, its reason is
    // said (whether it has when the demo looks is a race, and either answer is right)
    const ended = `pod default/${pod.metadata.name} was deleted( \\(Job has reached the specified backoff limit\\))?`;
    expect(r.stdout).toMatch(new RegExp(`in-cluster load stopped early ${ended}, \\d+s into the load`));
    expect(r.stderr).toMatch(new RegExp(`the in-cluster load stopped early: ${ended}, \\d+s into the load; the demo's figures cover only the load it got`));
    expect(r.stderr).toMatch(/kubectl -n default get events --field-selector involvedObject\.name=/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // well before the 2 minutes of load it was asked for, and its Job deleted (its pod is gone: nothing to keep)
    const m = /in-cluster load stopped early .*, (\d+)s into the load/.exec(r.stdout);
    expect(Number(m?.[1])).toBeLessThan(100);
    await eventually('the Job deleted', async () => (await kubectl<{ items: Job[] }>('get', 'jobs', '-n', 'default', '-l', 'hpa-lab/instance=hpa-lab')).items.length === 0, 30_000);
  });
});

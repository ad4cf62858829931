// `demo` against the simulated lab: real load (autocannon) through the NodePort to real app processes,
// real Prometheus, the adapter's rules and the simulated HPA controller (its documented algorithm).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';

// Bad input is exit 2 before anything is touched: on a machine without kind, helm, docker or kubectl (and so
// without a cluster), every one of these must still be a clear flag error, and no load, no results file.
describe('npm run demo: bad flags, before the cluster is touched', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await createSim({ missing: ['kind', 'helm', 'docker', 'kubectl'] });
  });
  afterAll(() => sim.cleanup());

  it.each([
    [['--within', '3m'], /✖ --within needs --expect-replicas: /],
    [['--scale-in-within', '2m'], /✖ --scale-in-within needs --expect-replicas: /],
    [['--rate', '-5'], /✖ --rate: expected requests per second, a whole number of at least 1, got "-5"/],
    [['--connections', '0'], /✖ --connections: expected the number of concurrent connections, a whole number of at least 1, got "0"/],
    [['--interval', '0s'], /✖ --interval: expected a duration of at least 1s \(the view refreshes this often; default 3s\), got "0s"/],
    [['--duration', '5s'], /✖ --duration: expected a duration of at least 10s \(at least 10s and 2 × --interval 3s\), got "5s"/],
    [['--expect-replicas', '3', '--within', '5m'], /✖ --within: expected at most the load's duration, 3m/],
    [['--expect-replicas', '3', '--scale-in-within', '1m', '--no-scale-in'], /✖ --scale-in-within cannot be used with --no-scale-in/],
    // The stack's HPA is the lab's: its bounds come from the stack, so these need no cluster either.
    [['--expect-replicas', '11'], /✖ --expect-replicas 11: HPA default\/test-prometheus-hpa scales to at most 10 replicas \(maxReplicas: the stack setting hpa\.maxReplicas in stacks\/custom-metrics\.yaml\)/],
    [['--set', 'hpa.maxReplicas=2', '--expect-replicas', '3'], /✖ --expect-replicas 3: HPA default\/test-prometheus-hpa scales to at most 2 replicas \(maxReplicas: the stack setting hpa\.maxReplicas, from --set hpa\.maxReplicas=2\)/],
    [['--expect-replicas', '1'], /✖ --expect-replicas 1: HPA default\/test-prometheus-hpa never runs fewer than 1 replica \(minReplicas: the stack setting hpa\.minReplicas in stacks\/custom-metrics\.yaml\), so reaching 1 replica Ready proves nothing about scaling/],
  ])('demo %j: exit 2', async (flags, message) => {
    const r = await sim.run(['demo', ...flags]);
    expect(r.stderr).toMatch(message);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/unexpected|ambiguous|\n\s+at /);
    expect(r.stdout).not.toMatch(/Demo:|Load on/);
    expect(existsSync(path.join(sim.env.HPA_LAB_STATE_DIR as string, 'hpa-lab', 'demo'))).toBe(false);
  });
});

describe.skipIf(!requirePrometheus())(`npm run demo in simulation ${PROMETHEUS_REASON}`, { timeout: 400_000 }, () => {
  let sim: Sim;
  let run: (cmd: string, ...extra: string[]) => ReturnType<Sim['run']>;
  beforeAll(async () => {
    // The real HPA controller syncs every 15s; 2s keeps the test short without changing the algorithm.
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    const args = sim.labArgs();
    run = (cmd, ...extra) => sim.run([cmd, ...args, ...extra], { timeoutMs: 390_000 });
    const up = await run('up');
    expect(up.exitCode, up.stderr).toBe(0);
  }, 300_000);
  afterAll(() => sim.cleanup());

  const resultsOf = (stdout: string) => {
    const m = /Results: (\S+\.json)/.exec(stdout);
    if (!m) throw new Error(`no results path in:\n${stdout}`);
    return JSON.parse(readFileSync(path.resolve(REPO_ROOT, m[1] as string), 'utf8')) as {
      summary: { peakReadyReplicas: number; firstExtraPod?: number; metricAboveTarget?: number; backToMinimum?: number };
      verdict: { ok: boolean };
      samples: Array<{ phase: string; replicas: number; perPod: Array<{ pod: string; value: number }> }>;
    };
  };

  it('--expect-replicas 3 --within 3m passes: scales out under load, back to 1 after it, with a summary', async () => {
    const r = await run('demo', '--expect-replicas', '3', '--within', '3m', '--interval', '2s');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Summary\n {2}load {26}\d/);
    expect(r.stdout).toMatch(/metric above its target {7}[\d.]+s after load start/);
    expect(r.stdout).toMatch(/first extra pod Ready {9}[\d.]+s/);
    expect(r.stdout).toMatch(/back to 1 after the load {5}[\d.]+s/);
    expect(r.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s, back to 1 within 150s/);
    const res = resultsOf(r.stdout);
    expect(res.verdict.ok).toBe(true);
    expect(res.summary.peakReadyReplicas).toBeGreaterThanOrEqual(3);
    // As replicas grow, the load spreads: at the peak several pods report a non-zero rate.
    const busiest = res.samples.filter((s) => s.phase !== 'baseline').map((s) => s.perPod.filter((p) => p.value > 0.5).length);
    expect(Math.max(...busiest)).toBeGreaterThanOrEqual(2);
    expect(res.samples.at(-1)?.replicas).toBe(1);
  });

  it("an impossible expectation (the cluster's HPA has maxReplicas 2) is exit 2 before any load, naming the HPA and where its bound comes from", async () => {
    const up = await run('up', '--set', 'hpa.maxReplicas=2');
    expect(up.exitCode).toBe(0);
    // The demo's stack says 10, the cluster's HPA says 2: the cluster's is the one that scales.
    const results = () => {
      const dir = path.join(sim.env.HPA_LAB_STATE_DIR as string, 'hpa-lab', 'demo');
      return existsSync(dir) ? readdirSync(dir).sort() : [];
    };
    const before = results();
    const r = await run('demo', '--expect-replicas', '3');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/✖ --expect-replicas 3: HPA default\/test-prometheus-hpa scales to at most 2 replicas \(maxReplicas: the HPA object read from the cluster \(context kind-hpa-lab\)\), so 3 Ready replicas can never be reached; expected 2/);
    expect(r.stderr).toMatch(/the stack says minReplicas 1 \(.*\) and maxReplicas 10 \(the stack setting hpa\.maxReplicas in stacks\/custom-metrics\.yaml\): the lab was brought up with other settings than this demo's/);
    expect(r.stderr).toMatch(/fix: npm run up with the same --stack, --set and --variant as the demo/);
    expect(r.stdout).not.toMatch(/Demo:|Load on/);
    expect(results()).toEqual(before);
  });

  it('an expectation not met under load fails (exit 1) with the last observed state', async () => {
    // 1 req/s against a target of 5 per pod: the HPA never wants a second pod.
    const r = await run('demo', '--set', 'hpa.maxReplicas=2', '--rate', '1', '--expect-replicas', '2', '--within', '20s', '--no-scale-in', '--interval', '2s');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/✖ demo expectation not met/);
    expect(r.stderr).toMatch(/expected ≥ 2 Ready replicas within 20s of load start; peak was 1 Ready/);
    expect(r.stderr).toMatch(/last observed: .*replicas 1 \(1 Ready\)/);
    expect(resultsOf(r.stdout).verdict.ok).toBe(false);
  });

  it("the article's HPA (counter total): scales out, and the demo says why it skips the scale-in", async () => {
    const up = await run('up', '--variant', 'article');
    expect(up.exitCode).toBe(0);
    const r = await run('demo', '--variant', 'article', '--expect-replicas', '2', '--within', '2m', '--interval', '2s');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/myapp_processed_ops_total is a counter's total: it never falls, so this HPA scales out but never back in; the scale-in phase is skipped/);
    expect(r.stdout).toMatch(/back to 1 after the load {5}skipped \(the metric is a counter total\)/);
  });
});

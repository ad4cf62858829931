// `demo` against the simulated lab: real load (autocannon) through the NodePort to real app processes,
// real Prometheus, the adapter's rules and the simulated HPA controller (its documented algorithm).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';

describe.skipIf(!requirePrometheus())(`npm run demo in simulation ${PROMETHEUS_REASON}`, { timeout: 400_000 }, () => {
  let sim: Sim;
  let run: (cmd: string, ...extra: string[]) => ReturnType<Sim['run']>;
  beforeAll(async () => {
    // The real HPA controller syncs every 15s; 2s keeps the test short without changing the algorithm.
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    const cfg = sim.writeKindConfig(sim.ports());
    const p = sim.ports();
    const sets = ['--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
    run = (cmd, ...extra) => sim.run([cmd, '--kind-config', cfg, ...sets, ...extra], { timeoutMs: 390_000 });
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

  it('an impossible expectation (maxReplicas 2) fails with the last observed state', async () => {
    const up = await run('up', '--set', 'hpa.maxReplicas=2');
    expect(up.exitCode).toBe(0);
    const r = await run('demo', '--set', 'hpa.maxReplicas=2', '--expect-replicas', '3', '--within', '40s', '--no-scale-in', '--interval', '2s');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/note: --expect-replicas 3 is above the HPA's maxReplicas 2/);
    expect(r.stderr).toMatch(/✖ demo expectation not met/);
    expect(r.stderr).toMatch(/expected ≥ 3 Ready replicas within 40s of load start; peak was 2 Ready/);
    expect(r.stderr).toMatch(/last observed: .*replicas 2 \(2 Ready\)/);
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

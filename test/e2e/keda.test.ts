// The KEDA stack end to end in simulation: `up --stack keda` (KEDA's chart, its operator making the HPA from the
// ScaledObject, its metrics server answering the External metric from the real Prometheus), `status`, the
// demo's verdict (met, and not met with the last observed state), and `down`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';

describe.skipIf(!requirePrometheus())(`the keda stack in simulation ${PROMETHEUS_REASON}`, { timeout: 400_000 }, () => {
  let sim: Sim;
  let run: (cmd: string, ...extra: string[]) => ReturnType<Sim['run']>;
  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    const args = sim.labArgs();
    run = (cmd, ...extra) => sim.run([cmd, '--stack', 'keda', ...args, ...extra], { timeoutMs: 390_000 });
  });
  afterAll(() => sim.cleanup());

  it('up --stack keda: KEDA installed, the ScaledObject Ready, the HPA KEDA made reads the External metric; no HPA of our own', async () => {
    const r = await run('up');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/keda: release keda installed, \d+ gates? passed/);
    expect(r.stdout).toMatch(/scaledobject: applied 1 object, 2 gates passed/);
    expect(r.stdout).not.toMatch(/prometheus-adapter/);
    const status = JSON.parse((await run('status', '--json')).stdout) as { ok: boolean; gates: Array<{ component: string; gate: string; ok: boolean; detail: string }> };
    expect(status.gates.filter((g) => !g.ok)).toEqual([]);
    expect(status.gates.find((g) => g.component === 'scaledobject' && /HPA default\/keda-hpa-test-prometheus/.test(g.gate))?.detail).toMatch(/^s0-prometheus = /);
    const hpas = JSON.parse((await sim.exec('kubectl', ['get', 'hpa', '-A', '-o', 'json'])).stdout) as { items: Array<{ metadata: { name: string } }> };
    expect(hpas.items.map((h) => h.metadata.name)).toEqual(['keda-hpa-test-prometheus']);
  });

  it('demo --stack keda --expect-replicas 3 --within 3m passes, and shows the scale back in', async () => {
    const r = await run('demo', '--expect-replicas', '3', '--within', '3m', '--interval', '2s');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s, back to 1 within \d+s/);
    const m = /Results: (\S+\.json)/.exec(r.stdout);
    const res = JSON.parse(readFileSync(path.resolve(REPO_ROOT, m?.[1] ?? ''), 'utf8')) as { verdict: { ok: boolean }; samples: Array<{ replicas: number; average?: number }> };
    expect(res.verdict.ok).toBe(true);
    expect(res.samples.some((s) => (s.average ?? 0) > 5)).toBe(true);
    expect(res.samples.at(-1)?.replicas).toBe(1);
  });

  it('with maxReplicas too low for the expectation: exit 2 before any load, naming the HPA KEDA made and its bound', async () => {
    const up = await run('up', '--set', 'scaler.maxReplicas=2');
    expect(up.exitCode, up.stderr).toBe(0);
    const r = await run('demo', '--expect-replicas', '3');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/✖ --expect-replicas 3: HPA default\/keda-hpa-test-prometheus scales to at most 2 replicas/);
    expect(r.stdout).not.toMatch(/Load on/);
  });

  it('an expectation the load cannot meet fails (exit 1) with the last observed state', async () => {
    const r = await run('demo', '--set', 'scaler.maxReplicas=2', '--rate', '1', '--expect-replicas', '2', '--within', '20s', '--no-scale-in', '--interval', '2s');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/✖ demo expectation not met/);
    expect(r.stderr).toMatch(/last observed: .*replicas 1 \(1 Ready\)/);
  });

  it('down removes it', async () => {
    const r = await run('down');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout.trim()).toBe('');
  });
});

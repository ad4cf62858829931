// Benchmark: load → first extra pod Ready, with kube-controller-manager's --horizontal-pod-autoscaler-sync-period
// at Kubernetes' default 15s and at the lab's 5s (`up --hpa-sync-period`), against the simulated cluster: the
// stand-in kind passes the flag from the kind config to the simulated controller manager, whose HPA controller
// decides at that period (no HPA_LAB_SIM_HPA_SYNC_SECONDS override here). Each run is a fresh simulated machine:
// `up` (custom-metrics stack), then `demo --expect-replicas 2 --no-scale-in`; the figure is the demo summary's
// firstExtraPodReady (seconds from load start, at the demo's sampling interval of 1s). Prints figures; asserts
// nothing. Needs /usr/bin/prometheus (the simulation runs a real one).
//
//   node scripts/bench/hpa-sync.ts            (BENCH_RUNS=3 for three runs per period)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSim, REPO_ROOT } from '../../test/helpers/sim.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const PERIODS = ['15s', '5s'];

async function once(period: string): Promise<{ firstExtraPodReady?: number; metricAboveTarget?: number }> {
  const sim = await createSim();
  try {
    const cfg = sim.writeKindConfig(sim.ports());
    const p = sim.ports();
    const common = ['--kind-config', cfg, '--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
    const up = await sim.run(['up', ...common, '--hpa-sync-period', period], { timeoutMs: 300_000 });
    if (up.exitCode !== 0) throw new Error(`up --hpa-sync-period ${period} failed:\n${up.stderr}`);
    const demo = await sim.run(['demo', ...common, '--expect-replicas', '2', '--within', '3m', '--no-scale-in', '--interval', '1s', '--no-report'], { timeoutMs: 400_000 });
    const m = /Results: (\S+\.json)/.exec(demo.stdout);
    if (!m) throw new Error(`demo printed no results (exit ${demo.exitCode}):\n${demo.stdout}\n${demo.stderr}`);
    const results = JSON.parse(readFileSync(path.resolve(REPO_ROOT, m[1] as string), 'utf8')) as { summary: { firstExtraPodReady?: number; metricAboveTarget?: number } };
    return results.summary;
  } finally {
    await sim.cleanup();
  }
}

const s = (v: number | undefined) => (v === undefined ? 'never' : `${v.toFixed(1)}s`);
const lines: string[] = [];
for (const period of PERIODS) {
  const got: Array<{ firstExtraPodReady?: number; metricAboveTarget?: number }> = [];
  for (let i = 0; i < RUNS; i++) got.push(await once(period));
  const ready = got.map((g) => g.firstExtraPodReady).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const median = ready[Math.floor(ready.length / 2)];
  lines.push(
    `sync period ${period.padStart(3)}: load → first extra pod Ready ${got.map((g) => s(g.firstExtraPodReady)).join(', ')}${RUNS > 1 ? ` (median ${s(median)})` : ''}; metric above target ${got.map((g) => s(g.metricAboveTarget)).join(', ')}`,
  );
}
process.stdout.write(`${lines.join('\n')}\n(${RUNS} run${RUNS === 1 ? '' : 's'} per period, simulated cluster with the real Prometheus and app, demo sampling every 1s, ${process.env.CI ? 'CI' : 'this machine'})\n`);

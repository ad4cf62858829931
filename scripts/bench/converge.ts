// Benchmark: how long `up` takes against the simulated cluster, first run and re-runs with nothing
// changed (the convergence path: helm list/get values, applied-hash reads, image checks, gates).
// Prints figures; asserts nothing. Needs /usr/bin/prometheus (the simulation runs a real one).
//
//   npm run bench:converge
import { createSim } from '../../test/helpers/sim.ts';

const RERUNS = Number(process.env.BENCH_RERUNS ?? 5);
const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
try {
  const cfg = sim.writeKindConfig(sim.ports());
  const p = sim.ports();
  const args = ['up', '--kind-config', cfg, '--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
  const first = await sim.run(args, { timeoutMs: 300_000 });
  if (first.exitCode !== 0) throw new Error(`first up failed:\n${first.stderr}`);
  const times: number[] = [];
  for (let i = 0; i < RERUNS; i++) {
    const r = await sim.run(args, { timeoutMs: 120_000 });
    if (r.exitCode !== 0 || /helm upgrade|docker build|applying /.test(r.stdout)) throw new Error(`re-run ${i + 1} did work or failed:\n${r.stdout}\n${r.stderr}`);
    times.push(r.durationMs);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  process.stdout.write(
    `first up (creates everything):  ${s(first.durationMs)}\n` +
      `re-run, nothing changed (${RERUNS}x): median ${s(sorted[Math.floor(sorted.length / 2)] ?? 0)}, min ${s(sorted[0] ?? 0)}, max ${s(sorted[sorted.length - 1] ?? 0)}\n` +
      `(whole CLI process as \`npm run up\` starts it, simulated cluster, ${process.env.CI ? 'CI' : 'this machine'})\n`,
  );
} finally {
  await sim.cleanup();
}

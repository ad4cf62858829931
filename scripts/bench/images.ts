// Benchmark: what `up` downloads from the internet, the first time and after a `down`, with and without the
// image cache, against the simulated machine: pulls, bytes and the time spent pulling as the simulation models it
// (the sizes are the simulated registries' modelled compressed sizes, ESTIMATES listed in
// test/sim/lib/upstream.ts; the time is bytes over the modelled link, HPA_LAB_SIM_UPSTREAM_MBPS, default 50
// Mbit/s). Prints figures; asserts nothing. Needs /usr/bin/prometheus (the simulation runs a real one).
//
//   npm run bench:images            (BENCH_MBPS=20 for a slower room's Wi-Fi)
import { createSim } from '../../test/helpers/sim.ts';
import { readUpstreamLog, type UpstreamLogEntry } from '../../test/sim/lib/upstream.ts';

const MBPS = process.env.BENCH_MBPS ?? '50';

interface Figures {
  pulls: number;
  images: number;
  charts: number;
  bytes: number;
  modelledSeconds: number;
  wallSeconds: number;
}

function figures(entries: UpstreamLogEntry[], wallMs: number): Figures {
  const charts = entries.filter((e) => e.by === 'helm');
  return {
    pulls: entries.length,
    images: entries.length - charts.length,
    charts: charts.length,
    bytes: entries.reduce((n, e) => n + e.bytes, 0),
    // Pulls side by side share the link: the modelled time is the bytes over the link, not the sum of each pull's.
    modelledSeconds: entries.reduce((n, e) => n + e.bytes, 0) / ((Number(MBPS) * 1e6) / 8),
    wallSeconds: wallMs / 1000,
  };
}

async function scenario(noCache: boolean): Promise<[Figures, Figures]> {
  const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2', HPA_LAB_SIM_UPSTREAM_MBPS: MBPS } });
  try {
    const cfg = sim.writeKindConfig(sim.ports());
    const p = sim.ports();
    const args = ['--kind-config', cfg, '--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
    const run = async (cmd: string) => {
      const r = await sim.run([cmd, ...args, ...(noCache && cmd === 'up' ? ['--no-cache'] : [])], { timeoutMs: 600_000 });
      if (r.exitCode !== 0) throw new Error(`${cmd} failed:\n${r.stdout}\n${r.stderr}`);
      return r.durationMs;
    };
    const first = await run('up');
    const afterFirst = readUpstreamLog(sim.home).length;
    await run('down');
    const second = await run('up');
    const log = readUpstreamLog(sim.home);
    return [figures(log.slice(0, afterFirst), first), figures(log.slice(afterFirst), second)];
  } finally {
    await sim.cleanup();
  }
}

const row = (name: string, f: Figures) =>
  `${name.padEnd(34)} ${String(f.pulls).padStart(5)} ${String(f.images).padStart(6)} ${String(f.charts).padStart(6)} ${(f.bytes / 1e6).toFixed(1).padStart(9)} ${f.modelledSeconds.toFixed(1).padStart(10)} ${f.wallSeconds.toFixed(1).padStart(8)}`;

const [cachedFirst, cachedSecond] = await scenario(false);
const [plainFirst, plainSecond] = await scenario(true);
process.stdout.write(
  [
    `downloads from upstream per up, stack custom-metrics, modelled link ${MBPS} Mbit/s`,
    `${'run'.padEnd(34)} ${'pulls'.padStart(5)} ${'images'.padStart(6)} ${'charts'.padStart(6)} ${'MB'.padStart(9)} ${'pulling s'.padStart(10)} ${'wall s'.padStart(8)}`,
    row('with the cache: first up', cachedFirst),
    row('with the cache: up after down', cachedSecond),
    row('--no-cache: first up', plainFirst),
    row('--no-cache: up after down', plainSecond),
    '(MB: modelled compressed sizes, estimates; pulling s: those bytes over the modelled link; wall s: the whole',
    ` CLI process on the simulated machine, ${process.env.CI ? 'CI' : 'this machine'}, where a modelled second of transfer waits 1 ms)`,
    '',
  ].join('\n'),
);

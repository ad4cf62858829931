// Benchmark: how long after load starts does the HPA's metric cross its target, and how steady is it
// once it has settled? Real Prometheus (Debian's package) scraping the real sample app, one pair per
// setting, all run side by side under the same steady load (autocannon). Prints a table; no assertions.
//
//   npm run bench                         (about 2 minutes; needs /usr/bin/prometheus)
//   BENCH_LOAD=bursty npm run bench       (the same mean load, in bursts)
//
// Settings compared: the article's (10s scrape, the counter's average, target 3), the per-second rule
// with several scrape intervals and rate windows (the adapter rule's metricsQuery for one pod, evaluated
// every 250 ms as the adapter would answer the HPA at that moment), and KEDA's prometheus trigger as the
// keda stack writes it (its query and threshold, as KEDA's metrics server would answer the HPA).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../app/server.ts';
import { startLoad } from '../lib/demo/load.ts';
import { REPO_ROOT } from '../lib/lab.ts';
import { prepareStack } from '../lib/stack/prepare.ts';
import { loadManifests } from '../lib/stack/stack-file.ts';

interface Setting {
  name: string;
  scrape: string;
  query: (matcher: string) => string;
  target: number;
  /** What the metric should settle at under the load (for the steadiness figure). */
  settle: (rate: number) => number | undefined;
}

const RATE = Number(process.env.BENCH_RATE ?? 30);
// BENCH_LOAD=bursty: half the rate steadily plus bursts of the full rate 5s on / 5s off (same mean), to
// see how much each rate window passes bursts on to the HPA.
const BURSTY = process.env.BENCH_LOAD === 'bursty';
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 100);
const perSecond = (scrape: string, window: string): Setting => ({
  name: `rate, scrape ${scrape}, window ${window}`,
  scrape,
  query: (m) => `sum(rate(myapp_processed_ops_total{${m}}[${window}])) by (pod)`,
  target: 5,
  settle: (r) => r,
});
/**
 * KEDA's path, from the keda stack's own ScaledObject: its prometheus trigger's query (the workload's total
 * rate) against its threshold. With the default AverageValue metric type the HPA divides the value by the
 * replicas; the load starts at 1 replica, so the first crossing is the query's value against the threshold.
 */
function kedaSetting(): Setting {
  const prepared = prepareStack({ stack: 'keda', sets: [] }, path.join(os.tmpdir(), 'hpa-lab-bench-state'));
  const so = loadManifests(REPO_ROOT, 'stacks/keda/scaledobject.yaml', prepared.resolver)[0] as { spec: { triggers: Array<{ metadata: { query: string; threshold: string } }> } };
  const trigger = so.spec.triggers[0]?.metadata;
  if (!trigger) throw new Error('stacks/keda/scaledobject.yaml: no trigger');
  const app = prepared.resolver.settings.app as { scrapeInterval: string };
  return { name: `keda: its prometheus trigger, scrape ${app.scrapeInterval}`, scrape: app.scrapeInterval, query: () => trigger.query, target: Number(trigger.threshold), settle: (r) => r };
}

const SETTINGS: Setting[] = [
  { name: "article: avg of the total, scrape 10s", scrape: '10s', query: (m) => `avg(myapp_processed_ops_total{${m}}) by (pod)`, target: 3, settle: () => undefined },
  perSecond('10s', '2m'),
  perSecond('10s', '1m'),
  perSecond('5s', '1m'),
  { ...perSecond('5s', '30s'), name: 'lab: rate, scrape 5s, window 30s' },
  perSecond('2s', '20s'),
  kedaSetting(),
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitReady(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${ms}ms`);
}

async function query(base: string, q: string): Promise<number | undefined> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const v = body.data?.result?.[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

interface Run {
  setting: Setting;
  crossed?: number;
  reached90?: number;
  steady: number[];
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-bench-'));
  const procs: ChildProcess[] = [];
  const apps: Array<ReturnType<typeof createApp>> = [];
  try {
    const rigs = await Promise.all(
      SETTINGS.map(async (setting, i) => {
        const app = createApp();
        apps.push(app);
        const appPort = await app.listen({ port: 0, host: '127.0.0.1' });
        const promPort = await freePort();
        const cfg = path.join(dir, `prom-${i}.yml`);
        // The labels a ServiceMonitor produces, so the adapter's matcher is the real one.
        writeFileSync(
          cfg,
          `global:\n  scrape_interval: ${setting.scrape}\nscrape_configs:\n  - job_name: serviceMonitor/default/test-prometheus/0\n    static_configs:\n      - targets: ['127.0.0.1:${appPort}']\n        labels: {namespace: default, pod: test-prometheus-bench, service: test-prometheus, job: test-prometheus, endpoint: prometheus-port, container: test-prometheus}\n`,
        );
        const p = spawn('prometheus', [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, `data-${i}`)}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
        procs.push(p);
        const base = `http://127.0.0.1:${promPort}`;
        await waitReady(`${base}/-/ready`, 30_000);
        return { setting, appPort, base };
      }),
    );
    // Let every Prometheus take its first scrapes of the idle app (the counter exists at 0, as in a lab).
    await new Promise((r) => setTimeout(r, 12_000));
    const matcher = 'namespace="default",pod=~"test-prometheus-bench"';
    const runs: Run[] = rigs.map((r) => ({ setting: r.setting, steady: [] }));
    const loads = rigs.map((r) => startLoad({ url: `http://127.0.0.1:${r.appPort}/`, rate: BURSTY ? RATE / 2 : RATE, connections: 4, durationSeconds: LOAD_SECONDS + 5 }));
    const t0 = Date.now();
    const bursts: Array<{ stop(): void }> = [];
    const burstTimer = BURSTY
      ? setInterval(() => {
          if (bursts.length) bursts.splice(0).forEach((b) => b.stop());
          else bursts.push(...rigs.map((r) => startLoad({ url: `http://127.0.0.1:${r.appPort}/`, rate: RATE, connections: 4, durationSeconds: 6 })));
        }, 5000)
      : undefined;
    process.stdout.write(`load: ${BURSTY ? `${RATE / 2} req/s plus bursts of ${RATE} req/s (5s on, 5s off)` : `${RATE} req/s`} to each app for ${LOAD_SECONDS}s; polling every 250 ms\n`);
    while (Date.now() - t0 < LOAD_SECONDS * 1000) {
      const t = (Date.now() - t0) / 1000;
      await Promise.all(
        rigs.map(async (r, i) => {
          const run = runs[i] as Run;
          const v = await query(r.base, r.setting.query(matcher)).catch(() => undefined);
          if (v === undefined) return;
          if (run.crossed === undefined && v > r.setting.target) run.crossed = t;
          const settle = r.setting.settle(RATE);
          if (settle !== undefined && run.reached90 === undefined && v >= 0.9 * settle) run.reached90 = t;
          // Steadiness over the last 40 s of load, well after every window has filled.
          if (t > LOAD_SECONDS - 40) run.steady.push(v);
        }),
      );
      await new Promise((res) => setTimeout(res, 250));
    }
    loads.forEach((l) => l.stop());
    if (burstTimer) clearInterval(burstTimer);
    bursts.forEach((b) => b.stop());
    const fmt = (n: number | undefined) => (n === undefined ? 'never' : `${n.toFixed(1)}s`);
    const rows = runs.map((r) => {
      const mean = r.steady.reduce((a, b) => a + b, 0) / Math.max(1, r.steady.length);
      const sd = Math.sqrt(r.steady.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, r.steady.length));
      const settles = r.setting.settle(RATE) !== undefined;
      return [r.setting.name, `> ${r.setting.target}`, fmt(r.crossed), settles ? fmt(r.reached90) : 'n/a', settles ? `${mean.toFixed(1)}` : 'grows', settles ? `${((sd / (mean || 1)) * 100).toFixed(1)}%` : 'n/a'];
    });
    const head = ['setting', 'target', 'crosses target', 'reaches 90% of load', 'steady mean', 'steady jitter (sd/mean)'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ') + ' |';
    process.stdout.write(['', line(head), '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |', ...rows.map(line), ''].join('\n') + '\n');
    process.stdout.write(`times are from load start; offered load ${RATE} req/s per app; Prometheus ${process.env.PROM_VERSION ?? '(Debian package)'}; plus up to one HPA sync (15s) and one adapter relist for a metric the adapter has not listed yet\n`);
  } finally {
    procs.forEach((p) => p.kill('SIGTERM'));
    await Promise.all(apps.map((a) => a.close()));
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

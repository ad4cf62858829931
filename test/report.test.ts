// The demo's HTML report. renderReport on a recorded-looking timeline: the SVG paths carry the samples (read
// back from their coordinates), the phases are marked, the verdict is shown, every text from the data is
// escaped, the summary has the terminal's figures; the --report flag. Then the page as headless Chromium draws
// it: a screenshot (PNG, decoded here) whose coloured pixels are where the recorded series say they must be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { checkReportFlag, COLOURS, renderReport, settingsRows, summaryRows } from '../scripts/lib/demo/report.ts';
import type { DemoResults } from '../scripts/lib/demo/report.ts';
import { judge, summarize } from '../scripts/lib/demo/model.ts';
import type { Sample } from '../scripts/lib/demo/model.ts';
import { formatSummary } from '../scripts/lib/demo/results.ts';
import { main } from '../scripts/cli.ts';
import { thrownInputError } from './helpers/errors.ts';

// ---- a recorded-looking run -------------------------------------------------------------------------------
// 30 req/s from t=0 to 31s; the metric crosses its target at 6s; the HPA wants more before the Deployment has
// them, the Deployment before they are Ready; load stopped at 31s, back to 1 at 48s. Sampled every 3s.
const SCRIPT_POD = 'test-prometheus-<script>alert("x")</script>';
type Row = [t: number, phase: Sample['phase'], sent: number, average: number | undefined, replicas: number, ready: number, desired: number | undefined];
const ROWS: Row[] = [
  [-2, 'baseline', 0, undefined, 1, 1, 1],
  [3, 'load', 28, 2, 1, 1, 1],
  [6, 'load', 30, 7.5, 1, 1, 2],
  [9, 'load', 29, 12, 2, 1, 3],
  [12, 'load', 31, 14.5, 3, 2, 3],
  [15, 'load', 30, 11, 3, 3, 5],
  [18, 'load', 27, 8, 5, 3, 5],
  [21, 'load', 30, 6.5, 5, 5, 6],
  [24, 'load', 30, 5.5, 6, 5, 6],
  [27, 'load', 29, 5, 6, 6, 6],
  [30, 'load', 30, 5.2, 6, 6, 6],
  [33, 'scale-in', 0, 3, 6, 6, 6],
  [36, 'scale-in', 0, 1, 6, 6, 4],
  [39, 'scale-in', 0, 0, 4, 5, 2],
  [42, 'scale-in', 0, 0, 2, 3, 1],
  [45, 'scale-in', 0, 0, 1, 2, 1],
  [48, 'scale-in', 0, 0, 1, 1, 1],
];
const podName = (i: number) => (i === 1 ? SCRIPT_POD : `test-prometheus-774b4c8ddf-p${i}x2k`);
const SAMPLES: Sample[] = ROWS.map(([t, phase, sent, average, replicas, ready, desired]) => ({
  t: t * 1000,
  phase,
  sentRate: sent,
  failedRate: t === 9 ? 1.5 : 0,
  average,
  target: 5,
  replicas,
  ready,
  desired,
  perPod: average === undefined ? [] : Array.from({ length: ready }, (_, i) => ({ pod: podName(i), value: Math.round(average * (i === 0 ? 1.3 : 0.8) * 100) / 100 })),
  ...(t === 6 ? { note: 'ScalingActive=False: FailedGetPodsMetric <b>&</b>' } : {}),
}));
const HPA = { min: 1, max: 10, metric: 'myapp_processed_ops_per_second', target: 5 };
const LOAD_STOP = 31_000;

function results(over: Partial<DemoResults> = {}): DemoResults {
  const summary = summarize(SAMPLES, HPA, LOAD_STOP);
  const expectation = { replicas: 3, withinSeconds: 20, scaleInWithinSeconds: 17 };
  return {
    stack: 'custom-metrics',
    url: 'http://127.0.0.1:30000/',
    hpa: { namespace: 'default', name: 'test-prometheus-hpa', metricType: 'Pods', ...HPA, scaleDownWindowSeconds: 10, deployment: 'test-prometheus' },
    load: { rate: 30, connections: 8, seconds: 30 },
    summary,
    expectation,
    verdict: judge(summary, SAMPLES, expectation),
    intervalSeconds: 3,
    loadStopAt: LOAD_STOP,
    scaleIn: 'waited',
    interrupted: false,
    finishedAt: '2026-11-27T23:44:49.509Z',
    samples: SAMPLES,
    ...over,
  };
}

// ---- reading the SVG back ---------------------------------------------------------------------------------
const unescape = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e] as string);
function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1] as string] = unescape(m[2] as string);
  return out;
}
const tags = (html: string, name: string, where: (a: Record<string, string>) => boolean = () => true) => [...html.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'g'))].map((m) => attrs(m[0])).filter(where);
const one = <T,>(list: T[], what: string): T => {
  expect(list, what).toHaveLength(1);
  return list[0] as T;
};

/** A panel's mapping from SVG coordinates back to data: x → seconds since load start, y → the value. */
function axes(html: string, panel: string) {
  const svg = one(tags(html, 'svg'), 'one svg');
  const p = one(tags(html, 'g', (a) => a['data-panel'] === panel), `panel ${panel}`);
  const [t0, t1, top, height, left, right, yMax] = [svg['data-t0'], svg['data-t1'], p['data-top'], p['data-height'], p['data-left'], p['data-right'], p['data-y-max']].map(Number) as [number, number, number, number, number, number, number];
  return {
    t0, t1, top, height, left, right, yMax,
    x: (t: number) => left + ((t - t0) / (t1 - t0)) * (right - left),
    y: (v: number) => top + height - (v / yMax) * height,
    data: ([x, y]: [number, number]): [number, number] => [t0 + ((x - left) / (right - left)) * (t1 - t0), ((top + height - y) / height) * yMax],
  };
}

/** A path's "M x,y L x,y …" as its sub-paths of points. */
function pathPoints(d: string): Array<Array<[number, number]>> {
  return d
    .split('M')
    .filter(Boolean)
    .map((seg) => seg.split('L').map((p) => p.split(',').map(Number) as [number, number]));
}
const seriesPath = (html: string, name: string) => pathPoints(one(tags(html, 'path', (a) => a['data-series'] === name), `series ${name}`).d as string);

function expectClose(got: Array<[number, number]>, want: Array<[number, number]>, what: string) {
  expect(got.length, `${what}: number of points`).toBe(want.length);
  got.forEach(([t, v], i) => {
    const [wt, wv] = want[i] as [number, number];
    expect(Math.abs(t - wt), `${what} point ${i}: t ${t} vs ${wt}`).toBeLessThan(0.01);
    expect(Math.abs(v - wv), `${what} point ${i}: value ${v} vs ${wv}`).toBeLessThan(0.01);
  });
}

describe('renderReport: the charts carry the recorded series', () => {
  const html = renderReport(results(), { source: '2026-11-27T23-44-49-509Z.json' });

  it('the load and the metric: one path each, its points the samples in order (a missing value is a gap)', () => {
    const load = axes(html, 'load');
    expectClose(seriesPath(html, 'answered').flat().map(load.data), SAMPLES.map((s) => [s.t / 1000, s.sentRate]), 'answered req/s');
    expectClose(seriesPath(html, 'failed').flat().map(load.data), SAMPLES.map((s) => [s.t / 1000, s.failedRate]), 'failed req/s');
    const metric = axes(html, 'metric');
    // The baseline sample has no metric yet: the line starts at the first value.
    const average = seriesPath(html, 'average');
    expect(average).toHaveLength(1);
    expectClose(average.flat().map(metric.data), SAMPLES.filter((s) => s.average !== undefined).map((s) => [s.t / 1000, s.average as number]), 'HPA average');
    // Gaps: a value missing in the middle breaks the line into two.
    const gapped = renderReport(results({ samples: SAMPLES.map((s, i) => (i === 5 ? { ...s, average: undefined } : s)) }));
    expect(seriesPath(gapped, 'average').map((seg) => seg.length)).toEqual([4, 11]);
    // Each pod its own line, named by its pod (escaped in the attribute, read back as the name).
    const pods = tags(html, 'path', (a) => a['data-series'] === 'pod');
    expect(pods.map((p) => p['data-pod'])).toEqual([0, 1, 2, 3, 4, 5].map(podName));
    const second = pods[1] as Record<string, string>;
    expectClose(pathPoints(second.d as string).flat().map(metric.data), SAMPLES.flatMap((s) => s.perPod.filter((p) => p.pod === SCRIPT_POD).map((p) => [s.t / 1000, p.value] as [number, number])), 'pod <script>');
  });

  it('the replicas: desired, Deployment and Ready as step lines (each value held until the next sample)', () => {
    const rep = axes(html, 'replicas');
    for (const [name, value] of [['desired', (s: Sample) => s.desired as number], ['deployment', (s: Sample) => s.replicas], ['ready', (s: Sample) => s.ready]] as const) {
      const pts = seriesPath(html, name).flat().map(rep.data);
      // sample i at an even index; between two, the corner (t of the next, value of this one)
      expectClose(pts.filter((_, i) => i % 2 === 0), SAMPLES.map((s) => [s.t / 1000, value(s)]), name);
      expectClose(pts.filter((_, i) => i % 2 === 1), SAMPLES.slice(1).map((s, i) => [s.t / 1000, value(SAMPLES[i] as Sample)]), `${name} corners`);
    }
  });

  it('one time axis for all three, the phases marked in each: load on, load stopped, the scale-in wait', () => {
    const [load, metric, rep] = ['load', 'metric', 'replicas'].map((p) => axes(html, p)) as [ReturnType<typeof axes>, ReturnType<typeof axes>, ReturnType<typeof axes>];
    // from the first sample to half an interval after the last
    expect([load.t0, load.t1]).toEqual([-2, 49.5]);
    expect(new Set([load.left, metric.left, rep.left]).size).toBe(1);
    expect(new Set([load.right, metric.right, rep.right]).size).toBe(1);
    const bands = (phase: string) => tags(html, 'rect', (a) => a.class === 'band' && a['data-phase'] === phase);
    for (const [phase, from, to] of [['load', 0, 31], ['scale-in', 31, 48]] as const) {
      expect(bands(phase), phase).toHaveLength(3);
      for (const b of bands(phase)) {
        expect(Number(b.x)).toBeCloseTo(load.x(from), 1);
        expect(Number(b.x) + Number(b.width)).toBeCloseTo(load.x(to), 1);
      }
    }
    for (const [phase, t] of [['load', 0], ['stopped', 31]] as const) {
      const lines = tags(html, 'line', (a) => a.class === 'phase' && a['data-phase'] === phase);
      expect(lines, phase).toHaveLength(3);
      for (const l of lines) expect(Number(l.x1), phase).toBeCloseTo(load.x(t), 1);
      expect(lines.map((l) => Number(l.y1))).toEqual([load.top, metric.top, rep.top]);
    }
    expect(html).toMatch(/<text class="phase-label" data-phase="load"[^>]*>load on: 30 req\/s<\/text>/);
    expect(html).toMatch(/<text class="phase-label" data-phase="stopped"[^>]*>load stopped · scale-in wait \(to 1\)<\/text>/);
    // The target across the metric chart, the asked rate during the load; the expectation and its deadlines.
    const refs = tags(html, 'line', (a) => a.class === 'ref');
    expect(refs.some((l) => Number(l.y1) === Math.round(metric.y(5) * 100) / 100 && Number(l.x1) === metric.left && Number(l.x2) === metric.right)).toBe(true);
    expect(refs.some((l) => Number(l.y1) === Math.round(load.y(30) * 100) / 100 && Math.abs(Number(l.x1) - load.x(0)) < 0.01 && Math.abs(Number(l.x2) - load.x(31)) < 0.01)).toBe(true);
    expect(html).toContain('>target 5</text>');
    expect(html).toContain('>expect 3</text>');
    const deadlines = tags(html, 'line', (a) => a.class === 'deadline').map((l) => rep.data([Number(l.x1), rep.top])[0]);
    expect(deadlines.map((t) => Math.round(t * 100) / 100)).toEqual([20, 48]);
    // Without a scale-in (--no-scale-in), no scale-in band and the stop is labelled alone.
    const noIn = renderReport(results({ scaleIn: 'no-scale-in', samples: SAMPLES.filter((s) => s.phase !== 'scale-in') }));
    expect(tags(noIn, 'rect', (a) => a['data-phase'] === 'scale-in')).toEqual([]);
    expect(noIn).toMatch(/data-phase="stopped"[^>]*>load stopped<\/text>/);
  });
});

describe('renderReport: the page around the charts', () => {
  const r = results();
  const html = renderReport(r);

  it('shows the verdict: met, not met (with the reasons), or none', () => {
    expect(html).toMatch(/<div class="verdict met" data-verdict="met">✔ Expectation met: ≥ 3 Ready replicas within 20s, back to 1 within 17s<\/div>/);
    const failed = judge(r.summary, SAMPLES, { replicas: 7, withinSeconds: 20 });
    const notMet = renderReport(results({ expectation: { replicas: 7, withinSeconds: 20 }, verdict: failed }));
    expect(notMet).toContain('data-verdict="not-met">✖ Expectation not met: ≥ 7 Ready replicas within 20s<ul><li>expected ≥ 7 Ready replicas within 20s of load start; peak was 6 Ready (6 desired)</li></ul>');
    const none = renderReport(results({ expectation: undefined, verdict: undefined }));
    expect(none).toMatch(/data-verdict="none">No expectation/);
    expect(none).not.toMatch(/class="deadline"|>expect \d/);
  });

  it('the summary table has the rows and figures the terminal prints', () => {
    for (const scaleIn of ['waited', 'no-scale-in', 'counter-total'] as const) {
      const terminal = formatSummary(r.summary, scaleIn === 'waited', scaleIn === 'counter-total').split('\n');
      const rows = summaryRows({ summary: r.summary, scaleIn });
      expect(rows).toHaveLength(terminal.filter((l) => l.startsWith('  ')).length);
      for (const [label, value] of rows) {
        expect(terminal.some((l) => l.startsWith(`  ${label} `) && l.endsWith(` ${value}`) && l.slice(2 + label.length, l.length - value.length).trim() === ''), `${label}: ${value}\n${terminal.join('\n')}`).toBe(true);
      }
    }
    expect(summaryRows(r)).toEqual([
      ['load', '29.4 req/s answered on average for 31s'],
      ['metric above its target', '6s after load start (myapp_processed_ops_per_second > 5)'],
      ['first extra pod', '9s'],
      ['first extra pod Ready', '12s'],
      ['peak replicas', '6 (6 Ready; min 1, max 10)'],
      ['back to 1 after the load', '17s'],
    ]);
    expect(html).toContain('<tr><th>first extra pod Ready</th><td class="num">12s</td></tr>');
    expect(html).toContain('<tr><th>metric above its target</th><td class="num">6s after load start (myapp_processed_ops_per_second &gt; 5)</td></tr>');
  });

  it('lists the settings used', () => {
    expect(Object.fromEntries(settingsRows(r))).toEqual({
      stack: 'custom-metrics',
      load: '30 req/s over 8 connections to http://127.0.0.1:30000/',
      duration: 'up to 30s of load, sampled every 3s',
      HPA: 'default/test-prometheus-hpa, scaling Deployment test-prometheus',
      metric: 'myapp_processed_ops_per_second (Pods)',
      target: '5 per pod (average value)',
      replicas: 'min 1, max 10',
      'scale-down window': '10s',
      'scale-in': 'waited for (back to 1)',
      expectation: '≥ 3 Ready replicas within 20s, back to 1 within 17s',
    });
    expect(html).toContain('<tr><th>scale-down window</th><td class="num">10s</td></tr>');
  });

  it('escapes every text from the data: a pod named <script> stays text; the page loads nothing', () => {
    const odd = renderReport(results({ stack: 'x"><img src=y onerror=alert(1)>', hpa: { ...r.hpa, name: "o'<b>" } }));
    for (const page of [html, odd]) {
      expect(page).not.toMatch(/<(script|img|link|iframe|object|embed|b)\b|<[^>]*\s(src|href)=|url\(|@import/i);
    }
    expect(html).toContain('<td class="mono">test-prometheus-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(html).toContain('<title>test-prometheus-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>');
    expect(html).toContain('ScalingActive=False: FailedGetPodsMetric &lt;b&gt;&amp;&lt;/b&gt;');
    expect(odd).toContain('x&quot;&gt;&lt;img src=y onerror=alert(1)&gt;');
    expect(odd).toContain('<h1>HPA demo: default/o&#39;&lt;b&gt;</h1>');
    // no network: no external fonts, styles or scripts; the SVG is inline
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<svg class="charts"');
  });

  it('an interrupted run, and one with no samples, still make a page', () => {
    expect(renderReport(results({ interrupted: true }))).toContain('Interrupted (Ctrl-C): the timeline ends early.');
    const empty = renderReport(results({ samples: [], loadStopAt: undefined }));
    expect(empty).toContain('<p>No samples were recorded.</p>');
    expect(empty).not.toContain('<svg');
  });
});

describe('--report', () => {
  let dir: string;
  const saved = process.env.HPA_LAB_STATE_DIR;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-report-'));
    process.env.HPA_LAB_STATE_DIR = path.join(dir, 'state');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.HPA_LAB_STATE_DIR;
    else process.env.HPA_LAB_STATE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const refused = (fn: () => unknown): string => thrownInputError(fn).message;

  it('default: next to the JSON; a file (relative to the current folder, folders made as needed); --no-report: none', () => {
    expect(checkReportFlag({})).toBeUndefined();
    expect(checkReportFlag({ noReport: true })).toBe(false);
    expect(checkReportFlag({ report: 'out/demo.html' }, dir)).toBe(path.join(dir, 'out', 'demo.html'));
    expect(refused(() => checkReportFlag({ report: 'a.html', noReport: true }))).toBe('--report and --no-report: give one or the other');
    expect(refused(() => checkReportFlag({ report: dir }))).toBe(`--report: ${dir} is a folder; expected a file to write the HTML report to`);
    expect(refused(() => checkReportFlag({ report: '' }))).toMatch(/^--report: expected a file to write the HTML report to/);
    writeFileSync(path.join(dir, 'plain'), '');
    expect(refused(() => checkReportFlag({ report: 'plain/demo.html' }, dir))).toBe(`--report: plain/demo.html cannot be written: ${path.join(dir, 'plain')} is a file, not a folder`);
  });

  it('--help documents both; a bad --report is exit 2 before the cluster is touched', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await main(['demo', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/--report <file> {9}where to write the HTML report \(one page, no network needed.*\n.*\n.*default: next to the JSON results, same name, \.html\n {2}--no-report {13}write only the JSON results/);
    expect(out.join('\n')).toMatch(/Usage: .*\[--report FILE \| --no-report\]/);
    out.length = 0;
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    expect(await main(['demo', '--report', path.join(dir, 'folder')], io)).toBe(2);
    expect(err.join('\n')).toMatch(/✖ --report: .*folder is a folder; expected a file to write the HTML report to/);
    expect(await main(['demo', '--report', 'x.html', '--no-report'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/✖ --report and --no-report: give one or the other/);
    expect(out.join('\n')).not.toMatch(/Demo:|Load on/);
    expect(existsSync(path.join(dir, 'state', 'hpa-lab', 'demo'))).toBe(false);
  });
});

// ---- the page in a real browser ---------------------------------------------------------------------------
const IN_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
function findChromium(): { bin?: string; reason: string } {
  const given = process.env.HPA_LAB_CHROMIUM;
  if (given) return executable(given) ? { bin: given, reason: '' } : { reason: `HPA_LAB_CHROMIUM=${given} is not an executable file` };
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      if (executable(path.join(dir, name))) return { bin: path.join(dir, name), reason: '' };
    }
  }
  return { reason: 'no chromium or chromium-browser on PATH and HPA_LAB_CHROMIUM not set (apt-get install chromium)' };
}
const CHROMIUM = findChromium();

/** A PNG's pixels: 8-bit RGB or RGBA, not interlaced (what Chromium writes). */
function readPng(buf: Buffer): { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] } {
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`PNG: only 8-bit RGB/RGBA, not interlaced (depth ${depth}, colour type ${colour}, interlace ${interlace})`);
      channels = colour === 2 ? 3 : 4;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (px[row + i - channels] as number) : 0;
      const b = y > 0 ? (px[row - stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (px[row - stride + i - channels] as number) : 0;
      const v = raw[src + i] as number;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG: unknown filter ${filter} on row ${y}`);
      px[row + i] = (v + pred) & 0xff;
    }
  }
  return { width, height, rgb: (x, y) => [px[y * stride + x * channels] as number, px[y * stride + x * channels + 1] as number, px[y * stride + x * channels + 2] as number] };
}

/** A complete PNG: the last chunk, IEND, is written. */
function pngComplete(file: string): boolean {
  try {
    const b = readFileSync(file);
    return b.length > 20 && b.toString('latin1', b.length - 8, b.length - 4) === 'IEND';
  } catch {
    return false;
  }
}

/** Headless Chromium's screenshot of a page: waits for the finished PNG (or Chromium's exit), never a fixed time. */
async function screenshot(bin: string, page: string, png: string, size: [number, number], timeoutMs: number): Promise<Buffer> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions', '--hide-scrollbars', '--force-device-scale-factor=1', `--user-data-dir=${profile}`, `--window-size=${size[0]},${size[1]}`, `--screenshot=${png}`, `file://${page}`];
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    });
    child.on('error', (e) => {
      stderr += String(e);
      exitCode = -1;
      resolve();
    });
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const done = exitCode !== undefined;
      if (pngComplete(png)) break;
      if (done) throw new Error(`${bin} exited (${exitCode}) without writing ${png}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`${bin} wrote no complete ${png} within ${timeoutMs / 1000}s:\n${stderr}`);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
    // Chromium exits once the file is written; give it until the deadline, then end it (its own group).
    await Promise.race([exited, new Promise((r) => setTimeout(r, Math.max(0, Math.min(10_000, deadline - Date.now()))))]);
    return readFileSync(png);
  } finally {
    if (exitCode === undefined && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

type Rgb = [number, number, number];
const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
const near = (a: Rgb, b: Rgb, tol: number) => Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol && Math.abs(a[2] - b[2]) <= tol;

const BROWSER_TITLE = `the report in headless Chromium: the screenshot's pixels are the recorded series ${CHROMIUM.bin ? '' : `(SKIPPED: ${CHROMIUM.reason})`}`;

// Outside CI a missing Chromium skips (the reason is in the title); in CI it fails.
if (!CHROMIUM.bin && IN_CI) {
  describe('the report in headless Chromium (CI)', () => {
    it('needs Chromium in CI', () => {
      throw new Error(`CI=true but ${CHROMIUM.reason}: .ci/run installs Debian's chromium and exports HPA_LAB_CHROMIUM`);
    });
  });
}

describe.skipIf(!CHROMIUM.bin)(BROWSER_TITLE, { timeout: 150_000 }, () => {
  const r = results();
  const html = renderReport(r);
  let dir: string;
  let img: ReturnType<typeof readPng>;
  /** The three plot areas as drawn, found by their frames (1px, crisp, a colour of their own). */
  let frames: Array<{ left: number; right: number; top: number; bottom: number }>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-report-browser-'));
    const page = path.join(dir, 'report.html');
    writeFileSync(page, html);
    const png = await screenshot(CHROMIUM.bin as string, page, path.join(dir, 'report.png'), [1040, 1100], 120_000);
    // HPA_LAB_REPORT_PNG=file keeps the screenshot, to look at it
    if (process.env.HPA_LAB_REPORT_PNG) writeFileSync(process.env.HPA_LAB_REPORT_PNG, png);
    img = readPng(png);
    const frame = hex(COLOURS.frame);
    const isFrame = (x: number, y: number) => near(img.rgb(x, y), frame, 6);
    const rowCount = Array.from({ length: img.height }, (_, y) => Array.from({ length: img.width }, (_, x) => x).filter((x) => isFrame(x, y)).length);
    const most = Math.max(...rowCount);
    const rows = rowCount.flatMap((n, y) => (n >= 0.9 * most && !(y > 0 && (rowCount[y - 1] as number) >= 0.9 * most) ? [y] : []));
    frames = [];
    for (let i = 0; i + 1 < rows.length; i += 2) {
      const [top, bottom] = [rows[i] as number, rows[i + 1] as number];
      const cols = Array.from({ length: img.width }, (_, x) => x).filter((x) => {
        let n = 0;
        for (let y = top; y <= bottom; y++) if (isFrame(x, y)) n++;
        return n >= 0.9 * (bottom - top);
      });
      frames.push({ top, bottom, left: Math.min(...cols), right: Math.max(...cols) });
    }
  }, 150_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // the time axis: from the first sample to half an interval (1.5s) after the last
  const t0 = -2;
  const t1 = 49.5;
  const panelOf = (i: number, name: string) => {
    const f = frames[i] as (typeof frames)[number];
    const yMax = axes(html, name).yMax;
    return { ...f, X: (t: number) => f.left + ((t - t0) / (t1 - t0)) * (f.right - f.left), Y: (v: number) => f.bottom - (v / yMax) * (f.bottom - f.top) };
  };
  /** The rows of column x, inside the panel, whose pixel is this colour. */
  const rowsOf = (p: ReturnType<typeof panelOf>, x: number, colour: Rgb, tol = 10) => {
    const out: number[] = [];
    for (let y = p.top; y <= p.bottom; y++) if (near(img.rgb(Math.round(x), y), colour, tol)) out.push(y);
    return out;
  };

  it('draws three plot areas, one above the other, on one time axis', () => {
    expect(frames).toHaveLength(3);
    const [a, b, c] = frames as [(typeof frames)[0], (typeof frames)[0], (typeof frames)[0]];
    expect(a.bottom < b.top && b.bottom < c.top).toBe(true);
    expect(new Set(frames.map((f) => f.left)).size).toBe(1);
    expect(new Set(frames.map((f) => f.right)).size).toBe(1);
    // drawn at the SVG's own size (the page is wider than the chart)
    expect(a.right - a.left).toBeGreaterThan(780);
  });

  it('the load and the HPA average: at each sample, the line passes where the value says, and only there', () => {
    const polyline = (p: ReturnType<typeof panelOf>, values: Array<number | undefined>) => SAMPLES.map((s, i) => (values[i] === undefined ? undefined : ([p.X(s.t / 1000), p.Y(values[i])] satisfies [number, number])));
    /** y of the expected polyline at x (undefined outside it). */
    const yAt = (pts: Array<[number, number] | undefined>, x: number) => {
      for (let i = 0; i + 1 < pts.length; i++) {
        const [a, b] = [pts[i], pts[i + 1]];
        if (a && b && x >= a[0] && x <= b[0]) return a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
      }
      return undefined;
    };
    const load = panelOf(0, 'load');
    const metric = panelOf(1, 'metric');
    const checks: Array<[string, ReturnType<typeof panelOf>, Array<number | undefined>, string]> = [
      ['answered', load, SAMPLES.map((s) => s.sentRate), COLOURS.answered],
      ['HPA average', metric, SAMPLES.map((s) => s.average), COLOURS.average],
    ];
    for (const [name, p, values, colour] of checks) {
      const pts = polyline(p, values);
      const xs = pts.filter((pt) => pt !== undefined).map((pt) => pt[0]);
      pts.forEach((pt, i) => {
        if (!pt) return;
        // at the line's two ends, the column 2px inside it
        const x = Math.min(Math.max(pt[0], Math.min(...xs) + 2), Math.max(...xs) - 2);
        const found = rowsOf(p, x, hex(colour));
        expect(found.length, `${name} at sample ${i} (t=${SAMPLES[i]?.t}ms, value ${values[i]}): no ${colour} pixel in column ${Math.round(x)}`).toBeGreaterThan(0);
        const want = yAt(pts, x) ?? pt[1];
        const nearest = Math.min(...found.map((y) => Math.abs(y - want)));
        expect(nearest, `${name} at sample ${i}: drawn ${nearest}px from row ${want.toFixed(1)}`).toBeLessThanOrEqual(2.5);
        // nothing of that colour elsewhere in the column: the line's own span around x, and its width
        const ys = [x - 3, x, x + 3, pt[0]].map((xx) => yAt(pts, xx)).filter((v): v is number => v !== undefined);
        const [lo, hi] = [Math.min(...ys) - 3.5, Math.max(...ys) + 3.5];
        expect(found.filter((y) => y < lo || y > hi), `${name} at sample ${i}: stray ${colour} pixels outside rows ${lo.toFixed(0)}–${hi.toFixed(0)}`).toEqual([]);
      });
    }
    // The failed requests (one sample with 1.5/s) where they are not under the answered line.
    const failed = SAMPLES.findIndex((s) => s.failedRate > 0);
    const ft = (SAMPLES[failed] as Sample).t / 1000;
    const rowsFailed = rowsOf(load, load.X(ft), hex(COLOURS.failed));
    expect(Math.min(...rowsFailed.map((y) => Math.abs(y - load.Y(1.5))))).toBeLessThanOrEqual(2.5);
    // The target: a dashed line across the metric chart at 5.
    const ty = Math.round(metric.Y(5));
    let dark = 0;
    for (let x = metric.left + 1; x < metric.right; x++) {
      if ([ty - 1, ty, ty + 1].some((y) => { const [r, g, b] = img.rgb(x, y); return r < 150 && Math.abs(r - g) < 20 && Math.abs(g - b) < 20; })) dark++;
    }
    expect(dark / (metric.right - metric.left)).toBeGreaterThan(0.4);
  });

  it('the replicas: each step at its value between two samples (desired dashed on top, Deployment, Ready)', () => {
    const p = panelOf(2, 'replicas');
    for (let i = 0; i + 1 < SAMPLES.length; i++) {
      const [s, next] = [SAMPLES[i] as Sample, SAMPLES[i + 1] as Sample];
      const [xa, xb] = [p.X(s.t / 1000) + 4, p.X(next.t / 1000) - 4];
      const series: Array<[string, number, string, boolean]> = [
        ['desired', s.desired as number, COLOURS.desired, true],
        ['deployment', s.replicas, COLOURS.deployment, true],
        // under the other two: visible where it differs from both
        ['ready', s.ready, COLOURS.ready, s.ready !== s.replicas && s.ready !== s.desired],
      ];
      for (const [name, value, colour, visible] of series) {
        const want = p.Y(value);
        const hits: number[] = [];
        for (let x = Math.ceil(xa); x <= Math.floor(xb); x++) hits.push(...rowsOf(p, x, hex(colour)));
        if (visible) expect(hits.some((y) => Math.abs(y - want) <= 2.5), `${name} ${value} from t=${s.t / 1000}s: no ${colour} pixel near row ${want.toFixed(1)}`).toBe(true);
        expect(hits.filter((y) => Math.abs(y - want) > 3), `${name} ${value} from t=${s.t / 1000}s: ${colour} pixels away from row ${want.toFixed(1)}`).toEqual([]);
      }
    }
  });

  it('the phases: the load band from load on to load stopped, the scale-in band after it, a line at each', () => {
    const p = panelOf(2, 'replicas');
    const y = p.top + 2;
    const share = (from: number, to: number, colour: string) => {
      let n = 0;
      let all = 0;
      for (let x = Math.ceil(from); x <= Math.floor(to); x++, all++) if (near(img.rgb(x, y), hex(colour), 4)) n++;
      return n / all;
    };
    expect(share(p.X(0) + 3, p.X(31) - 3, COLOURS.loadBand)).toBeGreaterThan(0.85);
    expect(share(p.X(31) + 3, p.X(48) - 3, COLOURS.scaleInBand)).toBeGreaterThan(0.85);
    expect(share(p.left + 2, p.X(0) - 3, COLOURS.loadBand) + share(p.left + 2, p.X(0) - 3, COLOURS.scaleInBand)).toBe(0);
    for (const f of [0, 1, 2].map((i) => panelOf(i, ['load', 'metric', 'replicas'][i] as string))) {
      for (const t of [0, 31]) {
        let dark = 0;
        for (let yy = f.top + 1; yy < f.bottom; yy++) {
          if ([-1, 0, 1].some((dx) => img.rgb(Math.round(f.X(t)) + dx, yy).every((c) => c < 150))) dark++;
        }
        expect(dark / (f.bottom - f.top - 1), `phase line at ${t}s`).toBeGreaterThan(0.9);
      }
    }
  });

  it('the verdict box is drawn (expectation met: green)', () => {
    let green = 0;
    for (let y = 0; y < (frames[0]?.top ?? 0); y++) for (let x = 0; x < img.width; x++) if (near(img.rgb(x, y), hex('#e7f5ec'), 2)) green++;
    expect(green).toBeGreaterThan(5000);
  });
});

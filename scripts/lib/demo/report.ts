// The demo's report: one self-contained HTML page (inline CSS and SVG, nothing fetched) drawn from the same
// object the demo writes as JSON. The load, the metric the HPA sees against its target, and the replicas over
// time on one shared time axis with the phases marked; the summary (the terminal's figures), the settings and
// the verdict. renderReport is pure, so the drawing is unit-tested; every text from the data is escaped.
import { InputError } from '../errors.ts';
import { checkOutputFile } from '../input/output-path.ts';
import { formatSeconds } from './model.ts';
import type { Expectation, HpaView, LoadReport, Sample, Summary, Verdict } from './model.ts';
import type { LoadEnd } from './in-cluster-load.ts';
import { formatNumber } from '../kube/quantity.ts';

/** Everything one demo run records: written as JSON, and rendered as the report, from this one object. */
export interface DemoResults {
  stack: string;
  url: string;
  hpa: { namespace: string; name: string } & HpaView;
  load: { rate: number; connections: number; seconds: number; inCluster?: { job: string; namespace: string; image: string; held?: LoadReport; stoppedEarly?: LoadEnd } };
  summary: Summary;
  expectation?: Expectation;
  verdict?: Verdict;
  intervalSeconds: number;
  /** Milliseconds since the load started (as the samples' t) when it was stopped. */
  loadStopAt?: number;
  /** Whether the demo waited for the scale back in, or why not. */
  scaleIn: 'waited' | 'no-scale-in' | 'counter-total';
  /** Ctrl-C: the timeline ends early. */
  interrupted: boolean;
  /** When the run ended (ISO 8601); the results' file name is made from it. */
  finishedAt: string;
  samples: Sample[];
}

// ---- the --report flag ------------------------------------------------------------------------------------

/**
 * --report FILE / --no-report, checked before any load (exit 2): FILE must not be a folder, and the nearest
 * folder that exists on its way must be writable. Returns the absolute path, `false` for --no-report, or
 * undefined for the default (next to the JSON).
 */
export function checkReportFlag(flags: { report?: string; noReport?: boolean }, cwd = process.cwd()): string | false | undefined {
  if (flags.report !== undefined && flags.noReport) throw new InputError('--report and --no-report: give one or the other', { fix: 'drop --no-report to write the report to the file given, or drop --report' });
  if (flags.noReport) return false;
  if (flags.report === undefined) return undefined;
  return checkOutputFile(flags.report, { flag: '--report', what: 'the HTML report', example: 'demo.html', makeFolders: true, cwd });
}

// ---- text -------------------------------------------------------------------------------------------------

/** HTML-escapes a text (element content and attribute values alike). */
export function esc(text: string | number | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const when = (v: number | undefined) => (v === undefined ? 'not reached' : `${v}s`);

/** The summary as the terminal prints it (lib/demo/results.ts formatSummary), row by row: label and figures. */
export function summaryRows(r: Pick<DemoResults, 'summary' | 'scaleIn'>): Array<[string, string]> {
  const s = r.summary;
  return [
    ['load', `${s.averageSentRate} req/s answered on average for ${s.loadSeconds}s`],
    ...(s.inClusterLoad ? [['in-cluster load held', s.inClusterLoad] as [string, string]] : []),
    ...(s.loadStoppedEarly ? [['in-cluster load stopped early', s.loadStoppedEarly] as [string, string]] : []),
    ['metric above its target', `${when(s.metricAboveTarget)} after load start (${s.metric} > ${formatNumber(s.target)})`],
    ['first extra pod', when(s.firstExtraPod)],
    ['first extra pod Ready', when(s.firstExtraPodReady)],
    ['peak replicas', `${s.peakReplicas} (${s.peakReadyReplicas} Ready; min ${s.minReplicas}, max ${s.maxReplicas})`],
    [
      `back to ${s.minReplicas} after the load`,
      r.scaleIn === 'waited' ? when(s.backToMinimum) : r.scaleIn === 'counter-total' ? 'skipped (the metric is a counter total)' : 'skipped (--no-scale-in)',
    ],
  ];
}

/** The expectation in words, as the terminal's ✔ line says it. */
function expectationText(e: Expectation, min: number): string {
  return `≥ ${e.replicas} Ready replicas within ${e.withinSeconds}s${e.scaleInWithinSeconds !== undefined ? `, back to ${min} within ${e.scaleInWithinSeconds}s` : ''}`;
}

export function settingsRows(r: DemoResults): Array<[string, string]> {
  const h = r.hpa;
  return [
    ['stack', r.stack],
    ['load', `${r.load.rate} req/s over ${r.load.connections} connections to ${r.url}${r.load.inCluster ? ` from Job ${r.load.inCluster.namespace}/${r.load.inCluster.job} in the cluster (image ${r.load.inCluster.image})` : ''}`],
    ['duration', `up to ${formatSeconds(r.load.seconds)} of load, sampled every ${formatSeconds(r.intervalSeconds)}`],
    ['HPA', `${h.namespace}/${h.name}${h.deployment ? `, scaling Deployment ${h.deployment}` : ''}`],
    ['metric', `${h.metric} (${h.metricType})`],
    ['target', `${formatNumber(h.target)}${h.metricType === 'Pods' ? ' per pod (average value)' : ''}`],
    ['replicas', `min ${h.min}, max ${h.max}`],
    ['scale-down window', `${formatSeconds(h.scaleDownWindowSeconds)}`],
    ['scale-in', r.scaleIn === 'waited' ? `waited for (back to ${h.min})` : r.scaleIn === 'counter-total' ? 'skipped: the metric is a counter total, it never falls' : 'skipped (--no-scale-in)'],
    ['expectation', r.expectation ? expectationText(r.expectation, h.min) : 'none (--expect-replicas N sets one)'],
  ];
}

// ---- charts -----------------------------------------------------------------------------------------------

/** The series' colours (Okabe–Ito): distinct from each other and from the phase bands, in print too. */
export const COLOURS = {
  answered: '#0072b2',
  failed: '#d55e00',
  average: '#009e73',
  pod: '#bdbdbd',
  desired: '#e69f00',
  deployment: '#cc79a7',
  ready: '#56b4e9',
  reference: '#444444',
  bound: '#9e9e9e',
  expect: '#a2142f',
  frame: '#8c8c8c',
  grid: '#e6e6e6',
  phaseMark: '#333333',
  loadBand: '#e8f1fa',
  scaleInBand: '#fcf1de',
} as const;

/** The SVG's geometry, in its own units (it is drawn at this size when the page is wide enough). */
export const CHART = { width: 960, left: 64, right: 884, strip: 4, title: 26, gap: 14, axis: 40, heights: { load: 120, metric: 170, replicas: 160 } } as const;

type Point = [number, number];

const fx = (n: number) => (Math.round(n * 100) / 100).toString();

/** A polyline as a path, broken where a value is missing: "M x,y L x,y … M …". */
function linePath(points: Array<Point | undefined>): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!p) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${fx(p[0])},${fx(p[1])}`;
    pen = true;
  }
  return d;
}

/** A step line (a value holds until the next sample): for samples i, i+1 the points (xi,yi) (xi+1,yi) (xi+1,yi+1). */
function stepPath(points: Array<Point | undefined>): string {
  const out: Array<Point | undefined> = [];
  points.forEach((p, i) => {
    const next = points[i + 1];
    out.push(p);
    if (p && next) out.push([next[0], p[1]]);
    else if (p) out.push(undefined);
  });
  return linePath(out);
}

/** A "nice" axis top and step for values up to max: 1, 2, 2.5 or 5 × 10^k, about `count` steps. */
export function niceScale(max: number, count = 4, integer = false): { top: number; step: number } {
  const m = max > 0 && Number.isFinite(max) ? max : 1;
  const raw = m / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 2.5, 5, 10].map((f) => f * pow).find((s) => s >= raw) ?? 10 * pow);
  if (integer) step = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(m / step - 1e-9) * step, step };
}

function timeStep(span: number): number {
  return [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find((s) => span / s <= 9) ?? 7200;
}

const timeLabel = (s: number) => (s === 0 ? '0' : `${s < 0 ? '−' : ''}${formatSeconds(Math.abs(s))}`);
const finite = (v: number | undefined): v is number => v !== undefined && v !== null && Number.isFinite(v);
/** A generous guess at a label's width (DejaVu Sans, the widest of the usual sans-serif fonts). */
const approxWidth = (text: string, size = 12) => text.length * size * 0.62;

interface Panel {
  key: 'load' | 'metric' | 'replicas';
  title: string;
  legend: Array<{ label: string; colour: string; dash?: boolean; band?: boolean }>;
  top: number;
  height: number;
  yMax: number;
  yStep: number;
  integer: boolean;
}

function svgCharts(r: DemoResults): string {
  const samples = r.samples;
  const { left, right, width } = CHART;
  const plotWidth = right - left;
  const ts = samples.map((s) => s.t / 1000);
  const stop = finite(r.loadStopAt) ? r.loadStopAt / 1000 : undefined;
  const t0 = Math.min(0, ...ts);
  // half an interval after the last sample, so its value (often the scale back in) shows off the frame
  let t1 = Math.max(0, ...ts, stop ?? 0) + r.intervalSeconds / 2;
  if (t1 - t0 < 1) t1 = t0 + 1;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * plotWidth;

  // headroom above the load for the phases' labels
  const loadScale = niceScale(1.25 * Math.max(r.load.rate, ...samples.map((s) => s.sentRate), ...samples.map((s) => s.failedRate)));
  const podValues = samples.flatMap((s) => s.perPod.map((p) => p.value)).filter(finite);
  // a little headroom: a peak never lies on the frame
  const metricScale = niceScale(1.04 * Math.max(r.hpa.target * 1.5, ...samples.map((s) => s.average).filter(finite), ...podValues));
  const peak = Math.max(r.hpa.min, r.expectation?.replicas ?? 0, ...samples.flatMap((s) => [s.replicas, s.ready, s.desired ?? 0]));
  const repScale = niceScale(r.hpa.max <= peak * 1.5 ? r.hpa.max : peak + 1, Math.min(5, Math.max(2, peak + 1)), true);

  const failed = samples.some((s) => s.failedRate > 0);
  const pods = [...new Set(samples.flatMap((s) => s.perPod.map((p) => p.pod)))];
  let y = CHART.strip;
  const panel = (p: Omit<Panel, 'top'>): Panel => {
    const top = y + CHART.title;
    y = top + p.height + CHART.gap;
    return { ...p, top };
  };
  const panels: Panel[] = [
    panel({
      key: 'load',
      title: 'Load: requests/s answered',
      legend: [{ label: 'answered (2xx)', colour: COLOURS.answered }, ...(failed ? [{ label: 'failed', colour: COLOURS.failed }] : [])],
      height: CHART.heights.load,
      yMax: loadScale.top,
      yStep: loadScale.step,
      integer: false,
    }),
    panel({
      key: 'metric',
      title: `Metric the HPA sees: ${r.hpa.metric}`,
      legend: [
        { label: 'HPA average', colour: COLOURS.average },
        ...(pods.length ? [{ label: 'per pod', colour: COLOURS.pod }] : []),
      ],
      height: CHART.heights.metric,
      yMax: metricScale.top,
      yStep: metricScale.step,
      integer: false,
    }),
    panel({
      key: 'replicas',
      title: 'Replicas',
      legend: [
        { label: 'HPA wants', colour: COLOURS.desired, dash: true },
        { label: 'Deployment', colour: COLOURS.deployment },
        { label: 'Ready', colour: COLOURS.ready, band: true },
      ],
      height: CHART.heights.replicas,
      yMax: repScale.top,
      yStep: repScale.step,
      integer: true,
    }),
  ];
  const height = y - CHART.gap + CHART.axis;
  const first = panels[0] as Panel;
  const last = panels[panels.length - 1] as Panel;
  const yOf = (p: Panel) => (v: number) => p.top + p.height - (v / p.yMax) * p.height;
  const out: string[] = [];
  out.push(`<svg class="charts" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(`Load, ${r.hpa.metric} against its target, and replicas over time`)}" data-t0="${fx(t0)}" data-t1="${fx(t1)}">`);

  // The phases: bands behind every panel, a line where the load started and where it stopped, labelled above.
  const scaleInEnd = samples.filter((s) => s.phase === 'scale-in').at(-1)?.t;
  const loadEnd = stop ?? t1;
  const marks: Array<{ t: number; label: string; phase: string }> = [];
  for (const p of panels) {
    out.push(`<rect class="band" data-phase="load" x="${fx(x(0))}" y="${p.top}" width="${fx(x(loadEnd) - x(0))}" height="${p.height}" fill="${COLOURS.loadBand}"/>`);
    if (stop !== undefined && scaleInEnd !== undefined && scaleInEnd / 1000 > stop) {
      out.push(`<rect class="band" data-phase="scale-in" x="${fx(x(stop))}" y="${p.top}" width="${fx(x(scaleInEnd / 1000) - x(stop))}" height="${p.height}" fill="${COLOURS.scaleInBand}"/>`);
    }
  }
  if (t0 < 0 && x(0) - x(t0) > 60) marks.push({ t: t0, label: 'baseline', phase: 'baseline' });
  marks.push({ t: 0, label: `load on: ${r.load.rate} req/s`, phase: 'load' });
  if (stop !== undefined) {
    marks.push({ t: stop, label: r.scaleIn === 'waited' && scaleInEnd !== undefined && scaleInEnd / 1000 > stop ? `load stopped · scale-in wait (to ${r.hpa.min})` : 'load stopped', phase: 'stopped' });
  }
  const phaseLabels: string[] = [];
  const phaseLines: Array<(p: Panel) => string> = [];
  let labelEnd = -Infinity;
  let row = 0;
  for (const m of marks) {
    const mx = x(m.t);
    if (m.phase !== 'baseline') {
      phaseLines.push((p: Panel) => `<line class="phase" data-phase="${m.phase}" x1="${fx(mx)}" x2="${fx(mx)}" y1="${p.top}" y2="${p.top + p.height}" stroke="${COLOURS.phaseMark}" stroke-width="1.2"/>`);
    }
    const w = approxWidth(m.label);
    const anchorEnd = mx + 4 + w > right - 4;
    const start = anchorEnd ? mx - 4 - w : mx + 4;
    row = start < labelEnd + 8 ? (row + 1) % 2 : 0;
    labelEnd = start + w;
    phaseLabels.push(`<text class="phase-label" data-phase="${m.phase}" x="${fx(anchorEnd ? mx - 4 : mx + 4)}" y="${first.top + 15 + row * 14}" text-anchor="${anchorEnd ? 'end' : 'start'}">${esc(m.label)}</text>`);
  }

  const step = timeStep(t1 - t0);
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 + 1e-9; t += step) ticks.push(t);

  for (const p of panels) {
    const py = yOf(p);
    out.push(`<g class="panel" data-panel="${p.key}" data-top="${p.top}" data-height="${p.height}" data-left="${left}" data-right="${right}" data-y-max="${fx(p.yMax)}">`);
    // grid, y ticks
    for (const t of ticks) out.push(`<line x1="${fx(x(t))}" x2="${fx(x(t))}" y1="${p.top}" y2="${p.top + p.height}" stroke="${COLOURS.grid}"/>`);
    for (let v = 0; v <= p.yMax + 1e-9; v += p.yStep) {
      out.push(`<line x1="${left - 5}" x2="${right}" y1="${fx(py(v))}" y2="${fx(py(v))}" stroke="${v === 0 ? COLOURS.frame : COLOURS.grid}"/>`);
      out.push(`<text class="tick" x="${left - 8}" y="${fx(py(v) + 4)}" text-anchor="end">${esc(formatNumber(v))}</text>`);
    }
    // the phases' lines over the grid, under the series
    out.push(...phaseLines.map((line) => line(p)));
    // title and legend
    out.push(`<text class="panel-title" x="${left}" y="${p.top - 8}">${esc(p.title)}</text>`);
    let lx = right;
    for (const item of [...p.legend].reverse()) {
      const w = approxWidth(item.label);
      out.push(`<text class="legend" x="${fx(lx)}" y="${p.top - 8}" text-anchor="end">${esc(item.label)}</text>`);
      lx -= w + 22;
      out.push(
        item.band
          ? `<rect x="${fx(lx)}" y="${p.top - 17}" width="18" height="9" fill="${item.colour}" fill-opacity="0.3" stroke="${item.colour}" stroke-width="2"/>`
          : `<line x1="${fx(lx)}" x2="${fx(lx + 18)}" y1="${p.top - 13}" y2="${p.top - 13}" stroke="${item.colour}" stroke-width="2.5"${item.dash ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
      lx -= 14;
    }
    const at = (values: Array<number | undefined>): Array<Point | undefined> => values.map((v, i) => (finite(v) ? [x(ts[i] as number), py(v)] : undefined));
    const series = (name: string, d: string, colour: string, extra = '') => (d ? out.push(`<path class="series" data-series="${name}" d="${d}" fill="none" stroke="${colour}" stroke-linejoin="round"${extra}/>`) : 0);
    const refLine = (v: number, from: number, to: number, label: string, colour: string, dash: string) => {
      out.push(`<line class="ref" x1="${fx(from)}" x2="${fx(to)}" y1="${fx(py(v))}" y2="${fx(py(v))}" stroke="${colour}" stroke-width="1.3" stroke-dasharray="${dash}"/>`);
      out.push(`<text class="ref-label" x="${right + 5}" y="${fx(py(v) + 4)}" fill="${colour}">${esc(label)}</text>`);
    };
    if (p.key === 'load') {
      refLine(r.load.rate, x(0), x(loadEnd), `asked ${r.load.rate}/s`, COLOURS.reference, '5 3');
      if (failed) series('failed', linePath(at(samples.map((s) => s.failedRate))), COLOURS.failed, ' stroke-width="2"');
      series('answered', linePath(at(samples.map((s) => s.sentRate))), COLOURS.answered, ' stroke-width="2.5"');
    } else if (p.key === 'metric') {
      for (const pod of pods) {
        const d = linePath(at(samples.map((s) => s.perPod.find((q) => q.pod === pod)?.value)));
        if (d) out.push(`<path class="series pod" data-series="pod" data-pod="${esc(pod)}" d="${d}" fill="none" stroke="${COLOURS.pod}" stroke-width="1.2"><title>${esc(pod)}</title></path>`);
      }
      refLine(r.hpa.target, left, right, `target ${formatNumber(r.hpa.target)}`, COLOURS.reference, '5 3');
      series('average', linePath(at(samples.map((s) => s.average))), COLOURS.average, ' stroke-width="2.5"');
    } else {
      refLine(r.hpa.min, left, right, `min ${r.hpa.min}`, COLOURS.bound, '2 3');
      if (r.hpa.max <= p.yMax) refLine(r.hpa.max, left, right, `max ${r.hpa.max}`, COLOURS.bound, '2 3');
      const e = r.expectation;
      if (e) {
        refLine(e.replicas, left, right, `expect ${e.replicas}`, COLOURS.expect, '6 3');
        const deadlines: Array<[number, string]> = [[e.withinSeconds, `within ${formatSeconds(e.withinSeconds)}`]];
        if (e.scaleInWithinSeconds !== undefined && stop !== undefined) deadlines.push([stop + e.scaleInWithinSeconds, `back to ${r.hpa.min} within ${formatSeconds(e.scaleInWithinSeconds)}`]);
        for (const [t, label] of deadlines) {
          if (t > t1) continue;
          out.push(`<line class="deadline" x1="${fx(x(t))}" x2="${fx(x(t))}" y1="${p.top}" y2="${p.top + p.height}" stroke="${COLOURS.expect}" stroke-width="1.3" stroke-dasharray="6 3"/>`);
          out.push(`<text class="ref-label" x="${fx(x(t) - 4)}" y="${p.top + 14}" text-anchor="end" fill="${COLOURS.expect}">${esc(label)}</text>`);
        }
      }
      const ready = at(samples.map((s) => s.ready));
      const readyLine = stepPath(ready);
      if (readyLine) {
        // the Ready pods as an area under their step line
        const base = fx(py(0));
        const area = readyLine.split('M').filter(Boolean).map((seg) => {
          const pts = seg.split('L');
          const firstX = (pts[0] as string).split(',')[0] as string;
          const lastX = (pts[pts.length - 1] as string).split(',')[0] as string;
          return `M${firstX},${base}L${seg}L${lastX},${base}Z`;
        });
        out.push(`<path class="area" d="${area.join('')}" fill="${COLOURS.ready}" fill-opacity="0.22" stroke="none"/>`);
      }
      series('ready', readyLine, COLOURS.ready, ' stroke-width="3.5"');
      series('deployment', stepPath(at(samples.map((s) => s.replicas))), COLOURS.deployment, ' stroke-width="2"');
      series('desired', stepPath(at(samples.map((s) => s.desired))), COLOURS.desired, ' stroke-width="2" stroke-dasharray="6 4"');
    }
    if (p === first) out.push(...phaseLabels);
    out.push(`<rect class="frame" x="${left}" y="${p.top}" width="${plotWidth}" height="${p.height}" fill="none" stroke="${COLOURS.frame}" shape-rendering="crispEdges"/>`);
    out.push('</g>');
  }
  // the shared time axis, under the last panel
  const axisY = last.top + last.height;
  for (const t of ticks) {
    out.push(`<line x1="${fx(x(t))}" x2="${fx(x(t))}" y1="${axisY}" y2="${axisY + 5}" stroke="${COLOURS.frame}"/>`);
    out.push(`<text class="tick" x="${fx(x(t))}" y="${axisY + 17}" text-anchor="middle">${esc(timeLabel(t))}</text>`);
  }
  out.push(`<text class="axis-title" x="${fx((left + right) / 2)}" y="${axisY + 34}" text-anchor="middle">time since the load started (samples every ${esc(formatSeconds(r.intervalSeconds))})</text>`);
  out.push('</svg>');
  return out.join('\n');
}

// ---- page -------------------------------------------------------------------------------------------------

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 28px 32px; background: #fff; color: #1d1d1f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 980px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 22px 0 6px; }
.lede { color: #444; margin: 0 0 12px; }
.verdict { border-radius: 6px; padding: 9px 14px; margin: 10px 0 14px; font-weight: 600; border: 1px solid; }
.verdict ul { margin: 4px 0 0; padding-left: 20px; font-weight: 400; }
.verdict.met { background: #e7f5ec; border-color: #1e7d3c; color: #14532d; }
.verdict.not-met { background: #fdeaea; border-color: #b42318; color: #7a1010; }
.verdict.none { background: #f3f3f5; border-color: #b5b5bb; color: #333; font-weight: 500; }
.interrupted { background: #fff6d6; border: 1px solid #c99a00; border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
svg.charts { display: block; width: 100%; max-width: 960px; height: auto; font-size: 12px; fill: #444; }
svg.charts .panel-title { font-size: 14px; font-weight: 600; fill: #1d1d1f; }
svg.charts .legend { fill: #333; }
svg.charts .phase-label { font-size: 12px; font-weight: 600; fill: #333; }
svg.charts .axis-title { fill: #555; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 28px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 3px 10px 3px 0; border-bottom: 1px solid #e6e6e6; }
th { font-weight: 600; white-space: nowrap; color: #333; }
td.num { font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
footer { margin-top: 18px; color: #666; font-size: 12px; }
@media (max-width: 760px) { .cols { grid-template-columns: 1fr; } }
@media print {
  body { padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg.charts, table, .verdict { break-inside: avoid; }
  @page { margin: 14mm; }
}
`;

function table(rows: Array<[string, string]>, cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}>\n${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td class="num">${esc(v)}</td></tr>`).join('\n')}\n</table>`;
}

function verdictBlock(r: DemoResults): string {
  if (!r.verdict || !r.expectation) return `<div class="verdict none" data-verdict="none">No expectation: this run was not judged (<code>--expect-replicas N</code> gives a verdict)</div>`;
  const what = expectationText(r.expectation, r.hpa.min);
  if (r.verdict.ok) return `<div class="verdict met" data-verdict="met">✔ Expectation met: ${esc(what)}</div>`;
  return `<div class="verdict not-met" data-verdict="not-met">✖ Expectation not met: ${esc(what)}<ul>${r.verdict.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></div>`;
}

/** Each pod the metric was read for: when it was first and last seen, its peak and last value. */
function podRows(r: DemoResults): string {
  const seen = new Map<string, { first: number; last: number; peak: number; value: number }>();
  for (const s of r.samples) {
    for (const p of s.perPod) {
      const v = finite(p.value) ? p.value : NaN;
      const cur = seen.get(p.pod);
      if (!cur) seen.set(p.pod, { first: s.t, last: s.t, peak: v, value: v });
      else Object.assign(cur, { last: s.t, peak: Number.isNaN(cur.peak) ? v : Math.max(cur.peak, Number.isNaN(v) ? -Infinity : v), value: v });
    }
  }
  if (!seen.size) return '';
  const t = (ms: number) => `${ms < 0 ? '−' : '+'}${formatNumber(Math.abs(ms) / 1000)}s`;
  return [
    `<h2>Pods (${esc(r.hpa.metric)} per pod, as the HPA reads it)</h2>`,
    '<table class="pods">',
    '<tr><th>pod</th><th>first seen</th><th>last seen</th><th>peak</th><th>last value</th></tr>',
    ...[...seen].map(([pod, v]) => `<tr><td class="mono">${esc(pod)}</td><td class="num">${esc(t(v.first))}</td><td class="num">${esc(t(v.last))}</td><td class="num">${esc(formatNumber(v.peak))}</td><td class="num">${esc(formatNumber(v.value))}</td></tr>`),
    '</table>',
  ].join('\n');
}

/** What the HPA said when it was not scaling normally (ScalingActive=False …), each note once, with when. */
function noteRows(r: DemoResults): string {
  const notes = new Map<string, { first: number; last: number }>();
  for (const s of r.samples) {
    if (!s.note) continue;
    const n = notes.get(s.note);
    if (n) n.last = s.t;
    else notes.set(s.note, { first: s.t, last: s.t });
  }
  if (!notes.size) return '';
  const t = (ms: number) => `${ms < 0 ? '−' : '+'}${formatNumber(Math.abs(ms) / 1000)}s`;
  return ['<h2>HPA conditions</h2>', '<table class="notes">', ...[...notes].map(([note, n]) => `<tr><th>${esc(`${t(n.first)} to ${t(n.last)}`)}</th><td>${esc(note)}</td></tr>`), '</table>'].join('\n');
}

/** The report page for one demo run: a complete, self-contained HTML document. */
export function renderReport(r: DemoResults, opts: { source?: string } = {}): string {
  const hpaRef = `${r.hpa.namespace}/${r.hpa.name}`;
  const finished = r.finishedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const charts = r.samples.length ? svgCharts(r) : '<p>No samples were recorded.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`HPA demo: ${hpaRef}, ${finished}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>HPA demo: ${esc(hpaRef)}</h1>
<p class="lede">${esc(`${r.load.rate} req/s over ${r.load.connections} connections to ${r.url}; the HPA scales ${r.hpa.min}–${r.hpa.max} replicas on ${r.hpa.metric} (target ${formatNumber(r.hpa.target)}${r.hpa.metricType === 'Pods' ? ' per pod' : ''}). Stack ${r.stack}, finished ${finished}.`)}</p>
${verdictBlock(r)}
${r.interrupted ? '<div class="interrupted">Interrupted (Ctrl-C): the timeline ends early.</div>\n' : ''}${charts}
<div class="cols">
<section><h2>Summary</h2>
${table(summaryRows(r), 'summary')}
</section>
<section><h2>Settings</h2>
${table(settingsRows(r), 'settings')}
</section>
</div>
${podRows(r)}
${noteRows(r)}
<footer>Written by <code>hpa-lab demo</code>${opts.source ? ` from the same data as <code>${esc(opts.source)}</code>` : ''}: ${r.samples.length} samples. In the charts the blue band is the load${r.samples.some((s) => s.phase === 'scale-in') ? ', the amber band the wait for the scale back in' : ''}; a replica count holds until the next sample.</footer>
</main>
</body>
</html>
`;
}

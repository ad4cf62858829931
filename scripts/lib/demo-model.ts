// The demo's data: samples of what the HPA sees over time, the summary a room (or CI) cares about, and
// the verdict for --expect-replicas. Pure functions, so the arithmetic is tested without a cluster.
export interface Sample {
  /** Milliseconds since the load started (negative: before). */
  t: number;
  phase: 'baseline' | 'load' | 'scale-in';
  /** Requests per second answered 2xx since the previous sample. */
  sentRate: number;
  failedRate: number;
  /** The HPA's view: its current average of the metric, and its target. */
  average?: number;
  target: number;
  /** The metric per pod, from the custom metrics API (as the HPA reads it). */
  perPod: Array<{ pod: string; value: number }>;
  /** Deployment: desired (spec.replicas), and Ready pods. */
  replicas: number;
  ready: number;
  /** The HPA's desired replicas. */
  desired?: number;
  /** A short note when the HPA is not scaling normally (e.g. ScalingActive=False: FailedGetPodsMetric). */
  note?: string;
}

export interface Summary {
  minReplicas: number;
  maxReplicas: number;
  metric: string;
  target: number;
  /** Seconds from load start; undefined when it never happened. */
  metricAboveTarget?: number;
  firstExtraPod?: number;
  firstExtraPodReady?: number;
  peakReplicas: number;
  peakReadyReplicas: number;
  /** Seconds from load stop until replicas were back at the minimum (undefined: not observed). */
  backToMinimum?: number;
  loadSeconds: number;
  averageSentRate: number;
}

export function summarize(samples: Sample[], hpa: { min: number; max: number; metric: string; target: number }, loadStopAt: number | undefined): Summary {
  const during = samples.filter((s) => s.t >= 0);
  const sec = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms / 100) / 10);
  const first = (pred: (s: Sample) => boolean) => during.find(pred)?.t;
  const load = during.filter((s) => s.phase === 'load');
  const after = loadStopAt === undefined ? [] : during.filter((s) => s.t >= loadStopAt && s.phase === 'scale-in');
  const back = after.find((s) => s.replicas <= hpa.min && s.ready <= hpa.min);
  return {
    minReplicas: hpa.min,
    maxReplicas: hpa.max,
    metric: hpa.metric,
    target: hpa.target,
    metricAboveTarget: sec(first((s) => s.average !== undefined && s.average > hpa.target)),
    firstExtraPod: sec(first((s) => s.replicas > hpa.min)),
    firstExtraPodReady: sec(first((s) => s.ready > hpa.min)),
    peakReplicas: Math.max(0, ...during.map((s) => s.replicas)),
    peakReadyReplicas: Math.max(0, ...during.map((s) => s.ready)),
    backToMinimum: back && loadStopAt !== undefined ? sec(back.t - loadStopAt) : undefined,
    loadSeconds: sec(loadStopAt ?? load.at(-1)?.t ?? 0) ?? 0,
    averageSentRate: load.length ? Math.round((load.reduce((n, s) => n + s.sentRate, 0) / load.length) * 10) / 10 : 0,
  };
}

export interface Expectation {
  replicas: number;
  withinSeconds: number;
  /** When set, replicas must also be back at the minimum this long after the load stopped. */
  scaleInWithinSeconds?: number;
}

export interface Verdict {
  ok: boolean;
  reasons: string[];
}

export function judge(summary: Summary, samples: Sample[], exp: Expectation): Verdict {
  const reasons: string[] = [];
  const reached = samples.find((s) => s.t >= 0 && s.ready >= exp.replicas);
  if (!reached || reached.t > exp.withinSeconds * 1000) {
    reasons.push(`expected ≥ ${exp.replicas} Ready replicas within ${exp.withinSeconds}s of load start; peak was ${summary.peakReadyReplicas} Ready (${summary.peakReplicas} desired)${reached ? `, reached at ${Math.round(reached.t / 1000)}s` : ''}`);
  }
  if (exp.scaleInWithinSeconds !== undefined && (summary.backToMinimum === undefined || summary.backToMinimum > exp.scaleInWithinSeconds)) {
    reasons.push(`expected the Deployment back at ${summary.minReplicas} replica${summary.minReplicas === 1 ? '' : 's'} within ${exp.scaleInWithinSeconds}s after the load stopped; ${summary.backToMinimum === undefined ? 'it was not' : `it took ${summary.backToMinimum}s`}`);
  }
  return { ok: reasons.length === 0, reasons };
}

/** One line per sample, for logs (and the last-observed state of a failed verdict). */
export function sampleLine(s: Sample, metric: string, fmt: (n: number | undefined) => string): string {
  const t = `${s.t < 0 ? '-' : '+'}${Math.abs(Math.round(s.t / 1000))}s`;
  const pods = s.perPod.map((p) => `${p.pod.replace(/^.*-(\w{5})$/, '$1')}=${fmt(p.value)}`).join(' ');
  return `${t.padStart(5)} ${s.phase.padEnd(8)} sent ${fmt(s.sentRate)}/s${s.failedRate ? ` (${fmt(s.failedRate)}/s failed)` : ''} | ${metric} avg ${fmt(s.average)}/${fmt(s.target)}${pods ? ` [${pods}]` : ''} | replicas ${s.replicas} (${s.ready} Ready)${s.desired !== undefined ? `, HPA wants ${s.desired}` : ''}${s.note ? ` | ${s.note}` : ''}`;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** A small time chart: the metric's average against its target (rows), and the replica count. */
export function renderChart(samples: Sample[], width = 60, height = 6): string[] {
  const recent = samples.slice(-width);
  if (recent.length === 0) return [];
  const target = recent[recent.length - 1]?.target ?? 1;
  const top = Math.max(target * 2, ...recent.map((s) => s.average ?? 0)) || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const lo = (top * r) / height;
    const hi = (top * (r + 1)) / height;
    const isTargetRow = target >= lo && target < hi;
    let line = '';
    for (const s of recent) {
      const v = s.average ?? 0;
      if (v >= hi) line += '█';
      else if (v > lo) line += BLOCKS[Math.max(1, Math.round(((v - lo) / (hi - lo)) * 8))] ?? '█';
      else line += isTargetRow ? '┈' : ' ';
    }
    const label = r === height - 1 ? top.toFixed(top < 10 ? 1 : 0) : isTargetRow ? `${target} target` : '';
    rows.push(`${label.padStart(9)} │${line}`);
  }
  const maxRep = Math.max(1, ...recent.map((s) => s.ready));
  rows.push(`${'replicas'.padStart(9)} │${recent.map((s) => BLOCKS[Math.max(1, Math.round((s.ready / maxRep) * 8))] ?? '█').join('')} ${recent[recent.length - 1]?.ready ?? 0} Ready (max ${maxRep})`);
  return rows;
}

// The demo's data: its input (the flags, checked before anything is touched), samples of what the HPA sees
// over time, the summary a room (or CI) cares about, and the verdict for --expect-replicas. Pure functions,
// so the arithmetic and the input checks are tested without a cluster.
import { InputError } from '../errors.ts';
import { parseDuration } from '../stack/stack-file.ts';

// ---- input ------------------------------------------------------------------------------------------------

/**
 * The smallest values that still make a demo: each sample reads the HPA, the Deployment, the pods and the
 * custom metrics API, so a refresh faster than 1s only loads the API server (0s busy-looped); a load shorter
 * than 10s, or than two refreshes, ends before the metric (5s scrapes, a 30s rate window) can move.
 */
export const DEMO_LIMITS = { minIntervalSeconds: 1, minDurationSeconds: 10, minDurationIntervals: 2 } as const;
export const DEMO_DEFAULT_INTERVAL = '3s';
/** --within when not given: 3m, or the whole load when --duration is shorter. */
export const DEMO_DEFAULT_WITHIN = '3m';

/** The demo's flags as typed (strings; undefined when not given). */
export interface DemoFlags {
  rate?: string;
  connections?: string;
  duration?: string;
  interval?: string;
  scaleIn: boolean;
  /** --in-cluster-load: the load comes from a Job in the cluster (lib/in-cluster-load.ts), not from this machine */
  inClusterLoad?: boolean;
  expectReplicas?: string;
  within?: string;
  scaleInWithin?: string;
}

/** The stack's demo.load: the defaults of --rate, --connections and --duration. */
export interface DemoDefaults {
  rate: number;
  connections: number;
  duration: string;
  /** Where they are written, e.g. "stacks/custom-metrics.yaml: demo.load". */
  from: string;
}

export interface DemoInput {
  rate: number;
  connections: number;
  loadSeconds: number;
  intervalSeconds: number;
  scaleIn: boolean;
  expect?: {
    replicas: number;
    withinSeconds: number;
    /** Given with --scale-in-within; else the demo derives it from the HPA's scale-down window. */
    scaleInWithinSeconds?: number;
  };
}

const WHOLE = /^\d+$/;

/**
 * Checks every flag of `demo`, alone and against each other, before anything is touched; throws an
 * InputError (exit 2) that names the flag (or the stack field its default comes from), what was expected and
 * what was given.
 */
export function parseDemoFlags(flags: DemoFlags, defaults: DemoDefaults): DemoInput {
  const example = '--expect-replicas 3 --within 3m';
  if (flags.expectReplicas === undefined) {
    for (const flag of ['within', 'scaleInWithin'] as const) {
      if (flags[flag] === undefined) continue;
      const name = flag === 'within' ? '--within' : '--scale-in-within';
      throw new InputError(`${name} needs --expect-replicas: ${name} is how long the expected number of Ready replicas may take${flag === 'within' ? '' : ' to come back down to the minimum'}, and --expect-replicas is that number`, {
        fix: `npm run demo -- ${example}${flag === 'within' ? '' : ' --scale-in-within 3m'}   (or drop ${name})`,
      });
    }
  }
  if (flags.scaleInWithin !== undefined && !flags.scaleIn) {
    throw new InputError('--scale-in-within cannot be used with --no-scale-in: --no-scale-in skips the scale back in that --scale-in-within would time', { fix: 'drop one of the two' });
  }

  const whole = (text: string, what: string, from: string, flagDefault: boolean): number => {
    if (!WHOLE.test(text.trim()) || Number(text) < 1) {
      throw new InputError(`${from}: expected ${what}, a whole number of at least 1, got ${JSON.stringify(text)}`, flagDefault ? { fix: `pass the flag, or correct ${from}` } : {});
    }
    return Number(text);
  };
  const rate = whole(flags.rate ?? String(defaults.rate), 'requests per second', flags.rate === undefined ? `${defaults.from}.rate (the default of --rate)` : '--rate', flags.rate === undefined);
  const connections = whole(
    flags.connections ?? String(defaults.connections),
    'the number of concurrent connections',
    flags.connections === undefined ? `${defaults.from}.connections (the default of --connections)` : '--connections',
    flags.connections === undefined,
  );
  const expectReplicas = flags.expectReplicas === undefined ? undefined : whole(flags.expectReplicas, 'the number of Ready replicas to reach', '--expect-replicas', false);

  const duration = (text: string, from: string): number => {
    const ms = parseDuration(text);
    if (ms === undefined) throw new InputError(`${from}: expected a duration like 90s, 3m or 1m30s, got ${JSON.stringify(text)}`);
    return ms / 1000;
  };
  const atLeast = (text: string, from: string, min: number, expected: string, fix?: string): number => {
    const seconds = duration(text, from);
    if (seconds < min) throw new InputError(`${from}: expected ${expected}, got ${JSON.stringify(text)}`, fix ? { fix } : {});
    return seconds;
  };

  const intervalSeconds = atLeast(flags.interval ?? DEMO_DEFAULT_INTERVAL, '--interval', DEMO_LIMITS.minIntervalSeconds, `a duration of at least ${DEMO_LIMITS.minIntervalSeconds}s (the view refreshes this often; default ${DEMO_DEFAULT_INTERVAL})`);
  const minLoad = Math.max(DEMO_LIMITS.minDurationSeconds, DEMO_LIMITS.minDurationIntervals * intervalSeconds);
  const durationFrom = flags.duration === undefined ? `${defaults.from}.duration (the default of --duration)` : '--duration';
  const durationRef = flags.duration === undefined ? `the default of --duration, ${defaults.from}.duration` : '--duration';
  const loadSeconds = atLeast(
    flags.duration ?? defaults.duration,
    durationFrom,
    minLoad,
    `a duration of at least ${formatSeconds(minLoad)} (at least ${DEMO_LIMITS.minDurationSeconds}s and ${DEMO_LIMITS.minDurationIntervals} × --interval ${formatSeconds(intervalSeconds)})`,
    flags.duration === undefined ? `pass --duration, or correct ${defaults.from}.duration` : undefined,
  );

  let expect: DemoInput['expect'];
  if (expectReplicas !== undefined) {
    const withinSeconds =
      flags.within === undefined
        ? Math.min(duration(DEMO_DEFAULT_WITHIN, 'the default --within'), loadSeconds)
        : atLeast(flags.within, '--within', intervalSeconds, `a duration of at least one --interval (${formatSeconds(intervalSeconds)}): the replicas are counted once per interval`);
    if (withinSeconds > loadSeconds) {
      throw new InputError(`--within: expected at most the load's duration, ${formatSeconds(loadSeconds)} (${durationRef}): the Ready replicas are counted while the load runs, got ${JSON.stringify(flags.within)}`, {
        fix: `a --duration of ${String(flags.within)} or more, or a shorter --within`,
      });
    }
    const scaleInWithinSeconds =
      flags.scaleInWithin === undefined
        ? undefined
        : atLeast(flags.scaleInWithin, '--scale-in-within', intervalSeconds, `a duration of at least one --interval (${formatSeconds(intervalSeconds)}): the replicas are counted once per interval`);
    expect = { replicas: expectReplicas, withinSeconds, ...(scaleInWithinSeconds === undefined ? {} : { scaleInWithinSeconds }) };
  }
  return { rate, connections, loadSeconds, intervalSeconds, scaleIn: flags.scaleIn, ...(expect ? { expect } : {}) };
}

/** 90 → "1m30s", 20 → "20s", 180 → "3m": as the flags are written. */
export function formatSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m && s ? `${m}m${s}s` : m ? `${m}m` : `${s}s`;
}

/** One of an HPA's replica bounds and where it comes from, e.g. "the stack setting hpa.maxReplicas (stacks/custom-metrics.yaml)". */
export interface ReplicaBound {
  value: number;
  from: string;
}

export interface HpaBounds {
  /** namespace/name */
  hpa: string;
  min: ReplicaBound;
  max: ReplicaBound;
}

/**
 * --expect-replicas N can only be met, and only means something, between minReplicas + 1 and maxReplicas:
 * above maxReplicas the HPA never gets there; at or below minReplicas it is met before any load, whatever
 * the HPA does. Throws an InputError naming the HPA, the bound and where the bound comes from.
 */
export function checkExpectedReplicas(replicas: number, b: HpaBounds, more: { details?: string[]; fix?: string } = {}): void {
  const { min, max } = b;
  const plural = (n: number) => `${n} replica${n === 1 ? '' : 's'}`;
  if (max.value <= min.value) {
    throw new InputError(`--expect-replicas ${replicas}: HPA ${b.hpa} cannot scale: its maxReplicas ${max.value} (${max.from}) is not above its minReplicas ${min.value} (${min.from})`, {
      details: more.details,
      fix: more.fix ?? 'give the HPA a maxReplicas above its minReplicas, or drop --expect-replicas',
    });
  }
  const good = `--expect-replicas ${min.value + 1}${min.value + 1 < max.value ? ` to ${max.value}` : ''}`;
  const range = min.value + 1 === max.value ? `expected ${max.value} (minReplicas + 1, here also maxReplicas)` : `expected ${min.value + 1} to ${max.value} (minReplicas + 1 to maxReplicas)`;
  if (replicas > max.value) {
    throw new InputError(`--expect-replicas ${replicas}: HPA ${b.hpa} scales to at most ${plural(max.value)} (maxReplicas: ${max.from}), so ${replicas} Ready replicas can never be reached; ${range}`, {
      details: more.details,
      fix: more.fix ?? `${good}, or raise maxReplicas (then npm run up)`,
    });
  }
  if (replicas <= min.value) {
    throw new InputError(`--expect-replicas ${replicas}: HPA ${b.hpa} never runs fewer than ${plural(min.value)} (minReplicas: ${min.from}), so reaching ${plural(replicas)} Ready proves nothing about scaling (it holds before any load); ${range}`, {
      details: more.details,
      fix: more.fix ?? good,
    });
  }
}

// ---- samples, summary, verdict ----------------------------------------------------------------------------
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
  /** --in-cluster-load: what the Job's load generator says it held (inClusterLoadLine). */
  inClusterLoad?: string;
  /** --in-cluster-load: its pod ended before the demo stopped it (how, and when); the demo then fails. */
  loadStoppedEarly?: string;
}

/**
 * Moves the time origin of samples taken so far `ms` later (to when the load really started, e.g. once an
 * in-cluster load's pod runs): they then lie before the load (negative t), which summarize() and judge() leave
 * out of the load's figures.
 */
export function rebaseSamples(samples: Sample[], ms: number): void {
  for (const s of samples) s.t -= ms;
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

/** What the demo knows of its HPA: the metric it scales on and its type, the target, the bounds. */
export interface HpaView {
  metricType: 'Pods' | 'External' | 'Object';
  min: number;
  max: number;
  metric: string;
  target: number;
  scaleDownWindowSeconds: number;
  /** The Deployment it scales (scaleTargetRef), in the HPA's namespace. */
  deployment: string;
}

/** A line of the in-cluster load generator's output (app/load.ts): its progress, or its final summary. */
export interface LoadReport {
  type: 'progress' | 'summary';
  sent: number;
  ok: number;
  failed: number;
  /** 2xx answers per second: over the last progress period, or over the whole run for the summary */
  rate: number;
  elapsedSeconds: number;
}

/** The last summary line (else the last progress line) in a load generator's output, e.g. its pod's log. */
export function lastLoadLine(text: string): LoadReport | undefined {
  let found: LoadReport | undefined;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    let v: Partial<LoadReport>;
    try {
      v = JSON.parse(t) as Partial<LoadReport>;
    } catch {
      continue;
    }
    if ((v.type !== 'progress' && v.type !== 'summary') || ![v.sent, v.ok, v.failed, v.rate, v.elapsedSeconds].every((n) => typeof n === 'number')) continue;
    if (found?.type === 'summary' && v.type === 'progress') continue;
    found = v as LoadReport;
  }
  return found;
}

/** What the in-cluster load held, as the summary says it: from its pod's own count. */
export function inClusterLoadLine(job: string, r: LoadReport | undefined): string {
  if (!r) return `Job ${job}: no report in its pod's log`;
  const held = r.type === 'summary' ? r.rate : r.elapsedSeconds > 0 ? Math.round((r.ok / r.elapsedSeconds) * 10) / 10 : 0;
  return `${held} req/s answered (2xx) over ${r.elapsedSeconds}s: ${r.sent} sent, ${r.ok} answered, ${r.failed} failed (Job ${job}, from its pod's log)`;
}

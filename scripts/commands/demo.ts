// `hpa-lab demo`: drives a steady request rate at the app's NodePort, shows the chain load → metric →
// desired replicas → Ready pods as it happens, then (unless told not to) stops the load and waits for the
// scale back in. Ends with a summary, a JSON record for CI, and with --expect-replicas a verdict.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lib/lab.ts';
import { displayPath } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/lab-stack.ts';
import type { Kube } from '../lib/kube.ts';
import { kubeFromKubeconfig } from '../lib/kube.ts';
import { clusterExists, kindKubeconfig } from '../lib/cluster.ts';
import { LabError } from '../lib/errors.ts';
import { listPath } from '../lib/resources.ts';
import { parseDuration } from '../lib/stack.ts';
import type { DemoSpec } from '../lib/stack.ts';
import { startLoad } from '../lib/load.ts';
import type { Load } from '../lib/load.ts';
import { formatNumber, parseQuantity } from '../lib/quantity.ts';
import { judge, renderChart, sampleLine, summarize } from '../lib/demo-model.ts';
import type { Expectation, Sample, Summary } from '../lib/demo-model.ts';

export interface DemoOptions {
  rate?: number;
  connections?: number;
  duration?: string;
  interval: string;
  scaleIn: boolean;
  expectReplicas?: number;
  within?: string;
  scaleInWithin?: string;
}

interface HpaView {
  min: number;
  max: number;
  metric: string;
  target: number;
  scaleDownWindowSeconds: number;
  /** The Deployment it scales (scaleTargetRef), in the HPA's namespace. */
  deployment: string;
}

interface HpaObject {
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Array<{ type: string; pods?: { metric?: { name: string }; target?: { averageValue?: string | number } } }>;
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
    scaleTargetRef?: { name: string };
  };
  status?: {
    desiredReplicas?: number;
    currentMetrics?: Array<{ pods?: { current?: { averageValue?: string } } }>;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** How long the load goes on once --expect-replicas is met: about one rate window of the lab's metric. */
const HOLD_AFTER_EXPECTATION_MS = 30_000;

function seconds(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new LabError(`${flag}: expected a duration like 90s, 3m or 1m30s, got "${text}"`, { exitCode: 2 });
  return ms / 1000;
}

async function readHpa(kube: Kube, spec: DemoSpec): Promise<{ view: HpaView; obj: HpaObject }> {
  const obj = await kube.getJson<HpaObject>(`/apis/autoscaling/v2/namespaces/${spec.hpa.namespace}/horizontalpodautoscalers/${spec.hpa.name}`);
  if (!obj) throw new LabError(`no HPA ${spec.hpa.namespace}/${spec.hpa.name} in the cluster`, { fix: 'npm run up   (it creates the HPA and waits until it reads its metric)' });
  const pods = obj.spec?.metrics?.find((m) => m.type === 'Pods')?.pods;
  const target = parseQuantity(pods?.target?.averageValue);
  if (!pods?.metric?.name || target === undefined) throw new LabError(`HPA ${spec.hpa.namespace}/${spec.hpa.name} has no Pods metric with an AverageValue target; the demo watches that kind of HPA`);
  return {
    obj,
    view: {
      min: obj.spec?.minReplicas ?? 1,
      max: obj.spec?.maxReplicas ?? 1,
      metric: pods.metric.name,
      target,
      scaleDownWindowSeconds: obj.spec?.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
      deployment: obj.spec?.scaleTargetRef?.name ?? '',
    },
  };
}

async function observe(kube: Kube, spec: DemoSpec, hpa: HpaView, base: Omit<Sample, 'perPod' | 'replicas' | 'ready' | 'target'>): Promise<Sample> {
  const [h, dep, values] = await Promise.all([
    kube.getJson<HpaObject>(`/apis/autoscaling/v2/namespaces/${spec.hpa.namespace}/horizontalpodautoscalers/${spec.hpa.name}`),
    kube.getJson<{ spec?: { replicas?: number }; status?: { readyReplicas?: number; replicas?: number } }>(`/apis/apps/v1/namespaces/${spec.hpa.namespace}/deployments/${hpa.deployment}`).catch(() => undefined),
    kube.getJson<{ items: Array<{ describedObject: { name: string }; value: string }> }>(`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${spec.pods.namespace}/pods/*/${hpa.metric}?labelSelector=${encodeURIComponent(spec.pods.labelSelector)}`).catch(() => undefined),
  ]);
  const pods = (await kube.getJson<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>(listPath('v1', 'pods', spec.pods.namespace, spec.pods.labelSelector)).catch(() => undefined))?.items ?? [];
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const active = h?.status?.conditions?.find((c) => c.type === 'ScalingActive');
  return {
    ...base,
    target: hpa.target,
    average: parseQuantity(h?.status?.currentMetrics?.[0]?.pods?.current?.averageValue),
    perPod: (values?.items ?? []).map((i) => ({ pod: i.describedObject.name, value: parseQuantity(i.value) ?? NaN })),
    replicas: dep?.spec?.replicas ?? dep?.status?.replicas ?? pods.length,
    ready,
    desired: h?.status?.desiredReplicas,
    note: active && active.status !== 'True' ? `ScalingActive=${active.status}: ${active.reason ?? ''}` : undefined,
  };
}

/** Terminal view: a block redrawn in place. Plain mode: one timestamped line per sample. */
function makeView(lab: Lab, metric: string) {
  let drawn = 0;
  return (samples: Sample[], header: string) => {
    const s = samples[samples.length - 1];
    if (!s) return;
    if (lab.ui.plain) {
      lab.print(`[${new Date().toISOString().slice(11, 19)}] ${sampleLine(s, metric, formatNumber)}`);
      return;
    }
    const lines = [
      header,
      `  load      ${formatNumber(s.sentRate)} req/s answered${s.failedRate ? `, ${formatNumber(s.failedRate)} req/s failed` : ''}`,
      `  metric    ${metric}: HPA average ${formatNumber(s.average)} / target ${formatNumber(s.target)}`,
      ...s.perPod.map((p) => `            ${p.pod.padEnd(34)} ${formatNumber(p.value)}`),
      `  replicas  HPA wants ${s.desired ?? '–'}, Deployment ${s.replicas}, Ready ${s.ready}${s.note ? `   (${s.note})` : ''}`,
      '',
      ...renderChart(samples),
    ];
    process.stdout.write((drawn ? `\x1b[${drawn}A\x1b[0J` : '') + lines.join('\n') + '\n');
    drawn = lines.length;
  };
}

export async function demo(lab: Lab, prepared: PreparedStack, opts: DemoOptions): Promise<number> {
  const raw = prepared.stack.demo;
  if (!raw) throw new LabError(`stack ${prepared.stack.name} has no demo section`, { exitCode: 2 });
  const spec = prepared.resolver.resolve(raw, 'demo');
  const rate = opts.rate ?? spec.load.rate;
  const connections = opts.connections ?? spec.load.connections;
  const loadSeconds = seconds('--duration', opts.duration ?? spec.load.duration);
  const intervalMs = seconds('--interval', opts.interval) * 1000;
  if (!(await clusterExists(lab.runner, lab.name))) throw new LabError(`no kind cluster named ${lab.name}`, { fix: 'npm run up' });
  const kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
  const { view: hpa } = await readHpa(kube, spec);

  // The article's HPA averages a counter's total: it never falls while pods live, so there is no scale-in to wait for.
  const counterTotal = /_total$/.test(hpa.metric);
  const scaleIn = opts.scaleIn && !counterTotal;
  const expectation: Expectation | undefined =
    opts.expectReplicas === undefined
      ? undefined
      : {
          replicas: opts.expectReplicas,
          withinSeconds: seconds('--within', opts.within ?? '3m'),
          scaleInWithinSeconds: scaleIn ? seconds('--scale-in-within', opts.scaleInWithin ?? `${hpa.scaleDownWindowSeconds + 120}s`) : undefined,
        };
  if (expectation && expectation.replicas > hpa.max) {
    lab.print(`note: --expect-replicas ${expectation.replicas} is above the HPA's maxReplicas ${hpa.max}; this expectation cannot be met`);
  }
  lab.print(
    `Demo: ${rate} req/s over ${connections} connections to ${spec.url} for up to ${loadSeconds}s; HPA ${spec.hpa.namespace}/${spec.hpa.name} scales ${hpa.min}–${hpa.max} replicas on ${hpa.metric} (target ${formatNumber(hpa.target)} per pod)` +
      (counterTotal ? `\nnote: ${hpa.metric} is a counter's total: it never falls, so this HPA scales out but never back in; the scale-in phase is skipped.` : ''),
  );
  const show = makeView(lab, hpa.metric);
  const samples: Sample[] = [];
  const t0 = lab.clock.now();
  let load: Load | undefined;
  let loadStopAt: number | undefined;
  let last = { ok: 0, failed: 0, at: t0 };
  const sample = async (phase: Sample['phase']) => {
    const now = lab.clock.now();
    const c = load?.counts() ?? { ok: 0, failed: 0 };
    const dt = Math.max(0.001, (now - last.at) / 1000);
    const s = await observe(kube, spec, hpa, { t: now - t0, phase, sentRate: (c.ok - last.ok) / dt, failedRate: (c.failed - last.failed) / dt });
    last = { ...c, at: now };
    samples.push(s);
    show(samples, phase === 'scale-in' ? `Load stopped: waiting for the scale back in to ${hpa.min}` : `Load on: ${rate} req/s`);
    return s;
  };

  try {
    await sample('baseline');
    load = startLoad({ url: spec.url, rate, connections, durationSeconds: loadSeconds + 5 });
    last = { ok: 0, failed: 0, at: lab.clock.now() };
    let loadEnd = t0 + loadSeconds * 1000;
    let holding = false;
    for (;;) {
      await lab.clock.sleep(intervalMs, lab.signal);
      if (lab.signal.aborted) break;
      const s = await sample('load');
      if (expectation && !holding && s.ready >= expectation.replicas) {
        // Met: keep the load one rate window longer, so the new pods' share of it shows in the metric.
        holding = true;
        loadEnd = Math.min(loadEnd, lab.clock.now() + HOLD_AFTER_EXPECTATION_MS);
      }
      if (expectation && !holding && s.t >= expectation.withinSeconds * 1000) break;
      if (lab.clock.now() >= loadEnd) break;
    }
    load.stop();
    loadStopAt = lab.clock.now() - t0;
    if (scaleIn && !lab.signal.aborted) {
      const limit = (expectation?.scaleInWithinSeconds ?? hpa.scaleDownWindowSeconds + 120) * 1000;
      for (;;) {
        await lab.clock.sleep(intervalMs, lab.signal);
        if (lab.signal.aborted) break;
        const s = await sample('scale-in');
        if (s.replicas <= hpa.min && s.ready <= hpa.min) break;
        if (lab.clock.now() - t0 - loadStopAt >= limit) break;
      }
    }
  } finally {
    load?.stop();
  }

  const summary = summarize(samples, hpa, loadStopAt);
  const verdict = expectation ? judge(summary, samples, expectation) : undefined;
  const dir = path.join(lab.stateDir, 'demo');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ stack: prepared.stack.name, url: spec.url, hpa: { ...spec.hpa, ...hpa }, load: { rate, connections, seconds: loadSeconds }, summary, expectation, verdict, samples }, null, 2) + '\n');
  lab.print(formatSummary(summary, scaleIn, counterTotal));
  lab.print(`Results: ${displayPath(file)}`);
  if (lab.signal.aborted) throw new LabError('interrupted', { exitCode: 130 });
  if (verdict && !verdict.ok) {
    const lastSample = samples[samples.length - 1];
    throw new LabError(`demo expectation not met`, {
      details: [...verdict.reasons, ...(lastSample ? [`last observed: ${sampleLine(lastSample, hpa.metric, formatNumber).trim()}`] : [])],
    });
  }
  if (verdict) lab.print(`✔ expectation met: ≥ ${expectation?.replicas} Ready replicas within ${expectation?.withinSeconds}s${expectation?.scaleInWithinSeconds !== undefined ? `, back to ${hpa.min} within ${expectation.scaleInWithinSeconds}s` : ''}`);
  return 0;
}

function formatSummary(s: Summary, scaleIn: boolean, counterTotal: boolean): string {
  const t = (v: number | undefined) => (v === undefined ? 'not reached' : `${v}s`);
  return [
    '',
    'Summary',
    `  load                          ${s.averageSentRate} req/s answered on average for ${s.loadSeconds}s`,
    `  metric above its target       ${t(s.metricAboveTarget)} after load start (${s.metric} > ${formatNumber(s.target)})`,
    `  first extra pod               ${t(s.firstExtraPod)}`,
    `  first extra pod Ready         ${t(s.firstExtraPodReady)}`,
    `  peak replicas                 ${s.peakReplicas} (${s.peakReadyReplicas} Ready; min ${s.minReplicas}, max ${s.maxReplicas})`,
    `  back to ${s.minReplicas} after the load     ${scaleIn ? t(s.backToMinimum) : counterTotal ? 'skipped (the metric is a counter total)' : 'skipped (--no-scale-in)'}`,
  ].join('\n');
}

// `hpa-lab demo`: drives a steady request rate at the app's NodePort, shows the chain load → metric →
// desired replicas → Ready pods as it happens, then (unless told not to) stops the load and waits for the
// scale back in. Ends with a summary, a JSON record for CI and an HTML report of the same data (charts, summary,
// settings), and with --expect-replicas a verdict.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Lab } from '../lib/lab.ts';
import { deadline, displayPath, REPO_ROOT } from '../lib/lab.ts';
import { reachApi } from '../lib/context/access.ts';
import type { PreparedStack, StackChoice } from '../lib/stack/prepare.ts';
import { settingSource } from '../lib/stack/prepare.ts';
import type { Kube } from '../lib/kube/api.ts';
import { kubeFromKubeconfig } from '../lib/kube/api.ts';
import { clusterExists, kindKubeconfig } from '../lib/cluster/lifecycle.ts';
import { MissingToolError } from '../lib/exec.ts';
import { InputError, LabError } from '../lib/errors.ts';
import { listPath } from '../lib/kube/resources.ts';
import { currentReading } from '../lib/gates/probes.ts';
import type { DemoSpec, InClusterLoadSpec } from '../lib/stack/stack-file.ts';
import { startLoad } from '../lib/demo/load.ts';
import type { Load } from '../lib/demo/load.ts';
import { describeLoadEnd, imageInCluster, loadStoppedError, progressSeconds, startInClusterLoad } from '../lib/demo/in-cluster-load.ts';
import type { InClusterLoad, LoadEnd } from '../lib/demo/in-cluster-load.ts';
import { makeView } from '../lib/demo/view.ts';
import { formatNumber, parseQuantity } from '../lib/kube/quantity.ts';
import { checkExpectedReplicas, inClusterLoadLine, judge, parseDemoFlags, rebaseSamples, sampleLine, summarize } from '../lib/demo/model.ts';
import type { DemoFlags, Expectation, HpaBounds, HpaView, ReplicaBound, Sample, Summary } from '../lib/demo/model.ts';
import { checkReportFlag, renderReport } from '../lib/demo/report.ts';
import { forwardsReach, NODE_PORTS } from '../lib/kube/reach.ts';
import { targetKube } from '../lib/context/on-context.ts';
import type { DemoResults } from '../lib/demo/report.ts';

/** The flags as typed, and the --stack/--set/--variant choice (to say where an HPA bound comes from). */
export interface DemoOptions extends DemoFlags {
  choice?: StackChoice;
  /** --report FILE: where the HTML report goes (default: next to the JSON); --no-report: none. */
  report?: string;
  noReport?: boolean;
}


interface HpaObject {
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Array<{ type: string } & Partial<Record<'pods' | 'external' | 'object', { metric?: { name: string }; target?: { averageValue?: string | number; value?: string | number } }>>>;
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
    scaleTargetRef?: { name: string };
  };
  status?: {
    desiredReplicas?: number;
    currentMetrics?: Array<NonNullable<Parameters<typeof currentReading>[0]>>;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** How long the load goes on once --expect-replicas is met: about one rate window of the lab's metric. */
const HOLD_AFTER_EXPECTATION_MS = 30_000;

/** A stack setting, and where its value comes from: a --set, the --variant, or the stack file. */
function describeSetting(prepared: PreparedStack, setting: string, choice: StackChoice | undefined): string {
  const src = settingSource(prepared.stack, choice, setting);
  return src.from === 'file' ? `the stack setting ${setting} in ${src.text}` : `the stack setting ${setting}, from ${src.text}`;
}

/**
 * The demo's HPA as the stack makes it, when one of its manifests is that HPA (the lab's own): its
 * minReplicas and maxReplicas and where each comes from (a stack setting, or the manifest). Undefined for an
 * HPA the stack does not write itself (a chart's, or one made by hand): the cluster's is read instead.
 */
function stackHpaBounds(prepared: PreparedStack, spec: DemoSpec, choice: StackChoice | undefined): HpaBounds | undefined {
  for (const c of prepared.stack.components) {
    if (!c.manifests) continue;
    const raws = parseAllDocuments(readFileSync(path.resolve(REPO_ROOT, c.manifests), 'utf8'))
      .map((d) => d.toJS() as unknown)
      .filter((d): d is { kind?: unknown; spec?: Record<string, unknown> } => typeof d === 'object' && d !== null);
    for (const [i, raw] of raws.entries()) {
      if (raw.kind !== 'HorizontalPodAutoscaler') continue;
      const obj = prepared.resolver.resolve(raw, `${c.manifests}#${i + 1}`) as { metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };
      if ((obj.metadata?.namespace ?? 'default') !== spec.hpa.namespace || obj.metadata?.name !== spec.hpa.name) continue;
      const bound = (field: 'minReplicas' | 'maxReplicas', fallback?: number): ReplicaBound => {
        const written = raw.spec?.[field];
        const setting = typeof written === 'string' ? /^\$\{\s*([\w.-]+)\s*\}$/.exec(written)?.[1] : undefined;
        const from =
          written === undefined
            ? `the Kubernetes default: ${c.manifests} sets no spec.${field}`
            : setting
              ? describeSetting(prepared, setting, choice)
              : `spec.${field} in ${c.manifests}`;
        const value = written === undefined ? fallback : obj.spec?.[field];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
          throw new InputError(`HPA ${spec.hpa.namespace}/${spec.hpa.name}: ${field} is ${JSON.stringify(value)} (${from}): expected a whole number`);
        }
        return { value, from };
      };
      return { hpa: `${spec.hpa.namespace}/${spec.hpa.name}`, min: bound('minReplicas', 1), max: bound('maxReplicas') };
    }
  }
  return undefined;
}

async function readHpa(kube: Kube, spec: DemoSpec): Promise<{ view: HpaView; obj: HpaObject }> {
  const obj = await kube.getJson<HpaObject>(`/apis/autoscaling/v2/namespaces/${spec.hpa.namespace}/horizontalpodautoscalers/${spec.hpa.name}`);
  if (!obj) throw new LabError(`no HPA ${spec.hpa.namespace}/${spec.hpa.name} in the cluster`, { fix: 'npm run up   (it creates the HPA and waits until it reads its metric)' });
  // The metric it scales on: Pods (a custom metric per pod, the adapter's), External (KEDA's) or Object.
  const m = obj.spec?.metrics?.find((x) => x.type === 'Pods' || x.type === 'External' || x.type === 'Object');
  const source = m?.pods ?? m?.external ?? m?.object;
  const target = parseQuantity(source?.target?.averageValue ?? source?.target?.value);
  if (!m || !source?.metric?.name || target === undefined) {
    throw new LabError(`HPA ${spec.hpa.namespace}/${spec.hpa.name} scales on no Pods, External or Object metric with a target value; the demo watches that kind of HPA`);
  }
  return {
    obj,
    view: {
      min: obj.spec?.minReplicas ?? 1,
      max: obj.spec?.maxReplicas ?? 1,
      metric: source.metric.name,
      metricType: m.type as HpaView['metricType'],
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
    // Per-pod values exist for a Pods metric only: an External metric is one value for the whole workload.
    hpa.metricType === 'Pods'
      ? kube.getJson<{ items: Array<{ describedObject: { name: string }; value: string }> }>(`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${spec.pods.namespace}/pods/*/${hpa.metric}?labelSelector=${encodeURIComponent(spec.pods.labelSelector)}`).catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  const pods = (await kube.getJson<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>(listPath('v1', 'pods', spec.pods.namespace, spec.pods.labelSelector)).catch(() => undefined))?.items ?? [];
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const active = h?.status?.conditions?.find((c) => c.type === 'ScalingActive');
  return {
    ...base,
    target: hpa.target,
    // the value the HPA itself sees, from its status, whatever the metric's type
    average: parseQuantity(currentReading(h?.status?.currentMetrics?.[0])?.value),
    perPod: (values?.items ?? []).map((i) => ({ pod: i.describedObject.name, value: parseQuantity(i.value) ?? NaN })),
    replicas: dep?.spec?.replicas ?? dep?.status?.replicas ?? pods.length,
    ready,
    desired: h?.status?.desiredReplicas,
    note: active && active.status !== 'True' ? `ScalingActive=${active.status}: ${active.reason ?? ''}` : undefined,
  };
}

export async function demo(lab: Lab, prepared: PreparedStack, opts: DemoOptions): Promise<number> {
  const raw = prepared.stack.demo;
  if (!raw) throw new InputError(`--stack: stack ${prepared.stack.name} (${prepared.stack.file}) has no demo section: the demo needs its url, hpa, pods and load`);
  const spec = prepared.resolver.resolve(raw, 'demo');
  // Every flag, alone and together, before anything is touched (exit 2).
  const input = parseDemoFlags(opts, { ...spec.load, from: `${prepared.stack.file}: demo.load` });
  const reportTo = checkReportFlag(opts);
  const inCluster = opts.inClusterLoad ? inClusterSpec(prepared, spec) : undefined;
  // The lab's own HPA: its replica bounds are known from the stack, before the cluster is asked anything.
  const fromStack = input.expect ? stackHpaBounds(prepared, spec, opts.choice) : undefined;
  if (input.expect && fromStack) checkExpectedReplicas(input.expect.replicas, fromStack);

  const kube = await demoKube(lab);
  // On --context the app is reached through a port-forward (lib/kube/reach.ts); on the lab's kind cluster, its NodePort;
  // with --in-cluster-load, by its Service's DNS name from a Job in the cluster (no forward).
  const reach = lab.target && !inCluster ? forwardsReach(prepared.stack, prepared.resolver, kube) : NODE_PORTS;
  try {
    return await runDemo(lab, prepared, opts, { spec, input, reportTo, fromStack, kube, url: inCluster ? inCluster.spec.url : await reach.rewrite(spec.url), inCluster });
  } finally {
    await reach.close();
  }
}

/** --in-cluster-load: the stack's demo.inCluster and the repository of the image it names (exit 2 without one). */
function inClusterSpec(prepared: PreparedStack, spec: DemoSpec): { spec: InClusterLoadSpec; repository: string } {
  if (!spec.inCluster) {
    throw new InputError(`--in-cluster-load: stack ${prepared.stack.name} (${prepared.stack.file}) has no demo.inCluster: expected the in-cluster load generator there (image: a component with image:, command, url)`, {
      fix: 'drop --in-cluster-load (the load then comes from this machine), or add demo.inCluster to the stack',
    });
  }
  const component = prepared.stack.components.find((c) => c.name === spec.inCluster?.image);
  return { spec: spec.inCluster, repository: component?.image?.repository ?? spec.inCluster.image };
}

/** The cluster the demo watches: the lab's kind cluster (which must exist), or the --context one. */
async function demoKube(lab: Lab): Promise<Kube> {
  if (lab.target) {
    // A cluster that does not answer is said as status and down --context say it, before any load starts.
    const kube = await targetKube(lab);
    const api = await reachApi(kube, deadline(lab, 10));
    if (!api.ok) throw new LabError(`no demo: context ${lab.target.context}: ${api.why}`, { fix: api.fix });
    return kube;
  }
  const exists = await clusterExists(lab.runner, lab.name).catch((err: unknown) => {
    if (err instanceof MissingToolError) throw new LabError(`${err.tool} is not installed (not on PATH): the demo finds the lab's cluster with it`, { fix: 'npm run doctor   (it says how to install what is missing)' });
    throw err;
  });
  if (!exists) throw new LabError(`no kind cluster named ${lab.name}`, { fix: 'npm run up' });
  return kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
}

interface DemoRun {
  spec: DemoSpec;
  input: ReturnType<typeof parseDemoFlags>;
  reportTo: ReturnType<typeof checkReportFlag>;
  fromStack: HpaBounds | undefined;
  kube: Kube;
  /** where the load goes: the stack's URL, the forward that stands for it, or the in-cluster URL */
  url: string;
  /** --in-cluster-load */
  inCluster?: { spec: InClusterLoadSpec; repository: string };
}

async function runDemo(lab: Lab, prepared: PreparedStack, opts: DemoOptions, run: DemoRun): Promise<number> {
  const { spec, input, reportTo, fromStack, kube, url } = run;
  const { rate, connections, loadSeconds } = input;
  const intervalMs = input.intervalSeconds * 1000;
  const { view: hpa } = await readHpa(kube, spec);
  // The in-cluster load runs the image the demo's pods run (what up loaded or pushed), read before any load.
  const loadImage = run.inCluster ? await imageInCluster(kube, spec.pods, run.inCluster.repository, run.inCluster.spec.image) : undefined;

  // The article's HPA averages a counter's total: it never falls while pods live, so there is no scale-in to wait for.
  const counterTotal = /_total$/.test(hpa.metric);
  const scaleIn = input.scaleIn && !counterTotal;
  let expectation: Expectation | undefined;
  if (input.expect) {
    // The HPA the cluster has is the one that scales: checked too, before any load (it may have been made
    // with other settings than this demo's, or by something else than the stack).
    const ref = `${spec.hpa.namespace}/${spec.hpa.name}`;
    const inCluster = `the HPA object read from the cluster (context ${lab.context})`;
    const differs = fromStack && (fromStack.min.value !== hpa.min || fromStack.max.value !== hpa.max);
    const stackSays = differs
      ? `the stack says minReplicas ${fromStack.min.value} (${fromStack.min.from}) and maxReplicas ${fromStack.max.value} (${fromStack.max.from}): the lab was brought up with other settings than this demo's`
      : undefined;
    checkExpectedReplicas(
      input.expect.replicas,
      { hpa: ref, min: { value: hpa.min, from: inCluster }, max: { value: hpa.max, from: inCluster } },
      stackSays ? { details: [stackSays], fix: `npm run up with the same --stack, --set and --variant as the demo, then the demo again` } : {},
    );
    if (stackSays) lab.print(`note: HPA ${ref} in the cluster has minReplicas ${hpa.min} and maxReplicas ${hpa.max}; ${stackSays}`);
    if (input.expect.scaleInWithinSeconds !== undefined && counterTotal) {
      throw new InputError(`--scale-in-within: HPA ${ref} scales on ${hpa.metric}, a counter's total, which never falls: it scales out but never back in, so there is no scale-in to time`, {
        fix: 'drop --scale-in-within (the demo skips the scale-in for this HPA)',
      });
    }
    expectation = {
      replicas: input.expect.replicas,
      withinSeconds: input.expect.withinSeconds,
      scaleInWithinSeconds: scaleIn ? (input.expect.scaleInWithinSeconds ?? hpa.scaleDownWindowSeconds + 120) : undefined,
    };
  }
  lab.print(
    `Demo: ${rate} req/s over ${connections} connections to ${loadImage ? `${url} from a Job in the cluster (image ${loadImage})` : url === spec.url ? spec.url : `${spec.url} (through a port-forward: ${url})`} for up to ${loadSeconds}s; HPA ${spec.hpa.namespace}/${spec.hpa.name} scales ${hpa.min}–${hpa.max} replicas on ${hpa.metric} (target ${formatNumber(hpa.target)} per pod)` +
      (counterTotal ? `\nnote: ${hpa.metric} is a counter's total: it never falls, so this HPA scales out but never back in; the scale-in phase is skipped.` : ''),
  );
  const view = makeView({ plain: lab.ui.plain, print: (t) => lab.print(t), write: (t) => process.stdout.write(t) }, hpa.metric);
  const samples: Sample[] = [];
  // The load's time origin: sample times, --within, the summary's times count from it. An in-cluster load
  // moves it to when its pod runs (below): its pod's start-up is not load time.
  let t0 = lab.clock.now();
  let load: Load | undefined;
  let inClusterLoad: InClusterLoad | undefined;
  let loadStopAt: number | undefined;
  let stoppedEarly: LoadEnd | undefined;
  let last = { ok: 0, failed: 0, at: t0 };
  const sample = async (phase: Sample['phase']) => {
    const now = lab.clock.now();
    await inClusterLoad?.refresh();
    const c = (inClusterLoad ?? load)?.counts() ?? { ok: 0, failed: 0 };
    const dt = Math.max(0.001, (now - last.at) / 1000);
    const s = await observe(kube, spec, hpa, { t: now - t0, phase, sentRate: (c.ok - last.ok) / dt, failedRate: (c.failed - last.failed) / dt });
    last = { ...c, at: now };
    samples.push(s);
    view.draw(samples, phase === 'scale-in' ? `Load stopped: waiting for the scale back in to ${hpa.min}` : `Load on: ${rate} req/s`);
    return s;
  };

  try {
    await sample('baseline');
    if (loadImage && run.inCluster) {
      inClusterLoad = await startInClusterLoad({
        kube, clock: lab.clock, signal: lab.signal, lab: lab.name, spec: run.inCluster.spec, namespace: spec.pods.namespace, image: loadImage,
        rate, connections, durationSeconds: loadSeconds + 5, startDeadlineMs: 120_000 * lab.timeoutFactor, progressSeconds: progressSeconds(input.intervalSeconds),
        onWait: (line) => view.say(line), onWarn: (line) => view.say(line),
      });
      view.say(`In-cluster load: Job ${inClusterLoad.namespace}/${inClusterLoad.job} is running`);
      // its load starts now: the baseline sample falls before it (negative t), as the pod's start-up does
      const started = lab.clock.now();
      rebaseSamples(samples, started - t0);
      t0 = started;
    } else load = startLoad({ url, rate, connections, durationSeconds: loadSeconds + 5 });
    last = { ok: 0, failed: 0, at: lab.clock.now() };
    // the load's full duration from when it runs (an in-cluster load's pod takes a moment to start)
    let loadEnd = lab.clock.now() + loadSeconds * 1000;
    let holding = false;
    for (;;) {
      await lab.clock.sleep(intervalMs, lab.signal);
      if (lab.signal.aborted) break;
      const s = await sample('load');
      const ended = inClusterLoad?.ended();
      if (ended) {
        // the pod ended: its counts are frozen from here on; early (failed, evicted, deleted) fails the demo below
        if (!ended.complete) stoppedEarly = ended;
        view.say(ended.complete ? `In-cluster load: ${describeLoadEnd(ended)} (its whole duration)` : `In-cluster load stopped early: ${describeLoadEnd(ended)}`);
        break;
      }
      if (expectation && !holding && s.ready >= expectation.replicas) {
        // Met: keep the load one rate window longer, so the new pods' share of it shows in the metric.
        holding = true;
        loadEnd = Math.min(loadEnd, lab.clock.now() + HOLD_AFTER_EXPECTATION_MS);
      }
      if (expectation && !holding && s.t >= expectation.withinSeconds * 1000) break;
      if (lab.clock.now() >= loadEnd) break;
    }
    load?.stop();
    await inClusterLoad?.stop();
    loadStopAt = lab.clock.now() - t0;
    // a load that stopped early fails the demo: no scale-in to wait for
    if (scaleIn && !lab.signal.aborted && !stoppedEarly) {
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
    await inClusterLoad?.stop();
  }

  const summary = summarize(samples, hpa, loadStopAt);
  if (inClusterLoad) summary.inClusterLoad = inClusterLoadLine(`${inClusterLoad.namespace}/${inClusterLoad.job}`, inClusterLoad.report());
  if (stoppedEarly && loadStopAt !== undefined) summary.loadStoppedEarly = `${describeLoadEnd(stoppedEarly)}, ${Math.round(loadStopAt / 1000)}s into the load`;
  const verdict = expectation ? judge(summary, samples, expectation) : undefined;
  const dir = path.join(lab.stateDir, 'demo');
  mkdirSync(dir, { recursive: true });
  const finishedAt = new Date().toISOString();
  const file = path.join(dir, `${finishedAt.replace(/[:.]/g, '-')}.json`);
  // One object for both: the JSON for CI, the HTML report for a room (or a CI job's artifacts).
  const results: DemoResults = {
    stack: prepared.stack.name,
    url: inClusterLoad ? inClusterLoad.url : spec.url,
    hpa: { ...spec.hpa, ...hpa },
    load: {
      rate, connections, seconds: loadSeconds,
      ...(inClusterLoad ? { inCluster: { job: inClusterLoad.job, namespace: inClusterLoad.namespace, image: inClusterLoad.image, held: inClusterLoad.report(), ...(stoppedEarly ? { stoppedEarly } : {}) } } : {}),
    },
    summary,
    expectation,
    verdict,
    intervalSeconds: input.intervalSeconds,
    loadStopAt,
    scaleIn: scaleIn ? 'waited' : counterTotal ? 'counter-total' : 'no-scale-in',
    interrupted: lab.signal.aborted,
    finishedAt,
    samples,
  };
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  const report = reportTo === false ? undefined : (reportTo ?? file.replace(/\.json$/, '.html'));
  if (report) {
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, renderReport(results, { source: path.basename(file) }));
  }
  lab.print(formatSummary(summary, scaleIn, counterTotal));
  lab.print(`Results: ${displayPath(file)}`);
  if (report) lab.print(`Report:  ${displayPath(report)}`);
  if (lab.signal.aborted) throw new LabError('interrupted', { exitCode: 130 });
  if (stoppedEarly && inClusterLoad) {
    const verdictSays = verdict ? (verdict.ok ? ['the expectation was met before the load stopped'] : verdict.reasons) : [];
    throw loadStoppedError(inClusterLoad, stoppedEarly, summary.loadStoppedEarly ?? describeLoadEnd(stoppedEarly), verdictSays);
  }
  if (verdict && !verdict.ok) {
    const lastSample = samples[samples.length - 1];
    throw new LabError(`demo expectation not met`, {
      details: [...verdict.reasons, ...(lastSample ? [`last observed: ${sampleLine(lastSample, hpa.metric, formatNumber).trim()}`] : [])],
    });
  }
  if (verdict) lab.print(`✔ expectation met: ≥ ${expectation?.replicas} Ready replicas within ${expectation?.withinSeconds}s${expectation?.scaleInWithinSeconds !== undefined ? `, back to ${hpa.min} within ${expectation.scaleInWithinSeconds}s` : ''}`);
  return 0;
}

/** The summary the terminal prints (the report's summary table has the same rows: lib/demo/report.ts summaryRows). */
export function formatSummary(s: Summary, scaleIn: boolean, counterTotal: boolean): string {
  const t = (v: number | undefined) => (v === undefined ? 'not reached' : `${v}s`);
  return [
    '',
    'Summary',
    `  load                          ${s.averageSentRate} req/s answered on average for ${s.loadSeconds}s`,
    ...(s.inClusterLoad ? [`  in-cluster load held          ${s.inClusterLoad}`] : []),
    ...(s.loadStoppedEarly ? [`  in-cluster load stopped early ${s.loadStoppedEarly}`] : []),
    `  metric above its target       ${t(s.metricAboveTarget)} after load start (${s.metric} > ${formatNumber(s.target)})`,
    `  first extra pod               ${t(s.firstExtraPod)}`,
    `  first extra pod Ready         ${t(s.firstExtraPodReady)}`,
    `  peak replicas                 ${s.peakReplicas} (${s.peakReadyReplicas} Ready; min ${s.minReplicas}, max ${s.maxReplicas})`,
    `  back to ${s.minReplicas} after the load     ${scaleIn ? t(s.backToMinimum) : counterTotal ? 'skipped (the metric is a counter total)' : 'skipped (--no-scale-in)'}`,
  ].join('\n');
}

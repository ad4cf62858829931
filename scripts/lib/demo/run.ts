// The demo's run: what it says it will do, then the load and what the HPA makes of it, sampled every interval
// and drawn as it happens, until the load ends (its duration, --within passed, the expectation met and held, the
// in-cluster load's pod ended, Ctrl-C), then the scale back in unless skipped.
import type { Lab } from '../lab.ts';
import { formatNumber } from '../kube/quantity.ts';
import { startLoad } from './load.ts';
import type { Load } from './load.ts';
import { describeLoadEnd, progressSeconds, startInClusterLoad } from './in-cluster-load.ts';
import type { InClusterLoad, LoadEnd } from './in-cluster-load.ts';
import { makeView } from './view.ts';
import { rebaseSamples } from './model.ts';
import type { HpaView, Sample } from './model.ts';
import { observe } from './cluster.ts';
import type { DemoRun } from './input.ts';
import type { DemoPlan } from './expectation.ts';

/** How long the load goes on once --expect-replicas is met: about one rate window of the lab's metric. */
const HOLD_AFTER_EXPECTATION_MS = 30_000;

/** What a run observed: the samples, when the load stopped, and the in-cluster load (and whether it stopped early). */
export interface Observed {
  samples: Sample[];
  /** Milliseconds since the load started when it was stopped (undefined: interrupted before). */
  loadStopAt: number | undefined;
  stoppedEarly: LoadEnd | undefined;
  inClusterLoad: InClusterLoad | undefined;
}

/** The first line: the load, where it goes, the HPA and its metric (and that a counter's total never scales in). */
export function announceDemo(lab: Lab, run: DemoRun, hpa: HpaView, plan: DemoPlan, loadImage: string | undefined): void {
  const { spec, url } = run;
  const { rate, connections, loadSeconds } = run.input;
  lab.print(
    `Demo: ${rate} req/s over ${connections} connections to ${loadImage ? `${url} from a Job in the cluster (image ${loadImage})` : url === spec.url ? spec.url : `${spec.url} (through a port-forward: ${url})`} for up to ${loadSeconds}s; HPA ${spec.hpa.namespace}/${spec.hpa.name} scales ${hpa.min}–${hpa.max} replicas on ${hpa.metric} (target ${formatNumber(hpa.target)} per pod)` +
      (plan.counterTotal ? `\nnote: ${hpa.metric} is a counter's total: it never falls, so this HPA scales out but never back in; the scale-in phase is skipped.` : ''),
  );
}

/** The load and the samples: a baseline, the load phase, then the scale-in phase when the plan waits for it. */
export async function driveLoad(lab: Lab, run: DemoRun, hpa: HpaView, plan: DemoPlan, loadImage: string | undefined): Promise<Observed> {
  const { spec, input, kube, url } = run;
  const { rate, connections, loadSeconds } = input;
  const { scaleIn, expectation } = plan;
  const intervalMs = input.intervalSeconds * 1000;
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
  return { samples, loadStopAt, stoppedEarly, inClusterLoad };
}

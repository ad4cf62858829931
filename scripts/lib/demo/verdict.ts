// How a demo run ends: interrupted (130), its in-cluster load stopped early, --expect-replicas not met (each a
// LabError), or 0 with the expectation met said.
import type { Lab } from '../lab.ts';
import { LabError } from '../errors.ts';
import { formatNumber } from '../kube/quantity.ts';
import { sampleLine } from './model.ts';
import { describeLoadEnd, loadStoppedError } from './in-cluster-load.ts';
import type { DemoResults } from './report.ts';
import type { Observed } from './run.ts';

/** 0, or the LabError of an interrupted run, an in-cluster load stopped early, an expectation not met. */
export function judgeRun(lab: Lab, results: DemoResults, observed: Observed): number {
  const { summary, verdict, expectation, hpa, samples } = results;
  const { stoppedEarly, inClusterLoad } = observed;
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

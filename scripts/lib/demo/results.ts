// What a demo run records: one object (the summary, the verdict, the settings, the samples), written as JSON for
// CI and rendered as the HTML report for a room; and the summary the terminal prints.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab.ts';
import { displayPath } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import { formatNumber } from '../kube/quantity.ts';
import { describeLoadEnd } from './in-cluster-load.ts';
import { inClusterLoadLine, judge, summarize } from './model.ts';
import type { HpaView, Summary } from './model.ts';
import { renderReport } from './report.ts';
import type { DemoResults } from './report.ts';
import type { DemoRun } from './input.ts';
import type { DemoPlan } from './expectation.ts';
import type { Observed } from './run.ts';

/** The run's results: the summary and the verdict computed from what was observed, with the settings. */
export function demoResults(lab: Lab, prepared: PreparedStack, run: DemoRun, hpa: HpaView, plan: DemoPlan, observed: Observed): DemoResults {
  const { spec, input } = run;
  const { rate, connections, loadSeconds } = input;
  const { scaleIn, counterTotal, expectation } = plan;
  const { samples, loadStopAt, stoppedEarly, inClusterLoad } = observed;
  const summary = summarize(samples, hpa, loadStopAt);
  if (inClusterLoad) summary.inClusterLoad = inClusterLoadLine(`${inClusterLoad.namespace}/${inClusterLoad.job}`, inClusterLoad.report());
  if (stoppedEarly && loadStopAt !== undefined) summary.loadStoppedEarly = `${describeLoadEnd(stoppedEarly)}, ${Math.round(loadStopAt / 1000)}s into the load`;
  const verdict = expectation ? judge(summary, samples, expectation) : undefined;
  const finishedAt = new Date().toISOString();
  // One object for both: the JSON for CI, the HTML report for a room (or a CI job's artifacts).
  return {
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
}

/** Writes the JSON into the lab's state folder (named by when the run finished), and the report unless --no-report. */
export function writeResults(lab: Lab, results: DemoResults, reportTo: string | false | undefined): { file: string; report: string | undefined } {
  const dir = path.join(lab.stateDir, 'demo');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.finishedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  const report = reportTo === false ? undefined : (reportTo ?? file.replace(/\.json$/, '.html'));
  if (report) {
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, renderReport(results, { source: path.basename(file) }));
  }
  return { file, report };
}

/** The summary, and where the results and the report are. */
export function printResults(lab: Lab, results: DemoResults, plan: DemoPlan, files: { file: string; report: string | undefined }): void {
  lab.print(formatSummary(results.summary, plan.scaleIn, plan.counterTotal));
  lab.print(`Results: ${displayPath(files.file)}`);
  if (files.report) lab.print(`Report:  ${displayPath(files.report)}`);
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

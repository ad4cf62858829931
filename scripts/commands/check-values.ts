// `hpa-lab check-values`: every key the stack's values set must exist in the pinned chart's defaults
// (Helm silently ignores a misspelled key). The defaults come from `helm show values` for each chart and
// sub-chart at its pinned version, so whoever bumps a version re-checks against the new chart.
import { parse } from 'yaml';
import type { Lab } from '../lib/lab.ts';
import { REPO_ROOT } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { releaseValues } from '../lib/stack/actions/helm.ts';
import { allowedKeys, checkValuesKeys } from '../lib/stack/values-check.ts';
import type { KeyProblem } from '../lib/stack/values-check.ts';
import { writeChartKeys } from '../lib/stack/chart-keys.ts';

export type DefaultsSource = (chart: string, repo: string, version: string) => Promise<unknown>;

export interface ReleaseCheck {
  component: string;
  chart: string;
  version: string;
  valuesFile: string;
  problems: KeyProblem[];
}

export async function checkStackValues(prepared: PreparedStack, source: DefaultsSource): Promise<ReleaseCheck[]> {
  const allowed = allowedKeys();
  const out: ReleaseCheck[] = [];
  for (const c of prepared.stack.components) {
    if (!c.helm) continue;
    const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
    const subcharts: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(h.subcharts)) subcharts[key] = await source(key, s.repo, s.version);
    const problems = checkValuesKeys(releaseValues(REPO_ROOT, h), { values: await source(h.chart, h.repo, h.version), subcharts, allowed: allowed[h.chart] ?? {} });
    out.push({ component: c.name, chart: h.chart, version: h.version, valuesFile: h.values, problems });
  }
  return out;
}

/** Chart defaults as the chart repository publishes them. */
export function helmShowValues(lab: Lab): DefaultsSource {
  return async (chart, repo, version) => parse((await lab.runner.run('helm', ['show', 'values', chart, '--repo', repo, '--version', version])).stdout) as unknown;
}

export async function checkValues(lab: Lab, prepared: PreparedStack, opts: { update: boolean } = { update: false }): Promise<number> {
  const source = helmShowValues(lab);
  if (opts.update) {
    for (const c of prepared.stack.components) {
      if (!c.helm) continue;
      const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
      const charts = [{ chart: h.chart, repo: h.repo, version: h.version }, ...Object.entries(h.subcharts).map(([chart, s]) => ({ chart, ...s }))];
      for (const x of charts) lab.print(`wrote ${writeChartKeys(x.chart, x.version, await source(x.chart, x.repo, x.version), `helm show values ${x.chart} --repo ${x.repo} --version ${x.version} (npm run check-values -- --update)`)}`);
    }
  }
  const results = await checkStackValues(prepared, source);
  let bad = 0;
  for (const r of results) {
    if (r.problems.length === 0) {
      lab.print(`✔ ${r.valuesFile}: every key exists in ${r.chart} ${r.version}`);
      continue;
    }
    bad += r.problems.length;
    lab.print(`✖ ${r.valuesFile} (${r.chart} ${r.version}):`);
    for (const p of r.problems) lab.print(`    ${p.message}`);
  }
  if (bad) lab.print(`\n${bad} key${bad === 1 ? '' : 's'} not in the charts' defaults: Helm would ignore ${bad === 1 ? 'it' : 'them'} silently. A key the templates read but only document in a comment goes in charts-values/allowed-keys.yaml, with the reason.`);
  return bad ? 1 : 0;
}

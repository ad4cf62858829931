// A stack's values against its pinned charts' defaults (`helm show values` of each chart and sub-chart at its
// pinned version): every key a release sets must exist there, and `--update` rewrites the pinned key sets
// (charts-values/keys/) from those defaults.
import { parse } from 'yaml';
import type { Lab } from '../lab.ts';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from './prepare.ts';
import { releaseValues } from './actions/helm.ts';
import { allowedKeys, checkValuesKeys } from './values-check.ts';
import type { KeyProblem } from './values-check.ts';
import { writeChartKeys } from './chart-keys.ts';

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

/** --update: the key set of every chart and sub-chart the stack pins, rewritten from its defaults; each file said. */
export async function updateChartKeys(lab: Lab, prepared: PreparedStack, source: DefaultsSource): Promise<void> {
  for (const c of prepared.stack.components) {
    if (!c.helm) continue;
    const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
    const charts = [{ chart: h.chart, repo: h.repo, version: h.version }, ...Object.entries(h.subcharts).map(([chart, s]) => ({ chart, ...s }))];
    for (const x of charts) lab.print(`wrote ${writeChartKeys(x.chart, x.version, await source(x.chart, x.repo, x.version), `helm show values ${x.chart} --repo ${x.repo} --version ${x.version} (npm run check-values -- --update)`)}`);
  }
}

/** Each values file's verdict, every unknown key under it; the number of unknown keys. */
export function printValuesCheck(lab: Lab, results: ReleaseCheck[]): number {
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
  return bad;
}

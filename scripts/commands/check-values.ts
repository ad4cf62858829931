// `hpa-lab check-values`: every key the stack's values set must exist in the pinned chart's defaults
// (Helm silently ignores a misspelled key). The defaults come from `helm show values` for each chart and
// sub-chart at its pinned version, so whoever bumps a version re-checks against the new chart.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { checkStackValues, helmShowValues, printValuesCheck, updateChartKeys } from '../lib/stack/chart-defaults.ts';

export async function checkValues(lab: Lab, prepared: PreparedStack, opts: { update: boolean } = { update: false }): Promise<number> {
  const source = helmShowValues(lab);
  // --update: the pinned key sets (charts-values/keys/) rewritten from the charts' defaults first.
  if (opts.update) await updateChartKeys(lab, prepared, source);
  const results = await checkStackValues(prepared, source);
  return printValuesCheck(lab, results) ? 1 : 0;
}

// Writes charts-values/keys/<chart>-<version>.keys (key paths only) from the team's copies of the pinned
// charts' published values.yaml in ../shared/upstream-values/ (or HPA_LAB_SHARED_DIR), for every chart and
// sub-chart the stacks pin. `npm run check-values -- --update` does the same from `helm show values`.
//   node scripts/tools/derive-chart-keys.ts
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { writeChartKeys } from '../lib/stack/chart-keys.ts';
import { REPO_ROOT } from '../lib/lab.ts';
import { pinnedCharts } from '../lib/stack/prepare.ts';

const shared = path.resolve(process.env.HPA_LAB_SHARED_DIR || path.join(REPO_ROOT, '..', 'shared'), 'upstream-values');
let failed = false;
for (const { chart, version } of pinnedCharts()) {
  const file = path.join(shared, `${chart}-${version}.yaml`);
  if (!existsSync(file)) {
    console.error(`${file}: missing (the chart's published values.yaml is needed to derive its key set)`);
    failed = true;
    continue;
  }
  const out = writeChartKeys(chart, version, parse(readFileSync(file, 'utf8')), `its published values.yaml (${chart}-${version}.yaml of the team's shared upstream-values) by scripts/tools/derive-chart-keys.ts`);
  console.log(`wrote ${out}`);
}
process.exitCode = failed ? 1 : 0;

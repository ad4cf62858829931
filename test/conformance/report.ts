// Prints every divergence of the simulated charts from the real renders, per case, with the allowances
// applied: `node test/conformance/report.ts [folder-substring]`. The test asserts the same thing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cases, chartOf, simRender } from './cases.ts';
import { compareRenders, formatDivergence } from './compare.ts';

interface Allowance { chart: string; case?: string; object: string; path: string }
const allowances = (parse(readFileSync(path.join(import.meta.dirname, 'allowances.yaml'), 'utf8')) as Allowance[] | null) ?? [];
const filter = process.argv[2] ?? '';
for (const c of cases().filter((x) => x.folder.includes(filter))) {
  if (!chartOf(c.folder)) {
    console.log(`== ${c.folder} ${c.name}: no simulated chart`);
    continue;
  }
  const ds = compareRenders(c.real, simRender(c).objects).filter((d) => !allowances.some((a) => a.chart === c.folder && (a.case === undefined || a.case === c.name) && a.object === d.object && a.path === d.path));
  console.log(`== ${c.folder} ${c.name}: ${ds.length} divergences`);
  for (const d of ds) console.log(`  ${formatDivergence(d)}`);
}

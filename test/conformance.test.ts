// Conformance of the simulated charts to the real ones. For every case in ../shared/real-renders/ (real
// `helm template` output of a pinned chart with that case's values), the simulated chart is given the same
// values and must render the same objects: the same set (apiVersion, kind, namespace, name) and, per object,
// the fields of test/conformance/compare.ts. A divergence is fixed in the simulated chart, or listed in
// test/conformance/allowances.yaml with the reason it cannot matter; no allowance may touch a name, label,
// selector, port, arg, volume or APIService, and none may be left unused. CRDs are compared with each
// folder's crds.yaml index (name, group, kind, plural, scope, versions).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Obj } from './sim/charts/common.ts';
import { cases, chartOf, simRender, type Case } from './conformance/cases.ts';
import { compareRenders, formatDivergence, objectKey, untouchable, type Divergence } from './conformance/compare.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

interface Allowance {
  chart: string;
  /** a case name, or omitted for every case of the chart */
  case?: string;
  object: string;
  path: string;
  reason: string;
}

const ALLOWANCES_FILE = path.join(import.meta.dirname, 'conformance', 'allowances.yaml');
const allowances = (): Allowance[] => (parse(readFileSync(ALLOWANCES_FILE, 'utf8')) as Allowance[] | null) ?? [];

const allowed = (a: Allowance, c: Case, d: Divergence) => a.chart === c.folder && (a.case === undefined || a.case === c.name) && a.object === d.object && a.path === d.path;

describeWithShared(['real-renders'], 'simulated charts against the real renders in ../shared/real-renders', () => {
  const all = cases();
  const used = new Set<Allowance>();

  it('finds the cases (one simulated chart per pinned chart)', () => {
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((c) => !chartOf(c.folder)).map((c) => c.folder)).toEqual([]);
  });

  for (const c of all) {
    it(`${c.folder} ${c.name}: the same objects, labels, selectors, pod templates, ports, data and specs`, () => {
      const divergences = compareRenders(c.real, simRender(c).objects);
      const open = divergences.filter((d) => {
        const a = allowances().find((x) => allowed(x, c, d));
        if (a) used.add(a);
        return !a;
      });
      expect(open.map(formatDivergence)).toEqual([]);
    });

    it(`${c.folder} ${c.name}: the CRDs of crds.yaml`, () => {
      // A folder without crds.yaml is a chart that installs no CRDs.
      const file = sharedPath('real-renders', c.folder, 'crds.yaml');
      const index = existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as Obj[] | null) ?? []) : [];
      const sim = simRender(c).crds.map((o) => {
        const spec = o.spec as Obj & { names: Obj; versions: Obj[] };
        return { name: o.metadata.name, group: spec.group, kind: spec.names.kind, plural: spec.names.plural, scope: spec.scope, versions: spec.versions.map((v) => ({ name: v.name, served: v.served, storage: v.storage })) };
      });
      const real = index.map(({ bytes: _bytes, ...rest }) => rest);
      const byName = (a: Obj, b: Obj) => String(a.name).localeCompare(String(b.name));
      expect(sim.sort(byName)).toEqual(real.sort(byName));
    });
  }

  it('the allowance file excuses nothing that matters, and every entry is still needed', () => {
    const list = allowances();
    for (const a of list) expect(a.reason?.trim(), `${a.object} ${a.path}: an allowance needs its reason`).toBeTruthy();
    const forbidden = list.map((a) => ({ a, why: untouchable({ object: a.object, path: a.path, real: undefined, sim: undefined }) })).filter((x) => x.why);
    expect(forbidden.map((x) => `${x.a.object} ${x.a.path}: ${x.why} cannot be allowed`)).toEqual([]);
    // Run after the case tests (vitest runs a file's tests in order): an entry no divergence used is stale.
    expect(list.filter((a) => !used.has(a)).map((a) => `${a.chart} ${a.object} ${a.path}`)).toEqual([]);
  });

  it('objectKey names objects as the divergences do', () => {
    expect(objectKey({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'y' } })).toBe('v1 Service y/x');
  });
});

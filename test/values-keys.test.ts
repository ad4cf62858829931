// Every key the stack's releases set must exist in the pinned chart's defaults (the charts' published
// values.yaml, read from ../shared/upstream-values/; skipped with the reason where that is absent). Helm silently ignores a misspelled key;
// this test does not. `hpa-lab check-values` runs the same check against `helm show values`.
import { expect, it } from 'vitest';
import { describeWithShared, sharedPath } from './helpers/shared.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allowedKeys, checkValuesKeys, keyExists, leafPaths } from '../scripts/lib/stack/values-check.ts';
import { checkStackValues } from '../scripts/lib/stack/chart-defaults.ts';
import type { DefaultsSource } from '../scripts/lib/stack/chart-defaults.ts';
import { prepareStack } from '../scripts/lib/stack/prepare.ts';

const upstream = (f: string): unknown => parse(readFileSync(sharedPath('upstream-values', f), 'utf8'));
const fixtures: DefaultsSource = (chart, _repo, version) => Promise.resolve(upstream(`${chart}-${version}.yaml`));
const prepared = (stack: string) => prepareStack({ stack, sets: [] }, '/nonexistent');

describeWithShared(['upstream-values'], 'values keys against the pinned charts', () => {
  const kps = {
    values: upstream('kube-prometheus-stack-88.5.3.yaml'),
    subcharts: { grafana: upstream('grafana-12.11.1.yaml') },
    allowed: allowedKeys()['kube-prometheus-stack'],
  };

  it('every release of the custom-metrics stack (values file + derived values) uses only known keys', async () => {
    const results = await checkStackValues(prepared('custom-metrics'), fixtures);
    expect(results.map((r) => `${r.chart}-${r.version}`)).toEqual(['metrics-server-3.13.1', 'kube-prometheus-stack-88.5.3', 'prometheus-adapter-5.3.0']);
    expect(results.flatMap((r) => r.problems)).toEqual([]);
  });

  it('catches a misspelled key and suggests the right one', () => {
    const bad = { prometheus: { prometheusSpec: { scrapeIntervall: '10s' } } };
    expect(checkValuesKeys(bad, kps)).toEqual([
      { path: 'prometheus.prometheusSpec.scrapeIntervall', message: "prometheus.prometheusSpec.scrapeIntervall: not a key of the chart's default values (did you mean prometheus.prometheusSpec.scrapeInterval?)" },
    ]);
    expect(checkValuesKeys({ grafana: { adminPasword: 'x' } }, kps).map((p) => p.path)).toEqual(['grafana.adminPasword']);
  });

  it('treats {} and [] defaults as open, and needs the allowance list for commented keys', () => {
    const ms = upstream('metrics-server-3.13.1.yaml');
    expect(keyExists(ms, ['args'])).toBe(true);
    expect(keyExists(ms, ['podLabels', 'anything', 'below'])).toBe(true);
    expect(checkValuesKeys({ grafana: { adminPassword: 'x' } }, { ...kps, allowed: {} }).map((p) => p.path)).toEqual(['grafana.adminPassword']);
    expect(leafPaths({ a: { b: 1, c: [] }, d: {} })).toEqual([['a', 'b'], ['a', 'c'], ['d']]);
  });
});

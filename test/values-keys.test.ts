// Every key in charts-values/ must exist in the pinned chart's defaults (test/fixtures/upstream-values/,
// copied from the charts as published). Helm silently ignores a misspelled key; this test does not.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { checkValuesKeys, keyExists, leafPaths } from '../scripts/lib/values-check.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';

const upstream = (f: string): unknown => parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/upstream-values', f), 'utf8'));
const ours = (f: string): unknown => parse(readFileSync(path.join(REPO_ROOT, 'charts-values', f), 'utf8'));
const allowed = parse(readFileSync(path.join(REPO_ROOT, 'charts-values/allowed-keys.yaml'), 'utf8')) as Record<string, Record<string, string>>;

const kps = {
  values: upstream('kube-prometheus-stack-88.5.3.yaml'),
  subcharts: {
    grafana: upstream('grafana-12.11.1.yaml'),
    'kube-state-metrics': upstream('kube-state-metrics-8.4.0.yaml'),
    'prometheus-node-exporter': upstream('prometheus-node-exporter-4.56.1.yaml'),
  },
  allowed: allowed['kube-prometheus-stack'],
};

describe('values keys against the pinned charts', () => {
  it('metrics-server.yaml', () => {
    expect(checkValuesKeys(ours('metrics-server.yaml'), { values: upstream('metrics-server-3.13.1.yaml') })).toEqual([]);
  });
  it('kube-prometheus-stack.yaml (plus the generated Grafana password)', () => {
    const values = { ...(ours('kube-prometheus-stack.yaml') as object), grafana: { ...((ours('kube-prometheus-stack.yaml') as { grafana: object }).grafana), adminPassword: 'x' } };
    expect(checkValuesKeys(values, kps)).toEqual([]);
  });
  it('prometheus-adapter.yaml (plus the derived Prometheus URL)', () => {
    const values = ours('prometheus-adapter.yaml') as { prometheus: Record<string, unknown> };
    values.prometheus.url = 'http://x';
    expect(checkValuesKeys(values, { values: upstream('prometheus-adapter-5.3.0.yaml') })).toEqual([]);
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

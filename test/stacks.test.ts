// The shipped stacks load, and every key their releases set is in the pinned chart's key set (offline,
// charts-values/keys/); a misspelled key is bad input (exit 2) naming the file, the key and the nearest one.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../scripts/lib/errors.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { checkReleaseKeys, pinnedCharts, prepareStack } from '../scripts/lib/lab-stack.ts';
import { keyPaths, keyTree, readChartKeys } from '../scripts/lib/chart-keys.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

const stacks = readdirSync(path.join(REPO_ROOT, 'stacks')).filter((f) => f.endsWith('.yaml'));

/** A copy of the custom-metrics stack whose values files can be edited. */
function editedStack(edit: (valuesDir: string) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-stack-'));
  cpSync(path.join(REPO_ROOT, 'charts-values'), path.join(dir, 'charts-values'), { recursive: true });
  const file = path.join(dir, 'custom-metrics.yaml');
  writeFileSync(file, readFileSync(path.join(REPO_ROOT, 'stacks/custom-metrics.yaml'), 'utf8').replaceAll(' charts-values/', ` ${dir}/charts-values/`).replaceAll(' stacks/custom-metrics/', ` ${REPO_ROOT}/stacks/custom-metrics/`));
  edit(path.join(dir, 'charts-values'));
  return file;
}

function inputError(fn: () => void): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('the shipped stacks', () => {
  for (const f of stacks) {
    it(`${f} loads, and its releases set only keys the pinned charts have`, () => {
      const prepared = prepareStack({ stack: path.join(REPO_ROOT, 'stacks', f), sets: [] }, '/nonexistent');
      expect(prepared.stack.name).toBe(f.replace(/\.yaml$/, ''));
      expect(() => checkReleaseKeys(prepared)).not.toThrow();
    });
  }

  it('every pinned chart has its key set', () => {
    for (const { chart, version } of pinnedCharts()) expect(() => readChartKeys(chart, version), `${chart}-${version}`).not.toThrow();
  });
});

describe('values keys checked offline at up and plan', () => {
  it('a misspelled key in a values file: the file, the key path and the nearest key', () => {
    const stack = editedStack((d) => writeFileSync(path.join(d, 'metrics-server.yaml'), 'argz:\n  - --kubelet-insecure-tls\n'));
    const e = inputError(() => checkReleaseKeys(prepareStack({ stack, sets: [] }, '/nonexistent')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/metrics-server\.yaml: argz: not a key of metrics-server 3\.13\.1's values \(Helm would ignore it silently\) \(did you mean args\?\)/);
  });

  it('a key of a sub-chart is checked against the sub-chart, under its key', () => {
    const stack = editedStack((d) => {
      const f = path.join(d, 'kube-prometheus-stack.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('  sidecar:\n', '  sidecarr:\n'));
    });
    expect(inputError(() => checkReleaseKeys(prepareStack({ stack, sets: [] }, '/nonexistent'))).message).toMatch(/kube-prometheus-stack\.yaml: grafana\.sidecarr\.datasources\.alertmanager\.enabled: not a key .*did you mean grafana\.sidecar\?/);
  });

  it('key paths round-trip: open maps and lists, dotted keys', () => {
    const values = { a: { b: 1, c: [], d: {}, e: null, 'x.y': 2, f: [1] }, g: 'v' };
    expect(keyPaths(values)).toEqual(['a.b', 'a.c.*', 'a.d.*', 'a.e.*', 'a.f', 'a.x\\.y', 'g']);
    expect(keyTree(keyPaths(values))).toEqual({ a: { b: 0, c: {}, d: {}, e: {}, f: 0, 'x.y': 0 }, g: 0 });
  });
});

describeWithShared(['upstream-values'], 'the key sets are what the charts publish (../shared/upstream-values)', () => {
  for (const { chart, version } of pinnedCharts()) {
    it(`charts-values/keys/${chart}-${version}.keys`, () => {
      const lines = readFileSync(path.join(REPO_ROOT, 'charts-values/keys', `${chart}-${version}.keys`), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      expect(lines).toEqual(keyPaths(parse(readFileSync(sharedPath('upstream-values', `${chart}-${version}.yaml`), 'utf8'))));
    });
  }
});

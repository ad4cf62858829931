// The key sets of the pinned charts, kept in the project as key paths only (charts-values/keys/
// <chart>-<version>.keys: no values, no comments, nothing else of the chart), so that `up` and `plan` check
// every key hpa-lab sets offline and at once: Helm silently ignores a key a chart does not read, and a typo
// in a values file would give a lab that differs from its file without a word.
//
// Derived, never typed: `npm run check-values -- --update` writes them from `helm show values` of each pinned
// chart; scripts/tools/derive-chart-keys.ts writes the same from the team's copies of the charts' values.yaml.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { REPO_ROOT } from '../lab.ts';
import { checkValuesKeys, type KeyProblem } from './values-check.ts';

const KEYS_DIR = 'charts-values/keys';

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const escapeKey = (k: string): string => k.replace(/\\/g, '\\\\').replace(/\./g, '\\.');

/**
 * The key paths of a values tree, one a line, sorted: `a.b` for a key with a value; `a.b.*` for a map or list
 * whose default is empty or null (open: anything may be set below it). Dots inside a key are escaped (`\.`).
 */
export function keyPaths(values: unknown, prefix = ''): string[] {
  if (!isMap(values)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    const p = prefix + escapeKey(k);
    const open = v === null || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0);
    if (open) out.push(`${p}.*`);
    else if (isMap(v)) out.push(...keyPaths(v, `${p}.`));
    else out.push(p);
  }
  return out.sort();
}

function splitPath(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === '\\' && i + 1 < line.length) cur += line[++i];
    else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** A tree with the shape of the chart's defaults (leaves 0, open maps {}), for checkValuesKeys. */
export function keyTree(lines: string[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const line of lines) {
    const parts = splitPath(line);
    const open = parts[parts.length - 1] === '*' && line.endsWith('.*');
    const keys = open ? parts.slice(0, -1) : parts;
    let node = root;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) node[k] = open ? {} : 0;
      else {
        if (!isMap(node[k])) node[k] = {};
        node = node[k] as Record<string, unknown>;
      }
    });
  }
  return root;
}

export function keysFile(chart: string, version: string): string {
  return path.join(KEYS_DIR, `${chart}-${version}.keys`);
}

/** Writes a chart's key set, saying where it came from. */
export function writeChartKeys(chart: string, version: string, defaults: unknown, source: string): string {
  const file = keysFile(chart, version);
  const header = [
    `# Key paths of the default values of the ${chart} chart ${version}, derived from ${source}.`,
    '# Key paths only: no values, no comments. "a.b.*" is a map or list whose default is empty: anything may be set below it.',
    '# Regenerate with `npm run check-values -- --update` (from helm show values) after a version bump.',
  ];
  writeFileSync(path.join(REPO_ROOT, file), `${header.join('\n')}\n${keyPaths(defaults).join('\n')}\n`);
  return file;
}

export function readChartKeys(chart: string, version: string): Record<string, unknown> {
  const file = keysFile(chart, version);
  const abs = path.join(REPO_ROOT, file);
  if (!existsSync(abs)) {
    throw new InputError(`${file}: no key set for chart ${chart} ${version}, so the values hpa-lab sets for it cannot be checked`, {
      fix: 'npm run check-values -- --update   (writes it from `helm show values` of the pinned version)',
    });
  }
  const lines = readFileSync(abs, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return keyTree(lines);
}

export interface ReleaseKeys {
  chart: string;
  version: string;
  subcharts: Record<string, { version: string }>;
}

/** Problems of one values tree against the chart's key set, its sub-charts' under their keys, and the allowances. */
export function checkKeys(values: unknown, rel: ReleaseKeys, allowed: Record<string, string>): KeyProblem[] {
  const subcharts: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(rel.subcharts)) subcharts[key] = readChartKeys(key, s.version);
  return checkValuesKeys(values, { values: readChartKeys(rel.chart, rel.version), subcharts, allowed });
}

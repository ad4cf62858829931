import { editDistance } from '../input/nearest.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../errors.ts';
import { REPO_ROOT } from '../lab.ts';
// Checks that every key a values file sets exists in the chart's own defaults. Helm ignores a misspelled
// key silently, so `prometheus.prometheusSpec.scrapeIntervall: 10s` would install fine and do nothing.
// Maps and lists whose default is empty ({} / [] / null) are open: anything may be set below them.

export interface KeyProblem {
  path: string;
  message: string;
}

export interface ChartDefaults {
  /** The chart's values.yaml, parsed. */
  values: unknown;
  /** Sub-charts by their key in the parent (e.g. grafana → grafana's own values.yaml). */
  subcharts?: Record<string, unknown>;
  /** Keys the templates read but only document in a comment: path → why it is allowed. */
  allowed?: Record<string, string>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaf paths of a values tree: a path stops at a scalar, a list or an empty map. */
export function leafPaths(values: unknown, prefix: string[] = []): string[][] {
  if (!isMap(values) || Object.keys(values).length === 0) return prefix.length ? [prefix] : [];
  return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** Whether `path` is settable given `defaults`: present, or below an open (empty or null) default. */
export function keyExists(defaults: unknown, path: string[]): boolean {
  let node: unknown = defaults;
  for (let i = 0; i < path.length; i++) {
    if (node === null || (isMap(node) && Object.keys(node).length === 0) || (Array.isArray(node) && node.length === 0)) return true;
    if (!isMap(node)) return false;
    const key = path[i] as string;
    if (!(key in node)) return false;
    node = node[key];
  }
  return true;
}

/** charts-values/allowed-keys.yaml: chart → key → why the key is allowed though the defaults lack it. */
export function allowedKeys(): Record<string, Record<string, string>> {
  const file = path.join(REPO_ROOT, 'charts-values', 'allowed-keys.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof doc !== 'object' || doc === null) throw new InputError(`${file}: expected a map of chart → key → reason`);
  return doc as Record<string, Record<string, string>>;
}

export function checkValuesKeys(values: unknown, chart: ChartDefaults): KeyProblem[] {
  const problems: KeyProblem[] = [];
  for (const path of leafPaths(values)) {
    const dotted = path.join('.');
    if (keyExists(chart.values, path)) continue;
    const [head, ...rest] = path;
    const sub = head === undefined ? undefined : chart.subcharts?.[head];
    if (sub !== undefined && keyExists(sub, rest)) continue;
    if (chart.allowed && dotted in chart.allowed) continue;
    problems.push({ path: dotted, message: `${dotted}: not a key of the chart's default values${nearest(chart.values, path)}` });
  }
  return problems;
}

/** " (did you mean a.b.c?)" when a sibling key differs only a little: the usual typo. */
function nearest(defaults: unknown, path: string[]): string {
  let node: unknown = defaults;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(node)) return '';
    const key = path[i] as string;
    if (key in node) {
      node = node[key];
      continue;
    }
    const close = Object.keys(node).find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    return close ? ` (did you mean ${[...path.slice(0, i), close].join('.')}?)` : '';
  }
  return '';
}


// What every simulated chart shares: how Helm computes the values a chart renders with (the chart's
// values.yaml coalesced with the user's values, sub-charts getting their key plus `global`), the Go-template
// helpers the charts use (fullname, trunc 63, toYaml), and the chart module interface.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { AggregatedApi } from '../lib/aggregator.ts';
import type { Controller } from '../lib/controllers.ts';
import type { PodBehaviour } from '../lib/podbehaviour.ts';
import type { KubeObject } from '../lib/store.ts';
import { requireShared } from '../lib/shared.ts';

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : d);

/** Go template truthiness: empty string, 0, false, null, empty map/list are false. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const defaultsCache = new Map<string, string>();

/**
 * The published values.yaml of a pinned chart, as text, read from ../shared/upstream-values/<file> (never
 * copied into the project). Throws SharedMissingError when that folder is absent.
 */
export function defaultsText(file: string): string {
  let t = defaultsCache.get(file);
  if (t === undefined) defaultsCache.set(file, (t = readFileSync(requireShared('upstream-values', file), 'utf8')));
  return t;
}

export function defaults(file: string): Obj {
  return obj(parse(defaultsText(file)));
}

/**
 * Helm's coalescing of values: maps merge recursively, anything else (lists included) replaces, and a null
 * from the user deletes the chart's default.
 */
export function coalesce(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (over && typeof over === 'object' && !Array.isArray(over) && base && typeof base === 'object' && !Array.isArray(base)) {
    const out: Obj = structuredClone(base as Obj);
    for (const [k, v] of Object.entries(over as Obj)) {
      if (v === null) delete out[k];
      else out[k] = coalesce(out[k], v);
    }
    return out;
  }
  return structuredClone(over);
}

/** Values of a sub-chart: its defaults, the parent's `<key>:` section on top, and the parent's `global`. */
export function subchartValues(parent: Obj, key: string, file: string): Obj {
  const v = obj(coalesce(defaults(file), obj(parent[key])));
  v.global = coalesce(obj(v.global), obj(parent.global));
  return v;
}

/** Sprig's `trunc 63 | trimSuffix "-"`. */
export function trunc(s: string, n = 63): string {
  return s.slice(0, n).replace(/-$/, '');
}

/** The common `<chart>.fullname` helper: fullnameOverride, or the release when it contains the name. */
export function fullname(release: string, chartName: string, values: Obj, max = 63): string {
  if (truthy(values.fullnameOverride)) return trunc(str(values.fullnameOverride), max);
  const name = str(values.nameOverride) || chartName;
  return trunc(release.includes(name) ? release : `${release}-${name}`, max);
}

export function chartName(chartNameDefault: string, values: Obj, max = 63): string {
  return trunc(str(values.nameOverride) || chartNameDefault, max);
}

/** toYaml the way Helm's (sigs.k8s.io/yaml) writes it: sorted keys, lists not indented under their key. */
export function toYaml(v: unknown): string {
  // aliasDuplicateObjects: an object used twice in one manifest is written twice, as Go's yaml does (no anchors)
  return stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Helm's `tpl` for the simple templates values carry ({{ .Release.Name }}, {{ .Release.Namespace }}). */
export function tpl(s: string, release: string, namespace: string): string {
  return s.replace(/\{\{-?\s*\.Release\.Name\s*-?\}\}/g, release).replace(/\{\{-?\s*\.Release\.Namespace\s*-?\}\}/g, namespace);
}

/** Random alphanumerics (sprig's randAlphaNum). */
export function randAlphaNum(n: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export interface RenderContext {
  release: string;
  namespace: string;
  /** the chart's values coalesced with the user's */
  values: Obj;
  revision: number;
  isInstall: boolean;
  kubeVersion: string;
}

export interface Rendered {
  /** the chart's crds/ directories (installed first, never upgraded or deleted by Helm) */
  crds: KubeObject[];
  /** the rendered templates */
  objects: KubeObject[];
  notes: string;
}

/** One version of a simulated chart. */
export interface ChartVersion {
  name: string;
  version: string;
  appVersion: string;
  description: string;
  /** Chart.yaml's kubeVersion constraint, when the chart sets one (`helm show chart` prints it) */
  kubeVersion?: string;
  /** repository URLs without trailing slash, and OCI references of the chart (oci://host/path/name) */
  repos: string[];
  /** the chart's published values.yaml, a file name in ../shared/upstream-values */
  valuesFile: string;
  render: (ctx: RenderContext) => Rendered;
}

/** The software a chart's images run inside the simulated cluster. */
export interface SimulatedSoftware {
  behaviours?: PodBehaviour[];
  controllers?: Controller[];
  apis?: AggregatedApi[];
}

/** Standard object skeleton. */
export function object(apiVersion: string, kind: string, name: string, namespace: string | undefined, labels: Obj, extra: Obj = {}, annotations?: Obj): KubeObject {
  const metadata: KubeObject['metadata'] = { name, ...(namespace ? { namespace } : {}), labels: labels as Record<string, string> };
  if (annotations && Object.keys(annotations).length) metadata.annotations = annotations as Record<string, string>;
  return { apiVersion, kind, metadata, ...extra };
}

// A stack is data (stacks/<name>.yaml): settings, components in dependency order, and their gates.
// This module loads one, checks it strictly (the file, the field and what was expected), and resolves
// every ${...} reference so the engine and `plan` see plain values.
import { nearestName } from '../input/nearest.ts';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { InputError } from '../errors.ts';
import { readRegularFile } from '../input/output-path.ts';
import { GATE_FIELDS } from '../gates/vocabulary.ts';
import { parseSettingType, RULE_CHECKS, ruleProblem, SETTING_TYPE_NAMES, type SettingRule, type SettingType } from './setting-types.ts';

export interface HelmSpec {
  release: string;
  namespace: string;
  chart: string;
  repo: string;
  version: string;
  /** Values file, relative to the repository root. */
  values: string;
  set: Record<string, unknown>;
  subcharts: Record<string, { repo: string; version: string }>;
}

export interface ImageSpec {
  context: string;
  repository: string;
}

export interface GateData {
  type: string;
  deadlineMs: number;
  [field: string]: unknown;
}

export interface Component {
  name: string;
  needs: string[];
  helm?: HelmSpec;
  /** Manifest file, relative to the repository root. */
  manifests?: string;
  image?: ImageSpec;
  /** How long its Deployments/StatefulSets/DaemonSets may take to roll out after an install (default 5m). */
  rolloutDeadlineMs: number;
  /** Known failure signatures in its pods' logs, read when any of its gates gives up. */
  signatures: Signature[];
  /** What an existing cluster (--context) may already have that this component installs (see ExistingSpec). */
  existing?: ExistingSpec;
  gates: GateData[];
}

/**
 * On an existing cluster (--context): `reuseApiService`: when that APIService is there and served by something
 * hpa-lab did not install, the component is not installed and its gates check what is there; `conflicts`:
 * APIServices and CRDs that, when someone else's, stop `up` before any change (a second copy would fight
 * over them).
 */
export interface ExistingSpec {
  reuseApiService?: string;
  /**
   * A boolean setting: someone else's `reuseApiService` is reused only when it is true (the person opts in);
   * when it is false, that APIService is a conflict whose fix names the setting.
   */
  reuseOptIn?: string;
  /**
   * A Prometheus run by a Prometheus operator, reused when `setting` (an in-cluster Service URL) is not empty:
   * the component is not installed; `fills` sets each named setting from what the URL leads to (the Service's
   * namespace and name, its port, the Prometheus resource it selects), so gates, forwards and the other
   * components follow the reused one. See scripts/lib/context/reuse.ts.
   */
  reusePrometheus?: { setting: string; fills: Record<string, PrometheusFact> };
  conflicts: { apiServices: string[]; crds: string[] };
}

/** What a reused Prometheus tells the settings (ExistingSpec.reusePrometheus.fills). */
export const PROMETHEUS_FACTS = ['namespace', 'service', 'port', 'resource'] as const;
export type PrometheusFact = (typeof PROMETHEUS_FACTS)[number];

export interface Signature {
  /** A regular expression matched against the log tails of the component's pods. */
  log: RegExp;
  cause: string;
  fix?: string;
}

export interface StackFile {
  file: string;
  name: string;
  description: string;
  settings: Record<string, unknown>;
  /** What each setting is: setting path → type (setting-types.ts). Every setting has one. */
  types: Record<string, SettingType>;
  rules: SettingRule[];
  variants: Record<string, Record<string, unknown>>;
  secrets: Record<string, { length: number }>;
  /** Shown by `status`: name → URL, name → credentials (may use ${secrets.…}). */
  urls: Record<string, string>;
  credentials: Record<string, string>;
  /** What `demo` loads and watches (unresolved: may use ${...}); absent for stacks without a demo. */
  demo?: DemoSpec;
  /**
   * The Service behind each 127.0.0.1:<nodePort> URL the stack's gates, urls and demo use: on an existing
   * cluster (--context) those URLs are reached through port-forwards to these Services (lib/reach.ts).
   */
  forwards: ForwardSpec[];
  components: Component[];
}

export interface ForwardSpec {
  /** the URL's origin as the stack writes it (http://127.0.0.1:${app.nodePort}) */
  url: string;
  /** NAMESPACE/NAME of the Service */
  service: string;
  /** the Service's port (a number, a ${setting}, or its name) */
  port: number | string;
}

export interface DemoSpec {
  url: string;
  hpa: { namespace: string; name: string };
  pods: { namespace: string; labelSelector: string };
  load: { rate: number; connections: number; duration: string };
  /** What `demo --in-cluster-load` runs as a Job; absent: the stack has no in-cluster load. */
  inCluster?: InClusterLoadSpec;
}

/**
 * The in-cluster load generator: a command of an image the stack builds (a component with `image:`), which
 * takes --url, --rate, --connections and --duration and prints JSON lines (app/load.ts does).
 */
export interface InClusterLoadSpec {
  /** the component whose image holds the load generator */
  image: string;
  /** the container's command (the image's entrypoint is not assumed) */
  command: string[];
  /** the URL the Job's pod loads: the Service's in-cluster DNS name */
  url: string;
}

/** The pseudo-component every stack may need: the kind cluster with its API server Ready. */
export const CLUSTER = 'cluster';

const TOP = ['apiVersion', 'kind', 'name', 'description', 'settings', 'types', 'rules', 'variants', 'secrets', 'urls', 'credentials', 'demo', 'forwards', 'components'];
const COMPONENT = ['name', 'needs', 'helm', 'manifests', 'image', 'rolloutDeadline', 'signatures', 'existing', 'gates'];
const HELM = ['release', 'namespace', 'chart', 'repo', 'version', 'values', 'set', 'subcharts'];
const IMAGE = ['context', 'repository'];

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Fields {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  fail(at: string, expected: string, got?: unknown): never {
    throw new InputError(`${this.file}: ${at}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
  }
  known(at: string, obj: Record<string, unknown>, keys: string[]): void {
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) throw new InputError(`${this.file}: ${at ? `${at}.` : ''}${k}: unknown field`, { fix: `expected one of: ${keys.join(', ')}` });
    }
  }
  map(at: string, v: unknown): Record<string, unknown> {
    if (!isMap(v)) this.fail(at, 'a map', v);
    return v;
  }
  str(at: string, v: unknown): string {
    if (typeof v !== 'string' || v === '') this.fail(at, 'a non-empty string', v);
    return v;
  }
  strList(at: string, v: unknown): string[] {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.fail(at, 'a list of strings', v);
    return v as string[];
  }
}

/** "90s", "3m", "1m30s" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || (!m[1] && !m[2])) return undefined;
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000;
}

/** A stack by name (stacks/<name>.yaml) or by path to a .yaml file (e.g. a modified copy). */
export function loadStack(repoRoot: string, name: string): StackFile {
  const file = name.endsWith('.yaml') ? name : path.join('stacks', `${name}.yaml`);
  let text: string;
  try {
    text = readRegularFile(path.resolve(repoRoot, file));
  } catch (err) {
    if (name.endsWith('.yaml')) throw new InputError(`--stack: cannot read ${file}${(err as NodeJS.ErrnoException).code === 'ENOTREG' ? ': not a regular file (a FIFO, a device or a socket)' : ''}`);
    const known = readdirSync(path.join(repoRoot, 'stacks')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    throw new InputError(`--stack: no stack "${name}" (no file ${file})`, { fix: `one of: ${known.join(', ')}` });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  return parseStack(file, doc, repoRoot);
}

export function parseStack(file: string, doc: unknown, repoRoot: string): StackFile {
  const f: Fields = new Fields(file);
  const top = f.map('(top level)', doc);
  f.known('', top, TOP);
  if (top.apiVersion !== 'hpa-lab/v1alpha1') f.fail('apiVersion', '"hpa-lab/v1alpha1"', top.apiVersion);
  if (top.kind !== 'Stack') f.fail('kind', '"Stack"', top.kind);
  const settings = top.settings === undefined ? {} : f.map('settings', top.settings);
  const variants: StackFile['variants'] = {};
  for (const [v, overrides] of Object.entries(top.variants === undefined ? {} : f.map('variants', top.variants))) {
    variants[v] = f.map(`variants.${v}`, overrides);
    for (const key of Object.keys(variants[v])) {
      if (getPath(settings, key.split('.')) === undefined) f.fail(`variants.${v}.${key}`, 'a path that exists under settings');
    }
  }
  const leaves = leafNames(settings);
  const types: StackFile['types'] = {};
  const typeMap = top.types === undefined ? {} : f.map('types', top.types);
  for (const [key, spec] of Object.entries(typeMap)) {
    if (!leaves.includes(key)) f.fail(`types.${key}`, 'a setting (a path under settings that holds a value)', key);
    const t = parseSettingType(f.str(`types.${key}`, spec));
    if (!t) f.fail(`types.${key}`, `a setting type: ${SETTING_TYPE_NAMES.join(', ')}`, spec);
    types[key] = t;
  }
  const untyped = leaves.filter((l) => !types[l]);
  if (untyped.length) f.fail('types', `a type for every setting (missing: ${untyped.join(', ')})`);
  const rules: SettingRule[] = [];
  const ruleList = top.rules === undefined ? [] : top.rules;
  if (!Array.isArray(ruleList)) f.fail('rules', 'a list of {check, settings}');
  ruleList.forEach((r: unknown, i: number) => {
    const rm = f.map(`rules[${i}]`, r);
    f.known(`rules[${i}]`, rm, ['check', 'settings']);
    const check = f.str(`rules[${i}].check`, rm.check);
    if (!(RULE_CHECKS as readonly string[]).includes(check)) f.fail(`rules[${i}].check`, `one of ${RULE_CHECKS.join(', ')}`, check);
    if (!Array.isArray(rm.settings) || rm.settings.length < 2) f.fail(`rules[${i}].settings`, 'a list of two or more settings', rm.settings);
    const names = (rm.settings as unknown[]).map((x, j) => f.str(`rules[${i}].settings[${j}]`, x));
    for (const [j, n] of names.entries()) if (!leaves.includes(n)) f.fail(`rules[${i}].settings[${j}]`, 'a setting', n);
    rules.push({ check: check as SettingRule['check'], settings: names });
  });
  const secrets: StackFile['secrets'] = {};
  for (const [s, spec] of Object.entries(top.secrets === undefined ? {} : f.map('secrets', top.secrets))) {
    const m = f.map(`secrets.${s}`, spec);
    f.known(`secrets.${s}`, m, ['length']);
    if (typeof m.length !== 'number' || m.length < 12) f.fail(`secrets.${s}.length`, 'a number ≥ 12', m.length);
    secrets[s] = { length: m.length };
  }
  if (!Array.isArray(top.components)) f.fail('components', 'a list (empty for a cluster-only stack)');
  const components: Component[] = [];
  const seen = new Set<string>([CLUSTER]);
  top.components.forEach((raw: unknown, i: number) => {
    const at = `components[${i}]`;
    const c = f.map(at, raw);
    f.known(at, c, COMPONENT);
    const name = f.str(`${at}.name`, c.name);
    if (seen.has(name)) f.fail(`${at}.name`, 'a name not used before (and not "cluster")', name);
    const needs = f.strList(`${at}.needs`, c.needs);
    needs.forEach((n, j) => {
      if (!seen.has(n)) f.fail(`${at}.needs[${j}]`, `"cluster" or a component listed before it (${[...seen].join(', ')})`, n);
    });
    const kinds = ['helm', 'manifests', 'image'].filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) f.fail(at, 'exactly one of helm, manifests, image', kinds.join(', ') || 'none');
    const rollout = c.rolloutDeadline === undefined ? 300_000 : typeof c.rolloutDeadline === 'string' ? parseDuration(c.rolloutDeadline) : undefined;
    if (rollout === undefined) f.fail(`${at}.rolloutDeadline`, 'a duration like 90s, 3m or 1m30s', c.rolloutDeadline);
    const signatures: Signature[] = [];
    const sigs = c.signatures === undefined ? [] : c.signatures;
    if (!Array.isArray(sigs)) f.fail(`${at}.signatures`, 'a list of {log, cause, fix}');
    sigs.forEach((x: unknown, j: number) => {
      const sat = `${at}.signatures[${j}]`;
      const sm = f.map(sat, x);
      f.known(sat, sm, ['log', 'cause', 'fix']);
      const text = f.str(`${sat}.log`, sm.log);
      let log: RegExp;
      try {
        log = new RegExp(text);
      } catch (err) {
        f.fail(`${sat}.log`, `a regular expression (${(err as Error).message})`, text);
      }
      signatures.push({ log, cause: f.str(`${sat}.cause`, sm.cause), ...(sm.fix === undefined ? {} : { fix: f.str(`${sat}.fix`, sm.fix) }) });
    });
    const comp: Component = { name, needs, rolloutDeadlineMs: rollout, signatures, gates: [] };
    if (c.existing !== undefined) {
      const e = f.map(`${at}.existing`, c.existing);
      f.known(`${at}.existing`, e, ['reuseApiService', 'reuseOptIn', 'reusePrometheus', 'conflicts']);
      const cf = e.conflicts === undefined ? {} : f.map(`${at}.existing.conflicts`, e.conflicts);
      f.known(`${at}.existing.conflicts`, cf, ['apiServices', 'crds']);
      const setting = (sat: string, v: unknown) => {
        const s = f.str(sat, v);
        if (!leaves.includes(s)) f.fail(sat, 'a setting (a path under settings that holds a value)', s);
        return s;
      };
      if (e.reuseOptIn !== undefined && e.reuseApiService === undefined) f.fail(`${at}.existing.reuseOptIn`, 'reuseApiService beside it (the APIService the person opts in to reuse)');
      let reusePrometheus: ExistingSpec['reusePrometheus'];
      if (e.reusePrometheus !== undefined) {
        const rp = f.map(`${at}.existing.reusePrometheus`, e.reusePrometheus);
        f.known(`${at}.existing.reusePrometheus`, rp, ['setting', 'fills']);
        const fills: Record<string, PrometheusFact> = {};
        for (const [k, v] of Object.entries(rp.fills === undefined ? {} : f.map(`${at}.existing.reusePrometheus.fills`, rp.fills))) {
          setting(`${at}.existing.reusePrometheus.fills`, k);
          if (!(PROMETHEUS_FACTS as readonly string[]).includes(String(v))) f.fail(`${at}.existing.reusePrometheus.fills.${k}`, `one of ${PROMETHEUS_FACTS.join(', ')}`, v);
          fills[k] = v as PrometheusFact;
        }
        reusePrometheus = { setting: setting(`${at}.existing.reusePrometheus.setting`, rp.setting), fills };
      }
      comp.existing = {
        ...(e.reuseApiService === undefined ? {} : { reuseApiService: f.str(`${at}.existing.reuseApiService`, e.reuseApiService) }),
        ...(e.reuseOptIn === undefined ? {} : { reuseOptIn: setting(`${at}.existing.reuseOptIn`, e.reuseOptIn) }),
        ...(reusePrometheus ? { reusePrometheus } : {}),
        conflicts: { apiServices: f.strList(`${at}.existing.conflicts.apiServices`, cf.apiServices), crds: f.strList(`${at}.existing.conflicts.crds`, cf.crds) },
      };
    }
    if (c.helm !== undefined) {
      const h = f.map(`${at}.helm`, c.helm);
      f.known(`${at}.helm`, h, HELM);
      const values = f.str(`${at}.helm.values`, h.values);
      mustExist(f, `${at}.helm.values`, repoRoot, values);
      const subcharts: HelmSpec['subcharts'] = {};
      for (const [k, v] of Object.entries(h.subcharts === undefined ? {} : f.map(`${at}.helm.subcharts`, h.subcharts))) {
        const s = f.map(`${at}.helm.subcharts.${k}`, v);
        f.known(`${at}.helm.subcharts.${k}`, s, ['repo', 'version']);
        subcharts[k] = { repo: f.str(`${at}.helm.subcharts.${k}.repo`, s.repo), version: f.str(`${at}.helm.subcharts.${k}.version`, String(s.version)) };
      }
      comp.helm = {
        release: f.str(`${at}.helm.release`, h.release),
        namespace: f.str(`${at}.helm.namespace`, h.namespace),
        chart: f.str(`${at}.helm.chart`, h.chart),
        repo: f.str(`${at}.helm.repo`, h.repo),
        version: f.str(`${at}.helm.version`, typeof h.version === 'number' ? String(h.version) : h.version),
        values,
        set: h.set === undefined ? {} : f.map(`${at}.helm.set`, h.set),
        subcharts,
      };
      if (!/^\d+\.\d+\.\d+$/.test(comp.helm.version)) f.fail(`${at}.helm.version`, 'an exact chart version (x.y.z), pinned', comp.helm.version);
    }
    if (c.manifests !== undefined) {
      comp.manifests = f.str(`${at}.manifests`, c.manifests);
      mustExist(f, `${at}.manifests`, repoRoot, comp.manifests);
    }
    if (c.image !== undefined) {
      const im = f.map(`${at}.image`, c.image);
      f.known(`${at}.image`, im, IMAGE);
      comp.image = { context: f.str(`${at}.image.context`, im.context), repository: f.str(`${at}.image.repository`, im.repository) };
      mustExist(f, `${at}.image.context`, repoRoot, path.join(path.resolve(repoRoot, comp.image.context), 'Dockerfile'));
    }
    const gates = c.gates === undefined ? [] : c.gates;
    if (!Array.isArray(gates)) f.fail(`${at}.gates`, 'a list');
    gates.forEach((g: unknown, j: number) => {
      const gat = `${at}.gates[${j}]`;
      const gm = f.map(gat, g);
      const type = f.str(`${gat}.type`, gm.type);
      const fields = GATE_FIELDS[type];
      if (!fields) f.fail(`${gat}.type`, `one of ${Object.keys(GATE_FIELDS).join(', ')}`, type);
      f.known(gat, gm, ['type', 'deadline', 'involved', ...fields.required, ...fields.optional]);
      if (gm.involved !== undefined) f.known(`${gat}.involved`, f.map(`${gat}.involved`, gm.involved), ['namespace', 'labelSelector']);
      for (const r of fields.required) if (gm[r] === undefined) f.fail(`${gat}.${r}`, `a value (required by ${type})`);
      const deadline = gm.deadline === undefined ? 120_000 : typeof gm.deadline === 'string' ? parseDuration(gm.deadline) : undefined;
      if (deadline === undefined) f.fail(`${gat}.deadline`, 'a duration like 90s, 3m or 1m30s', gm.deadline);
      const { deadline: _d, ...rest } = gm;
      comp.gates.push({ ...rest, type, deadlineMs: deadline });
    });
    components.push(comp);
    seen.add(name);
  });
  return {
    file,
    name: f.str('name', top.name),
    description: typeof top.description === 'string' ? top.description : '',
    settings,
    types,
    rules,
    variants,
    secrets,
    urls: stringMap(f, 'urls', top.urls),
    credentials: stringMap(f, 'credentials', top.credentials),
    demo: top.demo === undefined ? undefined : checkInClusterImage(f, parseDemo(f, top.demo), components),
    forwards: parseForwards(f, top.forwards),
    components,
  };
}

function parseForwards(f: Fields, v: unknown): ForwardSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) f.fail('forwards', 'a list of {url, service, port}', v);
  return v.map((x, i) => {
    const m = f.map(`forwards[${i}]`, x);
    f.known(`forwards[${i}]`, m, ['url', 'service', 'port']);
    const service = f.str(`forwards[${i}].service`, m.service);
    if (!/^[^/\s]+\/[^/\s]+$/.test(service)) f.fail(`forwards[${i}].service`, 'NAMESPACE/NAME of a Service', service);
    if (typeof m.port !== 'number' && (typeof m.port !== 'string' || m.port === '')) f.fail(`forwards[${i}].port`, 'the Service port: a number, a ${setting} or the port’s name', m.port);
    return { url: f.str(`forwards[${i}].url`, m.url), service, port: m.port };
  });
}

function parseDemo(f: Fields, v: unknown): DemoSpec {
  const d = f.map('demo', v);
  f.known('demo', d, ['url', 'hpa', 'pods', 'load', 'inCluster']);
  const hpa = f.map('demo.hpa', d.hpa);
  f.known('demo.hpa', hpa, ['namespace', 'name']);
  const pods = f.map('demo.pods', d.pods);
  f.known('demo.pods', pods, ['namespace', 'labelSelector']);
  const load = f.map('demo.load', d.load);
  f.known('demo.load', load, ['rate', 'connections', 'duration']);
  if (typeof load.rate !== 'number' || load.rate <= 0) f.fail('demo.load.rate', 'requests per second, a positive number', load.rate);
  if (typeof load.connections !== 'number' || load.connections < 1) f.fail('demo.load.connections', 'a positive whole number', load.connections);
  const duration = f.str('demo.load.duration', load.duration);
  if (parseDuration(duration) === undefined) f.fail('demo.load.duration', 'a duration like 90s, 3m or 1m30s', duration);
  return {
    url: f.str('demo.url', d.url),
    hpa: { namespace: f.str('demo.hpa.namespace', hpa.namespace), name: f.str('demo.hpa.name', hpa.name) },
    pods: { namespace: f.str('demo.pods.namespace', pods.namespace), labelSelector: f.str('demo.pods.labelSelector', pods.labelSelector) },
    load: { rate: load.rate, connections: load.connections, duration },
    ...(d.inCluster === undefined ? {} : { inCluster: parseInCluster(f, d.inCluster) }),
  };
}

/** demo.inCluster.image names a component that builds an image. */
function checkInClusterImage(f: Fields, demo: DemoSpec, components: Component[]): DemoSpec {
  const name = demo.inCluster?.image;
  if (name !== undefined && !components.some((c) => c.name === name && c.image)) {
    f.fail('demo.inCluster.image', `a component with image: (one of: ${components.filter((c) => c.image).map((c) => c.name).join(', ') || 'none'})`, name);
  }
  return demo;
}

function parseInCluster(f: Fields, v: unknown): InClusterLoadSpec {
  const m = f.map('demo.inCluster', v);
  f.known('demo.inCluster', m, ['image', 'command', 'url']);
  const command = f.strList('demo.inCluster.command', m.command);
  if (!command.length) f.fail('demo.inCluster.command', 'the load generator\'s command, a non-empty list of strings', m.command);
  const url = f.str('demo.inCluster.url', m.url);
  if (!/^http:\/\/[^/\s]+(\/\S*)?$/.test(url)) f.fail('demo.inCluster.url', 'an http:// URL (the Service by its in-cluster DNS name)', url);
  return { image: f.str('demo.inCluster.image', m.image), command, url };
}

function stringMap(f: Fields, at: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  const m = f.map(at, v);
  for (const [k, x] of Object.entries(m)) if (typeof x !== 'string') f.fail(`${at}.${k}`, 'a string', x);
  return m as Record<string, string>;
}

function mustExist(f: Fields, at: string, root: string, rel: string): void {
  try {
    statSync(path.resolve(root, rel));
  } catch {
    f.fail(at, 'a file that exists (relative to the repository root)', rel);
  }
}

export function getPath(obj: unknown, keys: string[]): unknown {
  let node = obj;
  for (const k of keys) {
    if (!isMap(node) || !(k in node)) return undefined;
    node = node[k];
  }
  return node;
}

function setPath(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = obj;
  keys.slice(0, -1).forEach((k) => {
    if (!isMap(node[k])) node[k] = {};
    node = node[k] as Record<string, unknown>;
  });
  node[keys[keys.length - 1] as string] = value;
}

/** Parses `--set a.b=value` (value read as a YAML scalar: numbers stay numbers). */
export function parseSet(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new InputError(`--set ${arg}: expected path=value, e.g. --set hpa.averageValue=10`);
  const raw = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = parse(raw) ?? '';
  } catch {
    value = raw;
  }
  return [arg.slice(0, eq), typeof value === 'object' ? raw : value];
}

// ---- resolution of ${...} ------------------------------------------------------------------------

/** Helpers a stack may call inside ${...}: names charts derive from release names, typed once here. */
const KPS_CHART = 'kube-prometheus-stack';

/** kube-prometheus-stack's "kube-prometheus-stack.fullname" for a release (see kpsPrometheusService). */
export function kpsFullname(release: string): string {
  const cut = (release.includes(KPS_CHART) ? release : `${release}-${KPS_CHART}`).slice(0, 26);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

export const STACK_FUNCTIONS: Record<string, (arg: string) => string> = {
  /**
   * kube-prometheus-stack's Prometheus Service, `<fullname>-prometheus`, with fullname as the chart's
   * _helpers.tpl computes it ("kube-prometheus-stack.fullname", no name/fullname overrides): the release name
   * when it contains "kube-prometheus-stack", else "<release>-kube-prometheus-stack"; either cut to 26
   * characters (`trunc 26`), then one trailing "-" removed (`trimSuffix "-"`). The Service itself is
   * `{{ template "kube-prometheus-stack.fullname" . }}-prometheus` (templates/prometheus/service.yaml).
   * Release "prometheus" → prometheus-kube-prometheus-prometheus, the article's name.
   */
  kpsPrometheusService: (release) => `${kpsFullname(release)}-prometheus`,
  /**
   * The Prometheus resource the chart creates (and the operator turns into StatefulSet prometheus-<it>):
   * "kube-prometheus-stack.prometheus.crname", `<fullname>-prometheus` (cleanPrometheusOperatorObjectNames
   * is false by default; the lab does not set it).
   */
  kpsPrometheusResource: (release) => `${kpsFullname(release)}-prometheus`,
};

export interface ResolveInput {
  sets: Array<[string, unknown]>;
  variant?: string;
  secrets: Record<string, string>;
  images: Record<string, string>;
}

export interface Resolver {
  settings: Record<string, unknown>;
  /** Replaces every ${...} in a value tree (strings that are exactly one ${...} keep its type). */
  resolve<T>(value: T, at: string): T;
}

export function makeResolver(stack: StackFile, input: ResolveInput): Resolver {
  const settings = structuredClone(stack.settings);
  const overrides: Array<[string, unknown, string]> = [];
  if (input.variant !== undefined) {
    const v = stack.variants[input.variant];
    if (!v) throw new InputError(`--variant ${input.variant}: not a variant of ${stack.file}`, { fix: `one of: ${Object.keys(stack.variants).join(', ') || '(none)'}` });
    for (const [k, val] of Object.entries(v)) overrides.push([k, val, `variant ${input.variant}`]);
  }
  // A --set value is literal: a ${...} in it is text, never a reference (it could name a secret and print it).
  const literal = new Set<string>();
  for (const [k, val] of input.sets) {
    overrides.push([k, val, `--set ${k}`]);
    literal.add(k);
  }
  const origin = new Map<string, string>();
  for (const [k, val, from] of overrides) {
    origin.set(k, from);
    const keys = k.split('.');
    const current = getPath(settings, keys);
    if (current === undefined || isMap(current)) {
      const meant = nearestName(k, leafNames(stack.settings));
      if (meant !== undefined) throw new InputError(`${from}: ${k} is not a setting of ${stack.file} (did you mean ${meant}?)`, { fix: `${from.startsWith('--set') ? `--set ${meant}=${typeof val === 'string' ? val : JSON.stringify(val)}` : meant}   (settings: ${leafNames(stack.settings).join(', ')})` });
      throw new InputError(`${from}: ${k} is not a setting of ${stack.file}`, { fix: `settings: ${leafNames(stack.settings).join(', ')}` });
    }
    setPath(settings, keys, val);
  }
  const scope: Record<string, unknown> = { ...settings, secrets: input.secrets, images: input.images };
  const resolving = new Set<string>();

  function lookup(expr: string, at: string): unknown {
    const call = /^([A-Za-z]\w*)\(([\w.-]+)\)$/.exec(expr);
    if (call) {
      const fn = STACK_FUNCTIONS[call[1] as string];
      if (!fn) throw new InputError(`${stack.file}: ${at}: unknown function ${call[1]}() (known: ${Object.keys(STACK_FUNCTIONS).join(', ')})`);
      return fn(String(lookup(call[2] as string, at)));
    }
    if (!/^[\w-]+(\.[\w-]+)*$/.test(expr)) throw new InputError(`${stack.file}: ${at}: cannot read \${${expr}} (expected \${path.to.setting} or \${function(path)})`);
    const value = getPath(scope, expr.split('.'));
    if (value === undefined) throw new InputError(`${stack.file}: ${at}: \${${expr}} names nothing under settings, secrets or images`);
    if (typeof value === 'string' && value.includes('${') && !literal.has(expr)) {
      if (resolving.has(expr)) throw new InputError(`${stack.file}: ${at}: \${${expr}} refers to itself`);
      resolving.add(expr);
      const out = resolveString(value, `settings.${expr}`);
      resolving.delete(expr);
      return out;
    }
    return value;
  }

  function resolveString(s: string, at: string): unknown {
    const whole = /^\$\{([^}]+)\}$/.exec(s);
    if (whole) return lookup((whole[1] as string).trim(), at);
    return s.replace(/\$\{([^}]+)\}/g, (_m, expr: string) => String(lookup(expr.trim(), at)));
  }

  function walk(v: unknown, at: string): unknown {
    if (typeof v === 'string') return v.includes('${') && !(at.startsWith('settings.') && literal.has(at.slice('settings.'.length))) ? resolveString(v, at) : v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, at ? `${at}.${k}` : k)]));
    return v;
  }

  const resolvedSettings = walk(settings, 'settings') as Record<string, unknown>;
  checkSettings(stack, resolvedSettings, origin, Object.values(input.secrets));
  return { settings: resolvedSettings, resolve: <T>(value: T, at: string) => walk(value, at) as T };
}

/** Each setting against its type, then the rules between them (bad input, exit 2, before any work). */
function checkSettings(stack: StackFile, resolved: Record<string, unknown>, origin: Map<string, string>, secrets: string[]): void {
  const where = (key: string) => {
    const from = origin.get(key);
    return from ? `${from}${from.startsWith('--set') ? '' : ` (${key})`}` : `${stack.file}: settings.${key}`;
  };
  for (const [key, type] of Object.entries(stack.types)) {
    const value = getPath(resolved, key.split('.'));
    if (!type.check(value)) throw new InputError(`${where(key)}: expected ${type.expected}, got ${maskSecrets(JSON.stringify(value), secrets)}`, { fix: `give ${key} such a value (--set ${key}=…), or leave it to the stack's default` });
  }
  for (const rule of stack.rules) {
    const problem = ruleProblem(rule, rule.settings.map((k) => getPath(resolved, k.split('.'))));
    if (problem) {
      const from = rule.settings.map((k) => origin.get(k)).filter(Boolean);
      throw new InputError(`${from.length ? `${from.join(', ')}: ` : `${stack.file}: `}${maskSecrets(problem, secrets)}`, { fix: `change ${rule.settings.join(' or ')} (--set)` });
    }
  }
}

/** Every secret value in a text replaced by *** (a stack may compose a setting from a secret). */
export function maskSecrets(text: string, secrets: string[]): string {
  return secrets.filter((x) => x !== '').reduce((t, x) => t.split(x).join('***'), text);
}

function leafNames(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (isMap(v) ? leafNames(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

// ---- manifests, images, secrets -------------------------------------------------------------------

/** Reads a manifest file (multi-document YAML) and resolves its ${...} references. */
export function loadManifests(repoRoot: string, rel: string, resolver: Resolver): Array<Record<string, unknown>> {
  const docs = parseAllDocuments(readFileSync(path.resolve(repoRoot, rel), 'utf8'));
  return docs
    .map((d, i) => {
      if (d.errors.length > 0) throw new InputError(`${rel}: document ${i + 1}: not valid YAML: ${d.errors[0]?.message.split('\n')[0] ?? ''}`);
      return d.toJS() as unknown;
    })
    .filter((d): d is Record<string, unknown> => d !== null)
    .map((d, i) => {
      const obj = resolver.resolve(d, `${rel}#${i + 1}`);
      if (!isMap(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !isMap(obj.metadata) || typeof obj.metadata.name !== 'string') {
        throw new InputError(`${rel}: document ${i + 1}: expected a Kubernetes object with apiVersion, kind and metadata.name`);
      }
      return obj;
    });
}

/**
 * The image tag is a digest of the build context (files that .dockerignore does not exclude), so the
 * same sources always give the same tag and a changed source gives a new one: no :latest.
 */
export function contentTag(repoRoot: string, context: string): string {
  const root = path.resolve(repoRoot, context);
  const ignored = new Set(
    readFileIfAny(path.join(root, '.dockerignore'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  const files: string[] = [];
  const walkDir = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.relative(root, path.join(dir, e.name));
      if (ignored.has(rel) || ignored.has(e.name) || e.name === '.git') continue;
      if (e.isDirectory()) walkDir(path.join(dir, e.name));
      else if (e.isFile()) files.push(rel);
    }
  };
  walkDir(root);
  const h = createHash('sha256');
  for (const rel of files) {
    h.update(rel + '\0');
    h.update(readFileSync(path.join(root, rel)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 12);
}

function readFileIfAny(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

export function generateSecret(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

// What "the simulated chart renders the same objects as the real chart" means, as data: for each object, the
// fields the lab's behaviour depends on (issue #7's list), picked the same way from the real render and the
// simulated one, then compared path by path. Named lists (containers, volumes, env, ports) are keyed by name
// so a difference names the container or volume; everything else is compared as it is.
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export interface Divergence {
  /** `apiVersion Kind namespace/name` */
  object: string;
  /** field path, e.g. `spec.template.spec.containers[grafana].image`; `(object)` for a missing or extra object */
  path: string;
  real: unknown;
  sim: unknown;
}

export function objectKey(o: K8sObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);
const CONTAINER_FIELDS = ['image', 'command', 'args', 'env', 'envFrom', 'ports', 'volumeMounts', 'readinessProbe', 'livenessProbe', 'startupProbe'];

/** Named lists become maps keyed by name (volumeMounts by mountPath), so diffs name their element. */
function byName(list: unknown, key = 'name'): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Obj = {};
  for (const item of list) out[String(obj(item)[key])] = item;
  return out;
}

function container(c: Obj): Obj {
  const out: Obj = {};
  for (const f of CONTAINER_FIELDS) {
    if (c[f] === undefined) continue;
    if (f === 'env' || f === 'ports') out[f] = byName(c[f]);
    else if (f === 'volumeMounts') out[f] = byName(c[f], 'mountPath');
    else out[f] = c[f];
  }
  return out;
}

function podSpec(spec: Obj, prefix: string, out: Obj): void {
  out[`${prefix}.serviceAccountName`] = spec.serviceAccountName;
  for (const list of ['initContainers', 'containers']) {
    for (const [name, c] of Object.entries(byName(spec[list]) ?? {})) out[`${prefix}.${list}[${name}]`] = container(obj(c));
  }
  for (const [name, vol] of Object.entries(byName(spec.volumes) ?? {})) out[`${prefix}.volumes[${name}]`] = vol;
}

/** A ConfigMap value: YAML or JSON documents compare by content, other text as text. */
function dataValue(s: unknown): unknown {
  if (typeof s !== 'string') return s;
  try {
    const v: unknown = parse(s);
    return v && typeof v === 'object' ? v : s;
  } catch {
    return s;
  }
}

/** The compared fields of one object, as path → value. */
export function comparedFields(o: K8sObject): Obj {
  const out: Obj = { 'metadata.labels': o.metadata.labels ?? {} };
  const spec = obj(o.spec);
  if (WORKLOADS.has(o.kind)) {
    out['spec.selector'] = spec.selector;
    if (o.kind === 'StatefulSet') out['spec.serviceName'] = spec.serviceName;
    const tpl = obj(spec.template);
    out['spec.template.metadata.labels'] = obj(tpl.metadata).labels ?? {};
    podSpec(obj(tpl.spec), 'spec.template.spec', out);
  } else if (o.kind === 'Pod') {
    podSpec(spec, 'spec', out);
  } else if (o.kind === 'Service') {
    out['spec.type'] = spec.type ?? 'ClusterIP';
    out['spec.selector'] = spec.selector;
    if (spec.clusterIP === 'None') out['spec.clusterIP'] = 'None';
    for (const [name, p] of Object.entries(byName(spec.ports) ?? {})) out[`spec.ports[${name}]`] = p;
  } else if (o.kind === 'ConfigMap') {
    const dashboards = o.metadata.labels?.grafana_dashboard !== undefined;
    const data = obj(o.data);
    out['data (keys)'] = Object.keys(data).sort();
    if (!dashboards) for (const [k, v] of Object.entries(data)) out[`data[${k}]`] = dataValue(v);
  } else if (o.kind === 'Secret') {
    out.type = o.type ?? 'Opaque';
    out['data (keys)'] = [...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))].sort();
  } else if (o.kind === 'APIService') {
    out.spec = spec;
  } else if (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') {
    out.subjects = o.subjects;
    out.roleRef = o.roleRef;
  } else if (o.kind === 'Prometheus' || o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor' || o.kind === 'ScaledObject') {
    out.spec = spec;
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as Obj).sort().filter((k) => (v as Obj)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Leaf-level differences under `path`, so a divergence names the exact field. */
function diffValues(path: string, real: unknown, sim: unknown, out: Array<{ path: string; real: unknown; sim: unknown }>): void {
  if (canonical(real) === canonical(sim)) return;
  const isMap = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isMap(real) && isMap(sim)) {
    const keys = new Set([...Object.keys(real as Obj), ...Object.keys(sim as Obj)]);
    for (const k of [...keys].sort()) diffValues(`${path}.${k}`, (real as Obj)[k], (sim as Obj)[k], out);
    return;
  }
  out.push({ path, real, sim });
}

/** Every divergence between a real render and the simulated one. */
export function compareRenders(real: K8sObject[], sim: K8sObject[]): Divergence[] {
  const out: Divergence[] = [];
  const simBy = new Map(sim.map((o) => [objectKey(o), o]));
  const realBy = new Map(real.map((o) => [objectKey(o), o]));
  for (const [key, r] of realBy) {
    const s = simBy.get(key);
    if (!s) {
      out.push({ object: key, path: '(object)', real: 'present', sim: 'missing' });
      continue;
    }
    const rf = comparedFields(r);
    const sf = comparedFields(s);
    for (const field of [...new Set([...Object.keys(rf), ...Object.keys(sf)])].sort()) {
      const diffs: Array<{ path: string; real: unknown; sim: unknown }> = [];
      diffValues(field, rf[field], sf[field], diffs);
      for (const d of diffs) out.push({ object: key, ...d });
    }
  }
  for (const key of simBy.keys()) if (!realBy.has(key)) out.push({ object: key, path: '(object)', real: 'missing', sim: 'present' });
  return out;
}

/**
 * What no allowance may excuse (issue #7): a name (a missing or extra object), a label, a selector, a port,
 * an arg, a volume, or anything of an APIService.
 */
export function untouchable(d: Divergence): string | undefined {
  if (d.path === '(object)') return 'an object name';
  if (d.object.includes(' APIService ')) return 'an APIService';
  if (/labels|selector/i.test(d.path)) return 'a label or selector';
  if (/ports?\b|\.ports\[|nodePort|targetPort/i.test(d.path)) return 'a port';
  if (/\.(args|command)\b/.test(d.path)) return 'an arg';
  if (/volumes\[|volumeMounts/.test(d.path)) return 'a volume';
  return undefined;
}

export function formatDivergence(d: Divergence): string {
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return `${d.object} ${d.path}: real ${show(d.real)}, sim ${show(d.sim)}`;
}

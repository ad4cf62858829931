// Small typed accessors for the loosely typed store objects, and the few Kubernetes semantics the data path
// shares: label selectors (LabelSelector objects), pod readiness, Service port resolution, Events.
import type { ResourceType } from '../lib/resources.ts';
import type { KubeObject } from '../lib/store.ts';

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : dflt);
export const num = (v: unknown, dflt = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);

/** The served type for group/resource, or undefined (e.g. a CRD-backed type whose CRD is not installed). */
export type TypeLookup = (group: string, resource: string) => ResourceType | undefined;

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * metav1.LabelSelector semantics. `undefined`/null selects NOTHING (like a Prometheus CR's absent
 * serviceMonitorSelector); `{}` selects everything.
 */
export function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined || sel === null) return false;
  const s = obj(sel) as LabelSelector;
  const have = labels ?? {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const present = e.key in have;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!present || !values.includes(have[e.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[e.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A Service's `spec.selector` map: an empty or absent selector selects no pods (no Endpoints are managed). */
export function serviceSelects(service: KubeObject, pod: KubeObject): boolean {
  const sel = obj(obj(service.spec).selector) as Record<string, string>;
  const keys = Object.keys(sel);
  if (!keys.length) return false;
  const labels = pod.metadata.labels ?? {};
  return keys.every((k) => labels[k] === sel[k]);
}

/** The string form of a LabelSelector, as `kubectl` and the /scale subresource print it. */
export function selectorString(sel: unknown): string {
  const s = obj(sel) as LabelSelector;
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}

export function podIP(pod: KubeObject): string | undefined {
  const ip = obj(pod.status).podIP;
  return typeof ip === 'string' && ip ? ip : undefined;
}

export function podPhase(pod: KubeObject): string {
  return str(obj(pod.status).phase, 'Pending');
}

/** The pod's Ready condition is True (what Endpoints, kube-proxy and the HPA's ready count use). */
export function podReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return arr(obj(pod.status).conditions)
    .map(obj)
    .some((c) => c.type === 'Ready' && c.status === 'True');
}

export interface ContainerPort {
  container: string;
  name?: string;
  containerPort: number;
  protocol: string;
}

export function containerPorts(pod: KubeObject): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const c of arr(obj(pod.spec).containers).map(obj)) {
    for (const p of arr(c.ports).map(obj)) {
      if (typeof p.containerPort !== 'number') continue;
      out.push({ container: str(c.name), name: typeof p.name === 'string' ? p.name : undefined, containerPort: p.containerPort, protocol: str(p.protocol, 'TCP') });
    }
  }
  return out;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  nodePort?: number;
  protocol: string;
}

export function servicePorts(svc: KubeObject): ServicePort[] {
  return arr(obj(svc.spec).ports)
    .map(obj)
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({
      name: typeof p.name === 'string' && p.name ? p.name : undefined,
      port: p.port as number,
      targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : (p.port as number),
      nodePort: typeof p.nodePort === 'number' ? p.nodePort : undefined,
      protocol: str(p.protocol, 'TCP'),
    }));
}

/**
 * Resolves a Service port's targetPort on one pod, like the endpoints controller: a number is used as is
 * (the container need not declare it), a name must match a declared container port. Returns the container
 * port number and the container that declares it, if any.
 */
export function resolveTargetPort(pod: KubeObject, targetPort: number | string): { containerPort: number; container?: string } | undefined {
  const ports = containerPorts(pod);
  if (typeof targetPort === 'number' || /^\d+$/.test(targetPort)) {
    const n = Number(targetPort);
    return { containerPort: n, container: ports.find((p) => p.containerPort === n)?.container };
  }
  const named = ports.find((p) => p.name === targetPort);
  return named ? { containerPort: named.containerPort, container: named.container } : undefined;
}

/** Go's %q for the ASCII strings we quote (label values, selectors). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's url.QueryEscape: unreserved are letters, digits, '-', '_', '.', '~'; space becomes '+'. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted, values in insertion order. */
export function goEncodeQuery(values: Array<[string, string]>): string {
  const keys = [...new Set(values.map(([k]) => k))].sort();
  const parts: string[] = [];
  for (const k of keys) for (const [kk, v] of values) if (kk === k) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  return parts.join('&');
}

/** klog's header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] */
export function klogLine(level: 'I' | 'W' | 'E', where: string, msg: string, date = new Date()): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const micros = String(date.getUTCMilliseconds() * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0');
  return `${level}${p2(date.getUTCMonth() + 1)}${p2(date.getUTCDate())} ${p2(date.getUTCHours())}:${p2(date.getUTCMinutes())}:${p2(date.getUTCSeconds())}.${micros}       1 ${where}] ${msg}`;
}

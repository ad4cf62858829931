// Server-side printing: the meta.k8s.io Table that kubectl asks for (Accept: application/json;as=Table;...).
// Columns and cell formats follow the Kubernetes printers (pkg/printers/internalversion) for the types we serve.
import type { ResourceType } from './resources.ts';
import type { KubeObject } from './store.ts';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  format?: string;
  description: string;
  priority?: number;
}

type Cell = string | number | boolean;

interface Printer {
  columns: Column[];
  cells: (o: KubeObject, now: number) => Cell[];
}

/** Kubernetes' duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(ts: unknown, now: number): string {
  if (typeof ts !== 'string') return '<unknown>';
  return humanDuration(now - Date.parse(ts));
}

// Small typed accessors for loosely typed objects.
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : dflt);

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };
const col = (name: string, type: Column['type'] = 'string', priority = 0): Column => ({ name, type, description: name, priority });

function nodeStatus(o: KubeObject): string {
  const ready = arr(obj(o.status).conditions).map(obj).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (obj(o.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: KubeObject, type: string): string {
  return str(arr(obj(o.status).addresses).map(obj).find((a) => a.type === type)?.address, '<none>');
}

function podReason(o: KubeObject): string {
  const status = obj(o.status);
  let reason = str(status.reason) || str(status.phase, 'Unknown');
  for (const cs of arr(status.containerStatuses).map(obj)) {
    const waiting = obj(obj(cs.state).waiting);
    const terminated = obj(obj(cs.state).terminated);
    if (str(waiting.reason)) reason = str(waiting.reason);
    else if (str(terminated.reason)) reason = str(terminated.reason);
  }
  if (o.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podRestarts(o: KubeObject, now: number): string {
  let restarts = 0;
  let last = 0;
  for (const cs of arr(obj(o.status).containerStatuses).map(obj)) {
    restarts += num(cs.restartCount);
    const finished = str(obj(obj(cs.lastState).terminated).finishedAt);
    if (finished) last = Math.max(last, Date.parse(finished));
  }
  return last && restarts ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}

function servicePorts(o: KubeObject): string {
  const ports = arr(obj(o.spec).ports).map(obj);
  if (!ports.length) return '<none>';
  return ports.map((p) => `${num(p.port)}${p.nodePort ? `:${num(p.nodePort)}` : ''}/${str(p.protocol, 'TCP')}`).join(',');
}

function serviceExternalIP(o: KubeObject): string {
  const spec = obj(o.spec);
  const type = str(spec.type, 'ClusterIP');
  const ext = arr(spec.externalIPs).map((x) => str(x));
  if (type === 'LoadBalancer') {
    const ing = arr(obj(obj(o.status).loadBalancer).ingress).map(obj).map((i) => str(i.ip) || str(i.hostname));
    const all = [...ing, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  if (type === 'ExternalName') return str(spec.externalName);
  return ext.length ? ext.join(',') : '<none>';
}

function selectorString(sel: unknown): string {
  const labels = obj(obj(sel).matchLabels ?? sel);
  const entries = Object.entries(labels).filter(([, v]) => typeof v === 'string');
  return entries.length ? entries.map(([k, v]) => `${k}=${str(v)}`).join(',') : '<none>';
}

function endpointsString(o: KubeObject): string {
  const list: string[] = [];
  for (const subset of arr(o.subsets).map(obj)) {
    const ports = arr(subset.ports).map(obj);
    for (const a of arr(subset.addresses).map(obj)) {
      if (ports.length === 0) list.push(str(a.ip));
      for (const p of ports) list.push(`${str(a.ip)}:${num(p.port)}`);
    }
  }
  if (!list.length) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function quantity(v: unknown): string {
  return str(v, '<unknown>');
}

/** kubectl's formatHPAMetrics ("cpu: 40%/50%", "<unknown>/10", "... + N more..."). */
function hpaTargets(o: KubeObject): string {
  const specs = arr(obj(o.spec).metrics).map(obj);
  const statuses = arr(obj(o.status).currentMetrics).map(obj);
  if (!specs.length) return '<none>';
  const list = specs.map((spec, i) => {
    const type = str(spec.type);
    const key = type.charAt(0).toLowerCase() + type.slice(1);
    const s = obj(spec[key]);
    const st = obj(statuses[i]?.[key]);
    const target = obj(s.target);
    const current = obj(st.current);
    if (type === 'Resource' && target.averageValue === undefined) {
      const cur = current.averageUtilization !== undefined ? `${num(current.averageUtilization)}%` : '<unknown>';
      const tgt = target.averageUtilization !== undefined ? `${num(target.averageUtilization)}%` : '<auto>';
      return `${str(s.name)}: ${cur}/${tgt}`;
    }
    if (target.averageValue !== undefined) {
      const cur = statuses[i] && current.averageValue !== undefined ? quantity(current.averageValue) : '<unknown>';
      return `${cur}/${quantity(target.averageValue)}${type === 'External' || type === 'Object' ? ' (avg)' : ''}`;
    }
    const cur = statuses[i] && current.value !== undefined ? quantity(current.value) : '<unknown>';
    return `${cur}/${quantity(target.value)}`;
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

function containersOf(o: KubeObject): Obj[] {
  return arr(obj(obj(obj(o.spec).template).spec).containers).map(obj);
}

const PRINTERS: Record<string, Printer> = {
  nodes: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells: (o, now) => {
      const info = obj(obj(o.status).nodeInfo);
      return [o.metadata.name, nodeStatus(o), nodeRoles(o), age(o.metadata.creationTimestamp, now), str(info.kubeletVersion), nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), str(info.osImage), str(info.kernelVersion), str(info.containerRuntimeVersion)];
    },
  },
  namespaces: {
    columns: [NAME, col('Status'), AGE],
    cells: (o, now) => [o.metadata.name, str(obj(o.status).phase, 'Active'), age(o.metadata.creationTimestamp, now)],
  },
  pods: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o, now) => {
      const status = obj(o.status);
      const total = arr(obj(o.spec).containers).length;
      const ready = arr(status.containerStatuses).map(obj).filter((c) => c.ready === true).length;
      return [o.metadata.name, `${ready}/${total}`, podReason(o), podRestarts(o, now), age(o.metadata.creationTimestamp, now), str(status.podIP, '<none>'), str(obj(o.spec).nodeName, '<none>'), str(status.nominatedNodeName, '<none>'), '<none>'];
    },
  },
  deployments: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const s = obj(o.status);
      const desired = obj(o.spec).replicas === undefined ? 1 : num(obj(o.spec).replicas);
      const cs = containersOf(o);
      return [o.metadata.name, `${num(s.readyReplicas)}/${desired}`, num(s.updatedReplicas), num(s.availableReplicas), age(o.metadata.creationTimestamp, now), cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(','), selectorString(obj(o.spec).selector)];
    },
  },
  replicasets: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const cs = containersOf(o);
      return [o.metadata.name, num(obj(o.spec).replicas), num(obj(o.status).replicas), num(obj(o.status).readyReplicas), age(o.metadata.creationTimestamp, now), cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(','), selectorString(obj(o.spec).selector)];
    },
  },
  daemonsets: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), AGE],
    cells: (o, now) => {
      const s = obj(o.status);
      const sel = obj(obj(obj(o.spec).template).spec).nodeSelector;
      return [o.metadata.name, num(s.desiredNumberScheduled), num(s.currentNumberScheduled), num(s.numberReady), num(s.updatedNumberScheduled), num(s.numberAvailable), selectorString(sel), age(o.metadata.creationTimestamp, now)];
    },
  },
  statefulsets: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => {
      const cs = containersOf(o);
      return [o.metadata.name, `${num(obj(o.status).readyReplicas)}/${obj(o.spec).replicas === undefined ? 1 : num(obj(o.spec).replicas)}`, age(o.metadata.creationTimestamp, now), cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
    },
  },
  services: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (o, now) => {
      const spec = obj(o.spec);
      return [o.metadata.name, str(spec.type, 'ClusterIP'), str(spec.clusterIP, '<none>'), serviceExternalIP(o), servicePorts(o), age(o.metadata.creationTimestamp, now), selectorString(spec.selector)];
    },
  },
  endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (o, now) => [o.metadata.name, endpointsString(o), age(o.metadata.creationTimestamp, now)],
  },
  configmaps: {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, age(o.metadata.creationTimestamp, now)],
  },
  secrets: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, str(o.type, 'Opaque'), Object.keys(obj(o.data)).length, age(o.metadata.creationTimestamp, now)],
  },
  serviceaccounts: {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, arr(o.secrets).length, age(o.metadata.creationTimestamp, now)],
  },
  events: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message'), col('First Seen', 'string', 1), col('Count', 'integer', 1), { ...NAME, priority: 1 }],
    cells: (o, now) => {
      const io = obj(o.involvedObject);
      const last = str(o.lastTimestamp) || str(o.eventTime) || o.metadata.creationTimestamp;
      return [age(last, now), str(o.type), str(o.reason), `${str(io.kind).toLowerCase()}/${str(io.name)}`, str(io.fieldPath), str(obj(o.source).component), str(o.message), age(str(o.firstTimestamp) || last, now), num(o.count) || 1, o.metadata.name];
    },
  },
  horizontalpodautoscalers: {
    columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'integer'), col('MaxPods', 'integer'), col('Replicas', 'integer'), AGE],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const ref = obj(spec.scaleTargetRef);
      return [o.metadata.name, `${str(ref.kind)}/${str(ref.name)}`, hpaTargets(o), spec.minReplicas === undefined ? 1 : num(spec.minReplicas), num(spec.maxReplicas), num(obj(o.status).currentReplicas), age(o.metadata.creationTimestamp, now)];
    },
  },
  apiservices: {
    columns: [NAME, col('Service'), col('Available'), AGE],
    cells: (o, now) => {
      const svc = obj(obj(o.spec).service);
      const avail = arr(obj(o.status).conditions).map(obj).find((c) => c.type === 'Available');
      const availText = !avail ? 'Unknown' : avail.status === 'True' ? 'True' : `False (${str(avail.reason)})`;
      return [o.metadata.name, svc.name ? `${str(svc.namespace)}/${str(svc.name)}` : 'Local', availText, age(o.metadata.creationTimestamp, now)];
    },
  },
  endpointslices: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (o, now) => {
      const ports = arr(o.ports).map(obj).map((p) => String(num(p.port)));
      const addrs = arr(o.endpoints).flatMap((e) => arr(obj(e).addresses).map((a) => str(a)));
      const shown = addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
      return [o.metadata.name, str(o.addressType), ports.length ? ports.join(',') : '<unset>', addrs.length ? shown : '<unset>', age(o.metadata.creationTimestamp, now)];
    },
  },
  clusterroles: {
    columns: [NAME, col('Created At', 'date')],
    cells: (o) => [o.metadata.name, str(o.metadata.creationTimestamp)],
  },
  rolebindings: {
    columns: [NAME, col('Role'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
    cells: (o, now) => {
      const ref = obj(o.roleRef);
      const subjects = arr(o.subjects).map(obj);
      const of = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace)}/${str(s.name)}` : str(s.name))).join(', ');
      return [o.metadata.name, `${str(ref.kind)}/${str(ref.name)}`, age(o.metadata.creationTimestamp, now), of('User'), of('Group'), of('ServiceAccount')];
    },
  },
  customresourcedefinitions: {
    columns: [NAME, col('Created At', 'date')],
    cells: (o) => [o.metadata.name, str(o.metadata.creationTimestamp)],
  },
};

/**
 * Simple JSONPath for CRD printer columns: ".spec.replicas", ".status.conditions[0].type" and the filter form
 * the Prometheus Operator's CRDs use, ".status.conditions[?(@.type == 'Available')].status".
 */
function simpleJsonPath(o: KubeObject, path: string): Cell {
  let cur: unknown = o;
  const parts = path.replace(/^\{?\./, '').replace(/\}$/, '').match(/[^.[\]]+(?:\[[^\]]*\])*/g) ?? [];
  for (const part of parts) {
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(part);
    if (!m) return '';
    cur = obj(cur)[m[1] as string];
    for (const idx of (m[2] ?? '').match(/\[[^\]]*\]/g) ?? []) {
      const inner = idx.slice(1, -1);
      const filter = /^\?\(@\.(\w+)\s*==\s*['"]([^'"]*)['"]\)$/.exec(inner);
      if (filter) cur = arr(cur).map(obj).find((x) => x[filter[1] as string] === filter[2]);
      else if (/^\d+$/.test(inner)) cur = arr(cur)[Number(inner)];
      else return '';
    }
  }
  return typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? cur : cur === undefined ? '' : JSON.stringify(cur);
}

function printerFor(rt: ResourceType): Printer {
  const known = rt.table ? PRINTERS[rt.table] : undefined;
  if (known) return known;
  if (rt.printerColumns?.length) {
    const cols = rt.printerColumns;
    return {
      columns: [NAME, ...cols.map((c) => col(c.name, c.type === 'date' ? 'string' : (c.type as Column['type']), c.priority ?? 0))],
      cells: (o, now) => [o.metadata.name, ...cols.map((c) => (c.type === 'date' ? age(simpleJsonPath(o, c.jsonPath), now) : simpleJsonPath(o, c.jsonPath)))],
    };
  }
  return { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now)] };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Builds the Table for a list of objects (a single GET is a one-row table). */
export function toTable(rt: ResourceType, items: KubeObject[], opts: { resourceVersion: string; include: IncludeObject; apiVersion: string }): Record<string, unknown> {
  const printer = printerFor(rt);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion,
    metadata: { resourceVersion: opts.resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      if (opts.include === 'Object') row.object = o;
      else if (opts.include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}

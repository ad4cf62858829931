// The gates a stack can declare (see vocabulary.ts for their fields). Each turns into a poll with a
// deadline; on failure it reports the last observed state and, from the known failure signatures
// (../shared/reference/stack-facts.md), the likely cause and the fix.
import type { Kube } from '../kube/api.ts';
import type { Diagnosis, GateSpec, ProbeResult } from './poll.ts';
import type { GateData, Signature } from '../stack/stack-file.ts';
import { listPath } from '../kube/resources.ts';
import { formatRule, rulesFor } from '../stack/adapter-rules.ts';
import { REPO_ROOT } from '../lab.ts';
import { explainPods, finalImageFailure, IMAGE_REASONS, type ContainerSpec, type Event as PodEvent, type Pod as DiagnosedPod } from './pod-diagnosis.ts';
import { rolloutState, workloadPath, WORKLOAD_KINDS, type WorkloadRef } from './rollout.ts';

/** A gate spec whose diagnosis may need to look at the cluster (logs, labels) first. */
export interface StackGate<T = unknown> extends GateSpec<T> {
  diagnose?: (lastState: string) => Promise<Diagnosis | undefined>;
  /** Pods whose logs and events explain a failure: namespace and label selector. */
  involved?: { namespace: string; labelSelector?: string };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface Pod {
  metadata: Meta;
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; state?: { waiting?: { reason?: string; message?: string } } }>;
  };
}
interface ListOf<T> {
  items: T[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The REST path of an object of any served kind, its plural found by discovery (undefined: not served). */
async function objectPath(kube: Kube, apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<string | undefined> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await kube.getJson<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>(base);
  const r = list?.resources?.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!r) return undefined;
  return `${base}${r.namespaced && namespace ? `/namespaces/${namespace}` : ''}/${r.name}/${name}`;
}

async function fetchText(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const host = new URL(url).host;
    throw new Error(code === 'ECONNREFUSED' ? `connection refused by ${host}` : code === 'ECONNRESET' ? `connection reset by ${host}` : (err as Error).message, { cause: err });
  }
}

async function promQuery(base: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetchText(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (r.status !== 200) throw new Error(`Prometheus query ${query}: HTTP ${r.status}`);
  return (JSON.parse(r.body) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
}

/** One line per pod: name, phase, ready, restarts, and why a container waits. */
export function describePods(pods: Pod[]): string {
  if (pods.length === 0) return 'no pods';
  return pods
    .map((p) => {
      const cs = p.status?.containerStatuses ?? [];
      const ready = `${cs.filter((c) => c.ready).length}/${cs.length || 1}`;
      const waiting = cs.map((c) => c.state?.waiting?.reason).filter(Boolean).join(',');
      const restarts = cs.reduce((n, c) => n + c.restartCount, 0);
      return `${p.metadata.name} ${p.status?.phase ?? '?'} ${ready} ready${waiting ? ` (${waiting})` : ''}${restarts ? `, ${restarts} restarts` : ''}`;
    })
    .join('; ');
}

export async function podLogTail(kube: Kube, namespace: string, pod: string, lines = 50): Promise<string> {
  const r = await kube.getRaw(`/api/v1/namespaces/${namespace}/pods/${pod}/log?tailLines=${lines}`);
  return r.status === 200 ? r.body : '';
}

/**
 * The first known failure signature (a stack's data) found in the log tails of the workloads' pods. Known
 * signatures are more specific than any generic reading of a gate's state, so they are tried first.
 */
export async function signatureDiagnosis(kube: Kube, workloads: WorkloadRef[], signatures: Signature[]): Promise<Diagnosis | undefined> {
  if (!signatures.length || !workloads.length) return undefined;
  try {
    const logs: string[] = [];
    for (const w of workloads) {
      const o = await kube.getJson<{ spec?: { selector?: { matchLabels?: Record<string, string> } } }>(`/apis/apps/v1/namespaces/${w.namespace}/${w.kind.toLowerCase()}s/${w.name}`);
      const sel = Object.entries(o?.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      if (sel) logs.push(await logsOf(kube, w.namespace, sel));
    }
    const text = logs.join('\n');
    const hit = signatures.find((sig) => sig.log.test(text));
    return hit ? { cause: hit.cause, ...(hit.fix ? { fix: hit.fix } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

async function logsOf(kube: Kube, namespace: string, labelSelector: string): Promise<string> {
  const pods = (await kube.getJson<ListOf<Pod>>(listPath('v1', 'pods', namespace, labelSelector)))?.items ?? [];
  const logs = await Promise.all(pods.map((p) => podLogTail(kube, namespace, p.metadata.name).catch(() => '')));
  return logs.join('\n');
}

function ok<T>(value: T, state?: string): ProbeResult<T> {
  return state === undefined ? { ok: true, value } : { ok: true, value, state };
}
function notYet(state: string): ProbeResult<never> {
  return { ok: false, state };
}

/**
 * A stack's gate. Where the gate names the pods that explain its failure (`involved`) and its own
 * diagnosis finds nothing, the pods' states and events are read for a reason (pod-diagnosis.ts).
 */
export function makeGate(g: GateData, kube: Kube): StackGate<string> {
  const gate = gateOf(g, kube);
  // The stack may say whose pods explain a failure (gate field `involved: {namespace, labelSelector}`).
  if (g.involved !== undefined) gate.involved = involvedOf(g.involved);
  const own = gate.diagnose;
  const involved = gate.involved;
  if (!involved) return gate;
  return { ...gate, diagnose: async (last) => (await own?.(last)) ?? (await explainPods(kube, involved.namespace, involved.labelSelector)) };
}

/**
 * Waits until every workload has rolled out (kubectl rollout status's rules, plus no pod of an older
 * ReplicaSet left): the engine puts it before a component's own gates after an install, so they never
 * pass against the pods of the previous revision. A pod whose image cannot come (pod-diagnosis.ts
 * finalImageFailure: not found, access denied, an image hpa-lab loaded that the kubelet tries to pull, …) ends
 * the wait at once with the kubelet's reason and message; a pull that may still succeed is waited for.
 * `loaded`: the images hpa-lab built and loaded into the nodes (in no registry).
 */
export function rolloutGate(workloads: WorkloadRef[], kube: Kube, deadlineMs: number, loaded: string[] = []): StackGate<string> {
  const names = workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}`);
  let pending: WorkloadRef | undefined;
  return {
    deadlineMs,
    intervalMs: 1000,
    what: `${names.length === 1 ? names[0] : `${names.length} workloads`} rolled out`,
    probe: async () => {
      for (const w of workloads) {
        const r = await rolloutState(kube, w);
        if (!r.done) {
          pending = w;
          const final = r.waitsOnPods ? await imageCannotCome(kube, w, loaded) : undefined;
          return final ? { ok: false, state: r.state, final } : notYet(r.state);
        }
      }
      return ok(`${names.join(', ')} rolled out`);
    },
    diagnose: async () => (pending ? await workloadDiagnosis(kube, pending) : undefined),
  };
}

/**
 * finalImageFailure for one workload's pods (by its selector), against the containers its template names now.
 * Events are read only when a container waits on its image. Any API failure here is "not final": the gate goes on.
 */
async function imageCannotCome(kube: Kube, w: WorkloadRef, loaded: string[]): Promise<Diagnosis | undefined> {
  try {
    const obj = await kube.getJson<{ spec?: { selector?: { matchLabels?: Record<string, string> }; template?: { spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } } } }>(workloadPath(w));
    const sel = Object.entries(obj?.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    if (!sel) return undefined;
    const template = [...(obj?.spec?.template?.spec?.initContainers ?? []), ...(obj?.spec?.template?.spec?.containers ?? [])];
    const pods = (await kube.getJson<ListOf<DiagnosedPod>>(listPath('v1', 'pods', w.namespace, sel)))?.items ?? [];
    const waitsOnImage = pods.some((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].some((c) => IMAGE_REASONS.includes(c.state?.waiting?.reason ?? '')));
    if (!waitsOnImage) return undefined;
    const events = (await kube.getJson<ListOf<PodEvent>>(listPath('v1', 'events', w.namespace)))?.items ?? [];
    return finalImageFailure(w.namespace, pods, events, template, loaded);
  } catch {
    return undefined;
  }
}

function involvedOf(v: unknown): { namespace: string; labelSelector?: string } {
  const m = v as { namespace?: unknown; labelSelector?: unknown };
  return { namespace: str(m.namespace), ...(m.labelSelector === undefined ? {} : { labelSelector: str(m.labelSelector) }) };
}

/** The pods of one workload (by its selector) and what its controller says about them. */
async function workloadDiagnosis(kube: Kube, w: WorkloadRef): Promise<Diagnosis | undefined> {
  const obj = await kube.getJson<{ spec?: { selector?: { matchLabels?: Record<string, string> } } }>(`/apis/apps/v1/namespaces/${w.namespace}/${w.kind.toLowerCase()}s/${w.name}`).catch(() => undefined);
  const sel = Object.entries(obj?.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const sets = w.kind === 'Deployment' && sel ? ((await kube.getJson<ListOf<{ metadata: Meta }>>(listPath('apps/v1', 'replicasets', w.namespace, sel)).catch(() => undefined))?.items ?? []).map((r) => r.metadata.name) : [];
  return explainPods(kube, w.namespace, sel || undefined, [w.name, ...sets]);
}

function gateOf(g: GateData, kube: Kube): StackGate<string> {
  const base = { deadlineMs: g.deadlineMs, intervalMs: 1000 };
  switch (g.type) {
    case 'apiServiceAvailable': {
      const name = str(g.name);
      return {
        ...base,
        what: `APIService ${name} Available`,
        probe: async () => {
          const svc = await kube.getJson<{ status?: { conditions?: Condition[] } }>(`/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
          if (!svc) return notYet(`APIService ${name} does not exist yet`);
          const c = svc.status?.conditions?.find((x) => x.type === 'Available');
          if (c?.status === 'True') return ok('Available');
          return notYet(`Available=${c?.status ?? 'Unknown'}${c?.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`);
        },
        diagnose: (last) => {
          if (/FailedDiscoveryCheck|MissingEndpoints|ServiceNotFound/.test(last)) {
            return Promise.resolve({ cause: 'the aggregated API server behind it is not serving yet (its pod is not Ready, or crashing)', fix: 'see the pod states and log tails in the diagnostics folder' });
          }
          return Promise.resolve(undefined);
        },
      };
    }
    case 'nodeMetrics':
      return {
        ...base,
        what: 'node metrics from metrics.k8s.io',
        probe: async () => {
          const r = await kube.getRaw('/apis/metrics.k8s.io/v1beta1/nodes');
          if (r.status !== 200) return notYet(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
          const items = (JSON.parse(r.body) as ListOf<{ metadata: Meta; usage?: Record<string, string> }>).items;
          if (items.length === 0) return notYet('no node metrics yet (the resource metrics API scrapes the kubelets every 15s)');
          return ok(items.map((i) => `${i.metadata.name} cpu ${i.usage?.cpu ?? '?'}`).join(', '));
        },
      };
    case 'workloadsReady': {
      const ns = str(g.namespace);
      const sel = str(g.labelSelector);
      let pending: WorkloadRef | undefined;
      return {
        ...base,
        what: `workloads (${sel}) in ${ns} rolled out and Ready`,
        probe: async () => {
          const found: WorkloadRef[] = [];
          for (const kind of WORKLOAD_KINDS) {
            const items = (await kube.getJson<ListOf<{ metadata: Meta }>>(listPath('apps/v1', `${kind.toLowerCase()}s`, ns, sel)))?.items ?? [];
            found.push(...items.map((i) => ({ kind, namespace: ns, name: i.metadata.name })));
          }
          if (found.length === 0) return notYet(`no Deployments, StatefulSets or DaemonSets with ${sel} in ${ns} yet`);
          for (const w of found) {
            const r = await rolloutState(kube, w);
            if (!r.done) {
              pending = w;
              return notYet(r.state);
            }
          }
          return ok(`${found.length} rolled out`);
        },
        involved: { namespace: ns },
        diagnose: async () => (pending ? await workloadDiagnosis(kube, pending) : undefined),
      };
    }
    case 'condition': {
      const apiVersion = str(g.apiVersion);
      const kind = str(g.kind);
      const ns = g.namespace === undefined ? undefined : str(g.namespace);
      const name = str(g.name);
      const type = str(g.condition);
      const want = g.status === undefined ? 'True' : str(g.status);
      const label = `${kind} ${ns ? `${ns}/` : ''}${name}`;
      return {
        ...base,
        what: `${label} ${type}=${want}`,
        probe: async () => {
          const path = await objectPath(kube, apiVersion, kind, ns, name);
          if (!path) return notYet(`the API serves no kind ${kind} in ${apiVersion} yet`);
          const o = await kube.getJson<{ status?: { conditions?: Condition[] } }>(path);
          if (!o) return notYet(`${label} does not exist yet`);
          const c = o.status?.conditions?.find((x) => x.type === type);
          if (c?.status === want) return ok(`${type}=${want}`);
          return notYet(c ? `${type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}` : `no ${type} condition yet`);
        },
        ...(ns ? { involved: { namespace: ns } } : {}),
      };
    }
    case 'prometheusReady': {
      const url = str(g.url);
      return {
        ...base,
        what: `Prometheus ready at ${url}`,
        probe: async () => {
          const r = await fetchText(`${url}/-/ready`);
          return r.status === 200 ? ok('ready') : notYet(`HTTP ${r.status}: ${r.body.trim().slice(0, 120)}`);
        },
        diagnose: (last) =>
          Promise.resolve(
            /refused|reset/.test(last)
              ? { cause: `nothing answers at ${url}: the Prometheus pod is not Ready yet, or the Service's nodePort does not match the kind port mapping`, fix: 'compare `npm run plan` (prometheus.service.nodePort) with kind/cluster.yaml' }
              : undefined,
          ),
      };
    }
    case 'podsReady': {
      const ns = str(g.namespace);
      const sel = str(g.labelSelector);
      return {
        ...base,
        what: `pods ${sel} in ${ns} Ready`,
        probe: async () => {
          const pods = (await kube.getJson<ListOf<Pod>>(listPath('v1', 'pods', ns, sel)))?.items ?? [];
          if (pods.length === 0) return notYet(`no pods with ${sel} in ${ns} yet`);
          const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
          if (ready.length === pods.length) return ok(`${ready.length} Ready`);
          return notYet(describePods(pods));
        },
        // Why the pods are not Ready comes from their states and events (makeGate's pod diagnosis).
        involved: { namespace: ns, labelSelector: sel },
      };
    }
    case 'http': {
      const url = str(g.url);
      const expectBody = g.expectBody === undefined ? undefined : str(g.expectBody);
      return {
        ...base,
        what: `${url} answers${expectBody ? ` "${expectBody}"` : ''}`,
        probe: async () => {
          const r = await fetchText(url);
          if (r.status !== 200) return notYet(`HTTP ${r.status}: ${r.body.trim().slice(0, 120)}`);
          if (expectBody !== undefined && !r.body.includes(expectBody)) return notYet(`answered ${JSON.stringify(r.body.slice(0, 80))}`);
          return ok(r.body.trim().slice(0, 40));
        },
        diagnose: (last) =>
          Promise.resolve(/refused|reset/.test(last) ? { cause: 'nothing listens on that host port: the kind cluster lacks the port mapping, or the Service has another nodePort', fix: 'compare kind/cluster.yaml with the Service in `npm run plan`' } : undefined),
      };
    }
    case 'prometheusTarget':
      return prometheusTargetGate(g, kube, base);
    case 'customMetrics':
      return customMetricsGate(g, kube, base);
    case 'hpaReading':
      return hpaGate(g, kube, base);
    default:
      throw new Error(`internal: gate type ${g.type} has no probe`);
  }
}

interface Target {
  scrapePool: string;
  health: string;
  lastError?: string;
  labels: Record<string, string>;
}

function prometheusTargetGate(g: GateData, kube: Kube, base: { deadlineMs: number; intervalMs: number }): StackGate<string> {
  const url = str(g.url);
  const [smNs, smName] = str(g.serviceMonitor).split('/') as [string, string];
  const series = str(g.series);
  const pool = `serviceMonitor/${smNs}/${smName}/0`;
  return {
    ...base,
    what: `Prometheus scraping ${pool} (target up, ${series} present)`,
    probe: async () => {
      const r = await fetchText(`${url}/api/v1/targets?state=active`);
      if (r.status !== 200) return notYet(`Prometheus targets: HTTP ${r.status}`);
      const targets = (JSON.parse(r.body) as { data: { activeTargets: Target[] } }).data.activeTargets.filter((t) => t.scrapePool === pool);
      if (targets.length === 0) return notYet(`no target in scrape pool ${pool}`);
      const down = targets.filter((t) => t.health !== 'up');
      if (down.length) return notYet(`${down.length}/${targets.length} targets ${down[0]?.health ?? ''}${down[0]?.lastError ? `: ${down[0].lastError}` : ''}`);
      const result = await promQuery(url, `${series}{namespace="${smNs}"}`);
      if (result.length === 0) return notYet(`targets up, but no series ${series}{namespace="${smNs}"} yet`);
      return ok(`${targets.length} target${targets.length === 1 ? '' : 's'} up, ${result.length} series`);
    },
    involved: { namespace: smNs },
    diagnose: async (last) => {
      if (!/no target in scrape pool/.test(last)) return undefined;
      const sm = await kube.getJson<{ metadata: Meta }>(`/apis/monitoring.coreos.com/v1/namespaces/${smNs}/servicemonitors/${smName}`).catch(() => undefined);
      if (!sm) return { cause: `ServiceMonitor ${smNs}/${smName} does not exist`, fix: 'npm run up applies it (stacks/custom-metrics/sample-app.yaml)' };
      const proms = (await kube.getJson<ListOf<{ metadata: Meta; spec?: { serviceMonitorSelector?: { matchLabels?: Record<string, string> } } }>>('/apis/monitoring.coreos.com/v1/prometheuses').catch(() => undefined))?.items ?? [];
      for (const p of proms) {
        const want = p.spec?.serviceMonitorSelector?.matchLabels ?? {};
        const missing = Object.entries(want).filter(([k, v]) => sm.metadata.labels?.[k] !== v);
        if (missing.length) {
          const labels = missing.map(([k, v]) => `${k}: ${v}`).join(', ');
          return {
            cause: `Prometheus ${p.metadata.namespace ?? ''}/${p.metadata.name} selects ServiceMonitors by label ${labels}, and ServiceMonitor ${smNs}/${smName} lacks it`,
            fix: `add the label (metadata.labels: {${labels}}) to the ServiceMonitor; the Prometheus resource's serviceMonitorSelector says which labels it selects (a chart often uses release=<its Helm release name>)`,
          };
        }
      }
      return { cause: 'the ServiceMonitor is selected but Prometheus has no target for it: its selector matches no Service, or the endpoint port name differs from the Service port name', fix: 'compare spec.selector and endpoints[].port of the ServiceMonitor with the Service' };
    },
  };
}

interface MetricValueList {
  items: Array<{ describedObject: { kind: string; name: string; namespace?: string }; metricName?: string; metric?: { name: string }; value: string }>;
}

/**
 * An in-cluster URL (http://<service>.<namespace>.svc…) in the args of the involved pods' containers whose
 * Service does not exist: the usual reason a metrics adapter lists nothing.
 */
async function missingServiceInArgs(kube: Kube, involved: { namespace: string; labelSelector?: string }): Promise<{ url: string; service: string; namespace: string } | undefined> {
  const pods = (await kube.getJson<ListOf<{ spec?: { containers?: Array<{ args?: string[]; command?: string[] }> } }>>(listPath('v1', 'pods', involved.namespace, involved.labelSelector)).catch(() => undefined))?.items ?? [];
  const words = pods.flatMap((p) => (p.spec?.containers ?? []).flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]));
  for (const w of words) {
    const m = /(https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::\d+)?[^\s,]*)/.exec(w);
    if (!m) continue;
    const svc = await kube.getJson(`/api/v1/namespaces/${m[3]}/services/${m[2]}`).catch(() => 'unknown');
    if (svc === undefined) return { url: m[1] as string, service: m[2] as string, namespace: m[3] as string };
  }
  return undefined;
}

/**
 * What a custom metrics discovery document lists, in a line. Its resources are named GROUPRESOURCE/METRIC
 * (custom-metrics-apiserver pkg/provider/resource_lister.go: GroupResource.String() + "/" + metric), one per
 * metric and resource its adapter associated the series with. An adapter with generic rules lists hundreds:
 * the first few for pods say what kind of rules it has; when none is for pods, how many each resource has
 * (an adapter lists what its last relist found, e.g. before Prometheus had scraped any pod).
 */
function listedResources(names: string[]): string {
  if (names.length === 0) return 'no resources';
  if (names.length <= 8) return names.join(', ');
  const pods = names.filter((n) => n.startsWith('pods/'));
  if (pods.length) return `${names.length} resources (${pods.slice(0, 5).join(', ')}, …)`;
  const perResource = new Map<string, number>();
  for (const n of names) {
    const resource = n.slice(0, Math.max(0, n.indexOf('/'))) || n;
    perResource.set(resource, (perResource.get(resource) ?? 0) + 1);
  }
  return `${names.length} resources, none for pods (${[...perResource].map(([r, k]) => `${k} for ${r}`).join(', ')})`;
}

function customMetricsGate(g: GateData, kube: Kube, base: { deadlineMs: number; intervalMs: number }): StackGate<string> {
  const involved = g.involved === undefined ? undefined : involvedOf(g.involved);
  const ns = str(g.namespace);
  const sel = str(g.labelSelector);
  const metrics = (Array.isArray(g.metrics) ? g.metrics : [g.metrics]).map(str);
  return {
    ...base,
    what: `custom metrics API serving ${metrics.join(', ')} for each pod (${sel})`,
    probe: async () => {
      const disc = await kube.getJson<{ resources?: Array<{ name: string }> }>('/apis/custom.metrics.k8s.io/v1beta1');
      if (!disc) return notYet('custom.metrics.k8s.io/v1beta1 not served (the adapter registers it)');
      const names = (disc.resources ?? []).map((r) => r.name);
      const missing = metrics.filter((m) => !names.includes(`pods/${m}`));
      if (missing.length) return notYet(`discovery lists ${listedResources(names)}; missing ${missing.map((m) => `pods/${m}`).join(', ')}`);
      const pods = ((await kube.getJson<ListOf<Pod>>(listPath('v1', 'pods', ns, sel)))?.items ?? []).filter((p) => p.status?.phase === 'Running');
      const values: string[] = [];
      for (const m of metrics) {
        const list = await kube.getJson<MetricValueList>(`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${ns}/pods/*/${m}?labelSelector=${encodeURIComponent(sel)}`);
        const items = list?.items ?? [];
        if (items.length !== pods.length) return notYet(`${m}: ${items.length} values for ${pods.length} running pods`);
        values.push(`${m}=${items.map((i) => i.value).join(',')}`);
      }
      return ok(values.join(' '));
    },
    diagnose: async (last) => {
      if (!/discovery lists no resources|missing pods\//.test(last)) return undefined;
      const missing = involved ? await missingServiceInArgs(kube, involved) : undefined;
      if (missing) {
        return {
          cause: `the metrics adapter queries ${missing.url}, but there is no Service ${missing.service} in namespace ${missing.namespace}`,
          fix: 'derive the URL from the release that makes that Service (a ${setting} of the stack, e.g. settings.prometheus.url), never type it twice',
        };
      }
      // Which metric is not served, and the rule the lab's values install for it: what an adapter hpa-lab did not
      // install (reused) lacks when its own rules do not yield it.
      const absent = (/missing ((?:pods\/[\w:]+(?:, )?)+)/.exec(last)?.[1] ?? '').split(', ').filter(Boolean).map((m) => m.replace(/^pods\//, ''));
      const rulesFile = typeof g.rules === 'string' ? g.rules : undefined;
      if (rulesFile && absent.length) {
        const rules = absent.map((m) => {
          const r = rulesFor(REPO_ROOT, rulesFile, m);
          return `${m}: ${r.length ? r.map(formatRule).join('; ') : `no rule in ${rulesFile} yields it`}`;
        });
        return {
          cause: `the custom metrics API does not serve ${absent.map((m) => `pods/${m}`).join(', ')}: the rules of the adapter serving it yield no such metric from the series Prometheus has (or it has not relisted yet). The rule hpa-lab's values (${rulesFile}) install for ${absent.length === 1 ? 'it' : 'them'}: ${rules.join(' | ')}`,
          fix: 'an adapter hpa-lab reuses: add such a rule to its configuration (rules.custom), or let hpa-lab install its own (leave out the setting that opts into reusing it); hpa-lab’s own: check that the rules’ seriesQuery matches the series and wait one metricsRelistInterval',
        };
      }
      if (!involved) return undefined;
      return {
        cause: 'the adapter has not listed the series: check that the rules’ seriesQuery matches the series, that their labels (namespace, pod) match resources.overrides, and wait one metricsRelistInterval',
        fix: 'see the adapter log tail in the diagnostics folder',
      };
    },
  };
}

interface Hpa {
  metadata: Meta;
  spec?: { scaleTargetRef?: { kind: string; name: string } };
  status?: { currentReplicas?: number; desiredReplicas?: number; conditions?: Condition[]; currentMetrics?: CurrentMetric[] };
}

/** One entry of an HPA's status.currentMetrics (autoscaling/v2 MetricStatus). */
interface CurrentMetric {
  type: string;
  pods?: { metric?: { name: string }; current?: MetricValue };
  object?: { metric?: { name: string }; current?: MetricValue };
  external?: { metric?: { name: string }; current?: MetricValue };
  resource?: { name: string; current?: MetricValue };
  containerResource?: { name: string; current?: MetricValue };
}
interface MetricValue {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

/** The name and current value an HPA reports for a metric of any type (Pods, Object, External, Resource). */
export function currentReading(m: CurrentMetric | undefined): { name: string; value: string } | undefined {
  if (!m) return undefined;
  const s = m.pods ?? m.object ?? m.external;
  const r = m.resource ?? m.containerResource;
  const cur = s?.current ?? r?.current;
  const value = cur?.averageValue ?? cur?.value ?? (cur?.averageUtilization === undefined ? undefined : `${cur.averageUtilization}%`);
  if (value === undefined) return undefined;
  return { name: s?.metric?.name ?? r?.name ?? m.type, value };
}

function hpaGate(g: GateData, kube: Kube, base: { deadlineMs: number; intervalMs: number }): StackGate<string> {
  const ns = str(g.namespace);
  const name = str(g.name);
  return {
    ...base,
    what: `HPA ${ns}/${name} reading its metric (ScalingActive=True)`,
    probe: async () => {
      const hpa = await kube.getJson<Hpa>(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`);
      if (!hpa) return notYet(`HPA ${ns}/${name} does not exist`);
      const active = hpa.status?.conditions?.find((c) => c.type === 'ScalingActive');
      const current = currentReading(hpa.status?.currentMetrics?.[0]);
      if (active?.status === 'True' && current) return ok(`${current.name} = ${current.value}, replicas ${hpa.status?.currentReplicas ?? '?'}`);
      return notYet(active ? `ScalingActive=${active.status} (${active.reason ?? ''}${active.message ? `: ${active.message}` : ''})` : 'no status yet (the HPA controller has not synced it yet: it does every --horizontal-pod-autoscaler-sync-period)');
    },
    involved: { namespace: ns },
    diagnose: async (last) => {
      const hpa = await kube.getJson<Hpa>(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`).catch(() => undefined);
      const target = hpa?.spec?.scaleTargetRef;
      if (target) {
        const dep = await kube.getJson(`/apis/apps/v1/namespaces/${ns}/deployments/${target.name}`).catch(() => undefined);
        if (!dep) {
          return { cause: `the HPA is in namespace ${ns}, but its target Deployment ${target.name} is not there: an HPA must live in its workload's namespace`, fix: `create the HPA in the app's namespace (settings.hpa.namespace)` };
        }
      }
      if (/FailedGetPodsMetric|FailedGetObjectMetric/.test(last)) {
        return { cause: 'the HPA cannot read its metric from the custom metrics API: the metric name differs from what the adapter serves, or no pod has a value yet', fix: 'kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1 lists what is served' };
      }
      if (/FailedGetExternalMetric/.test(last)) {
        return { cause: 'the HPA cannot read its metric from the external metrics API (the metric name or its selector differs from what is served, or the query returns nothing)', fix: 'kubectl get --raw /apis/external.metrics.k8s.io/v1beta1 lists what is served' };
      }
      return undefined;
    },
  };
}

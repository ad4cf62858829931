// kube-state-metrics 2.20.0 (the kube-prometheus-stack sub-chart kube-state-metrics 8.4.0) for the data path:
// its pods have no real process, so the Prometheus scrape jobs point their main port (`--port`, 8080) at an
// in-process exporter that renders, from the simulated API store at each scrape, a subset of what the real
// binary writes for HorizontalPodAutoscalers, Deployments and Pods. Followed (kubernetes/kube-state-metrics at
// tag v2.20.0):
// - internal/store/horizontalpodautoscaler.go: families, help texts, label names/order (`namespace`,
//   `horizontalpodautoscaler` first: wrapHPAFunc/mergeKeyValues), target metric labels `metric_name`,
//   `metric_target_type` (value/utilization/average), `container`; min replicas defaulting to 1;
// - internal/store/deployment.go: families, `namespace`, `deployment`; condition reasons outside the allowed
//   list become `unknown`;
// - internal/store/pod.go: `namespace`, `pod`, `uid` first; kube_pod_info's host_ip, pod_ip, node,
//   created_by_kind, created_by_name (metav1.GetControllerOf), priority_class, host_network;
// - internal/store/utils.go: addConditionMetrics (true/false/unknown), convertValueToFloat64 (MilliValue/1000);
// - pkg/metric_generator/generator.go: `# HELP name [STABLE] help` for STABLE families, `# TYPE name gauge`;
// - pkg/metric/metric.go: label escaping and writeFloat (strconv 'g', -1 with 1, 0, -1 hard-coded);
// - pkg/metrics_store/metrics_writer.go: a resource's headers are written only when it has objects, each
//   family's header once, then that family's samples for every object;
// - pkg/metricshandler/metrics_handler.go: OpenMetrics when negotiated (expfmt.NegotiateIncludingOpenMetrics,
//   with `# EOF`), text/plain 0.0.4 otherwise; stores in sorted resource order; `--resources`, `--namespaces`.
// Not served: every other family and resource, the labels/annotations families (allowlists), the rolling
// update strategy families, custom resource state, sharding, the telemetry port (the stand-in answers it).
import http from 'node:http';
import type { KubeObject, Store } from '../lib/store.ts';
import { arr, obj, str, type Obj, type TypeLookup } from './kube.ts';
import { parseQuantityMilli } from './quantity.ts';
import { imageRepository } from './sample-app.ts';

export const KSM_REPOSITORY_SUFFIX = 'kube-state-metrics';

/** The kube-state-metrics container of a pod (image …/kube-state-metrics), if any. */
function ksmContainer(pod: KubeObject): Obj | undefined {
  return arr(obj(pod.spec).containers)
    .map(obj)
    .find((c) => {
      const repo = imageRepository(str(c.image));
      return repo === KSM_REPOSITORY_SUFFIX || repo.endsWith(`/${KSM_REPOSITORY_SUFFIX}`);
    });
}

export function isKubeStateMetricsPod(pod: KubeObject): boolean {
  return ksmContainer(pod) !== undefined;
}

export interface KsmOptions {
  port: number;
  /** --resources; undefined: the default set (which holds the three served here) */
  resources?: Set<string>;
  /** --namespaces; undefined: all */
  namespaces?: Set<string>;
}

/** The flags of the pod's kube-state-metrics container that decide what it serves (pkg/options/options.go). */
export function ksmOptions(pod: KubeObject): KsmOptions | undefined {
  const c = ksmContainer(pod);
  if (!c) return undefined;
  const args = [...arr(c.command), ...arr(c.args)].map((a) => str(a));
  const flag = (name: string): string | undefined => {
    let v: string | undefined;
    args.forEach((a, i) => {
      if (a.startsWith(`--${name}=`)) v = a.slice(name.length + 3);
      else if (a === `--${name}` && i + 1 < args.length) v = args[i + 1];
    });
    return v;
  };
  const list = (v: string | undefined) => (v === undefined || v === '' ? undefined : new Set(v.split(',').map((x) => x.trim()).filter(Boolean)));
  const port = Number(flag('port') ?? 8080);
  return { port: Number.isFinite(port) ? port : 8080, resources: list(flag('resources')), namespaces: list(flag('namespaces')) };
}

// ---- exposition ------------------------------------------------------------------------------------------

/** strconv.FormatFloat(f, 'g', -1, 64), with writeFloat's hard-coded cases. */
export function goFloat(f: number): string {
  if (f === 1) return '1';
  if (f === 0) return '0';
  if (f === -1) return '-1';
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const [mant = '', e = '0'] = f.toExponential().split('e');
  const exp = Number(e);
  // %e when the exponent is < -4 or >= 6 (the shortest form decides with precision 6), else %f.
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

interface Sample {
  keys: string[];
  values: string[];
  value: number;
}

interface Family<T> {
  name: string;
  help: string;
  stable: boolean;
  gen: (o: T) => Sample[];
}

const one = (value: number, keys: string[] = [], values: string[] = []): Sample[] => [{ keys, values, value }];
const unix = (ts: unknown): number | undefined => {
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
};
const whenSet = (ts: unknown): Sample[] => {
  const t = unix(ts);
  return t === undefined ? [] : one(t);
};
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** convertValueToFloat64: MilliValue()/1000 (the store's numbers count as quantities too). */
const quantity = (q: unknown): number | undefined => {
  const m = parseQuantityMilli(q);
  return m === undefined ? undefined : m / 1000;
};
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];
/** addConditionMetrics: one sample per status, 1 for the condition's. */
const conditionSamples = (status: unknown, keys: string[], first: string[]): Sample[] => CONDITION_STATUSES.map((s) => ({ keys, values: [...first, s.toLowerCase()], value: status === s ? 1 : 0 }));

// ---- HorizontalPodAutoscaler (internal/store/horizontalpodautoscaler.go) ----------------------------------

const TARGET_TYPES: Array<[string, string]> = [
  ['value', 'value'],
  ['utilization', 'averageUtilization'],
  ['average', 'averageValue'],
];
const TARGET_METRIC_LABELS = ['metric_name', 'metric_target_type', 'container'];

/** The metric name, container and target (spec) or current (status) of one metrics[] entry, per its type. */
function metricSource(m: Obj, part: 'target' | 'current'): { name: string; container: string; values: Obj } | undefined {
  switch (m.type) {
    case 'Object':
      return m.object ? { name: str(obj(obj(m.object).metric).name), container: '', values: obj(obj(m.object)[part]) } : undefined;
    case 'Pods':
      return m.pods ? { name: str(obj(obj(m.pods).metric).name), container: '', values: obj(obj(m.pods)[part]) } : undefined;
    case 'Resource':
      return m.resource ? { name: str(obj(m.resource).name), container: '', values: obj(obj(m.resource)[part]) } : undefined;
    case 'ContainerResource':
      return m.containerResource ? { name: str(obj(m.containerResource).name), container: str(obj(m.containerResource).container), values: obj(obj(m.containerResource)[part]) } : undefined;
    case 'External':
      return m.external ? { name: str(obj(obj(m.external).metric).name), container: '', values: obj(obj(m.external)[part]) } : undefined;
    default:
      return undefined;
  }
}

function targetSamples(metrics: unknown, part: 'target' | 'current'): Sample[] {
  const out: Sample[] = [];
  for (const m of arr(metrics).map(obj)) {
    const src = metricSource(m, part);
    if (!src) continue;
    // The source builds a map[metricTargetType]float64, so Go's map order; here the enum's order.
    for (const [type, field] of TARGET_TYPES) {
      if (src.values[field] === undefined || src.values[field] === null) continue;
      const v = field === 'averageUtilization' ? num(src.values[field]) : quantity(src.values[field]);
      if (v === undefined) continue;
      out.push({ keys: TARGET_METRIC_LABELS, values: [src.name, type, src.container], value: v });
    }
  }
  return out;
}

const tolerance = (hpa: KubeObject, dir: 'scaleUp' | 'scaleDown'): Sample[] => {
  const t = obj(obj(obj(hpa.spec).behavior)[dir]).tolerance;
  const v = t === undefined ? undefined : quantity(t);
  return v === undefined ? [] : one(v);
};

const HPA_FAMILIES: Array<Family<KubeObject>> = [
  {
    name: 'kube_horizontalpodautoscaler_info',
    help: 'Information about this autoscaler.',
    stable: false,
    gen: (a) => {
      const ref = obj(obj(a.spec).scaleTargetRef);
      const keys = ['scaletargetref_kind', 'scaletargetref_name'];
      const values = [str(ref.kind), str(ref.name)];
      if (str(ref.apiVersion)) return one(1, ['scaletargetref_api_version', ...keys], [str(ref.apiVersion), ...values]);
      return one(1, keys, values);
    },
  },
  { name: 'kube_horizontalpodautoscaler_metadata_generation', help: 'The generation observed by the HorizontalPodAutoscaler controller.', stable: true, gen: (a) => one(num(a.metadata.generation)) },
  { name: 'kube_horizontalpodautoscaler_spec_max_replicas', help: 'Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.', stable: true, gen: (a) => one(num(obj(a.spec).maxReplicas)) },
  {
    name: 'kube_horizontalpodautoscaler_spec_min_replicas',
    help: 'Lower limit for the number of pods that can be set by the autoscaler, default 1.',
    stable: true,
    gen: (a) => one(typeof obj(a.spec).minReplicas === 'number' ? num(obj(a.spec).minReplicas) : 1),
  },
  { name: 'kube_horizontalpodautoscaler_spec_target_metric', help: 'The metric specifications used by this autoscaler when calculating the desired replica count.', stable: false, gen: (a) => targetSamples(obj(a.spec).metrics, 'target') },
  { name: 'kube_horizontalpodautoscaler_spec_behavior_scale_down_tolerance', help: 'The tolerance on the ratio between the current and desired metric value below which no scale down occurs.', stable: false, gen: (a) => tolerance(a, 'scaleDown') },
  { name: 'kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance', help: 'The tolerance on the ratio between the current and desired metric value below which no scale up occurs.', stable: false, gen: (a) => tolerance(a, 'scaleUp') },
  { name: 'kube_horizontalpodautoscaler_status_target_metric', help: 'The current metric status used by this autoscaler when calculating the desired replica count.', stable: true, gen: (a) => targetSamples(obj(a.status).currentMetrics, 'current') },
  { name: 'kube_horizontalpodautoscaler_status_current_replicas', help: 'Current number of replicas of pods managed by this autoscaler.', stable: true, gen: (a) => one(num(obj(a.status).currentReplicas)) },
  { name: 'kube_horizontalpodautoscaler_status_desired_replicas', help: 'Desired number of replicas of pods managed by this autoscaler.', stable: true, gen: (a) => one(num(obj(a.status).desiredReplicas)) },
  {
    name: 'kube_horizontalpodautoscaler_status_condition',
    help: 'The condition of this autoscaler.',
    stable: true,
    gen: (a) =>
      arr(obj(a.status).conditions)
        .map(obj)
        .flatMap((c) => conditionSamples(c.status, ['condition', 'status'], [str(c.type)])),
  },
  { name: 'kube_horizontalpodautoscaler_created', help: 'Unix creation timestamp', stable: false, gen: (a) => whenSet(a.metadata.creationTimestamp) },
  { name: 'kube_horizontalpodautoscaler_deletion_timestamp', help: 'Unix deletion timestamp', stable: false, gen: (a) => whenSet(a.metadata.deletionTimestamp) },
];

// ---- Deployment (internal/store/deployment.go) ------------------------------------------------------------

const DEPLOYMENT_REASONS = new Set(['ReplicaSetUpdated', 'ReplicaSetCreateError', 'NewReplicaSetCreated', 'FoundNewReplicaSet', 'NewReplicaSetAvailable', 'ProgressDeadlineExceeded', 'DeploymentPaused', 'DeploymentResumed', 'MinimumReplicasAvailable', 'MinimumReplicasUnavailable', '']);
const dstatus = (d: KubeObject, k: string): Sample[] => one(num(obj(d.status)[k]));

const DEPLOYMENT_FAMILIES: Array<Family<KubeObject>> = [
  {
    name: 'kube_deployment_owner',
    help: "Information about the Deployment's owner.",
    stable: false,
    gen: (d) => {
      const owners = d.metadata.ownerReferences ?? [];
      if (!owners.length) return one(1, ['owner_kind', 'owner_name'], ['', '']);
      return owners.map((o) => ({ keys: ['owner_kind', 'owner_name'], values: [o.kind, o.name], value: 1 }));
    },
  },
  { name: 'kube_deployment_created', help: 'Unix creation timestamp', stable: true, gen: (d) => whenSet(d.metadata.creationTimestamp) },
  { name: 'kube_deployment_status_replicas', help: 'The number of replicas per deployment.', stable: true, gen: (d) => dstatus(d, 'replicas') },
  { name: 'kube_deployment_status_replicas_ready', help: 'The number of ready replicas per deployment.', stable: true, gen: (d) => dstatus(d, 'readyReplicas') },
  { name: 'kube_deployment_status_replicas_available', help: 'The number of available replicas per deployment.', stable: true, gen: (d) => dstatus(d, 'availableReplicas') },
  { name: 'kube_deployment_status_replicas_unavailable', help: 'The number of unavailable replicas per deployment.', stable: true, gen: (d) => dstatus(d, 'unavailableReplicas') },
  { name: 'kube_deployment_status_replicas_updated', help: 'The number of updated replicas per deployment.', stable: true, gen: (d) => dstatus(d, 'updatedReplicas') },
  { name: 'kube_deployment_status_terminating_replicas', help: 'The number of terminating replicas per deployment.', stable: false, gen: (d) => (typeof obj(d.status).terminatingReplicas === 'number' ? dstatus(d, 'terminatingReplicas') : []) },
  { name: 'kube_deployment_status_observed_generation', help: 'The generation observed by the deployment controller.', stable: true, gen: (d) => dstatus(d, 'observedGeneration') },
  {
    name: 'kube_deployment_status_condition',
    help: 'The current status conditions of a deployment.',
    stable: true,
    gen: (d) =>
      arr(obj(d.status).conditions)
        .map(obj)
        .flatMap((c) => conditionSamples(c.status, ['reason', 'condition', 'status'], [DEPLOYMENT_REASONS.has(str(c.reason)) ? str(c.reason) : 'unknown', str(c.type)])),
  },
  { name: 'kube_deployment_spec_replicas', help: 'Number of desired pods for a deployment.', stable: true, gen: (d) => (typeof obj(d.spec).replicas === 'number' ? one(num(obj(d.spec).replicas)) : []) },
  { name: 'kube_deployment_spec_paused', help: 'Whether the deployment is paused and will not be processed by the deployment controller.', stable: true, gen: (d) => one(obj(d.spec).paused === true ? 1 : 0) },
  { name: 'kube_deployment_metadata_generation', help: 'Sequence number representing a specific generation of the desired state.', stable: true, gen: (d) => one(num(d.metadata.generation)) },
  { name: 'kube_deployment_deletion_timestamp', help: 'Unix deletion timestamp', stable: false, gen: (d) => whenSet(d.metadata.deletionTimestamp) },
];

// ---- Pod (internal/store/pod.go) --------------------------------------------------------------------------

const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'];

const POD_FAMILIES: Array<Family<KubeObject>> = [
  { name: 'kube_pod_created', help: 'Unix creation timestamp', stable: true, gen: (p) => whenSet(p.metadata.creationTimestamp) },
  { name: 'kube_pod_deletion_timestamp', help: 'Unix deletion timestamp', stable: false, gen: (p) => whenSet(p.metadata.deletionTimestamp) },
  {
    name: 'kube_pod_info',
    help: 'Information about pod.',
    stable: true,
    gen: (p) => {
      const spec = obj(p.spec);
      const status = obj(p.status);
      const controller = (p.metadata.ownerReferences ?? []).find((o) => o.controller === true);
      return one(
        1,
        ['host_ip', 'pod_ip', 'node', 'created_by_kind', 'created_by_name', 'priority_class', 'host_network'],
        [str(status.hostIP), str(status.podIP), str(spec.nodeName), controller?.kind ?? '', controller?.name ?? '', str(spec.priorityClassName), String(spec.hostNetwork === true)],
      );
    },
  },
  {
    name: 'kube_pod_owner',
    help: "Information about the Pod's owner.",
    stable: true,
    gen: (p) => {
      const keys = ['owner_kind', 'owner_name', 'owner_is_controller'];
      const owners = p.metadata.ownerReferences ?? [];
      if (!owners.length) return one(1, keys, ['', '', '']);
      return owners.map((o) => ({ keys, values: [o.kind, o.name, String(o.controller === true)], value: 1 }));
    },
  },
  { name: 'kube_pod_start_time', help: 'Start time in unix timestamp for a pod.', stable: true, gen: (p) => whenSet(obj(p.status).startTime) },
  {
    name: 'kube_pod_status_phase',
    help: 'The pods current phase.',
    stable: true,
    gen: (p) => {
      const phase = str(obj(p.status).phase);
      return phase ? POD_PHASES.map((n) => ({ keys: ['phase'], values: [n], value: phase === n ? 1 : 0 })) : [];
    },
  },
  {
    name: 'kube_pod_status_ready',
    help: 'Describes whether the pod is ready to serve requests.',
    stable: true,
    gen: (p) =>
      arr(obj(p.status).conditions)
        .map(obj)
        .filter((c) => c.type === 'Ready')
        .flatMap((c) => conditionSamples(c.status, ['condition'], [])),
  },
];

interface Served {
  resource: string;
  group: string;
  defaults: (o: KubeObject) => [string[], string[]];
  families: Array<Family<KubeObject>>;
}

/** In the order the metrics handler writes its stores (the enabled resources, sorted). */
const SERVED: Served[] = [
  { resource: 'deployments', group: 'apps', defaults: (o) => [['namespace', 'deployment'], [o.metadata.namespace ?? '', o.metadata.name]], families: DEPLOYMENT_FAMILIES },
  { resource: 'horizontalpodautoscalers', group: 'autoscaling', defaults: (o) => [['namespace', 'horizontalpodautoscaler'], [o.metadata.namespace ?? '', o.metadata.name]], families: HPA_FAMILIES },
  { resource: 'pods', group: '', defaults: (o) => [['namespace', 'pod', 'uid'], [o.metadata.namespace ?? '', o.metadata.name, o.metadata.uid ?? '']], families: POD_FAMILIES },
];

/** The exposition (without OpenMetrics' `# EOF`) of the served families for the store's current objects. */
export function renderKubeStateMetrics(store: Store, rt: TypeLookup, opts: Omit<KsmOptions, 'port'> = {}): string {
  let out = '';
  for (const s of SERVED) {
    if (opts.resources && !opts.resources.has(s.resource)) continue;
    const type = rt(s.group, s.resource);
    if (!type) continue;
    const objects = store
      .list(type)
      .filter((o) => !opts.namespaces || opts.namespaces.has(o.metadata.namespace ?? ''))
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    if (!objects.length) continue;
    for (const f of s.families) {
      out += `# HELP ${f.name} ${f.stable ? '[STABLE] ' : ''}${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} gauge\n`;
      for (const o of objects) {
        const [dk, dv] = s.defaults(o);
        for (const m of f.gen(o)) {
          const keys = [...dk, ...m.keys];
          const values = [...dv, ...m.values];
          out += `${f.name}{${keys.map((k, i) => `${k}="${escapeValue(values[i] ?? '')}"`).join(',')}} ${goFloat(m.value)}\n`;
        }
      }
    }
  }
  return out;
}

/** expfmt.NegotiateIncludingOpenMetrics, then the handler's fall-back to text for anything but OpenMetrics. */
export function negotiateKsm(accept: string | undefined): { contentType: string; openMetrics: boolean } {
  const entries = (accept ?? '')
    .split(',')
    .map((part, i) => {
      const [mt = '', ...ps] = part.split(';').map((x) => x.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      return { mt: mt.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((e) => e.mt)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  let escaping = 'underscores';
  for (const e of entries) {
    if (['allow-utf-8', 'underscores', 'dots', 'values'].includes(e.params.escaping ?? '')) escaping = e.params.escaping ?? escaping;
    const ver = e.params.version ?? '';
    if (e.mt === 'application/vnd.google.protobuf' && e.params.proto === 'io.prometheus.client.MetricFamily') break;
    if (e.mt === 'text/plain' && (ver === '0.0.4' || ver === '')) break;
    if (e.mt === 'application/openmetrics-text' && (ver === '0.0.1' || ver === '1.0.0' || ver === '')) {
      return { contentType: `application/openmetrics-text; version=${ver === '1.0.0' ? '1.0.0' : '0.0.1'}; charset=utf-8; escaping=${escaping}`, openMetrics: true };
    }
  }
  return { contentType: 'text/plain; version=0.0.4; charset=utf-8', openMetrics: false };
}

// ---- the exporters the scrape targets point at -------------------------------------------------------------

const servers = new Map<string, { server: http.Server; port: number }>();

/**
 * The loopback address Prometheus scrapes for port `port` of a kube-state-metrics pod: an exporter serving the
 * store's objects with that pod's flags. Undefined for other pods and ports (the stand-in exporter answers).
 */
export function kubeStateMetricsAddress(store: Store, rt: TypeLookup, pod: KubeObject | undefined, port: number): string | undefined {
  const opts = pod ? ksmOptions(pod) : undefined;
  if (!opts || opts.port !== port) return undefined;
  const key = JSON.stringify([[...(opts.resources ?? [])], [...(opts.namespaces ?? [])], opts.resources === undefined, opts.namespaces === undefined]);
  let s = servers.get(key);
  if (!s) {
    const server = http.createServer((req, res) => {
      req.resume();
      const url = new URL(req.url ?? '/', 'http://ksm');
      if (url.pathname !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('404 page not found\n');
        return;
      }
      const { contentType, openMetrics } = negotiateKsm(req.headers.accept);
      let body: string;
      try {
        body = renderKubeStateMetrics(store, rt, opts);
      } catch (err) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
        return;
      }
      res.writeHead(200, { 'Content-Type': contentType });
      res.end(openMetrics ? `${body}# EOF\n` : body);
    });
    server.listen(0, '127.0.0.1');
    server.unref();
    s = { server, port: 0 };
    servers.set(key, s);
  }
  const a = s.server.address();
  if (a && typeof a === 'object') s.port = a.port;
  return s.port ? `127.0.0.1:${s.port}` : undefined;
}

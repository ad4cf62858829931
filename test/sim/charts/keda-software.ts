// The software of the KEDA 2.20.2 chart (charts/keda.ts renders it): the operator, its metrics API server and the
// admission webhooks, emulated after kedacore/keda at tag v2.20.2. Nothing here is copied; each behaviour names
// the file it follows:
//
// - The operator (image ghcr.io/kedacore/keda): cmd/operator/main.go (flags, PrintWelcome in pkg/util/welcome.go),
//   pkg/certificates/certificate_manager.go (Secret `--cert-secret-name`, caBundle patching of the APIService
//   v1beta1.external.metrics.k8s.io and the ValidatingWebhookConfiguration `--validating-webhook-name`).
//   Once an operator pod is Ready, every ScaledObject is reconciled as controllers/keda/scaledobject_controller.go
//   Reconcile / reconcileScaledObject do it: finalizer `finalizer.keda.sh` (scaledobject_finalizer.go), initial
//   conditions (apis/keda/v1alpha1/condition_types.go GetInitializedConditions), label scaledobject.keda.sh/name,
//   the scale target's GVKR, `originalReplicaCount` (checkTargetResourceIsScalable; apis/keda/v1alpha1/gvkr.go
//   ParseGVKR), replica bounds (CheckReplicaCountBoundsAreValid), triggers (ValidateTriggers,
//   CombinedTriggersAndAuthenticationsTypes), then the HPA (controllers/keda/hpa.go newHPAForScaledObject,
//   getScaledObjectMetricSpecs, updateHPAIfNeeded, getHPAName) and the scale loop (pkg/scaling/scale_handler.go
//   HandleScalableObject, startScaleLoop, checkScalers, getScalerState, handleResult;
//   pkg/scaling/executor/scale_scaledobjects.go RequestScale, checkHPAHealth, scaleToZeroOrIdle,
//   scaleFromZeroOrIdle). Failures get the reasons, messages and events of those files and of
//   pkg/common/message/message.go and pkg/eventreason/eventreason.go; errors requeue with controller-runtime's
//   per-item back-off (5 ms doubling to 1000 s).
// - The prometheus scaler (pkg/scalers/prometheus_scaler.go, pkg/scalers/scaler.go, pkg/scalers/scalersconfig/
//   typed_config.go): metadata serverAddress/query/threshold/activationThreshold/namespace/ignoreNullValues/
//   queryParameters/customHeaders/timeout, GET serverAddress + /api/v1/query?query=<QueryEscape>&time=<RFC3339>
//   against the REAL Prometheus of the data path (the in-cluster URL resolved by datapath/network.ts from the
//   operator pod's namespace), activation `value > activationThreshold`, metric `s<i>-prometheus`, target
//   `quantityFromFloat64(threshold)` (AverageValue unless the trigger's metricType says Value).
// - The metrics API server (image ghcr.io/kedacore/keda-metrics-apiserver): pkg/provider/provider.go
//   GetExternalMetric, pkg/metricsservice/{client,server,external_metrics}.go (the gRPC hop to the operator and
//   its quantity round trip), pkg/scaling/scale_handler.go GetScaledObjectMetrics, and
//   sigs.k8s.io/custom-metrics-apiserver v1.35.0 (pkg/provider/defaults DefaultExternalMetricsProvider for
//   discovery, pkg/registry/external_metrics/reststorage.go List, errors as k8s.io/apiserver's ErrorToAPIStatus
//   writes a non-Status error: 500, no reason). It serves external.metrics.k8s.io/v1beta1 through lib/aggregator.ts.
//
// Approximated (also listed in docs/simulation-reference.md): log lines are representative (zap console encoder,
// --zap-time-encoding=rfc3339); Events are core/v1 with component keda-operator (KEDA's recorder writes
// events.k8s.io/v1 ones, which core/v1 readers see alike); certificates are placeholders; no leader-election
// Lease; a metrics request while no operator is reachable fails at once (the real gRPC client waits for the
// caller's deadline). Not simulated: ScaledJobs, TriggerAuthentications, pause annotations, fallback,
// scalingModifiers, useCachedMetrics, trigger types other than prometheus, the admission webhooks' checks.
import type { AggregatedApi, AggregatedContext, AggregatedReply, AggregatedRequest } from '../lib/aggregator.ts';
import type { Controller, ControllerContext } from '../lib/controllers.ts';
import { recordEvent } from '../lib/events.ts';
import { klog, podLogs } from '../lib/podlogs.ts';
import type { BehaviourContext, ContainerRun, PodBehaviour } from '../lib/podbehaviour.ts';
import type { ResourceType } from '../lib/resources.ts';
import { nowTimestamp, type KubeObject, type Store, type StoreEvent } from '../lib/store.ts';
import { goQueryEscape, goQuote, podReady, serviceSelects, type TypeLookup } from '../datapath/kube.ts';
import { ClusterNetwork, goHttpGet } from '../datapath/network.ts';
import { formatMilli } from '../datapath/quantity.ts';
import { arr, obj, str, type Obj, type SimulatedSoftware } from './common.ts';

const VERSION = '2.20.2';
const KEDA_GROUP = 'keda.sh';
const FINALIZER = 'finalizer.keda.sh';
const SO_LABEL = 'scaledobject.keda.sh/name';
const EXCLUDED_LABELS = 'scaledobject.keda.sh/hpa-excluded-labels';
const EXTERNAL_GROUP = 'external.metrics.k8s.io';
const EXTERNAL_VERSION = 'v1beta1';
const APISERVICE = `${EXTERNAL_VERSION}.${EXTERNAL_GROUP}`;
const COMPONENT = 'keda-operator';

// pkg/common/message/message.go, apis/keda/v1alpha1/condition_types.go
const MSG = {
  scalerIsBuilt: (t: string) => `Scaler ${t} is built`,
  scalerStart: 'Started scalers watch',
  scalerReady: 'ScaledObject is ready for scaling',
  scaleTargetErr: "ScaledObject doesn't have correct scaleTargetRef specification",
  scaleTargetNotFound: "Target resource doesn't exist",
  scaleTargetNoSubresource: "Target resource doesn't expose /scale subresource",
  removed: 'ScaledObject was deleted',
  readySuccess: 'ScaledObject is defined correctly and is ready for scaling',
};

const OPERATOR_IMAGE = /(^|\/)kedacore\/keda([:@]|$)/;
const METRICS_IMAGE = /(^|\/)kedacore\/keda-metrics-apiserver([:@]|$)/;
const WEBHOOKS_IMAGE = /(^|\/)kedacore\/keda-admission-webhooks([:@]|$)/;

/** The types KEDA's scalers_builder.go knows (TRIGGERS-START … TRIGGERS-END at v2.20.2). */
const KNOWN_TRIGGERS = new Set(
  'activemq apache-kafka arangodb artemis-queue aws-cloudwatch aws-dynamodb aws-dynamodb-streams aws-kinesis-stream aws-sqs-queue azure-app-insights azure-blob azure-data-explorer azure-eventhub azure-log-analytics azure-monitor azure-pipelines azure-queue azure-servicebus beanstalkd cassandra couchdb cpu cron datadog dynatrace elastic-forecast elasticsearch etcd external external-mock external-push forgejo-runner gcp-cloudtasks gcp-pubsub gcp-stackdriver gcp-storage github-runner graphite huawei-cloudeye ibmmq influxdb kafka kubernetes-resource kubernetes-workload liiklus loki memory metrics-api mongodb mssql mysql nats-jetstream new-relic nsq opensearch openstack-metric openstack-swift postgresql predictkube prometheus pulsar rabbitmq redis redis-cluster redis-cluster-streams redis-sentinel redis-sentinel-streams redis-streams selenium-grid solace-direct-messaging solace-event-queue solarwinds solr splunk splunk-observability sumologic temporal'.split(' '),
);

// ---- small helpers ------------------------------------------------------------------------------------------

const isOperator = (c: Obj): boolean => OPERATOR_IMAGE.test(str(c.image));
const isMetricsServer = (c: Obj): boolean => METRICS_IMAGE.test(str(c.image));

function containers(pod: KubeObject): Obj[] {
  return arr(obj(pod.spec).containers).map(obj);
}

function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

function envValue(c: Obj, name: string): string | undefined {
  const e = arr(c.env).map(obj).find((x) => x.name === name);
  return e && typeof e.value === 'string' ? e.value : undefined;
}

/** Go's map encoding: keys sorted. */
function sortedMap(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** zap's console encoder with --zap-time-encoding=rfc3339: time, level, logger, message, JSON fields. */
function zap(level: 'INFO' | 'ERROR', logger: string, msg: string, fields: Record<string, unknown> = {}, at = Date.now()): string {
  const t = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const f = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `${t}\t${level}\t${logger ? `${logger}\t` : ''}${msg}${f.length ? `\t{${f.join(', ')}}` : ''}`;
}

/**
 * scalers.quantityFromFloat64 (pkg/scalers/scaler.go) as it reaches a client: resource.MustParse(fmt.Sprintf("%.3f",
 * v)), whose String() keeps the text when ParseQuantity deems it canonical (apimachinery v0.35
 * pkg/api/resource/quantity.go: scale%3 == 0, digits not ending in "000", no leading zero), else the canonical
 * DecimalSI form. The gRPC hop (pkg/metricsservice/external_metrics.go) sends that String() and parses it again,
 * which changes nothing. So 5 is "5", 2.5 is "2.500", 0.25 is "250m", 1234.5 is "1234.500"; NaN, ±Inf and
 * negatives are "0".
 */
export function kedaQuantity(value: number): string {
  if (!Number.isFinite(value) || value < 0) return '0';
  let fixed: string;
  // %.3f rounds the exact binary value half to even; only multiples of 1/16 sit exactly halfway at 3 digits.
  const scaled = value * 1000;
  if (Number.isInteger(value * 16) && !Number.isInteger(scaled) && Number.isInteger(scaled * 2)) {
    const lo = Math.floor(scaled);
    const milli = lo % 2 === 0 ? lo : lo + 1;
    fixed = `${Math.trunc(milli / 1000)}.${String(milli % 1000).padStart(3, '0')}`;
  } else fixed = value.toFixed(3);
  if (/e/.test(fixed)) return fixed; // beyond 1e21: not reached by any sane metric
  const [intPart = '0', frac = '000'] = fixed.split('.');
  const num = intPart.replace(/^0+/, '') || '0';
  const shifted = num + frac;
  if (num.length + frac.length <= 18 && !shifted.endsWith('000') && shifted[0] !== '0') return fixed;
  return formatMilli(Number(shifted));
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** A Go duration string ("3s", "1m30s", "500ms"). */
function parseGoDurationMs(s: string): number | undefined {
  const m = s.match(/^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
  if (!m) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * (unit[part[2] ?? 's'] ?? 0);
  return total;
}

/** The float64 fields of the typed config go through encoding/json (typed_config.go setConfigValueHelper). */
function parseJsonFloat(name: string, value: string): number | string {
  const bad = (why: string) => `unable to set param ${goQuote(name)} value ${goQuote(value)}: unable to unmarshal to field type float64: ${why}`;
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (/^".*"$/.test(value)) return bad('json: cannot unmarshal string into Go value of type float64');
  const first = value.match(/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/)?.[0];
  if (first && first !== '-') return bad(`invalid character ${goRune(value[first.length] ?? '')} after top-level value`);
  return bad(`invalid character ${goRune(value[value[0] === '-' ? 1 : 0] ?? '')} ${value[0] === '-' ? 'in numeric literal' : 'looking for beginning of value'}`);
}

function goRune(ch: string): string {
  return ch === "'" ? "'\\''" : `'${ch}'`;
}

/** Comma-separated key=value pairs (typed_config.go setConfigValueMap). */
function parseKeyValues(name: string, value: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const raw of value.split(',')) {
    const s = raw.trim();
    if (!s) continue;
    const i = s.indexOf('=');
    if (i < 0) return `unable to set param ${goQuote(name)} value ${goQuote(value)}: expected format key=value, got ${goQuote(s)}`;
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return out;
}

// ---- the prometheus scaler ------------------------------------------------------------------------------------

export interface PrometheusMeta {
  serverAddress: string;
  query: string;
  threshold: number;
  activationThreshold: number;
  namespace: string;
  ignoreNullValues: boolean;
  queryParameters: Record<string, string>;
  customHeaders: Record<string, string>;
  timeoutMs?: number;
}

/** parsePrometheusMetadata through TypedConfig: the errors joined (errors.Join) and wrapped twice, as KEDA does. */
export function parsePrometheusMetadata(metadata: Record<string, string>): PrometheusMeta | { error: string } {
  const get = (k: string) => {
    const v = metadata[k];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const errs: string[] = [];
  const required = (k: string) => {
    const v = get(k);
    if (v === undefined) errs.push(`missing required parameter ${goQuote(k)} in [triggerMetadata]`);
    return v ?? '';
  };
  const float = (k: string, optional: boolean): number => {
    const v = get(k);
    if (v === undefined) {
      if (!optional) errs.push(`missing required parameter ${goQuote(k)} in [triggerMetadata]`);
      return 0;
    }
    const r = parseJsonFloat(k, v);
    if (typeof r === 'string') {
      errs.push(r);
      return 0;
    }
    return r;
  };
  const map = (k: string): Record<string, string> => {
    const v = get(k);
    if (v === undefined) return {};
    const r = parseKeyValues(k, v);
    if (typeof r === 'string') {
      errs.push(r);
      return {};
    }
    return r;
  };
  const serverAddress = required('serverAddress');
  const query = required('query');
  const queryParameters = map('queryParameters');
  const threshold = float('threshold', false);
  const activationThreshold = float('activationThreshold', true);
  const namespace = get('namespace') ?? '';
  const customHeaders = map('customHeaders');
  const inv = get('ignoreNullValues') ?? 'true';
  const ignore = parseGoBool(inv);
  if (ignore === undefined) errs.push(`unable to set param "ignoreNullValues" value ${goQuote(inv)}: unable to parse boolean value ${goQuote(inv)}: strconv.ParseBool: parsing ${goQuote(inv)}: invalid syntax`);
  const t = get('timeout');
  let timeoutMs: number | undefined;
  if (t !== undefined) {
    const d = parseGoDurationMs(t);
    if (d !== undefined) timeoutMs = d;
    else if (/^-?\d+$/.test(t)) {
      if (Number(t) < 0) errs.push(`unable to set param "timeout" value ${goQuote(t)}: duration cannot be negative: ${t} milliseconds`);
      else timeoutMs = Number(t);
    } else errs.push(`unable to set param "timeout" value ${goQuote(t)}: unable to parse duration value ${goQuote(t)}: must be either a duration string (e.g. '30s', '5m') or a number of milliseconds`);
  }
  if (errs.length) return { error: `error parsing prometheus metadata: error parsing prometheus metadata: ${errs.join('\n')}` };
  return { serverAddress, query, threshold, activationThreshold, namespace, ignoreNullValues: ignore ?? true, queryParameters, customHeaders, timeoutMs };
}

/** The URL ExecutePromQuery builds (time: UTC RFC3339, seconds). Query parameters in sorted order (Go: map order). */
export function prometheusQueryUrl(m: PrometheusMeta, at = new Date()): string {
  const t = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let url = `${m.serverAddress}/api/v1/query?query=${goQueryEscape(m.query)}&time=${t}`;
  if (m.namespace) url += `&namespace=${m.namespace}`;
  for (const [k, v] of Object.entries(m.queryParameters).sort(([a], [b]) => (a < b ? -1 : 1))) url += `&${goQueryEscape(k)}=${goQueryEscape(v)}`;
  return url;
}

/** Go's url.Parse view of the scheme, for net/http's "unsupported protocol scheme" error. */
function schemeOf(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return m ? (m[1] ?? '').toLowerCase() : '';
}

/** ExecutePromQuery against the real Prometheus: the value, or an error with the Go client's text. */
async function executePromQuery(net: ClusterNetwork, m: PrometheusMeta, fromNs: string, timeoutMs: number): Promise<number> {
  const url = prometheusQueryUrl(m);
  const scheme = schemeOf(url);
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`Get ${goQuote(url)}: unsupported protocol scheme ${goQuote(scheme)}`);
  const d = net.dial(url, fromNs);
  if (!d.ok) throw new Error(`Get ${goQuote(url)}: ${d.error}`);
  // The data path's Prometheus speaks plain HTTP.
  if (scheme === 'https') throw new Error(`Get ${goQuote(url)}: http: server gave HTTP response to HTTPS client`);
  const res = await goHttpGet(url, d, { headers: m.customHeaders, signal: AbortSignal.timeout(timeoutMs) }, goQuote);
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`prometheus query api returned error. status: ${res.status}`);
  let body: { data?: { result?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (err) {
    throw new Error((err as Error).message, { cause: err });
  }
  const result = body.data?.result;
  if (result !== undefined && result !== null && !(Array.isArray(result) && result.every((r) => r && typeof r === 'object' && !Array.isArray(r)))) {
    throw new Error('json: cannot unmarshal array into Go struct field .data.result of type struct { Metric struct {} "json:\\"metric\\""; Value []interface {} "json:\\"value\\"" }');
  }
  const items = arr(result).map(obj);
  if (items.length === 0) {
    if (m.ignoreNullValues) return 0;
    throw new Error("prometheus metrics 'prometheus' target may be lost, the result is empty");
  }
  if (items.length > 1) throw new Error(`prometheus query ${m.query} returned multiple elements`);
  const value = arr(items[0]?.value);
  if (value.length === 0) {
    if (m.ignoreNullValues) return 0;
    throw new Error("prometheus metrics 'prometheus' target may be lost, the value list is empty");
  }
  if (value.length < 2) throw new Error(`prometheus query ${m.query} didn't return enough values`);
  let v = -1;
  const raw = value[1];
  if (raw !== null && raw !== undefined) {
    // promQueryResult's Value is []interface{}: the sample value is a string (a number would panic KEDA's cast).
    const s = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const parsed = /^[+-]?inf(inity)?$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(s) ? NaN : Number(s);
    if (Number.isNaN(parsed) && !/^nan$/i.test(s)) throw new Error(`strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
    v = parsed;
  }
  if (!Number.isFinite(v)) {
    if (m.ignoreNullValues) return 0;
    throw new Error(`prometheus query returns ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
  }
  return v;
}

// ---- state ------------------------------------------------------------------------------------------------------

interface Trigger {
  index: number;
  type: string;
  name: string;
  metricName: string;
  targetType: string;
  meta: PrometheusMeta;
}

interface SoRun {
  uid: string;
  /** generation last reconciled; a newer one (or a deletion) makes the reconciler run */
  generation?: number;
  readyTrue: boolean;
  /** next reconcile (ms), Infinity when none is queued */
  due: number;
  failures: number;
  /** the scale loop: the generation it runs for, the next poll */
  loopGeneration?: number;
  nextPoll: number;
  polling: boolean;
  /** the scalers cache (built per generation, dropped after a scaler error) */
  scalers?: { generation: number; triggers: Trigger[] };
  /** the HPA spec/labels/annotations last written, to notice edits by others */
  hpaSeen?: string;
}

interface KedaState {
  rt: TypeLookup;
  network: ClusterNetwork;
  sos: Map<string, SoRun>;
  /** uid of the operator pod that leads; a new one starts from scratch (a restart) */
  leader?: string;
}

const states = new WeakMap<Store, KedaState>();

function stateOf(store: Store, rt: TypeLookup): KedaState {
  let s = states.get(store);
  if (!s) {
    const created: KedaState = { rt, network: undefined as unknown as ClusterNetwork, sos: new Map() };
    created.network = new ClusterNetwork(store, (g, r) => created.rt(g, r));
    states.set(store, (s = created));
  }
  s.rt = rt;
  return s;
}

interface OperatorPod {
  pod: KubeObject;
  container: Obj;
  namespace: string;
  args: string[];
  watchNamespace: string;
  httpTimeoutMs: number;
}

/** The Ready operator pod (the leader of --leader-elect; the first by name when several are Ready). */
function leaderOperator(store: Store, rt: TypeLookup, list?: KubeObject[]): OperatorPod | undefined {
  const pods = rt('', 'pods');
  if (!pods) return undefined;
  for (const pod of list ?? store.list(pods)) {
    if (!podReady(pod)) continue;
    const c = containers(pod).find(isOperator);
    if (!c) continue;
    const args = [...arr(c.command), ...arr(c.args)].map(String);
    const timeout = Number(envValue(c, 'KEDA_HTTP_DEFAULT_TIMEOUT') ?? '3000');
    return { pod, container: c, namespace: pod.metadata.namespace ?? 'default', args, watchNamespace: envValue(c, 'WATCH_NAMESPACE') ?? '', httpTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 3000 };
  }
  return undefined;
}

function operatorLog(op: OperatorPod, line: string): void {
  podLogs.append(op.namespace, op.pod.metadata.name, str(op.container.name), line);
}

function soType(rt: TypeLookup): ResourceType | undefined {
  return rt(KEDA_GROUP, 'scaledobjects');
}

function soKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

// ---- conditions and status ----------------------------------------------------------------------------------------

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

function conditionsOf(so: KubeObject): Condition[] {
  return arr(obj(so.status).conditions).map(obj) as unknown as Condition[];
}

function initialized(conds: Condition[]): boolean {
  return ['Ready', 'Active', 'Fallback', 'Paused'].every((t) => conds.some((c) => c.type === t));
}

/** Conditions.SetCondition: replaces type/status/reason/message in place, or appends. */
function setCondition(conds: Condition[], type: string, status: Condition['status'], reason?: string, message?: string): void {
  const c: Condition = { type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
  const i = conds.findIndex((x) => x.type === type);
  if (i >= 0) conds[i] = c;
  else conds.push(c);
}

const STATUS_ORDER = ['scaleTargetKind', 'scaleTargetGVKR', 'originalReplicaCount', 'lastActiveTime', 'externalMetricNames', 'resourceMetricNames', 'compositeScalerName', 'conditions', 'health', 'triggersActivity', 'pausedReplicaCount', 'hpaName', 'triggersTypes', 'authenticationsTypes'];

/** ScaledObjectStatus as Go's encoding/json writes it: field order, omitempty. */
function orderedStatus(s: Obj): Obj {
  const out: Obj = {};
  for (const k of STATUS_ORDER) {
    const v = s[k];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) {
      // *string fields keep "" (triggersTypes, authenticationsTypes are pointers)
      if ((k === 'triggersTypes' || k === 'authenticationsTypes') && v === '') out[k] = v;
      continue;
    }
    out[k] = v;
  }
  return out;
}

// ---- the operator -------------------------------------------------------------------------------------------------

class ReconcileError extends Error {
  readonly reason: string;
  constructor(msg: string, err: string) {
    super(`${msg}: ${err}`);
    this.reason = msg;
  }
}

interface Gvkr {
  group: string;
  version: string;
  kind: string;
  resource: string;
}

class KedaOperator {
  readonly ctx: ControllerContext;
  readonly st: KedaState;
  readonly op: OperatorPod;

  constructor(ctx: ControllerContext, st: KedaState, op: OperatorPod) {
    this.ctx = ctx;
    this.st = st;
    this.op = op;
  }

  private get soRt(): ResourceType {
    return soType(this.st.rt) as ResourceType;
  }

  private event(so: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const events = this.st.rt('', 'events');
    if (events) recordEvent(this.ctx.store, events, { rt: this.soRt, object: so }, type, reason, message, { component: COMPONENT });
  }

  private log(level: 'INFO' | 'ERROR', logger: string, msg: string, fields: Record<string, unknown> = {}): void {
    operatorLog(this.op, zap(level, logger, msg, fields));
  }

  private fresh(so: KubeObject): KubeObject | undefined {
    return this.ctx.store.get(this.soRt, so.metadata.namespace, so.metadata.name);
  }

  /** Update of the main resource (metadata/spec; the status subresource is left as it is). */
  private updateMeta(so: KubeObject, fn: (m: KubeObject['metadata']) => void): KubeObject {
    const cur = this.fresh(so) ?? so;
    const meta = structuredClone(cur.metadata);
    fn(meta);
    if (JSON.stringify(meta) === JSON.stringify(cur.metadata)) return cur;
    return this.ctx.store.update(this.soRt, { ...cur, metadata: { ...meta, resourceVersion: undefined } });
  }

  private writeStatus(so: KubeObject, fn: (s: Obj) => void): KubeObject {
    const cur = this.fresh(so) ?? so;
    const status = structuredClone(obj(cur.status));
    fn(status);
    const next = orderedStatus(status);
    if (JSON.stringify(next) === JSON.stringify(cur.status ?? {})) return cur;
    return this.ctx.store.update(this.soRt, { ...cur, status: next, metadata: { ...cur.metadata, resourceVersion: undefined } });
  }

  /** Reconcile (scaledobject_controller.go). Returns false when it failed (requeue with back-off). */
  reconcile(so0: KubeObject, run: SoRun): boolean {
    let so = so0;
    this.log('INFO', '', 'Reconciling ScaledObject', { controller: 'scaledobject', controllerGroup: KEDA_GROUP, controllerKind: 'ScaledObject', ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace }, namespace: so.metadata.namespace, name: so.metadata.name });
    if (so.metadata.deletionTimestamp) {
      this.finalize(so, run);
      return true;
    }
    if (!(so.metadata.finalizers ?? []).includes(FINALIZER)) {
      this.log('INFO', '', 'Adding Finalizer for the ScaledObject', { ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace } });
      so = this.updateMeta(so, (m) => {
        m.finalizers = [...(m.finalizers ?? []), FINALIZER];
      });
    }
    if (!initialized(conditionsOf(so))) {
      so = this.writeStatus(so, (s) => {
        s.conditions = [
          { type: 'Ready', status: 'Unknown' },
          { type: 'Active', status: 'Unknown' },
          { type: 'Fallback', status: 'Unknown' },
          { type: 'Paused', status: 'False' },
        ];
      });
    }
    const conds = structuredClone(conditionsOf(so));
    let ok = true;
    try {
      so = this.reconcileScaledObject(so, run);
      const wasReady = conds.find((c) => c.type === 'Ready');
      if (wasReady?.status !== 'True') this.event(so, 'Normal', 'ScaledObjectReady', MSG.scalerReady);
      setCondition(conds, 'Ready', 'True', 'ScaledObjectReady', MSG.readySuccess);
    } catch (err) {
      ok = false;
      const full = err instanceof Error ? err.message : String(err);
      const reason = err instanceof ReconcileError ? err.reason : 'reconcile failed';
      this.log('ERROR', '', reason, { ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace }, error: full.slice(reason.length + 2) });
      setCondition(conds, 'Ready', 'False', 'ScaledObjectCheckFailed', full);
      setCondition(conds, 'Active', 'Unknown', 'UnknownState', 'ScaledObject check failed');
      this.event(so, 'Warning', 'ScaledObjectCheckFailed', full);
    }
    if (!obj(so.spec).fallback) setCondition(conds, 'Fallback', 'False', 'NoFallbackFound', 'No fallbacks are active on this scaled object');
    // The status writes above changed .status.conditions only where they set them: merge onto the fresh object.
    this.writeStatus(so, (s) => {
      s.conditions = conds;
    });
    return ok;
  }

  private finalize(so: KubeObject, run: SoRun): void {
    if ((so.metadata.finalizers ?? []).includes(FINALIZER)) {
      this.stopLoop(so, run);
      const spec = obj(so.spec);
      const status = obj(so.status);
      if (obj(spec.advanced).restoreToOriginalReplicaCount === true && status.scaleTargetGVKR && typeof status.originalReplicaCount === 'number') {
        const g = obj(status.scaleTargetGVKR);
        const t = this.targetType(str(g.group), str(g.resource));
        const target = t ? this.ctx.store.get(t, so.metadata.namespace, str(obj(spec.scaleTargetRef).name)) : undefined;
        if (t && target) this.setReplicas(t, target, status.originalReplicaCount);
      }
      this.updateMeta(so, (m) => {
        m.finalizers = (m.finalizers ?? []).filter((f) => f !== FINALIZER);
      });
    }
    this.log('INFO', '', 'Successfully finalized ScaledObject', { ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace } });
    this.event(so, 'Warning', 'ScaledObjectDeleted', MSG.removed);
    this.st.sos.delete(soKey(so));
  }

  private targetType(group: string, resource: string): ResourceType | undefined {
    return this.st.rt(group, resource);
  }

  private setReplicas(t: ResourceType, target: KubeObject, replicas: number): void {
    const cur = this.ctx.store.get(t, target.metadata.namespace, target.metadata.name) ?? target;
    if (obj(cur.spec).replicas === replicas) return;
    this.ctx.store.update(t, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, spec: { ...obj(cur.spec), replicas } });
  }

  /** apis/keda/v1alpha1/gvkr.go ParseGVKR with the cluster's RESTMapper (the served types). */
  private parseGvkr(apiVersion: string, kind: string): Gvkr {
    let group = 'apps';
    let version = 'v1';
    if (apiVersion) {
      const parts = apiVersion.split('/');
      if (parts.length === 1) [group, version] = ['', parts[0] ?? ''];
      else if (parts.length === 2) [group = '', version = ''] = parts;
      else throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
    }
    const k = kind || 'Deployment';
    if (k === 'Deployment') return { group, version, kind: k, resource: 'deployments' };
    if (k === 'StatefulSet') return { group, version, kind: k, resource: 'statefulsets' };
    const found = this.ctx.registry.served().find((r) => r.group === group && r.kind === k && r.version === version);
    if (!found) throw new Error(`no matches for kind ${goQuote(k)} in version ${goQuote(group ? `${group}/${version}` : version)}`);
    return { group, version, kind: k, resource: found.resource };
  }

  private reconcileScaledObject(so0: KubeObject, run: SoRun): KubeObject {
    let so = so0;
    const spec = obj(so.spec);
    const ref = obj(spec.scaleTargetRef);
    const targetName = str(ref.name);
    if (!targetName) throw new ReconcileError(MSG.scaleTargetErr, 'ScaledObject.spec.scaleTargetRef.name is missing');

    // ensureScaledObjectLabel
    if ((so.metadata.labels ?? {})[SO_LABEL] !== so.metadata.name) {
      so = this.updateMeta(so, (m) => {
        m.labels = { ...(m.labels ?? {}), [SO_LABEL]: so.metadata.name };
      });
    }

    // checkTargetResourceIsScalable
    let gvkr: Gvkr;
    try {
      gvkr = this.parseGvkr(str(ref.apiVersion), str(ref.kind));
    } catch (err) {
      const e = (err as Error).message;
      this.event(so, 'Warning', 'ScaledObjectUpdateFailed', e);
      throw new ReconcileError(MSG.scaleTargetErr, e);
    }
    const gvkString = `${gvkr.group}/${gvkr.version}.${gvkr.kind}`;
    const tt = this.targetType(gvkr.group, gvkr.resource);
    const target = tt ? this.ctx.store.get(tt, so.metadata.namespace, targetName) : undefined;
    if (!tt || !target) {
      this.event(so, 'Warning', 'ScaledObjectCheckFailed', MSG.scaleTargetNotFound);
      throw new ReconcileError(MSG.scaleTargetErr, `${gvkr.resource}${gvkr.group ? `.${gvkr.group}` : ''} ${goQuote(targetName)} not found`);
    }
    if (!(tt.subresources ?? []).includes('scale')) {
      this.event(so, 'Warning', 'ScaledObjectCheckFailed', MSG.scaleTargetNoSubresource);
      throw new ReconcileError(MSG.scaleTargetErr, 'the server could not find the requested resource');
    }
    const status = obj(so.status);
    if (status.scaleTargetKind !== gvkString || typeof status.originalReplicaCount !== 'number') {
      const replicas = typeof obj(target.spec).replicas === 'number' ? (obj(target.spec).replicas as number) : 1;
      so = this.writeStatus(so, (s) => {
        if (s.scaleTargetKind !== gvkString) {
          s.scaleTargetKind = gvkString;
          s.scaleTargetGVKR = { group: gvkr.group, version: gvkr.version, kind: gvkr.kind, resource: gvkr.resource };
        }
        if (typeof s.originalReplicaCount !== 'number') s.originalReplicaCount = replicas;
      });
      this.log('INFO', '', 'Detected resource targeted for scaling', { ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace }, resource: gvkString, name: targetName });
    }

    // CheckReplicaCountBoundsAreValid
    const min = typeof spec.minReplicaCount === 'number' ? spec.minReplicaCount : undefined;
    const max = typeof spec.maxReplicaCount === 'number' ? spec.maxReplicaCount : 100;
    const hpaMin = min !== undefined && min > 0 ? min : 1;
    const boundsMin = min !== undefined ? hpaMin : 0;
    if (boundsMin > max) throw new ReconcileError("ScaledObject doesn't have correct Idle/Min/Max Replica Counts specification", `MinReplicaCount=${boundsMin} must be less than MaxReplicaCount=${max}`);
    if (typeof spec.idleReplicaCount === 'number' && spec.idleReplicaCount >= boundsMin) {
      throw new ReconcileError("ScaledObject doesn't have correct Idle/Min/Max Replica Counts specification", `IdleReplicaCount=${spec.idleReplicaCount} must be less than MinReplicaCount=${boundsMin}`);
    }

    // ValidateTriggers
    const triggers = arr(spec.triggers).map(obj);
    if (!triggers.length) throw new ReconcileError("ScaledObject doesn't have correct triggers specification", 'no triggers defined in the ScaledObject/ScaledJob');
    const names = new Set<string>();
    for (const t of triggers) {
      const type = str(t.type);
      if (t.useCachedMetrics === true && ['cpu', 'memory', 'cron'].includes(type)) throw new ReconcileError("ScaledObject doesn't have correct triggers specification", `property "useCachedMetrics" is not supported for ${goQuote(type)} scaler`);
      const n = str(t.name);
      if (n) {
        if (names.has(n)) throw new ReconcileError("ScaledObject doesn't have correct triggers specification", `triggerName ${goQuote(n)} is defined multiple times in the ScaledObject/ScaledJob, but it must be unique`);
        names.add(n);
      }
    }
    const types = [...new Set(triggers.map((t) => str(t.type)))].join(',');
    const auths = [...new Set(triggers.map((t) => str(obj(t.authenticationRef).name)).filter(Boolean))].join(',');
    so = this.writeStatus(so, (s) => {
      s.triggersTypes = types;
      s.authenticationsTypes = auths;
    });

    // ensureHPAForScaledObjectExists
    let built: Trigger[];
    try {
      built = this.scalers(so, run);
    } catch (err) {
      throw new ReconcileError('failed to ensure HPA is correctly created for ScaledObject', (err as Error).message);
    }
    const metricNames = built.map((t) => t.metricName);
    const dup = metricNames.find((n, i) => metricNames.indexOf(n) !== i);
    if (dup) throw new ReconcileError('failed to ensure HPA is correctly created for ScaledObject', `metricName ${dup} defined multiple times in ScaledObject ${so.metadata.name}`);
    so = this.writeStatus(so, (s) => {
      s.externalMetricNames = metricNames;
      const health = obj(s.health);
      s.health = Object.fromEntries(Object.entries(health).filter(([k]) => metricNames.includes(k)));
    });
    const desired = this.newHpa(so, gvkr, built, hpaMin, max);
    const hpaRt = this.ctx.rt('autoscaling', 'horizontalpodautoscalers');
    const hpaName = desired.metadata.name;
    const statusName = str(obj(so.status).hpaName);
    const lookupName = statusName || hpaName;
    const found = this.ctx.store.get(hpaRt, so.metadata.namespace, lookupName);
    let created = false;
    if (!found || found.metadata.name !== hpaName) {
      if (found) {
        this.log('INFO', '', 'Deleting existing HPA', { 'HPA.Namespace': so.metadata.namespace, 'HPA.Name': found.metadata.name });
        this.ctx.store.delete(hpaRt, found.metadata.namespace, found.metadata.name);
      }
      this.log('INFO', '', 'Creating a new HPA', { 'HPA.Namespace': so.metadata.namespace, 'HPA.Name': hpaName });
      try {
        this.ctx.store.create(hpaRt, desired);
      } catch (err) {
        throw new ReconcileError('failed to ensure HPA is correctly created for ScaledObject', (err as Error).message);
      }
      created = true;
    } else {
      const fs = obj(found.spec);
      const ds = obj(desired.spec);
      const specDiffers =
        arr(ds.metrics).length !== arr(fs.metrics).length ||
        JSON.stringify(ds.behavior ?? null) !== JSON.stringify(fs.behavior ?? null) ||
        !derivative(ds, fs);
      const labelsDiffer = !derivative(desired.metadata.labels ?? {}, found.metadata.labels ?? {});
      const annsDiffer = (!desired.metadata.annotations && found.metadata.annotations) || !derivative(desired.metadata.annotations ?? {}, found.metadata.annotations ?? {});
      if (specDiffers || labelsDiffer || annsDiffer) {
        this.ctx.store.update(hpaRt, { ...found, metadata: { ...found.metadata, labels: desired.metadata.labels, annotations: desired.metadata.annotations, resourceVersion: undefined }, spec: desired.spec });
        this.log('INFO', '', 'Updated HPA according to ScaledObject', { 'HPA.Namespace': found.metadata.namespace, 'HPA.Name': found.metadata.name });
      }
    }
    const now = this.ctx.store.get(hpaRt, so.metadata.namespace, hpaName);
    run.hpaSeen = now ? hpaFingerprint(now) : undefined;
    if (str(obj(so.status).hpaName) !== hpaName) {
      so = this.writeStatus(so, (s) => {
        s.hpaName = hpaName;
      });
    }
    const generation = so.metadata.generation ?? 1;
    if (created || run.loopGeneration !== generation) {
      this.startLoop(so, run, generation);
      this.log('INFO', '', 'Initializing Scaling logic according to ScaledObject Specification', { ScaledObject: { name: so.metadata.name, namespace: so.metadata.namespace } });
    }
    return so;
  }

  /** GetScalersCache: the triggers' scalers, built once per generation ("Scaler X is built" events). */
  scalers(so: KubeObject, run: SoRun): Trigger[] {
    const generation = so.metadata.generation ?? 1;
    if (run.scalers && run.scalers.generation === generation) return run.scalers.triggers;
    const out: Trigger[] = [];
    for (const [i, t] of arr(obj(so.spec).triggers).map(obj).entries()) {
      const type = str(t.type);
      let err: string | undefined;
      let meta: PrometheusMeta | undefined;
      if (type !== 'prometheus') err = KNOWN_TRIGGERS.has(type) ? `the ${type} scaler is not simulated (test/sim/charts/keda-software.ts simulates prometheus only)` : `no scaler found for type: ${type}`;
      else {
        const metadata = Object.fromEntries(Object.entries(obj(t.metadata)).map(([k, v]) => [k, str(v)]));
        const p = parsePrometheusMetadata(metadata);
        if ('error' in p) err = p.error;
        else meta = p;
      }
      const metricType = str(t.metricType);
      if (!err && metricType === 'Utilization') err = "error getting scaler metric type: 'Utilization' metric type is unsupported for external metrics, allowed values are 'Value' or 'AverageValue'";
      if (err || !meta) {
        this.event(so, 'Warning', 'KEDAScalerFailed', err ?? 'scaler failed');
        this.log('ERROR', 'scale_handler', 'error resolving auth params', { type: 'ScaledObject', namespace: so.metadata.namespace, name: so.metadata.name, triggerIndex: i, error: err });
        throw new Error(err);
      }
      this.event(so, 'Normal', 'KEDAScalersStarted', MSG.scalerIsBuilt(type));
      out.push({ index: i, type, name: str(t.name), metricName: `s${i}-prometheus`, targetType: metricType || 'AverageValue', meta });
    }
    run.scalers = { generation, triggers: out };
    return out;
  }

  /** newHPAForScaledObject (hpa.go). */
  private newHpa(so: KubeObject, gvkr: Gvkr, triggers: Trigger[], min: number, max: number): KubeObject {
    const spec = obj(so.spec);
    const hpaCfg = obj(obj(spec.advanced).horizontalPodAutoscalerConfig);
    const name = str(hpaCfg.name) || `keda-hpa-${so.metadata.name}`;
    let labelName = name;
    if (labelName.length > 63) labelName = labelName.slice(0, 63).replace(/[^\p{L}\p{N}]+$/u, '');
    const excluded = new Set(str((so.metadata.annotations ?? {})[EXCLUDED_LABELS]).split(','));
    const labels: Record<string, string> = { 'app.kubernetes.io/name': labelName, 'app.kubernetes.io/version': VERSION, 'app.kubernetes.io/part-of': so.metadata.name, 'app.kubernetes.io/managed-by': 'keda-operator' };
    for (const [k, v] of Object.entries(so.metadata.labels ?? {})) if (!excluded.has(k)) labels[k] = v;
    const metrics = triggers.map((t) => {
      const q = kedaQuantity(t.meta.threshold);
      const target: Obj = t.targetType === 'AverageValue' ? { type: 'AverageValue', averageValue: q } : { type: t.targetType, value: q };
      return { type: 'External', external: { metric: { name: t.metricName, selector: { matchLabels: { [SO_LABEL]: so.metadata.name } } }, target } };
    });
    const hpaSpec: Obj = {
      scaleTargetRef: { kind: gvkr.kind, name: str(obj(spec.scaleTargetRef).name), apiVersion: gvkr.group ? `${gvkr.group}/${gvkr.version}` : gvkr.version },
      minReplicas: min,
      maxReplicas: max,
      metrics,
    };
    if (hpaCfg.behavior) hpaSpec.behavior = structuredClone(hpaCfg.behavior);
    const metadata: KubeObject['metadata'] = {
      name,
      namespace: so.metadata.namespace,
      labels: sortedMap(labels),
      ...(so.metadata.annotations && Object.keys(so.metadata.annotations).length ? { annotations: sortedMap(so.metadata.annotations) } : {}),
      ownerReferences: [{ apiVersion: `${KEDA_GROUP}/v1alpha1`, kind: 'ScaledObject', name: so.metadata.name, uid: so.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    };
    return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: hpaSpec };
  }

  private startLoop(so: KubeObject, run: SoRun, generation: number): void {
    if (run.loopGeneration === undefined) this.event(so, 'Normal', 'KEDAScalersStarted', MSG.scalerStart);
    run.loopGeneration = generation;
    run.nextPoll = Date.now(); // startScaleLoop checks at once, then every pollingInterval
  }

  private stopLoop(so: KubeObject, run: SoRun): void {
    if (run.loopGeneration !== undefined) this.event(so, 'Normal', 'KEDAScalersStopped', 'Stopped scalers watch');
    run.loopGeneration = undefined;
    run.scalers = undefined;
  }

  /** One query of one trigger's scaler. */
  async metricOf(t: Trigger): Promise<{ value: number; active: boolean } | { error: string }> {
    try {
      const value = await executePromQuery(this.st.network, t.meta, this.op.namespace, t.meta.timeoutMs && t.meta.timeoutMs > 0 ? t.meta.timeoutMs : this.op.httpTimeoutMs);
      return { value, active: value > t.meta.activationThreshold };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** checkScalers + RequestScale + handleResult, for one poll of the scale loop. */
  async poll(so0: KubeObject, run: SoRun): Promise<void> {
    const so = this.fresh(so0);
    if (!so || so.metadata.deletionTimestamp) return;
    let triggers: Trigger[];
    let isError = false;
    let isActive = false;
    const activeTriggers: string[] = [];
    try {
      triggers = this.scalers(so, run);
    } catch (err) {
      // checkScalers: "error getting state of scaledObject", no RequestScale
      this.log('ERROR', 'scale_handler', 'error getting state of scaledObject', { 'scaledObject.Namespace': so.metadata.namespace, 'scaledObject.Name': so.metadata.name, error: `error getting scalers cache ${(err as Error).message}` });
      return;
    }
    for (const t of triggers) {
      const r = await this.metricOf(t);
      if ('error' in r) {
        isError = true;
        this.log('ERROR', 'prometheus_scaler', 'error executing prometheus query', { type: 'ScaledObject', namespace: so.metadata.namespace, name: so.metadata.name, error: r.error });
        this.log('ERROR', 'scale_handler', 'error getting scale decision', { scaledObject: { name: so.metadata.name, namespace: so.metadata.namespace }, scaler: 'prometheusScaler', error: r.error });
        this.event(so, 'Warning', 'KEDAScalerFailed', r.error);
      } else if (r.active) {
        isActive = true;
        activeTriggers.push(t.metricName);
      }
    }
    // getScaledObjectState: a scaler error clears the cache (rebuilt, with its events, on the next use).
    if (isError) run.scalers = undefined;
    const cur = this.fresh(so);
    if (!cur || cur.metadata.deletionTimestamp) return;
    this.requestScale(cur, isActive, isError, activeTriggers);
  }

  /** RequestScale (executor/scale_scaledobjects.go) and handleResult (scale_handler.go). */
  private requestScale(so: KubeObject, isActive: boolean, isError: boolean, activeTriggers: string[]): void {
    const spec = obj(so.spec);
    const status = obj(so.status);
    const result: Condition[] = [];
    let lastActive: string | undefined;
    setCondition(result, 'Ready', 'True', 'ScaledObjectReady', MSG.readySuccess);
    const metricNames = arr(status.externalMetricNames).map(String);
    const activity = Object.fromEntries(metricNames.map((n) => [n, { isActive: activeTriggers.includes(n) }]));
    const gvkr = obj(status.scaleTargetGVKR);
    const tt = this.targetType(str(gvkr.group) || 'apps', str(gvkr.resource) || 'deployments');
    const targetName = str(obj(spec.scaleTargetRef).name);
    const target = tt ? this.ctx.store.get(tt, so.metadata.namespace, targetName) : undefined;
    const kindString = str(status.scaleTargetKind);
    const apply = () => {
      this.writeStatus(so, (s) => {
        const conds = arr(s.conditions).map(obj) as unknown as Condition[];
        for (const c of result) setCondition(conds, c.type, c.status, c.reason, c.message);
        s.conditions = conds;
        if (lastActive) s.lastActiveTime = lastActive;
        s.triggersActivity = Object.fromEntries(Object.entries({ ...obj(s.triggersActivity), ...activity }).filter(([k]) => metricNames.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
      });
    };
    if (!tt || !target) {
      const group = str(gvkr.group, 'apps');
      const err = `${str(gvkr.resource) || 'deployments'}${group ? `.${group}` : ''} ${goQuote(targetName)} not found`;
      setCondition(result, 'Ready', 'False', 'ErrorGettingCurrentReplicas', `Error getting current replicas count for ScaleTarget: ${err}`);
      apply();
      return;
    }
    const current = typeof obj(target.spec).replicas === 'number' ? (obj(target.spec).replicas as number) : 1;
    const min = typeof spec.minReplicaCount === 'number' ? spec.minReplicaCount : 0;
    const idle = typeof spec.idleReplicaCount === 'number' ? spec.idleReplicaCount : undefined;
    const ref = `${kindString} ${so.metadata.namespace ?? ''}/${targetName}`;
    if (isActive) {
      setCondition(result, 'Active', 'True', 'ScalerActive', 'Scaling is performed because triggers are active');
      if ((idle !== undefined && current < min) || current === 0) {
        const replicas = min > 0 ? min : 1;
        this.setReplicas(tt, target, replicas);
        this.log('INFO', 'scaleexecutor', 'Successfully updated ScaleTarget', { scaledobject: { name: so.metadata.name }, 'Original Replicas Count': current, 'New Replicas Count': replicas });
        this.event(so, 'Normal', 'KEDAScaleTargetActivated', `Scaled ${ref} from ${current} to ${replicas}, triggered by ${activeTriggers.join(';')}`);
        lastActive = nowTimestamp();
      } else if (isError) {
        setCondition(result, 'Ready', 'Unknown', 'PartialTriggerError', 'Some triggers defined in ScaledObject are not working correctly');
      } else lastActive = nowTimestamp();
    } else {
      setCondition(result, 'Active', 'False', 'ScalerNotActive', 'Scaling is not performed because triggers are not active');
      const fallback = obj(spec.fallback);
      if (isError && spec.fallback && Number(fallback.replicas ?? 0) !== 0) {
        // waits for the fallback (not simulated)
      } else if (isError && !spec.fallback) {
        setCondition(result, 'Ready', 'False', 'TriggerError', 'Triggers defined in ScaledObject are not working correctly');
      } else if ((idle !== undefined && current > idle) || (current > 0 && min === 0)) {
        const cooldown = (typeof spec.cooldownPeriod === 'number' ? spec.cooldownPeriod : 300) * 1000;
        const initial = (typeof spec.initialCooldownPeriod === 'number' ? spec.initialCooldownPeriod : 0) * 1000;
        const last = typeof status.lastActiveTime === 'string' ? Date.parse(status.lastActiveTime) : undefined;
        const created = Date.parse(so.metadata.creationTimestamp ?? '') || 0;
        const now = Date.now();
        if ((last === undefined && created + initial < now) || (last !== undefined && last + cooldown < now)) {
          const to = idle ?? (typeof spec.minReplicaCount === 'number' ? spec.minReplicaCount : 0);
          this.setReplicas(tt, target, to);
          this.log('INFO', 'scaleexecutor', `Successfully set ScaleTarget replicas count to ScaledObject ${idle !== undefined ? 'idleReplicaCount' : 'minReplicaCount'}`, { 'Original Replicas Count': current, 'New Replicas Count': to });
          this.event(so, 'Normal', 'KEDAScaleTargetDeactivated', `Deactivated ${ref} from ${current} to ${to}`);
        } else setCondition(result, 'Active', 'False', 'ScalerCooldown', 'Scaler cooling down because triggers are not active');
      } else if (idle === undefined && current < min) {
        this.setReplicas(tt, target, min);
      }
    }
    // checkHPAHealth: HPAActive mirrors the HPA's ScalingActive once the HPA reports one.
    const hpaName = str(status.hpaName);
    const hpaRt = this.st.rt('autoscaling', 'horizontalpodautoscalers');
    const hpa = hpaName && hpaRt ? this.ctx.store.get(hpaRt, so.metadata.namespace, hpaName) : undefined;
    const sa = arr(obj(hpa?.status).conditions).map(obj).find((c) => c.type === 'ScalingActive');
    if (sa) {
      if (sa.status === 'True') setCondition(result, 'HPAActive', 'True', 'HPAActive', 'HPA is actively scaling');
      else if (sa.reason === 'ScalingDisabled') setCondition(result, 'HPAActive', 'True', 'ScalingDisabled', str(sa.message));
      else setCondition(result, 'HPAActive', 'False', str(sa.reason) || 'HPAMetricsUnavailable', `HPA is not actively scaling: ${str(sa.message)}`);
    }
    apply();
  }

  /** GetScaledObjectMetrics (scale_handler.go), as the gRPC metrics service answers the metrics API server. */
  async scaledObjectMetrics(namespace: string, name: string, metricName: string): Promise<{ items: Array<{ metricName: string; value: number }> } | { error: string }> {
    const soRt = soType(this.st.rt);
    const so = soRt ? this.ctx.store.get(soRt, namespace, name) : undefined;
    if (!so) return { error: `error getting scalers scaledobjects.${KEDA_GROUP} ${goQuote(name)} not found` };
    const key = soKey(so);
    let run = this.st.sos.get(key);
    if (!run || run.uid !== so.metadata.uid) {
      run = newRun(so);
      this.st.sos.set(key, run);
    }
    let triggers: Trigger[];
    try {
      triggers = this.scalers(so, run);
    } catch (err) {
      return { error: `error getting scalers ${(err as Error).message}` };
    }
    const items: Array<{ metricName: string; value: number }> = [];
    let scalerError = false;
    for (const t of triggers) {
      if (t.metricName !== metricName) continue;
      const r = await this.metricOf(t);
      if ('error' in r) {
        scalerError = true;
        this.log('ERROR', 'scale_handler', 'error getting metric for trigger', { scaledObject: { name, namespace }, trigger: 'prometheusScaler', error: r.error });
      } else items.push({ metricName, value: r.value });
    }
    if (scalerError) {
      run.scalers = undefined;
      return { error: `metric:${metricName} encountered error` };
    }
    if (!items.length) return { error: `no matching metrics found for ${metricName}` };
    return { items };
  }
}

/** equality.Semantic.DeepDerivative: every field set in `a` equals the one in `b` (unset ones are ignored). */
function derivative(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => derivative(x, b[i]));
  if (typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    return Object.entries(a as Obj).every(([k, v]) => derivative(v, (b as Obj)[k]));
  }
  if (a === '' || a === 0 || a === false) return true;
  return a === b;
}

function hpaFingerprint(h: KubeObject): string {
  return JSON.stringify([h.spec, h.metadata.labels ?? {}, h.metadata.annotations ?? {}]);
}

function newRun(so: KubeObject): SoRun {
  return { uid: so.metadata.uid ?? '', readyTrue: false, due: 0, failures: 0, nextPoll: Infinity, polling: false };
}

/** controller-runtime's default per-item rate limiter: 5 ms doubling to 1000 s. */
function backoffMs(failures: number): number {
  return Math.min(5 * 2 ** Math.max(0, failures - 1), 1_000_000);
}

function pollingIntervalMs(so: KubeObject): number {
  const p = obj(so.spec).pollingInterval;
  return (typeof p === 'number' && p > 0 ? p : 30) * 1000;
}

function readyTrue(so: KubeObject): boolean {
  return conditionsOf(so).some((c) => c.type === 'Ready' && c.status === 'True');
}

function watched(op: OperatorPod, so: KubeObject): boolean {
  if (!op.watchNamespace) return true;
  return op.watchNamespace.split(',').map((s) => s.trim()).includes(so.metadata.namespace ?? '');
}

const operatorController: Controller = {
  name: 'keda-operator',
  onEvent(ev: StoreEvent, ctx) {
    const st = states.get(ctx.store);
    if (!st) return;
    if (ev.rt.group === KEDA_GROUP && ev.rt.resource === 'scaledobjects') {
      const key = soKey(ev.object);
      if (ev.type === 'DELETED') {
        st.sos.delete(key);
        return;
      }
      const run = st.sos.get(key);
      if (!run || run.uid !== ev.object.metadata.uid) return; // the next tick picks it up
      // The reconciler's predicates: a new generation, a deletion, Ready turning True.
      const generationChanged = run.generation !== (ev.object.metadata.generation ?? 1);
      const nowReady = readyTrue(ev.object);
      if (generationChanged || ev.object.metadata.deletionTimestamp || (nowReady && !run.readyTrue)) run.due = Math.min(run.due, Date.now());
      run.readyTrue = nowReady;
      return;
    }
    if (ev.rt.group === 'autoscaling' && ev.rt.resource === 'horizontalpodautoscalers') {
      const owner = (ev.object.metadata.ownerReferences ?? []).find((o) => o.controller && o.kind === 'ScaledObject');
      if (!owner) return;
      const key = `${ev.object.metadata.namespace ?? ''}/${owner.name}`;
      const run = st.sos.get(key);
      if (!run || run.uid !== owner.uid) return;
      if (ev.type === 'DELETED' || hpaFingerprint(ev.object) !== run.hpaSeen) run.due = Math.min(run.due, Date.now());
    }
  },
  tick(now, ctx) {
    const rt: TypeLookup = (g, r) => ctx.registry.served().find((x) => x.group === g && x.resource === r);
    // Without KEDA's CRDs there is no KEDA (the real operator exits without them): nothing to do, nothing listed.
    const soRt = soType(rt);
    if (!soRt) return;
    const st = stateOf(ctx.store, rt);
    const pods = ctx.store.list(ctx.rt('', 'pods'));
    ensureCerts(ctx, rt, pods);
    const op = leaderOperator(ctx.store, rt, pods);
    if (!op) {
      st.leader = undefined;
      return;
    }
    if (st.leader !== op.pod.metadata.uid) {
      // A new operator process: nothing is remembered (scale loops, caches, generations).
      st.leader = op.pod.metadata.uid;
      st.sos.clear();
    }
    const o = new KedaOperator(ctx, st, op);
    const seen = new Set<string>();
    for (const so of ctx.store.list(soRt)) {
      if (!watched(op, so)) continue;
      const key = soKey(so);
      seen.add(key);
      let run = st.sos.get(key);
      if (!run || run.uid !== so.metadata.uid) {
        run = newRun(so);
        st.sos.set(key, run);
      }
      if (now >= run.due) {
        run.due = Infinity;
        run.generation = so.metadata.generation ?? 1;
        run.readyTrue = readyTrue(so);
        const ok = o.reconcile(so, run);
        if (!st.sos.has(key)) continue; // finalized
        if (ok) run.failures = 0;
        else {
          run.failures++;
          run.due = now + backoffMs(run.failures);
        }
        const after = ctx.store.get(soRt, so.metadata.namespace, so.metadata.name);
        if (after) run.readyTrue = readyTrue(after);
      }
      if (run.loopGeneration !== undefined && !run.polling && now >= run.nextPoll) {
        run.polling = true;
        const r = run;
        void o
          .poll(so, r)
          .catch((err: unknown) => ctx.log(`keda-operator: scale loop ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`))
          .finally(() => {
            r.polling = false;
            r.nextPoll = Date.now() + pollingIntervalMs(so);
          });
      }
    }
    for (const k of [...st.sos.keys()]) if (!seen.has(k)) st.sos.delete(k);
  },
};

// ---- certificates -------------------------------------------------------------------------------------------------

const PLACEHOLDER_PEM = (what: string) => `-----BEGIN ${what}-----\nU0lNVUxBVEVEIChrZWRhLXNvZnR3YXJlLnRzKQ==\n-----END ${what}-----\n`;

/**
 * certificate_manager.go ensureSecret + cert-controller's rotator: a running operator with --enable-cert-rotation
 * makes Secret --cert-secret-name (ca.crt, ca.key, tls.crt, tls.key) in its namespace, which the metrics API server
 * and the webhooks mount (their pods stay ContainerCreating until it exists), and patches the caBundle of the
 * APIService and the ValidatingWebhookConfiguration (per --enable-apiservice-patching / --enable-webhook-patching).
 */
function ensureCerts(ctx: ControllerContext, rt: TypeLookup, pods: KubeObject[]): void {
  const secrets = rt('', 'secrets');
  if (!secrets) return;
  for (const pod of pods) {
    const c = containers(pod).find(isOperator);
    if (!c || obj(pod.status).phase !== 'Running') continue;
    const started = arr(obj(pod.status).containerStatuses).map(obj).some((s) => s.name === c.name && obj(s.state).running);
    if (!started) continue;
    const args = [...arr(c.command), ...arr(c.args)].map(String);
    if ((flagValue(args, 'enable-cert-rotation') ?? 'false') !== 'true') continue;
    const ns = pod.metadata.namespace ?? 'default';
    const name = flagValue(args, 'cert-secret-name') ?? 'kedaorg-certs';
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const ca = PLACEHOLDER_PEM('CERTIFICATE');
    if (!ctx.store.get(secrets, ns, name)) {
      ctx.store.create(secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns, labels: { app: 'keda-operator', 'app.kubernetes.io/component': 'keda-operator', 'app.kubernetes.io/name': 'keda-operator', 'app.kubernetes.io/part-of': 'keda' } },
        type: 'Opaque',
        data: { 'ca.crt': b64(ca), 'ca.key': b64(PLACEHOLDER_PEM('RSA PRIVATE KEY')), 'tls.crt': b64(ca), 'tls.key': b64(PLACEHOLDER_PEM('RSA PRIVATE KEY')) },
      });
      podLogs.append(ns, pod.metadata.name, str(c.name), zap('INFO', 'setup', `created the secret ${name} to store cert-controller certificates`));
    }
    const bundle = b64(ca);
    const apisvcs = rt('apiregistration.k8s.io', 'apiservices');
    if (apisvcs && (flagValue(args, 'enable-apiservice-patching') ?? 'true') === 'true') {
      const a = ctx.store.get(apisvcs, undefined, APISERVICE);
      if (a && obj(a.spec).caBundle !== bundle && obj(obj(a.spec).service).namespace === ns) {
        ctx.store.update(apisvcs, { ...a, metadata: { ...a.metadata, resourceVersion: undefined }, spec: { ...obj(a.spec), caBundle: bundle } });
      }
    }
    const vwcs = rt('admissionregistration.k8s.io', 'validatingwebhookconfigurations');
    if (vwcs && (flagValue(args, 'enable-webhook-patching') ?? 'true') === 'true') {
      const w = ctx.store.get(vwcs, undefined, flagValue(args, 'validating-webhook-name') ?? 'keda-admission');
      const hooks = arr(w?.webhooks).map(obj);
      if (w && hooks.some((h) => obj(h.clientConfig).caBundle !== bundle)) {
        ctx.store.update(vwcs, { ...w, metadata: { ...w.metadata, resourceVersion: undefined }, webhooks: hooks.map((h) => ({ ...h, clientConfig: { ...obj(h.clientConfig), caBundle: bundle } })) });
      }
    }
  }
}

// ---- pod behaviours -----------------------------------------------------------------------------------------------

function kubeVersion(ctx: BehaviourContext): string {
  const nodes = ctx.store.list(ctx.rt('', 'nodes'));
  return str(obj(obj(nodes[0]?.status).nodeInfo).kubeletVersion, 'v1.36.1');
}

/** PrintWelcome (pkg/util/welcome.go; Git Commit and Go Version lines left out: not known for the image). */
function welcome(run: ContainerRun, ctx: BehaviourContext, logger: string, component: string): void {
  const t = run.startedAt;
  const v = kubeVersion(ctx);
  const minor = Number(/^v?\d+\.(\d+)/.exec(v)?.[1] ?? '0');
  ctx.log(zap('INFO', logger, `Starting ${component}`, {}, t + 50), t + 50);
  ctx.log(zap('INFO', logger, `KEDA Version: ${VERSION}`, {}, t + 50), t + 50);
  ctx.log(zap('INFO', logger, 'Go OS/Arch: linux/amd64', {}, t + 50), t + 50);
  ctx.log(zap('INFO', logger, `Running on Kubernetes ${v.replace(/^v/, '').split('.').slice(0, 2).join('.')}`, { version: v }, t + 50), t + 50);
  if (minor < 33 || minor > 35) {
    ctx.log(zap('INFO', logger, `WARNING: KEDA ${VERSION} hasn't been tested on Kubernetes ${v}`, {}, t + 50), t + 50);
    ctx.log(zap('INFO', logger, 'You can check recommended versions on https://keda.sh', {}, t + 50), t + 50);
  }
}

const READY_AFTER_MS = 800;

const operatorBehaviour: PodBehaviour = {
  name: 'keda-operator',
  matches: (_pod, c) => isOperator(c),
  onStart(run, ctx) {
    welcome(run, ctx, 'setup', 'manager');
  },
  probe(run, ctx) {
    return { ready: ctx.now - run.startedAt >= READY_AFTER_MS };
  },
};

const metricsServerBehaviour: PodBehaviour = {
  name: 'keda-metrics-apiserver',
  matches: (_pod, c) => isMetricsServer(c),
  onStart(run, ctx) {
    const args = [...arr(run.container.command), ...arr(run.container.args)].map(String);
    const port = flagValue(args, 'secure-port') ?? '6443';
    welcome(run, ctx, 'keda_metrics_adapter', 'metrics server');
    ctx.log(zap('INFO', 'keda_metrics_adapter', 'Connecting Metrics Service gRPC client to the server', { address: flagValue(args, 'metrics-service-address') ?? '' }, run.startedAt + 60), run.startedAt + 60);
    ctx.log(klog('I', 'secure_serving.go:211', `Serving securely on [::]:${port}`, run.startedAt + 300), run.startedAt + 300);
  },
  probe(run, ctx) {
    return { ready: ctx.now - run.startedAt >= READY_AFTER_MS };
  },
};

const webhooksBehaviour: PodBehaviour = {
  name: 'keda-admission-webhooks',
  matches: (_pod, c) => WEBHOOKS_IMAGE.test(str(c.image)),
  onStart(run, ctx) {
    welcome(run, ctx, 'setup', 'admission webhooks');
  },
  probe(run, ctx) {
    return { ready: ctx.now - run.startedAt >= READY_AFTER_MS };
  },
};

// ---- external.metrics.k8s.io/v1beta1 --------------------------------------------------------------------------------

function status(code: number, message: string, reason?: string): AggregatedReply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason } : {}), ...(reason ? { details: {} } : {}), code } };
}

/** A ready KEDA metrics API server pod behind the APIService's Service (what kube-aggregator proxies to). */
function metricsServerPod(ctx: AggregatedContext): { pod: KubeObject; container: Obj } | undefined {
  const apisvcs = ctx.rt('apiregistration.k8s.io', 'apiservices');
  const svcs = ctx.rt('', 'services');
  const pods = ctx.rt('', 'pods');
  const a = apisvcs ? ctx.store.get(apisvcs, undefined, APISERVICE) : undefined;
  const ref = obj(obj(a?.spec).service);
  const ns = str(ref.namespace, 'default');
  const svc = svcs ? ctx.store.get(svcs, ns, str(ref.name)) : undefined;
  if (!svc || !pods) return undefined;
  for (const pod of ctx.store.list(pods, ns)) {
    if (!serviceSelects(svc, pod) || !podReady(pod)) continue;
    const c = containers(pod).find(isMetricsServer);
    if (c) return { pod, container: c };
  }
  return undefined;
}

/** labels.ConvertSelectorToLabelsMap of the request's labelSelector. */
function selectorLabels(sel: string | null): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (!sel) return out;
  for (const part of sel.split(',')) {
    const l = part.split('=');
    if (l.length !== 2) return `invalid selector: [${l.join(' ')}]`;
    out[(l[0] ?? '').trim()] = (l[1] ?? '').trim();
  }
  return out;
}

/** A fake ControllerContext for the operator code the metrics service runs (only store, registry-free lookups). */
function aggregatedOperator(ctx: AggregatedContext): KedaOperator | undefined {
  const st = stateOf(ctx.store, ctx.rt);
  const op = leaderOperator(ctx.store, ctx.rt);
  if (!op || st.leader !== op.pod.metadata.uid) return undefined;
  const cctx = {
    store: ctx.store,
    registry: { served: () => [] },
    rt: (g: string, r: string) => {
      const t = ctx.rt(g, r);
      if (!t) throw new Error(`type ${g}/${r} is not served`);
      return t;
    },
    log: () => undefined,
  } as unknown as ControllerContext;
  return new KedaOperator(cctx, st, op);
}

/** Whether the metrics server's --metrics-service-address reaches a ready operator pod (the gRPC hop). */
function operatorReachable(ctx: AggregatedContext, msContainer: Obj, fromNs: string, op: KedaOperator | undefined): boolean {
  if (!op) return false;
  const args = [...arr(msContainer.command), ...arr(msContainer.args)].map(String);
  const addr = flagValue(args, 'metrics-service-address') ?? 'keda-operator.keda.svc.cluster.local:9666';
  const host = addr.replace(/:\d+$/, '');
  const st = stateOf(ctx.store, ctx.rt);
  const svc = st.network.lookupServiceHost(host, fromNs);
  return Boolean(svc && serviceSelects(svc, op.op.pod));
}

async function externalMetricsHandle(r: AggregatedRequest, ctx: AggregatedContext): Promise<AggregatedReply> {
  if (r.method !== 'GET') return status(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed');
  const backend = metricsServerPod(ctx);
  // kube-aggregator without a reachable endpoint
  if (!backend) return { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', details: { causes: [{ reason: 'UnexpectedServerResponse', message: 'service unavailable', field: '' }] }, code: 503 } };
  const segs = r.segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const gv = `${EXTERNAL_GROUP}/${EXTERNAL_VERSION}`;
  if (segs.length === 0) {
    return { status: 200, body: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: [{ name: 'externalmetrics', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }] } };
  }
  if (segs.length !== 3 || segs[0] !== 'namespaces') return status(404, 'the server could not find the requested resource', 'NotFound');
  const [, namespace = '', metric = ''] = segs;
  const msNs = backend.pod.metadata.namespace ?? 'default';
  const args = [...arr(backend.container.command), ...arr(backend.container.args)].map(String);
  const v = Number(flagValue(args, 'v') ?? '0');
  const selector = r.url.searchParams.get('labelSelector');
  const labels = selectorLabels(selector);
  const msLog = (line: string) => podLogs.append(msNs, backend.pod.metadata.name, str(backend.container.name), line);
  if (v >= 1) msLog(zap('INFO', 'keda_metrics_adapter.provider', 'KEDA Metrics Server received request for external metrics', { namespace, 'metric name': metric, metricSelector: selector ?? '' }));
  if (typeof labels === 'string') return status(500, labels);
  const soName = labels[SO_LABEL] ?? '';
  if (!soName) {
    msLog(zap('ERROR', 'keda_metrics_adapter.provider', `please specify scaledObject name, it needs to be set as value of label selector ${goQuote(SO_LABEL)} on the query`, { error: 'scaledObject name is not specified' }));
    return status(500, 'scaledObject name is not specified');
  }
  const op = aggregatedOperator(ctx);
  if (!operatorReachable(ctx, backend.container, msNs, op) || !op) {
    msLog(zap('ERROR', 'keda_metrics_adapter.provider', 'timeout', { server: flagValue(args, 'metrics-service-address') ?? '', error: 'timeout while waiting to establish gRPC connection to KEDA Metrics Service server' }));
    return status(500, 'timeout while waiting to establish gRPC connection to KEDA Metrics Service server');
  }
  const res = await op.scaledObjectMetrics(namespace, soName, metric);
  if ('error' in res) return status(500, `rpc error: code = Unknown desc = error when getting metric values ${res.error}`);
  // metav1.Now() through the proto Time (seconds): the timestamp has no fraction.
  const timestamp = nowTimestamp();
  return {
    status: 200,
    body: { kind: 'ExternalMetricValueList', apiVersion: gv, metadata: {}, items: res.items.map((i) => ({ metricName: i.metricName, metricLabels: null, timestamp, value: kedaQuantity(i.value) })) },
  };
}

const externalMetricsApi: AggregatedApi = { group: EXTERNAL_GROUP, version: EXTERNAL_VERSION, handle: externalMetricsHandle };

export const kedaSoftware: SimulatedSoftware = {
  behaviours: [operatorBehaviour, metricsServerBehaviour, webhooksBehaviour],
  controllers: [operatorController],
  apis: [externalMetricsApi],
};

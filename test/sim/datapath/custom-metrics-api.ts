// The aggregated custom metrics API (custom.metrics.k8s.io) as kube-aggregator serves it: only while the
// APIService (v1beta1.custom.metrics.k8s.io) exists; "service unavailable" while it is not Available; else the
// request reaches an adapter behind the APIService's Service (the emulated prometheus-adapter, adapter.ts),
// which answers like custom-metrics-apiserver (discovery APIResourceList, MetricValueList, NotFound Status).
import type { KubeObject, Store } from '../lib/store.ts';
import { Adapter, InternalError, NotFoundError, parseRequirements, type AdapterRuntime, type MetricValue } from './adapter.ts';
import { arr, klogLine, obj, podReady, serviceSelects, str, type TypeLookup } from './kube.ts';

export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';

export interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code } };
}

const notFoundPath = (): Reply => status(404, 'NotFound', 'the server could not find the requested resource', {});
const SERVICE_UNAVAILABLE: Reply = { status: 503, body: 'service unavailable\n', contentType: 'text/plain; charset=utf-8' };

/** Thrown to the HPA controller with the text client-go would give it. */
export class MetricsClientError extends Error {}

export class CustomMetricsApi {
  private readonly store: Store;
  private readonly rt: TypeLookup;
  private readonly adapters: AdapterRuntime;

  constructor(store: Store, rt: TypeLookup, adapters: AdapterRuntime) {
    this.store = store;
    this.rt = rt;
    this.adapters = adapters;
  }

  private apiService(version: string): KubeObject | undefined {
    const t = this.rt('apiregistration.k8s.io', 'apiservices');
    return t ? this.store.get(t, undefined, `${version}.${CUSTOM_METRICS_GROUP}`) : undefined;
  }

  /** Versions registered through APIServices (what /apis lists for the group). */
  versions(): string[] {
    const t = this.rt('apiregistration.k8s.io', 'apiservices');
    if (!t) return [];
    return this.store
      .list(t)
      .filter((a) => str(obj(a.spec).group) === CUSTOM_METRICS_GROUP)
      .map((a) => str(obj(a.spec).version))
      .filter(Boolean);
  }

  private available(apisvc: KubeObject): boolean {
    return arr(obj(apisvc.status).conditions)
      .map(obj)
      .some((c) => c.type === 'Available' && c.status === 'True');
  }

  /** The adapter answering for an APIService: a ready, emulated adapter pod behind its Service. */
  private backend(apisvc: KubeObject): { adapter: Adapter; ns: string; pod: string } | undefined {
    const ref = obj(obj(apisvc.spec).service);
    const ns = str(ref.namespace, 'default');
    const svcType = this.rt('', 'services');
    const podType = this.rt('', 'pods');
    const svc = svcType ? this.store.get(svcType, ns, str(ref.name)) : undefined;
    if (!svc || !podType) return undefined;
    for (const pod of this.store.list(podType, ns)) {
      if (!serviceSelects(svc, pod) || !podReady(pod)) continue;
      const adapter = this.adapters.adapter(ns, pod.metadata.name);
      if (adapter) return { adapter, ns, pod: pod.metadata.name };
    }
    return undefined;
  }

  /** Handles /apis/custom.metrics.k8s.io[/...]; undefined for other paths. */
  async handle(pathname: string, query: URLSearchParams, userAgent = ''): Promise<Reply | undefined> {
    const prefix = `/apis/${CUSTOM_METRICS_GROUP}`;
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return undefined;
    const segs = pathname.slice(prefix.length).split('/').filter(Boolean);
    const versions = this.versions();
    if (segs.length === 0) {
      if (!versions.length) return notFoundPath();
      const vs = versions.map((v) => ({ groupVersion: `${CUSTOM_METRICS_GROUP}/${v}`, version: v }));
      return { status: 200, body: { kind: 'APIGroup', apiVersion: 'v1', name: CUSTOM_METRICS_GROUP, versions: vs, preferredVersion: vs[0] } };
    }
    const [version = '', ...rest] = segs;
    const apisvc = this.apiService(version);
    if (!apisvc) return notFoundPath();
    if (!this.available(apisvc)) return SERVICE_UNAVAILABLE;
    const be = this.backend(apisvc);
    if (!be) return SERVICE_UNAVAILABLE;
    const started = Date.now();
    const reply = await this.serve(be.adapter, version, rest, query);
    if (be.adapter.args.verbosity >= 3) {
      const uri = `${pathname.replace(/\*/g, '%2A')}${query.toString() ? `?${query.toString()}` : ''}`;
      this.adapters.podLog(be.ns, be.pod, klogLine('I', 'httplog.go:134', `"HTTP" verb="GET" URI=${JSON.stringify(uri)} latency=${JSON.stringify(`${Date.now() - started}ms`)} userAgent=${JSON.stringify(userAgent)} srcIP="172.18.0.2:0" resp=${reply.status}`));
    }
    return reply;
  }

  private async serve(adapter: Adapter, version: string, segs: string[], query: URLSearchParams): Promise<Reply> {
    const groupVersion = `${CUSTOM_METRICS_GROUP}/${version}`;
    if (segs.length === 0) {
      const resources = adapter.listAllMetrics().map((m) => ({ name: `${m.groupResource}/${m.metric}`, singularName: '', namespaced: m.namespaced, kind: 'MetricValueList', verbs: ['get'] }));
      return { status: 200, body: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources } };
    }
    let namespace = '';
    let resource: string;
    let name: string;
    let metric: string;
    if (segs[0] === 'namespaces' && segs.length === 4 && segs[2] === 'metrics') {
      // /namespaces/NS/metrics/M: a metric describing the namespace itself.
      resource = 'namespaces';
      name = segs[1] ?? '';
      metric = segs[3] ?? '';
    } else if (segs[0] === 'namespaces' && segs.length === 5) {
      [, namespace = '', resource = '', name = '', metric = ''] = segs;
    } else if (segs.length === 3) {
      [resource = '', name = '', metric = ''] = segs;
    } else return notFoundPath();
    const groupResource = adapter.normalizeResource(resource) ?? resource;
    const metricSelector = parseRequirements(query.get('metricLabelSelector'));
    try {
      let items: MetricValue[];
      if (name === '*') items = await adapter.getMetricBySelector(groupResource, namespace, query.get('labelSelector'), metric, metricSelector);
      else items = [await adapter.getMetricByName(groupResource, namespace, name, metric, metricSelector)];
      return { status: 200, body: { kind: 'MetricValueList', apiVersion: groupVersion, metadata: {}, items } };
    } catch (err) {
      if (err instanceof NotFoundError) return status(404, 'NotFound', err.message, {});
      if (err instanceof InternalError) return status(500, 'InternalError', `Internal error occurred: ${err.message}`, { causes: [{ message: err.message }] });
      throw err;
    }
  }

  /**
   * What the HPA controller's custom metrics client (client-go custom_metrics) gets for
   * GetForObjects(Pod, selector, metric): the items, or an error with client-go's text.
   */
  async podsMetric(namespace: string, selector: string, metric: string, metricSelector?: string): Promise<MetricValue[]> {
    const versions = this.versions();
    if (!versions.length) throw new MetricsClientError('no known available metric versions found');
    const version = versions.includes('v1beta2') ? 'v1beta2' : (versions[0] ?? 'v1beta1');
    const q = new URLSearchParams();
    if (selector) q.set('labelSelector', selector);
    if (metricSelector) q.set('metricLabelSelector', metricSelector);
    const reply = await this.handle(`/apis/${CUSTOM_METRICS_GROUP}/${version}/namespaces/${namespace}/pods/*/${metric}`, q, 'kube-controller-manager/v1.36.1 (linux/amd64) kubernetes/c1e2f8a/system:serviceaccount:kube-system:horizontal-pod-autoscaler');
    if (!reply) throw new MetricsClientError('the server could not find the requested resource');
    if (reply.status === 200) return arr(obj(reply.body).items) as MetricValue[];
    const b = obj(reply.body);
    if (reply.status === 503) throw new MetricsClientError('the server is currently unable to handle the request (get pods.custom.metrics.k8s.io *)');
    if (b.kind === 'Status' && typeof b.message === 'string') {
      // A NotFound Status for a specific resource is reported by client-go with its own message.
      if (reply.status === 404 && b.message === 'the server could not find the requested resource') throw new MetricsClientError('the server could not find the requested resource (get pods.custom.metrics.k8s.io *)');
      throw new MetricsClientError(b.message);
    }
    throw new MetricsClientError(`an error on the server ("${str(reply.body)}") has prevented the request from succeeding (get pods.custom.metrics.k8s.io *)`);
  }
}

// custom.metrics.k8s.io as the emulated prometheus-adapter (adapter.ts) serves it through kube-aggregator:
// registered with the API server's aggregator (lib/aggregator.ts), which routes a request here only while the
// APIService VERSION.custom.metrics.k8s.io exists and is Available. The request then reaches an adapter pod
// behind the APIService's Service and is answered like custom-metrics-apiserver does (discovery
// APIResourceList, MetricValueList in v1beta1 or v1beta2 shape, NotFound/InternalError Status).
// The HPA controller uses the same path in-process, with the errors client-go would give it.
import type { AggregatedApi } from '../lib/aggregator.ts';
import type { KubeObject, Store } from '../lib/store.ts';
import { Adapter, InternalError, NotFoundError, parseRequirements, type AdapterRuntime, type MetricValue } from './adapter.ts';
import { arr, klogLine, obj, podReady, serviceSelects, str, type TypeLookup } from './kube.ts';

export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
/** The versions custom-metrics-apiserver serves (the chart registers an APIService for v1beta1 only). */
export const CUSTOM_METRICS_VERSIONS = ['v1beta2', 'v1beta1'];

export interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code } };
}

const notFoundPath = (): Reply => status(404, 'NotFound', 'the server could not find the requested resource', {});
/** kube-aggregator's answer when no endpoint of the APIService's Service answers. */
const unavailable = (): Reply => status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', { causes: [{ reason: 'UnexpectedServerResponse', message: 'service unavailable', field: '' }] });

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

  /** The aggregated APIs to register with lib/aggregator.ts. */
  aggregatedApis(): AggregatedApi[] {
    return CUSTOM_METRICS_VERSIONS.map((version) => ({
      group: CUSTOM_METRICS_GROUP,
      version,
      handle: (r) => {
        if (r.method !== 'GET') return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
        // kubectl sends `*` as %2A; the aggregator passes the raw path segments.
        const segs = r.segments.map((x) => {
          try {
            return decodeURIComponent(x);
          } catch {
            return x;
          }
        });
        return this.serve(version, segs, r.url.searchParams, r.req.headers['user-agent'] ?? '');
      },
    }));
  }

  private apiService(version: string): KubeObject | undefined {
    const t = this.rt('apiregistration.k8s.io', 'apiservices');
    return t ? this.store.get(t, undefined, `${version}.${CUSTOM_METRICS_GROUP}`) : undefined;
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

  /** A request below /apis/custom.metrics.k8s.io/VERSION that the aggregator let through. */
  async serve(version: string, segs: string[], query: URLSearchParams, userAgent: string): Promise<Reply> {
    const apisvc = this.apiService(version);
    const be = apisvc ? this.backend(apisvc) : undefined;
    if (!be) return unavailable();
    const started = Date.now();
    const reply = await this.answer(be.adapter, version, segs, query);
    if (be.adapter.args.verbosity >= 3) {
      const uri = `/apis/${CUSTOM_METRICS_GROUP}/${version}${segs.length ? `/${segs.map((s) => (s === '*' ? '%2A' : s)).join('/')}` : ''}${query.toString() ? `?${query.toString()}` : ''}`;
      this.adapters.podLog(be.ns, be.pod, klogLine('I', 'httplog.go:134', `"HTTP" verb="GET" URI=${JSON.stringify(uri)} latency=${JSON.stringify(`${Date.now() - started}ms`)} userAgent=${JSON.stringify(userAgent)} srcIP="172.18.0.2:0" resp=${reply.status}`));
    }
    return reply;
  }

  private async answer(adapter: Adapter, version: string, segs: string[], query: URLSearchParams): Promise<Reply> {
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
      const shaped =
        version === 'v1beta1'
          ? items
          : items.map(({ metricName, selector, ...rest }) => ({ describedObject: rest.describedObject, metric: { name: metricName, ...(selector ? { selector } : {}) }, timestamp: rest.timestamp, value: rest.value }));
      return { status: 200, body: { kind: 'MetricValueList', apiVersion: groupVersion, metadata: {}, items: shaped } };
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
    // The client discovers which versions of the group the server has (v1beta2 preferred).
    const version = CUSTOM_METRICS_VERSIONS.find((v) => this.apiService(v));
    const apisvc = version ? this.apiService(version) : undefined;
    if (!version || !apisvc) throw new MetricsClientError('no known available metric versions found');
    const resourceDesc = '(get pods.custom.metrics.k8s.io *)';
    if (!this.available(apisvc)) throw new MetricsClientError(`the server is currently unable to handle the request ${resourceDesc}`);
    const q = new URLSearchParams();
    if (selector) q.set('labelSelector', selector);
    if (metricSelector) q.set('metricLabelSelector', metricSelector);
    const reply = await this.serve(version, ['namespaces', namespace, 'pods', '*', metric], q, 'kube-controller-manager/v1.36.1 (linux/amd64) kubernetes/c1e2f8a/system:serviceaccount:kube-system:horizontal-pod-autoscaler');
    if (reply.status === 200) {
      const items = arr(obj(reply.body).items).map(obj);
      // v1beta2 items name the metric in .metric.name; the client converts them to the same values.
      return items.map((i) => ({ describedObject: obj(i.describedObject), metricName: str(i.metricName) || str(obj(i.metric).name), timestamp: str(i.timestamp), value: str(i.value), selector: null }) as MetricValue);
    }
    const b = obj(reply.body);
    const message = str(b.message);
    if (reply.status === 503) throw new MetricsClientError(`the server is currently unable to handle the request ${resourceDesc}`);
    if (reply.status === 404 && message === 'the server could not find the requested resource') throw new MetricsClientError(`the server could not find the requested resource ${resourceDesc}`);
    throw new MetricsClientError(message || `an error on the server ("${JSON.stringify(reply.body)}") has prevented the request from succeeding ${resourceDesc}`);
  }
}

// The HPA controller's external metrics client (k8s.io/metrics/pkg/client/external_metrics client.go, as
// pkg/controller/podautoscaler/metrics/client.go externalMetricsClient.GetExternalMetric uses it): GET
// /apis/external.metrics.k8s.io/v1beta1/namespaces/NS/METRIC?labelSelector=SEL through kube-aggregator, i.e. the
// API registered with lib/aggregator.ts for that group (KEDA's metrics API server, charts/keda-software.ts), only
// while the APIService v1beta1.external.metrics.k8s.io is Available. The values come back as MilliValue()s.
//
// Errors carry client-go's text: with no APIService the path is unknown to kube-apiserver (`the server could not
// find the requested resource (get METRIC.external.metrics.k8s.io)`), an unavailable one is kube-aggregator's 503
// (`the server is currently unable to handle the request (get METRIC.external.metrics.k8s.io)`), a Status from the
// server gives its message, an empty list `no metrics returned from external metrics API`.
import type { IncomingMessage } from 'node:http';
import { aggregatedApi } from '../lib/aggregator.ts';
import type { Store } from '../lib/store.ts';
import { MetricsClientError } from './custom-metrics-api.ts';
import { arr, obj, str, type TypeLookup } from './kube.ts';
import { parseQuantityMilli } from './quantity.ts';

export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
const VERSION = 'v1beta1';
const USER_AGENT = 'kube-controller-manager/v1.36.1 (linux/amd64) kubernetes/c1e2f8a/system:serviceaccount:kube-system:horizontal-pod-autoscaler';

export class ExternalMetricsClient {
  private readonly store: Store;
  private readonly rt: TypeLookup;

  constructor(store: Store, rt: TypeLookup) {
    this.store = store;
    this.rt = rt;
  }

  /** GetExternalMetric: the milli-values of the items (and the first item's timestamp), or a MetricsClientError. */
  async getExternalMetric(metricName: string, namespace: string, selector: string): Promise<{ values: number[]; timestamp: string }> {
    const desc = `(get ${metricName}.${EXTERNAL_METRICS_GROUP})`;
    const t = this.rt('apiregistration.k8s.io', 'apiservices');
    const apisvc = t ? this.store.get(t, undefined, `${VERSION}.${EXTERNAL_METRICS_GROUP}`) : undefined;
    if (!apisvc || !obj(obj(apisvc.spec).service).name) throw new MetricsClientError(`the server could not find the requested resource ${desc}`);
    const available = arr(obj(apisvc.status).conditions)
      .map(obj)
      .some((c) => c.type === 'Available' && c.status === 'True');
    const api = aggregatedApi(EXTERNAL_METRICS_GROUP, VERSION);
    if (!available || !api) throw new MetricsClientError(`the server is currently unable to handle the request ${desc}`);
    const url = new URL(`http://apiserver/apis/${EXTERNAL_METRICS_GROUP}/${VERSION}/namespaces/${namespace}/${metricName}`);
    if (selector) url.searchParams.set('labelSelector', selector);
    const req = { method: 'GET', headers: { 'user-agent': USER_AGENT } } as unknown as IncomingMessage;
    const reply = await api.handle({ method: 'GET', segments: ['namespaces', namespace, metricName], url, req }, { store: this.store, rt: this.rt });
    if (reply.status === 200) {
      const items = arr(obj(reply.body).items).map(obj);
      if (!items.length) throw new MetricsClientError('no metrics returned from external metrics API');
      return { values: items.map((i) => parseQuantityMilli(i.value) ?? 0), timestamp: str(items[0]?.timestamp) };
    }
    if (reply.status === 503) throw new MetricsClientError(`the server is currently unable to handle the request ${desc}`);
    const message = str(obj(reply.body).message);
    if (reply.status === 404 && (!message || message === 'the server could not find the requested resource')) throw new MetricsClientError(`the server could not find the requested resource ${desc}`);
    throw new MetricsClientError(message || `an error on the server ("unknown") has prevented the request from succeeding ${desc}`);
  }
}

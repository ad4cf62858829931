// The kube-aggregator of the simulated API server: requests under /apis/GROUP/VERSION of a service-backed
// APIService (e.g. v1beta1.metrics.k8s.io → kube-system/metrics-server) go to the API registered here for that
// group/version, but only while the APIService is Available=True; otherwise they get 503 ServiceUnavailable
// ("the server is currently unable to handle the request"), like on a real cluster.
//
// Seam: a simulated aggregated API server registers itself with registerAggregatedApi() (metrics-server's
// metrics.k8s.io is in charts/metrics-server.ts; the data path registers custom.metrics.k8s.io). The
// APIService object, its Service and the pods' readiness decide availability, not the registration.
import type { IncomingMessage } from 'node:http';
import type { ResourceType } from './resources.ts';
import type { Store } from './store.ts';

export interface AggregatedRequest {
  method: string;
  /** path segments after /apis/GROUP/VERSION (empty for the discovery document) */
  segments: string[];
  url: URL;
  req: IncomingMessage;
}

export interface AggregatedContext {
  store: Store;
  /** a served type, or undefined */
  rt: (group: string, resource: string) => ResourceType | undefined;
}

export interface AggregatedReply {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface AggregatedApi {
  group: string;
  version: string;
  /** Answers GET /apis/GROUP/VERSION (an APIResourceList) and every path below it. */
  handle: (r: AggregatedRequest, ctx: AggregatedContext) => AggregatedReply | Promise<AggregatedReply>;
}

const apis = new Map<string, AggregatedApi>();

export function registerAggregatedApi(api: AggregatedApi): void {
  apis.set(`${api.group}/${api.version}`, api);
}

export function aggregatedApi(group: string, version: string): AggregatedApi | undefined {
  return apis.get(`${group}/${version}`);
}

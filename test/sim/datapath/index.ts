// The simulated cluster's data path, registered from apiserver.ts with one call:
//
//   registerDataPath({ store, registry, controllers, api, hostPorts, stateDir, log })
//
// - container runtimes (runtime.ts) for the sample app (real app/server.ts processes), Prometheus (the real
//   prometheus binary with an operator-style configuration) and prometheus-adapter (emulated in-process);
// - kube-proxy: NodePorts of the node's published host ports forward to ready backends, round-robin;
// - the API server's services/pods proxy, the aggregated custom.metrics.k8s.io API and /apis listing of
//   aggregated groups;
// - the HPA controller (autoscaling/v2, Pods metrics).
// With HPA_LAB_SIM_DATAPATH_STANDALONE=1 it also brings minimal workload controllers and pod logs (tests of the
// data path alone).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControllerManager } from '../lib/controllers.ts';
import type { HostPorts } from '../lib/hostports.ts';
import type { ResourceRegistry } from '../lib/resources.ts';
import type { KubeApi } from '../lib/restapi.ts';
import { allRuntimes, registerRuntime } from '../lib/runtime.ts';
import type { Store } from '../lib/store.ts';
import { adapterRuntime, registryNormalizer } from './adapter.ts';
import { CUSTOM_METRICS_GROUP, CustomMetricsApi, type Reply } from './custom-metrics-api.ts';
import { HpaController } from './hpa.ts';
import { obj, str, type TypeLookup } from './kube.ts';
import { ClusterNetwork } from './network.ts';
import { prometheusRuntime } from './prometheus.ts';
import { sampleAppRuntime } from './sample-app.ts';
import { standaloneDriver, standaloneEnabled, type PodLogs } from './standalone.ts';

export interface DataPathOptions {
  store: Store;
  registry: ResourceRegistry;
  controllers: ControllerManager;
  api: KubeApi;
  hostPorts: HostPorts;
  /** the node's state directory (Prometheus data lives below it in standalone mode) */
  stateDir: string;
  log: (msg: string) => void;
}

export interface DataPath {
  network: ClusterNetwork;
  customMetrics: CustomMetricsApi;
  hpa: HpaController;
}

const WATCHED = new Set(['/pods', '/services', '/endpoints', '/namespaces', 'monitoring.coreos.com/servicemonitors', 'monitoring.coreos.com/prometheuses', 'discovery.k8s.io/endpointslices']);

export function registerDataPath(o: DataPathOptions): DataPath {
  const rt: TypeLookup = (group, resource) => o.registry.served().find((r) => r.group === group && r.resource === resource);
  const network = new ClusterNetwork(o.store, rt, o.hostPorts);
  const prometheus = prometheusRuntime(o.store, rt, network, o.log);
  const adapters = adapterRuntime(o.store, rt, registryNormalizer(o.registry), network, o.log);
  const mine = [sampleAppRuntime(), prometheus, adapters];
  for (const r of mine) if (!allRuntimes().some((x) => x.name === r.name)) registerRuntime(r);
  const customMetrics = new CustomMetricsApi(o.store, rt, adapters);
  const hpa = new HpaController(o.store, rt, customMetrics, o.log);

  let promDirty = true;
  let lastPromSync = 0;
  o.controllers.register({
    name: 'datapath',
    onEvent(ev) {
      if (ev.rt.group === '' && ev.rt.resource === 'services') network.syncNodePorts();
      if (WATCHED.has(`${ev.rt.group}/${ev.rt.resource}`)) promDirty = true;
    },
    tick(now) {
      // Backends appear without store events (a restarted process gets a new port): resync now and then too.
      if (promDirty || now - lastPromSync > 2000) {
        promDirty = false;
        lastPromSync = now;
        prometheus.sync();
      }
    },
  });
  network.syncNodePorts();

  let logs: PodLogs | undefined;
  if (standaloneEnabled()) {
    const s = standaloneDriver(o.store, rt, o.stateDir, o.log);
    o.controllers.register(s.controller);
    logs = s.logs;
  }
  hpa.start();

  const inner = o.api.handle;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const started = Date.now();
    const answered = (r: Reply | undefined): boolean => {
      if (!r) return false;
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, { 'Content-Type': r.contentType ?? 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    };
    const logged = () => res.on('finish', () => o.log(`${req.method} ${url.pathname}${url.search} ${res.statusCode} ${Date.now() - started}ms`));
    if (req.method === 'GET' && url.pathname === '/apis' && hasAggregated(o.store, rt)) {
      logged();
      answered(apisWithAggregated(o.registry, o.store, rt));
      return;
    }
    if (url.pathname === `/apis/${CUSTOM_METRICS_GROUP}` || url.pathname.startsWith(`/apis/${CUSTOM_METRICS_GROUP}/`)) {
      logged();
      if (req.method !== 'GET') {
        answered({ status: 405, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405 } });
        return;
      }
      customMetrics.handle(url.pathname, url.searchParams, req.headers['user-agent'] ?? '').then(answered, (err: unknown) => {
        o.log(`custom metrics API: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        answered({ status: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${String(err)}`, reason: 'InternalError', code: 500 } });
      });
      return;
    }
    if (/^\/api\/v1\/namespaces\/[^/]+\/(services|pods)\/[^/]+\/proxy(\/|$)/.test(url.pathname)) {
      logged();
      network.serveProxy(req, res, url);
      return;
    }
    const logMatch = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (logs && logMatch && req.method === 'GET') {
      logged();
      const [, ns = '', pod = ''] = logMatch;
      const podType = rt('', 'pods');
      if (!podType || !o.store.get(podType, ns, pod)) {
        answered({ status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${pod}" not found`, reason: 'NotFound', details: { name: pod, kind: 'pods' }, code: 404 } });
        return;
      }
      let lines = logs.get(ns, pod);
      const tail = Number(url.searchParams.get('tailLines') ?? '-1');
      if (tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
      answered({ status: 200, body: lines.map((l) => `${l}\n`).join(''), contentType: 'text/plain' });
      return;
    }
    inner(req, res);
  };
  // KubeApi.handle is the node's request listener; the data path's routes go in front of it.
  Object.defineProperty(o.api, 'handle', { value: handle });
  o.log(`data path: runtimes ${mine.map((r) => r.name).join(', ')}; HPA sync every ${process.env.HPA_LAB_SIM_HPA_SYNC_SECONDS ?? '15'}s`);
  return { network, customMetrics, hpa };
}

/**
 * /apis with the groups of service-backed APIServices (aggregated APIs such as custom.metrics.k8s.io and
 * metrics.k8s.io) added after the built-in ones, as kube-aggregator lists every registered APIService's group.
 */
function apisWithAggregated(registry: ResourceRegistry, store: Store, rt: TypeLookup): Reply {
  const groups = registry
    .groupVersions()
    .filter((g) => g.group !== '')
    .map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      return { name: g.group, versions, preferredVersion: versions[0] };
    });
  const t = rt('apiregistration.k8s.io', 'apiservices');
  const aggregated = new Map<string, Array<{ version: string; priority: number }>>();
  for (const a of t ? store.list(t) : []) {
    const spec = obj(a.spec);
    if (!obj(spec.service).name || !str(spec.group)) continue;
    const list = aggregated.get(str(spec.group)) ?? [];
    list.push({ version: str(spec.version), priority: typeof spec.versionPriority === 'number' ? spec.versionPriority : 0 });
    aggregated.set(str(spec.group), list);
  }
  for (const [group, list] of aggregated) {
    if (groups.some((g) => g.name === group)) continue;
    const versions = list.sort((a, b) => b.priority - a.priority).map((v) => ({ groupVersion: `${group}/${v.version}`, version: v.version }));
    groups.push({ name: group, versions, preferredVersion: versions[0] });
  }
  return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups } };
}

function hasAggregated(store: Store, rt: TypeLookup): boolean {
  const t = rt('apiregistration.k8s.io', 'apiservices');
  return Boolean(t && store.list(t).some((a) => obj(obj(a.spec).service).name));
}

// The simulated cluster's data path, registered from apiserver.ts with one call:
//
//   registerDataPath({ store, registry, controllers, api, hostPorts, log })
//
// - container runtimes (lib/runtime.ts; the kubelet runs the pods they claim) for the sample app (real
//   app/server.ts processes), the in-cluster load's Job pod (a real app/load.ts process, its Service URL through
//   a kube-proxy stand-in: load-job.ts), Prometheus (the real prometheus binary with an operator-style configuration) and
//   prometheus-adapter (emulated in-process);
// - kube-proxy: NodePorts of the node's published host ports forward to ready backends, round-robin;
// - the API server's services/pods `proxy` subresources;
// - custom.metrics.k8s.io, registered with the API server's aggregator (lib/aggregator.ts);
// - the HPA controller (autoscaling/v2, Pods and External metrics).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registerAggregatedApi } from '../lib/aggregator.ts';
import type { ControllerManager } from '../lib/controllers.ts';
import type { HostPorts } from '../lib/hostports.ts';
import type { ResourceRegistry } from '../lib/resources.ts';
import type { KubeApi } from '../lib/restapi.ts';
import { allRuntimes, registerRuntime } from '../lib/runtime.ts';
import type { Store } from '../lib/store.ts';
import { adapterRuntime, registryNormalizer } from './adapter.ts';
import { CustomMetricsApi } from './custom-metrics-api.ts';
import { hpaSyncSeconds, HpaController } from './hpa.ts';
import type { TypeLookup } from './kube.ts';
import { ClusterNetwork } from './network.ts';
import { prometheusRuntime } from './prometheus.ts';
import { sampleAppRuntime } from './sample-app.ts';
import { loadJobRuntime } from './load-job.ts';

export interface DataPathOptions {
  store: Store;
  registry: ResourceRegistry;
  controllers: ControllerManager;
  api: KubeApi;
  hostPorts: HostPorts;
  log: (msg: string) => void;
  /** kube-controller-manager's static pod command (its --horizontal-pod-autoscaler-sync-period) */
  controllerManagerCommand?: string[];
}

export interface DataPath {
  network: ClusterNetwork;
  customMetrics: CustomMetricsApi;
  hpa: HpaController;
}

/** Changes of these types can change Prometheus' scrape jobs or targets. */
const WATCHED = new Set(['/pods', '/services', '/namespaces', 'monitoring.coreos.com/servicemonitors', 'monitoring.coreos.com/prometheuses']);

export function registerDataPath(o: DataPathOptions): DataPath {
  const rt: TypeLookup = (group, resource) => o.registry.served().find((r) => r.group === group && r.resource === resource);
  const network = new ClusterNetwork(o.store, rt, o.hostPorts);
  const prometheus = prometheusRuntime(o.store, rt, network, o.log);
  const adapters = adapterRuntime(o.store, rt, registryNormalizer(o.registry), network, o.log);
  const mine = [loadJobRuntime(network), sampleAppRuntime(), prometheus, adapters];
  for (const r of mine) if (!allRuntimes().some((x) => x.name === r.name)) registerRuntime(r);
  const customMetrics = new CustomMetricsApi(o.store, rt, adapters);
  for (const a of customMetrics.aggregatedApis()) registerAggregatedApi(a);
  const syncSeconds = hpaSyncSeconds(o.controllerManagerCommand);
  const hpa = new HpaController(o.store, rt, customMetrics, o.log, syncSeconds);

  let promDirty = true;
  let lastPromSync = 0;
  o.controllers.register({
    name: 'datapath',
    onEvent(ev) {
      if (ev.rt.group === '' && ev.rt.resource === 'services') network.syncNodePorts();
      if (ev.type === 'ADDED' && ev.rt.group === 'autoscaling' && ev.rt.resource === 'horizontalpodautoscalers') hpa.kick();
      if (WATCHED.has(`${ev.rt.group}/${ev.rt.resource}`)) promDirty = true;
    },
    tick(now) {
      // Backends also change without store events (a restarted process listens on a new port): resync now and then.
      if (promDirty || now - lastPromSync > 2000) {
        promDirty = false;
        lastPromSync = now;
        prometheus.sync();
      }
    },
  });
  network.syncNodePorts();
  hpa.start();

  // The proxy subresources go in front of the API server's own routes.
  const inner = o.api.handle;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://apiserver');
    if (/^\/api\/v1\/namespaces\/[^/]+\/(services|pods)\/[^/]+\/proxy(\/|$)/.test(url.pathname)) {
      const started = Date.now();
      res.on('finish', () => o.log(`${req.method} ${url.pathname}${url.search} ${res.statusCode} ${Date.now() - started}ms`));
      network.serveProxy(req, res, url);
      return;
    }
    inner(req, res);
  };
  Object.defineProperty(o.api, 'handle', { value: handle });
  o.log(`data path: runtimes ${mine.map((r) => r.name).join(', ')}; custom.metrics.k8s.io; HPA sync every ${syncSeconds}s`);
  return { network, customMetrics, hpa };
}

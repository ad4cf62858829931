// The simulated node of a kind cluster: binds the node's host ports (docker-proxy) and serves a loopback
// Kubernetes API (plain HTTP, in-memory store). Started detached by the stand-in `kind create cluster`:
//
//   node apiserver.ts --name N --state-dir DIR --port-mappings JSON [--nodes JSON] [--api-address 127.0.0.1]
//                     [--api-port 0] [--kubernetes-version v1.36.1] [--serve-api true|false]
//
// --nodes is [{name, role, labels}] (the config's node labels become Node labels, as kubeadm sets them).
// It reports its ports in DIR/nodes/N/ready.json, logs to stdout (kind points it at DIR/nodes/N/apiserver.log),
// and exits on SIGTERM, when DIR/clusters/N.json disappears (the cluster was deleted, or a test's temp dir was
// removed without cleanup) or when the process named by HPA_LAB_SIM_OWNER_PID (the test runner) is gone.
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { simulatedSoftware } from './charts/index.ts';
import { writeJsonAtomic, type HostPortRecord, type NodeReport, type SimNode } from './lib/clusters.ts';
import { apiServiceController, bootstrapController, ControllerManager, crdController, garbageCollector, namespaceController } from './lib/controllers.ts';
import { statePaths } from './lib/env.ts';
import { apiSlowSeconds, processFaults } from './lib/faults.ts';
import { HostPorts } from './lib/hostports.ts';
import { isAlive } from './lib/procs.ts';
import { ResourceRegistry } from './lib/resources.ts';
import { KubeApi } from './lib/restapi.ts';
import { endpointsController } from './lib/endpoints.ts';
import { createKubelet } from './lib/kubelet.ts';
import { registerDataPath } from './datapath/index.ts';
import { createSeeder } from './lib/seed.ts';
import { Store } from './lib/store.ts';
import { workloadController } from './lib/workloads.ts';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    'state-dir': { type: 'string' },
    'port-mappings': { type: 'string', default: '[]' },
    nodes: { type: 'string' },
    'api-address': { type: 'string', default: '127.0.0.1' },
    'api-port': { type: 'string', default: '0' },
    'kubernetes-version': { type: 'string', default: 'v1.36.1' },
    'serve-api': { type: 'string', default: 'true' },
  },
  strict: true,
});

const name = args.name;
const stateDir = args['state-dir'];
if (!name || !stateDir) {
  console.error('usage: apiserver.ts --name N --state-dir DIR --port-mappings JSON');
  process.exit(2);
}
const paths = statePaths(path.resolve(stateDir));
const clusterFile = paths.clusterFile(name);
const readyFile = path.join(paths.nodeDir(name), 'ready.json');
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

const faults = processFaults();
const slowSeconds = apiSlowSeconds(faults);
const startedAt = Date.now();
const readyAt = startedAt + slowSeconds * 1000;
const kubernetesVersion = args['kubernetes-version'];
const serveApi = args['serve-api'] !== 'false';

// ---- the cluster's state and controllers ----
const registry = new ResourceRegistry();
const nsType = registry.find('', 'v1', 'namespaces');
if (!nsType) throw new Error('namespaces must be a served type');
const store = new Store(nsType);
const controllers = new ControllerManager({
  store,
  registry,
  rt: (group, resource) => {
    const r = registry.served().find((x) => x.group === group && x.resource === resource);
    if (!r) throw new Error(`type ${group}/${resource} is not served`);
    return r;
  },
  log,
});
const nodes: SimNode[] = args.nodes ? (JSON.parse(args.nodes) as SimNode[]) : [{ name: `${name}-control-plane`, role: 'control-plane', labels: {} }];
const seeder = createSeeder(store, registry, { clusterName: name, nodes, kubernetesVersion });
controllers.register(crdController).register(namespaceController).register(garbageCollector).register(apiServiceController);
if (slowSeconds > 0) controllers.register(bootstrapController(readyAt, () => seeder.markReady()));
// Workload controllers, scheduler, kubelet, endpoints, and the simulated software of the charts (charts/index.ts).
const kubelet = createKubelet({ stateDir: paths.home, log });
for (const c of [workloadController, ...kubelet.controllers, endpointsController, ...simulatedSoftware()]) controllers.register(c);
controllers.start();
seeder.seed(slowSeconds === 0);

const api = new KubeApi({
  store,
  registry,
  kubernetesVersion,
  readyzChecks: [{ name: 'etcd', failing: () => Date.now() < readyAt }],
  log,
});

// ---- ports ----
const hostPorts = new HostPorts();
registerDataPath({ store, registry, controllers, api, hostPorts, log });
let apiServer: net.Server | undefined;

function report(r: NodeReport): void {
  writeJsonAtomic(readyFile, r);
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function shutdown(reason: string): void {
  log(`shutting down: ${reason}`);
  controllers.stop();
  kubelet.stopAll();
  hostPorts.close();
  if (apiServer instanceof http.Server) apiServer.closeAllConnections();
  apiServer?.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const mappings = JSON.parse(args['port-mappings']) as HostPortRecord[];
  const bound = await hostPorts.bind(mappings);
  if (!bound.ok) {
    log(`cannot bind ${bound.error.address}:${bound.error.port}: ${bound.error.code}`);
    report({ ok: false, pid: process.pid, bindError: bound.error });
    process.exit(1);
  }
  // Without a control plane (kubeadm "failed") the API port is still published but nothing answers behind it.
  apiServer = serveApi ? http.createServer(api.handle) : net.createServer((s) => s.destroy());
  const apiAddress = args['api-address'];
  let apiPort: number;
  try {
    apiPort = await listen(apiServer, apiAddress, Number(args['api-port']));
  } catch (err) {
    hostPorts.close();
    report({ ok: false, pid: process.pid, bindError: { address: apiAddress, port: Number(args['api-port']), code: (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN' } });
    process.exit(1);
  }
  log(`cluster ${name}: API ${serveApi ? `serving on http://${apiAddress}:${apiPort}` : `port ${apiPort} held, API not served`}; host ports ${JSON.stringify(bound.bound)}${slowSeconds ? `; api-slow ${slowSeconds}s` : ''}`);
  report({ ok: true, pid: process.pid, apiPort: serveApi ? apiPort : null, hostPorts: bound.bound });

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Watchdog: the cluster's state file is the "container"; without it this process must not linger. Tests also
  // name their own pid (HPA_LAB_SIM_OWNER_PID) so a killed test run cannot leave API servers behind.
  const owner = Number(process.env.HPA_LAB_SIM_OWNER_PID ?? '0');
  setInterval(() => {
    if (!existsSync(clusterFile)) shutdown(`state file ${clusterFile} is gone`);
    if (owner > 0 && !isAlive(owner)) shutdown(`owner process ${owner} is gone`);
  }, 1000);
}

main().catch((err: unknown) => {
  log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

// The simulated node of a kind cluster: binds the node's host ports (docker-proxy) and serves a loopback
// Kubernetes API (HTTPS with the cluster's own CA and client-certificate authentication, in-memory store).
// Started detached by the stand-in `kind create cluster`:
//
//   node apiserver.ts --name N --state-dir DIR --port-mappings JSON [--nodes JSON] [--registered JSON]
//                     [--api-address 127.0.0.1] [--api-port 0] [--kubernetes-version v1.36.1] [--serve-api true|false]
//                     [--controller-manager-command JSON]
//
// --nodes is [{name, role, labels}], every node container; --registered the nodes whose kubelet started and
// registered its Node (the config's node labels become Node labels, as the kubelet's --node-labels set them).
// --controller-manager-command is kube-controller-manager's static pod command as kubeadm wrote it from kind's
// ClusterConfiguration (lib/kubeadm.ts): the seeded pod shows it, and the HPA controller takes its sync period.
// Like kubeadm's certs and kubeconfig phases it writes DIR/nodes/N/pki/{ca,apiserver}.{crt,key} and
// DIR/nodes/N/admin.conf (also when the control plane then never comes up, --serve-api false).
// It reports its ports in DIR/nodes/N/ready.json, logs to stdout (kind points it at DIR/nodes/N/apiserver.log),
// and exits on SIGTERM, when DIR/clusters/N.json disappears (the cluster was deleted, or a test's temp dir was
// removed without cleanup) or when the process named by HPA_LAB_SIM_OWNER_PID (the test runner) is gone.
// First: starts the PKI generation on a worker thread, overlapping the imports below.
import { earlyPki } from './lib/pki-early.ts';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { simulatedSoftware } from './charts/index.ts';
import { writeJsonAtomic, type HostPortRecord, type NodeReport, type SimNode } from './lib/clusters.ts';
import { authenticate, authorize } from './lib/authn.ts';
import { selfSubjectAccessReview, type RbacObjects } from './lib/rbac.ts';
import { apiServiceController, bootstrapController, ControllerManager, crdController, garbageCollector, namespaceController } from './lib/controllers.ts';
import { statePaths } from './lib/env.ts';
import { apiSlowSeconds, processFaults } from './lib/faults.ts';
import { HostPorts } from './lib/hostports.ts';
import { isAlive } from './lib/procs.ts';
import { ResourceRegistry } from './lib/resources.ts';
import { adminConf, renderKubeconfig } from './lib/kubeconfig.ts';
import type { ClusterPki } from './lib/pki.ts';
import { KubeApi } from './lib/restapi.ts';
import { portForwardTarget, servePortForward } from './lib/portforward.ts';
import { endpointsController } from './lib/endpoints.ts';
import { createKubelet } from './lib/kubelet.ts';
import { registerDataPath } from './datapath/index.ts';
import { createSeeder } from './lib/seed.ts';
import { Store } from './lib/store.ts';
import { workloadController } from './lib/workloads.ts';
import { jobController } from './lib/jobs.ts';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    'state-dir': { type: 'string' },
    'port-mappings': { type: 'string', default: '[]' },
    nodes: { type: 'string' },
    registered: { type: 'string' },
    'api-address': { type: 'string', default: '127.0.0.1' },
    'api-port': { type: 'string', default: '0' },
    'kubernetes-version': { type: 'string', default: 'v1.36.1' },
    'serve-api': { type: 'string', default: 'true' },
    'controller-manager-command': { type: 'string' },
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
/** Switches the api-freeze fault on for this cluster while it runs (see README, "Faults"). */
const freezeFile = path.join(paths.nodeDir(name), 'api-freeze');
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

const nodes: SimNode[] = args.nodes ? (JSON.parse(args.nodes) as SimNode[]) : [{ name: `${name}-control-plane`, role: 'control-plane', labels: {} }];

/** kubeadm's certs + kubeconfig phases: the cluster CA, the serving certificate, /etc/kubernetes/admin.conf. */
async function writePki(): Promise<ClusterPki> {
  const controlPlane = nodes.find((n) => n.role === 'control-plane')?.name ?? `${name as string}-control-plane`;
  const pki = await earlyPki;
  const dir = path.join(paths.nodeDir(name as string), 'pki');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'ca.crt'), pki.ca.cert);
  writeFileSync(path.join(dir, 'ca.key'), pki.ca.key, { mode: 0o600 });
  writeFileSync(path.join(dir, 'apiserver.crt'), pki.apiserver.cert);
  writeFileSync(path.join(dir, 'apiserver.key'), pki.apiserver.key, { mode: 0o600 });
  const conf = adminConf(name as string, `https://${controlPlane}:6443`, pki);
  writeFileSync(path.join(paths.nodeDir(name as string), 'admin.conf'), renderKubeconfig(conf), { mode: 0o600 });
  return pki;
}

// Before the api-slow clock starts: kubeadm's certs and kubeconfig phases precede the control plane.
const pki = await writePki();

const faults = processFaults();
const slowSeconds = apiSlowSeconds(faults);
const startedAt = Date.now();
const readyAt = startedAt + slowSeconds * 1000;
const kubernetesVersion = args['kubernetes-version'];
const serveApi = args['serve-api'] !== 'false';
/**
 * api-freeze: like a kube-apiserver that is stopped (SIGSTOP, a hung etcd): the kernel still completes the TCP
 * handshake (the listen backlog), but nothing reads or answers. Checked per connection and per request.
 */
const frozen = (): boolean => faults.has('api-freeze') || existsSync(freezeFile);
const heldSockets = new Set<net.Socket>();
function hold(sock: net.Socket): void {
  heldSockets.add(sock);
  sock.on('close', () => heldSockets.delete(sock));
  sock.on('error', () => sock.destroy());
}

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
const registered: SimNode[] = args.registered ? (JSON.parse(args.registered) as SimNode[]) : nodes;
const controllerManagerCommand = args['controller-manager-command'] ? (JSON.parse(args['controller-manager-command']) as string[]) : undefined;
const seeder = createSeeder(store, registry, { clusterName: name, nodes: registered, kubernetesVersion, controllerManagerCommand });
controllers.register(crdController).register(namespaceController).register(garbageCollector).register(apiServiceController);
if (slowSeconds > 0) controllers.register(bootstrapController(readyAt, () => seeder.markReady()));
// Workload controllers, scheduler, kubelet, endpoints, and the simulated software of the charts (charts/index.ts).
const kubelet = createKubelet({ stateDir: paths.home, log });
for (const c of [workloadController, jobController, ...kubelet.controllers, endpointsController, ...simulatedSoftware()]) controllers.register(c);
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
registerDataPath({ store, registry, controllers, api, hostPorts, log, controllerManagerCommand });
let apiServer: net.Server | undefined;
let tlsServer: https.Server | undefined;

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
  for (const sock of heldSockets) sock.destroy();
  tlsServer?.closeAllConnections();
  apiServer?.close();
  process.exit(0);
}

/** The stored RBAC objects, as the RBAC authorizer's listers see them. */
const rbacType = (resource: string) => registry.find('rbac.authorization.k8s.io', 'v1', resource);
const listOf = (resource: string, ns?: string) => {
  const rt = rbacType(resource);
  return rt ? (store.list(rt, ns) as unknown[]) : [];
};
const rbac: RbacObjects = {
  clusterRoles: () => listOf('clusterroles') as ReturnType<RbacObjects['clusterRoles']>,
  clusterRoleBindings: () => listOf('clusterrolebindings') as ReturnType<RbacObjects['clusterRoleBindings']>,
  roles: (ns) => listOf('roles', ns) as ReturnType<RbacObjects['roles']>,
  roleBindings: (ns) => listOf('rolebindings', ns) as ReturnType<RbacObjects['roleBindings']>,
};

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** kube-apiserver's filter chain in front of the REST handlers: authentication (401), then authorization (403). */
function secured(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (frozen()) {
    // A kept-alive connection made before the freeze: the request is read, never answered.
    hold(req.socket);
    return;
  }
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const who = authenticate(req);
  if (!who.ok) {
    log(`${req.method ?? 'GET'} ${url.pathname}${url.search} 401 (authentication failed)`);
    send(who.status, who.body);
    return;
  }
  const denied = authorize(who.user, req.method ?? 'GET', url, rbac);
  if (denied) {
    log(`${req.method ?? 'GET'} ${url.pathname}${url.search} 403 (${who.user.name})`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    send(403, denied);
    return;
  }
  if (req.method === 'POST' && url.pathname === SSAR_PATH) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        log(`POST ${url.pathname} 400: not JSON (Content-Type ${req.headers['content-type'] ?? 'none'})`);
        send(400, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: "couldn't get version/kind; json parse error", reason: 'BadRequest', code: 400 });
        return;
      }
      const r = selfSubjectAccessReview(rbac, who.user, body);
      log(`POST ${url.pathname} ${r.status} (${who.user.name})`);
      send(r.status, r.body);
    });
    return;
  }
  api.handle(req, res);
}

/**
 * Upgrade requests: pods/NAME/portforward over WebSocket (lib/portforward.ts), behind the same authentication
 * and authorization as every request, plus the `create` check kube-apiserver adds for a WebSocket upgrade of
 * pods/exec, pods/attach and pods/portforward (AuthorizePodWebsocketUpgradeCreatePermission, on since v1.35).
 */
function upgrade(req: http.IncomingMessage, socket: import('node:stream').Duplex): void {
  socket.on('error', () => socket.destroy());
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const refuse = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  };
  const who = authenticate(req);
  if (!who.ok) return refuse(who.status, who.body);
  const target = portForwardTarget(url);
  if (!target || req.method !== 'GET') return refuse(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
  const denied = authorize(who.user, 'GET', url, rbac) ?? authorize(who.user, 'POST', url, rbac);
  if (denied) {
    log(`GET ${url.pathname}${url.search} 403 (${who.user.name}: ${denied.message})`);
    return refuse(403, denied);
  }
  const podType = registry.find('', 'v1', 'pods');
  servePortForward(req, socket, target, url, { getPod: (ns, name) => (podType ? store.get(podType, ns, name) : undefined), log });
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
  if (serveApi) {
    // Client certificates are requested, not required: verification is the x509 authenticator's job (401),
    // and a request without one is anonymous (see lib/authn.ts).
    const tls = https.createServer({ key: pki.apiserver.key, cert: pki.apiserver.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, secured);
    tlsServer = tls;
    tls.on('upgrade', upgrade);
    // Go's TLS listener answers a plain-HTTP request with a 400 instead of a handshake.
    apiServer = net.createServer((sock) => {
      if (frozen()) {
        sock.pause();
        hold(sock);
        return;
      }
      sock.once('data', (first: Buffer) => {
        sock.pause();
        if (first[0] !== 0x16) {
          sock.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
          return;
        }
        sock.unshift(first);
        tls.emit('connection', sock);
        process.nextTick(() => sock.resume());
      });
      sock.on('error', () => sock.destroy());
    });
  } else apiServer = net.createServer((s) => s.destroy());
  const apiAddress = args['api-address'];
  let apiPort: number;
  try {
    apiPort = await listen(apiServer, apiAddress, Number(args['api-port']));
  } catch (err) {
    hostPorts.close();
    report({ ok: false, pid: process.pid, bindError: { address: apiAddress, port: Number(args['api-port']), code: (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN' } });
    process.exit(1);
  }
  log(`cluster ${name}: API ${serveApi ? `serving on https://${apiAddress}:${apiPort}` : `port ${apiPort} held, API not served`}; host ports ${JSON.stringify(bound.bound)}${slowSeconds ? `; api-slow ${slowSeconds}s` : ''}; up after ${Math.round(process.uptime() * 1000)}ms`);
  report({ ok: true, pid: process.pid, apiPort, hostPorts: bound.bound });

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

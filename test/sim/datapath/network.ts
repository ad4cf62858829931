// The simulated cluster network: Service endpoints computed like the endpoints controller (pods selected by
// the Service, targetPort resolved on each pod), kube-proxy's NodePort forwarding of the node's published host
// ports to one ready backend per connection, in-cluster DNS for Service URLs, and the API server's
// services/pods `proxy` subresources.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { HostPorts } from '../lib/hostports.ts';
import { backends, type Backend } from '../lib/runtime.ts';
import type { KubeObject, Store } from '../lib/store.ts';
import { obj, podIP, podPhase, podReady, resolveTargetPort, serviceSelects, servicePorts, str, type ServicePort, type TypeLookup } from './kube.ts';

/** CoreDNS in a kind cluster (the kube-dns Service): what Go's resolver names in "lookup X on ...: no such host". */
export const CLUSTER_DNS = '10.96.0.10:53';

export interface Endpoint {
  pod: KubeObject;
  ip: string;
  containerPort: number;
  /** the container that declares the port, if any */
  container?: string;
  ready: boolean;
  /** where it really listens, when a runtime runs the pod */
  backend?: Backend;
}

export type DialResult =
  | { ok: true; url: string; backend: Backend; service: KubeObject; address: string }
  | { ok: false; error: string; service?: KubeObject };

export class ClusterNetwork {
  private readonly store: Store;
  private readonly rt: TypeLookup;
  private readonly hostPorts: HostPorts | undefined;
  private readonly rr = new Map<string, number>();
  private readonly nodePorts = new Set<number>();

  constructor(store: Store, rt: TypeLookup, hostPorts?: HostPorts) {
    this.store = store;
    this.rt = rt;
    this.hostPorts = hostPorts;
  }

  private services(ns?: string): KubeObject[] {
    const t = this.rt('', 'services');
    return t ? this.store.list(t, ns) : [];
  }

  private pods(ns: string): KubeObject[] {
    const t = this.rt('', 'pods');
    return t ? this.store.list(t, ns) : [];
  }

  /** Endpoints of one Service port: every selected pod with an IP that is not terminated (ready or not). */
  endpoints(svc: KubeObject, sp: ServicePort): Endpoint[] {
    const ns = svc.metadata.namespace ?? 'default';
    const out: Endpoint[] = [];
    for (const pod of this.pods(ns)) {
      if (!serviceSelects(svc, pod)) continue;
      const ip = podIP(pod);
      const phase = podPhase(pod);
      if (!ip || phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp) continue;
      const target = resolveTargetPort(pod, sp.targetPort);
      if (!target) continue;
      out.push({ pod, ip, containerPort: target.containerPort, container: target.container, ready: podReady(pod), backend: backends.lookup(ip, target.containerPort) });
    }
    return out;
  }

  /** Ready endpoints that really listen somewhere (what kube-proxy would route to). */
  readyBackends(svc: KubeObject, sp: ServicePort): Backend[] {
    return this.endpoints(svc, sp)
      .filter((e) => e.ready && e.backend)
      .map((e) => e.backend as Backend);
  }

  /** Round-robin over the ready backends, per Service port (a new choice per connection, like kube-proxy). */
  pick(svc: KubeObject, sp: ServicePort): Backend | undefined {
    const list = this.readyBackends(svc, sp);
    if (!list.length) return undefined;
    const key = `${svc.metadata.uid ?? ''}/${sp.port}`;
    const i = this.rr.get(key) ?? 0;
    this.rr.set(key, i + 1);
    return list[i % list.length];
  }

  /** (Re)binds every NodePort Service's node ports to the forwarder; ports of deleted Services are released. */
  syncNodePorts(): void {
    if (!this.hostPorts) return;
    const wanted = new Set<number>();
    for (const svc of this.services()) {
      const type = str(obj(svc.spec).type, 'ClusterIP');
      if (type !== 'NodePort' && type !== 'LoadBalancer') continue;
      for (const sp of servicePorts(svc)) if (sp.nodePort !== undefined && sp.protocol === 'TCP') wanted.add(sp.nodePort);
    }
    for (const p of wanted) if (!this.nodePorts.has(p)) this.hostPorts.setBackend(p, (socket) => this.forwardNodePort(p, socket));
    for (const p of this.nodePorts) if (!wanted.has(p)) this.hostPorts.setBackend(p, undefined);
    this.nodePorts.clear();
    for (const p of wanted) this.nodePorts.add(p);
  }

  private forwardNodePort(nodePort: number, socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    let chosen: Backend | undefined;
    for (const svc of this.services()) {
      const sp = servicePorts(svc).find((p) => p.nodePort === nodePort && p.protocol === 'TCP');
      if (!sp) continue;
      chosen = this.pick(svc, sp);
      break;
    }
    if (!chosen) {
      // kube-proxy has no endpoint to send it to; docker-proxy already accepted the connection, so the client
      // sees it closed (curl: "Empty reply from server").
      socket.end();
      return;
    }
    pipeTo(socket, chosen.host, chosen.port);
  }

  /**
   * A pod's TCP connection to a Service (by DNS name or ClusterIP) and port: kube-proxy sends each new connection
   * to one ready endpoint (a new choice per connection, never per request); with none, the connection is refused.
   */
  connectService(host: string, port: number, fromNs: string, socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    const svc = this.lookupServiceHost(host, fromNs);
    const sp = svc ? servicePorts(svc).find((p) => p.port === port && p.protocol === 'TCP') : undefined;
    const b = svc && sp ? this.pick(svc, sp) : undefined;
    if (!b) {
      socket.destroy();
      return;
    }
    pipeTo(socket, b.host, b.port);
  }

  /** Finds the Service a cluster DNS name (or ClusterIP) means, from a pod in namespace `fromNs`. */
  lookupServiceHost(host: string, fromNs: string): KubeObject | undefined {
    const h = host.toLowerCase().replace(/\.$/, '');
    if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) return this.services().find((s) => str(obj(s.spec).clusterIP) === h);
    const m = /^([a-z0-9-]+)(?:\.([a-z0-9-]+)(?:\.svc(?:\.cluster\.local)?)?)?$/.exec(h);
    if (!m) return undefined;
    const [, name = '', ns = fromNs] = m;
    return this.services(ns).find((s) => s.metadata.name === name);
  }

  /**
   * What an in-cluster HTTP client gets when it dials `url`: the real loopback URL of one ready backend, or the
   * Go net/http error text a pod would see (DNS failure, or refused connection to the ClusterIP).
   */
  dial(rawUrl: string, fromNs = 'default'): DialResult {
    let u: URL;
    try {
      u = new URL(rawUrl);
    } catch {
      return { ok: false, error: `parse ${JSON.stringify(rawUrl)}: invalid URL` };
    }
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const svc = this.lookupServiceHost(u.hostname, fromNs);
    if (!svc) return { ok: false, error: `dial tcp: lookup ${u.hostname} on ${CLUSTER_DNS}: no such host` };
    const clusterIP = str(obj(svc.spec).clusterIP);
    const sp = servicePorts(svc).find((p) => p.port === port && p.protocol === 'TCP');
    const b = sp ? this.pick(svc, sp) : undefined;
    if (!b) return { ok: false, error: `dial tcp ${clusterIP}:${port}: connect: connection refused`, service: svc };
    return { ok: true, url: `http://${b.host}:${b.port}${u.pathname === '/' ? '' : u.pathname}${u.search}`, backend: b, service: svc, address: `${clusterIP}:${port}` };
  }

  /** `http://<svc>.<ns>.svc[.cluster.local]:<port>/...` -> a real `http://127.0.0.1:<port>/...`, or undefined. */
  resolveServiceUrl(url: string, fromNs = 'default'): string | undefined {
    const r = this.dial(url, fromNs);
    return r.ok ? r.url : undefined;
  }

  /**
   * The API server's proxy subresources: /api/v1/namespaces/NS/services/[scheme:]NAME[:PORT]/proxy/... and
   * /api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/... Returns false when the path is not one of them.
   */
  serveProxy(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(services|pods)\/([^/]+)\/proxy(\/.*)?$/.exec(url.pathname);
    if (!m) return false;
    const [, ns = '', kind, idRaw = '', rest = '/'] = m;
    const id = decodeURIComponent(idRaw);
    const parts = id.split(':');
    let name: string;
    let portName = '';
    if (kind === 'services') {
      if (parts.length === 3) [, name = '', portName = ''] = parts;
      else [name = '', portName = ''] = parts;
      const svc = this.services(ns).find((s) => s.metadata.name === name);
      if (!svc) return sendStatus(res, 404, 'NotFound', `services "${name}" not found`, { name, kind: 'services' }), true;
      const ports = servicePorts(svc);
      const sp = portName ? ports.find((p) => p.name === portName || String(p.port) === portName) : (ports.find((p) => !p.name) ?? ports[0]);
      const b = sp ? this.pick(svc, sp) : undefined;
      if (!b) return sendStatus(res, 503, 'ServiceUnavailable', `no endpoints available for service "${name}"`), true;
      proxyHttp(req, res, b, rest + url.search);
      return true;
    }
    [name = '', portName = ''] = parts;
    const podsType = this.rt('', 'pods');
    const pod = podsType ? this.store.get(podsType, ns, name) : undefined;
    if (!pod) return sendStatus(res, 404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }), true;
    const ip = podIP(pod);
    const b = ip
      ? portName
        ? backends.lookup(ip, Number(portName))
        : backends.all().find((x) => x.namespace === ns && x.pod === name)
      : undefined;
    if (!b) return sendStatus(res, 503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${ip ?? ''}:${portName || '80'}: connect: connection refused`), true;
    proxyHttp(req, res, b, rest + url.search);
    return true;
  }
}

function pipeTo(socket: net.Socket, host: string, port: number): void {
  const upstream = net.connect(port, host);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
  socket.pipe(upstream).pipe(socket);
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function proxyHttp(req: IncomingMessage, res: ServerResponse, b: Backend, pathAndQuery: string): void {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
  const up = http.request({ host: b.host, port: b.port, method: req.method, path: pathAndQuery, headers, agent: false }, (r) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(r.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
    res.writeHead(r.statusCode ?? 502, out);
    r.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) sendStatus(res, 503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`);
    else res.destroy();
  });
  req.pipe(up);
}

/**
 * GET the real backend a dial resolved, failing the way Go's net/http client words it (what the adapter and
 * KEDA's scaler log for an unreachable in-cluster URL): `Get "<url>": dial tcp <ip:port>: connect: connection
 * refused`, `read: connection reset by peer`, or the client's timeout.
 */
export async function goHttpGet(shown: string, d: { url: string; address: string }, init: RequestInit, quote: (s: string) => string): Promise<Response> {
  try {
    return await fetch(d.url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const why =
      code === 'ECONNREFUSED'
        ? `dial tcp ${d.address}: connect: connection refused`
        : code === 'ECONNRESET'
          ? `read tcp ${d.address}: read: connection reset by peer`
          : (err as Error).name === 'TimeoutError'
            ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
            : (err as Error).message;
    throw new Error(`Get ${quote(shown)}: ${why}`, { cause: err });
  }
}

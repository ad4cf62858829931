// Port-forwards hpa-lab opens itself on an existing cluster (--context), where no NodePort is published on
// 127.0.0.1: a local listener on 127.0.0.1:<free port> for one Service port, and per TCP connection a
// WebSocket to pods/POD/portforward (client-node's PortForward, subprotocol v4.channel.k8s.io) of a Ready pod
// that backs the Service (its targetPort resolved on that pod, as the endpoints controller does). The pod is
// chosen per connection, so a forward outlives the pods behind it (a rollout, a scale-in), unlike
// `kubectl port-forward svc/…`, which picks one pod at the start.
import net from 'node:net';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { Kube } from './api.ts';
import { listPath } from './resources.ts';

export interface ServiceTarget {
  namespace: string;
  name: string;
  /** the Service's port (spec.ports[].port), a number, or its name */
  port: number | string;
}

export interface Forward {
  /** http://127.0.0.1:<local port> */
  readonly url: string;
  readonly target: ServiceTarget;
  /** TCP connections forwarded so far */
  readonly connections: number;
  /** Why the last connection could not be forwarded (no Ready pod, the API server's refusal), if it could not. */
  readonly lastError: string | undefined;
  close(): Promise<void>;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}
interface PodLite {
  metadata: { name: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

/** The minimal surface of a `ws` WebSocket this file uses. */
interface WsLike {
  on(event: string, fn: (...args: unknown[]) => void): void;
  close(): void;
  terminate?(): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The first Ready pod behind the Service and the container port its Service port targets there. */
export async function pickEndpoint(kube: Kube, t: ServiceTarget): Promise<{ pod: string; port: number }> {
  const where = `Service ${t.namespace}/${t.name}`;
  const svc = await kube.getJson<{ spec?: { selector?: Record<string, string>; ports?: ServicePort[] } }>(`/api/v1/namespaces/${t.namespace}/services/${t.name}`);
  if (!svc) throw new Error(`${where} does not exist`);
  const sp = (svc.spec?.ports ?? []).find((p) => (typeof t.port === 'number' ? p.port === t.port : p.name === t.port));
  if (!sp) throw new Error(`${where} has no port ${String(t.port)} (it has ${(svc.spec?.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}`).join(', ') || 'none'})`);
  const selector = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  if (!selector) throw new Error(`${where} has no selector: there is no pod to forward to`);
  const pods = (await kube.getJson<{ items: PodLite[] }>(listPath('v1', 'pods', t.namespace, selector)))?.items ?? [];
  const ready = pods.find((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!ready) throw new Error(`${where}: none of its ${pods.length} pod${pods.length === 1 ? ' is' : 's are'} Ready (selector ${selector})`);
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return { pod: ready.metadata.name, port: target };
  const named = (ready.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === target);
  if (/^\d+$/.test(target)) return { pod: ready.metadata.name, port: Number(target) };
  if (!named) throw new Error(`${where}: pod ${ready.metadata.name} declares no container port named ${target}`);
  return { pod: ready.metadata.name, port: named.containerPort };
}

/**
 * Opens a WebSocket with `ws` (client-node's own dependency, loaded from its location) that turns a refused
 * upgrade into the API server's own words (its Status message) instead of "Unexpected server response: 403".
 */
function socketFactory(): (uri: string, protocols: string[], opts: object) => WsLike {
  const req = createRequire(createRequire(import.meta.url).resolve('@kubernetes/client-node'));
  const WebSocket = req('ws') as new (uri: string, protocols: string[], opts: object) => WsLike;
  return (uri, protocols, opts) => {
    const ws = new WebSocket(uri, protocols, opts);
    ws.on('unexpected-response', (request: unknown, response: unknown) => {
      const res = response as NodeJS.ReadableStream & { statusCode?: number };
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text.trim().slice(0, 300);
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          // not a Status: its text as is
        }
        (request as { destroy(): void }).destroy();
        ws.emit('error', new Error(`HTTP ${res.statusCode ?? '?'}: ${message || 'no body'}`));
      });
    });
    return ws;
  };
}

/** Listens on 127.0.0.1:0 and forwards every connection to a Ready pod of the Service. */
export function forwardService(kube: Kube, target: ServiceTarget): Promise<Forward> {
  return listen(kube, target, () => pickEndpoint(kube, target));
}

/** The same to one pod's port (as `kubectl port-forward pod/NAME PORT`): the API server and kubelet decide. */
export function forwardPod(kube: Kube, namespace: string, pod: string, port: number): Promise<Forward> {
  return listen(kube, { namespace, name: `pod/${pod}`, port }, () => Promise.resolve({ pod, port }));
}

async function listen(kube: Kube, target: ServiceTarget, endpoint: () => Promise<{ pod: string; port: number }>): Promise<Forward> {
  const { KubeConfig, PortForward } = await import('@kubernetes/client-node');
  // Not re-exported by the package's index; the package has no "exports" map, so its file is importable.
  const { WebSocketHandler } = await import('@kubernetes/client-node/dist/web-socket-handler.js');
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig);
  kc.setCurrentContext(kube.context);
  const pf = new PortForward(kc, true, new WebSocketHandler(kc, socketFactory()));
  let connections = 0;
  let lastError: string | undefined;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    open.add(socket);
    socket.pause();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => open.delete(socket));
    void (async () => {
      try {
        const ep = await endpoint();
        let errText = '';
        const err = new Writable({
          write(chunk: Buffer, _enc, done) {
            // The kubelet's first frame on the error channel is the port alone: client-node strips it and writes nothing.
            if (chunk.length === 0) return done();
            errText += chunk.toString('utf8');
            lastError = `pod ${ep.pod} port ${ep.port}: ${errText}`;
            socket.destroy();
            done();
          },
        });
        const ws = (await pf.portForward(target.namespace, ep.pod, [ep.port], socket, err, socket)) as unknown as WsLike;
        lastError = undefined;
        ws.on('error', (e) => {
          lastError = (e as Error).message;
          socket.destroy();
        });
        ws.on('close', () => socket.end());
        socket.on('close', () => ws.close());
        socket.resume();
      } catch (e) {
        lastError = `${target.namespace}/${target.name}:${String(target.port)}: ${(e as Error).message}`;
        socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    target,
    get connections() {
      return connections;
    },
    get lastError() {
      return lastError;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

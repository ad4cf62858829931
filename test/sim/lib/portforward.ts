// pods/portforward over WebSocket, as kube-apiserver and the kubelet serve it (see docs/simulation-reference.md,
// "Port forwarding", for the upstream files each rule comes from):
// - the API server authorizes the upgrade GET as `get pods/portforward` and, since v1.35
//   (AuthorizePodWebsocketUpgradeCreatePermission, on by default), also as `create pods/portforward`;
// - PortForwardLocation: a pod without spec.nodeName is a 400 `pod NAME does not have a host assigned`;
// - the kubelet (GetPortForward): a pod without a running sandbox is `pod not found ("NAME_NS")`;
// - wsstream's handshake picks the first subprotocol the client offers that the server supports ("",
//   v4.channel.k8s.io, v4.base64.channel.k8s.io: portforward/websocket.go); none is a refused handshake;
// - per port two channels, data (2n, read-write) and error (2n+1, write-only); the server's first frame on each
//   is the port as 2 bytes little endian; every frame starts with its channel byte;
// - the kubelet dials the port inside the pod's network namespace; a failure is written on the error channel as
//   `error forwarding port P to pod ID, uid : …` and the channels close; when either side ends, the WebSocket closes.
// Simulated: the pod's port is where its real process listens (the Backends table, lib/runtime.ts); a pod no
// real process runs for has nothing listening (connection refused). The base64 protocol is not served.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { backends } from './runtime.ts';
import type { KubeObject } from './store.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const SUPPORTED = ['v4.channel.k8s.io'];

export interface PortForwardDeps {
  getPod(namespace: string, name: string): KubeObject | undefined;
  log(line: string): void;
}

function status(socket: Duplex, code: number, reason: string, message: string, extra: Record<string, unknown> = {}): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...extra, code });
  const text = code === 400 ? 'Bad Request' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : 'Internal Server Error';
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The path pods/NAME/portforward in namespace NS, or undefined for any other path. */
export function portForwardTarget(url: URL): { namespace: string; pod: string } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
  return m ? { namespace: decodeURIComponent(m[1] as string), pod: decodeURIComponent(m[2] as string) } : undefined;
}

/** RFC 6455 frames from the client (masked); calls onMessage per complete message, onClose on a close frame. */
function frameReader(onMessage: (data: Buffer) => void, onClose: () => void, onPing: (data: Buffer) => void) {
  let buf = Buffer.alloc(0);
  let parts: Buffer[] = [];
  return (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const b0 = buf[0] as number;
      const b1 = buf[1] as number;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const mask = masked ? buf.subarray(off, off + 4) : undefined;
      const payload = Buffer.from(buf.subarray(need - len, need));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      buf = buf.subarray(need);
      const opcode = b0 & 0x0f;
      if (opcode === 0x8) return onClose();
      if (opcode === 0x9) {
        onPing(payload);
        continue;
      }
      if (opcode === 0xa) continue;
      parts.push(payload);
      if (b0 & 0x80) {
        onMessage(Buffer.concat(parts));
        parts = [];
      }
    }
  };
}

/** One server frame (unmasked), binary unless `opcode` says otherwise. */
function frame(payload: Buffer, opcode = 0x2): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) {
    head = Buffer.from([0x80 | opcode, 126, 0, 0]);
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/**
 * Serves one upgrade request to pods/NAME/portforward (authentication and authorization already done). Answers
 * with the API server's Status for a bad request, else upgrades and forwards each port's data channel.
 */
export function servePortForward(req: http.IncomingMessage, socket: Duplex, target: { namespace: string; pod: string }, url: URL, deps: PortForwardDeps): void {
  const pod = deps.getPod(target.namespace, target.pod);
  if (!pod) return status(socket, 404, 'NotFound', `pods "${target.pod}" not found`, { details: { name: target.pod, kind: 'pods' } });
  const spec = (pod.spec ?? {}) as { nodeName?: string };
  if (!spec.nodeName) return status(socket, 400, 'BadRequest', `pod ${target.pod} does not have a host assigned`);
  const st = (pod.status ?? {}) as { phase?: string; podIP?: string };
  // The kubelet finds the pod among the runtime's sandboxes: none before it runs, none after it ended.
  if (st.phase !== 'Running' || !st.podIP) return status(socket, 500, 'InternalError', `pod not found ("${target.pod}_${target.namespace}")`);
  // portforward.NewV4Options
  const raw = url.searchParams.getAll('ports');
  if (!raw.length) return status(socket, 500, 'InternalError', 'query parameter "port" is required');
  const ports: number[] = [];
  for (const s of raw) {
    if (!s) return status(socket, 500, 'InternalError', 'query parameter "port" cannot be empty');
    for (const p of s.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!(n <= 65535)) return status(socket, 500, 'InternalError', `unable to parse "${s}" as a port: strconv.ParseUint: parsing "${p}": invalid syntax`);
      if (n < 1) return status(socket, 500, 'InternalError', `port "${s}" must be > 0`);
      ports.push(n);
    }
  }
  const key = req.headers['sec-websocket-key'];
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const chosen = offered.length ? offered.find((p) => SUPPORTED.includes(p)) : '';
  if (typeof key !== 'string' || chosen === undefined) {
    deps.log(`portforward ${target.namespace}/${target.pod}: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${['', ...SUPPORTED].join(' ')}]`);
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${chosen ? `Sec-WebSocket-Protocol: ${chosen}\r\n` : ''}\r\n`);
  const send = (channel: number, data: Buffer) => {
    if (!socket.destroyed) socket.write(frame(Buffer.concat([Buffer.from([channel]), data])));
  };
  let open = ports.length;
  const closeWs = () => {
    if (socket.destroyed) return;
    socket.end(frame(Buffer.alloc(0), 0x8));
  };
  const dials: net.Socket[] = [];
  ports.forEach((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    const backend = backends.lookup(st.podIP as string, port);
    // containerd's portforward dials localhost:PORT inside the pod's network namespace.
    const conn = backend ? net.connect(backend.port, backend.host) : net.connect(1, '127.0.0.1');
    dials[i] = conn;
    let failed = false;
    conn.on('data', (d: Buffer) => send(2 * i, d));
    conn.on('error', (err: NodeJS.ErrnoException) => {
      failed = true;
      const why = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message;
      send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${String(pod.metadata.uid ?? '').replace(/-/g, '')}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${String(pod.metadata.uid ?? '')}": failed to connect to localhost:${port} inside namespace "${String(pod.metadata.uid ?? '').replace(/-/g, '')}", IP: [${st.podIP ?? ''}] : dial tcp4 127.0.0.1:${port}: ${why}`));
    });
    conn.on('close', () => {
      if (failed) deps.log(`portforward ${target.namespace}/${target.pod}:${port}: dial failed`);
      if (--open === 0) closeWs();
    });
  });
  deps.log(`portforward ${target.namespace}/${target.pod} ports ${ports.join(',')} (${chosen || 'no subprotocol'})`);
  const read = frameReader(
    (msg) => {
      const ch = msg[0];
      if (ch === undefined || ch % 2 === 1 || ch >= 2 * ports.length) return; // wsstream: frames for a channel it cannot read are dropped
      dials[ch / 2]?.write(msg.subarray(1));
    },
    () => {
      for (const d of dials) d.end();
      closeWs();
    },
    (data) => {
      if (!socket.destroyed) socket.write(frame(data, 0xa));
    },
  );
  socket.on('data', read);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const d of dials) d.destroy();
  });
}

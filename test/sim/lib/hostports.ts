// The host ports of a simulated node: what docker-proxy does for `extraPortMappings`. Each mapping really
// binds listenAddress:hostPort on this machine, so port clashes behave like on a laptop.
//
// Seam for later tasks: `setBackend(containerPort, backend)` decides what a connection to that NodePort reaches
// (e.g. `forwardTo('127.0.0.1', appPort)` once a simulated app serves it). Without a backend the port answers
// HTTP 503, like a NodePort whose Service has no ready endpoints would fail.
import dgram from 'node:dgram';
import net from 'node:net';
import type { HostPortRecord } from './clusters.ts';

export type NodePortBackend = (socket: net.Socket, mapping: HostPortRecord) => void;

/** Pipes the connection to a TCP server on this machine. */
export function forwardTo(host: string, port: number): NodePortBackend {
  return (socket) => {
    const upstream = net.connect(port, host);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  };
}

/** Default backend: a minimal HTTP 503 once the client has sent its request. */
const noEndpoints: NodePortBackend = (socket, mapping) => {
  socket.on('error', () => undefined);
  socket.once('data', () => {
    const body = `no endpoints for NodePort ${mapping.containerPort} (simulated)\n`;
    socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
};

export type BindResult = { ok: true; bound: HostPortRecord[] } | { ok: false; error: { address: string; port: number; code: string } };

export class HostPorts {
  private readonly backends = new Map<number, NodePortBackend>();
  private readonly servers: Array<net.Server | dgram.Socket> = [];

  setBackend(containerPort: number, backend: NodePortBackend | undefined): void {
    if (backend) this.backends.set(containerPort, backend);
    else this.backends.delete(containerPort);
  }

  /** Binds all mappings in order; on the first failure releases what was bound and reports it. */
  async bind(mappings: HostPortRecord[]): Promise<BindResult> {
    const bound: HostPortRecord[] = [];
    for (const m of mappings) {
      const address = m.listenAddress || '0.0.0.0';
      try {
        const port = m.protocol === 'UDP' ? await this.bindUdp(address, m.hostPort) : await this.bindTcp(address, m);
        bound.push({ ...m, listenAddress: address, hostPort: port });
      } catch (err) {
        this.close();
        return { ok: false, error: { address, port: m.hostPort, code: (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN' } };
      }
    }
    return { ok: true, bound };
  }

  private bindTcp(address: string, m: HostPortRecord): Promise<number> {
    const server = net.createServer((socket) => {
      const mapping = { ...m, hostPort: (server.address() as net.AddressInfo).port };
      (this.backends.get(m.containerPort) ?? noEndpoints)(socket, mapping);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: m.hostPort, exclusive: true }, () => {
        this.servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private bindUdp(address: string, port: number): Promise<number> {
    const sock = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address, port, exclusive: true }, () => {
        this.servers.push(sock);
        resolve(sock.address().port);
      });
    });
  }

  close(): void {
    for (const s of this.servers.splice(0)) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }
}

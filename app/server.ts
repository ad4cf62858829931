// The walkthrough's sample app, in TypeScript: every `GET /` is one processed operation, counted in
// myapp_processed_ops_total (the metric the HPA scales on); /metrics serves the Prometheus exposition.
import http from 'node:http';
import os from 'node:os';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppOptions {
  port: number;
  host?: string;
}

export function createApp() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ops = new Counter({
    name: 'myapp_processed_ops_total',
    help: 'The total number of processed events',
    registers: [registry],
  });
  let shuttingDown = false;

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      ops.inc();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Hello, World!');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    // Liveness: the process answers. Readiness: it is not shutting down (so the Service stops routing first).
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      res.writeHead(shuttingDown ? 503 : 200).end(shuttingDown ? 'shutting down' : 'ok');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  // Load tests keep connections alive; keep them a little longer than common client pools do.
  server.keepAliveTimeout = 65_000;

  return {
    server,
    registry,
    listen(opts: AppOptions): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : opts.port);
        });
      });
    },
    close(): Promise<void> {
      shuttingDown = true;
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  const app = createApp();
  const actual = await app.listen({ port, host: process.env.HOST ?? '0.0.0.0' });
  console.log(`sample app on :${actual} (pod ${process.env.POD_NAME ?? os.hostname()})`);
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Talking to a simulated API server the way a kubeconfig client does: HTTPS, the cluster CA as the only trust
// root, the admin client certificate. Global fetch() cannot present a client certificate, so this is fetch()
// over node:https, returning a standard Response (streamed, so watches work).
//
//   const api = clusterApi(sim.home, 'kind');          // the admin credentials kind wrote for that cluster
//   const res = await api.fetch('/api/v1/nodes');      // or a full https://127.0.0.1:PORT/... URL
//
//   const base = apiBaseFor(sim.home, 'kind');         // 'https://127.0.0.1:PORT', remembered for simFetch
//   const res = await simFetch(`${base}/api/v1/nodes`); // drop-in for fetch() in tests
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { readCluster } from './clusters.ts';
import { statePaths } from './env.ts';

export interface TlsCredentials {
  /** PEM of the CA that must have signed the server's certificate (undefined: the system roots) */
  ca?: string;
  /** client certificate and key (PEM) */
  cert?: string;
  key?: string;
  /** insecure-skip-tls-verify */
  insecure?: boolean;
  /** bearer token */
  token?: string;
  /** tls-server-name */
  serverName?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function headerRecord(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  new Headers(h).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

async function bodyBuffer(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/**
 * fetch() for https:// (and http://) URLs with client-certificate credentials. Like undici's fetch, network
 * failures reject with TypeError('fetch failed') whose cause is the Node error (code ECONNREFUSED, …).
 */
export async function tlsFetch(input: string | URL, init: RequestInit = {}, creds: TlsCredentials = {}): Promise<Response> {
  const url = new URL(input);
  const headers = headerRecord(init.headers);
  if (creds.token && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${creds.token}`;
  const body = await bodyBuffer(init.body);
  if (body) headers['content-length'] = String(body.length);
  const mod = url.protocol === 'http:' ? http : https;
  return new Promise<Response>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: init.method ?? 'GET',
        headers,
        ...(url.protocol === 'https:'
          ? { ca: creds.ca, cert: creds.cert, key: creds.key, rejectUnauthorized: !creds.insecure, servername: creds.serverName, agent: false }
          : { agent: false }),
      },
      (res) => {
        const resHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) resHeaders.append(k, x);
          else if (v !== undefined) resHeaders.set(k, v);
        }
        const status = res.statusCode ?? 0;
        const noBody = init.method === 'HEAD' || status === 204 || status === 304;
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: resHeaders }));
      },
    );
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    if (init.signal) {
      const signal = init.signal;
      if (signal.aborted) req.destroy(signal.reason as Error);
      else signal.addEventListener('abort', () => req.destroy(signal.reason as Error), { once: true });
    }
    req.end(body);
  });
}

/** The credentials of a kubeconfig user entry and the trust settings of its cluster entry. */
export function kubeconfigCredentials(cluster: unknown, user: unknown, baseDir = process.cwd()): TlsCredentials {
  const c = obj(cluster);
  const u = obj(user);
  const fileOrData = (data: unknown, file: unknown): string | undefined => {
    const d = str(data);
    if (d) return Buffer.from(d, 'base64').toString();
    const f = str(file);
    return f ? readFileSync(path.resolve(baseDir, f), 'utf8') : undefined;
  };
  return {
    ca: fileOrData(c['certificate-authority-data'], c['certificate-authority']),
    insecure: c['insecure-skip-tls-verify'] === true,
    serverName: str(c['tls-server-name']),
    cert: fileOrData(u['client-certificate-data'], u['client-certificate']),
    key: fileOrData(u['client-key-data'], u['client-key']),
    token: str(u.token) ?? (str(u.tokenFile) ? readFileSync(path.resolve(baseDir, str(u.tokenFile) as string), 'utf8').trim() : undefined),
  };
}

/** The node's /etc/kubernetes/admin.conf (written by the node process when kubeadm's kubeconfig phase ran). */
export function adminConfPath(home: string, cluster: string): string {
  return path.join(statePaths(home).nodeDir(cluster), 'admin.conf');
}

export function readAdminConf(home: string, cluster: string): Obj | undefined {
  const file = adminConfPath(home, cluster);
  return existsSync(file) ? obj(parse(readFileSync(file, 'utf8'))) : undefined;
}

/** The admin credentials of a simulated cluster (what `kind get kubeconfig` hands out). */
export function adminCredentials(home: string, cluster: string): TlsCredentials {
  const conf = readAdminConf(home, cluster);
  if (!conf) throw new Error(`cluster "${cluster}" has no admin.conf in ${statePaths(home).nodeDir(cluster)} (not created, or kubeadm never ran)`);
  const c = (conf.clusters as Obj[] | undefined)?.[0];
  const u = (conf.users as Obj[] | undefined)?.[0];
  return kubeconfigCredentials(c?.cluster, u?.user);
}

export interface ClusterApi {
  /** https://ADDRESS:PORT of the API as published on the host */
  base: string;
  creds: TlsCredentials;
  /** fetch a path (or a full URL) with the admin credentials */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
}

export function clusterApi(home: string, cluster: string): ClusterApi {
  const rec = readCluster(home, cluster);
  if (!rec?.apiPort) throw new Error(`cluster "${cluster}" has no API port (not running)`);
  const host = rec.apiAddress.includes(':') ? `[${rec.apiAddress}]` : rec.apiAddress || '127.0.0.1';
  const base = `https://${host}:${rec.apiPort}`;
  const creds = adminCredentials(home, cluster);
  return { base, creds, fetch: (p, init) => tlsFetch(p.startsWith('https://') || p.startsWith('http://') ? p : `${base}${p}`, init, creds) };
}

// ---- a drop-in fetch() for test files ----

const known = new Map<string, TlsCredentials>();

/** The API's base URL; simFetch() then presents this cluster's admin credentials to it. */
export function apiBaseFor(home: string, cluster: string): string {
  const api = clusterApi(home, cluster);
  known.set(new URL(api.base).origin, api.creds);
  return api.base;
}

/** fetch() that presents the admin credentials of the cluster whose base URL apiBaseFor() returned. */
export function simFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(input);
  const creds = known.get(url.origin);
  if (url.protocol === 'https:' && !creds) throw new Error(`simFetch: no credentials for ${url.origin}; get the base URL from apiBaseFor(home, cluster)`);
  return url.protocol === 'https:' ? tlsFetch(url, init, creds) : fetch(url, init);
}

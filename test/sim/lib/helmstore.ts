// What the `helm` stand-in needs from a cluster, done as Helm does it: a REST client built from the kubeconfig
// (--kubeconfig, $KUBECONFIG, ~/.kube/config; --kube-context or the current context) and the release records
// Helm 3/4 keep as Secrets "sh.helm.release.v1.<release>.v<revision>" (type helm.sh/release.v1, labels name,
// owner=helm, status, version, modifiedAt) whose data.release is base64(gzip(JSON release)) — the same
// encoding as Helm's Secrets driver.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { kubeconfigCredentials, tlsFetch, type TlsCredentials } from './apiclient.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Obj;
  constructor(code: number, status: Obj) {
    super(typeof status.message === 'string' ? status.message : `the server responded with status ${code}`);
    this.code = code;
    this.reason = typeof status.reason === 'string' ? status.reason : '';
    this.status = status;
  }
}

/** The cluster could not be reached (no context, no server, connection refused). */
export class UnreachableError extends Error {}

export interface KubeTarget {
  server: string;
  namespace: string;
  context: string;
  /** the context's cluster CA / user credentials, as client-go reads them from the kubeconfig */
  tls?: TlsCredentials;
}

/** Resolves the kubeconfig the way client-go does for Helm. */
export function kubeTarget(flags: { kubeconfig: string; context: string; namespace: string }, env: NodeJS.ProcessEnv = process.env): KubeTarget {
  const files = flags.kubeconfig ? [flags.kubeconfig] : (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  const candidates = files.length ? files : [path.join(env.HOME || os.homedir(), '.kube', 'config')];
  const merged = { contexts: [] as Obj[], clusters: [] as Obj[], users: [] as Obj[], current: '' };
  for (const f of candidates) {
    if (!existsSync(f)) {
      if (flags.kubeconfig) throw new UnreachableError(`stat ${f}: no such file or directory`);
      continue;
    }
    const doc = obj(parse(readFileSync(f, 'utf8')));
    for (const c of (doc.contexts as Obj[] | undefined) ?? []) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    for (const c of (doc.clusters as Obj[] | undefined) ?? []) if (!merged.clusters.some((x) => x.name === c.name)) merged.clusters.push({ ...c, dir: path.dirname(f) });
    for (const u of (doc.users as Obj[] | undefined) ?? []) if (!merged.users.some((x) => x.name === u.name)) merged.users.push({ ...u, dir: path.dirname(f) });
    if (!merged.current && typeof doc['current-context'] === 'string') merged.current = doc['current-context'];
  }
  const contextName = flags.context || merged.current;
  if (!contextName) {
    // No configuration at all: client-go's default of http://localhost:8080.
    return { server: 'http://localhost:8080', namespace: flags.namespace || 'default', context: '' };
  }
  const ctx = merged.contexts.find((c) => c.name === contextName);
  if (!ctx) throw new UnreachableError(`context "${contextName}" does not exist`);
  const clusterName = obj(ctx.context).cluster;
  const cluster = merged.clusters.find((c) => c.name === clusterName);
  const server = obj(cluster?.cluster).server;
  if (typeof server !== 'string' || !server) throw new UnreachableError(`invalid configuration: no server found for cluster "${String(clusterName)}"`);
  const ctxNs = obj(ctx.context).namespace;
  const ns = flags.namespace || (typeof ctxNs === 'string' ? ctxNs : '') || 'default';
  const user = merged.users.find((u) => u.name === obj(ctx.context).user);
  const tls = kubeconfigCredentials(cluster?.cluster, user?.user, typeof cluster?.dir === 'string' ? cluster.dir : undefined);
  return { server: server.replace(/\/+$/, ''), namespace: ns, context: contextName, tls };
}

export class Kube {
  readonly target: KubeTarget;
  constructor(target: KubeTarget) {
    this.target = target;
  }

  async request(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: Obj }> {
    const url = `${this.target.server}${p}`;
    let res: Response;
    try {
      res = await tlsFetch(url, {
        method,
        headers: { Accept: 'application/json', 'User-Agent': 'Helm/4.0.4', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }, this.target.tls);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      const u = new URL(url);
      const hostPort = `${u.hostname === 'localhost' ? '127.0.0.1' : u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
      const why = cause?.code === 'ECONNREFUSED' ? 'connect: connection refused' : (cause?.code ?? (err as Error).message);
      throw new UnreachableError(`Get "${this.target.server}/version": dial tcp ${hostPort}: ${why}`, { cause: err });
    }
    const text = await res.text();
    let parsed: Obj;
    try {
      parsed = text ? obj(JSON.parse(text)) : {};
    } catch {
      parsed = { message: text.trim() };
    }
    if (res.status >= 400) throw new KubeError(res.status, parsed);
    return { code: res.status, body: parsed };
  }

  /** Like Helm's IsReachable: GET /version. */
  async reachable(): Promise<void> {
    await this.request('GET', '/version');
  }

  async get(p: string): Promise<Obj | undefined> {
    try {
      return (await this.request('GET', p)).body;
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }
}

// ---- API paths --------------------------------------------------------------------------------------------

export interface Discovered {
  plural: string;
  namespaced: boolean;
}

const discoveryCache = new Map<string, Map<string, Discovered>>();

/** The REST path of an object (or of its collection when name is omitted), from API discovery. */
export async function objectPath(kube: Kube, apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
  let kinds = discoveryCache.get(apiVersion);
  if (!kinds) {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await kube.get(base);
    kinds = new Map();
    for (const r of (list?.resources as Obj[] | undefined) ?? []) {
      if (typeof r.name !== 'string' || r.name.includes('/') || typeof r.kind !== 'string') continue;
      kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced === true });
    }
    if (kinds.size) discoveryCache.set(apiVersion, kinds);
  }
  const d = kinds.get(kind);
  if (!d) throw new Error(`resource mapping not found for name: "${name ?? ''}" namespace: "${namespace ?? ''}" from "": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${d.namespaced && namespace ? `/namespaces/${namespace}` : ''}/${d.plural}${name ? `/${name}` : ''}`;
}

export function forgetDiscovery(): void {
  discoveryCache.clear();
}

// ---- releases ---------------------------------------------------------------------------------------------

export type ReleaseStatus = 'unknown' | 'deployed' | 'uninstalled' | 'superseded' | 'failed' | 'uninstalling' | 'pending-install' | 'pending-upgrade' | 'pending-rollback';

export interface Release {
  name: string;
  namespace: string;
  version: number;
  info: { first_deployed: string; last_deployed: string; deleted: string; description: string; status: ReleaseStatus; notes?: string };
  chart: { metadata: { name: string; version: string; appVersion: string; apiVersion: string; description: string }; values: Obj };
  /** the user-supplied values */
  config: Obj | null;
  manifest: string;
  /** `--labels` of install/upgrade: Helm keeps them on the release's Secret (pkg/storage/driver/secrets.go). */
  labels?: Record<string, string>;
}

export function encodeRelease(r: Release): string {
  return gzipSync(Buffer.from(JSON.stringify(r))).toString('base64');
}

export function decodeRelease(data: string): Release {
  let raw = Buffer.from(data, 'base64');
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  return JSON.parse(raw.toString('utf8')) as Release;
}

const secretName = (name: string, version: number) => `sh.helm.release.v1.${name}.v${version}`;

/** All stored revisions (of one release, or of all in the namespace, or in all namespaces with ns undefined). */
export async function listReleases(kube: Kube, namespace: string | undefined, name?: string): Promise<Release[]> {
  const selector = encodeURIComponent(`owner=helm${name ? `,name=${name}` : ''}`);
  const p = namespace ? `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector}` : `/api/v1/secrets?labelSelector=${selector}`;
  const list = await kube.request('GET', p);
  const out: Release[] = [];
  for (const s of (list.body.items as Obj[] | undefined) ?? []) {
    if (s.type !== 'helm.sh/release.v1') continue;
    const data = obj(s.data).release;
    if (typeof data !== 'string') continue;
    try {
      out.push(decodeRelease(Buffer.from(data, 'base64').toString('utf8')));
    } catch {
      // not a release we can read
    }
  }
  return out.sort((a, b) => a.version - b.version);
}

function releaseSecret(r: Release): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName(r.name, r.version),
      namespace: r.namespace,
      // lbs.fromMap(rls.Labels), then Helm's own labels over them.
      labels: { ...r.labels, modifiedAt: String(Math.floor(Date.now() / 1000)), name: r.name, owner: 'helm', status: r.info.status, version: String(r.version) },
    },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(encodeRelease(r)).toString('base64') },
  };
}

/** Stores a new revision; Helm's wording when the namespace is missing ("create: failed to create: ..."). */
export async function createRelease(kube: Kube, r: Release): Promise<void> {
  try {
    await kube.request('POST', `/api/v1/namespaces/${r.namespace}/secrets`, releaseSecret(r));
  } catch (err) {
    if (err instanceof KubeError) throw new Error(`create: failed to create: ${err.message}`, { cause: err });
    throw err;
  }
}

export async function updateRelease(kube: Kube, r: Release): Promise<void> {
  const body = releaseSecret(r);
  try {
    await kube.request('PUT', `/api/v1/namespaces/${r.namespace}/secrets/${secretName(r.name, r.version)}`, body);
  } catch (err) {
    if (err instanceof KubeError) throw new Error(`update: failed to update: ${err.message}`, { cause: err });
    throw err;
  }
}

export async function deleteRelease(kube: Kube, r: Release): Promise<void> {
  await kube.request('DELETE', `/api/v1/namespaces/${r.namespace}/secrets/${secretName(r.name, r.version)}`);
}

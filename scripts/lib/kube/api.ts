// The one seam to the Kubernetes API. It is built from `kind get kubeconfig --name N` and pinned to the
// context `kind-N`: hpa-lab never acts on whatever context happens to be current.
import http from 'node:http';
import https from 'node:https';
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { LabError } from '../errors.ts';
import { resourcePath } from './resources.ts';

/** A GET the API answered with an HTTP status other than 200 or 404 (getJson): its status kept, to tell a 403 apart. */
export class ApiStatusError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ApiStatusError';
    this.status = status;
  }
}

/** Whether the API refused a read to this user (HTTP 403 Forbidden): a missing permission, not a failure. */
export function isForbidden(err: unknown): boolean {
  return err instanceof ApiStatusError && err.status === 403;
}

export interface RawResponse {
  status: number;
  body: string;
}

export interface Kube {
  readonly context: string;
  readonly server: string;
  /** The kubeconfig text the client was built from (kind's, for exactly this cluster). */
  readonly kubeconfig: string;
  /** GET any API path (readyz, aggregated APIs) with the kubeconfig's credentials. */
  getRaw(path: string, timeoutMs?: number): Promise<RawResponse>;
  /** GET a JSON path; 404 gives undefined, another status throws an ApiStatusError with a short message. */
  getJson<T>(path: string, timeoutMs?: number): Promise<T | undefined>;
  listNodes(timeoutMs?: number): Promise<V1Node[]>;
  /**
   * Server-side apply as field manager "hpa-lab" (conflicts forced: hpa-lab owns what it applies), with
   * fieldValidation=Strict: a field the API does not know is refused, not dropped with a warning.
   */
  apply<T extends KubernetesObject>(obj: T): Promise<T>;
  /** Any other request (POST a review, DELETE an object), JSON in and out; the raw answer, never a throw for an HTTP status. */
  send(method: 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs?: number): Promise<RawResponse>;
}

/** How long one API request may take before it is abandoned with a message naming the server. */
export const REQUEST_TIMEOUT_MS = { get: 10_000, apply: 30_000 };

/** Every object hpa-lab applies is applied by this field manager. */
export const FIELD_MANAGER = 'hpa-lab';

export function contextName(cluster: string): string {
  return `kind-${cluster}`;
}

/**
 * Builds a client for exactly `kind-<cluster>` from kubeconfig text. client-node is loaded here, on
 * first use: it takes most of a second to import, and help, plan and doctor never need it.
 */
export async function kubeFromKubeconfig(text: string, cluster: string): Promise<Kube> {
  return kubeForContext(text, contextName(cluster), { fix: `kind export kubeconfig --name ${cluster}`, what: `the kubeconfig for cluster "${cluster}"` });
}

/** A client for exactly `context` of kubeconfig text (hpa-lab's private copy of one context, for --context). */
export async function kubeForContext(text: string, context: string, missing: { fix: string; what: string } = { fix: 'kubectl config get-contexts', what: 'the kubeconfig' }): Promise<Kube> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(text);
  if (!kc.getContextObject(context)) {
    throw new LabError(`${missing.what} has no context "${context}"`, { fix: missing.fix });
  }
  kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server ?? '';
  const request = async (method: string, path: string, timeoutMs: number, body?: { type: string; text: string }): Promise<RawResponse> => {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const url = new URL(path, server);
    const mod = url.protocol === 'http:' ? http : https;
    return await new Promise<RawResponse>((resolve, reject) => {
      const headers = { ...(opts.headers ?? {}), ...(body ? { 'Content-Type': body.type, Accept: 'application/json' } : {}) };
      const req = mod.request(url, { ...opts, headers, method, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // The socket timeout fires only while idle; the overall deadline covers a server that trickles.
      const timer = setTimeout(() => req.destroy(new Error(`no answer from the API server ${url.host} within ${timeoutMs / 1000}s (${method} ${url.pathname})`)), timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer from the API server ${url.host} within ${timeoutMs / 1000}s (${method} ${url.pathname})`)));
      req.on('error', (err) => reject(new Error(shortNetError(err, url.host))));
      req.on('close', () => clearTimeout(timer));
      req.end(body?.text);
    });
  };
  const statusMessage = (r: RawResponse): string => {
    try {
      return (JSON.parse(r.body) as { message?: string }).message ?? r.body.slice(0, 300);
    } catch {
      return r.body.slice(0, 300);
    }
  };
  const kube: Kube = {
    context,
    server,
    kubeconfig: text,
    getRaw: (path, timeoutMs = 5000) => request('GET', path, timeoutMs),
    async getJson<T>(path: string, timeoutMs = REQUEST_TIMEOUT_MS.get) {
      const r = await request('GET', path, timeoutMs);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new ApiStatusError(`GET ${path}: HTTP ${r.status}: ${statusMessage(r)}`, r.status);
      return JSON.parse(r.body) as T;
    },
    async apply<T extends KubernetesObject>(obj: T) {
      const where = `${obj.kind ?? '?'} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '?'}`;
      const query = `fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Strict`;
      let r: RawResponse;
      try {
        r = await request('PATCH', `${resourcePath(obj)}?${query}`, REQUEST_TIMEOUT_MS.apply, { type: 'application/apply-patch+yaml', text: JSON.stringify(obj) });
      } catch (err) {
        throw new Error(`apply ${where}: ${(err as Error).message}`, { cause: err });
      }
      if (r.status !== 200 && r.status !== 201) throw new Error(`apply ${where}: HTTP ${r.status}: ${statusMessage(r)}`);
      return JSON.parse(r.body) as T;
    },
    send: (method, path, body, timeoutMs = REQUEST_TIMEOUT_MS.apply) => request(method, path, timeoutMs, body === undefined ? undefined : { type: 'application/json', text: JSON.stringify(body) }),
    async listNodes(timeoutMs?: number) {
      return (await kube.getJson<{ items: V1Node[] }>('/api/v1/nodes', timeoutMs))?.items ?? [];
    },
  };
  return kube;
}

function shortNetError(err: Error & { code?: string }, host: string): string {
  if (err.code === 'ECONNREFUSED') return `connection refused by ${host}`;
  if (err.code === 'ECONNRESET') return `connection reset by ${host}`;
  return err.message;
}

/** client-node's ApiException messages carry whole response bodies; keep the status and the reason. */
export function shortApiError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string; cause?: { code?: string } };
  if (typeof e.code === 'number') {
    let message: string;
    try {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
      message = body?.message ?? '';
    } catch {
      message = typeof e.body === 'string' ? e.body.slice(0, 200) : '';
    }
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return (e.message ?? String(err)).split('\n')[0] ?? '';
}

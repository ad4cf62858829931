// The one seam to the Kubernetes API. It is built from `kind get kubeconfig --name N` and pinned to the
// context `kind-N`: hpa-lab never acts on whatever context happens to be current.
import http from 'node:http';
import https from 'node:https';
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { LabError } from './errors.ts';

export interface RawResponse {
  status: number;
  body: string;
}

export interface Kube {
  readonly context: string;
  readonly server: string;
  /** GET any API path (readyz, aggregated APIs) with the kubeconfig's credentials. */
  getRaw(path: string, timeoutMs?: number): Promise<RawResponse>;
  /** GET a JSON path; 404 gives undefined, other failures throw with a short message. */
  getJson<T>(path: string): Promise<T | undefined>;
  listNodes(): Promise<V1Node[]>;
  /** Server-side apply as field manager "hpa-lab" (conflicts forced: hpa-lab owns what it applies). */
  apply<T extends KubernetesObject>(obj: T): Promise<T>;
}

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
  const { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(text);
  const context = contextName(cluster);
  if (!kc.getContextObject(context)) {
    throw new LabError(`the kubeconfig for cluster "${cluster}" has no context "${context}"`, {
      fix: `kind export kubeconfig --name ${cluster}`,
    });
  }
  kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server ?? '';
  const core = kc.makeApiClient(CoreV1Api);
  const kube: Kube = {
    context,
    server,
    async getRaw(path, timeoutMs = 5000) {
      const opts: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      const url = new URL(path, server);
      const mod = url.protocol === 'http:' ? http : https;
      return await new Promise<RawResponse>((resolve, reject) => {
        const req = mod.request(url, { ...opts, method: 'GET', timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs}ms`)));
        req.on('error', (err) => reject(new Error(shortNetError(err, url.host))));
        req.end();
      });
    },
    async getJson<T>(path: string) {
      const r = await kube.getRaw(path, 10_000);
      if (r.status === 404) return undefined;
      if (r.status !== 200) {
        let message = r.body.slice(0, 300);
        try {
          message = (JSON.parse(r.body) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new Error(`GET ${path}: HTTP ${r.status}: ${message}`);
      }
      return JSON.parse(r.body) as T;
    },
    async apply<T extends KubernetesObject>(obj: T) {
      // A fresh client each time: KubernetesObjectApi caches discovery per apiVersion, and the CRDs a
      // chart installs (ServiceMonitor) appear after the first client was made.
      const api = KubernetesObjectApi.makeApiClient(kc);
      try {
        return await api.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      } catch (err) {
        throw new Error(`apply ${obj.kind ?? '?'} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '?'}: ${shortApiError(err)}`, { cause: err });
      }
    },
    async listNodes() {
      try {
        const list = await core.listNode();
        return list.items;
      } catch (err) {
        throw new Error(shortApiError(err), { cause: err });
      }
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

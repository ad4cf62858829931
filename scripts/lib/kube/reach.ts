// How hpa-lab reaches the stack's in-cluster HTTP endpoints (the URLs of its gates, `urls` and `demo`). The
// stack writes them as its kind lab publishes them, http://127.0.0.1:<nodePort>, and says in `forwards` which
// Service and port is behind each origin. On the lab's kind cluster nothing changes. On an existing cluster
// (--context), where no NodePort is published on 127.0.0.1, each origin is replaced by a port-forward to that
// Service (port-forward.ts), opened on first use and closed with `close()`. No component is named here: the
// stack's data says what is forwarded.
import type { Kube } from './api.ts';
import type { Resolver, StackFile } from '../stack/stack-file.ts';
import { forwardService, type Forward } from './port-forward.ts';

export interface Reach {
  /** The value with every URL that starts with a forwarded origin rewritten to its forward (deeply). */
  rewrite<T>(value: T): Promise<T>;
  /** The forwards opened so far (origin → forward). */
  opened(): Map<string, Forward>;
  close(): Promise<void>;
}

/** On the lab's own kind cluster: the NodePort URLs as they are. */
export const NODE_PORTS: Reach = {
  rewrite: (v) => Promise.resolve(v),
  opened: () => new Map(),
  close: () => Promise.resolve(),
};

const origin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return url.replace(/\/+$/, '');
  }
};

/** Port-forwards for the stack's `forwards` through the API server of `kube` (an existing cluster). */
export function forwardsReach(stack: StackFile, resolver: Resolver, kube: Kube): Reach {
  const specs = stack.forwards.map((f, i) => {
    const r = resolver.resolve(f, `forwards[${i}]`);
    const [namespace, name] = r.service.split('/') as [string, string];
    const port = typeof r.port === 'string' && /^\d+$/.test(r.port) ? Number(r.port) : r.port;
    return { origin: origin(r.url), target: { namespace, name, port } };
  });
  const pending = new Map<string, Promise<Forward>>();
  const opened = new Map<string, Forward>();
  const open = (o: string, spec: (typeof specs)[number]) => {
    let p = pending.get(o);
    if (!p) {
      p = forwardService(kube, spec.target).then((f) => {
        opened.set(o, f);
        return f;
      });
      pending.set(o, p);
    }
    return p;
  };
  const rewriteString = async (s: string): Promise<string> => {
    for (const spec of specs) {
      if (s === spec.origin || s.startsWith(`${spec.origin}/`)) return (await open(spec.origin, spec)).url + s.slice(spec.origin.length);
    }
    return s;
  };
  const walk = async (v: unknown): Promise<unknown> => {
    if (typeof v === 'string') return rewriteString(v);
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    if (v && typeof v === 'object' && !(v instanceof RegExp)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await walk(x);
      return out;
    }
    return v;
  };
  return {
    rewrite: async <T>(v: T) => (await walk(v)) as T,
    opened: () => opened,
    close: async () => {
      await Promise.all([...opened.values()].map((f) => f.close()));
    },
  };
}

/** Why a forwarded URL did not answer, when its forward knows (for a gate's state). */
export function forwardTrouble(reach: Reach, url: string): string | undefined {
  for (const f of reach.opened().values()) if (url.startsWith(f.url) && f.lastError) return `port-forward to Service ${f.target.namespace}/${f.target.name}:${String(f.target.port)}: ${f.lastError}`;
  return undefined;
}

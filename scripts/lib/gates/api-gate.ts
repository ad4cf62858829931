// Gate: the cluster's API server answers /readyz and every node is Ready.
import type { Kube } from '../kube/api.ts';
import type { GateSpec } from './poll.ts';

export interface ApiReady {
  nodes: string[];
  version: string;
}

/** expectNodes: the nodes the kind config makes (control planes + workers); the gate waits until as many registered. */
export function apiServerReadyGate(kube: Kube, deadlineMs: number, expectNodes = 1): GateSpec<ApiReady> {
  return {
    what: `API server of ${kube.context} ready and all ${expectNodes === 1 ? '' : `${expectNodes} `}nodes Ready`,
    deadlineMs,
    intervalMs: 1000,
    probe: async () => {
      const readyz = await kube.getRaw('/readyz');
      if (readyz.status !== 200) {
        const failing = readyz.body.split('\n').filter((l) => l.startsWith('[-]')).join('; ');
        return { ok: false, state: `readyz HTTP ${readyz.status}${failing ? `: ${failing}` : ''}` };
      }
      const nodes = await kube.listNodes();
      if (nodes.length === 0) return { ok: false, state: 'readyz ok, but no nodes registered yet' };
      if (nodes.length < expectNodes) {
        return { ok: false, state: `${nodes.length} of ${expectNodes} nodes registered (${nodes.map((n) => n.metadata?.name ?? '?').join(', ')})` };
      }
      for (const n of nodes) {
        const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') {
          return { ok: false, state: `node ${n.metadata?.name ?? '?'} NotReady${ready?.message ? `: ${ready.message}` : ''}` };
        }
      }
      const version = nodes[0]?.status?.nodeInfo?.kubeletVersion ?? 'unknown';
      return { ok: true, value: { nodes: nodes.map((n) => n.metadata?.name ?? '?'), version } };
    },
    diagnose: (last) => {
      if (/connection refused|ECONNREFUSED|no answer/.test(last)) {
        return {
          cause: 'the API server does not answer: the node container may be stopped (after a reboot or a Docker restart) or still booting',
          fix: `docker start ${kube.context.replace(/^kind-/, '')}-control-plane   (or recreate: npm run down && npm run up)`,
        };
      }
      if (/NetworkPluginNotReady|network not ready/.test(last)) {
        return {
          cause: 'the node never got its CNI (kindnet) running; on Linux/WSL this is often inotify exhaustion or a cgroup problem',
          fix: 'check `kind export logs` and the inotify limits reported by `npm run doctor`; retry with --timeout-factor 3 on a slow machine',
        };
      }
      if (/etcd/.test(last)) return { cause: 'etcd inside the node is not ready yet; the machine may be overloaded or its disk slow', fix: 'retry with --timeout-factor 3' };
      return undefined;
    },
  };
}

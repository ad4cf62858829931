// What a running kind cluster's shape is (its worker nodes, kube-controller-manager's HPA sync period), read
// from its API, and how it differs from the kind config hpa-lab derived (kind-shape.ts).
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../kube/api.ts';
import type { Lab } from '../lab.ts';
import { goDurationSeconds, HPA_SYNC_FLAG, syncPeriodOfCommand } from './kind-shape.ts';

const CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane';

/** kubeadm labels control-plane nodes with node-role.kubernetes.io/control-plane; kind's workers have no role label. */
export function workerNodes(nodes: V1Node[]): string[] {
  return nodes.filter((n) => !(CONTROL_PLANE_ROLE in (n.metadata?.labels ?? {}))).map((n) => n.metadata?.name ?? '?');
}

export interface RunningSyncPeriod {
  /** As the flag says (e.g. 5s), or Kubernetes' default 15s when the flag is absent. */
  value: string;
  /** Whether the flag is on the command line. */
  explicit: boolean;
  /** The static pod it was read from. */
  pod: string;
}

/**
 * The HPA sync period kube-controller-manager runs with: the command of its static pod (kubeadm writes it to
 * /etc/kubernetes/manifests; the kubelet mirrors it as kube-system/kube-controller-manager-<node>).
 * undefined when the pod cannot be read.
 */
export async function runningHpaSyncPeriod(kube: Kube, nodes: V1Node[]): Promise<RunningSyncPeriod | undefined> {
  const cp = nodes.find((n) => CONTROL_PLANE_ROLE in (n.metadata?.labels ?? {}))?.metadata?.name;
  if (!cp) return undefined;
  const pod = `kube-controller-manager-${cp}`;
  const p = await kube.getJson<V1Pod>(`/api/v1/namespaces/kube-system/pods/${pod}`, 5000).catch(() => undefined);
  const c = p?.spec?.containers.find((x) => x.name === 'kube-controller-manager') ?? p?.spec?.containers[0];
  if (!c) return undefined;
  return { ...syncPeriodOfCommand([...(c.command ?? []), ...(c.args ?? [])]), pod };
}

/** Worker count and HPA sync period of the running cluster against the kind config (empty when they match). */
export async function shapeDifferences(lab: Lab, kube: Kube, nodes: V1Node[]): Promise<string[]> {
  const file = lab.kindConfig.file;
  const diffs: string[] = [];
  const workers = workerNodes(nodes);
  if (workers.length !== lab.kindConfig.workers) {
    diffs.push(`${file} (with --workers) makes ${lab.kindConfig.workers} worker node${lab.kindConfig.workers === 1 ? '' : 's'}, the running cluster ${lab.name} has ${workers.length}${workers.length ? ` (${workers.join(', ')})` : ''}`);
  }
  const want = lab.kindConfig.hpaSyncPeriod;
  if (want !== undefined) {
    const have = await runningHpaSyncPeriod(kube, nodes);
    if (have && goDurationSeconds(have.value) !== goDurationSeconds(want)) {
      diffs.push(`${file} (with --hpa-sync-period) runs kube-controller-manager with --${HPA_SYNC_FLAG}=${want}, the running cluster ${lab.name} with ${have.value}${have.explicit ? '' : ' (the default: no flag)'}`);
    }
  }
  return diffs;
}

// The kind cluster: every call names the cluster explicitly (--name), never relies on kind's default.
import type { Runner } from './exec.ts';
import type { KindConfig } from './kind-config.ts';
import { contextName } from './kube.ts';

/**
 * The node label that marks a cluster as made by hpa-lab (set in kind/cluster.yaml). Not
 * app.kubernetes.io/managed-by: the kubelet refuses node labels in the kubernetes.io namespace.
 */
export const MANAGED_BY_LABEL = 'hpa-lab/managed-by';
export const MANAGED_BY_VALUE = 'hpa-lab';

export async function listClusters(runner: Runner): Promise<string[]> {
  const r = await runner.run('kind', ['get', 'clusters']);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export async function clusterExists(runner: Runner, name: string): Promise<boolean> {
  return (await listClusters(runner)).includes(name);
}

export async function createCluster(runner: Runner, name: string, config: KindConfig, opts: { retain: boolean; onLine?: (l: string) => void }): Promise<void> {
  const args = ['create', 'cluster', '--name', name, '--config', config.file];
  if (opts.retain) args.push('--retain');
  await runner.run('kind', args, { onLine: opts.onLine });
}

export async function deleteCluster(runner: Runner, name: string): Promise<void> {
  await runner.run('kind', ['delete', 'cluster', '--name', name]);
}

/** The cluster's kubeconfig, read from kind without touching any file. */
export async function kindKubeconfig(runner: Runner, name: string): Promise<string> {
  return (await runner.run('kind', ['get', 'kubeconfig', '--name', name])).stdout;
}

/** Whether the user's kubeconfig ($KUBECONFIG or ~/.kube/config) has the lab's context. */
export async function userKubeconfigHasContext(name: string): Promise<boolean> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch {
    return false;
  }
  return kc.getContextObject(contextName(name)) !== null;
}

export async function exportKubeconfig(runner: Runner, name: string): Promise<void> {
  await runner.run('kind', ['export', 'kubeconfig', '--name', name]);
}

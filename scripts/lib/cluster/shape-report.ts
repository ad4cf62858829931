// How `plan`, `status` and `doctor` tell the cluster's shape: its nodes, and the HPA sync period the kind
// config asks for against the one kube-controller-manager runs with.
import type { Kube } from '../kube/api.ts';
import { kubeFromKubeconfig } from '../kube/api.ts';
import type { Lab } from '../lab.ts';
import type { Check } from '../host/preflight.ts';
import { kindKubeconfig } from './lifecycle.ts';
import { runningHpaSyncPeriod } from './shape.ts';
import { goDurationSeconds, HPA_SYNC_FLAG, KUBE_DEFAULT_HPA_SYNC_PERIOD } from './kind-shape.ts';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "kind/cluster.yaml with 2 worker nodes; kube-controller-manager --horizontal-pod-autoscaler-sync-period=5s" */
export function clusterShape(lab: Lab): string {
  const c = lab.kindConfig;
  const period = c.hpaSyncPeriod ?? `${KUBE_DEFAULT_HPA_SYNC_PERIOD} (Kubernetes' default)`;
  return `${c.file} with ${plural(c.workers, 'worker node')}; kube-controller-manager --${HPA_SYNC_FLAG}=${period}`;
}

/** What the cluster runs with, and whether that is what the kind config asks for. */
async function compare(lab: Lab, kube: Kube): Promise<{ readable: boolean; matches: boolean; text: string }> {
  const want = lab.kindConfig.hpaSyncPeriod;
  const nodes = await kube.listNodes(5000).catch(() => []);
  const have = await runningHpaSyncPeriod(kube, nodes);
  if (!have) return { readable: false, matches: false, text: `cannot read kube-controller-manager's static pod in kube-system (asked for: ${want ?? KUBE_DEFAULT_HPA_SYNC_PERIOD})` };
  const runs = `${have.value}${have.explicit ? '' : " (no flag: Kubernetes' default)"}`;
  const matches = want === undefined || goDurationSeconds(want) === goDurationSeconds(have.value);
  return { readable: true, matches, text: `${runs}, from ${have.pod}${matches ? '' : `; ${lab.kindConfig.file} asks for ${want ?? ''} (npm run up would stop: the cluster was made with another value; --recreate)`}` };
}

/** status's row: informational (ok when readable); a difference is said, and `up` is where it stops. */
export async function hpaSyncRow(lab: Lab, kube: Kube | undefined): Promise<{ gate: string; ok: boolean; detail: string }> {
  const gate = 'HPA sync period';
  if (!kube) return { gate, ok: false, detail: 'not read: the API server is not ready (see above)' };
  const r = await compare(lab, kube);
  return { gate, ok: r.readable, detail: r.text };
}

/**
 * status's row on an existing cluster (--context): what its kube-controller-manager runs with, which hpa-lab
 * cannot change there (it is the cluster's control plane, not a kind config hpa-lab gives kubeadm).
 */
export async function contextHpaSyncRow(kube: Kube): Promise<{ gate: string; ok: boolean; detail: string }> {
  const gate = 'HPA sync period';
  const nodes = await kube.listNodes(5000).catch(() => []);
  const have = await runningHpaSyncPeriod(kube, nodes).catch(() => undefined);
  const cannot = 'hpa-lab cannot change it on an existing cluster: each HPA decision waits up to that long';
  if (!have) return { gate, ok: true, detail: `not readable here (no kube-controller-manager static pod in kube-system: a managed control plane?); Kubernetes' default is ${KUBE_DEFAULT_HPA_SYNC_PERIOD}; ${cannot}` };
  return { gate, ok: true, detail: `${have.value}${have.explicit ? '' : " (no flag: Kubernetes' default)"}, from ${have.pod}; ${cannot}` };
}

/** doctor's check: what the kind config asks for and, when the cluster exists, what it runs with. */
export async function hpaSyncCheck(lab: Lab, exists: boolean): Promise<Check> {
  const want = lab.kindConfig.hpaSyncPeriod ?? KUBE_DEFAULT_HPA_SYNC_PERIOD;
  const asked = `the kind config asks for ${want} (kube-controller-manager --${HPA_SYNC_FLAG}; Kubernetes' default ${KUBE_DEFAULT_HPA_SYNC_PERIOD})`;
  if (!exists) return { id: 'hpa-sync-period', level: 'ok', summary: `HPA sync period: ${asked}; no cluster ${lab.name} yet` };
  let kube: Kube;
  try {
    kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
  } catch (err) {
    return { id: 'hpa-sync-period', level: 'warn', summary: `HPA sync period: ${asked}; cluster ${lab.name} cannot be read (${err instanceof Error ? err.message : String(err)})` };
  }
  const r = await compare(lab, kube);
  if (!r.readable) return { id: 'hpa-sync-period', level: 'warn', summary: `HPA sync period: ${r.text}` };
  return {
    id: 'hpa-sync-period',
    level: r.matches ? 'ok' : 'warn',
    summary: `HPA sync period: cluster ${lab.name} runs ${r.text}`,
    ...(r.matches ? {} : { why: 'kubeadm set the flag when the cluster was made; kind cannot change it afterwards', fix: `npm run up -- --recreate (deletes and recreates cluster ${lab.name}), or pass the --hpa-sync-period it was made with` }),
  };
}

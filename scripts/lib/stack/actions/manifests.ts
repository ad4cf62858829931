// Kubernetes objects from a stack's manifest files, applied server-side as "hpa-lab". Each object
// carries a hash of what was applied, so a re-run re-applies only objects whose desired state changed.
import { createHash } from 'node:crypto';
import type { Kube } from '../../kube/api.ts';
import type { KubernetesObject } from '@kubernetes/client-node';
import { resourcePath } from '../../kube/resources.ts';

export const APPLIED_HASH = 'hpa-lab/applied-hash';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'hpa-lab' };

export function objectRef(o: KubernetesObject): string {
  return `${o.kind ?? '?'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`;
}

/** The object as hpa-lab applies it: its labels gain managed-by, its annotations the applied hash. */
export function withBookkeeping(obj: Record<string, unknown>, extraLabels: Record<string, string> = {}): KubernetesObject {
  const o = structuredClone(obj) as KubernetesObject;
  const hash = createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 16);
  o.metadata = {
    ...o.metadata,
    labels: { ...MANAGED_BY, ...o.metadata?.labels, ...extraLabels },
    annotations: { ...o.metadata?.annotations, [APPLIED_HASH]: hash },
  };
  return o;
}

export async function applyManifests(kube: Kube, objects: Array<Record<string, unknown>>, say: (l: string) => void, extraLabels: Record<string, string> = {}): Promise<{ applied: string[]; unchanged: string[] }> {
  const applied: string[] = [];
  const unchanged: string[] = [];
  for (const raw of objects) {
    const desired = withBookkeeping(raw, extraLabels);
    const ref = objectRef(desired);
    const live = await kube.getJson<KubernetesObject>(resourcePath(desired));
    if (live?.metadata?.annotations?.[APPLIED_HASH] === desired.metadata?.annotations?.[APPLIED_HASH]) {
      unchanged.push(ref);
      continue;
    }
    say(`applying ${ref}`);
    await kube.apply(desired);
    applied.push(ref);
  }
  return { applied, unchanged };
}

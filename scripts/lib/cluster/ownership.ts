// What hpa-lab made in a cluster, recorded in the cluster itself: every object it applies and every Helm
// release it installs carries LAB_LABELS (the release's labels are on Helm's release Secret, which Helm's
// storage driver writes from `--labels`: helm pkg/storage/driver/secrets.go). An object is the lab's when it
// carries them, or when Helm's annotations (meta.helm.sh/release-name, -namespace) name a release of the lab.
// `down --context` removes exactly that; `up --context` uses it to tell its own objects from someone else's.
import type { Kube } from '../kube/api.ts';
import { listPath } from '../kube/resources.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './lifecycle.ts';

/** The same key as the lab's own kind node carries (lifecycle.ts). */
export const MANAGED_BY_KEY = MANAGED_BY_LABEL;
export const INSTANCE_KEY = 'hpa-lab/instance';

/** The labels of everything lab `name` makes. */
export function labLabels(name: string): Record<string, string> {
  return { [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [INSTANCE_KEY]: name };
}

export function labSelector(name: string): string {
  return Object.entries(labLabels(name)).map(([k, v]) => `${k}=${v}`).join(',');
}

interface Meta {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export interface LabRelease {
  name: string;
  namespace: string;
}

/** The lab's Helm releases: Helm's release Secrets (owner=helm) carrying the lab's labels, one entry per release. */
export async function labReleases(kube: Kube, name: string): Promise<LabRelease[]> {
  const list = await kube.getJson<{ items: Meta[] }>(listPath('v1', 'secrets', undefined, `owner=helm,${labSelector(name)}`));
  const seen = new Map<string, LabRelease>();
  for (const s of list?.items ?? []) {
    const release = s.metadata?.labels?.name;
    const namespace = s.metadata?.namespace;
    if (release && namespace) seen.set(`${namespace}/${release}`, { name: release, namespace });
  }
  return [...seen.values()];
}

export function labelledOurs(o: Meta, name: string): boolean {
  const l = o.metadata?.labels ?? {};
  return l[MANAGED_BY_KEY] === MANAGED_BY_VALUE && l[INSTANCE_KEY] === name;
}

/** Whether the object is lab `name`'s: its labels, or the Helm release that installed it. */
export function isOurs(o: Meta, name: string, releases: LabRelease[]): boolean {
  if (labelledOurs(o, name)) return true;
  const a = o.metadata?.annotations ?? {};
  const rel = a['meta.helm.sh/release-name'];
  const ns = a['meta.helm.sh/release-namespace'];
  return rel !== undefined && releases.some((r) => r.name === rel && r.namespace === ns);
}

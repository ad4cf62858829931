// REST paths for the kinds hpa-lab reads and applies. A table, not discovery: the lab's manifests use a
// known, small set of kinds, and a path from a table cannot be stale after CRDs appear.
import type { KubernetesObject } from '@kubernetes/client-node';
import { InputError } from '../errors.ts';

const PLURALS: Record<string, { plural: string; namespaced: boolean }> = {
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/Pod': { plural: 'pods', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'monitoring.coreos.com/v1/ServiceMonitor': { plural: 'servicemonitors', namespaced: true },
  'monitoring.coreos.com/v1/PodMonitor': { plural: 'podmonitors', namespaced: true },
  'monitoring.coreos.com/v1/Prometheus': { plural: 'prometheuses', namespaced: true },
  'apiregistration.k8s.io/v1/APIService': { plural: 'apiservices', namespaced: false },
  'keda.sh/v1alpha1/ScaledObject': { plural: 'scaledobjects', namespaced: true },
};

export function resourcePath(o: KubernetesObject): string {
  const key = `${o.apiVersion ?? ''}/${o.kind ?? ''}`;
  const r = PLURALS[key];
  if (!r) throw new InputError(`${key}: hpa-lab does not know this kind (known: ${Object.keys(PLURALS).join(', ')})`);
  const base = o.apiVersion?.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion ?? 'v1'}`;
  const ns = r.namespaced ? `/namespaces/${o.metadata?.namespace ?? 'default'}` : '';
  return `${base}${ns}/${r.plural}/${o.metadata?.name ?? ''}`;
}

/** The collection of a kind, across all namespaces (a namespaced kind) or cluster-wide, with a label selector; its plural. */
export function collectionOf(apiVersion: string, kind: string, labelSelector: string): { path: string; plural: string } {
  const r = PLURALS[`${apiVersion}/${kind}`];
  if (!r) throw new InputError(`${apiVersion}/${kind}: hpa-lab does not know this kind (known: ${Object.keys(PLURALS).join(', ')})`);
  return { path: listPath(apiVersion, r.plural, undefined, labelSelector), plural: r.plural };
}

export function listPath(apiVersion: string, plural: string, namespace?: string, labelSelector?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${plural}${labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : ''}`;
}

// The cluster the demo watches: the lab's kind cluster (which must exist) or the --context one, its HPA as the
// demo reads it, and one sample of the chain the demo shows (metric → desired replicas → Ready pods).
import type { Lab } from '../lab.ts';
import { deadline } from '../lab.ts';
import { reachApi } from '../context/access.ts';
import type { Kube } from '../kube/api.ts';
import { kubeFromKubeconfig } from '../kube/api.ts';
import { clusterExists, kindKubeconfig } from '../cluster/lifecycle.ts';
import { MissingToolError } from '../exec.ts';
import { LabError } from '../errors.ts';
import { listPath } from '../kube/resources.ts';
import { currentReading } from '../gates/probes.ts';
import type { DemoSpec } from '../stack/stack-file.ts';
import { parseQuantity } from '../kube/quantity.ts';
import type { HpaView, Sample } from './model.ts';
import { targetKube } from '../context/on-context.ts';

interface HpaObject {
  spec?: {
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: Array<{ type: string } & Partial<Record<'pods' | 'external' | 'object', { metric?: { name: string }; target?: { averageValue?: string | number; value?: string | number } }>>>;
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
    scaleTargetRef?: { name: string };
  };
  status?: {
    desiredReplicas?: number;
    currentMetrics?: Array<NonNullable<Parameters<typeof currentReading>[0]>>;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** The cluster the demo watches: the lab's kind cluster (which must exist), or the --context one. */
export async function demoKube(lab: Lab): Promise<Kube> {
  if (lab.target) {
    // A cluster that does not answer is said as status and down --context say it, before any load starts.
    const kube = await targetKube(lab);
    const api = await reachApi(kube, deadline(lab, 10));
    if (!api.ok) throw new LabError(`no demo: context ${lab.target.context}: ${api.why}`, { fix: api.fix });
    return kube;
  }
  const exists = await clusterExists(lab.runner, lab.name).catch((err: unknown) => {
    if (err instanceof MissingToolError) throw new LabError(`${err.tool} is not installed (not on PATH): the demo finds the lab's cluster with it`, { fix: 'npm run doctor   (it says how to install what is missing)' });
    throw err;
  });
  if (!exists) throw new LabError(`no kind cluster named ${lab.name}`, { fix: 'npm run up' });
  return kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
}

export async function readHpa(kube: Kube, spec: DemoSpec): Promise<{ view: HpaView; obj: HpaObject }> {
  const obj = await kube.getJson<HpaObject>(`/apis/autoscaling/v2/namespaces/${spec.hpa.namespace}/horizontalpodautoscalers/${spec.hpa.name}`);
  if (!obj) throw new LabError(`no HPA ${spec.hpa.namespace}/${spec.hpa.name} in the cluster`, { fix: 'npm run up   (it creates the HPA and waits until it reads its metric)' });
  // The metric it scales on: Pods (a custom metric per pod, the adapter's), External (KEDA's) or Object.
  const m = obj.spec?.metrics?.find((x) => x.type === 'Pods' || x.type === 'External' || x.type === 'Object');
  const source = m?.pods ?? m?.external ?? m?.object;
  const target = parseQuantity(source?.target?.averageValue ?? source?.target?.value);
  if (!m || !source?.metric?.name || target === undefined) {
    throw new LabError(`HPA ${spec.hpa.namespace}/${spec.hpa.name} scales on no Pods, External or Object metric with a target value; the demo watches that kind of HPA`);
  }
  return {
    obj,
    view: {
      min: obj.spec?.minReplicas ?? 1,
      max: obj.spec?.maxReplicas ?? 1,
      metric: source.metric.name,
      metricType: m.type as HpaView['metricType'],
      target,
      scaleDownWindowSeconds: obj.spec?.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
      deployment: obj.spec?.scaleTargetRef?.name ?? '',
    },
  };
}

export async function observe(kube: Kube, spec: DemoSpec, hpa: HpaView, base: Omit<Sample, 'perPod' | 'replicas' | 'ready' | 'target'>): Promise<Sample> {
  const [h, dep, values] = await Promise.all([
    kube.getJson<HpaObject>(`/apis/autoscaling/v2/namespaces/${spec.hpa.namespace}/horizontalpodautoscalers/${spec.hpa.name}`),
    kube.getJson<{ spec?: { replicas?: number }; status?: { readyReplicas?: number; replicas?: number } }>(`/apis/apps/v1/namespaces/${spec.hpa.namespace}/deployments/${hpa.deployment}`).catch(() => undefined),
    // Per-pod values exist for a Pods metric only: an External metric is one value for the whole workload.
    hpa.metricType === 'Pods'
      ? kube.getJson<{ items: Array<{ describedObject: { name: string }; value: string }> }>(`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${spec.pods.namespace}/pods/*/${hpa.metric}?labelSelector=${encodeURIComponent(spec.pods.labelSelector)}`).catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  const pods = (await kube.getJson<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>(listPath('v1', 'pods', spec.pods.namespace, spec.pods.labelSelector)).catch(() => undefined))?.items ?? [];
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const active = h?.status?.conditions?.find((c) => c.type === 'ScalingActive');
  return {
    ...base,
    target: hpa.target,
    // the value the HPA itself sees, from its status, whatever the metric's type
    average: parseQuantity(currentReading(h?.status?.currentMetrics?.[0])?.value),
    perPod: (values?.items ?? []).map((i) => ({ pod: i.describedObject.name, value: parseQuantity(i.value) ?? NaN })),
    replicas: dep?.spec?.replicas ?? dep?.status?.replicas ?? pods.length,
    ready,
    desired: h?.status?.desiredReplicas,
    note: active && active.status !== 'True' ? `ScalingActive=${active.status}: ${active.reason ?? ''}` : undefined,
  };
}

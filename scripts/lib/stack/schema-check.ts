// Every object a stack applies is checked against the Kubernetes schemas before the first change: the
// built-in kinds with kubernetes-models (generated from Kubernetes' OpenAPI), ServiceMonitors with the
// Prometheus Operator's CRD schemas (@kubernetes-models/prometheus-operator), ScaledObjects with KEDA's
// (@kubernetes-models/keda). They catch wrong types,
// formats (a quantity, an int-or-string) and missing required fields offline. A field the schema does not
// know is refused only by the API server, which hpa-lab asks for that (fieldValidation=Strict at apply).
import { InputError } from '../errors.ts';

/** Where each kind's model lives (loaded on first use: these modules are large). */
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/Pod': 'kubernetes-models/v1/Pod',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'apiregistration.k8s.io/v1/APIService': 'kubernetes-models/apiregistration.k8s.io/v1/APIService',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PodMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/Prometheus': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus',
  'keda.sh/v1alpha1/ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
};

type Model = new (data: unknown) => { validate(): void };

async function modelFor(apiVersion: string, kind: string): Promise<Model | undefined> {
  const mod = MODELS[`${apiVersion}/${kind}`];
  if (!mod) return undefined;
  const m = (await import(mod)) as Record<string, Model>;
  return m[kind];
}

/** The kinds checked offline. */
export const SCHEMA_KINDS = Object.keys(MODELS);

/** Throws InputError naming the file, the object and each field the schema refuses. */
export async function checkObjectSchemas(file: string, objects: Array<Record<string, unknown>>): Promise<void> {
  for (const [i, o] of objects.entries()) {
    const apiVersion = String(o.apiVersion);
    const kind = String(o.kind);
    const name = String((o.metadata as { name?: string } | undefined)?.name ?? `document ${i + 1}`);
    const Model = await modelFor(apiVersion, kind);
    if (!Model) {
      throw new InputError(`${file}: ${kind} ${name}: hpa-lab has no schema for ${apiVersion}/${kind}, so it cannot check it before applying`, { fix: `the kinds it checks: ${SCHEMA_KINDS.join(', ')}` });
    }
    try {
      new Model(o).validate();
    } catch (err) {
      const fields = (err as Error).message.split(', ').map((m) => m.replace(/^data\//, '').replace(/\//g, '.'));
      throw new InputError(`${file}: ${kind} ${name}: ${fields[0] ?? ''}`, {
        details: [...fields.slice(1), 'the API server would refuse this object (the schemas are Kubernetes’ own)'],
      });
    }
  }
}

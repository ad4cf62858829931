// Which fields a built-in kind declares, for server-side apply's check: the API server converts an applied
// object to its typed form and refuses one with a field the schema does not declare, unless the request
// says fieldValidation=Ignore (apimachinery's pkg/util/managedfields/internal/structuredmerge.go ApplyPatch:
// `failed to create typed patch object (%v): %v`, objectGVKNN; structured-merge-diff typed/validate.go:
// `field not declared in schema`; a plain error, so the apiserver's ErrorToAPIStatus makes it a 500 with no
// reason, which kubectl prints as "Error from server: ..."). The field lists are Kubernetes' own OpenAPI, as
// @kubernetes/client-node's generated models carry it (each model's attributeTypeMap). Custom resources are
// not checked: the simulated CRDs are schema-less (listed as approximated in docs/simulation-reference.md).
// Only the generated models (dist/gen/models/all.js, ~0.5 s to load) and only on the first apply: most
// simulated clusters never need them, and the whole client would cost every API server seconds at start.
let models: Record<string, unknown> | undefined;
let loading: Promise<void> | undefined;

/** Loads the models once; the API server awaits it before handling an apply. */
export function loadSchemas(): Promise<void> {
  loading ??= import('@kubernetes/client-node/dist/gen/models/all.js').then((m) => {
    models = m;
  });
  return loading;
}

type Attr = { baseName: string; type: string };
type Model = { getAttributeTypeMap(): Attr[] };

/** The client-node model of a built-in kind, e.g. apps/v1 Deployment → V1Deployment. */
function rootModel(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop() ?? '';
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return models?.[name] ? name : undefined;
}

function modelOf(name: string): Model | undefined {
  const m = models?.[name] as Partial<Model> | undefined;
  return m && typeof m.getAttributeTypeMap === 'function' ? (m as Model) : undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(value: unknown, type: string, path: string, out: string[]): void {
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => {
      const name = isMap(item) && typeof item.name === 'string' ? `[name="${item.name}"]` : `[${i}]`;
      walk(item, list[1] as string, `${path}${name}`, out);
    });
    return;
  }
  const dict = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (dict) {
    if (isMap(value)) for (const [k, v] of Object.entries(value)) walk(v, dict[1] as string, `${path}.${k}`, out);
    return;
  }
  const model = modelOf(type);
  if (!model || !isMap(value)) return; // a primitive, an int-or-string, a quantity, or a type with no model
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = attrs.get(k);
    if (t === undefined) out.push(`${path}.${k}`);
    else walk(v, t, `${path}.${k}`, out);
  }
}

/**
 * The fields of `obj` its kind's schema does not declare, as structured-merge-diff names them; [] when none,
 * for a kind without a model, and before loadSchemas() has finished.
 */
export function undeclaredFields(obj: Record<string, unknown>): string[] {
  const root = rootModel(String(obj.apiVersion), String(obj.kind));
  if (!root) return [];
  const out: string[] = [];
  walk(obj, root, '', out);
  return out;
}

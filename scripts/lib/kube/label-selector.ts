// A metav1.LabelSelector (matchLabels, matchExpressions) as Kubernetes evaluates it, for the checks hpa-lab
// makes before it reuses something it did not install (a Prometheus and the ServiceMonitors it selects).
// The semantics are apimachinery's metav1.LabelSelectorAsSelector (pkg/apis/meta/v1/helpers.go): a nil
// selector selects nothing, an empty one ({}) everything; matchLabels are equality requirements; In and NotIn
// need at least one value, Exists and DoesNotExist none; NotIn and DoesNotExist hold for an absent label; any
// other operator is an error. The Prometheus operator passes serviceMonitorSelector through exactly that
// (pkg/prometheus/resource_selector.go, selectObjects), so nil there means "no ServiceMonitor".

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Whether `selector` selects an object with `labels`; throws on a selector Kubernetes would refuse. */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (selector === null || selector === undefined) return false;
  const reqs: LabelSelectorRequirement[] = [...Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] })), ...(selector.matchExpressions ?? [])];
  return reqs.every((r) => requirementHolds(r, labels));
}

function requirementHolds(r: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const values = r.values ?? [];
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (!values.length) throw new Error(`matchExpressions key ${r.key}: operator ${r.operator} needs at least one value`);
      return r.operator === 'In' ? has && values.includes(labels[r.key] as string) : !has || !values.includes(labels[r.key] as string);
    case 'Exists':
    case 'DoesNotExist':
      if (values.length) throw new Error(`matchExpressions key ${r.key}: operator ${r.operator} takes no values`);
      return r.operator === 'Exists' ? has : !has;
    default:
      throw new Error(`matchExpressions key ${r.key}: "${r.operator}" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`);
  }
}

/** The selector as a person reads it: "nil (selects nothing)", "{} (selects everything)", "release=x, team in (a,b)". */
export function describeSelector(selector: LabelSelector | null | undefined): string {
  if (selector === null || selector === undefined) return 'not set (selects nothing)';
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((e) => (e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`)),
  ];
  return parts.length ? parts.join(', ') : '{} (selects everything)';
}

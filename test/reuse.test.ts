// Reusing what an existing cluster runs (--context): the label-selector semantics hpa-lab evaluates a Prometheus's
// serviceMonitorSelector and serviceMonitorNamespaceSelector with (apimachinery's metav1.LabelSelectorAsSelector,
// which the Prometheus operator's pkg/prometheus/resource_selector.go applies), which Prometheus a Service selects
// (the operator's pod labels), why a Prometheus would not scrape the lab's ServiceMonitor (with the fix), the
// prometheus.existing setting's form, the kind path's refusal, and the adapter rule a diagnosis names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { describeSelector, selectorMatches } from '../scripts/lib/label-selector.ts';
import { operatorPodLabels, serviceMonitorMismatch, serviceSelects } from '../scripts/lib/reuse.ts';
import { parseServiceUrl, parseSettingType } from '../scripts/lib/setting-types.ts';
import { loadManifests, loadStack, makeResolver } from '../scripts/lib/stack.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { refuseReuseOnKind, type PreparedStack } from '../scripts/lib/lab-stack.ts';
import { InputError } from '../scripts/lib/errors.ts';
import { formatRule, ruleMetricNames, rulesFor } from '../scripts/lib/adapter-rules.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

describe('label selectors as metav1.LabelSelectorAsSelector evaluates them', () => {
  const labels = { release: 'monitoring', team: 'a' };
  it('nil selects nothing; {} (and empty lists) everything', () => {
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(selectorMatches(null, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).toBe(true);
    expect(describeSelector(undefined)).toBe('not set (selects nothing)');
    expect(describeSelector({})).toBe('{} (selects everything)');
  });
  it('matchLabels: every pair equal', () => {
    expect(selectorMatches({ matchLabels: { release: 'monitoring' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { release: 'prometheus' } }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { release: 'monitoring', env: 'x' } }, labels)).toBe(false);
    expect(describeSelector({ matchLabels: { release: 'monitoring' } })).toBe('release=monitoring');
  });
  it('In, NotIn, Exists, DoesNotExist (NotIn and DoesNotExist hold for an absent key), ANDed with matchLabels', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { release: 'monitoring' }, matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(false);
    expect(describeSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['x', 'y'] }, { key: 'c', operator: 'DoesNotExist' }] })).toBe('a=1, b in (x,y), !c');
  });
  it('what Kubernetes refuses is an error, not a match: In without values, Exists with values, an unknown operator', () => {
    expect(() => selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: [] }] }, labels)).toThrow('operator In needs at least one value');
    expect(() => selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] }, labels)).toThrow('operator Exists takes no values');
    expect(() => selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Equals', values: ['a'] }] }, labels)).toThrow('"Equals" is not a valid label selector operator');
  });
});

describe('prometheus.existing: an in-cluster Service URL', () => {
  const t = parseSettingType('service-url');
  it('accepts empty (not set) and http://<service>.<namespace>.svc[.cluster.local][:port]', () => {
    expect(t?.check('')).toBe(true);
    expect(parseServiceUrl('http://monitoring-kube-prometheus-prometheus.monitoring.svc:9090')).toEqual({ service: 'monitoring-kube-prometheus-prometheus', namespace: 'monitoring', port: 9090 });
    expect(parseServiceUrl('http://p.m.svc.cluster.local/')).toEqual({ service: 'p', namespace: 'm', port: 80 });
  });
  it('refuses what is not a Service URL, saying what is expected', () => {
    for (const bad of ['http://prometheus:9090', 'https://p.m.svc:9090', 'http://10.0.0.1:9090', 'http://P.m.svc', 'http://p.m.svc:99999', 'http://p.m.svc:9090/prometheus', 'p.m.svc:9090', 9090]) expect(t?.check(bad), String(bad)).toBe(false);
    expect(t?.expected).toContain('an in-cluster Service URL http://<service>.<namespace>.svc[:port]');
  });
  it('a bad one is refused when the stack is resolved (exit 2), naming the setting', () => {
    const stack = loadStack(REPO_ROOT, 'custom-metrics');
    expect(() => makeResolver(stack, { sets: [['prometheus.existing', 'http://prometheus:9090']], secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'i:t' } })).toThrow(/--set prometheus\.existing: expected empty \(not set\), or an in-cluster Service URL/);
  });
  it('on the kind path (no --context) prometheus.existing and adapter.existing are refused: nothing there to reuse', () => {
    const stack = loadStack(REPO_ROOT, 'custom-metrics');
    const prepared = (sets: Array<[string, unknown]>) => ({ stack, resolver: makeResolver(stack, { sets, secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'i:t' } }) }) as unknown as PreparedStack;
    expect(() => refuseReuseOnKind(prepared([]))).not.toThrow();
    expect(() => refuseReuseOnKind(prepared([['prometheus.existing', 'http://p.m.svc:9090']]))).toThrow(InputError);
    expect(() => refuseReuseOnKind(prepared([['prometheus.existing', 'http://p.m.svc:9090']]))).toThrow("--set prometheus.existing: only with --context (reusing what an existing cluster already runs); on the lab's own kind cluster hpa-lab installs kube-prometheus-stack itself");
    expect(() => refuseReuseOnKind(prepared([['adapter.existing', true]]))).toThrow(/--set adapter\.existing: only with --context/);
  });
});

describe('which Prometheus a Service selects: the pods the operator labels', () => {
  const prom = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'monitoring' }, spec });
  it('operator.prometheus.io/name and app.kubernetes.io/name=prometheus (kube-prometheus-stack’s Service) select exactly that Prometheus', () => {
    const sel = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'monitoring-kube-prometheus-prometheus' };
    expect(serviceSelects(sel, prom('monitoring-kube-prometheus-prometheus'))).toBe(true);
    expect(serviceSelects(sel, prom('other'))).toBe(false);
    expect(serviceSelects({ app: 'grafana' }, prom('monitoring-kube-prometheus-prometheus'))).toBe(false);
  });
  it('a shard label matches shards 0..shards-1 only; podMetadata labels count, the operator’s win', () => {
    expect(serviceSelects({ 'operator.prometheus.io/shard': '1', prometheus: 'p' }, prom('p', { shards: 2 }))).toBe(true);
    expect(serviceSelects({ 'operator.prometheus.io/shard': '2', prometheus: 'p' }, prom('p', { shards: 2 }))).toBe(false);
    expect(serviceSelects({ team: 'obs', prometheus: 'p' }, prom('p', { podMetadata: { labels: { team: 'obs' } } }))).toBe(true);
    expect(operatorPodLabels(prom('p', { podMetadata: { labels: { prometheus: 'x' } } }) as never, 0).prometheus).toBe('p');
  });
});

describe('whether a Prometheus scrapes the lab’s ServiceMonitor, and the fix when not', () => {
  const stack = loadStack(REPO_ROOT, 'custom-metrics');
  const resolver = makeResolver(stack, { sets: [], secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'i:t' } });
  const sm = loadManifests(REPO_ROOT, 'stacks/custom-metrics/sample-app.yaml', resolver).find((o) => o.kind === 'ServiceMonitor') as Record<string, unknown>;
  const raw = parseAllDocuments(readFileSync(`${REPO_ROOT}/stacks/custom-metrics/sample-app.yaml`, 'utf8')).map((d) => d.toJS() as Record<string, unknown>).find((o) => o.kind === 'ServiceMonitor');
  const prom = (spec: Record<string, unknown>) => ({ metadata: { name: 'monitoring-kube-prometheus-prometheus', namespace: 'monitoring' }, spec });
  const nsLabels = { 'kubernetes.io/metadata.name': 'default' };
  it('kube-prometheus-stack’s selector (release=<its release>) and {} namespaces: fits when the label matches', () => {
    expect(serviceMonitorMismatch(prom({ serviceMonitorSelector: { matchLabels: { release: 'prometheus' } }, serviceMonitorNamespaceSelector: {} }), sm, raw, nsLabels)).toBeUndefined();
    expect(serviceMonitorMismatch(prom({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {} }), sm, raw, nsLabels)).toBeUndefined();
  });
  it('another release label: the selector and the ServiceMonitor named, the fix is the setting that label comes from', () => {
    const m = serviceMonitorMismatch(prom({ serviceMonitorSelector: { matchLabels: { release: 'monitoring' } }, serviceMonitorNamespaceSelector: {} }), sm, raw, nsLabels);
    expect(m?.why).toBe("Prometheus monitoring/monitoring-kube-prometheus-prometheus would not scrape the lab's ServiceMonitor default/test-prometheus (labels release=prometheus): its serviceMonitorSelector is release=monitoring");
    expect(m?.fix).toMatch(/^--set prometheus\.release=monitoring /);
  });
  it('no serviceMonitorSelector (nil) selects none; matchExpressions get a fix without a setting', () => {
    expect(serviceMonitorMismatch(prom({ serviceMonitorNamespaceSelector: {} }), sm, raw, nsLabels)?.why).toMatch(/selects no ServiceMonitor at all \(its serviceMonitorSelector is not set\)/);
    const m = serviceMonitorMismatch(prom({ serviceMonitorSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, serviceMonitorNamespaceSelector: {} }), sm, raw, nsLabels);
    expect(m?.why).toMatch(/its serviceMonitorSelector is team$/);
    expect(m?.fix).toMatch(/^label the lab's ServiceMonitor/);
  });
  it('no serviceMonitorNamespaceSelector: only its own namespace (the fix: the app namespace setting); a label selector over the namespace’s labels', () => {
    const own = serviceMonitorMismatch(prom({ serviceMonitorSelector: {} }), sm, raw, nsLabels);
    expect(own?.why).toMatch(/selects ServiceMonitors only in its own namespace monitoring \(its serviceMonitorNamespaceSelector is not set\); the lab's ServiceMonitor default\/test-prometheus .* is in namespace default/);
    expect(own?.fix).toMatch(/^--set app\.namespace=monitoring, or /);
    const labelled = prom({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: { matchLabels: { monitored: 'yes' } } });
    expect(serviceMonitorMismatch(labelled, sm, raw, nsLabels)?.why).toMatch(/selects ServiceMonitors in namespaces monitored=yes; .* is in namespace default \(labels kubernetes\.io\/metadata\.name=default\)/);
    expect(serviceMonitorMismatch(labelled, sm, raw, { ...nsLabels, monitored: 'yes' })).toBeUndefined();
  });
});

describeWithShared(['real-renders', 'kube-prometheus-stack-88.5.3'], 'against the real kube-prometheus-stack 88.5.3 render (its Service and its Prometheus)', () => {
  const docs = parseAllDocuments(readFileSync(sharedPath('real-renders', 'kube-prometheus-stack-88.5.3', 'lab.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null).filter((d): d is Record<string, unknown> => d !== null);
  const prometheus = docs.find((d) => d.kind === 'Prometheus') as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
  const service = docs.find((d) => d.kind === 'Service' && (d.metadata as { name: string }).name === 'prometheus-kube-prometheus-prometheus') as { spec: { selector: Record<string, string> } };
  it('its Prometheus Service selects its Prometheus, and that Prometheus selects the lab’s ServiceMonitor (release=prometheus, all namespaces)', () => {
    expect(serviceSelects(service.spec.selector, prometheus)).toBe(true);
    const stack = loadStack(REPO_ROOT, 'custom-metrics');
    const resolver = makeResolver(stack, { sets: [], secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'i:t' } });
    const sm = loadManifests(REPO_ROOT, 'stacks/custom-metrics/sample-app.yaml', resolver).find((o) => o.kind === 'ServiceMonitor') as Record<string, unknown>;
    expect(serviceMonitorMismatch(prometheus, sm, undefined, {})).toBeUndefined();
  });
});

describe('the adapter rule a diagnosis names (charts-values/prometheus-adapter.yaml)', () => {
  it('each metric the lab’s gates ask for comes from exactly one of the lab’s rules', () => {
    const total = rulesFor(REPO_ROOT, 'charts-values/prometheus-adapter.yaml', 'myapp_processed_ops_total');
    const rate = rulesFor(REPO_ROOT, 'charts-values/prometheus-adapter.yaml', 'myapp_processed_ops_per_second');
    expect(total).toHaveLength(1);
    expect(rate).toHaveLength(1);
    expect(formatRule(rate[0] as never)).toContain('metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[30s])) by (<<.GroupBy>>)"');
    expect(rulesFor(REPO_ROOT, 'charts-values/prometheus-adapter.yaml', 'nope')).toEqual([]);
  });
  it('name.as with ${1} is filled from name.matches over the seriesQuery’s series names', () => {
    expect(ruleMetricNames({ seriesQuery: '{__name__=~"^http_requests_total$"}', name: { matches: '^(.*)_total$', as: '${1}_per_second' } })).toEqual(['http_requests_per_second']);
    expect(ruleMetricNames({ seriesQuery: 'up' })).toEqual([]);
  });
});

describeWithShared(['real-renders', 'prometheus-adapter-5.3.0'], 'the adapter’s APIServices with the lab’s values (the real prometheus-adapter 5.3.0 render)', () => {
  it('only v1beta1.custom.metrics.k8s.io: the one the stack reuses on the opt-in; no external-metrics APIService, so someone else’s is no conflict', () => {
    const docs = parseAllDocuments(readFileSync(sharedPath('real-renders', 'prometheus-adapter-5.3.0', 'lab.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown> | null).filter((d): d is Record<string, unknown> => d !== null);
    const apiServices = docs.filter((d) => d.kind === 'APIService').map((d) => (d.metadata as { name: string }).name);
    expect(apiServices).toEqual(['v1beta1.custom.metrics.k8s.io']);
    const adapter = loadStack(REPO_ROOT, 'custom-metrics').components.find((c) => c.name === 'prometheus-adapter')?.existing;
    expect([adapter?.reuseApiService, ...(adapter?.conflicts.apiServices ?? [])]).toEqual(apiServices);
  });
});

// Reusing what an existing cluster runs (--context): the label-selector semantics hpa-lab evaluates a Prometheus's
// serviceMonitorSelector and serviceMonitorNamespaceSelector with (apimachinery's metav1.LabelSelectorAsSelector,
// which the Prometheus operator's pkg/prometheus/resource_selector.go applies), which Prometheus a Service selects
// (the operator's pod labels), why a Prometheus would not scrape the lab's ServiceMonitor (with the fix), the
// prometheus.existing setting's form, the kind path's refusal, and the adapter rule a diagnosis names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { describeSelector, selectorMatches } from '../scripts/lib/kube/label-selector.ts';
import { operatorPodLabels, reusePrometheus, serviceMonitorMismatch, serviceSelects } from '../scripts/lib/context/reuse.ts';
import { parseServiceUrl, parseSettingType } from '../scripts/lib/stack/setting-types.ts';
import { loadManifests, loadStack, makeResolver } from '../scripts/lib/stack/stack-file.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { prepareStack, refuseReuseOnKind, settingSource } from '../scripts/lib/stack/prepare.ts';
import { needLabel, permissionsNeeded } from '../scripts/lib/context/access.ts';
import { labObjects } from '../scripts/lib/context/on-context.ts';
import { FakeKube } from './helpers/fakes.ts';
import { InputError } from '../scripts/lib/errors.ts';
import { formatRule, ruleMetricNames, rulesFor } from '../scripts/lib/stack/adapter-rules.ts';
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
  it('on the kind path (no --context) prometheus.existing and adapter.existing are refused when the stack is prepared (every command), naming where the value came from', () => {
    const prepare = (sets: Array<[string, unknown]>, onContext = false) => () => prepareStack({ stack: 'custom-metrics', sets, onContext }, '/nonexistent');
    expect(prepare([])).not.toThrow();
    expect(prepare([['prometheus.existing', 'http://p.m.svc:9090']])).toThrow(InputError);
    expect(prepare([['prometheus.existing', 'http://p.m.svc:9090']])).toThrow("--set prometheus.existing: only with --context (reusing what an existing cluster already runs); on the lab's own kind cluster hpa-lab installs kube-prometheus-stack itself");
    expect(prepare([['adapter.existing', true]])).toThrow(/^--set adapter\.existing: only with --context/);
    expect(prepare([['prometheus.existing', 'http://p.m.svc:9090'], ['adapter.existing', true]], true)).not.toThrow();
    // From a variant: the variant is named, not a --set that was never typed.
    const stack = loadStack(REPO_ROOT, 'custom-metrics');
    stack.variants.reuse = { 'adapter.existing': true };
    const input = { sets: [], variant: 'reuse', secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'i:t' } };
    let err: unknown;
    try {
      refuseReuseOnKind({ stack, resolver: makeResolver(stack, input), input });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe("--variant reuse (it sets adapter.existing): only with --context (reusing what an existing cluster already runs); on the lab's own kind cluster hpa-lab installs prometheus-adapter itself");
    expect((err as InputError).fix).toBe('use another --variant than reuse (it sets adapter.existing), or add --context NAME for an existing cluster that runs it');
    expect(settingSource(stack, { sets: [['adapter.existing', false]], variant: 'reuse' }, 'adapter.existing').text).toBe('--set adapter.existing=false');
    expect(settingSource(stack, undefined, 'adapter.existing')).toEqual({ from: 'file', text: stack.file });
  });
});

describe('reusing their Prometheus with a user who may not read it: a failed check naming the permission, never a throw', () => {
  const url = 'http://monitoring-kube-prometheus-prometheus.monitoring.svc:9090';
  const prepared = (sets: Array<[string, unknown]> = []) => prepareStack({ stack: 'custom-metrics', sets: [['prometheus.existing', url], ['prometheus.release', 'monitoring'], ...sets], onContext: true }, '/nonexistent');
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'monitoring-kube-prometheus-prometheus', namespace: 'monitoring' }, spec: { selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'monitoring-kube-prometheus-prometheus' }, ports: [{ port: 9090 }] } };
  const prom = (spec: Record<string, unknown>) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'monitoring-kube-prometheus-prometheus', namespace: 'monitoring' }, spec });
  const forbidden = (what: string) => ({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: `${what} is forbidden: User "dev" cannot …` });
  it('list prometheuses refused (HTTP 403): the check names verb, resource and namespace, and every read to grant', async () => {
    const kube = new FakeKube().put(svc).setRaw('/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheuses', 403, forbidden('prometheuses.monitoring.coreos.com'));
    const r = await reusePrometheus(kube, prepared(), 'hpa-lab');
    expect(r.reuse.size).toBe(0);
    expect(r.problems).toHaveLength(1);
    const p = r.problems[0];
    expect(p?.component).toBe('kube-prometheus-stack');
    expect(p?.level).toBe('fail');
    expect(p?.summary).toBe(`kube-prometheus-stack: prometheus.existing=${url}: the user of context kind-lab may not list prometheuses.monitoring.coreos.com in namespace monitoring (HTTP 403), which hpa-lab reads to find and check that Prometheus`);
    expect(p?.why).toContain('prometheuses.monitoring.coreos.com is forbidden');
    expect(p?.fix).toBe('ask the cluster’s admin to let your user get services in namespace monitoring; list prometheuses.monitoring.coreos.com in namespace monitoring (a Role and a RoleBinding in namespace monitoring for your user), or use a context that may');
    expect(r.reads.map(needLabel)).toEqual(['get services in namespace monitoring', 'list prometheuses.monitoring.coreos.com in namespace monitoring']);
  });
  it('what reusing reads is among the permissions preflight reviews (once each)', async () => {
    const kube = new FakeKube().put(svc, prom({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {} }));
    const r = await reusePrometheus(kube, prepared(), 'hpa-lab');
    const needs = await permissionsNeeded({} as never, kube, r.prepared, [], 'v1.35.0', [...r.reads, ...r.reads]);
    expect(needs.map(needLabel)).toEqual(['get services in namespace monitoring', 'list prometheuses.monitoring.coreos.com in namespace monitoring', 'get namespaces (cluster-scoped)']);
  });
  it('get services refused: named the same way; no Prometheus read is attempted after it', async () => {
    const kube = new FakeKube().setRaw('/api/v1/namespaces/monitoring/services/monitoring-kube-prometheus-prometheus', 403, forbidden('services'));
    const r = await reusePrometheus(kube, prepared(), 'hpa-lab');
    expect(r.problems[0]?.summary).toContain('may not get services in namespace monitoring (HTTP 403)');
    expect(kube.gets('/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheuses')).toBe(0);
  });
  it('a namespace selector makes the namespace a read (and a permission); without one it is never read', async () => {
    const own = new FakeKube().put(svc, prom({ serviceMonitorSelector: {} }));
    const r1 = await reusePrometheus(own, prepared([['app.namespace', 'monitoring']]), 'hpa-lab');
    expect(r1.problems).toEqual([]);
    expect(r1.reads.map(needLabel)).not.toContain('get namespaces (cluster-scoped)');
    expect(own.gets('/api/v1/namespaces/monitoring')).toBe(0);
    const bySelector = new FakeKube().put(svc, prom({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {} })).setRaw('/api/v1/namespaces/default', 403, forbidden('namespaces "default"'));
    const r2 = await reusePrometheus(bySelector, prepared(), 'hpa-lab');
    expect(r2.reads.map(needLabel)).toContain('get namespaces (cluster-scoped)');
    expect(r2.problems).toHaveLength(1);
    expect(r2.problems[0]?.summary).toContain('may not get namespaces (cluster-scoped) (HTTP 403)');
    expect(r2.problems[0]?.fix).toContain('a ClusterRole and a ClusterRoleBinding');
    expect(r2.reuse.size).toBe(0);
  });
});

describe('down --context finds the lab’s objects by its labels in every namespace, not only where the settings resolve now', () => {
  const labels = { 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' };
  const dashboard = (namespace: string, l: Record<string, string> = labels) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-prometheus-autoscaling-dashboard', namespace, labels: { grafana_dashboard: '1', ...l } } });
  it('without the --set of the up (the dashboard went to their monitoring namespace): still found; an unlabelled or another lab’s object never', async () => {
    const kube = new FakeKube().put(dashboard('monitoring'), dashboard('team', {}), dashboard('other', { ...labels, 'hpa-lab/instance': 'another' }));
    kube.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'test-prometheus', namespace: 'default', labels } });
    const found = await labObjects(kube, prepareStack({ stack: 'custom-metrics', sets: [], onContext: true }, '/nonexistent'), 'hpa-lab');
    expect(found.map((o) => `${String(o.kind)} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`).sort()).toEqual(['ConfigMap monitoring/test-prometheus-autoscaling-dashboard', 'Deployment default/test-prometheus']);
    // The ServiceMonitor kind is not served there (404): nothing of it, no error.
    expect(kube.gets('/apis/monitoring.coreos.com/v1/servicemonitors')).toBe(1);
  });
  it('a kind the user may not list across namespaces: refused before anything is removed, naming the permission', async () => {
    const kube = new FakeKube().setRaw('/apis/monitoring.coreos.com/v1/servicemonitors', 403, { kind: 'Status', code: 403, message: 'servicemonitors.monitoring.coreos.com is forbidden' });
    await expect(labObjects(kube, prepareStack({ stack: 'custom-metrics', sets: [], onContext: true }, '/nonexistent'), 'hpa-lab')).rejects.toThrow('nothing removed: the user of context kind-lab may not list servicemonitors.monitoring.coreos.com (all namespaces) (HTTP 403), which down needs to find the lab\'s ServiceMonitor objects');
    expect(kube.log.some((l) => l.startsWith('DELETE'))).toBe(false);
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

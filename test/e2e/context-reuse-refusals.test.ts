// What does not fit, refused before any change: one foreign simulated cluster (test/sim/foreign.ts) with its own
// metrics-server and its own kube-prometheus-stack (release monitoring in namespace monitoring: a Prometheus that
// selects ServiceMonitors labelled release=monitoring), later also its own prometheus-adapter. Each refusal is a
// non-zero exit naming what does not fit and the fix, and leaves the cluster as it was (nothing labelled hpa-lab,
// no release of the lab's). Only preflight runs (read-only), so one cluster serves them all. Its restricted user
// (context team-admin-dev) may not touch monitoring.coreos.com: reusing their Prometheus is refused naming the
// permission, and status and down say so too, without a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createSim, type Sim } from '../helpers/sim.ts';
import { createForeignCluster, installTheirAdapter, kindLocalRegistry, THEIR_MONITORING, type ForeignCluster } from '../sim/foreign.ts';

const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const DASHBOARD = '/api/v1/namespaces/monitoring/configmaps/test-prometheus-autoscaling-dashboard';
const LAB = encodeURIComponent('hpa-lab/managed-by=hpa-lab');
let sim: Sim;
let f: ForeignCluster;
let registry: string;
const m = THEIR_MONITORING;

beforeAll(async () => {
  sim = await createSim();
  f = await createForeignCluster(sim, { monitoring: true, withoutGroups: ['apiregistration.k8s.io', 'monitoring.coreos.com'] });
  registry = await kindLocalRegistry(sim, f, sim.ports().app);
}, 400_000);
afterAll(async () => {
  await sim?.cleanup();
});

/** Nothing of the lab's there: no namespace, object or Helm release carrying its labels. */
async function nothingChanged(): Promise<void> {
  for (const p of [`/api/v1/namespaces?labelSelector=${LAB}`, `/api/v1/secrets?labelSelector=${LAB}`, `/api/v1/configmaps?labelSelector=${LAB}`]) {
    const r = await f.admin('GET', p);
    expect((r.body.items as unknown[]).length, p).toBe(0);
  }
  expect((await f.admin('GET', '/apis/apps/v1/namespaces/default/deployments/test-prometheus')).status).toBe(404);
}

const up = (...sets: string[]) => sim.run(['up', '--context', f.context, '--yes', '--registry', registry, ...sets.flatMap((s) => ['--set', s])], { timeoutMs: 180_000 });

describe('--context with someone else’s Prometheus and adapter: what does not fit is refused, nothing changed', { timeout: 320_000 }, () => {
  it('prometheus.existing of the wrong form, and on the kind path at all: exit 2 naming the setting, before preflight', async () => {
    const bad = await up('prometheus.existing=http://prometheus:9090');
    expect(bad.exitCode, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/--set prometheus\.existing: expected empty \(not set\), or an in-cluster Service URL http:\/\/<service>\.<namespace>\.svc\[:port\]/);
    expect(bad.stdout).not.toMatch(/Preflight/);
    const kind = await sim.run(['up', '--set', `prometheus.existing=${m.url}`]);
    expect(kind.exitCode, kind.stderr).toBe(2);
    expect(kind.stderr).toContain("--set prometheus.existing: only with --context (reusing what an existing cluster already runs); on the lab's own kind cluster hpa-lab installs kube-prometheus-stack itself");
    expect(kind.stderr).not.toMatch(NO_STACK_TRACE);
    // Every command on the kind path refuses it the same way, before any work.
    for (const args of [['status'], ['down'], ['demo'], ['doctor'], ['images', 'list']]) {
      const r = await sim.run([...args, '--set', `prometheus.existing=${m.url}`]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('--set prometheus.existing: only with --context');
      expect(r.stderr, args.join(' ')).not.toMatch(NO_STACK_TRACE);
    }
    await nothingChanged();
  });

  it('a user who may not list prometheuses.monitoring.coreos.com: up refused naming the permission; status a clear row; down refused naming what it may not list; nothing changed', async () => {
    const flags = ['--set', `prometheus.existing=${m.url}`, '--set', 'prometheus.release=monitoring'];
    const r = await sim.run(['up', '--context', f.devContext, '--yes', '--registry', registry, ...flags], { timeoutMs: 180_000 });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(`preflight on context ${f.devContext} failed: kube-prometheus-stack: prometheus.existing=${m.url}: the user of context ${f.devContext} may not list prometheuses.monitoring.coreos.com in namespace monitoring (HTTP 403)`);
    expect(r.stderr).toContain('ask the cluster’s admin to let your user get services in namespace monitoring; list prometheuses.monitoring.coreos.com in namespace monitoring');
    expect(r.stderr).not.toMatch(/unexpected error|bug in hpa-lab/);
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    const status = await sim.run(['status', '--context', f.devContext, ...flags], { timeoutMs: 120_000 });
    expect(status.exitCode, status.stdout + status.stderr).toBe(1);
    expect(status.stdout).toMatch(/✖ kube-prometheus-stack +reuses what the cluster runs: prometheus\.existing=\S+: the user of context team-admin-dev may not list prometheuses\.monitoring\.coreos\.com in namespace monitoring \(HTTP 403\)/);
    expect(status.stdout + status.stderr).not.toMatch(/unexpected error|bug in hpa-lab/);
    expect(status.stderr).not.toMatch(NO_STACK_TRACE);
    const down = await sim.run(['down', '--context', f.devContext, '--yes', ...flags]);
    expect(down.exitCode, down.stdout + down.stderr).toBe(1);
    expect(down.stderr).toContain(`nothing removed: the user of context ${f.devContext} may not list servicemonitors.monitoring.coreos.com (all namespaces) (HTTP 403), which down needs to find the lab's ServiceMonitor objects`);
    expect(down.stderr).not.toMatch(/unexpected error|bug in hpa-lab/);
    expect(down.stderr).not.toMatch(NO_STACK_TRACE);
    await nothingChanged();
  });

  it('without prometheus.existing: their operator’s CRDs are a conflict whose fix names the setting', async () => {
    const r = await up();
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('kube-prometheus-stack: CRD prometheuses.monitoring.coreos.com already exists (not installed by hpa-lab)');
    expect(r.stderr).toMatch(/reuse the Prometheus that operator runs: --set prometheus\.existing=http:\/\/<service>\.<namespace>\.svc:<port>/);
    await nothingChanged();
  });

  it('their Prometheus does not select the lab’s ServiceMonitor (release=prometheus): its selector, the ServiceMonitor and the fix named', async () => {
    const r = await up(`prometheus.existing=${m.url}`);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(`kube-prometheus-stack: prometheus.existing=${m.url}: Prometheus monitoring/${m.prometheus} would not scrape the lab's ServiceMonitor default/test-prometheus (labels release=prometheus): its serviceMonitorSelector is release=monitoring`);
    expect(r.stderr).toContain('--set prometheus.release=monitoring');
    expect(r.stderr).not.toMatch(/CRD prometheuses/);
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    await nothingChanged();
  });

  it('plan --context with their Prometheus (fitting): kube-prometheus-stack Reused, the adapter pointed at their Service; plan on the kind path refuses the setting', async () => {
    const r = await sim.run(['plan', '--context', f.context, '--registry', registry, '--set', `prometheus.existing=${m.url}`, '--set', `prometheus.release=${m.release}`], { timeoutMs: 180_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec?: { reason?: string; values?: { prometheus?: { url?: string; port?: number } } } });
    const reused = docs.find((d) => d.kind === 'Reused' && d.metadata.name === 'kube-prometheus-stack');
    expect(reused?.spec?.reason).toContain(`${m.namespace}/${m.prometheus}`);
    const adapter = docs.find((d) => d.kind === 'HelmRelease' && d.metadata.name === 'prometheus-adapter');
    expect(adapter?.metadata.namespace).toBe(m.namespace);
    expect(adapter?.spec?.values?.prometheus?.url).toBe(`http://${m.prometheus}.${m.namespace}.svc`);
    expect(docs.some((d) => d.kind === 'HelmRelease' && d.metadata.name === 'prometheus')).toBe(false);
    const kind = await sim.run(['plan', '--set', `prometheus.existing=${m.url}`]);
    expect(kind.exitCode, kind.stderr).toBe(2);
    expect(kind.stderr).toContain('--set prometheus.existing: only with --context');
    await nothingChanged();
  });

  it('the URL’s Service does not exist; a Service that selects no operator-run Prometheus (their Grafana’s)', async () => {
    const none = await up('prometheus.existing=http://nope.monitoring.svc:9090', 'prometheus.release=monitoring');
    expect(none.exitCode, none.stderr).toBe(1);
    expect(none.stderr).toContain('prometheus.existing=http://nope.monitoring.svc:9090: there is no Service monitoring/nope');
    const grafana = await up(`prometheus.existing=http://${m.release}-grafana.${m.namespace}.svc:80`, 'prometheus.release=monitoring');
    expect(grafana.exitCode, grafana.stderr).toBe(1);
    expect(grafana.stderr).toMatch(new RegExp(`Service monitoring/${m.release}-grafana selects pods .*app\\.kubernetes\\.io/name=grafana.*, and no monitoring\\.coreos\\.com/v1 Prometheus in namespace monitoring has pods with those labels \\(there: ${m.prometheus}\\)`));
    await nothingChanged();
  });

  it('their own adapter without the opt-in: a conflict whose fix is --set adapter.existing=true', async () => {
    await installTheirAdapter(sim, f);
    const r = await up(`prometheus.existing=${m.url}`, 'prometheus.release=monitoring');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('prometheus-adapter: APIService v1beta1.custom.metrics.k8s.io already exists, served by Service monitoring/prometheus-adapter (not installed by hpa-lab): a second one would take it over');
    expect(r.stderr).toContain('reuse it: --set adapter.existing=true');
    await nothingChanged();
  });

  // Last, because it installs: with the opt-in, their adapter is reused and its gates decide. Theirs has the
  // chart's default rules, which serve pods/myapp_processed_ops but neither metric the HPA needs.
  it('their adapter with adapter.existing=true: reused, not installed; its gate names each missing metric and the lab’s rule for it', async () => {
    const r = await sim.run(['up', '--context', f.context, '--yes', '--registry', registry, '--timeout-factor', '0.25', '--set', `prometheus.existing=${m.url}`, '--set', 'prometheus.release=monitoring', '--set', 'adapter.existing=true'], { timeoutMs: 300_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('prometheus-adapter: nothing (reused: APIService v1beta1.custom.metrics.k8s.io is served by Service monitoring/prometheus-adapter, which hpa-lab did not install)');
    expect(r.stdout).toMatch(/sample-app: applied 3 objects, 4 gates passed/);
    expect(r.stdout + r.stderr).toMatch(/prometheus-adapter \[FAILED: gave up waiting \d+s for custom metrics API serving myapp_processed_ops_total, myapp_processed_ops_per_second/);
    expect(r.stderr).toMatch(/last observed: discovery lists \d+ resources \(pods\/[\w, /]+…\); missing pods\/myapp_processed_ops_total, pods\/myapp_processed_ops_per_second/);
    expect(r.stderr).toContain('the custom metrics API does not serve pods/myapp_processed_ops_total, pods/myapp_processed_ops_per_second');
    expect(r.stderr).toContain("The rule hpa-lab's values (charts-values/prometheus-adapter.yaml) install for them: myapp_processed_ops_total: seriesQuery:");
    const releases = await f.admin('GET', `/api/v1/secrets?labelSelector=${encodeURIComponent('owner=helm,hpa-lab/managed-by=hpa-lab')}`);
    expect((releases.body.items as unknown[]).length).toBe(0);
    // The lab's dashboard went beside their Prometheus (their namespace); down without the --set of the up
    // (resolving to the lab's own prometheus namespace) still finds it by the lab's labels and removes it.
    const dashboard = await f.admin('GET', DASHBOARD);
    expect(dashboard.status).toBe(200);
    expect((dashboard.body.metadata as { labels: Record<string, string> }).labels['hpa-lab/managed-by']).toBe('hpa-lab');
    const down = await sim.run(['down', '--context', f.context, '--yes']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toContain('ConfigMap monitoring/test-prometheus-autoscaling-dashboard');
    expect((await f.admin('GET', DASHBOARD)).status).toBe(404);
    await nothingChanged();
    expect((await f.admin('GET', `/apis/apps/v1/namespaces/${m.namespace}/deployments/prometheus-adapter`)).status).toBe(200);
  });
});

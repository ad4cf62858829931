// The custom-metrics lab on an existing cluster that runs its own kube-prometheus-stack (test/sim/foreign.ts:
// release monitoring in namespace monitoring, made without hpa-lab): `up --context --set
// prometheus.existing=<their Prometheus Service> --set prometheus.release=monitoring` installs no second Prometheus
// operator, gates on theirs (Available, /-/ready through a forward to their Service), their Prometheus scrapes the
// lab's app (the prometheusTarget gate) and the lab's adapter reads it (the customMetrics gate), the HPA reads the
// metric; `status --context` with the same flags passes every gate (and with a URL that no longer fits, a row
// says so), `demo --context` scales the app to 3 replicas; `down --context` removes the lab's dashboard from their
// namespace and leaves their Prometheus, its operator and CRDs as they were (same uids).
import { afterAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { createForeignCluster, kindLocalRegistry, THEIR_MONITORING } from '../sim/foreign.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

const uid = (r: { body: Record<string, unknown> }) => (r.body.metadata as { uid?: string } | undefined)?.uid;
const LAB_RELEASES = `/api/v1/secrets?labelSelector=${encodeURIComponent('owner=helm,hpa-lab/managed-by=hpa-lab')}`;

describe.skipIf(!requirePrometheus() || !requireKubectl())(`the custom-metrics lab reusing an existing cluster’s Prometheus ${PROMETHEUS_REASON} ${KUBECTL_REASON}`, { timeout: 800_000 }, () => {
  it('up --context --set prometheus.existing=… --set prometheus.release=monitoring: every gate passes on their Prometheus, no second operator; status; demo to 3 replicas; down leaves theirs', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    sims.push(sim);
    const f = await createForeignCluster(sim, { monitoring: true });
    const registry = await kindLocalRegistry(sim, f, sim.ports().app);
    const m = THEIR_MONITORING;
    const theirs = {
      prometheus: await f.admin('GET', `/apis/monitoring.coreos.com/v1/namespaces/${m.namespace}/prometheuses/${m.prometheus}`),
      operator: await f.admin('GET', `/apis/apps/v1/namespaces/${m.namespace}/deployments/${m.release}-kube-prometheus-operator`),
      crd: await f.admin('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com'),
    };
    for (const [k, r] of Object.entries(theirs)) expect(r.status, k).toBe(200);
    const flags = ['--set', `prometheus.existing=${m.url}`, '--set', 'prometheus.release=monitoring'];

    const up = await sim.run(['up', '--context', f.context, '--yes', '--registry', registry, ...flags], { timeoutMs: 420_000 });
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toContain(`kube-prometheus-stack: nothing (reused: Prometheus monitoring/${m.prometheus} behind Service monitoring/${m.prometheus}:9090 (prometheus.existing)`);
    for (const line of [
      /kube-prometheus-stack: not installed, the cluster's own reused \(Prometheus monitoring\/monitoring-kube-prometheus-prometheus .*\), 2 gates passed/,
      /sample-app: applied 3 objects, 4 gates passed/,
      /prometheus-adapter: release prometheus-adapter installed, 3 gates passed/,
      /hpa: applied 1 object, 1 gate passed/,
    ]) {
      expect(up.stdout).toMatch(line);
    }
    // The lab installed no kube-prometheus-stack: its only releases are the adapter (in their namespace, beside their Prometheus).
    const releases = ((await f.admin('GET', LAB_RELEASES)).body.items as Array<{ metadata: { namespace: string; labels: Record<string, string> } }>).map((s) => `${s.metadata.namespace}/${s.metadata.labels.name}`);
    expect([...new Set(releases)]).toEqual(['monitoring/prometheus-adapter']);
    const operators = ((await f.admin('GET', '/apis/apps/v1/deployments')).body.items as Array<{ metadata: { namespace: string; name: string } }>).filter((d) => d.metadata.name.endsWith('prometheus-operator'));
    expect(operators.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([`${m.namespace}/${m.release}-kube-prometheus-operator`]);
    // The lab's adapter queries their Prometheus.
    const adapter = (await f.admin('GET', `/apis/apps/v1/namespaces/${m.namespace}/deployments/prometheus-adapter`)).body as { spec: { template: { spec: { containers: Array<{ args?: string[] }> } } } };
    expect(adapter.spec.template.spec.containers[0]?.args).toContain(`--prometheus-url=http://${m.prometheus}.${m.namespace}.svc:9090`);

    const status = await sim.run(['status', '--context', f.context, '--json', ...flags]);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { ok: boolean; gates: Array<{ component: string; gate: string; ok: boolean; detail: string }> };
    expect(s.ok, status.stdout).toBe(true);
    expect(s.gates.find((g) => g.component === 'kube-prometheus-stack' && /Prometheus/.test(g.gate))?.gate).toContain(m.prometheus);

    // The demo with the same flags: the load drives the HPA through their Prometheus and the lab's adapter.
    const demo = await sim.run(['demo', '--context', f.context, '--expect-replicas', '3', '--within', '3m', '--no-scale-in', '--no-report', ...flags], { timeoutMs: 300_000 });
    expect(demo.exitCode, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s/);

    // A reuse that no longer fits at status time (a Service that is not there): a row naming it, no crash.
    const gone = await sim.run(['status', '--context', f.context, '--set', 'prometheus.existing=http://nope.monitoring.svc:9090', '--set', 'prometheus.release=monitoring']);
    expect(gone.exitCode, gone.stdout + gone.stderr).toBe(1);
    expect(gone.stdout).toMatch(/✖ kube-prometheus-stack +reuses what the cluster runs: prometheus\.existing=http:\/\/nope\.monitoring\.svc:9090: there is no Service monitoring\/nope/);
    expect(gone.stdout + gone.stderr).not.toMatch(/unexpected error|^\s+at .+:\d+:\d+\)?$/m);

    const dashboard = `/api/v1/namespaces/${m.namespace}/configmaps/test-prometheus-autoscaling-dashboard`;
    expect((await f.admin('GET', dashboard)).status).toBe(200);
    const down = await sim.run(['down', '--context', f.context, '--yes', ...flags]);
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    expect(down.stdout).toContain('Helm release monitoring/prometheus-adapter');
    expect(down.stdout).toContain(`ConfigMap ${m.namespace}/test-prometheus-autoscaling-dashboard`);
    expect((await f.admin('GET', dashboard)).status).toBe(404);
    expect(down.stdout).not.toMatch(/kube-prometheus-stack|Namespace monitoring/);
    expect((await f.admin('GET', '/apis/apps/v1/namespaces/default/deployments/test-prometheus')).status).toBe(404);
    const after = {
      prometheus: await f.admin('GET', `/apis/monitoring.coreos.com/v1/namespaces/${m.namespace}/prometheuses/${m.prometheus}`),
      operator: await f.admin('GET', `/apis/apps/v1/namespaces/${m.namespace}/deployments/${m.release}-kube-prometheus-operator`),
      crd: await f.admin('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/servicemonitors.monitoring.coreos.com'),
    };
    for (const k of ['prometheus', 'operator', 'crd'] as const) {
      expect(after[k].status, k).toBe(200);
      expect(uid(after[k]), k).toBe(uid(theirs[k]));
    }
    expect((await f.admin('GET', `/api/v1/namespaces/${m.namespace}`)).status).toBe(200);
  });
});

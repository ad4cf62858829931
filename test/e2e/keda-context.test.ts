// The KEDA stack on an existing cluster: `up --stack keda --context NAME --yes --registry REGISTRY` against a
// foreign simulated cluster (test/sim/foreign.ts: made without hpa-lab, with its own metrics-server). KEDA's
// chart is installed with the lab's labels, the ScaledObject's HPA reads the External metric from the lab's
// Prometheus, the demo's load goes through a port-forward, and `down --context` removes KEDA's release and
// the namespaces the lab made while the cluster's own metrics-server stays.
import { afterAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { createForeignCluster, kindLocalRegistry } from '../sim/foreign.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

describe.skipIf(!requirePrometheus() || !requireKubectl())(`the keda stack on an existing cluster ${PROMETHEUS_REASON} ${KUBECTL_REASON}`, { timeout: 600_000 }, () => {
  it('up --stack keda --context --yes --registry: every gate passes; demo to 3 replicas through a forward; down --context removes KEDA and leaves the cluster’s metrics-server', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    sims.push(sim);
    const f = await createForeignCluster(sim);
    const registry = await kindLocalRegistry(sim, f, sim.ports().app);
    const theirs = await f.admin('GET', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server');
    expect(theirs.status).toBe(200);
    const stack = ['--stack', 'keda', '--context', f.context];

    const up = await sim.run(['up', ...stack, '--yes', '--registry', registry], { timeoutMs: 480_000 });
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toMatch(/keda: Helm release keda\/keda \(keda 2\.20\.2\)/); // what it will install, named before the yes
    for (const line of [/metrics-server: .*reused/, /kube-prometheus-stack: release prometheus installed, 3 gates passed/, /keda: release keda installed, 2 gates passed/, /scaledobject: applied 1 object, 2 gates passed/]) {
      expect(up.stdout).toMatch(line);
    }
    expect(up.stdout).not.toMatch(/prometheus-adapter/);
    // KEDA's release carries the lab's labels: down --context finds it by them.
    const releases = await f.admin('GET', '/api/v1/namespaces/keda/secrets?labelSelector=owner%3Dhelm%2Cname%3Dkeda');
    const items = (releases.body.items ?? []) as Array<{ metadata: { labels: Record<string, string> } }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]?.metadata.labels['hpa-lab/instance']).toBeTruthy();

    const demo = await sim.run(['demo', ...stack, '--expect-replicas', '3', '--within', '3m', '--no-scale-in', '--no-report'], { timeoutMs: 300_000 });
    expect(demo.exitCode, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.stdout).toMatch(/through a port-forward/);
    expect(demo.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s/);

    const down = await sim.run(['down', ...stack, '--yes']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toContain('Helm release keda/keda');
    expect((await f.admin('GET', '/api/v1/namespaces/keda')).status).not.toBe(200);
    expect((await f.admin('GET', '/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/test-prometheus')).status).not.toBe(200);
    const after = await f.admin('GET', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server');
    expect((after.body.metadata as { uid?: string }).uid).toBe((theirs.body.metadata as { uid?: string }).uid);
  });
});

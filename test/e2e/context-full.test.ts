// The whole custom-metrics lab on an existing cluster: `up --context NAME --yes --registry REGISTRY` against a
// foreign simulated cluster (test/sim/foreign.ts: made without hpa-lab, with its own metrics-server) whose admins
// set up kind's local registry. Every gate passes: the app image pushed there and pulled by the node, the cluster's
// own metrics-server reused, and the gates that read the app and Prometheus through port-forwards hpa-lab opens
// (no NodePort is published on that cluster). Then `status --context`, `demo --context` (load through a forward,
// a CI verdict of 3 replicas) and `down --context`, which leaves the foreign cluster's own metrics-server.
import { afterAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { createForeignCluster, kindLocalRegistry } from '../sim/foreign.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

describe.skipIf(!requirePrometheus() || !requireKubectl())(`the custom-metrics lab on an existing cluster ${PROMETHEUS_REASON} ${KUBECTL_REASON}`, { timeout: 400_000 }, () => {
  it('up --context --yes --registry: every gate passes (forwards, the pushed image, the reused metrics-server); status; demo to 3 replicas through a forward; down leaves the cluster’s own metrics-server', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    sims.push(sim);
    const f = await createForeignCluster(sim);
    const registry = await kindLocalRegistry(sim, f, sim.ports().app);
    const theirs = await f.admin('GET', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server');
    expect(theirs.status).toBe(200);

    const up = await sim.run(['up', '--context', f.context, '--yes', '--registry', registry], { timeoutMs: 380_000 });
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    for (const line of [/metrics-server: .*reused/, /kube-prometheus-stack: release prometheus installed, 3 gates passed/, /sample-app-image: image localhost:\d+\/hpa-lab\/sample-app:[0-9a-f]+, built here and pushed there/, /sample-app: applied 3 objects, 4 gates passed/, /prometheus-adapter: release prometheus-adapter installed, 3 gates passed/, /hpa: applied 1 object, 1 gate passed/]) {
      expect(up.stdout).toMatch(line);
    }

    const status = await sim.run(['status', '--context', f.context, '--json']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    // the HPA sync period that cluster runs with, which hpa-lab cannot change there
    expect(status.stdout).toMatch(/"detail": "15s \(no flag: Kubernetes' default\), from kube-controller-manager-team-control-plane; hpa-lab cannot change it on an existing cluster/);

    // The demo there: the load and the readings through a port-forward; the CI verdict as on kind.
    const demo = await sim.run(['demo', '--context', f.context, '--expect-replicas', '3', '--within', '3m', '--no-scale-in', '--no-report'], { timeoutMs: 300_000 });
    expect(demo.exitCode, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.stdout).toMatch(/to http:\/\/127\.0\.0\.1:\d+\/ \(through a port-forward: http:\/\/127\.0\.0\.1:\d+\/\)/);
    expect(demo.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s/);
    const answered = Number(/load {26}([\d.]+) req\/s answered/.exec(demo.stdout)?.[1]);
    // The rate the forward held, for docs/existing-clusters.md (the demo asks 30 req/s by default).
    process.stdout.write(`demo --context: ${answered} req/s answered on average through the port-forward\n`);
    expect(answered).toBeGreaterThan(0);

    const down = await sim.run(['down', '--context', f.context, '--yes']);
    expect(down.exitCode, down.stderr).toBe(0);
    const after = await f.admin('GET', '/apis/apps/v1/namespaces/kube-system/deployments/metrics-server');
    expect(after.status).toBe(200);
    expect((after.body.metadata as { uid?: string }).uid).toBe((theirs.body.metadata as { uid?: string }).uid);
    expect((await f.admin('GET', '/apis/apps/v1/namespaces/default/deployments/test-prometheus')).status).toBe(404);
  });
});

// `demo --context NAME --in-cluster-load` on an existing cluster (test/sim/foreign.ts, made without hpa-lab, with
// kind's local registry): the load comes from a Job there running app/load.ts from the image `up --context
// --registry` pushed (read from the app's pods: the demo takes no --registry), hitting the Service by its DNS
// name through that cluster's kube-proxy, so no port-forward carries the load. The Job carries the lab's labels
// and is gone after.
import { afterAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { eventually } from '../helpers/eventually.ts';
import { createForeignCluster, kindLocalRegistry } from '../sim/foreign.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

interface Job {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { template: { spec: { containers: Array<{ image: string }> } } };
}

describe.skipIf(!requirePrometheus() || !requireKubectl())(`demo --in-cluster-load on an existing cluster ${PROMETHEUS_REASON} ${KUBECTL_REASON}`, { timeout: 500_000 }, () => {
  it('up --context --registry, then demo --context --in-cluster-load reaches 3 replicas with the load from a Job running the pushed image; the Job is gone after', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    sims.push(sim);
    const f = await createForeignCluster(sim);
    const registry = await kindLocalRegistry(sim, f, sim.ports().app);
    const up = await sim.run(['up', '--context', f.context, '--yes', '--registry', registry], { timeoutMs: 380_000 });
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);

    const jobs = async () => {
      const r = await f.admin('GET', '/apis/batch/v1/namespaces/default/jobs?labelSelector=hpa-lab%2Finstance%3Dhpa-lab');
      expect(r.status).toBe(200);
      return (r.body as unknown as { items: Job[] }).items;
    };
    const demo = sim.run(['demo', '--context', f.context, '--in-cluster-load', '--expect-replicas', '3', '--within', '3m', '--no-scale-in', '--no-report'], { timeoutMs: 300_000 });
    let finished = false;
    void demo.finally(() => (finished = true));
    const job = await eventually(
      'the load Job on the existing cluster',
      async () => {
        if (finished) throw new Error('the demo ended before its Job was seen');
        return (await jobs())[0];
      },
      120_000,
      500,
    );
    expect(job.metadata.labels).toMatchObject({ 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' });
    // the image up pushed to the cluster's registry, as the app's pods run it
    expect(job.spec.template.spec.containers[0]?.image).toMatch(new RegExp(`^${registry.replace(/[.:]/g, '\\$&')}/hpa-lab/sample-app:[0-9a-f]+$`));

    const r = await demo;
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/to http:\/\/test-prometheus\.default\.svc:8080\/ from a Job in the cluster/);
    expect(r.stdout).not.toMatch(/through a port-forward/);
    expect(r.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 180s/);
    const held = /in-cluster load held {10}(.*)/.exec(r.stdout)?.[1] ?? '';
    process.stdout.write(`demo --context --in-cluster-load: ${held}\n`);
    expect(Number(/^([\d.]+) req\/s/.exec(held)?.[1])).toBeGreaterThan(20);
    expect(await jobs()).toEqual([]);
  });
});

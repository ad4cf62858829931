// scripts/lib/kube/port-forward.ts against the simulated API server's pods/portforward (test/sim/lib/portforward.ts):
// bytes both ways through a real Prometheus pod, a pod that does not run refused in the API server's words,
// and RBAC: `get pods/portforward` alone is not enough since v1.35, `create` is needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createSim } from './helpers/sim.ts';
import type { Sim } from './helpers/sim.ts';
import { createForeignCluster, until } from './sim/foreign.ts';
import type { ForeignCluster } from './sim/foreign.ts';
import { kubeForContext } from '../scripts/lib/kube/api.ts';
import type { Kube } from '../scripts/lib/kube/api.ts';
import { forwardPod, forwardService, type Forward } from '../scripts/lib/kube/port-forward.ts';

let sim: Sim;
let f: ForeignCluster;
let admin: Kube;
const forwards: Forward[] = [];

const prometheusPod = (name: string, image = 'quay.io/prometheus/prometheus:v3.7.3') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: name, 'app.kubernetes.io/name': 'prometheus', prometheus: name } },
  spec: { containers: [{ name: 'prometheus', image, ports: [{ name: 'web', containerPort: 9090 }] }] },
});
const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } });

beforeAll(async () => {
  sim = await createSim();
  // the dev user: nothing in the core group from the default role; a second role below grants what a test needs
  f = await createForeignCluster(sim, { metricsServer: false, withoutGroups: ['apiregistration.k8s.io', ''] });
  admin = await kubeForContext(readFileSync(sim.env.KUBECONFIG as string, 'utf8'), f.context);
  for (const o of [prometheusPod('prom'), service('prom'), prometheusPod('stuck', 'quay.io/prometheus/prometheus:v0.0.0-none'), service('stuck')]) {
    const r = await f.admin('POST', `/api/v1/namespaces/default/${o.kind === 'Pod' ? 'pods' : 'services'}`, o);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  await until(
    'pod prom Ready',
    async () => {
      const r = await f.admin('GET', '/api/v1/namespaces/default/pods/prom');
      const conds = (r.body.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      return conds.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    },
    90_000,
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(forwards.map((x) => x.close()));
  await sim?.cleanup();
});

describe('port-forward through the API server (pods/portforward, v4.channel.k8s.io)', { timeout: 120_000 }, () => {
  it('carries bytes both ways: a request out, Prometheus’ answers back, a large body each way', async () => {
    const fwd = await forwardService(admin, { namespace: 'default', name: 'prom', port: 80 });
    forwards.push(fwd);
    expect(fwd.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await until('Prometheus ready through the forward', async () => {
      const r = await fetch(`${fwd.url}/-/ready`).catch(() => undefined);
      return r?.status === 200 ? r.text() : undefined;
    });
    expect(ready).toMatch(/Prometheus Server is Ready/);
    // ~64 KiB up (a long query in a POST form) and the answer back, over several frames each way
    const query = `vector(1)${' + vector(0)'.repeat(6000)}`;
    const r = await fetch(`${fwd.url}/api/v1/query`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(query)}` });
    const body = (await r.json()) as { status: string; data?: { result: Array<{ value: [number, string] }> } };
    expect(r.status, JSON.stringify(body).slice(0, 300)).toBe(200);
    expect(body.data?.result[0]?.value[1]).toBe('1');
    const big = await fetch(`${fwd.url}/api/v1/status/flags`);
    expect(big.status).toBe(200);
    expect(((await big.json()) as { data: Record<string, string> }).data['web.listen-address']).toBeDefined();
    expect(fwd.connections).toBeGreaterThan(0);
    expect(fwd.lastError).toBeUndefined();
  });

  it('a pod that is not running: no Ready pod behind the Service, and the API server’s own refusal for the pod', async () => {
    const fwd = await forwardService(admin, { namespace: 'default', name: 'stuck', port: 80 });
    forwards.push(fwd);
    await expect(fetch(`${fwd.url}/-/ready`)).rejects.toThrow();
    expect(fwd.lastError).toMatch(/Service default\/stuck: none of its 1 pod is Ready \(selector app=stuck\)/);
    // straight at the pod (as `kubectl port-forward pod/stuck 9090`): scheduled, but the kubelet has no sandbox for it
    const direct = await forwardPod(admin, 'default', 'stuck', 9090);
    forwards.push(direct);
    await expect(fetch(`${direct.url}/-/ready`)).rejects.toThrow();
    expect(direct.lastError).toContain('HTTP 500: pod not found ("stuck_default")');
    expect(((await f.admin('GET', '/api/v1/namespaces/default/pods/stuck')).body.status as { phase?: string }).phase).toBe('Pending');
  });

  it('RBAC: get pods/portforward alone is refused (create is needed since v1.35); with create the forward works', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const role = (verbs: string[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'forwarder' }, rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/portforward'], verbs }] });
    expect((await f.admin('POST', `${rbac}/clusterroles`, role(['get']))).status).toBe(201);
    expect((await f.admin('POST', `${rbac}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'forwarder' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'forwarder', apiGroup: 'rbac.authorization.k8s.io' } })).status).toBe(201);
    const dev = await kubeForContext(readFileSync(sim.env.KUBECONFIG as string, 'utf8'), f.devContext);
    const fwd = await forwardService(dev, { namespace: 'default', name: 'prom', port: 80 });
    forwards.push(fwd);
    await expect(fetch(`${fwd.url}/-/ready`)).rejects.toThrow();
    expect(fwd.lastError).toContain('HTTP 403: pods "prom" is forbidden: User "dev" cannot create resource "pods/portforward" in API group "" in the namespace "default"');
    const put = await f.admin('DELETE', `${rbac}/clusterroles/forwarder`);
    expect(put.status).toBe(200);
    expect((await f.admin('POST', `${rbac}/clusterroles`, role(['get', 'create']))).status).toBe(201);
    const ok = await until('the forward to work with create', async () => {
      const r = await fetch(`${fwd.url}/-/ready`).catch(() => undefined);
      return r?.status === 200 ? r.text() : undefined;
    });
    expect(ok).toMatch(/Ready/);
  });
});

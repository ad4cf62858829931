// `--context NAME`: the real CLI against a foreign simulated cluster (test/sim/foreign.ts): made without hpa-lab,
// with its own metrics-server, and a second user whose RBAC lacks the apiregistration.k8s.io group. The stack is
// a small one written here (metrics-server, reused or installed, and a ConfigMap in a namespace hpa-lab creates):
// the custom-metrics stack needs NodePorts and an image load, which an existing cluster does not offer yet.
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { createForeignCluster, until } from '../sim/foreign.ts';

const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

function writeStack(sim: Sim, notesExtra = '', opts: { reuse?: boolean; file?: string } = {}): string {
  const manifests = path.join(sim.home, 'notes.yaml');
  writeFileSync(manifests, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab-notes\n  namespace: hpa-lab-ctx\ndata:\n  note: made by hpa-lab\n');
  const stack = path.join(sim.home, opts.file ?? 'ctx-stack.yaml');
  writeFileSync(
    stack,
    `apiVersion: hpa-lab/v1alpha1
kind: Stack
name: ctx-test
description: metrics-server (reused when the cluster has one) and one ConfigMap
components:
  - name: metrics-server
    needs: [cluster]
    helm:
      release: metrics-server
      namespace: kube-system
      chart: metrics-server
      repo: https://kubernetes-sigs.github.io/metrics-server/
      version: 3.13.1
      values: charts-values/metrics-server.yaml
${opts.reuse === false ? '' : '    existing:\n      reuseApiService: v1beta1.metrics.k8s.io\n'}    gates:
      - type: apiServiceAvailable
        name: v1beta1.metrics.k8s.io
        deadline: 2m
  - name: notes
    needs: [cluster]
    manifests: ${manifests}
${notesExtra}`,
  );
  return stack;
}

async function newSim(): Promise<Sim> {
  const sim = await createSim();
  sims.push(sim);
  return sim;
}

const metricsApiAvailable = async (f: Awaited<ReturnType<typeof createForeignCluster>>) => {
  const r = await f.admin('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io');
  const conds = ((r.body.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
  return conds.some((c) => c.type === 'Available' && c.status === 'True') ? r.body : undefined;
};

describe('--context: an existing cluster hpa-lab did not make', { timeout: 240_000 }, () => {
  it('an unknown context is exit 2 naming it and the contexts there are, before any work', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, { metricsServer: false });
    const r = await sim.run(['up', '--context', 'nope', '--yes', '--stack', writeStack(sim)]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--context nope: no such context in .*kubeconfig/);
    expect(r.stderr).toContain(`contexts there: ${f.context}, ${f.devContext}`);
    expect(r.stdout).not.toMatch(/Preflight/);
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    // --yes belongs to --context
    const yes = await sim.run(['up', '--yes', '--stack', writeStack(sim)]);
    expect(yes.exitCode).toBe(2);
    expect(yes.stderr).toMatch(/--yes: only with --context/);
    const force = await sim.run(['down', '--context', f.context, '--force']);
    expect(force.exitCode).toBe(2);
    expect(force.stderr).toMatch(/--force: not with --context/);
    const help = await sim.run(['up', '--help']);
    expect(help.stdout).toMatch(/--context <name> +an existing cluster instead of the lab’s kind cluster/);
    expect(help.stdout).toMatch(/--yes +with --context: do not ask \(scripts, CI\); without a terminal and without --yes: exit 2/);
  });

  it('reuses the cluster’s own metrics-server; refuses without --yes and without a terminal; down removes only what it made', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim);
    const theirs = await until('the foreign metrics-server to serve the metrics API', () => metricsApiAvailable(f));
    const stack = writeStack(sim);

    // plan --context (and up --dry-run --context): up's read-only preflight there, then what up would do, as YAML on
    // stdout (the preflight's progress on stderr); nothing changed.
    const plan = await sim.run(['plan', '--context', f.context, '--stack', stack]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/Preflight on context team-admin: \d+ ok/);
    const docs = parseAllDocuments(plan.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> });
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual(['Target team-admin', 'Namespace hpa-lab-ctx', 'Reused metrics-server', 'ConfigMap lab-notes']);
    expect(docs[0]?.spec).toMatchObject({ context: 'team-admin', kubernetesVersion: 'v1.36.1', labels: { 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' } });
    expect(String(docs[0]?.spec?.server)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(docs[2]?.spec?.reason).toBe('APIService v1beta1.metrics.k8s.io is served by Service kube-system/metrics-server, which hpa-lab did not install');
    for (const d of [docs[1], docs[3]]) expect(d?.metadata.labels).toMatchObject({ 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' });
    expect(plan.stdout).not.toMatch(/kind create cluster|ImageCache/);
    const dry = await sim.run(['up', '--dry-run', '--context', f.context, '--stack', stack]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(plan.stdout);
    expect((await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx')).status).toBe(404);

    // No terminal (stdin is not a TTY in sim.run) and no --yes: exit 2 after saying what it would do; nothing changed.
    const refused = await sim.run(['up', '--context', f.context, '--stack', stack]);
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.stdout).toContain(`context     ${f.context}`);
    expect(refused.stdout).toMatch(/API server {2}https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v1\.36\.1\)/);
    expect(refused.stdout).toMatch(/metrics-server: nothing \(reused: APIService v1beta1\.metrics\.k8s\.io is served by Service kube-system\/metrics-server, which hpa-lab did not install\)/);
    expect(refused.stdout).toContain('notes: ConfigMap hpa-lab-ctx/lab-notes');
    expect(refused.stderr).toMatch(/refusing to change an existing cluster without a confirmation: there is no terminal to ask on, and --yes was not given/);
    expect((await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx')).status).toBe(404);
    // A stack that does not say metrics-server may be reused: their release of that name is a conflict, never taken over.
    const takeover = await sim.run(['up', '--context', f.context, '--yes', '--stack', writeStack(sim, '', { reuse: false, file: 'no-reuse.yaml' })]);
    expect(takeover.exitCode, takeover.stderr).toBe(1);
    expect(takeover.stderr).toContain('metrics-server: a Helm release kube-system/metrics-server already exists and was not installed by hpa-lab: upgrading it would take it over');

    const up = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/cluster reachable: context team-admin, https:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.36\.1, 1 node Ready/);
    expect(up.stdout).toMatch(/metrics-server: not installed, the cluster's own reused .*1 gate passed/);
    const ns = await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx');
    expect((ns.body.metadata as { labels?: Record<string, string> }).labels).toMatchObject({ 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' });
    const cm = await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx/configmaps/lab-notes');
    expect((cm.body.metadata as { labels?: Record<string, string> }).labels).toMatchObject({ 'hpa-lab/managed-by': 'hpa-lab', 'hpa-lab/instance': 'hpa-lab' });
    // still their one metrics-server release, without hpa-lab's labels
    const releases = await f.admin('GET', `/api/v1/namespaces/kube-system/secrets?labelSelector=${encodeURIComponent('owner=helm,name=metrics-server')}`);
    expect((releases.body.items as unknown[]).length).toBe(1);

    const status = await sim.run(['status', '--context', f.context, '--stack', stack, '--json']);
    const s = JSON.parse(status.stdout) as { ok: boolean; context: string; gates: Array<{ component: string; gate: string; ok: boolean }> };
    expect(s, status.stdout).toMatchObject({ ok: true, context: f.context });
    expect(s.gates.map((g) => g.gate)).not.toContain('kind cluster exists');

    const down = await sim.run(['down', '--context', f.context, '--yes', '--stack', stack]);
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    expect(down.stdout).toContain('ConfigMap hpa-lab-ctx/lab-notes');
    expect(down.stdout).toContain('Namespace hpa-lab-ctx');
    expect(down.stdout).not.toMatch(/Helm release/);
    await until('namespace hpa-lab-ctx to be gone', async () => ((await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx')).status === 404 ? true : undefined));
    // theirs, untouched: the APIService (same uid), its release, the cluster itself
    const after = await metricsApiAvailable(f);
    expect((after?.metadata as { uid?: string } | undefined)?.uid).toBe((theirs.metadata as { uid?: string }).uid);
    expect(((await f.admin('GET', `/api/v1/namespaces/kube-system/secrets?labelSelector=${encodeURIComponent('owner=helm,name=metrics-server')}`)).body.items as unknown[]).length).toBe(1);
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout.trim()).toBe(f.name);
  });

  // Issue 18 item 8: with AuthorizePodWebsocketUpgradeCreatePermission (on since Kubernetes 1.35) a port-forward
  // over WebSocket needs create on pods/portforward, not only get: the review names it before any change.
  it('a user who may get but not create pods/portforward is refused in preflight, naming it and the Service forwarded to', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, {
      withoutGroups: [],
      coreRules: [
        { apiGroups: [''], resources: ['*'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['namespaces', 'configmaps', 'secrets', 'services', 'serviceaccounts'], verbs: ['*'] },
      ],
    });
    const stack = writeStack(sim);
    appendFileSync(stack, 'forwards:\n  - url: http://127.0.0.1:30999\n    service: hpa-lab-ctx/notes\n    port: 80\n');
    const r = await sim.run(['plan', '--context', f.devContext, '--stack', stack]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the user of context team-admin-dev may not do 1 of the \d+ things the stack needs: create pods\/portforward in namespace hpa-lab-ctx/);
    expect(r.stderr).toContain('Service hpa-lab-ctx/notes');
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
  });

  it('a user whose RBAC lacks apiregistration.k8s.io is refused, naming each missing permission; with the admin, hpa-lab installs metrics-server labelled and down removes it', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, { metricsServer: false });
    const stack = writeStack(sim);
    const refused = await sim.run(['up', '--context', f.devContext, '--yes', '--stack', stack]);
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/preflight on context team-admin-dev failed: the user of context team-admin-dev may not do 3 of the \d+ things the stack needs: create apiservices\.apiregistration\.k8s\.io \(cluster-scoped\); get apiservices\.apiregistration\.k8s\.io \(cluster-scoped\); patch apiservices\.apiregistration\.k8s\.io \(cluster-scoped\)/);
    expect(refused.stderr).not.toMatch(NO_STACK_TRACE);
    expect((await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx')).status).toBe(404);
    // plan --context fails the same way (its preflight is up's), and prints no plan
    const plan = await sim.run(['plan', '--context', f.devContext, '--stack', stack]);
    expect(plan.exitCode, plan.stderr).toBe(1);
    expect(plan.stderr).toMatch(/preflight on context team-admin-dev failed: the user of context team-admin-dev may not do 3 of/);
    expect(plan.stdout).toBe('');

    const up = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/metrics-server: release metrics-server installed/);
    const rel = await f.admin('GET', `/api/v1/namespaces/kube-system/secrets?labelSelector=${encodeURIComponent('owner=helm,name=metrics-server,hpa-lab/managed-by=hpa-lab,hpa-lab/instance=hpa-lab')}`);
    expect((rel.body.items as unknown[]).length).toBe(1);
    // a re-run converges: the release is unchanged, its labels are still there
    const again = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(again.exitCode, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(/release metrics-server unchanged/);

    const down = await sim.run(['down', '--context', f.context, '--yes', '--stack', stack]);
    expect(down.exitCode, down.stderr + down.stdout).toBe(0);
    expect(down.stdout).toContain('Helm release kube-system/metrics-server');
    expect((await f.admin('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).status).toBe(404);
    // never the namespaces it did not create, nor the team's own RBAC
    expect((await f.admin('GET', '/api/v1/namespaces/kube-system')).status).toBe(200);
    expect((await f.admin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/team-dev')).status).toBe(200);
    const downAgain = await sim.run(['down', '--context', f.context, '--yes', '--stack', stack]);
    expect(downAgain.exitCode).toBe(0);
    expect(downAgain.stdout).toMatch(/Nothing to do: context team-admin has nothing labelled/);
  });

  it('someone else’s custom-metrics APIService or Prometheus operator CRD stops up, each named, nothing changed; an image stack is refused (exit 2)', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, { metricsServer: false });
    const apiService = await f.admin('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.custom.metrics.k8s.io' },
      spec: { group: 'custom.metrics.k8s.io', version: 'v1beta1', service: { namespace: 'monitoring', name: 'their-adapter' }, groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true },
    });
    expect(apiService.status, JSON.stringify(apiService.body)).toBe(201);
    const crd = await f.admin('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'prometheuses.monitoring.coreos.com' },
      spec: { group: 'monitoring.coreos.com', scope: 'Namespaced', names: { plural: 'prometheuses', singular: 'prometheus', kind: 'Prometheus', listKind: 'PrometheusList' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    expect(crd.status, JSON.stringify(crd.body)).toBe(201);
    // their own namespace and ConfigMap of the same names as the lab's
    expect((await f.admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hpa-lab-ctx' } })).status).toBe(201);
    expect((await f.admin('POST', '/api/v1/namespaces/hpa-lab-ctx/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lab-notes' }, data: { note: 'theirs' } })).status).toBe(201);
    const stack = writeStack(sim, '    existing:\n      conflicts:\n        apiServices: [v1beta1.custom.metrics.k8s.io]\n        crds: [prometheuses.monitoring.coreos.com]\n');
    const r = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('notes: APIService v1beta1.custom.metrics.k8s.io already exists, served by Service monitoring/their-adapter (not installed by hpa-lab)');
    expect(r.stderr).toContain('notes: CRD prometheuses.monitoring.coreos.com already exists (not installed by hpa-lab)');
    expect(r.stderr).toContain('notes: ConfigMap hpa-lab-ctx/lab-notes already exists and was not made by hpa-lab: applying would take it over');
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    const cm = await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx/configmaps/lab-notes');
    expect(cm.body.data).toEqual({ note: 'theirs' });
    expect((cm.body.metadata as { labels?: Record<string, string> }).labels?.['hpa-lab/managed-by']).toBeUndefined();
    // and down --context leaves their namespace and ConfigMap alone
    const down = await sim.run(['down', '--context', f.context, '--yes', '--stack', stack]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/Nothing to do/);
    expect((await f.admin('GET', '/api/v1/namespaces/hpa-lab-ctx/configmaps/lab-notes')).status).toBe(200);

    const image = await sim.run(['up', '--context', f.context, '--yes']);
    expect(image.exitCode, image.stderr).toBe(2);
    expect(image.stderr).toMatch(/--context team-admin: stack custom-metrics builds an image \(sample-app-image\) and no --registry was given to push it to/);
    expect(image.stderr).toMatch(/npm run up -- --context team-admin --registry REGISTRY/);
    expect(image.stdout).not.toMatch(/Preflight/);
  });

  it('a cluster older than a chart’s kubeVersion is refused in preflight, naming the chart, its constraint and the version', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, { metricsServer: false, image: 'kindest/node:v1.24.17' });
    const stack = path.join(sim.home, 'kps.yaml');
    writeFileSync(
      stack,
      `apiVersion: hpa-lab/v1alpha1
kind: Stack
name: kps-only
components:
  - name: kube-prometheus-stack
    needs: [cluster]
    helm:
      release: prometheus
      namespace: prometheus
      chart: kube-prometheus-stack
      repo: https://prometheus-community.github.io/helm-charts
      version: 88.5.3
      values: charts-values/kube-prometheus-stack.yaml
      subcharts:
        grafana: { repo: https://grafana-community.github.io/helm-charts, version: 12.11.1 }
        kube-state-metrics: { repo: https://prometheus-community.github.io/helm-charts, version: 8.4.0 }
        prometheus-node-exporter: { repo: https://prometheus-community.github.io/helm-charts, version: 4.56.1 }
`,
    );
    const r = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('kube-prometheus-stack 88.5.3 needs Kubernetes >=1.25.0-0; the cluster runs v1.24.17');
    expect((await f.admin('GET', '/api/v1/namespaces/prometheus')).status).toBe(404);
  });
  it('no NodePorts there: a gate and status reach the stack’s Service through port-forwards hpa-lab opens (pods/portforward)', async () => {
    const sim = await newSim();
    const f = await createForeignCluster(sim, { metricsServer: false });
    const manifests = path.join(sim.home, 'web.yaml');
    // A published image the simulated registries hold, run as a real Prometheus process by the simulated kubelet.
    writeFileSync(
      manifests,
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: hpa-lab-ctx }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web, app.kubernetes.io/name: prometheus, prometheus: web } }
    spec:
      containers:
        - name: prometheus
          image: quay.io/prometheus/prometheus:v3.7.3
          ports: [{ name: web, containerPort: 9090 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: hpa-lab-ctx }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: web }]
`,
    );
    const stack = path.join(sim.home, 'web-stack.yaml');
    writeFileSync(
      stack,
      `apiVersion: hpa-lab/v1alpha1
kind: Stack
name: web
settings:
  web: { nodePort: 30090 }
types:
  web.nodePort: node-port
urls:
  web: http://127.0.0.1:\${web.nodePort}
forwards:
  - url: http://127.0.0.1:\${web.nodePort}
    service: hpa-lab-ctx/web
    port: 80
components:
  - name: web
    needs: [cluster]
    manifests: ${manifests}
    gates:
      - type: http
        url: http://127.0.0.1:\${web.nodePort}/-/ready
        expectBody: Ready
        deadline: 2m
`,
    );
    const up = await sim.run(['up', '--context', f.context, '--yes', '--stack', stack]);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    // the gate's URL was the forward's (a free local port), not the NodePort nothing publishes there
    expect(up.stdout).toMatch(/web: applied 2 objects, 2 gates passed/);
    const log = await import('node:fs').then((fs) => fs.readFileSync(path.join(sim.home, 'nodes', f.name, 'apiserver.log'), 'utf8'));
    expect(log).toMatch(/portforward hpa-lab-ctx\/web-[a-z0-9]+-[a-z0-9]+ ports 9090 \(v4\.channel\.k8s\.io\)/);

    const status = await sim.run(['status', '--context', f.context, '--stack', stack]);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/✔ web +http:\/\/127\.0\.0\.1:(?!30090)\d+\/-\/ready answers "Ready": Prometheus Server is Ready/);
    expect(status.stdout).toMatch(/URLs, through port-forwards this command opened for its probes/);
    expect(status.stdout).toMatch(/ {2}web {9}http:\/\/127\.0\.0\.1:(?!30090)\d+\n/);
    expect(status.stdout).toContain(`kubectl --context ${f.context} port-forward -n hpa-lab-ctx svc/web 8080:80`);
    const json = JSON.parse((await sim.run(['status', '--context', f.context, '--stack', stack, '--json'])).stdout) as { ok: boolean; urls: Record<string, string> };
    expect(json.ok).toBe(true);
    expect(json.urls.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(json.urls.web).not.toBe('http://127.0.0.1:30090');
  });
});

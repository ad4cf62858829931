// The simulated charts and workload controllers (test/sim/charts, test/sim/lib/{workloads,kubelet,endpoints}):
// the exact helm command lines hpa-lab runs, the objects each chart creates (names, labels, selectors as the
// upstream templates render them), Helm's release bookkeeping, and the behaviours the lab's gates depend on
// (metrics-server with and without --kubelet-insecure-tls, the operator's Prometheus, the adapter's rules,
// a locally built image before and after `kind load`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, REPO_ROOT, requireKubectl, type Sim } from './helpers/sim.ts';
import { sharedPath } from './helpers/shared.ts';
import { apiBaseFor, simFetch } from './sim/lib/apiclient.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

type Obj = Record<string, unknown>;
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string }>;
}
interface KObj {
  metadata: Meta;
  spec?: Obj;
  status?: Obj;
  data?: Record<string, string>;
  type?: string;
}
interface List {
  items: KObj[];
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const MS_REPO = 'https://kubernetes-sigs.github.io/metrics-server/';
const PC_REPO = 'https://prometheus-community.github.io/helm-charts';

/** https://127.0.0.1:PORT of the cluster's API; simFetch() presents its admin client certificate. */
function apiBase(sim: Sim, cluster: string): string {
  return apiBaseFor(sim.home, cluster);
}

async function getJson<T = KObj>(base: string, p: string): Promise<{ status: number; body: T }> {
  const res = await simFetch(`${base}${p}`);
  return { status: res.status, body: (await res.json()) as T };
}

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => waitUntil(what, fn, timeoutMs, 150);

const cond = (o: KObj | undefined, type: string) => ((o?.status?.conditions as Condition[] | undefined) ?? []).find((c) => c.type === type);
const isReady = (p: KObj) => cond(p, 'Ready')?.status === 'True';

function helmUpgrade(release: string, chart: string, repo: string, version: string, ns: string, cluster: string, extra: string[] = []): string[] {
  return ['upgrade', '--install', release, chart, '--repo', repo, '--version', version, '--namespace', ns, '--create-namespace', ...extra, '--kube-context', `kind-${cluster}`, '--timeout', '5m0s'];
}

async function deploymentReady(base: string, ns: string, name: string): Promise<KObj> {
  return eventually(`Deployment ${ns}/${name} ready`, async () => {
    const { status, body } = await getJson(base, `/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
    const replicas = (body.spec?.replicas as number | undefined) ?? 1;
    return status === 200 && body.status?.readyReplicas === replicas && body.status.updatedReplicas === replicas ? body : undefined;
  });
}

async function podsOf(base: string, ns: string, selector: string): Promise<KObj[]> {
  return (await getJson<List>(base, `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items;
}

describe('the lab charts on one simulated cluster (Helm 4)', () => {
  let sim: Sim;
  let base: string;
  const cluster = 'charts';
  const ports = () => sim.ports();

  beforeAll(async () => {
    sim = await createSim();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', cluster, '--config', sim.writeKindConfig(sim.ports())]);
    expect(r.exitCode, r.stderr).toBe(0);
    base = apiBase(sim, cluster);
  });
  afterAll(() => sim.cleanup());

  it('helm rejects unknown flags, unknown chart versions and a missing namespace like Helm', async () => {
    const ctx = ['--kube-context', `kind-${cluster}`];
    const [flag, badVersion, badChart, noNs, noRelease, noList, noContext, show] = await Promise.all([
      sim.exec('helm', ['upgrade', '--install', 'x', 'metrics-server', '--bogus']),
      sim.exec('helm', helmUpgrade('metrics-server', 'metrics-server', MS_REPO, '9.9.9', 'kube-system', cluster)),
      sim.exec('helm', helmUpgrade('x', 'nope', PC_REPO, '1.0.0', 'default', cluster)),
      sim.exec('helm', ['upgrade', '--install', 'ms', 'metrics-server', '--repo', MS_REPO, '--version', '3.13.1', '-n', 'nowhere', ...ctx]),
      sim.exec('helm', ['get', 'values', 'ghost', '--namespace', 'default', '--output', 'json', ...ctx]),
      sim.exec('helm', ['list', '--namespace', 'default', '--filter', '^ghost$', '--output', 'json', ...ctx]),
      sim.exec('helm', ['list', '--kube-context', 'kind-elsewhere']),
      sim.exec('helm', ['show', 'values', 'prometheus-adapter', '--repo', PC_REPO, '--version', '5.3.0']),
    ]);
    expect(flag).toMatchObject({ exitCode: 1, stderr: 'Error: unknown flag: --bogus\n' });
    expect(badVersion).toMatchObject({ exitCode: 1, stdout: 'Release "metrics-server" does not exist. Installing it now.\n', stderr: `Error: chart "metrics-server" version "9.9.9" not found in ${MS_REPO} repository\n` });
    expect(badChart.stderr).toBe(`Error: chart "nope" not found in ${PC_REPO} repository\n`);
    expect(noNs).toMatchObject({ exitCode: 1, stderr: 'Error: create: failed to create: namespaces "nowhere" not found\n' });
    expect(noRelease).toMatchObject({ exitCode: 1, stderr: 'Error: release: not found\n' });
    expect(noList).toMatchObject({ exitCode: 0, stdout: '[]\n' });
    expect(noContext).toMatchObject({ exitCode: 1, stderr: 'Error: kubernetes cluster unreachable: context "kind-elsewhere" does not exist\n' }); // Helm 4's lower case
    expect(show.stdout).toBe(readFileSync(sharedPath('upstream-values', 'prometheus-adapter-5.3.0.yaml'), 'utf8'));
  });

  it('metrics-server 3.13.1 with the lab values: release recorded like Helm, Ready, APIService Available, node metrics served', async () => {
    const args = helmUpgrade('metrics-server', 'metrics-server', MS_REPO, '3.13.1', 'kube-system', cluster, ['--values', path.join(REPO_ROOT, 'charts-values/metrics-server.yaml')]);
    const r = await sim.exec('helm', args);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Release "metrics-server" does not exist\. Installing it now\.\nNAME: metrics-server\nLAST DEPLOYED: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nNAMESPACE: kube-system\nSTATUS: deployed\nREVISION: 1\nTEST SUITE: None\nNOTES:\n/);

    const secret = (await getJson(base, '/api/v1/namespaces/kube-system/secrets/sh.helm.release.v1.metrics-server.v1')).body;
    expect(secret.type).toBe('helm.sh/release.v1');
    expect(secret.metadata.labels).toMatchObject({ name: 'metrics-server', owner: 'helm', status: 'deployed', version: '1' });

    const list = await sim.exec('helm', ['list', '--namespace', 'kube-system', '--filter', '^metrics-server$', '--output', 'json', '--kube-context', `kind-${cluster}`]);
    const entries = JSON.parse(list.stdout) as Obj[];
    expect(entries).toEqual([{ name: 'metrics-server', namespace: 'kube-system', revision: '1', updated: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \w+$/) as unknown, status: 'deployed', chart: 'metrics-server-3.13.1', app_version: '0.8.1' }]);
    const values = await sim.exec('helm', ['get', 'values', 'metrics-server', '--namespace', 'kube-system', '--output', 'json', '--kube-context', `kind-${cluster}`]);
    expect(JSON.parse(values.stdout)).toEqual({ args: ['--kubelet-insecure-tls'] });

    const dep = await deploymentReady(base, 'kube-system', 'metrics-server');
    expect(dep.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server', 'helm.sh/chart': 'metrics-server-3.13.1', 'app.kubernetes.io/managed-by': 'Helm' });
    expect(dep.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'metrics-server', 'meta.helm.sh/release-namespace': 'kube-system' });
    const container = ((dep.spec?.template as Obj).spec as { containers: Array<{ args: string[]; image: string }> }).containers[0];
    expect(container?.args).toEqual(['--secure-port=10250', '--cert-dir=/tmp', '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname', '--kubelet-use-node-status-port', '--metric-resolution=15s', '--kubelet-insecure-tls']);
    expect(container?.image).toBe('registry.k8s.io/metrics-server/metrics-server:v0.8.1');
    const svc = (await getJson(base, '/api/v1/namespaces/kube-system/services/metrics-server')).body;
    expect(svc.spec).toMatchObject({ ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }], selector: { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' } });

    const apisvc = await eventually('APIService v1beta1.metrics.k8s.io Available', async () => {
      const a = (await getJson(base, '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).body;
      return cond(a, 'Available')?.status === 'True' ? a : undefined;
    });
    expect(apisvc.spec).toMatchObject({ group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'metrics-server', namespace: 'kube-system', port: 443 } });
    const nodes = await getJson<{ kind: string; items: Array<{ metadata: Meta; usage: { cpu: string; memory: string } }> }>(base, '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(nodes.status).toBe(200);
    expect(nodes.body.kind).toBe('NodeMetricsList');
    expect(nodes.body.items.map((i) => i.metadata.name)).toEqual([`${cluster}-control-plane`]);
    expect(nodes.body.items[0]?.usage.cpu).toMatch(/^\d+n$/);
    const pods = await getJson<{ items: Array<{ metadata: Meta; containers: unknown[] }> }>(base, '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods');
    expect(pods.body.items.some((p) => p.metadata.name.startsWith('metrics-server-'))).toBe(true);
    const discovery = (await getJson<{ groups: Array<{ name: string }> }>(base, '/apis')).body.groups.map((g) => g.name);
    expect(discovery).toContain('metrics.k8s.io');
  });

  it('upgrading with identical values makes revision 2 without touching the workload', async () => {
    const before = await podsOf(base, 'kube-system', 'app.kubernetes.io/name=metrics-server');
    const rsBefore = (await getJson<List>(base, '/apis/apps/v1/namespaces/kube-system/replicasets?labelSelector=app.kubernetes.io%2Fname%3Dmetrics-server')).body.items.map((x) => x.metadata.name);
    const r = await sim.exec('helm', helmUpgrade('metrics-server', 'metrics-server', MS_REPO, '3.13.1', 'kube-system', cluster, ['--values', path.join(REPO_ROOT, 'charts-values/metrics-server.yaml')]));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Release "metrics-server" has been upgraded\. Happy Helming!\nNAME: metrics-server\n[^]*REVISION: 2\n/);
    const v1 = (await getJson(base, '/api/v1/namespaces/kube-system/secrets/sh.helm.release.v1.metrics-server.v1')).body;
    expect(v1.metadata.labels?.status).toBe('superseded');
    const manifests = await Promise.all([1, 2].map((rev) => sim.exec('helm', ['get', 'manifest', 'metrics-server', '-n', 'kube-system', '--revision', String(rev), '--kube-context', `kind-${cluster}`])));
    expect(manifests[1]?.stdout).toBe(manifests[0]?.stdout);
    await new Promise((res) => setTimeout(res, 600));
    expect((await podsOf(base, 'kube-system', 'app.kubernetes.io/name=metrics-server')).map((p) => p.metadata.name)).toEqual(before.map((p) => p.metadata.name));
    expect((await getJson<List>(base, '/apis/apps/v1/namespaces/kube-system/replicasets?labelSelector=app.kubernetes.io%2Fname%3Dmetrics-server')).body.items.map((x) => x.metadata.name)).toEqual(rsBefore);
  });

  it('kube-prometheus-stack 88.5.3: CRDs, operator, Prometheus CR selecting release=prometheus, NodePort Service, operator-made StatefulSet', async () => {
    const { prometheus: promPort, grafana: grafanaPort } = ports();
    const r = await sim.exec(
      'helm',
      helmUpgrade('prometheus', 'kube-prometheus-stack', PC_REPO, '88.5.3', 'prometheus', cluster, [
        '--values',
        path.join(REPO_ROOT, 'charts-values/kube-prometheus-stack.yaml'),
        '--set',
        `prometheus.service.nodePort=${promPort}`,
        '--set',
        `grafana.service.nodePort=${grafanaPort}`,
        '--set',
        'grafana.adminPassword=x',
      ]),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const crds = (await getJson<List>(base, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body.items.map((c) => c.metadata.name).filter((n) => n.endsWith('.monitoring.coreos.com'));
    expect(crds.sort()).toEqual(['alertmanagerconfigs', 'alertmanagers', 'podmonitors', 'probes', 'prometheusagents', 'prometheuses', 'prometheusrules', 'scrapeconfigs', 'servicemonitors', 'thanosrulers'].map((p) => `${p}.monitoring.coreos.com`));

    const prom = (await getJson(base, '/apis/monitoring.coreos.com/v1/namespaces/prometheus/prometheuses/prometheus-kube-prometheus-prometheus')).body;
    expect(prom.spec).toMatchObject({ serviceMonitorSelector: { matchLabels: { release: 'prometheus' } }, serviceMonitorNamespaceSelector: {}, scrapeInterval: '30s', evaluationInterval: '30s', retention: '6h', portName: 'http-web', serviceAccountName: 'prometheus-kube-prometheus-prometheus' });
    const svc = (await getJson(base, '/api/v1/namespaces/prometheus/services/prometheus-kube-prometheus-prometheus')).body;
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'prometheus-kube-prometheus-prometheus' } });
    expect((svc.spec?.ports as Obj[])[0]).toMatchObject({ name: 'http-web', port: 9090, targetPort: 9090, nodePort: promPort });
    const grafanaSvc = (await getJson(base, '/api/v1/namespaces/prometheus/services/prometheus-grafana')).body;
    expect((grafanaSvc.spec?.ports as Obj[])[0]).toMatchObject({ port: 80, targetPort: 'grafana', nodePort: grafanaPort });
    const grafanaSecret = (await getJson(base, '/api/v1/namespaces/prometheus/secrets/prometheus-grafana')).body;
    expect(Buffer.from(grafanaSecret.data?.['admin-password'] ?? '', 'base64').toString()).toBe('x');
    expect(Buffer.from(grafanaSecret.data?.['admin-user'] ?? '', 'base64').toString()).toBe('admin');

    // Grafana's Deployment carries no release label (the real render shows it): a selector release=prometheus misses it,
    // which is why the lab's gates read the release's workloads from the release itself.
    const deps = await eventually('release=prometheus Deployments Ready', async () => {
      const items = (await getJson<List>(base, '/apis/apps/v1/namespaces/prometheus/deployments?labelSelector=release%3Dprometheus')).body.items;
      return items.length && items.every((d) => d.status?.readyReplicas === 1) ? items : undefined;
    });
    expect(deps.map((d) => d.metadata.name).sort()).toEqual(['prometheus-kube-prometheus-operator', 'prometheus-kube-state-metrics']);
    expect(deps.find((d) => d.metadata.name.endsWith('-operator'))?.metadata.labels).toMatchObject({ app: 'kube-prometheus-stack-operator', release: 'prometheus', chart: 'kube-prometheus-stack-88.5.3', heritage: 'Helm' });
    await deploymentReady(base, 'prometheus', 'prometheus-grafana');
    expect((await getJson<List>(base, '/apis/apps/v1/namespaces/prometheus/daemonsets')).body.items).toEqual([]);
    expect((await getJson<List>(base, '/apis/monitoring.coreos.com/v1/namespaces/prometheus/alertmanagers')).body.items).toEqual([]);

    const sts = await eventually('the operator creates the Prometheus StatefulSet', async () => {
      const s = await getJson(base, '/apis/apps/v1/namespaces/prometheus/statefulsets/prometheus-prometheus-kube-prometheus-prometheus');
      return s.status === 200 ? s.body : undefined;
    });
    expect(sts.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Prometheus', name: 'prometheus-kube-prometheus-prometheus' });
    const pod = await eventually('pod prometheus-prometheus-kube-prometheus-prometheus-0', async () => {
      const p = await getJson(base, '/api/v1/namespaces/prometheus/pods/prometheus-prometheus-kube-prometheus-prometheus-0');
      return p.status === 200 ? p.body : undefined;
    });
    expect(pod.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'prometheus', prometheus: 'prometheus-kube-prometheus-prometheus', 'operator.prometheus.io/name': 'prometheus-kube-prometheus-prometheus' });
    expect((await getJson(base, '/api/v1/namespaces/prometheus/services/prometheus-operated')).body.spec).toMatchObject({ clusterIP: 'None' });
    // A second stack asking for the same nodePort fails at its Service, with the API server's words.
    const clash = await sim.exec('helm', helmUpgrade('o', 'kube-prometheus-stack', PC_REPO, '88.5.3', 'other', cluster, ['--set', 'prometheus.service.type=NodePort', '--set', `prometheus.service.nodePort=${promPort}`, '--set', 'prometheusOperator.enabled=false']));
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr).toBe(`Error: failed to create resource: Service "o-kube-prometheus-stack-prometheus" is invalid: spec.ports[0].nodePort: Invalid value: ${promPort}: provided port is already allocated\n`);
    expect(JSON.parse((await sim.exec('helm', ['list', '-n', 'other', '--failed', '-o', 'json', '--kube-context', `kind-${cluster}`])).stdout)).toMatchObject([{ name: 'o', status: 'failed' }]);

    const sms = (await getJson<List>(base, '/apis/monitoring.coreos.com/v1/namespaces/prometheus/servicemonitors')).body.items;
    expect(sms.map((s) => s.metadata.name)).toContain('prometheus-kube-prometheus-prometheus');
    // Every ServiceMonitor of the release carries release=prometheus, Grafana's too (the real render shows it).
    expect(sms.filter((s) => s.metadata.labels?.release !== 'prometheus').map((s) => s.metadata.name)).toEqual([]);
  });

  it('prometheus-adapter 5.3.0: rules in the ConfigMap, the chart\'s args, APIService only with rules; a rules change rolls the pod', async () => {
    const valuesFile = path.join(REPO_ROOT, 'charts-values/prometheus-adapter.yaml');
    const install = (extra: string[]) => sim.exec('helm', helmUpgrade('prometheus-adapter', 'prometheus-adapter', PC_REPO, '5.3.0', 'prometheus', cluster, ['--values', valuesFile, '--set', 'prometheus.url=http://prometheus-kube-prometheus-prometheus.prometheus.svc', ...extra]));
    const r = await install([]);
    expect(r.exitCode, r.stderr).toBe(0);
    const cm = (await getJson(base, '/api/v1/namespaces/prometheus/configmaps/prometheus-adapter')).body;
    const config = cm.data?.['config.yaml'] ?? '';
    expect(config).toMatch(/^rules:\n- /);
    expect(config).toContain('myapp_processed_ops_total');
    expect(config).not.toContain('container_'); // rules.default: false
    expect(config).not.toMatch(/externalRules|resourceRules/);
    const dep = await deploymentReady(base, 'prometheus', 'prometheus-adapter');
    const tmpl = dep.spec?.template as { metadata: Meta; spec: { containers: Array<{ args: string[] }> } };
    const relist = (readFileSync(valuesFile, 'utf8').match(/^metricsRelistInterval: (\S+)/m) ?? [])[1];
    expect(tmpl.spec.containers[0]?.args).toEqual(['/adapter', '--secure-port=6443', '--cert-dir=/tmp/cert', '--prometheus-url=http://prometheus-kube-prometheus-prometheus.prometheus.svc:9090', `--metrics-relist-interval=${relist ?? ''}`, '--v=4', '--config=/etc/adapter/config.yaml']);
    expect(tmpl.metadata.annotations?.['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(dep.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'prometheus-adapter', 'app.kubernetes.io/instance': 'prometheus-adapter' });
    await eventually('APIService v1beta1.custom.metrics.k8s.io Available', async () => cond((await getJson(base, '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io')).body, 'Available')?.status === 'True');
    expect((await getJson(base, '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io')).status).toBe(404);
    const [firstPod] = await podsOf(base, 'prometheus', 'app.kubernetes.io/name=prometheus-adapter');

    // A rules change (the rate window) changes the checksum: a new ReplicaSet, a new pod, the old one gone.
    const r2 = await install(['--set', 'rules.custom[1].metricsQuery=sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)']);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect((await getJson(base, '/api/v1/namespaces/prometheus/configmaps/prometheus-adapter')).body.data?.['config.yaml']).toContain('[2m]');
    const rolled = await eventually('the adapter pod rolled', async () => {
      const pods = await podsOf(base, 'prometheus', 'app.kubernetes.io/name=prometheus-adapter');
      const [only] = pods;
      return pods.length === 1 && only && only.metadata.name !== firstPod?.metadata.name && isReady(only) ? only : undefined;
    });
    expect(rolled.metadata.name).toMatch(/^prometheus-adapter-[a-z0-9]+-[a-z0-9]{5}$/);

    // Without any rules the chart renders no APIService, and the upgrade deletes the one it had.
    const r3 = await install(['--set', 'rules.custom=null']);
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect((await getJson(base, '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io')).status).toBe(404);
    const un = await sim.exec('helm', ['uninstall', 'prometheus-adapter', '--namespace', 'prometheus', '--kube-context', `kind-${cluster}`]);
    expect(un).toMatchObject({ exitCode: 0, stdout: 'release "prometheus-adapter" uninstalled\n' });
    expect((await getJson(base, '/apis/apps/v1/namespaces/prometheus/deployments/prometheus-adapter')).status).toBe(404);
    expect((await getJson<List>(base, '/api/v1/namespaces/prometheus/secrets?labelSelector=owner%3Dhelm%2Cname%3Dprometheus-adapter')).body.items).toEqual([]);
  });

  it.skipIf(!requireKubectl())(`kubectl shows the workloads: replicasets, statefulsets, apiservices, endpoints, events, servicemonitors${KUBECTL_REASON}`, async () => {
    const k = (...a: string[]) => sim.exec('kubectl', ['--context', `kind-${cluster}`, ...a]);
    expect((await k('get', 'apiservice', 'v1beta1.metrics.k8s.io')).stdout).toMatch(/^NAME +SERVICE +AVAILABLE +AGE\nv1beta1\.metrics\.k8s\.io +kube-system\/metrics-server +True +/);
    expect((await k('get', 'statefulsets', '-n', 'prometheus')).stdout).toMatch(/prometheus-prometheus-kube-prometheus-prometheus +\d\/1 /);
    expect((await k('get', 'replicasets', '-n', 'kube-system', '-l', 'app.kubernetes.io/name=metrics-server')).stdout).toMatch(/^NAME +DESIRED +CURRENT +READY +AGE\nmetrics-server-\S+ +1 +1 +1 /);
    expect((await k('get', 'endpoints', 'metrics-server', '-n', 'kube-system')).stdout).toMatch(/metrics-server +10\.244\.0\.\d+:10250 /);
    const events = (await k('get', 'events', '-n', 'kube-system')).stdout;
    expect(events).toMatch(/Normal +ScalingReplicaSet +deployment\/metrics-server +Scaled up replica set metrics-server-\S+ from 0 to 1/);
    expect(events).toMatch(/Normal +Scheduled +pod\/metrics-server-\S+ +Successfully assigned kube-system\/metrics-server-\S+ to charts-control-plane/);
    expect((await k('get', 'servicemonitors', '-n', 'prometheus')).stdout).toMatch(/prometheus-kube-prometheus-operator/);
    expect((await k('top', 'nodes')).stdout).toMatch(/charts-control-plane +\d+m /);
    expect((await k('get', 'prometheus', '-n', 'prometheus')).stdout).toMatch(/^NAME +VERSION +DESIRED +READY +RECONCILED +AVAILABLE +AGE\nprometheus-kube-prometheus-prometheus +v3\.\S+ +1 +\d+ +True +/);
  });
});

describe('metrics-server without --kubelet-insecure-tls, and a local image before and after kind load (Helm 3)', () => {
  let sim: Sim;
  let base: string;
  const cluster = 'x509';
  const helm3 = { env: { HPA_LAB_SIM_HELM_VERSION: '3.19.0' } };

  beforeAll(async () => {
    sim = await createSim();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', cluster]);
    expect(r.exitCode, r.stderr).toBe(0);
    base = apiBase(sim, cluster);
  });
  afterAll(() => sim.cleanup());

  it('stays 0/1 Ready, logs the x509 failure, APIService Available=False, metrics API answers 503', async () => {
    const r = await sim.exec('helm', helmUpgrade('metrics-server', 'metrics-server', MS_REPO, '3.13.1', 'kube-system', cluster), helm3);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await sim.exec('helm', ['get', 'values', 'metrics-server', '-n', 'kube-system', '-o', 'json', '--kube-context', `kind-${cluster}`], helm3)).stdout).toBe('null\n');
    const pod = await eventually('metrics-server Running with a started container', async () => {
      const [p] = await podsOf(base, 'kube-system', 'app.kubernetes.io/name=metrics-server');
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    const logs = await eventually('x509 lines in the log', async () => {
      const res = await simFetch(`${base}/api/v1/namespaces/kube-system/pods/${pod.metadata.name}/log?tailLines=50`);
      const text = await res.text();
      return /x509: cannot validate certificate for 172\.18\.0\.2 because it doesn't contain any IP SANs/.test(text) && text.includes('no metrics to serve') ? text : undefined;
    });
    expect(logs).toMatch(/^E\d{4} \d\d:\d\d:\d\d\.\d{6} +1 scraper\.go:149\] "Failed to scrape node" err="Get \\"https:\/\/172\.18\.0\.2:10250\/metrics\/resource\\": tls: failed to verify certificate: x509: cannot validate certificate for 172\.18\.0\.2 because it doesn't contain any IP SANs" node="x509-control-plane"$/m);
    expect(logs).toContain('"Failed probe" probe="metric-storage-ready" err="no metrics to serve"');
    await new Promise((res) => setTimeout(res, 1500));
    const now = (await getJson(base, `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}`)).body;
    expect(cond(now, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect((now.status?.containerStatuses as Array<{ ready: boolean; state: Obj }>)[0]).toMatchObject({ ready: false, state: { running: {} } });
    const apisvc = (await getJson(base, '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).body;
    expect(cond(apisvc, 'Available')).toMatchObject({ status: 'False', reason: 'MissingEndpoints' });
    const metrics = await getJson(base, '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(metrics).toEqual({ status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', details: { causes: [{ reason: 'UnexpectedServerResponse', message: 'service unavailable', field: '' }] }, code: 503 } });
    const events = (await getJson<List>(base, `/api/v1/namespaces/kube-system/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${pod.metadata.name}`)}`)).body.items as Array<KObj & { reason?: string; message?: string }>;
    expect(events.find((e) => e.reason === 'Unhealthy')?.message).toBe('Readiness probe failed: HTTP probe failed with statuscode: 500');
  });

  it.skipIf(!requireKubectl())(`kubectl shows that APIService as False (MissingEndpoints), and kubectl top fails${KUBECTL_REASON}`, async () => {
    const k = await sim.exec('kubectl', ['--context', `kind-${cluster}`, 'get', 'apiservice', 'v1beta1.metrics.k8s.io']);
    expect(k.stdout).toMatch(/v1beta1\.metrics\.k8s\.io +kube-system\/metrics-server +False \(MissingEndpoints\) +/);
    const top = await sim.exec('kubectl', ['--context', `kind-${cluster}`, 'top', 'nodes']);
    expect(top.exitCode).toBe(1);
  });

  it('an hpa-lab/ image not loaded into the node: ErrImagePull, ImagePullBackOff; after kind load it runs', async () => {
    const image = 'hpa-lab/sample-app:simtest';
    const b = await sim.exec('docker', ['build', '-t', image, path.join(REPO_ROOT, 'app')]);
    expect(b.exitCode, b.stderr).toBe(0);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] } } },
    };
    const created = await simFetch(`${base}/apis/apps/v1/namespaces/default/deployments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(deployment) });
    expect(created.status).toBe(201);
    const waiting = async (reason: string) =>
      eventually(`container waiting ${reason}`, async () => {
        const [p] = await podsOf(base, 'default', 'app=app');
        const w = ((p?.status?.containerStatuses as Array<{ state: { waiting?: { reason: string; message: string } } }> | undefined) ?? [])[0]?.state.waiting;
        return w?.reason === reason ? { pod: p as KObj, waiting: w } : undefined;
      });
    const pulled = await waiting('ErrImagePull');
    expect(pulled.pod.status?.phase).toBe('Pending');
    expect(pulled.waiting.message).toContain('failed to pull and unpack image "docker.io/hpa-lab/sample-app:simtest"');
    expect(pulled.waiting.message).toContain('pull access denied');
    await waiting('ImagePullBackOff');
    const events = (await getJson<List>(base, '/api/v1/namespaces/default/events')).body.items as Array<KObj & { reason?: string; message?: string }>;
    expect(events.some((e) => e.reason === 'Failed' && e.message?.startsWith(`Failed to pull image "${image}": failed to pull and unpack image`))).toBe(true);
    expect(events.some((e) => e.reason === 'BackOff' && e.message === `Back-off pulling image "${image}"`)).toBe(true);
    const logRes = await simFetch(`${base}/api/v1/namespaces/default/pods/${pulled.pod.metadata.name}/log`);
    expect(logRes.status).toBe(400);

    const load = await sim.exec('kind', ['load', 'docker-image', image, '--name', cluster]);
    expect(load.exitCode, load.stderr).toBe(0);
    const node = (await getJson(base, `/api/v1/nodes/${cluster}-control-plane`)).body;
    expect(((node.status?.images as Array<{ names: string[] }>) ?? []).some((i) => i.names.includes('docker.io/hpa-lab/sample-app:simtest') && i.names.includes(image))).toBe(true);
    const running = await eventually(
      'the app pod Running and Ready after kind load',
      async () => {
        const [p] = await podsOf(base, 'default', 'app=app');
        return p?.status?.phase === 'Running' && isReady(p) ? p : undefined;
      },
      15_000,
    );
    expect(running.metadata.name).toBe(pulled.pod.metadata.name);
    expect(running.status?.podIP).toMatch(/^10\.244\.0\.\d+$/);
  });
});

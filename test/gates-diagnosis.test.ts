// Each gate a stack uses (scripts/lib/gates/probes.ts makeGate), as the stacks declare it, against FakeKube in a
// known failure state: the gate gives up at its deadline (fake clock, instant) and says the cause and the fix.
// Gates that read Prometheus or a host port over HTTP get a local server, or a port nobody listens on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGate } from '../scripts/lib/gates/probes.ts';
import { GateTimeoutError, waitFor } from '../scripts/lib/gates/poll.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { loadStack, makeResolver, type GateData } from '../scripts/lib/stack/stack-file.ts';
import { FakeKube, fakeClock, type KObject } from './helpers/fakes.ts';

const covered = new Set<string>();

/** A gate of a real stack, resolved as `up` resolves it (optionally with --set overrides). */
function stackGate(stack: string, component: string, type: string, sets: Array<[string, unknown]> = []): GateData {
  covered.add(type);
  const s = loadStack(REPO_ROOT, stack);
  const c = s.components.find((x) => x.name === component);
  const g = c?.gates.find((x) => x.type === type);
  if (!g) throw new Error(`${stack}: ${component} has no ${type} gate`);
  const resolver = makeResolver(s, { sets, secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': 'hpa-lab/sample-app:test' } });
  return { ...resolver.resolve(g, `${component}.gates`), deadlineMs: 5000 };
}

async function giveUp(g: GateData, kube: FakeKube): Promise<GateTimeoutError> {
  const err = await waitFor(makeGate(g, kube), { clock: fakeClock() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof GateTimeoutError)) throw new Error(`expected the gate to give up, got ${String(err)}`);
  return err;
}

const lastObserved = (e: GateTimeoutError) => e.details[0]?.replace(/^last observed: /, '');
const apiService = (name: string, status: string, reason?: string, message?: string): KObject => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name },
  status: { conditions: [{ type: 'Available', status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) }] },
});
const pod = (namespace: string, name: string, labels: Record<string, string>, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels, ownerReferences: [{ kind: 'ReplicaSet', name: name.replace(/-[^-]+$/, '') }] },
  status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'main', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
  ...extra,
});
const event = (namespace: string, pod: string, reason: string, message: string, kind = 'Pod'): KObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${pod}.${reason}`, namespace },
  involvedObject: { kind, name: pod },
  reason,
  type: 'Warning',
  message,
});
const waiting = (reason: string, message?: string, image?: string) => ({
  phase: 'Pending',
  containerStatuses: [{ name: 'main', ready: false, restartCount: reason === 'CrashLoopBackOff' ? 7 : 0, ...(image ? { image } : {}), state: { waiting: { reason, ...(message ? { message } : {}) } } }],
});

// ---- a local Prometheus (targets, queries) and a port nobody listens on ---------------------------------------

let prom: http.Server;
let promUrl = '';
let refusedUrl = '';
let targets: unknown[] = [];

beforeAll(async () => {
  prom = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.startsWith('/api/v1/targets')) res.end(JSON.stringify({ status: 'success', data: { activeTargets: targets, droppedTargets: [] } }));
    else if (req.url?.startsWith('/api/v1/query')) res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => prom.listen(0, '127.0.0.1', resolve));
  promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => prom.close(() => resolve())));

// ---- the gates ------------------------------------------------------------------------------------------------

describe('apiServiceAvailable', () => {
  it('Available=False (FailedDiscoveryCheck): the aggregated server behind it is not serving', async () => {
    const kube = new FakeKube().put(apiService('v1beta1.metrics.k8s.io', 'False', 'FailedDiscoveryCheck', 'failing or missing response from https://10.96.12.3:443/apis/metrics.k8s.io/v1beta1: 503'));
    const e = await giveUp(stackGate('custom-metrics', 'metrics-server', 'apiServiceAvailable'), kube);
    expect(e.message).toBe('gave up waiting 5s for APIService v1beta1.metrics.k8s.io Available');
    expect(lastObserved(e)).toBe('Available=False (FailedDiscoveryCheck: failing or missing response from https://10.96.12.3:443/apis/metrics.k8s.io/v1beta1: 503)');
    expect(e.why).toBe('the aggregated API server behind it is not serving yet (its pod is not Ready, or crashing)');
    expect(e.fix).toContain('diagnostics folder');
  });

  it('a missing APIService whose adapter pod cannot mount a Secret: names the Secret and the volume (the involved pods)', async () => {
    const kube = new FakeKube().put(
      pod('prometheus', 'prometheus-adapter-7c9f-abcde', { 'app.kubernetes.io/name': 'prometheus-adapter' }),
      pod('prometheus', 'unrelated-1', { app: 'other' }),
      event('prometheus', 'prometheus-adapter-7c9f-abcde', 'FailedMount', 'MountVolume.SetUp failed for volume "volume-serving-cert" : secret "prometheus-adapter-tls" not found'),
    );
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'apiServiceAvailable'), kube);
    expect(lastObserved(e)).toBe('APIService v1beta1.custom.metrics.k8s.io does not exist yet');
    expect(e.why).toBe('pod prometheus-adapter-7c9f-abcde cannot start: its volume "volume-serving-cert" mounts Secret "prometheus-adapter-tls", which does not exist in namespace prometheus (FailedMount)');
    expect(e.fix).toContain('find what should create Secret prometheus-adapter-tls');
    expect(kube.log).toContain('GET /api/v1/namespaces/prometheus/pods?labelSelector=app.kubernetes.io%2Fname%3Dprometheus-adapter');
  });
});

describe('nodeMetrics', () => {
  it('metrics.k8s.io unavailable while metrics-server crash-loops: the involved pod named, with where its log is', async () => {
    const kube = new FakeKube()
      .setRaw('/apis/metrics.k8s.io/v1beta1/nodes', 503, 'the server is currently unable to handle the request (get nodes.metrics.k8s.io)')
      .put(pod('kube-system', 'metrics-server-6d94-x2x7q', { 'app.kubernetes.io/name': 'metrics-server' }, { status: waiting('CrashLoopBackOff') }));
    const e = await giveUp(stackGate('custom-metrics', 'metrics-server', 'nodeMetrics'), kube);
    expect(lastObserved(e)).toBe('HTTP 503: the server is currently unable to handle the request (get nodes.metrics.k8s.io)');
    expect(e.why).toBe('container main of pod metrics-server-6d94-x2x7q keeps crashing (CrashLoopBackOff)');
    expect(e.fix).toBe('see its log: kubectl logs -n kube-system metrics-server-6d94-x2x7q -c main --previous (the diagnostics folder has the tail)');
  });
});

describe('condition', () => {
  it("Prometheus Available while its CRD is not served, the operator pod missing the admission Secret: the Secret named", async () => {
    const kube = new FakeKube().put(
      pod('prometheus', 'prometheus-kube-prometheus-operator-5d8f-abcde', { app: 'kube-prometheus-stack-operator' }),
      event('prometheus', 'prometheus-kube-prometheus-operator-5d8f-abcde', 'FailedMount', 'MountVolume.SetUp failed for volume "tls-secret" : secret "prometheus-kube-prometheus-admission" not found'),
    );
    const e = await giveUp(stackGate('custom-metrics', 'kube-prometheus-stack', 'condition'), kube);
    expect(e.message).toBe('gave up waiting 5s for Prometheus prometheus/prometheus-kube-prometheus-prometheus Available=True');
    expect(lastObserved(e)).toBe('the API serves no kind Prometheus in monitoring.coreos.com/v1 yet');
    expect(e.why).toContain('mounts Secret "prometheus-kube-prometheus-admission", which does not exist in namespace prometheus');
  });

  it('a ScaledObject whose Ready condition is False: its reason and message are the last state, a crashing KEDA operator the cause', async () => {
    const kube = new FakeKube().put(
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'test-prometheus', namespace: 'default' },
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ScaledObjectCheckFailed', message: 'failed to ensure HPA is correctly created for ScaledObject' }] },
      },
      pod('keda', 'keda-operator-6b8c-q1w2e', { app: 'keda-operator' }, { status: waiting('CrashLoopBackOff') }),
    );
    const e = await giveUp(stackGate('keda', 'scaledobject', 'condition'), kube);
    expect(e.message).toBe('gave up waiting 5s for ScaledObject default/test-prometheus Ready=True');
    expect(lastObserved(e)).toBe('Ready=False (ScaledObjectCheckFailed: failed to ensure HPA is correctly created for ScaledObject)');
    expect(e.why).toBe('container main of pod keda-operator-6b8c-q1w2e keeps crashing (CrashLoopBackOff)');
    expect(kube.log).toContain('GET /apis/keda.sh/v1alpha1'); // the kind's path found by discovery
  });
});

describe('prometheusReady and http', () => {
  it('prometheusReady: connection refused means the pod is not Ready or the nodePort is not mapped', async () => {
    const e = await giveUp({ ...stackGate('custom-metrics', 'kube-prometheus-stack', 'prometheusReady'), url: refusedUrl }, new FakeKube());
    expect(lastObserved(e)).toBe(`connection refused by ${new URL(refusedUrl).host}`);
    expect(e.why).toBe(`nothing answers at ${refusedUrl}: the Prometheus pod is not Ready yet, or the Service's nodePort does not match the kind port mapping`);
    expect(e.fix).toContain('prometheus.service.nodePort');
  });

  it('http: connection refused means no port mapping or another nodePort', async () => {
    const e = await giveUp({ ...stackGate('custom-metrics', 'sample-app', 'http'), url: `${refusedUrl}/` }, new FakeKube());
    expect(e.message).toBe(`gave up waiting 5s for ${refusedUrl}/ answers "Hello, World!"`);
    expect(e.why).toBe('nothing listens on that host port: the kind cluster lacks the port mapping, or the Service has another nodePort');
  });
});

describe('podsReady', () => {
  it('an image the node cannot pull: the image and the pull error named, and that up loads what it builds', async () => {
    const kube = new FakeKube().put(pod('default', 'test-prometheus-5f6d-aaaaa', { app: 'test-prometheus' }, { status: waiting('ImagePullBackOff', 'Back-off pulling image "hpa-lab/sample-app:test"', 'hpa-lab/sample-app:test') }), event('default', 'test-prometheus-5f6d-aaaaa', 'Failed', 'Failed to pull image "hpa-lab/sample-app:test": pull access denied, repository does not exist'));
    const e = await giveUp(stackGate('custom-metrics', 'sample-app', 'podsReady'), kube);
    expect(lastObserved(e)).toBe('test-prometheus-5f6d-aaaaa Pending 0/1 ready (ImagePullBackOff)');
    expect(e.why).toBe('the node cannot pull image hpa-lab/sample-app:test for container main of pod test-prometheus-5f6d-aaaaa (ImagePullBackOff: Failed to pull image "hpa-lab/sample-app:test": pull access denied, repository does not exist)');
    expect(e.fix).toContain('kind load');
  });
});

describe('prometheusTarget', () => {
  const g = () => ({ ...stackGate('custom-metrics', 'sample-app', 'prometheusTarget'), url: promUrl });
  const prometheus: KObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'prometheus-kube-prometheus-prometheus', namespace: 'prometheus' }, spec: { serviceMonitorSelector: { matchLabels: { release: 'prometheus' } } } };
  const sm = (labels: Record<string, string>): KObject => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'test-prometheus', namespace: 'default', labels }, spec: { selector: { matchLabels: { app: 'test-prometheus' } }, endpoints: [{ port: 'prometheus-port' }] } });

  it('a ServiceMonitor without the label Prometheus selects: names the Prometheus, the label and the ServiceMonitor', async () => {
    targets = [{ scrapePool: 'serviceMonitor/prometheus/prometheus-grafana/0', health: 'up', labels: {} }];
    const e = await giveUp(g(), new FakeKube().put(prometheus, sm({ app: 'test-prometheus' })));
    expect(lastObserved(e)).toBe('no target in scrape pool serviceMonitor/default/test-prometheus/0');
    expect(e.why).toBe('Prometheus prometheus/prometheus-kube-prometheus-prometheus selects ServiceMonitors by label release: prometheus, and ServiceMonitor default/test-prometheus lacks it');
    expect(e.fix).toContain('metadata.labels: {release: prometheus}');
  });

  it('a ServiceMonitor that does not exist, and one that is selected but matches no Service', async () => {
    targets = [];
    expect((await giveUp(g(), new FakeKube().put(prometheus))).why).toBe('ServiceMonitor default/test-prometheus does not exist');
    expect((await giveUp(g(), new FakeKube().put(prometheus, sm({ release: 'prometheus' })))).why).toMatch(/^the ServiceMonitor is selected but Prometheus has no target for it/);
  });

  it('a target that is down: its health and error are the last state', async () => {
    targets = [{ scrapePool: 'serviceMonitor/default/test-prometheus/0', health: 'down', lastError: 'Get "http://10.244.0.9:8080/metrics": connection refused', labels: {} }];
    const e = await giveUp(g(), new FakeKube());
    expect(lastObserved(e)).toBe('1/1 targets down: Get "http://10.244.0.9:8080/metrics": connection refused');
  });
});

describe('customMetrics', () => {
  const adapter = (url: string) => pod('prometheus', 'prometheus-adapter-7c9f-abcde', { 'app.kubernetes.io/name': 'prometheus-adapter' }, { spec: { containers: [{ name: 'prometheus-adapter', args: ['/adapter', '--secure-port=6443', `--prometheus-url=${url}`, '--metrics-relist-interval=1m'] }] } });
  const noResources = (kube: FakeKube) => kube.setRaw('/apis/custom.metrics.k8s.io/v1beta1', 200, { kind: 'APIResourceList', groupVersion: 'custom.metrics.k8s.io/v1beta1', resources: [] });

  it("an adapter whose --prometheus-url names a Service that does not exist (the chart's default URL): the URL and the Service named", async () => {
    const kube = noResources(new FakeKube()).put(adapter('http://prometheus.default.svc:9090'));
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'customMetrics'), kube);
    expect(lastObserved(e)).toBe('discovery lists no resources; missing pods/myapp_processed_ops_total, pods/myapp_processed_ops_per_second');
    expect(e.why).toBe('the metrics adapter queries http://prometheus.default.svc:9090, but there is no Service prometheus in namespace default');
    expect(e.fix).toContain('settings.prometheus.url');
  });

  it('the Service exists: the rules are the suspect, and the lab’s rule for each missing metric is named', async () => {
    const kube = noResources(new FakeKube()).put(adapter('http://prometheus-kube-prometheus-prometheus.prometheus.svc:9090'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-kube-prometheus-prometheus', namespace: 'prometheus' } });
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'customMetrics'), kube);
    expect(e.why).toMatch(/^the custom metrics API does not serve pods\/myapp_processed_ops_total, pods\/myapp_processed_ops_per_second: the rules of the adapter serving it yield no such metric/);
    expect(e.why).toContain('myapp_processed_ops_per_second: seriesQuery: "{__name__=~\\"^myapp_processed_ops_total$\\",namespace!=\\"\\",pod!=\\"\\"}", name: {matches: "^(.*)_total$", as: "${1}_per_second"}');
    expect(e.fix).toMatch(/^an adapter hpa-lab reuses: add such a rule to its configuration \(rules\.custom\)/);
  });

  it('an adapter someone else runs (reused) with the chart’s default rules: it serves pods/myapp_processed_ops, not the two the HPA needs; both named with the lab’s rules', async () => {
    const kube = new FakeKube().setRaw('/apis/custom.metrics.k8s.io/v1beta1', 200, { kind: 'APIResourceList', groupVersion: 'custom.metrics.k8s.io/v1beta1', resources: [{ name: 'pods/myapp_processed_ops' }, { name: 'namespaces/myapp_processed_ops' }] });
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'customMetrics'), kube);
    expect(lastObserved(e)).toBe('discovery lists pods/myapp_processed_ops, namespaces/myapp_processed_ops; missing pods/myapp_processed_ops_total, pods/myapp_processed_ops_per_second');
    expect(e.why).toContain('The rule hpa-lab\'s values (charts-values/prometheus-adapter.yaml) install for them: myapp_processed_ops_total: seriesQuery: ');
    expect(e.why).toContain('| myapp_processed_ops_per_second: seriesQuery: ');
  });

  // An adapter with generic rules (the chart's defaults) lists a resource per metric and per resource it associates
  // the series' labels with (custom-metrics-apiserver pkg/provider/resource_lister.go: GroupResource.String() + "/"
  // + metric): many. The line names the first few for pods; none for pods, how many each resource has.
  const discovery = (names: string[]) => new FakeKube().setRaw('/apis/custom.metrics.k8s.io/v1beta1', 200, { kind: 'APIResourceList', groupVersion: 'custom.metrics.k8s.io/v1beta1', resources: names.map((name) => ({ name, namespaced: true, kind: 'MetricValueList', verbs: ['get'] })) });
  const scrapeSeries = ['scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up'];

  it('an adapter that lists many resources: the first five for pods, then …', async () => {
    const names = ['jobs.batch', 'namespaces', 'pods', 'services'].flatMap((r) => scrapeSeries.map((s) => `${r}/${s}`)).concat('pods/myapp_processed_ops');
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'customMetrics'), discovery(names));
    expect(lastObserved(e)).toBe('discovery lists 21 resources (pods/scrape_duration_seconds, pods/scrape_samples_post_metric_relabeling, pods/scrape_samples_scraped, pods/scrape_series_added, pods/up, …); missing pods/myapp_processed_ops_total, pods/myapp_processed_ops_per_second');
  });

  it('an adapter whose last relist found no series of a pod (their Prometheus had scraped only the API server): how many each resource has, never an empty list', async () => {
    const names = ['jobs.batch', 'namespaces', 'services'].flatMap((r) => scrapeSeries.map((s) => `${r}/${s}`));
    const e = await giveUp(stackGate('custom-metrics', 'prometheus-adapter', 'customMetrics'), discovery(names));
    expect(lastObserved(e)).toBe('discovery lists 15 resources, none for pods (5 for jobs.batch, 5 for namespaces, 5 for services); missing pods/myapp_processed_ops_total, pods/myapp_processed_ops_per_second');
    expect(e.why).toMatch(/^the custom metrics API does not serve pods\/myapp_processed_ops_total, pods\/myapp_processed_ops_per_second: .*\(or it has not relisted yet\)/);
  });
});

describe('hpaReading', () => {
  const hpa = (namespace: string, reason: string, message: string): KObject => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'test-prometheus-hpa', namespace },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'test-prometheus' } },
    status: { currentReplicas: 0, conditions: [{ type: 'ScalingActive', status: 'False', reason, message }] },
  });
  const app: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'test-prometheus', namespace: 'default' }, spec: {} };

  it('an HPA in another namespace than its Deployment: says an HPA must live in its workload’s namespace', async () => {
    const kube = new FakeKube().put(app, hpa('monitoring', 'FailedGetScale', 'deployments/scale.apps "test-prometheus" not found'));
    const e = await giveUp(stackGate('custom-metrics', 'hpa', 'hpaReading', [['hpa.namespace', 'monitoring']]), kube);
    expect(lastObserved(e)).toBe('ScalingActive=False (FailedGetScale: deployments/scale.apps "test-prometheus" not found)');
    expect(e.why).toBe('the HPA is in namespace monitoring, but its target Deployment test-prometheus is not there: an HPA must live in its workload\'s namespace');
    expect(e.fix).toContain('settings.hpa.namespace');
  });

  // Issue 18 item 14: the lab's HPA controller syncs every 5 s (--hpa-sync-period), another cluster's at its own
  // period: the gate states no period it does not know.
  it('an HPA with no status yet: says the controller has not synced it, naming no hard-coded period', async () => {
    const e = await giveUp(stackGate('custom-metrics', 'hpa', 'hpaReading'), new FakeKube().put(app, { ...hpa('default', 'x', 'y'), status: {} }));
    expect(lastObserved(e)).toBe('no status yet (the HPA controller has not synced it yet: it does every --horizontal-pod-autoscaler-sync-period)');
    expect(lastObserved(e)).not.toMatch(/15s/);
  });

  it('FailedGetPodsMetric (custom metrics) and FailedGetExternalMetric (KEDA): which metrics API to ask', async () => {
    const custom = await giveUp(stackGate('custom-metrics', 'hpa', 'hpaReading'), new FakeKube().put(app, hpa('default', 'FailedGetPodsMetric', 'unable to get metric myapp_processed_ops_per_second: no metrics returned from custom metrics API')));
    expect(custom.why).toMatch(/^the HPA cannot read its metric from the custom metrics API/);
    expect(custom.fix).toBe('kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1 lists what is served');
    const keda = await giveUp(stackGate('keda', 'scaledobject', 'hpaReading'), new FakeKube().put(app, { ...hpa('default', 'FailedGetExternalMetric', 'unable to get external metric default/s0-prometheus'), metadata: { name: 'keda-hpa-test-prometheus', namespace: 'default' } }));
    expect(keda.why).toMatch(/^the HPA cannot read its metric from the external metrics API/);
    expect(keda.fix).toBe('kubectl get --raw /apis/external.metrics.k8s.io/v1beta1 lists what is served');
  });
});

describe('coverage', () => {
  it('every gate type a stack uses has a diagnosis test above', () => {
    const used = new Set<string>();
    for (const f of readdirSync(path.join(REPO_ROOT, 'stacks')).filter((x) => x.endsWith('.yaml'))) {
      for (const c of loadStack(REPO_ROOT, path.join('stacks', f)).components) for (const g of c.gates) used.add(g.type);
    }
    expect([...used].filter((t) => !covered.has(t))).toEqual([]);
  });
});

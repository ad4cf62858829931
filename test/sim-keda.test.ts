// KEDA 2.20.2 working on the simulated cluster (charts/keda-software.ts): kube-prometheus-stack installed with the
// lab's values through the simulated helm (its operator makes the Prometheus that the data path runs for real),
// the real sample app behind a NodePort with a ServiceMonitor, the keda chart, then ScaledObjects with a
// prometheus trigger. The operator makes the HPA keda-hpa-<name> as KEDA builds it, its metrics API server answers
// external.metrics.k8s.io from the real Prometheus, and the simulated HPA controller scales the app out under real
// load and back in after it. Plus the pure parts (KEDA's quantities, metadata parsing, the HPA's External
// arithmetic).
//
// The real-Prometheus part skips (visibly) without /usr/bin/prometheus, unless HPA_LAB_REQUIRE_PROMETHEUS=1 (CI).
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kedaQuantity, parsePrometheusMetadata, prometheusQueryUrl, type PrometheusMeta } from './sim/charts/keda-software.ts';
import { calcExternalPerPodReplicas, calcExternalValueReplicas, labelSelectorGoString } from './sim/datapath/hpa-calc.ts';
import { parseQuantityMilli } from './sim/datapath/quantity.ts';
import { apiBaseFor, simFetch } from './sim/lib/apiclient.ts';
import { PROMETHEUS_REASON, requirePrometheus } from './helpers/prometheus.ts';
import { createSim, KUBECTL_REASON, REPO_ROOT, requireKubectl, type Sim, type SimPorts } from './helpers/sim.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

type Obj = Record<string, unknown>;

// ---- pure parts ---------------------------------------------------------------------------------------------

describe("KEDA's quantities (quantityFromFloat64 through the gRPC hop)", () => {
  it('prints %.3f as ParseQuantity keeps it, or canonically', () => {
    expect(kedaQuantity(5)).toBe('5');
    expect(kedaQuantity(0)).toBe('0');
    expect(kedaQuantity(2.5)).toBe('2.500');
    expect(kedaQuantity(12.3456)).toBe('12.346');
    expect(kedaQuantity(0.25)).toBe('250m');
    expect(kedaQuantity(0.1)).toBe('100m');
    expect(kedaQuantity(1000)).toBe('1k');
    expect(kedaQuantity(1234.5)).toBe('1234.500');
    expect(kedaQuantity(20)).toBe('20');
    // %.3f rounds half to even on exact halves (JavaScript's toFixed would give 0.063)
    expect(kedaQuantity(0.0625)).toBe('62m');
    expect(kedaQuantity(Number.NaN)).toBe('0');
    expect(kedaQuantity(Number.POSITIVE_INFINITY)).toBe('0');
    expect(kedaQuantity(-3)).toBe('0');
    expect(parseQuantityMilli(kedaQuantity(2.5))).toBe(2500);
  });
});

describe('the prometheus trigger metadata (TypedConfig) and query', () => {
  it('parses, defaults and refuses like KEDA', () => {
    const ok = parsePrometheusMetadata({ serverAddress: 'http://p:9090', query: 'up', threshold: '5', activationThreshold: '1.5' }) as PrometheusMeta;
    expect(ok).toMatchObject({ serverAddress: 'http://p:9090', query: 'up', threshold: 5, activationThreshold: 1.5, ignoreNullValues: true, namespace: '' });
    expect(parsePrometheusMetadata({ serverAddress: 'http://p:9090', query: 'up' })).toEqual({ error: 'error parsing prometheus metadata: error parsing prometheus metadata: missing required parameter "threshold" in [triggerMetadata]' });
    expect(parsePrometheusMetadata({ query: 'up', threshold: 'five' })).toEqual({
      error: 'error parsing prometheus metadata: error parsing prometheus metadata: missing required parameter "serverAddress" in [triggerMetadata]\nunable to set param "threshold" value "five": unable to unmarshal to field type float64: invalid character \'f\' looking for beginning of value',
    });
    expect(parsePrometheusMetadata({ serverAddress: 'http://p', query: 'up', threshold: '1', ignoreNullValues: 'nope' })).toEqual({
      error: 'error parsing prometheus metadata: error parsing prometheus metadata: unable to set param "ignoreNullValues" value "nope": unable to parse boolean value "nope": strconv.ParseBool: parsing "nope": invalid syntax',
    });
  });
  it('builds the query URL as ExecutePromQuery does (url.QueryEscape, RFC3339 time)', () => {
    const m = parsePrometheusMetadata({ serverAddress: 'http://prom.monitoring.svc:9090', query: 'sum(rate(x_total{namespace="default"}[30s]))', threshold: '5', namespace: 'team' }) as PrometheusMeta;
    expect(prometheusQueryUrl(m, new Date('2026-01-02T03:04:05.678Z'))).toBe('http://prom.monitoring.svc:9090/api/v1/query?query=sum%28rate%28x_total%7Bnamespace%3D%22default%22%7D%5B30s%5D%29%29&time=2026-01-02T03:04:05Z&namespace=team');
  });
});

describe('the HPA controller on External metrics (pure)', () => {
  const tol = { scaleUp: 0.1, scaleDown: 0.1 };
  it('AverageValue: ceil(sum / target) outside the tolerance of sum / (target x status.replicas)', () => {
    expect(calcExternalPerPodReplicas([20_000], 5000, 1, tol)).toEqual({ replicas: 4, usage: 20_000 });
    expect(calcExternalPerPodReplicas([20_000], 5000, 4, tol)).toEqual({ replicas: 4, usage: 5000 });
    // 21 over 4 pods against 5: ratio 1.05, within the tolerance
    expect(calcExternalPerPodReplicas([21_000], 5000, 4, tol)).toEqual({ replicas: 4, usage: 5250 });
    expect(calcExternalPerPodReplicas([0], 5000, 4, tol)).toEqual({ replicas: 0, usage: 0 });
    expect(calcExternalPerPodReplicas([1000, 2000], 1000, 3, tol)).toEqual({ replicas: 3, usage: 1000 });
  });
  it('Value: ceil(usage / target x ready pods), ceil(ratio) from zero', () => {
    expect(calcExternalValueReplicas([20_000], 5000, 2, () => 2, tol)).toEqual({ replicas: 8, usage: 20_000 });
    expect(calcExternalValueReplicas([5200], 5000, 2, () => 2, tol)).toEqual({ replicas: 2, usage: 5200 });
    expect(calcExternalValueReplicas([7000], 5000, 0, () => 0, tol)).toEqual({ replicas: 2, usage: 7000 });
    expect(calcExternalValueReplicas([20_000], 5000, 2, () => ({ error: 'no pods returned by selector while calculating replica count' }), tol)).toEqual({ error: 'unable to calculate ready pods: no pods returned by selector while calculating replica count' });
  });
  it("prints a LabelSelector as the controller's %+v does", () => {
    expect(labelSelectorGoString({ matchLabels: { 'scaledobject.keda.sh/name': 'so', a: 'b' } })).toBe('&LabelSelector{MatchLabels:map[string]string{a: b,scaledobject.keda.sh/name: so,},MatchExpressions:[]LabelSelectorRequirement{},}');
    expect(labelSelectorGoString(undefined)).toBe('nil');
    expect(labelSelectorGoString({ matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] })).toBe('&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[x y],},},}');
  });
});

// ---- against the simulated cluster --------------------------------------------------------------------------

const CLUSTER = 'keda';
const APP = 'test-prometheus';
const APP_IMAGE = 'hpa-lab/sample-app:dev';
const PC_REPO = 'https://prometheus-community.github.io/helm-charts';
const KEDA_REPO = 'https://kedacore.github.io/charts';
const PROM_URL = 'http://prometheus-kube-prometheus-prometheus.prometheus.svc:9090';
const QUERY = `sum(rate(myapp_processed_ops_total{namespace="default"}[30s]))`;
const SO_LABEL = 'scaledobject.keda.sh/name';

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface KObj {
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; ownerReferences?: Obj[]; generation?: number };
  spec?: Obj;
  status?: Obj & { conditions?: Cond[] };
  [k: string]: unknown;
}
interface EventList {
  items: Array<{ reason: string; message: string; type: string; involvedObject: { name: string; kind: string }; source?: { component?: string } }>;
}

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> => waitUntil(what, fn, timeoutMs, everyMs);

/** One HTTP GET on a new connection (every request a new NodePort connection, like curl). */
function getOnce(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

function load(port: number, perSecond: number): { stop: () => void } {
  const timer = setInterval(() => void getOnce(port), 1000 / perSecond);
  return { stop: () => clearInterval(timer) };
}

const cond = (o: KObj | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);

function scaledObject(name: string, target: string, metadata: Record<string, string>, extra: Obj = {}): Obj {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: 'default' },
    spec: { scaleTargetRef: { name: target }, pollingInterval: 2, triggers: [{ type: 'prometheus', metadata }], ...extra },
  };
}

describe.skipIf(!requirePrometheus())(`KEDA scaling the sample app through the real Prometheus ${PROMETHEUS_REASON}`, { timeout: 240_000 }, () => {
  let sim: Sim;
  let ports: SimPorts;
  let base: string;
  const started = Date.now();

  const api = async <T = KObj>(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T; text: string }> => {
    const res = await simFetch(`${base}${p}`, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text
    }
    return { status: res.status, body: parsed as T, text };
  };
  const create = async (p: string, o: unknown) => {
    const r = await api('POST', p, o);
    if (r.status !== 201) throw new Error(`POST ${p}: ${r.status} ${r.text}`);
  };
  const so = async (name: string) => (await api<KObj>('GET', `/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/${name}`)).body;
  const hpa = async (name: string) => api<KObj>('GET', `/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/${name}`);
  const events = async (name: string) => (await api<EventList>('GET', '/api/v1/namespaces/default/events')).body.items.filter((e) => e.involvedObject.name === name);
  const readyApps = async () => ((await api<{ items: KObj[] }>('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${APP}`)).body.items ?? []).filter((p) => cond(p, 'Ready')?.status === 'True');

  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '1' } });
    ports = sim.ports();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER, '--config', sim.writeKindConfig(ports)]);
    expect(r.exitCode, r.stderr).toBe(0);
    base = apiBaseFor(sim.home, CLUSTER);
    const helm = (release: string, chart: string, repo: string, version: string, ns: string, extra: string[] = []) =>
      sim.exec('helm', ['upgrade', '--install', release, chart, '--repo', repo, '--version', version, '--namespace', ns, '--create-namespace', ...extra, '--kube-context', `kind-${CLUSTER}`, '--timeout', '5m0s']);
    const [build, kps] = await Promise.all([
      sim.exec('docker', ['build', '-t', APP_IMAGE, 'app']),
      helm('prometheus', 'kube-prometheus-stack', PC_REPO, '88.5.3', 'prometheus', [
        '--values',
        path.join(REPO_ROOT, 'charts-values/kube-prometheus-stack.yaml'),
        '--set',
        `prometheus.service.nodePort=${ports.prometheus}`,
        '--set',
        `grafana.service.nodePort=${ports.grafana}`,
        '--set',
        'grafana.adminPassword=x',
      ]),
    ]);
    expect(build.exitCode, build.stderr).toBe(0);
    expect(kps.exitCode, kps.stderr).toBe(0);
    const l = await sim.exec('kind', ['load', 'docker-image', APP_IMAGE, '--name', CLUSTER]);
    expect(l.exitCode, l.stderr).toBe(0);
    // The lab's sample app (stacks/custom-metrics/sample-app.yaml), scraped every second.
    await create('/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: APP, namespace: 'default', labels: { app: APP } },
      spec: {
        selector: { matchLabels: { app: APP } },
        template: {
          metadata: { labels: { app: APP } },
          spec: { containers: [{ name: APP, image: APP_IMAGE, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }], env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 } }] },
        },
      },
    });
    await create('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: APP, namespace: 'default', labels: { app: APP } }, spec: { type: 'NodePort', selector: { app: APP }, ports: [{ name: 'prometheus-port', port: 8080, targetPort: 8080, nodePort: ports.app }] } });
    await create('/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: APP, namespace: 'default', labels: { release: 'prometheus' } }, spec: { selector: { matchLabels: { app: APP } }, endpoints: [{ port: 'prometheus-port', interval: '1s' }] } });
    // A second workload for the failing ScaledObjects (nothing runs in it; KEDA only needs it to exist).
    await create('/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'idle', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'idle' } }, template: { metadata: { labels: { app: 'idle' } }, spec: { containers: [{ name: 'curl', image: 'docker.io/curlimages/curl:latest', command: ['sleep', 'infinity'] }] } } },
    });
    const k = await helm('keda', 'keda', KEDA_REPO, '2.20.2', 'keda');
    expect(k.exitCode, k.stderr).toBe(0);
    console.log(`[keda] cluster, kube-prometheus-stack, app and keda installed in ${Date.now() - started}ms`);
  }, 180_000);

  afterAll(async () => {
    await sim?.cleanup();
  });

  it('the operator starts: its certificate Secret, the metrics API server Ready, APIService Available, discovery', async () => {
    const deps = ['keda-operator', 'keda-operator-metrics-apiserver', 'keda-admission-webhooks'];
    for (const d of deps) {
      await eventually(`${d} ready`, async () => {
        const r = await api<KObj>('GET', `/apis/apps/v1/namespaces/keda/deployments/${d}`);
        return r.body.status?.readyReplicas === 1;
      }, 60_000);
    }
    // The operator makes the Secret the other two mount (the metrics API server's volume is not optional).
    const secret = (await api<KObj & { data?: Record<string, string>; type?: string }>('GET', '/api/v1/namespaces/keda/secrets/kedaorg-certs')).body;
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(secret.metadata.labels).toEqual({ app: 'keda-operator', 'app.kubernetes.io/component': 'keda-operator', 'app.kubernetes.io/name': 'keda-operator', 'app.kubernetes.io/part-of': 'keda' });
    const apisvc = await eventually('APIService Available', async () => {
      const a = (await api<KObj>('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io')).body;
      return cond(a, 'Available')?.status === 'True' ? a : undefined;
    });
    expect(apisvc.spec?.caBundle).toBe(secret.data?.['ca.crt']);
    const opPod = (await api<{ items: KObj[] }>('GET', '/api/v1/namespaces/keda/pods?labelSelector=app%3Dkeda-operator')).body.items[0];
    const log = (await api('GET', `/api/v1/namespaces/keda/pods/${opPod?.metadata.name ?? ''}/log`)).text;
    expect(log).toMatch(/\tINFO\tsetup\tKEDA Version: 2\.20\.2\n/);
    expect(log).toContain("WARNING: KEDA 2.20.2 hasn't been tested on Kubernetes v1.36.1");
    const disc = await api<Obj>('GET', '/apis/external.metrics.k8s.io/v1beta1');
    expect(disc.body).toEqual({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'external.metrics.k8s.io/v1beta1', resources: [{ name: 'externalmetrics', singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }] });
  });

  it("failures: a missing target, a trigger without threshold, an unreachable Prometheus — KEDA's conditions and events", async () => {
    await create('/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects', scaledObject('no-target', 'missing', { serverAddress: PROM_URL, query: QUERY, threshold: '5' }));
    await create('/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects', scaledObject('no-threshold', 'idle', { serverAddress: PROM_URL, query: QUERY }));
    await create('/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects', scaledObject('no-prometheus', 'idle', { serverAddress: 'http://prometheus.nowhere.svc:9090', query: QUERY, threshold: '5' }));

    const noTarget = await eventually('no-target checked', async () => {
      const o = await so('no-target');
      return cond(o, 'Ready')?.status === 'False' ? o : undefined;
    });
    expect(noTarget.status?.conditions).toEqual([
      { type: 'Ready', status: 'False', reason: 'ScaledObjectCheckFailed', message: 'ScaledObject doesn\'t have correct scaleTargetRef specification: deployments.apps "missing" not found' },
      { type: 'Active', status: 'Unknown', reason: 'UnknownState', message: 'ScaledObject check failed' },
      { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
      { type: 'Paused', status: 'False' },
    ]);
    expect(noTarget.metadata.finalizers).toEqual(['finalizer.keda.sh']);
    expect(noTarget.metadata.labels).toEqual({ [SO_LABEL]: 'no-target' });
    expect((await hpa('keda-hpa-no-target')).status).toBe(404);
    const ntEvents = await events('no-target');
    expect(ntEvents.find((e) => e.reason === 'ScaledObjectCheckFailed' && e.message === "Target resource doesn't exist")).toMatchObject({ type: 'Warning', source: { component: 'keda-operator' } });
    expect(ntEvents.some((e) => e.reason === 'ScaledObjectCheckFailed' && e.message.startsWith("ScaledObject doesn't have correct scaleTargetRef specification: "))).toBe(true);

    const noThreshold = await eventually('no-threshold checked', async () => {
      const o = await so('no-threshold');
      return cond(o, 'Ready')?.status === 'False' ? o : undefined;
    });
    expect(cond(noThreshold, 'Ready')?.message).toBe('failed to ensure HPA is correctly created for ScaledObject: error parsing prometheus metadata: error parsing prometheus metadata: missing required parameter "threshold" in [triggerMetadata]');
    expect((await events('no-threshold')).some((e) => e.reason === 'KEDAScalerFailed' && e.type === 'Warning')).toBe(true);
    expect(noThreshold.status).toMatchObject({ scaleTargetKind: 'apps/v1.Deployment', scaleTargetGVKR: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments' }, originalReplicaCount: 1, triggersTypes: 'prometheus', authenticationsTypes: '' });

    // The HPA is made (building the scaler does not query Prometheus); the scale loop then finds it unreachable.
    const noProm = await eventually('no-prometheus TriggerError', async () => {
      const o = await so('no-prometheus');
      return cond(o, 'Ready')?.reason === 'TriggerError' ? o : undefined;
    });
    expect(cond(noProm, 'Ready')).toEqual({ type: 'Ready', status: 'False', reason: 'TriggerError', message: 'Triggers defined in ScaledObject are not working correctly' });
    expect(cond(noProm, 'Active')).toEqual({ type: 'Active', status: 'False', reason: 'ScalerNotActive', message: 'Scaling is not performed because triggers are not active' });
    const failed = await eventually('KEDAScalerFailed', async () => (await events('no-prometheus')).find((e) => e.reason === 'KEDAScalerFailed'));
    expect(failed.message).toMatch(/^Get "http:\/\/prometheus\.nowhere\.svc:9090\/api\/v1\/query\?query=sum%28rate%28myapp_processed_ops_total%7Bnamespace%3D%22default%22%7D%5B30s%5D%29%29&time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ": dial tcp: lookup prometheus\.nowhere\.svc on 10\.96\.0\.10:53: no such host$/);
    const npHpa = await eventually('HPA FailedGetExternalMetric', async () => {
      const h = (await hpa('keda-hpa-no-prometheus')).body;
      return cond(h, 'ScalingActive')?.reason === 'FailedGetExternalMetric' ? h : undefined;
    });
    const sel = '&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: no-prometheus,},MatchExpressions:[]LabelSelectorRequirement{},}';
    expect(cond(npHpa, 'ScalingActive')?.message).toBe(`the HPA was unable to compute the replica count: unable to get external metric default/s0-prometheus/${sel}: unable to fetch metrics from external metrics API: rpc error: code = Unknown desc = error when getting metric values metric:s0-prometheus encountered error`);
    const hpaEvents = await events('keda-hpa-no-prometheus');
    expect(hpaEvents.find((e) => e.reason === 'FailedComputeMetricsReplicas')?.message).toBe(`invalid metrics (1 invalid out of 1), first error is: failed to get s0-prometheus external metric value: failed to get s0-prometheus external metric: unable to get external metric default/s0-prometheus/${sel}: unable to fetch metrics from external metrics API: rpc error: code = Unknown desc = error when getting metric values metric:s0-prometheus encountered error`);
    // The ScaledObject mirrors the HPA's health.
    const mirrored = await eventually('HPAActive False', async () => {
      const o = await so('no-prometheus');
      return cond(o, 'HPAActive')?.status === 'False' ? o : undefined;
    });
    expect(cond(mirrored, 'HPAActive')?.reason).toBe('FailedGetExternalMetric');
    const raw = await api<Obj>('GET', `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=${encodeURIComponent(`${SO_LABEL}=no-prometheus`)}`);
    expect(raw.status).toBe(500);
    expect(raw.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'rpc error: code = Unknown desc = error when getting metric values metric:s0-prometheus encountered error', code: 500 });
    const noLabel = await api<Obj>('GET', '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus');
    expect(noLabel.body).toMatchObject({ status: 'Failure', message: 'scaledObject name is not specified', code: 500 });

    // Deleting them: the operator runs its finalizer; the HPA goes with its owner.
    for (const n of ['no-target', 'no-threshold', 'no-prometheus']) expect((await api('DELETE', `/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/${n}`)).status).toBe(200);
    await eventually('ScaledObjects gone', async () => ((await api<{ items: KObj[] }>('GET', '/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects')).body.items.length === 0 ? true : undefined));
    await eventually('HPA gone', async () => ((await hpa('keda-hpa-no-prometheus')).status === 404 ? true : undefined));
    expect((await events('no-prometheus')).some((e) => e.reason === 'ScaledObjectDeleted' && e.message === 'ScaledObject was deleted')).toBe(true);
  });

  it('a ScaledObject on the app: the HPA keda-hpa-<name> as KEDA builds it, Ready, and the external metric from Prometheus', async () => {
    await eventually('app ready and scraped', async () => {
      if ((await readyApps()).length !== 1) return undefined;
      const r = await api<{ data?: { result?: unknown[] } }>('GET', `/api/v1/namespaces/prometheus/services/prometheus-kube-prometheus-prometheus:http-web/proxy/api/v1/query?query=${encodeURIComponent('myapp_processed_ops_total')}`);
      return (r.body.data?.result?.length ?? 0) > 0;
    }, 90_000, 500);
    await create(
      '/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects',
      scaledObject(APP, APP, { serverAddress: PROM_URL, query: QUERY, threshold: '5' }, { minReplicaCount: 1, maxReplicaCount: 4, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } } } }),
    );
    const ready = await eventually('Ready and Active known', async () => {
      const o = await so(APP);
      return cond(o, 'Ready')?.status === 'True' && cond(o, 'Active')?.status !== 'Unknown' ? o : undefined;
    });
    expect(cond(ready, 'Ready')).toEqual({ type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' });
    expect(cond(ready, 'Fallback')).toEqual({ type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' });
    expect(cond(ready, 'Paused')).toEqual({ type: 'Paused', status: 'False' });
    expect(ready.status).toMatchObject({ scaleTargetKind: 'apps/v1.Deployment', originalReplicaCount: 1, externalMetricNames: ['s0-prometheus'], hpaName: `keda-hpa-${APP}`, triggersTypes: 'prometheus', triggersActivity: { 's0-prometheus': { isActive: expect.any(Boolean) as unknown } } });
    const h = (await hpa(`keda-hpa-${APP}`)).body;
    expect(h.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'keda-operator', 'app.kubernetes.io/name': `keda-hpa-${APP}`, 'app.kubernetes.io/part-of': APP, 'app.kubernetes.io/version': '2.20.2', [SO_LABEL]: APP });
    expect(h.metadata.ownerReferences).toEqual([{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: APP, uid: ready.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(h.spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: APP, apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ type: 'External', external: { metric: { name: 's0-prometheus', selector: { matchLabels: { [SO_LABEL]: APP } } }, target: { type: 'AverageValue', averageValue: '5' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 5 } },
    });
    const evs = await events(APP);
    for (const [reason, message] of [
      ['KEDAScalersStarted', 'Scaler prometheus is built'],
      ['KEDAScalersStarted', 'Started scalers watch'],
      ['ScaledObjectReady', 'ScaledObject is ready for scaling'],
    ]) expect(evs.some((e) => e.reason === reason && e.message === message), `${reason}: ${message}`).toBe(true);
    const valid = await eventually('HPA ValidMetricFound', async () => {
      const x = (await hpa(`keda-hpa-${APP}`)).body;
      return cond(x, 'ScalingActive')?.reason === 'ValidMetricFound' ? x : undefined;
    });
    expect(cond(valid, 'ScalingActive')?.message).toBe(`the HPA was able to successfully calculate a replica count from external metric s0-prometheus(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: ${APP},},MatchExpressions:[]LabelSelectorRequirement{},})`);
  });

  it.skipIf(!requireKubectl())(`kubectl get --raw reads the external metric the HPA reads${KUBECTL_REASON}`, async () => {
    const k = await sim.exec('kubectl', ['get', '--raw', `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=${SO_LABEL}=${APP}`]);
    expect(k.exitCode, k.stderr).toBe(0);
    const list = JSON.parse(k.stdout) as { kind: string; apiVersion: string; metadata: Obj; items: Array<Obj & { value: string }> };
    expect(list).toMatchObject({ kind: 'ExternalMetricValueList', apiVersion: 'external.metrics.k8s.io/v1beta1', metadata: {} });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toEqual({ metricName: 's0-prometheus', metricLabels: null, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown, value: expect.stringMatching(/^\d+(\.\d{3}|m)?$/) as unknown });
    const d = await sim.exec('kubectl', ['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1']);
    expect(JSON.parse(d.stdout)).toMatchObject({ groupVersion: 'external.metrics.k8s.io/v1beta1', resources: [{ name: 'externalmetrics' }] });
  });

  it('under load the HPA scales the app out, and back in after it', async () => {
    const name = `keda-hpa-${APP}`;
    // 20 requests/s in total against a threshold of 5 per replica: ceil(20 / 5) = 4 replicas (maxReplicaCount).
    const gen = load(ports.app, 20);
    try {
      const out = await eventually('scaled out to 4', async () => {
        const h = (await hpa(name)).body;
        return h.status?.currentReplicas === 4 ? h : undefined;
      }, 90_000, 500);
      expect(out.status?.desiredReplicas).toBe(4);
      const active = await eventually('Active', async () => {
        const o = await so(APP);
        return cond(o, 'Active')?.status === 'True' ? o : undefined;
      });
      expect(cond(active, 'Active')).toEqual({ type: 'Active', status: 'True', reason: 'ScalerActive', message: 'Scaling is performed because triggers are active' });
      expect(active.status?.triggersActivity).toEqual({ 's0-prometheus': { isActive: true } });
      expect(typeof active.status?.lastActiveTime).toBe('string');
      expect(cond(active, 'HPAActive')).toEqual({ type: 'HPAActive', status: 'True', reason: 'HPAActive', message: 'HPA is actively scaling' });
      const ev = await events(name);
      expect(ev.find((e) => e.reason === 'SuccessfulRescale')?.message).toMatch(/^New size: \d; reason: external metric s0-prometheus\(&LabelSelector\{MatchLabels:map\[string\]string\{scaledobject\.keda\.sh\/name: test-prometheus,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\) above target$/);
      await eventually('4 app pods ready', async () => ((await readyApps()).length === 4 ? true : undefined), 30_000);
      // The metric is the total; the HPA shows it per replica.
      const steady = await eventually('average over 4 replicas', async () => {
        const h = (await hpa(name)).body;
        const m = (h.status?.currentMetrics as Array<{ type: string; external: { metric: Obj; current: { averageValue: string } } }> | undefined)?.[0];
        const avg = (parseQuantityMilli(m?.external.current.averageValue) ?? 0) / 1000;
        return h.status?.currentReplicas === 4 && avg > 2 && avg < 8 ? m : undefined;
      }, 20_000);
      expect(steady).toMatchObject({ type: 'External', external: { metric: { name: 's0-prometheus', selector: { matchLabels: { [SO_LABEL]: APP } } } } });
      const raw = await api<{ items: Array<{ value: string }> }>('GET', `/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-prometheus?labelSelector=${encodeURIComponent(`${SO_LABEL}=${APP}`)}`);
      expect((parseQuantityMilli(raw.body.items[0]?.value) ?? 0) / 1000).toBeGreaterThan(10);
    } finally {
      gen.stop();
    }
    const stoppedAt = Date.now();
    await eventually('scaled back in to 1', async () => ((await hpa(name)).body.status?.currentReplicas === 1 ? true : undefined), 120_000, 500);
    // Not before the rate window has drained below the threshold and the 5s stabilization window has passed.
    expect(Date.now() - stoppedAt).toBeGreaterThan(5000);
    const idle = await eventually('inactive', async () => {
      const o = await so(APP);
      return cond(o, 'Active')?.status === 'False' ? o : undefined;
    }, 60_000);
    expect(cond(idle, 'Active')).toEqual({ type: 'Active', status: 'False', reason: 'ScalerNotActive', message: 'Scaling is not performed because triggers are not active' });
    console.log(`[keda] scaled out and back in; ${Date.now() - started}ms so far`);
  });

  it('minReplicaCount 0: KEDA deactivates the idle app to zero replicas and activates it again', async () => {
    const patch = (spec: Obj) => api('PATCH', `/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects/${APP}`, { spec }, 'application/merge-patch+json');
    // Inactive (no load) with no minimum: once the cooldown since the last activity has passed, to zero.
    expect((await patch({ minReplicaCount: 0, cooldownPeriod: 1 })).status).toBe(200);
    await eventually('deactivated to 0', async () => ((await api<KObj>('GET', `/apis/apps/v1/namespaces/default/deployments/${APP}`)).body.spec?.replicas === 0 ? true : undefined), 60_000);
    const ev = await eventually('KEDAScaleTargetDeactivated', async () => (await events(APP)).find((e) => e.reason === 'KEDAScaleTargetDeactivated'));
    expect(ev.message).toBe(`Deactivated apps/v1.Deployment default/${APP} from 1 to 0`);
    const disabled = await eventually('HPA ScalingDisabled', async () => {
      const h = (await hpa(`keda-hpa-${APP}`)).body;
      return cond(h, 'ScalingActive')?.reason === 'ScalingDisabled' ? h : undefined;
    });
    expect(cond(disabled, 'ScalingActive')?.message).toBe('scaling is disabled since the replica count of the target is zero');
    await eventually('HPAActive ScalingDisabled', async () => (cond(await so(APP), 'HPAActive')?.reason === 'ScalingDisabled' ? true : undefined));
    // A query above the activation threshold (0) activates it: KEDA scales from zero, the HPA takes over.
    expect((await patch({ triggers: [{ type: 'prometheus', metadata: { serverAddress: PROM_URL, query: 'vector(12)', threshold: '5' } }] })).status).toBe(200);
    const act = await eventually('KEDAScaleTargetActivated', async () => (await events(APP)).find((e) => e.reason === 'KEDAScaleTargetActivated'), 30_000);
    expect(act.message).toBe(`Scaled apps/v1.Deployment default/${APP} from 0 to 1, triggered by s0-prometheus`);
    // 12 / 5 -> 3 replicas
    await eventually('HPA at 3', async () => ((await hpa(`keda-hpa-${APP}`)).body.status?.currentReplicas === 3 ? true : undefined), 60_000);
    console.log(`[keda] tests took ${Date.now() - started}ms`);
  });
});

// The lab's Grafana dashboard (stacks/shared/dashboard.yaml) against the REAL Prometheus of the simulated data
// path: kube-prometheus-stack and prometheus-adapter installed with the custom-metrics stack's resolved values
// through the simulated helm, the stack's sample app, HPA and dashboard ConfigMap applied as resolved by the
// stack (prepareStack + loadManifests), real requests at the app's NodePort; then every panel target's and the
// annotation's `expr` is run through /api/v1/query and must return the series it is drawn from: the app's
// counter per pod, and kube-state-metrics' HPA, Deployment and Pod series (datapath/kube-state-metrics.ts, named
// and labelled as kube-state-metrics 2.20.0) equal to what the API server holds. Then the keda stack's
// dashboard against the HPA KEDA makes (keda-hpa-test-prometheus) in the same cluster.
//
// Skips (visibly) without /usr/bin/prometheus, unless HPA_LAB_REQUIRE_PROMETHEUS=1 (CI).
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseValues } from '../scripts/lib/stack/actions/helm.ts';
import { prepareStack, type PreparedStack } from '../scripts/lib/stack/prepare.ts';
import { loadManifests, type HelmSpec } from '../scripts/lib/stack/stack-file.ts';
import { goFloat, negotiateKsm, renderKubeStateMetrics } from './sim/datapath/kube-state-metrics.ts';
import { apiBaseFor, simFetch } from './sim/lib/apiclient.ts';
import { ResourceRegistry } from './sim/lib/resources.ts';
import { Store } from './sim/lib/store.ts';
import { PROMETHEUS_REASON, requirePrometheus } from './helpers/prometheus.ts';
import { createSim, REPO_ROOT, type Sim, type SimPorts } from './helpers/sim.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

type Obj = Record<string, unknown>;
const CLUSTER = 'dash';

interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
  spec?: Obj;
  status?: Obj;
  data?: Record<string, string>;
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  id: number;
  title: string;
  targets: Target[];
}
interface Dashboard {
  title: string;
  annotations: { list: Array<{ name: string; expr: string }> };
  panels: Panel[];
}

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> => waitUntil(what, fn, timeoutMs, everyMs);

/** One GET on a new connection (a new NodePort connection each time, like curl). */
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

function load(port: number, perSecond: number): { stop: () => number } {
  let ok = 0;
  const timer = setInterval(() => void getOnce(port).then((s) => (ok += s === 200 ? 1 : 0)), 1000 / perSecond);
  return {
    stop: () => {
      clearInterval(timer);
      return ok;
    },
  };
}

/** The REST path of a manifest object (the stack's kinds: core and grouped, plural = lower-case kind + s). */
function collectionPath(o: KObj): string {
  const api = o.apiVersion?.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion ?? 'v1'}`;
  return `${api}/namespaces/${o.metadata.namespace ?? 'default'}/${(o.kind ?? '').toLowerCase()}s`;
}

/** The stack's dashboard: the JSON in the resolved ConfigMap of stacks/shared/dashboard.yaml. */
function dashboardOf(prepared: PreparedStack): { configMap: KObj; dashboard: Dashboard } {
  const [cm] = loadManifests(REPO_ROOT, 'stacks/shared/dashboard.yaml', prepared.resolver) as unknown as KObj[];
  if (!cm?.data) throw new Error('stacks/shared/dashboard.yaml: no ConfigMap with data');
  const json = Object.values(cm.data)[0] ?? '';
  return { configMap: cm, dashboard: JSON.parse(json) as Dashboard };
}

/** Every query the dashboard runs: each panel target, then each annotation. */
function queries(d: Dashboard): Array<{ key: string; expr: string }> {
  return [...d.panels.flatMap((p) => p.targets.map((t) => ({ key: `panel ${p.id} (${p.title}) ${t.refId}`, expr: t.expr }))), ...d.annotations.list.map((a) => ({ key: `annotation ${a.name}`, expr: a.expr }))];
}

describe("the kube-state-metrics stand-in's exposition (pure)", () => {
  it("formats values as strconv.FormatFloat(v, 'g', -1, 64) with writeFloat's cases", () => {
    expect([1, 0, -1, 2.5, 123456, 1234567, 1.7e9, 0.0001, 0.00001, NaN, Infinity].map(goFloat)).toEqual(['1', '0', '-1', '2.5', '123456', '1.234567e+06', '1.7e+09', '0.0001', '1e-05', 'NaN', '+Inf']);
  });
  it("negotiates like expfmt.NegotiateIncludingOpenMetrics, text otherwise (Prometheus 2.42's Accept first)", () => {
    expect(negotiateKsm('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toEqual({ contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores', openMetrics: true });
    expect(negotiateKsm('text/plain;version=0.0.4')).toEqual({ contentType: 'text/plain; version=0.0.4; charset=utf-8', openMetrics: false });
    expect(negotiateKsm(undefined).openMetrics).toBe(false);
  });
  it('writes an HPA as horizontalpodautoscaler.go does: default labels first, [STABLE] help, min replicas defaulting to 1', () => {
    const registry = new ResourceRegistry();
    const rt = (group: string, resource: string) => registry.served().find((r) => r.group === group && r.resource === resource);
    const nsType = rt('', 'namespaces');
    const hpaType = rt('autoscaling', 'horizontalpodautoscalers');
    if (!nsType || !hpaType) throw new Error('types');
    const store = new Store(nsType);
    store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    store.create(hpaType, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' }, maxReplicas: 10, metrics: [{ type: 'Pods', pods: { metric: { name: 'm' }, target: { type: 'AverageValue', averageValue: '500m' } } }] },
      status: { currentReplicas: 2, desiredReplicas: 3, conditions: [{ type: 'AbleToScale', status: 'True' }] },
    });
    const text = renderKubeStateMetrics(store, rt, { resources: new Set(['horizontalpodautoscalers']) });
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['# HELP kube_horizontalpodautoscaler_info Information about this autoscaler.', '# TYPE kube_horizontalpodautoscaler_info gauge', 'kube_horizontalpodautoscaler_info{namespace="default",horizontalpodautoscaler="h",scaletargetref_api_version="apps/v1",scaletargetref_kind="Deployment",scaletargetref_name="app"} 1']);
    expect(lines).toContain('# HELP kube_horizontalpodautoscaler_status_desired_replicas [STABLE] Desired number of replicas of pods managed by this autoscaler.');
    expect(lines).toContain('kube_horizontalpodautoscaler_spec_min_replicas{namespace="default",horizontalpodautoscaler="h"} 1');
    expect(lines).toContain('kube_horizontalpodautoscaler_spec_target_metric{namespace="default",horizontalpodautoscaler="h",metric_name="m",metric_target_type="average",container=""} 0.5');
    expect(lines).toContain('kube_horizontalpodautoscaler_status_condition{namespace="default",horizontalpodautoscaler="h",condition="AbleToScale",status="false"} 0');
    // tolerances unset: header only; no Deployments or Pods asked for: nothing of them
    expect(text).toContain('# TYPE kube_horizontalpodautoscaler_spec_behavior_scale_up_tolerance gauge\n# HELP');
    expect(text).not.toContain('kube_deployment_');
  });
});

describe.skipIf(!requirePrometheus())(`the dashboard's queries against the real Prometheus in the simulated data path ${PROMETHEUS_REASON}`, { timeout: 300_000 }, () => {
  let sim: Sim;
  let ports: SimPorts;
  let base: string;
  let custom: PreparedStack;
  const started = Date.now();
  const report: string[] = [];

  const api = async <T = KObj>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T; text: string }> => {
    const res = await simFetch(`${base}${p}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text
    }
    return { status: res.status, body: parsed as T, text };
  };
  const apply = async (o: KObj) => {
    const r = await api('POST', collectionPath(o), o);
    if (r.status !== 201) throw new Error(`POST ${collectionPath(o)}: ${r.status} ${r.text}`);
  };
  const helmInstall = async (prepared: PreparedStack, component: string, extraValues: Obj = {}) => {
    const c = prepared.stack.components.find((x) => x.name === component);
    if (!c?.helm) throw new Error(`${prepared.stack.file}: no helm component ${component}`);
    const spec = prepared.resolver.resolve<HelmSpec>(c.helm, `${component}.helm`);
    // The stack's values file with its `set` on top, as the engine passes them (one values file).
    const values = mergeDeep(releaseValues(REPO_ROOT, spec), extraValues);
    const file = path.join(sim.home, `${component}-values.yaml`);
    writeFileSync(file, stringify(values));
    const r = await sim.exec('helm', ['upgrade', '--install', spec.release, spec.chart, '--repo', spec.repo ?? '', '--version', spec.version, '--namespace', spec.namespace, '--create-namespace', '--values', file, '--kube-context', `kind-${CLUSTER}`, '--timeout', '5m0s']);
    expect(r.exitCode, r.stderr).toBe(0);
  };
  const promQuery = async (expr: string): Promise<Series[]> => {
    const res = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Series[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? res.status}`);
    if (body.data?.resultType !== 'vector') throw new Error(`${expr}: result type ${body.data?.resultType}`);
    return body.data.result;
  };
  const get = async (p: string): Promise<KObj> => {
    const r = await api<KObj>('GET', p);
    if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${r.text}`);
    return r.body;
  };
  const appPods = async (ns: string, app: string): Promise<KObj[]> => (await api<{ items: KObj[] }>('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`)).body.items ?? [];
  const isReady = (p: KObj) => ((p.status?.conditions as Array<{ type: string; status: string }> | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    ports = sim.ports();
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-dashboard-'));
    const sets: Array<[string, unknown]> = [
      ['app.nodePort', ports.app],
      ['prometheus.nodePort', ports.prometheus],
      ['grafana.nodePort', ports.grafana],
    ];
    custom = prepareStack({ stack: 'custom-metrics', sets }, stateDir);
    const r = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER, '--config', sim.writeKindConfig(ports)]);
    expect(r.exitCode, r.stderr).toBe(0);
    base = apiBaseFor(sim.home, CLUSTER);
    const image = custom.images['sample-app-image'] ?? '';
    // kube-state-metrics is scraped at the stack's global 30s; every 5s here, so the test waits less.
    const [build] = await Promise.all([sim.exec('docker', ['build', '-t', image, 'app']), helmInstall(custom, 'kube-prometheus-stack', { 'kube-state-metrics': { prometheus: { monitor: { interval: '5s' } } } })]);
    expect(build.exitCode, build.stderr).toBe(0);
    const l = await sim.exec('kind', ['load', 'docker-image', image, '--name', CLUSTER]);
    expect(l.exitCode, l.stderr).toBe(0);
    for (const o of loadManifests(REPO_ROOT, 'stacks/custom-metrics/sample-app.yaml', custom.resolver)) await apply(o as unknown as KObj);
    await helmInstall(custom, 'prometheus-adapter');
    for (const o of loadManifests(REPO_ROOT, 'stacks/custom-metrics/hpa.yaml', custom.resolver)) await apply(o as unknown as KObj);
    await apply(dashboardOf(custom).configMap);
    console.log(`[dashboard] cluster, kube-prometheus-stack, app, adapter, HPA and dashboard applied in ${Date.now() - started}ms`);
  }, 200_000);

  afterAll(async () => {
    if (report.length) console.log(`[dashboard] what each query returned:\n  ${report.join('\n  ')}`);
    await sim?.cleanup();
  });

  /** Runs every query of the dashboard until each one's check passes (within the deadline), or fails with the last reason. */
  const checkAll = async (d: Dashboard, checks: Record<string, (r: Series[]) => Promise<string | undefined>>, label: string) => {
    const qs = queries(d);
    // Every query of the dashboard has a check here: a new panel must say what it should return.
    expect(qs.map((q) => q.key).sort()).toEqual(Object.keys(checks).sort());
    for (const q of qs) {
      const check = checks[q.key] as (r: Series[]) => Promise<string | undefined>;
      let last: Series[] = [];
      await eventually(
        `${label} ${q.key}: ${q.expr}`,
        async () => {
          last = await promQuery(q.expr);
          const problem = await check(last);
          if (problem) throw new Error(`${problem}; got ${JSON.stringify(last.map((s) => ({ ...s.metric, value: s.value[1] })))}`);
          return true;
        },
        45_000,
      );
      report.push(`${label} ${q.key}: ${last.map((s) => `${JSON.stringify(s.metric)} ${s.value[1]}`).join('; ')}`);
    }
  };

  /** The HPA panels' checks for an HPA (shared by both stacks' dashboards). */
  const hpaChecks = (ns: string, hpaName: string, metricName: string, target: number, app: string) => {
    const hpaPath = `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${hpaName}`;
    const hpaLabels = (s: Series, extra: string[] = [], named = true) => {
      const want = [...(named ? ['__name__'] : []), 'namespace', 'horizontalpodautoscaler', ...extra];
      const missing = want.filter((k) => !(k in s.metric));
      if (missing.length) return `labels ${missing.join(', ')} missing`;
      if (s.metric.namespace !== ns || s.metric.horizontalpodautoscaler !== hpaName) return `namespace/horizontalpodautoscaler ${s.metric.namespace}/${s.metric.horizontalpodautoscaler}`;
      // kube-state-metrics' ServiceMonitor honours its labels: no exported_* clash with the target's.
      if (Object.keys(s.metric).some((k) => k.startsWith('exported_'))) return 'exported_* labels (honorLabels lost)';
      if (s.metric.job !== 'kube-state-metrics') return `job ${s.metric.job}`;
      return undefined;
    };
    const single = (r: Series[], extra: string[] = [], named = true) => (r.length !== 1 ? `expected 1 series, got ${r.length}` : hpaLabels(r[0] as Series, extra, named));
    const equalsStatus = (field: 'desiredReplicas' | 'currentReplicas') => async (r: Series[]) => {
      const problem = single(r);
      if (problem) return problem;
      const want = Number((await get(hpaPath)).status?.[field] ?? 0);
      return Number(r[0]?.value[1]) === want ? undefined : `${r[0]?.value[1]} != HPA status.${field} ${want}`;
    };
    const equalsSpec = (field: 'minReplicas' | 'maxReplicas') => async (r: Series[]) => {
      const problem = single(r);
      if (problem) return problem;
      const spec = (await get(hpaPath)).spec ?? {};
      const want = Number(spec[field] ?? (field === 'minReplicas' ? 1 : NaN));
      return Number(r[0]?.value[1]) === want ? undefined : `${r[0]?.value[1]} != HPA spec.${field} ${want}`;
    };
    return {
      target: async (r: Series[]) => {
        const problem = single(r, ['metric_name', 'metric_target_type']);
        if (problem) return problem;
        const s = r[0] as Series;
        if (s.metric.metric_name !== metricName || s.metric.metric_target_type !== 'average') return `metric_name/metric_target_type ${s.metric.metric_name}/${s.metric.metric_target_type}`;
        // the HPA's spec, as the API server holds it
        const spec = (await get(hpaPath)).spec ?? {};
        const m = ((spec.metrics as Obj[] | undefined) ?? [])[0] ?? {};
        const t = ((m.pods ?? m.external) as { target?: { averageValue?: string } } | undefined)?.target?.averageValue;
        if (Number(t) !== target) return `HPA spec target ${t} != ${target}`;
        return Number(s.value[1]) === target ? undefined : `${s.value[1]} != the HPA's target ${target}`;
      },
      desired: equalsStatus('desiredReplicas'),
      current: equalsStatus('currentReplicas'),
      max: equalsSpec('maxReplicas'),
      min: equalsSpec('minReplicas'),
      ready: async (r: Series[]) => {
        if (r.length !== 1) return `expected 1 series, got ${r.length}`;
        const s = r[0] as Series;
        if (s.metric.namespace !== ns || s.metric.deployment !== app) return `namespace/deployment ${s.metric.namespace}/${s.metric.deployment}`;
        const want = Number((await get(`/apis/apps/v1/namespaces/${ns}/deployments/${app}`)).status?.readyReplicas ?? 0);
        return Number(s.value[1]) === want && want > 0 ? undefined : `${s.value[1]} != Deployment status.readyReplicas ${want}`;
      },
      // changes() drops the metric name; the HPA's labels stay (Grafana's annotation text has them)
      annotation: (r: Series[]) => {
        const problem = single(r, [], false);
        if (problem) return Promise.resolve(problem);
        return Promise.resolve(Number(r[0]?.value[1]) > 0 ? undefined : `changes ${r[0]?.value[1]}`);
      },
    };
  };

  /** The app panels' checks: the counter's rate in total and per ready pod, and the pods per node. */
  const appChecks = (ns: string, app: string) => {
    const perPod = async (r: Series[]) => {
      const ready = (await appPods(ns, app)).filter(isReady).map((p) => p.metadata.name).sort();
      const got = r.map((s) => s.metric.pod ?? '').sort();
      if (r.some((s) => Object.keys(s.metric).join() !== 'pod')) return 'labels other than pod';
      if (got.join() !== ready.join()) return `pods ${got.join()} != ready pods ${ready.join()}`;
      return r.every((s) => Number(s.value[1]) > 0) ? undefined : 'a pod without requests';
    };
    return {
      total: (r: Series[]) => Promise.resolve(r.length === 1 && Object.keys(r[0]?.metric ?? {}).length === 0 && Number(r[0]?.value[1]) > 0 ? undefined : 'expected one unlabelled series > 0'),
      perPod,
      perNode: async (r: Series[]) => {
        const pods = await appPods(ns, app);
        const byNode = new Map<string, number>();
        for (const p of pods) {
          const node = typeof p.spec?.nodeName === 'string' ? p.spec.nodeName : '';
          byNode.set(node, (byNode.get(node) ?? 0) + 1);
        }
        const got = new Map(r.map((s) => [s.metric.node ?? '', Number(s.value[1])]));
        if (r.some((s) => Object.keys(s.metric).join() !== 'node')) return 'labels other than node';
        const want = [...byNode].sort();
        return JSON.stringify([...got].sort()) === JSON.stringify(want) && want.length > 0 ? undefined : `per node ${JSON.stringify([...got])} != the app's pods per node ${JSON.stringify(want)}`;
      },
    };
  };

  it("kube-state-metrics' pods serve the HPA, Deployment and Pod series as kube-state-metrics 2.20.0 names them", async () => {
    const s = custom.resolver.settings as { app: { namespace: string; name: string }; hpa: { namespace: string; name: string }; prometheus: { namespace: string } };
    // The target through the operator-style job, up, with samples.
    await eventually(
      'kube-state-metrics target up with samples',
      async () => {
        const r = await promQuery('scrape_samples_scraped{job="kube-state-metrics"}');
        return r.length === 1 && Number(r[0]?.value[1]) > 0;
      },
      60_000,
    );
    const info = await eventually(
      'kube_pod_info of the app',
      async () => {
        const r = await promQuery(`kube_pod_info{namespace="${s.app.namespace}",created_by_kind="ReplicaSet"}`);
        return r.length ? r : undefined;
      },
      30_000,
    );
    const pods = await appPods(s.app.namespace, s.app.name);
    const pod = pods.find((p) => p.metadata.name === info[0]?.metric.pod) as KObj;
    expect(pod, 'kube_pod_info names a pod of the app').toBeDefined();
    const rs = pod.metadata.ownerReferences?.find((o) => o.controller);
    expect(info[0]?.metric).toMatchObject({
      namespace: s.app.namespace,
      pod: pod.metadata.name,
      uid: pod.metadata.uid,
      host_ip: pod.status?.hostIP,
      pod_ip: pod.status?.podIP,
      node: pod.spec?.nodeName,
      created_by_kind: 'ReplicaSet',
      created_by_name: rs?.name,
      host_network: 'false',
      job: 'kube-state-metrics',
      service: 'prometheus-kube-state-metrics',
      endpoint: 'http',
      container: 'kube-state-metrics',
    });
    // the ksm pod's own name stays on the target's pod label only where ksm exposes none (honorLabels)
    const desired = await promQuery(`kube_horizontalpodautoscaler_status_desired_replicas{horizontalpodautoscaler="${s.hpa.name}"}`);
    expect(desired[0]?.metric.pod).toMatch(/^prometheus-kube-state-metrics-/);
    // The target metric carries container="" (targetMetricLabels): Prometheus drops the empty label, and with
    // honorLabels the target's container label does not replace it.
    const target = await promQuery(`kube_horizontalpodautoscaler_spec_target_metric{horizontalpodautoscaler="${s.hpa.name}"}`);
    expect(target).toHaveLength(1);
    expect(target[0]?.metric).not.toHaveProperty('container');
    // The exposition itself: HELP/TYPE as kube-state-metrics writes them.
    const meta = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/metadata?metric=kube_horizontalpodautoscaler_status_desired_replicas`)).json()) as { data: Record<string, Array<{ type: string; help: string }>> };
    expect(meta.data.kube_horizontalpodautoscaler_status_desired_replicas?.[0]).toEqual({ type: 'gauge', help: '[STABLE] Desired number of replicas of pods managed by this autoscaler.', unit: '' });
  });

  it("every query of the custom-metrics stack's dashboard returns its series under real load", async () => {
    const s = custom.resolver.settings as { app: { namespace: string; name: string }; hpa: { namespace: string; name: string; metric: string; averageValue: string } };
    const { dashboard } = dashboardOf(custom);
    // The applied ConfigMap holds the same dashboard.
    const applied = await get(`/api/v1/namespaces/${(custom.resolver.settings as { prometheus: { namespace: string } }).prometheus.namespace}/configmaps/${s.app.name}-autoscaling-dashboard`);
    expect(JSON.parse(Object.values(applied.data ?? {})[0] ?? '{}')).toEqual(dashboard);
    expect(dashboard.title).toBe(`hpa-lab: ${s.app.name} autoscaling (${s.hpa.namespace}/${s.hpa.name})`);

    // 15 requests/s at a target of 5 per pod: the HPA scales out from 1 replica.
    const traffic = load(ports.app, 15);
    try {
      await eventually(
        'the HPA scaled out and its pods are ready',
        async () => {
          const h = await get(`/apis/autoscaling/v2/namespaces/${s.hpa.namespace}/horizontalpodautoscalers/${s.hpa.name}`);
          const current = Number(h.status?.currentReplicas ?? 0);
          const ready = (await appPods(s.app.namespace, s.app.name)).filter(isReady).length;
          return current >= 2 && ready === current && Number(h.status?.desiredReplicas) === current;
        },
        120_000,
        1000,
      );
      const a = appChecks(s.app.namespace, s.app.name);
      const h = hpaChecks(s.hpa.namespace, s.hpa.name, s.hpa.metric, Number(s.hpa.averageValue), s.app.name);
      await checkAll(
        dashboard,
        {
          'panel 1 (Requests per second answered) A': a.total,
          'panel 1 (Requests per second answered) B': a.perPod,
          "panel 2 (The metric per pod against the HPA's target) A": a.perPod,
          "panel 2 (The metric per pod against the HPA's target) B": h.target,
          'panel 3 (Replicas: desired, current, ready) A': h.desired,
          'panel 3 (Replicas: desired, current, ready) B': h.current,
          'panel 3 (Replicas: desired, current, ready) C': h.ready,
          'panel 3 (Replicas: desired, current, ready) D': h.max,
          'panel 3 (Replicas: desired, current, ready) E': h.min,
          "panel 4 (The app's pods per node) A": a.perNode,
          'annotation replicas changed': h.annotation,
        },
        'custom-metrics',
      );
    } finally {
      traffic.stop();
    }
  });

  it("the keda stack's dashboard against the HPA KEDA makes (keda-hpa-test-prometheus)", async () => {
    const keda = prepareStack({ stack: 'keda', sets: [['app.nodePort', ports.app], ['prometheus.nodePort', ports.prometheus], ['grafana.nodePort', ports.grafana]] }, mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-dashboard-keda-')));
    const s = keda.resolver.settings as { app: { namespace: string; name: string }; hpa: { namespace: string; name: string }; scaler: { threshold: string } };
    expect(s.hpa.name).toBe('keda-hpa-test-prometheus');
    // The keda stack has no adapter HPA: the custom-metrics one goes, KEDA's takes the Deployment.
    const hpaName = (custom.resolver.settings as { hpa: { name: string } }).hpa.name;
    const del = await api('DELETE', `/apis/autoscaling/v2/namespaces/${s.app.namespace}/horizontalpodautoscalers/${hpaName}`);
    expect(del.status, del.text).toBe(200);
    await helmInstall(keda, 'keda');
    for (const o of loadManifests(REPO_ROOT, 'stacks/keda/scaledobject.yaml', keda.resolver)) await apply(o as unknown as KObj);
    const { dashboard } = dashboardOf(keda);
    expect(dashboard.title).toBe(`hpa-lab: ${s.app.name} autoscaling (${s.hpa.namespace}/${s.hpa.name})`);
    // 25 requests/s at 5 per pod: KEDA's HPA takes the 3 replicas over and scales to 5.
    const traffic = load(ports.app, 25);
    try {
      await eventually(
        "KEDA's HPA is in charge, scaled out and settled",
        async () => {
          const r = await api<KObj>('GET', `/apis/autoscaling/v2/namespaces/${s.hpa.namespace}/horizontalpodautoscalers/${s.hpa.name}`);
          if (r.status !== 200) return false;
          const current = Number(r.body.status?.currentReplicas ?? 0);
          const ready = (await appPods(s.app.namespace, s.app.name)).filter(isReady).length;
          return current >= 4 && ready === current && Number(r.body.status?.desiredReplicas) === current;
        },
        90_000,
        1000,
      );
      const a = appChecks(s.app.namespace, s.app.name);
      const h = hpaChecks(s.hpa.namespace, s.hpa.name, 's0-prometheus', Number(s.scaler.threshold), s.app.name);
      await checkAll(
        dashboard,
        {
          'panel 1 (Requests per second answered) A': a.total,
          'panel 1 (Requests per second answered) B': a.perPod,
          "panel 2 (The metric per pod against the HPA's target) A": a.perPod,
          "panel 2 (The metric per pod against the HPA's target) B": h.target,
          'panel 3 (Replicas: desired, current, ready) A': h.desired,
          'panel 3 (Replicas: desired, current, ready) B': h.current,
          'panel 3 (Replicas: desired, current, ready) C': h.ready,
          'panel 3 (Replicas: desired, current, ready) D': h.max,
          'panel 3 (Replicas: desired, current, ready) E': h.min,
          "panel 4 (The app's pods per node) A": a.perNode,
          'annotation replicas changed': h.annotation,
        },
        'keda',
      );
    } finally {
      traffic.stop();
    }
  });
});

function mergeDeep(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? mergeDeep(cur as Obj, v as Obj) : v;
  }
  return out;
}

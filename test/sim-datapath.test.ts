// The simulated cluster's data path with REAL components: the sample app (app/server.ts) as processes behind
// a NodePort, the real Prometheus (Debian's /usr/bin/prometheus) scraping it through operator-style
// ServiceMonitor jobs, the prometheus-adapter emulation serving custom.metrics.k8s.io from Prometheus, and the
// HPA controller scaling the Deployment on it. Plus unit tests of the pure arithmetic (quantities, the HPA's
// replica calculation and behaviour, the adapter's naming and query building).
//
// Real-Prometheus tests skip (visibly) without /usr/bin/prometheus, unless HPA_LAB_REQUIRE_PROMETHEUS=1 (CI),
// which turns the absence into a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goExpand, goRegexp, MetricNamer, parseAdapterConfig, registryNormalizer, type DiscoveryRule } from './sim/datapath/adapter.ts';
import { behaviorWithDefaults, calcPlainMetricReplicas, newMemory, normalizeDesiredReplicas, normalizeDesiredReplicasWithBehaviors, storeScaleEvent, type PodForCalc } from './sim/datapath/hpa-calc.ts';
import { goEncodeQuery, goQueryEscape } from './sim/datapath/kube.ts';
import { prometheusBinary } from './sim/datapath/prometheus.ts';
import { formatMilli, parseQuantityMilli } from './sim/datapath/quantity.ts';
import { apiBaseFor, simFetch } from './sim/lib/apiclient.ts';
import { ResourceRegistry } from './sim/lib/resources.ts';
import { createSim, isAlive, KUBECTL_REASON, REPO_ROOT, requireKubectl, type Sim, type SimPorts } from './helpers/sim.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

/** The binary the data path runs for Prometheus pods (HPA_LAB_SIM_PROMETHEUS_BIN, else /usr/bin/prometheus). */
const PROMETHEUS_BIN = prometheusBinary();
const HAS_PROMETHEUS = existsSync(PROMETHEUS_BIN);
const REQUIRE_PROMETHEUS = process.env.HPA_LAB_REQUIRE_PROMETHEUS === '1';
const RUN_PROMETHEUS = HAS_PROMETHEUS || REQUIRE_PROMETHEUS;
const PROMETHEUS_NOTE = HAS_PROMETHEUS ? '' : REQUIRE_PROMETHEUS ? ` (REQUIRED by HPA_LAB_REQUIRE_PROMETHEUS=1, but ${PROMETHEUS_BIN} is missing)` : ` (SKIPPED: ${PROMETHEUS_BIN} is missing; install Debian's prometheus package)`;
if (!RUN_PROMETHEUS) console.warn(`[sim-datapath] real-Prometheus tests${PROMETHEUS_NOTE}`);

// ---- pure parts ---------------------------------------------------------------------------------------------

describe('quantities as the adapter and the HPA print them', () => {
  it('formats milli-values canonically (DecimalSI)', () => {
    expect(formatMilli(0)).toBe('0');
    expect(formatMilli(500)).toBe('500m');
    expect(formatMilli(5000)).toBe('5');
    expect(formatMilli(1500)).toBe('1500m');
    expect(formatMilli(1234)).toBe('1234m');
    expect(formatMilli(2_000_000)).toBe('2k');
    expect(formatMilli(1_500_000)).toBe('1500');
    expect(formatMilli(-250)).toBe('-250m');
  });
  it('parses quantities to milli-values', () => {
    expect(parseQuantityMilli('5')).toBe(5000);
    expect(parseQuantityMilli('500m')).toBe(500);
    expect(parseQuantityMilli('1.5')).toBe(1500);
    expect(parseQuantityMilli('0.1')).toBe(100);
    expect(parseQuantityMilli('2k')).toBe(2_000_000);
    expect(parseQuantityMilli(3)).toBe(3000);
    expect(parseQuantityMilli('abc')).toBeUndefined();
  });
});

describe('HPA replica calculation (pure)', () => {
  const tol = { scaleUp: 0.1, scaleDown: 0.1 };
  const running = (...names: string[]): PodForCalc[] => names.map((name) => ({ name, phase: 'Running', deleting: false }));
  const values = (o: Record<string, number>) => new Map(Object.entries(o));

  it('desired = ceil(ready pods x average / target)', () => {
    // average 7.5 against 5: ratio 1.5 over 2 pods -> 3
    expect(calcPlainMetricReplicas(values({ a: 5000, b: 10000 }), running('a', 'b'), 2, 5000, tol)).toEqual({ replicas: 3, usage: 7500 });
    // average 1 against 5 over 3 pods -> ceil(0.6) = 1
    expect(calcPlainMetricReplicas(values({ a: 1000, b: 1000, c: 1000 }), running('a', 'b', 'c'), 3, 5000, tol)).toEqual({ replicas: 1, usage: 1000 });
  });
  it('keeps the current count within the 10% tolerance', () => {
    expect(calcPlainMetricReplicas(values({ a: 5400, b: 5400, c: 5400 }), running('a', 'b', 'c'), 3, 5000, tol)).toEqual({ replicas: 3, usage: 5400 });
    expect(calcPlainMetricReplicas(values({ a: 4600, b: 4600, c: 4600 }), running('a', 'b', 'c'), 3, 5000, tol)).toEqual({ replicas: 3, usage: 4600 });
    // just outside: 1.12 -> ceil(3.36) = 4
    expect(calcPlainMetricReplicas(values({ a: 5600, b: 5600, c: 5600 }), running('a', 'b', 'c'), 3, 5000, tol)).toEqual({ replicas: 4, usage: 5600 });
  });
  it('treats missing pods conservatively (target on scale-down, 0 on scale-up) and pending pods as 0 on scale-up', () => {
    // scale-down: a=0, b missing counts as the target -> ratio 0.5 over 2 -> 1
    expect(calcPlainMetricReplicas(values({ a: 0 }), running('a', 'b'), 2, 5000, tol)).toEqual({ replicas: 1, usage: 0 });
    // scale-up: a=20, b missing counts as 0 -> average 10 / 5 = 2 over 2 -> 4
    expect(calcPlainMetricReplicas(values({ a: 20000 }), running('a', 'b'), 2, 5000, tol)).toEqual({ replicas: 4, usage: 20000 });
    // scale-up with a Pending pod: counted as 0
    const pods = [...running('a'), { name: 'p', phase: 'Pending', deleting: false }];
    expect(calcPlainMetricReplicas(values({ a: 20000 }), pods, 2, 5000, tol)).toEqual({ replicas: 4, usage: 20000 });
  });
  it('fails without values or pods, like the controller', () => {
    expect(calcPlainMetricReplicas(values({}), running('a'), 1, 5000, tol)).toEqual({ error: 'did not receive metrics for targeted pods (pods might be unready)' });
    expect(calcPlainMetricReplicas(values({ a: 1 }), [], 1, 5000, tol)).toEqual({ error: 'no pods returned by selector while calculating replica count' });
  });
  it('clamps to min/max with ScalingLimited reasons, and limits scale-up to max(4 pods, 100%) per 15s', () => {
    const b = behaviorWithDefaults({ scaleDown: { stabilizationWindowSeconds: 0 } });
    const t = 1_000_000;
    let n = normalizeDesiredReplicasWithBehaviors(newMemory(2, t), b, 2, 8, 1, 5, t);
    expect(n.replicas).toBe(5);
    expect(n.scalingLimited).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
    n = normalizeDesiredReplicasWithBehaviors(newMemory(2, t), b, 2, 20, 1, 100, t);
    expect(n.replicas).toBe(6); // 2 + 4 pods beats 2 x 100%
    expect(n.scalingLimited).toMatchObject({ status: 'True', reason: 'ScaleUpLimit' });
    n = normalizeDesiredReplicasWithBehaviors(newMemory(3, t), b, 3, 0, 2, 10, t);
    expect(n.replicas).toBe(2);
    expect(n.scalingLimited).toMatchObject({ status: 'True', reason: 'TooFewReplicas' });
    n = normalizeDesiredReplicasWithBehaviors(newMemory(2, t), b, 2, 3, 1, 10, t);
    expect(n).toMatchObject({ replicas: 3, scalingLimited: { status: 'False', reason: 'DesiredWithinRange' } });
    // rate limit counts what was already added in the period
    const mem = newMemory(2, t);
    storeScaleEvent(mem, b, 2, 6, t);
    n = normalizeDesiredReplicasWithBehaviors(mem, b, 6, 20, 1, 100, t + 5000);
    expect(n.replicas).toBe(6);
    n = normalizeDesiredReplicasWithBehaviors(mem, b, 6, 20, 1, 100, t + 16_000);
    expect(n.replicas).toBe(12);
  });
  it('scales down only after the stabilization window (max recommendation over the window)', () => {
    const b = behaviorWithDefaults({ scaleDown: { stabilizationWindowSeconds: 30 } });
    const t = 5_000_000;
    const mem = newMemory(4, t);
    expect(normalizeDesiredReplicasWithBehaviors(mem, b, 4, 4, 1, 10, t).replicas).toBe(4);
    let n = normalizeDesiredReplicasWithBehaviors(mem, b, 4, 1, 1, 10, t + 10_000);
    expect(n.replicas).toBe(4);
    expect(n.ableToScale.reason).toBe('ScaleDownStabilized');
    n = normalizeDesiredReplicasWithBehaviors(mem, b, 4, 2, 1, 10, t + 29_000);
    expect(n.replicas).toBe(4);
    // the 4s fell out of the window; the highest left is 2
    n = normalizeDesiredReplicasWithBehaviors(mem, b, 4, 1, 1, 10, t + 31_000);
    expect(n.replicas).toBe(2);
    n = normalizeDesiredReplicasWithBehaviors(mem, b, 2, 1, 1, 10, t + 61_000);
    expect(n.replicas).toBe(1);
    // default window without spec.behavior: 300s
    const m2 = newMemory(3, t);
    expect(normalizeDesiredReplicas(m2, 3, 1, 1, 10, t + 299_000).replicas).toBe(3);
    expect(normalizeDesiredReplicas(m2, 3, 1, 1, 10, t + 301_000).replicas).toBe(1);
  });
});

describe('prometheus-adapter naming and queries (pure)', () => {
  const labValues = parseYaml(readFileSync(path.join(REPO_ROOT, 'charts-values', 'prometheus-adapter.yaml'), 'utf8')) as { rules: { custom: unknown[] } };
  const rules: DiscoveryRule[] = parseAdapterConfig(stringify({ rules: labValues.rules.custom }));
  const normalize = registryNormalizer(new ResourceRegistry());
  const series = { name: 'myapp_processed_ops_total', labels: { namespace: 'default', pod: 'a', service: 'test-prometheus' } };

  it("names the lab's two metrics and associates them with pods and namespaces", () => {
    const [total, rate] = rules.map((r) => new MetricNamer(r, normalize));
    expect(total?.metricNameForSeries(series)).toBe('myapp_processed_ops_total');
    expect(rate?.metricNameForSeries(series)).toBe('myapp_processed_ops_per_second');
    expect(rate?.resourcesForSeries(series)).toEqual({ resources: ['namespaces', 'pods'], namespaced: true });
  });
  it('builds <<.Series>>{<<.LabelMatchers>>} by (<<.GroupBy>>) like the adapter', () => {
    const rule = rules[1] as DiscoveryRule;
    const rate = new MetricNamer(rule, normalize);
    const expected = (matchers: string, groupBy: string) => rule.metricsQuery.replace('<<.Series>>', 'myapp_processed_ops_total').replace('<<.LabelMatchers>>', matchers).replace('<<.GroupBy>>', groupBy);
    expect(rule.metricsQuery).toMatch(/^sum\(rate\(<<\.Series>>\{<<\.LabelMatchers>>\}\[\w+\]\)\) by \(<<\.GroupBy>>\)$/);
    expect(rate.queryForSeries('myapp_processed_ops_total', 'pods', 'default', [], ['a', 'b'])).toBe(expected('namespace="default",pod=~"a|b"', 'pod'));
    expect(rate.queryForSeries('myapp_processed_ops_total', 'pods', 'default', [], ['a'])).toBe(expected('namespace="default",pod="a"', 'pod'));
    expect(rate.queryForSeries('myapp_processed_ops_total', 'namespaces', '', [], ['default'])).toBe(expected('namespace="default"', 'namespace'));
    expect(rate.queryForSeries('myapp_processed_ops_total', 'pods', 'default', [{ key: 'endpoint', op: '=', values: ['http'] }], ['a'])).toBe(expected('endpoint="http",namespace="default",pod="a"', 'pod'));
  });
  it("expands names with Go's regexp syntax and escapes queries like Go's url.Values", () => {
    const re = goRegexp('^(?P<base>.*)_total$');
    const m = re.exec('http_requests_total');
    expect(m && goExpand('${base}_per_second', m)).toBe('http_requests_per_second');
    expect(m && goExpand('$1x$$', m)).toBe('$');
    expect(goQueryEscape('{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}')).toBe('%7B__name__%3D~%22%5Econtainer_.%2A%22%2Ccontainer%21%3D%22POD%22%2Cnamespace%21%3D%22%22%2Cpod%21%3D%22%22%7D');
    expect(goEncodeQuery([['start', '1.5'], ['match[]', 'a b']])).toBe('match%5B%5D=a+b&start=1.5');
  });
});

// ---- against the simulated cluster --------------------------------------------------------------------------

interface Cluster {
  base: string;
  apiserverPid: number;
}

async function api<T = Record<string, unknown>>(c: Cluster, method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T; text: string }> {
  const res = await simFetch(`${c.base}${p}`, { method, headers: body === undefined ? {} : { 'content-type': contentType }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text body
  }
  return { status: res.status, body: parsed as T, text };
}

async function create(c: Cluster, p: string, o: unknown): Promise<void> {
  const r = await api(c, 'POST', p, o);
  if (r.status !== 201) throw new Error(`POST ${p}: ${r.status} ${r.text}`);
}

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 200): Promise<T> => waitUntil(what, fn, timeoutMs, everyMs);

type Obj = Record<string, unknown>;
interface PodList {
  items: Array<{ metadata: { name: string }; status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }>;
}

const isReady = (p: PodList['items'][number]) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function readyPods(c: Cluster, ns: string, selector: string): Promise<PodList['items']> {
  const r = await api<PodList>(c, 'GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return r.body.items.filter(isReady);
}

/** One HTTP GET on a new connection (so every request is a new NodePort connection, like `curl`). */
function getOnce(port: number, p = '/'): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/** Sends `perSecond` requests per second to the NodePort until stopped. */
function load(port: number, perSecond: number): { stop: () => number } {
  let sent = 0;
  const timer = setInterval(() => {
    sent++;
    void getOnce(port);
  }, 1000 / perSecond);
  return {
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

function opsTotal(metricsText: string): number {
  const m = /^myapp_processed_ops_total(?:\{[^}]*\})? (\S+)$/m.exec(metricsText);
  return m ? Number(m[1]) : NaN;
}

/** pids whose parent is the node process (the "containers"). */
function childPids(ppid: number): number[] {
  const out: number[] = [];
  for (const d of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(after[1]) === ppid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** The app process of a pod: a child of the node process with POD_NAME=<pod> in its environment. */
function appPid(nodePid: number, pod: string): number | undefined {
  return childPids(nodePid).find((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`POD_NAME=${pod}`);
    } catch {
      return false;
    }
  });
}

const APP_IMAGE = 'hpa-lab/sample-app:dev';

function appDeployment(replicas: number): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test-prometheus', namespace: 'default', labels: { app: 'test-prometheus' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'test-prometheus' } },
      template: {
        metadata: { labels: { app: 'test-prometheus' } },
        spec: {
          containers: [
            {
              name: 'test-prometheus',
              image: APP_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ containerPort: 8080 }],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

function nodePortService(name: string, ns: string, selector: Record<string, string>, portName: string, port: number, nodePort: number, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { type: 'NodePort', selector, ports: [{ name: portName, port, targetPort: port, nodePort }] } };
}

function crd(plural: string, kind: string): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: { group: 'monitoring.coreos.com', scope: 'Namespaced', names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  };
}

describe('data path against the simulated cluster', () => {
  let sim: Sim;
  let ports: SimPorts;
  let c: Cluster;
  const started = Date.now();

  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '1', HPA_LAB_SIM_CRASH_BACKOFF_SECONDS: '1', HPA_LAB_SIM_PROMETHEUS_BIN: PROMETHEUS_BIN } });
    ports = sim.ports();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', 'dp', '--config', sim.writeKindConfig(ports)]);
    expect(r.exitCode, r.stderr).toBe(0);
    // The app's image is built locally and loaded into the node, as `hpa-lab up` does.
    const b = await sim.exec('docker', ['build', '-t', APP_IMAGE, 'app']);
    expect(b.exitCode, b.stderr).toBe(0);
    const l = await sim.exec('kind', ['load', 'docker-image', APP_IMAGE, '--name', 'dp']);
    expect(l.exitCode, l.stderr).toBe(0);
    const state = JSON.parse(readFileSync(path.join(sim.home, 'clusters', 'dp.json'), 'utf8')) as { apiPort: number; pid: number };
    c = { base: apiBaseFor(sim.home, 'dp'), apiserverPid: state.pid };
    await create(c, '/apis/apps/v1/namespaces/default/deployments', appDeployment(2));
    await create(c, '/api/v1/namespaces/default/services', nodePortService('test-prometheus', 'default', { app: 'test-prometheus' }, 'prometheus-port', 8080, ports.app, { app: 'test-prometheus' }));
  });

  afterAll(async () => {
    const pid = c.apiserverPid;
    const children = childPids(pid);
    expect(children.length).toBeGreaterThan(0);
    await sim.cleanup();
    // No "container" process survives the simulated node.
    await eventually('children gone', () => Promise.resolve(children.every((p) => !isAlive(p))), 5000);
  });

  it('runs the real sample app per pod; a NodePort spreads connections over the ready pods round-robin', async () => {
    const pods = await eventually('2 app pods ready', async () => {
      const p = await readyPods(c, 'default', 'app=test-prometheus');
      return p.length === 2 ? p : undefined;
    });
    for (let i = 0; i < 20; i++) expect(await getOnce(ports.app)).toBe(200);
    const counts = await Promise.all(
      pods.map(async (p) => {
        // the API server's pod proxy reaches the pod's real process
        const m = await api(c, 'GET', `/api/v1/namespaces/default/pods/${p.metadata.name}:8080/proxy/metrics`);
        expect(m.status).toBe(200);
        return opsTotal(m.text);
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    for (const n of counts) expect(n).toBe(10);
    // the service proxy too
    const viaSvc = await api(c, 'GET', '/api/v1/namespaces/default/services/test-prometheus:prometheus-port/proxy/');
    expect(viaSvc.text).toBe('Hello, World!');
  });

  it('restarts a crashed app process with the back-off, and closes connections when no endpoint is ready', async () => {
    const pod = (await readyPods(c, 'default', 'app=test-prometheus'))[0]?.metadata.name ?? '';
    const logs = await api(c, 'GET', `/api/v1/namespaces/default/pods/${pod}/log`);
    expect(logs.text).toMatch(/sample app on :\d+ \(pod test-prometheus-/);
    type Status = { status?: { containerStatuses?: Array<{ ready: boolean; restartCount: number; state: Record<string, { reason?: string }> }> } };
    const cs = async () => (await api<Status>(c, 'GET', `/api/v1/namespaces/default/pods/${pod}`)).body.status?.containerStatuses?.[0];
    const kill = () => {
      const pid = appPid(c.apiserverPid, pod);
      expect(pid, `process of ${pod}`).toBeGreaterThan(0);
      process.kill(pid as number, 'SIGKILL');
    };
    kill();
    // the first restart is immediate (kubelet), the next ones wait (1s here, 10s by default)
    await eventually('restarted once', async () => ((await cs())?.restartCount === 1 && (await cs())?.ready ? true : undefined), 10_000, 100);
    kill();
    await eventually('CrashLoopBackOff while waiting', async () => ((await cs())?.state.waiting?.reason === 'CrashLoopBackOff' ? true : undefined), 5000, 50);
    await eventually('running again', async () => ((await cs())?.restartCount === 2 && (await cs())?.ready ? true : undefined), 10_000, 100);
    const previous = await api(c, 'GET', `/api/v1/namespaces/default/pods/${pod}/log?previous=true`);
    expect(previous.text).toMatch(/container test-prometheus exited \(signal SIGKILL\)/);
    // A Service selecting nothing ready: kube-proxy has no endpoint, the connection is closed without a reply.
    await create(c, '/api/v1/namespaces/default/services', nodePortService('nothing', 'default', { app: 'none' }, 'http', 80, ports.grafana));
    expect(await getOnce(ports.grafana)).toBe(0);
  });

  describe.skipIf(!RUN_PROMETHEUS)(`with the real Prometheus${PROMETHEUS_NOTE}`, () => {
    const promPath = '/api/v1/namespaces/monitoring/services/prometheus-test:http-web/proxy';
    let promStarted = 0;

    beforeAll(async () => {
      expect(HAS_PROMETHEUS, `HPA_LAB_REQUIRE_PROMETHEUS=1 but ${PROMETHEUS_BIN} does not exist`).toBe(true);
      promStarted = Date.now();
      await create(c, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
      await create(c, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('servicemonitors', 'ServiceMonitor'));
      await create(c, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('prometheuses', 'Prometheus'));
      await eventually('CRDs served', async () => (await api(c, 'GET', '/apis/monitoring.coreos.com/v1/prometheuses')).status === 200);
      await create(c, '/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheuses', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Prometheus',
        metadata: { name: 'test', namespace: 'monitoring' },
        spec: { scrapeInterval: '1s', evaluationInterval: '1s', retention: '1h', serviceMonitorSelector: { matchLabels: { release: 'test' } }, serviceMonitorNamespaceSelector: {} },
      });
      await create(c, '/api/v1/namespaces/monitoring/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'prometheus-test-0', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'test', prometheus: 'test' } },
        spec: { containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3.7.3', ports: [{ name: 'http-web', containerPort: 9090 }] }] },
      });
      await create(c, '/api/v1/namespaces/monitoring/services', nodePortService('prometheus-test', 'monitoring', { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'test' }, 'http-web', 9090, ports.prometheus));
      for (const [name, labels] of [
        ['test-prometheus', { release: 'test' }],
        ['unselected', {}],
      ] as const) {
        await create(c, '/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors', {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name, namespace: 'default', labels },
          spec: { selector: { matchLabels: { app: 'test-prometheus' } }, endpoints: [{ port: 'prometheus-port', interval: '1s' }] },
        });
      }
      // An exporter the simulation does not run for real (any registry image): its target is answered by the
      // data path's stand-in exporter.
      await create(c, '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'exporter', namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'exporter' } }, template: { metadata: { labels: { app: 'exporter' } }, spec: { containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.9.1', ports: [{ name: 'metrics', containerPort: 9100 }] }] } } },
      });
      await create(c, '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'exporter', namespace: 'default', labels: { app: 'exporter' } }, spec: { selector: { app: 'exporter' }, ports: [{ name: 'metrics', port: 9100, targetPort: 'metrics' }] } });
      await create(c, '/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'exporter', namespace: 'default', labels: { release: 'test' } },
        spec: { selector: { matchLabels: { app: 'exporter' } }, endpoints: [{ port: 'metrics', interval: '1s' }] },
      });
    });

    it('scrapes the app through ServiceMonitor jobs named and labelled like the operator', async () => {
      const pods = await readyPods(c, 'default', 'app=test-prometheus');
      type Target = { scrapePool: string; health: string; labels: Record<string, string>; lastError: string };
      const targets = await eventually(
        'targets up',
        async () => {
          const r = await api<{ data: { activeTargets: Target[] } }>(c, 'GET', `${promPath}/api/v1/targets`);
          const t = r.body.data?.activeTargets ?? [];
          return t.length === 3 && t.every((x) => x.health === 'up') ? t : undefined;
        },
        30_000,
        250,
      );
      expect(targets.filter((t) => t.scrapePool === 'serviceMonitor/default/test-prometheus/0')).toHaveLength(2);
      const exporter = targets.find((t) => t.scrapePool === 'serviceMonitor/default/exporter/0');
      expect(exporter?.labels).toMatchObject({ namespace: 'default', service: 'exporter', container: 'node-exporter', endpoint: 'metrics', job: 'exporter' });
      expect(exporter?.labels.instance).toMatch(/^10\.244\.\d+\.\d+:9100$/);
      for (const p of pods) {
        const t = targets.find((x) => x.labels.pod === p.metadata.name);
        expect(t?.labels).toEqual({ namespace: 'default', service: 'test-prometheus', pod: p.metadata.name, container: 'test-prometheus', endpoint: 'prometheus-port', job: 'test-prometheus', instance: `${p.status?.podIP ?? ''}:8080` });
      }
      // The ServiceMonitor without the CR's label produced no job at all.
      const cfg = await api<{ data: { yaml: string } }>(c, 'GET', `${promPath}/api/v1/status/config`);
      expect(cfg.body.data.yaml).toContain('job_name: serviceMonitor/default/test-prometheus/0');
      expect(cfg.body.data.yaml).not.toContain('serviceMonitor/default/unselected/0');
      console.log(`[datapath] Prometheus up with both targets ${Date.now() - promStarted}ms after creating its pod`);
    });

    it("serves custom.metrics.k8s.io from Prometheus with the lab's adapter rules", async () => {
      const labValues = parseYaml(readFileSync(path.join(REPO_ROOT, 'charts-values', 'prometheus-adapter.yaml'), 'utf8')) as { rules: { custom: unknown[] } };
      // The lab's two rules, plus a short-window rate for the HPA test below.
      const fastRule = { seriesQuery: '{__name__=~"^myapp_processed_ops_total$",namespace!="",pod!=""}', resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } }, name: { matches: '^(.*)_total$', as: '${1}_rate5s' }, metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5s])) by (<<.GroupBy>>)' };
      await create(c, '/api/v1/namespaces/monitoring/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prometheus-adapter', namespace: 'monitoring' }, data: { 'config.yaml': stringify({ rules: [...labValues.rules.custom, fastRule] }) } });
      const adapter = (name: string, url: string): Obj => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'monitoring' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                {
                  name: 'prometheus-adapter',
                  image: 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0',
                  args: ['/adapter', '--secure-port=6443', '--cert-dir=/tmp/cert', `--prometheus-url=${url}`, '--metrics-relist-interval=2s', '--v=6', '--config=/etc/adapter/config.yaml'],
                  ports: [{ containerPort: 6443, name: 'https' }],
                  volumeMounts: [{ mountPath: '/etc/adapter/', name: 'config', readOnly: true }],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: 'prometheus-adapter' } }],
            },
          },
        },
      });
      await create(c, '/apis/apps/v1/namespaces/monitoring/deployments', adapter('prometheus-adapter', 'http://prometheus-test.monitoring.svc:9090'));
      await create(c, '/api/v1/namespaces/monitoring/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-adapter', namespace: 'monitoring' }, spec: { selector: { app: 'prometheus-adapter' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }] } });
      await create(c, '/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.custom.metrics.k8s.io' }, spec: { group: 'custom.metrics.k8s.io', version: 'v1beta1', service: { name: 'prometheus-adapter', namespace: 'monitoring' }, groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true } });

      type ResourceList = { resources: Array<{ name: string; namespaced: boolean; kind: string; verbs: string[] }> };
      const discovery = await eventually(
        'custom metrics discovered',
        async () => {
          const r = await api<ResourceList>(c, 'GET', '/apis/custom.metrics.k8s.io/v1beta1');
          return r.status === 200 && r.body.resources.some((x) => x.name === 'pods/myapp_processed_ops_per_second') ? r.body : undefined;
        },
        20_000,
      );
      const names = discovery.resources.map((x) => x.name);
      expect(names).toEqual(expect.arrayContaining(['pods/myapp_processed_ops_total', 'pods/myapp_processed_ops_per_second', 'namespaces/myapp_processed_ops_per_second']));
      expect(discovery.resources.find((x) => x.name === 'pods/myapp_processed_ops_per_second')).toEqual({ name: 'pods/myapp_processed_ops_per_second', singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] });

      const pods = (await readyPods(c, 'default', 'app=test-prometheus')).map((p) => p.metadata.name).sort();
      type ValueList = { kind: string; items: Array<{ describedObject: { kind: string; namespace: string; name: string; apiVersion: string }; metricName: string; value: string; timestamp: string }> };
      const valuesPath = `/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/myapp_processed_ops_per_second?labelSelector=${encodeURIComponent('app=test-prometheus')}`;
      const first = await eventually('values for both pods', async () => {
        const r = await api<ValueList>(c, 'GET', valuesPath);
        return r.status === 200 && r.body.items.length === 2 ? r.body : undefined;
      });
      expect(first.kind).toBe('MetricValueList');
      expect(first.items.map((i) => i.describedObject.name).sort()).toEqual(pods);
      expect(first.items[0]?.describedObject).toMatchObject({ kind: 'Pod', namespace: 'default', apiVersion: '/v1' });
      for (const i of first.items) expect(i.value).toMatch(/^\d+m?$/);

      // Under load (20 req/s over 2 pods: 10/s each) the per-second values rise and follow it: the lab's
      // rate window is tens of seconds, so its values climb towards 10; the 5s-window rule gets there at once.
      const perPod = async (metric: string) => {
        const r = await api<ValueList>(c, 'GET', valuesPath.replace('myapp_processed_ops_per_second', metric));
        return r.body.items.map((i) => (parseQuantityMilli(i.value) ?? 0) / 1000);
      };
      const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
      const before = sum(await perPod('myapp_processed_ops_per_second'));
      const gen = load(ports.app, 20);
      const fast = await eventually(
        'the 5s-window rate follows the load',
        async () => {
          const v = await perPod('myapp_processed_ops_rate5s');
          return v.length === 2 && v.every((x) => x > 6 && x < 14) && sum(v) > 16 && sum(v) < 24 ? v : undefined;
        },
        20_000,
        500,
      );
      const lab1 = await perPod('myapp_processed_ops_per_second');
      await new Promise((r) => setTimeout(r, 2000));
      const lab2 = await perPod('myapp_processed_ops_per_second');
      gen.stop();
      expect(fast).toHaveLength(2);
      expect(lab1.every((x) => x > 0.5)).toBe(true);
      expect(sum(lab1)).toBeGreaterThan(before);
      expect(sum(lab2)).toBeGreaterThan(sum(lab1));
      expect(sum(lab2)).toBeLessThan(24);
      // A metric of the namespace itself (the rule's namespace override): /namespaces/NS/metrics/M.
      const nsMetric = await api<ValueList>(c, 'GET', '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/metrics/myapp_processed_ops_per_second');
      expect(nsMetric.status).toBe(200);
      expect(nsMetric.body.items.map((i) => i.describedObject)).toEqual([{ kind: 'Namespace', name: 'default', apiVersion: '/v1' }]);
      // A metric nobody discovered is a NotFound Status, as from the adapter.
      const missing = await api<Obj>(c, 'GET', '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the metric nope for pods' });

      // A wrong --prometheus-url (the chart's default): no discovery, and the adapter's log says why.
      await create(c, '/apis/apps/v1/namespaces/monitoring/deployments', adapter('wrong-adapter', 'http://prometheus.default.svc:9090'));
      const wrongPod = await eventually('wrong adapter ready', async () => (await readyPods(c, 'monitoring', 'app=wrong-adapter'))[0]);
      const log = await eventually('no such host logged', async () => {
        const r = await api(c, 'GET', `/api/v1/namespaces/monitoring/pods/${wrongPod.metadata.name}/log`);
        return r.text.includes('no such host') ? r.text : undefined;
      });
      expect(log).toMatch(/^E\d{4} [\d:.]+ +1 provider\.go:\d+\] unable to update list of all metrics: unable to fetch metrics for query "\{__name__=~\\"\^\(\.\*\)myapp_processed_ops_total\$\\"\}": Get "http:\/\/prometheus\.default\.svc:9090\/api\/v1\/series\?match%5B%5D=%7B__name__%3D~%22%5E%28\.%2A%29myapp_processed_ops_total%24%22%7D&start=[\d.]+": dial tcp: lookup prometheus\.default\.svc on 10\.96\.0\.10:53: no such host$/m);
      // Point the APIService at it: discovery is empty.
      await create(c, '/api/v1/namespaces/monitoring/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wrong-adapter', namespace: 'monitoring' }, spec: { selector: { app: 'wrong-adapter' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }] } });
      const patch = (svc: string) => api(c, 'PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io', { spec: { service: { name: svc, namespace: 'monitoring' } } }, 'application/merge-patch+json');
      expect((await patch('wrong-adapter')).status).toBe(200);
      const empty = await eventually('empty discovery', async () => {
        const r = await api<ResourceList>(c, 'GET', '/apis/custom.metrics.k8s.io/v1beta1');
        return r.status === 200 && r.body.resources.length === 0 ? r.body : undefined;
      });
      expect(empty).toMatchObject({ kind: 'APIResourceList', groupVersion: 'custom.metrics.k8s.io/v1beta1', resources: [] });
      expect((await patch('prometheus-adapter')).status).toBe(200);
      await eventually('discovery back', async () => ((await api<ResourceList>(c, 'GET', '/apis/custom.metrics.k8s.io/v1beta1')).body.resources?.length ?? 0) > 0);
    });

    it.skipIf(!requireKubectl())(`kubectl get --raw reads those values: the walkthrough's command${KUBECTL_REASON}`, async () => {
      // kubectl escapes the `*` (%2A)
      const pods = (await readyPods(c, 'default', 'app=test-prometheus')).map((p) => p.metadata.name).sort();
      const k = await sim.exec('kubectl', ['get', '--raw', '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/myapp_processed_ops_total']);
      expect(k.exitCode, k.stderr).toBe(0);
      expect((JSON.parse(k.stdout) as { items: Array<{ describedObject: { name: string } }> }).items.map((i) => i.describedObject.name).sort()).toEqual(pods);
    });

    it('the HPA scales the Deployment out under load and back in after the stabilization window', async () => {
      const hpa = (name: string, target: string, metric: string): Obj => ({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: 'default' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [{ type: 'Pods', pods: { metric: { name: metric }, target: { type: 'AverageValue', averageValue: '2' } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 4 } },
        },
      });
      type Hpa = { status?: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: Array<{ pods: { current: { averageValue: string } } }>; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };
      const cond = (h: Hpa, type: string) => h.status?.conditions?.find((x) => x.type === type);
      const getHpa = async (name: string) => (await api<Hpa>(c, 'GET', `/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/${name}`)).body;

      // Failures first: a missing target and a metric the adapter does not serve.
      await create(c, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa('no-target', 'missing', 'myapp_processed_ops_rate5s'));
      await create(c, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa('no-metric', 'test-prometheus', 'not_a_metric'));
      const noTarget = await eventually('FailedGetScale', async () => {
        const h = await getHpa('no-target');
        return cond(h, 'AbleToScale')?.reason === 'FailedGetScale' ? h : undefined;
      });
      expect(cond(noTarget, 'AbleToScale')?.message).toBe('the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "missing" not found');
      const noMetric = await eventually('FailedGetPodsMetric', async () => {
        const h = await getHpa('no-metric');
        return cond(h, 'ScalingActive')?.reason === 'FailedGetPodsMetric' ? h : undefined;
      });
      expect(cond(noMetric, 'ScalingActive')).toMatchObject({ status: 'False', message: 'the HPA was unable to compute the replica count: unable to get metric not_a_metric: unable to fetch metrics from custom metrics API: the server could not find the metric not_a_metric for pods' });
      const events = await api<{ items: Array<{ reason: string; involvedObject: { name: string }; message: string }> }>(c, 'GET', '/api/v1/namespaces/default/events');
      expect(events.body.items.some((e) => e.reason === 'FailedGetPodsMetric' && e.involvedObject.name === 'no-metric')).toBe(true);
      await api(c, 'DELETE', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/no-target');
      await api(c, 'DELETE', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/no-metric');

      await create(c, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa('test-prometheus-hpa', 'test-prometheus', 'myapp_processed_ops_rate5s'));
      const idle = await eventually('ValidMetricFound', async () => {
        const h = await getHpa('test-prometheus-hpa');
        return cond(h, 'ScalingActive')?.reason === 'ValidMetricFound' ? h : undefined;
      });
      expect(cond(idle, 'ScalingActive')?.message).toBe('the HPA was able to successfully calculate a replica count from pods metric myapp_processed_ops_rate5s');

      // 24 req/s over 2 pods is 12/s per pod against a target of 2: desired ceil(2 x 6) = 12, limited to 4.
      const gen = load(ports.app, 24);
      await eventually(
        'scaled out to 4',
        async () => {
          const h = await getHpa('test-prometheus-hpa');
          return h.status?.currentReplicas === 4 ? h : undefined;
        },
        30_000,
        500,
      );
      // Still 6/s per pod over 4 pods: desired 12, held at maxReplicas.
      const limited = await eventually('limited by maxReplicas', async () => {
        const h = await getHpa('test-prometheus-hpa');
        return cond(h, 'ScalingLimited')?.reason === 'TooManyReplicas' ? h : undefined;
      }, 20_000, 500);
      expect(cond(limited, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
      expect(limited.status?.desiredReplicas).toBe(4);
      const ready4 = await eventually('4 app processes ready', async () => {
        const p = await readyPods(c, 'default', 'app=test-prometheus');
        return p.length === 4 ? p : undefined;
      });
      expect(ready4).toHaveLength(4);
      const ev = await api<{ items: Array<{ reason: string; message: string; involvedObject: { name: string } }> }>(c, 'GET', '/api/v1/namespaces/default/events');
      expect(ev.body.items.find((e) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'test-prometheus-hpa')?.message).toMatch(/^New size: \d+; reason: pods metric myapp_processed_ops_rate5s above target$/);
      // Spread over 4 pods the load still is 6/s per pod, and the HPA's average follows ceil(current x value/target).
      const steady = await eventually('average recomputed over 4 pods', async () => {
        const h = await getHpa('test-prometheus-hpa');
        const avg = (parseQuantityMilli(h.status?.currentMetrics?.[0]?.pods.current.averageValue) ?? 0) / 1000;
        return h.status?.currentReplicas === 4 && avg > 3 && avg < 9 ? avg : undefined;
      }, 20_000, 500);
      expect(Math.min(4, Math.ceil((4 * steady) / 2))).toBe(4);

      gen.stop();
      const scaledInAt = Date.now();
      const back = await eventually(
        'scaled back in to 1',
        async () => {
          const h = await getHpa('test-prometheus-hpa');
          return h.status?.currentReplicas === 1 ? h : undefined;
        },
        40_000,
        500,
      );
      expect(back.status?.desiredReplicas).toBe(1);
      // Not before the rate window (5s) and the stabilization window (4s) have passed.
      expect(Date.now() - scaledInAt).toBeGreaterThan(4000);
      await eventually('1 app pod left', async () => ((await readyPods(c, 'default', 'app=test-prometheus')).length === 1 ? true : undefined), 10_000);
      console.log(`[datapath] real-Prometheus tests took ${Date.now() - promStarted}ms (file ${Date.now() - started}ms so far)`);
    });

    it.skipIf(!requireKubectl())(`kubectl get hpa prints that HPA's columns${KUBECTL_REASON}`, async () => {
      const k = await sim.exec('kubectl', ['get', 'hpa', 'test-prometheus-hpa']);
      expect(k.stdout).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
      expect(k.stdout).toMatch(/test-prometheus-hpa\s+Deployment\/test-prometheus\s+\d+m?\/2\s+1\s+4\s+\d\s+\d+s/);
    });
  });
});

describe('a Prometheus pod without the prometheus binary', () => {
  it('stays not Ready in CrashLoopBackOff and its log says which package the simulation needs', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_PROMETHEUS_BIN: '/nonexistent/prometheus' } });
    try {
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'noprom', '--config', sim.writeKindConfig(sim.ports())]);
      expect(r.exitCode, r.stderr).toBe(0);
      const state = JSON.parse(readFileSync(path.join(sim.home, 'clusters', 'noprom.json'), 'utf8')) as { apiPort: number; pid: number };
      const c: Cluster = { base: apiBaseFor(sim.home, 'noprom'), apiserverPid: state.pid };
      await create(c, '/api/v1/namespaces/default/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'prometheus-k-0', namespace: 'default', labels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'k' } },
        spec: { containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3.7.3', ports: [{ name: 'http-web', containerPort: 9090 }] }] },
      });
      type Status = { status?: { conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ ready: boolean; state: Record<string, { reason?: string }> }> } };
      const pod = await eventually('CrashLoopBackOff', async () => {
        const p = (await api<Status>(c, 'GET', '/api/v1/namespaces/default/pods/prometheus-k-0')).body;
        return p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
      });
      expect(pod.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('False');
      // Every start fails at once (like a missing entrypoint); the failed attempt's output is the previous log.
      const log = await eventually('previous log', async () => {
        const l = await api(c, 'GET', '/api/v1/namespaces/default/pods/prometheus-k-0/log?previous=true');
        return l.status === 200 ? l.text : undefined;
      });
      expect(log).toContain('exec /nonexistent/prometheus: no such file or directory');
      expect(log).toContain("install Debian's prometheus package");
    } finally {
      await sim.cleanup();
    }
  });
});

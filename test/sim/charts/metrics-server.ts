// metrics-server chart 3.13.1 (app 0.8.1), https://kubernetes-sigs.github.io/metrics-server/ — rendered after
// kubernetes-sigs/metrics-server charts/metrics-server/templates/{_helpers.tpl, serviceaccount.yaml,
// clusterrole*.yaml, clusterrolebinding*.yaml, rolebinding.yaml, service.yaml, deployment.yaml, apiservice.yaml}.
//
// Software: the container becomes Ready about 1 s after it starts when its args hold --kubelet-insecure-tls;
// without it every scrape of a kind kubelet fails on x509 (no IP SANs), the pod stays 0/1 Ready with the log
// lines and Unhealthy events of a real one, and the APIService stays Available=False (MissingEndpoints).
// While the APIService is Available it serves metrics.k8s.io/v1beta1 (nodes, pods) with plausible usage.
import type { AggregatedApi, AggregatedReply } from '../lib/aggregator.ts';
import { klog } from '../lib/podlogs.ts';
import { every, type BehaviourContext, type PodBehaviour } from '../lib/podbehaviour.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import type { KubeObject } from '../lib/store.ts';
import { arr, chartName, fullname, obj, object, str, truthy, type ChartVersion, type Obj, type RenderContext, type Rendered, type SimulatedSoftware } from './common.ts';

const CHART = 'metrics-server';
const VERSION = '3.13.1';
const APP_VERSION = '0.8.1';

function render(ctx: RenderContext): Rendered {
  const v = ctx.values;
  const name = chartName(CHART, v);
  const full = fullname(ctx.release, CHART, v);
  const ns = ctx.namespace;
  const selectorLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': ctx.release };
  const labels: Obj = { 'helm.sh/chart': `${CHART}-${VERSION}`, ...selectorLabels, 'app.kubernetes.io/version': APP_VERSION, 'app.kubernetes.io/managed-by': 'Helm', ...obj(v.commonLabels) };
  const sa = obj(v.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  const image = obj(v.image);
  const service = obj(v.service);
  const objects: KubeObject[] = [];

  if (truthy(sa.create)) {
    objects.push(object('v1', 'ServiceAccount', saName, ns, labels, { ...(arr(sa.secrets).length ? { secrets: sa.secrets } : {}) }, obj(sa.annotations)));
  }
  if (truthy(obj(v.rbac).create)) {
    objects.push(
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `system:${full}-aggregated-reader`, undefined, { ...labels, 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, {
        rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
      }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `system:${full}`, undefined, labels, {
        rules: [
          { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces', 'configmaps'], verbs: ['get', 'list', 'watch'] },
        ],
      }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${full}:system:auth-delegator`, undefined, labels, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `system:${full}`, undefined, labels, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `system:${full}` },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      }),
      object('rbac.authorization.k8s.io/v1', 'RoleBinding', `${full}-auth-reader`, 'kube-system', labels, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      }),
    );
  }
  objects.push(
    object('v1', 'Service', full, ns, { ...labels, ...obj(service.labels) }, {
      spec: { type: str(service.type, 'ClusterIP'), ports: [{ name: 'https', port: service.port ?? 443, protocol: 'TCP', targetPort: 'https', appProtocol: 'https' }], selector: selectorLabels },
    }, obj(service.annotations)),
  );
  const containerPort = Number(v.containerPort ?? 10250);
  const args = [`--secure-port=${containerPort}`, ...arr(v.defaultArgs).map(String), ...(truthy(obj(v.metrics).enabled) ? ['--authorization-always-allow-paths=/metrics'] : []), ...arr(v.args).map(String)];
  const container: Obj = {
    name: 'metrics-server',
    ...(truthy(v.securityContext) ? { securityContext: v.securityContext } : {}),
    image: `${str(image.repository)}:${str(image.tag) || `v${APP_VERSION}`}`,
    imagePullPolicy: str(image.pullPolicy, 'IfNotPresent'),
    args,
    ports: [{ name: 'https', protocol: 'TCP', containerPort }],
    ...(truthy(v.livenessProbe) ? { livenessProbe: v.livenessProbe } : {}),
    ...(truthy(v.readinessProbe) ? { readinessProbe: v.readinessProbe } : {}),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...arr(v.extraVolumeMounts)],
    ...(truthy(v.resources) ? { resources: v.resources } : {}),
  };
  const podSpec: Obj = {
    ...(truthy(v.schedulerName) ? { schedulerName: v.schedulerName } : {}),
    serviceAccountName: saName,
    ...(truthy(v.podSecurityContext) ? { securityContext: v.podSecurityContext } : {}),
    ...(truthy(v.priorityClassName) ? { priorityClassName: v.priorityClassName } : {}),
    ...(truthy(obj(v.hostNetwork).enabled) ? { hostNetwork: true } : {}),
    containers: [container],
    volumes: [{ name: 'tmp', ...(truthy(v.tmpVolume) ? (v.tmpVolume as Obj) : { emptyDir: {} }) }, ...arr(v.extraVolumes)],
    ...(truthy(v.nodeSelector) ? { nodeSelector: v.nodeSelector } : {}),
    ...(truthy(v.affinity) ? { affinity: v.affinity } : {}),
    ...(truthy(v.tolerations) ? { tolerations: v.tolerations } : {}),
    ...(truthy(v.topologySpreadConstraints) ? { topologySpreadConstraints: v.topologySpreadConstraints } : {}),
    ...(truthy(v.dnsConfig) ? { dnsConfig: v.dnsConfig } : {}),
  };
  objects.push(
    object('apps/v1', 'Deployment', full, ns, labels, {
      spec: {
        replicas: v.replicas ?? 1,
        ...(v.revisionHistoryLimit !== null && v.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: v.revisionHistoryLimit } : {}),
        ...(truthy(v.updateStrategy) ? { strategy: v.updateStrategy } : {}),
        selector: { matchLabels: selectorLabels },
        template: {
          metadata: { labels: { ...selectorLabels, ...obj(v.podLabels) }, ...(truthy(v.podAnnotations) ? { annotations: v.podAnnotations } : {}) },
          spec: podSpec,
        },
      },
    }, obj(v.deploymentAnnotations)),
  );
  const api = obj(v.apiService);
  if (truthy(api.create)) {
    objects.push(
      object('apiregistration.k8s.io/v1', 'APIService', 'v1beta1.metrics.k8s.io', undefined, labels, {
        spec: {
          ...(truthy(api.caBundle) ? { caBundle: Buffer.from(str(api.caBundle)).toString('base64') } : {}),
          group: 'metrics.k8s.io',
          groupPriorityMinimum: 100,
          ...(truthy(api.insecureSkipTLSVerify) ? { insecureSkipTLSVerify: true } : {}),
          service: { name: full, namespace: ns, port: service.port ?? 443 },
          version: 'v1beta1',
          versionPriority: 100,
        },
      }, obj(api.annotations)),
    );
  }
  const star = '*'.repeat(71);
  const notes = [star, `* Metrics Server${' '.repeat(54)}*`, star, `  Chart version: ${VERSION}`, `  App version:   ${APP_VERSION}`, `  Image tag:     ${str(container.image)}`, star].join('\n');
  return { crds: [], objects, notes };
}

export const metricsServer: ChartVersion = {
  name: CHART,
  version: VERSION,
  appVersion: APP_VERSION,
  description: 'Metrics Server is a scalable, efficient source of container resource metrics for Kubernetes built-in autoscaling pipelines.',
  repos: ['https://kubernetes-sigs.github.io/metrics-server'],
  valuesFile: 'metrics-server-3.13.1.yaml',
  render,
};

// ---- the software -----------------------------------------------------------------------------------------

function containerArgs(c: Obj): string[] {
  return [...arr(c.command), ...arr(c.args)].map(String);
}

function nodesOf(ctx: BehaviourContext): KubeObject[] {
  return ctx.store.list(ctx.rt('', 'nodes'));
}

function internalIP(n: KubeObject): string {
  return str(arr(obj(n.status).addresses).map(obj).find((a) => a.type === 'InternalIP')?.address, '172.18.0.2');
}

const READY_AFTER_MS = 1000;

const metricsServerBehaviour: PodBehaviour = {
  name: 'metrics-server',
  // registry.k8s.io/metrics-server/metrics-server:v0.8.1, also when installed from components.yaml
  matches: (_pod, c) => /(^|\/)metrics-server\/metrics-server([:@]|$)/.test(str(c.image)),
  onStart(run, ctx) {
    const t = run.startedAt;
    const port = /--secure-port=(\d+)/.exec(containerArgs(run.container).join(' '))?.[1] ?? '10250';
    ctx.log(klog('I', 'serving.go:380', 'Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)', t), t);
    ctx.log(klog('I', 'handler.go:288', 'Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager', t + 200), t + 200);
    ctx.log(klog('I', 'requestheader_controller.go:180', 'Starting RequestHeaderAuthRequestController', t + 300), t + 300);
    ctx.log(klog('I', 'secure_serving.go:211', `Serving securely on [::]:${port}`, t + 320), t + 320);
    ctx.log(klog('I', 'tlsconfig.go:243', '"Starting DynamicServingCertificateController"', t + 330), t + 330);
  },
  probe(run, ctx) {
    const insecure = containerArgs(run.container).includes('--kubelet-insecure-tls');
    if (insecure) return { ready: ctx.now - run.startedAt >= READY_AFTER_MS };
    // Every scrape (--metric-resolution, 15s) of every kubelet fails on its certificate.
    if (every(run, 'scrape', 15_000, ctx.now, 800)) {
      for (const n of nodesOf(ctx)) {
        const ip = internalIP(n);
        ctx.log(klog('E', 'scraper.go:149', `"Failed to scrape node" err="Get \\"https://${ip}:10250/metrics/resource\\": tls: failed to verify certificate: x509: cannot validate certificate for ${ip} because it doesn't contain any IP SANs" node="${n.metadata.name}"`, ctx.now));
      }
    }
    if (every(run, 'probe', 10_000, ctx.now, 1000)) {
      ctx.log(klog('I', 'server.go:191', '"Failed probe" probe="metric-storage-ready" err="no metrics to serve"', ctx.now));
    }
    return { ready: false, failure: 'HTTP probe failed with statuscode: 500' };
  },
};

// ---- metrics.k8s.io/v1beta1 -------------------------------------------------------------------------------

function h32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const RESOLUTION_MS = 15_000;

/** Stable within one metric-resolution window, varying between windows. */
function usage(key: string, bucket: number): { cpuNano: number; memKi: number } {
  const base = h32(key);
  const jitter = (h32(`${key}#${bucket}`) % 1000) / 1000;
  return { cpuNano: Math.round((2 + (base % 28) + jitter * 4) * 1e6), memKi: 10_240 + (base % 180) * 1024 + Math.round(jitter * 2048) };
}

function podUsage(p: KubeObject, bucket: number) {
  return arr(obj(p.spec).containers)
    .map(obj)
    .map((c) => ({ name: str(c.name), ...usage(`${p.metadata.namespace ?? ''}/${p.metadata.name}/${str(c.name)}`, bucket) }));
}

function runningPods(store: KubeObject[]): KubeObject[] {
  return store.filter((p) => obj(p.status).phase === 'Running' && arr(obj(p.status).containerStatuses).some((c) => obj(obj(c).state).running));
}

function metricsApiHandle(r: Parameters<AggregatedApi['handle']>[0], ctx: Parameters<AggregatedApi['handle']>[1]): AggregatedReply {
  const gv = 'metrics.k8s.io/v1beta1';
  if (r.method !== 'GET') return { status: 405, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', details: {}, code: 405 } };
  const segs = r.segments;
  const now = Date.now();
  const bucket = Math.floor(now / RESOLUTION_MS);
  const stamp = new Date(bucket * RESOLUTION_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const created = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const window = '15s';
  const podsRt = ctx.rt('', 'pods');
  const nodesRt = ctx.rt('', 'nodes');
  if (!podsRt || !nodesRt) return { status: 503, body: '' };
  const selector = parseLabelSelector(r.url.searchParams.get('labelSelector'));
  const notFound = (kind: string, name: string) => ({ status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${kind}.metrics.k8s.io "${name}" not found`, reason: 'NotFound', details: { name, group: 'metrics.k8s.io', kind: kind === 'nodemetrics' ? 'nodes' : 'pods' }, code: 404 } });
  const allPods = runningPods(ctx.store.list(podsRt));
  const nodeItem = (n: KubeObject) => {
    const onNode = allPods.filter((p) => obj(p.spec).nodeName === n.metadata.name).flatMap((p) => podUsage(p, bucket));
    const base = usage(`node/${n.metadata.name}`, bucket);
    const cpu = 95e6 + base.cpuNano * 3 + onNode.reduce((s, c) => s + c.cpuNano, 0);
    const mem = 1_150_000 + base.memKi + onNode.reduce((s, c) => s + c.memKi, 0);
    return { metadata: { name: n.metadata.name, creationTimestamp: created, labels: n.metadata.labels ?? {} }, timestamp: stamp, window, usage: { cpu: `${Math.round(cpu)}n`, memory: `${mem}Ki` } };
  };
  const podItem = (p: KubeObject) => ({
    metadata: { name: p.metadata.name, namespace: p.metadata.namespace, creationTimestamp: created, labels: p.metadata.labels ?? {} },
    timestamp: stamp,
    window,
    containers: podUsage(p, bucket).map((c) => ({ name: c.name, usage: { cpu: `${c.cpuNano}n`, memory: `${c.memKi}Ki` } })),
  });
  if (segs.length === 0) {
    return {
      status: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: [
          { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
          { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
        ],
      },
    };
  }
  if (segs[0] === 'nodes') {
    const nodes = ctx.store.list(nodesRt);
    if (segs[1] !== undefined) {
      const n = nodes.find((x) => x.metadata.name === segs[1]);
      return n ? { status: 200, body: { kind: 'NodeMetrics', apiVersion: gv, ...nodeItem(n) } } : notFound('nodemetrics', segs[1]);
    }
    return { status: 200, body: { kind: 'NodeMetricsList', apiVersion: gv, metadata: {}, items: nodes.filter(selector).map(nodeItem) } };
  }
  let ns: string | undefined;
  let rest = segs;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    ns = segs[1];
    rest = segs.slice(2);
  }
  if (rest[0] === 'pods') {
    const pods = allPods.filter((p) => ns === undefined || p.metadata.namespace === ns);
    if (rest[1] !== undefined) {
      const p = pods.find((x) => x.metadata.name === rest[1]);
      return p ? { status: 200, body: { kind: 'PodMetrics', apiVersion: gv, ...podItem(p) } } : notFound('podmetrics', `${ns ?? ''}/${rest[1]}`);
    }
    return { status: 200, body: { kind: 'PodMetricsList', apiVersion: gv, metadata: {}, items: pods.filter(selector).map(podItem) } };
  }
  return { status: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 } };
}

const metricsApi: AggregatedApi = { group: 'metrics.k8s.io', version: 'v1beta1', handle: metricsApiHandle };

export const metricsServerSoftware: SimulatedSoftware = { behaviours: [metricsServerBehaviour], apis: [metricsApi] };

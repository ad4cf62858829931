// The Prometheus Operator (v0.93.1, as kube-prometheus-stack 88.5.3 ships it), simulated:
// - its CRDs (monitoring.coreos.com), as kube-prometheus-stack's crds/ directory installs them: names, scope,
//   versions, short names, categories, subresources and printer columns; schemas preserve unknown fields;
// - the operator pod's behaviour (log lines, Ready after ~0.8 s);
// - the operator itself, a controller that acts only while an operator pod (image
//   prometheus-operator/prometheus-operator) is Ready: each Prometheus becomes StatefulSet prometheus-<name>
//   (pods prometheus-<name>-<i>, labels app.kubernetes.io/name=prometheus, prometheus=<name>,
//   operator.prometheus.io/name=<name>) behind the headless Service prometheus-operated, each Alertmanager
//   likewise; the CRs get status (replicas, Available/Reconciled conditions); --kubelet-service gets its
//   Service and Endpoints (the nodes' kubelets) in kube-system.
// The Prometheus SERVER is not simulated here: a ContainerRuntime of the data path claims its pod; without one
// the pod is Ready after a short delay like any default container.
import type { Controller, ControllerContext } from '../lib/controllers.ts';
import { logfmt } from '../lib/podlogs.ts';
import type { PodBehaviour } from '../lib/podbehaviour.ts';
import type { ResourceType } from '../lib/resources.ts';
import type { KubeObject } from '../lib/store.ts';
import { condition, isPodReady, onChanges, ownedBy, writeStatus } from '../lib/workloads.ts';
import { arr, obj, str, truthy, type Obj, type SimulatedSoftware } from './common.ts';

export const OPERATOR_VERSION = '0.93.1';
const GROUP = 'monitoring.coreos.com';

// ---- CRDs -------------------------------------------------------------------------------------------------

interface CrdSpec {
  plural: string;
  kind: string;
  shortNames: string[];
  version: 'v1' | 'v1alpha1';
  status?: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  columns?: Array<{ name: string; type: string; jsonPath: string; description?: string; priority?: number }>;
}

const cond = (type: string) => `.status.conditions[?(@.type == '${type}')].status`;
const workloadColumns = (desired: string) => [
  { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'The version of the workload' },
  { name: desired, type: 'integer', jsonPath: '.spec.replicas', description: 'The number of desired replicas' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.availableReplicas', description: 'The number of ready replicas' },
  { name: 'Reconciled', type: 'string', jsonPath: cond('Reconciled') },
  { name: 'Available', type: 'string', jsonPath: cond('Available') },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Paused', type: 'boolean', jsonPath: '.status.paused', description: 'Whether the resource reconciliation is paused or not', priority: 1 },
];

const CRDS: CrdSpec[] = [
  { plural: 'alertmanagerconfigs', kind: 'AlertmanagerConfig', shortNames: ['amcfg'], version: 'v1alpha1' },
  { plural: 'alertmanagers', kind: 'Alertmanager', shortNames: ['am'], version: 'v1', status: true, columns: workloadColumns('Replicas') },
  { plural: 'podmonitors', kind: 'PodMonitor', shortNames: ['pmon'], version: 'v1', status: true },
  { plural: 'probes', kind: 'Probe', shortNames: ['prb'], version: 'v1', status: true },
  {
    plural: 'prometheusagents',
    kind: 'PrometheusAgent',
    shortNames: ['promagent'],
    version: 'v1alpha1',
    status: true,
    scale: { specReplicasPath: '.spec.shards', statusReplicasPath: '.status.shards', labelSelectorPath: '.status.selector' },
    columns: workloadColumns('Desired'),
  },
  {
    plural: 'prometheuses',
    kind: 'Prometheus',
    shortNames: ['prom'],
    version: 'v1',
    status: true,
    scale: { specReplicasPath: '.spec.shards', statusReplicasPath: '.status.shards', labelSelectorPath: '.status.selector' },
    columns: workloadColumns('Desired'),
  },
  { plural: 'prometheusrules', kind: 'PrometheusRule', shortNames: ['promrule'], version: 'v1' },
  { plural: 'scrapeconfigs', kind: 'ScrapeConfig', shortNames: ['scfg'], version: 'v1alpha1', status: true },
  { plural: 'servicemonitors', kind: 'ServiceMonitor', shortNames: ['smon'], version: 'v1', status: true },
  { plural: 'thanosrulers', kind: 'ThanosRuler', shortNames: ['ruler'], version: 'v1', status: true, columns: workloadColumns('Replicas') },
];

/** The monitoring.coreos.com CustomResourceDefinitions (schemas reduced to x-kubernetes-preserve-unknown-fields). */
export function operatorCrds(): KubeObject[] {
  return CRDS.map((c) => {
    const subresources: Obj = {};
    if (c.status) subresources.status = {};
    if (c.scale) subresources.scale = c.scale;
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${c.plural}.${GROUP}`,
        annotations: { 'controller-gen.kubebuilder.io/version': 'v0.19.0', 'operator.prometheus.io/version': OPERATOR_VERSION },
      },
      spec: {
        group: GROUP,
        names: { categories: ['prometheus-operator'], kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, shortNames: c.shortNames, singular: c.kind.toLowerCase() },
        scope: 'Namespaced',
        versions: [
          {
            name: c.version,
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', description: `${c.kind} (schema not simulated)`, 'x-kubernetes-preserve-unknown-fields': true } },
            ...(Object.keys(subresources).length ? { subresources } : {}),
            ...(c.columns ? { additionalPrinterColumns: c.columns } : {}),
          },
        ],
      },
    };
  });
}

// ---- the operator pod -------------------------------------------------------------------------------------

const isOperatorImage = (image: string) => /(^|\/)prometheus-operator\/prometheus-operator([:@]|$)/.test(image);

const operatorBehaviour: PodBehaviour = {
  name: 'prometheus-operator',
  matches: (_pod, c) => isOperatorImage(str(c.image)),
  onStart(run, ctx) {
    const t = run.startedAt;
    ctx.log(logfmt('info', 'main.go:230', 'Starting Prometheus Operator', { version: `(version=${OPERATOR_VERSION}, branch=, revision=)` }, t), t);
    ctx.log(logfmt('info', 'main.go:231', 'Operator build context', { build_context: '(go=go1.25.4, platform=linux/amd64, user=, date=, tags=unknown)' }, t), t);
    ctx.log(logfmt('info', 'server.go:230', 'Kubernetes API capabilities', { endpointslices: 'true' }, t + 300), t + 300);
    ctx.log(logfmt('info', 'operator.go:370', 'successfully synced all caches', { component: 'prometheus-controller' }, t + 700), t + 700);
  },
  probe: (run, ctx) => ({ ready: ctx.now - run.startedAt >= 800 }),
};

const prometheusBehaviour: PodBehaviour = {
  name: 'prometheus',
  matches: (_pod, c) => /(^|\/)prometheus\/prometheus([:@]|$)/.test(str(c.image)),
  onStart(run, ctx) {
    const t = run.startedAt;
    ctx.log(logfmt('info', 'main.go:1500', 'Starting Prometheus Server', { mode: 'server', version: '(simulated: no ContainerRuntime claimed this pod)' }, t), t);
    ctx.log(logfmt('info', 'web.go:660', 'Start listening for connections', { component: 'web', address: '0.0.0.0:9090' }, t + 200), t + 200);
    ctx.log(logfmt('info', 'main.go:1300', 'Server is ready to receive web requests.', {}, t + 1200), t + 1200);
  },
  probe: (run, ctx) => ({ ready: ctx.now - run.startedAt >= 1200, failure: 'HTTP probe failed with statuscode: 503' }),
};

// ---- the operator -----------------------------------------------------------------------------------------

function served(ctx: ControllerContext, resource: string): ResourceType | undefined {
  return ctx.registry.served().find((r) => r.group === GROUP && r.resource === resource);
}

function operatorArgs(ctx: ControllerContext): string[] | undefined {
  const pod = ctx.store.list(ctx.rt('', 'pods')).find((p) => isPodReady(p) && arr(obj(p.spec).containers).some((c) => isOperatorImage(str(obj(c).image))));
  if (!pod) return undefined;
  const c = arr(obj(pod.spec).containers).map(obj).find((x) => isOperatorImage(str(x.image)));
  return arr(c?.args).map(String);
}

function argValue(args: string[], flag: string): string | undefined {
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** Creates or updates (spec, labels) an object the operator owns. */
function ensure(ctx: ControllerContext, rt: ResourceType, want: KubeObject): KubeObject {
  const cur = ctx.store.get(rt, want.metadata.namespace, want.metadata.name);
  if (!cur) return ctx.store.create(rt, want);
  const next: KubeObject = { ...cur, metadata: { ...cur.metadata, labels: want.metadata.labels, annotations: want.metadata.annotations, ownerReferences: want.metadata.ownerReferences, resourceVersion: undefined } };
  for (const k of Object.keys(want)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') next[k] = want[k];
  if (rt.resource === 'services') next.spec = { ...obj(cur.spec), ...obj(want.spec), clusterIP: obj(cur.spec).clusterIP, clusterIPs: obj(cur.spec).clusterIPs };
  if (JSON.stringify(next) === JSON.stringify({ ...cur, metadata: { ...cur.metadata, resourceVersion: undefined } })) return cur;
  return ctx.store.update(rt, next);
}

function ownerRef(rt: ResourceType, o: KubeObject, controller: boolean) {
  return { apiVersion: `${rt.group}/${rt.version}`, kind: rt.kind, name: o.metadata.name, uid: o.metadata.uid ?? '', controller, blockOwnerDeletion: true };
}

interface Workload {
  kind: 'prometheus' | 'alertmanager';
  image: string;
  version: string;
  containers: Obj[];
  ports: Obj[];
}

function prometheusWorkload(cr: KubeObject, args: string[]): Workload {
  const spec = obj(cr.spec);
  const name = cr.metadata.name;
  const portName = str(spec.portName, 'web');
  const version = str(spec.version, 'v3.7.3');
  const image = str(spec.image) || `quay.io/prometheus/prometheus:${version}`;
  const reloader = argValue(args, '--prometheus-config-reloader') ?? `quay.io/prometheus-operator/prometheus-config-reloader:v${OPERATOR_VERSION}`;
  const promArgs = [
    '--config.file=/etc/prometheus/config_out/prometheus.env.yaml',
    '--web.enable-lifecycle',
    ...(str(spec.externalUrl) ? [`--web.external-url=${str(spec.externalUrl)}`] : []),
    `--web.route-prefix=${str(spec.routePrefix, '/')}`,
    ...(spec.retention ? [`--storage.tsdb.retention.time=${str(spec.retention)}`] : ['--storage.tsdb.retention.time=24h']),
    ...(spec.retentionSize ? [`--storage.tsdb.retention.size=${str(spec.retentionSize)}`] : []),
    '--storage.tsdb.path=/prometheus',
    '--web.config.file=/etc/prometheus/web_config/web-config.yaml',
    ...(spec.enableAdminAPI === true ? ['--web.enable-admin-api'] : []),
    ...(str(spec.logLevel) && spec.logLevel !== 'info' ? [`--log.level=${str(spec.logLevel)}`] : []),
    ...(str(spec.logFormat) && spec.logFormat !== 'logfmt' ? [`--log.format=${str(spec.logFormat)}`] : []),
  ];
  return {
    kind: 'prometheus',
    image,
    version,
    ports: [{ name: 'web', port: 9090, protocol: 'TCP', targetPort: portName }],
    containers: [
      {
        name: 'prometheus',
        image,
        imagePullPolicy: 'IfNotPresent',
        args: promArgs,
        ports: [{ containerPort: 9090, name: portName, protocol: 'TCP' }],
        readinessProbe: { httpGet: { path: `${str(spec.routePrefix, '/').replace(/\/$/, '')}/-/ready`, port: portName, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        startupProbe: { httpGet: { path: `${str(spec.routePrefix, '/').replace(/\/$/, '')}/-/ready`, port: portName, scheme: 'HTTP' }, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 60 },
        ...(truthy(spec.resources) ? { resources: spec.resources } : {}),
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        volumeMounts: [
          { mountPath: '/etc/prometheus/config_out', name: 'config-out', readOnly: true },
          { mountPath: '/prometheus', name: `prometheus-${name}-db` },
          { mountPath: `/etc/prometheus/rules/prometheus-${name}-rulefiles-0`, name: `prometheus-${name}-rulefiles-0` },
          { mountPath: '/etc/prometheus/web_config/web-config.yaml', name: 'web-config', readOnly: true, subPath: 'web-config.yaml' },
        ],
      },
      {
        name: 'config-reloader',
        image: reloader,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/prometheus-config-reloader'],
        args: ['--listen-address=:8080', `--reload-url=http://127.0.0.1:9090${str(spec.routePrefix, '/').replace(/\/$/, '')}/-/reload`, '--config-file=/etc/prometheus/config/prometheus.yaml.gz', '--config-envsubst-file=/etc/prometheus/config_out/prometheus.env.yaml', `--watched-dir=/etc/prometheus/rules/prometheus-${name}-rulefiles-0`],
        ports: [{ containerPort: 8080, name: 'reloader-web', protocol: 'TCP' }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
      },
    ],
  };
}

function alertmanagerWorkload(cr: KubeObject): Workload {
  const spec = obj(cr.spec);
  const portName = str(spec.portName, 'web');
  const version = str(spec.version, 'v0.29.0');
  const image = str(spec.image) || `quay.io/prometheus/alertmanager:${version}`;
  return {
    kind: 'alertmanager',
    image,
    version,
    ports: [
      { name: 'web', port: 9093, protocol: 'TCP', targetPort: portName },
      { name: 'tcp-mesh', port: 9094, protocol: 'TCP', targetPort: 9094 },
      { name: 'udp-mesh', port: 9094, protocol: 'UDP', targetPort: 9094 },
    ],
    containers: [
      {
        name: 'alertmanager',
        image,
        imagePullPolicy: 'IfNotPresent',
        args: [`--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml`, `--storage.path=/alertmanager`, `--data.retention=${str(spec.retention, '120h')}`, '--cluster.listen-address=', `--web.listen-address=:9093`, `--web.route-prefix=${str(spec.routePrefix, '/')}`],
        ports: [
          { containerPort: 9094, name: 'mesh-tcp', protocol: 'TCP' },
          { containerPort: 9094, name: 'mesh-udp', protocol: 'UDP' },
          { containerPort: 9093, name: portName, protocol: 'TCP' },
        ],
        readinessProbe: { httpGet: { path: '/-/ready', port: portName, scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 },
      },
    ],
  };
}

function reconcile(ctx: ControllerContext, rt: ResourceType, cr: KubeObject, w: Workload): void {
  if (cr.metadata.deletionTimestamp) return;
  const spec = obj(cr.spec);
  const name = cr.metadata.name;
  const ns = cr.metadata.namespace ?? 'default';
  const stsName = `${w.kind}-${name}`;
  const operated = `${w.kind}-operated`;
  const selector: Record<string, string> = {
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': w.kind,
    ...(w.kind === 'prometheus' ? { 'operator.prometheus.io/name': name, 'operator.prometheus.io/shard': '0', prometheus: name } : { alertmanager: name }),
  };
  const version = w.version.replace(/^v/, '').replace(/-.*$/, '');
  const podMeta = obj(spec.podMetadata);
  const stsRt = ctx.rt('apps', 'statefulsets');
  const paused = spec.paused === true;
  if (!paused) {
    ensure(ctx, stsRt, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: stsName,
        namespace: ns,
        labels: { ...(cr.metadata.labels ?? {}), ...selector, 'app.kubernetes.io/version': version, ...(w.kind === 'prometheus' ? { 'operator.prometheus.io/mode': 'server' } : {}) },
        ownerReferences: [ownerRef(rt, cr, true)],
      },
      spec: {
        replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
        selector: { matchLabels: selector },
        serviceName: operated,
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 10,
        template: {
          metadata: {
            labels: { ...obj(podMeta.labels), ...selector, 'app.kubernetes.io/version': version },
            annotations: { ...obj(podMeta.annotations), 'kubectl.kubernetes.io/default-container': w.kind },
          },
          spec: {
            containers: w.containers,
            serviceAccountName: str(spec.serviceAccountName, 'default'),
            automountServiceAccountToken: true,
            ...(truthy(spec.securityContext) ? { securityContext: spec.securityContext } : {}),
            ...(truthy(spec.nodeSelector) ? { nodeSelector: spec.nodeSelector } : {}),
            ...(truthy(spec.tolerations) ? { tolerations: spec.tolerations } : {}),
            ...(truthy(spec.affinity) ? { affinity: spec.affinity } : {}),
            ...(truthy(spec.priorityClassName) ? { priorityClassName: spec.priorityClassName } : {}),
            terminationGracePeriodSeconds: 600,
            volumes: w.kind === 'prometheus'
              ? [
                  { name: 'config', secret: { secretName: stsName } },
                  { name: 'config-out', emptyDir: { medium: 'Memory' } },
                  { name: `prometheus-${name}-rulefiles-0`, configMap: { name: `prometheus-${name}-rulefiles-0` } },
                  { name: 'web-config', secret: { secretName: `${stsName}-web-config` } },
                  { name: `prometheus-${name}-db`, emptyDir: {} },
                ]
              : [{ name: 'config-out', emptyDir: { medium: 'Memory' } }, { name: `alertmanager-${name}-db`, emptyDir: {} }],
          },
        },
      },
    });
  }
  // The governing Service, shared by all instances of this kind in the namespace.
  const svcRt = ctx.rt('', 'services');
  const existing = ctx.store.get(svcRt, ns, operated);
  const owners = [...(existing?.metadata.ownerReferences ?? []).filter((r) => r.uid !== cr.metadata.uid), { ...ownerRef(rt, cr, false), controller: false }];
  ensure(ctx, svcRt, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: operated, namespace: ns, labels: { 'managed-by': 'prometheus-operator', [`operated-${w.kind}`]: 'true' }, ownerReferences: owners },
    spec: { clusterIP: 'None', ports: w.ports, selector: { 'app.kubernetes.io/name': w.kind }, type: 'ClusterIP', sessionAffinity: 'None', ...(w.kind === 'alertmanager' ? { publishNotReadyAddresses: true } : {}) },
  });
  // Status of the custom resource.
  const sts = ctx.store.get(stsRt, ns, stsName);
  const pods = ownedBy(ctx.store.list(ctx.rt('', 'pods'), ns), sts?.metadata.uid);
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const ready = pods.filter(isPodReady).length;
  const prev = obj(cr.status).conditions;
  const gen = cr.metadata.generation ?? 1;
  const available =
    ready >= desired && desired > 0
      ? condition(prev, 'Available', true, '', '')
      : ready > 0
        ? condition(prev, 'Available', false, 'Degraded', `${ready}/${desired} pods are ready`)
        : condition(prev, 'Available', false, 'NoPodReady', `shard 0: 0/${desired} pods of StatefulSet ${stsName} are ready`);
  const reconciled = condition(prev, 'Reconciled', true, '', '');
  const conds = [available, reconciled].map((c) => {
    const out: Obj = { type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, observedGeneration: gen };
    if (c.reason) out.reason = c.reason;
    if (c.message) out.message = c.message;
    return out;
  });
  const sel = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const counts = { replicas: pods.length, updatedReplicas: pods.length, availableReplicas: ready, unavailableReplicas: Math.max(0, pods.length - ready) };
  writeStatus(ctx, rt, cr, {
    ...counts,
    paused,
    conditions: conds,
    ...(w.kind === 'prometheus' ? { shards: 1, selector: sel, shardStatuses: [{ shardID: '0', ...counts }] } : { selector: sel }),
  });
}

/** The Service and Endpoints of --kubelet-service=NS/NAME: every node's kubelet (ports 10250, 10255, 4194). */
function kubeletService(ctx: ControllerContext, args: string[]): void {
  const ref = argValue(args, '--kubelet-service');
  if (!ref?.includes('/')) return;
  const [ns = 'kube-system', name = ''] = ref.split('/');
  if (!ctx.store.get(ctx.rt('', 'namespaces'), undefined, ns)) return;
  const labels = { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' };
  const ports = [
    { name: 'https-metrics', port: 10250, protocol: 'TCP', targetPort: 10250 },
    { name: 'http-metrics', port: 10255, protocol: 'TCP', targetPort: 10255 },
    { name: 'cadvisor', port: 4194, protocol: 'TCP', targetPort: 4194 },
  ];
  ensure(ctx, ctx.rt('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { clusterIP: 'None', clusterIPs: ['None'], ports, type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' } });
  const addresses = ctx.store.list(ctx.rt('', 'nodes')).map((n) => ({
    ip: str(arr(obj(n.status).addresses).map(obj).find((a) => a.type === 'InternalIP')?.address),
    targetRef: { kind: 'Node', name: n.metadata.name, uid: n.metadata.uid },
  }));
  ensure(ctx, ctx.rt('', 'endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, subsets: [{ addresses, ports: ports.map(({ targetPort: _t, ...p }) => p) }] });
}

const operatorController: Controller = onChanges('prometheus-operator', ['/pods', '/nodes', '/services', 'apps/statefulsets', `${GROUP}/prometheuses`, `${GROUP}/alertmanagers`], (_now, ctx) => {
  const args = operatorArgs(ctx);
  if (!args) return;
  kubeletService(ctx, args);
  const promRt = served(ctx, 'prometheuses');
  if (promRt) for (const p of ctx.store.list(promRt)) reconcile(ctx, promRt, p, prometheusWorkload(p, args));
  const amRt = served(ctx, 'alertmanagers');
  if (amRt) for (const a of ctx.store.list(amRt)) reconcile(ctx, amRt, a, alertmanagerWorkload(a));
});

export const prometheusOperatorSoftware: SimulatedSoftware = { behaviours: [operatorBehaviour, prometheusBehaviour], controllers: [operatorController] };

// The Prometheus Operator (v0.93.1, as kube-prometheus-stack 88.5.3 ships it), simulated:
// - its CRDs (monitoring.coreos.com), as kube-prometheus-stack's crds/ directory installs them: names, scope,
//   versions, short names, categories, subresources and printer columns; schemas preserve unknown fields;
// - the operator pod's behaviour (log lines with the version of its image, Ready after ~0.8 s);
// - the operator itself, a controller that acts only while an operator pod (image
//   prometheus-operator/prometheus-operator) is Ready, configured by that pod's flags
//   (--prometheus-config-reloader, --config-reloader-*, --prometheus-default-base-image, --localhost,
//   --kubelet-service): each Prometheus becomes StatefulSet prometheus-<name> as prometheus-operator's
//   pkg/prometheus/server/statefulset.go builds it (image from spec.image, else the base image with
//   spec.version; containers prometheus + config-reloader, init container init-config-reloader; the
//   config/tls-assets/config-out/rulefiles/web-config/db volumes; labels app.kubernetes.io/name=prometheus,
//   prometheus=<name>, operator.prometheus.io/name=<name>, operator.prometheus.io/shard=0), together with the
//   Secrets and the rule ConfigMap those volumes name, behind the headless Service prometheus-operated; each
//   Alertmanager likewise (simplified); the CRs get status (replicas, Available/Reconciled conditions);
//   --kubelet-service gets its Service and Endpoints (the nodes' kubelets) in kube-system.
// The Prometheus SERVER is not simulated here: a ContainerRuntime of the data path claims its pod; without one
// the pod is Ready after a short delay like any default container.
import { gzipSync } from 'node:zlib';
import type { Controller, ControllerContext } from '../lib/controllers.ts';
import { logfmt } from '../lib/podlogs.ts';
import type { PodBehaviour } from '../lib/podbehaviour.ts';
import type { ResourceType } from '../lib/resources.ts';
import type { KubeObject } from '../lib/store.ts';
import { condition, isPodReady, onChanges, ownedBy, writeStatus } from '../lib/workloads.ts';
import { arr, obj, sha256, str, type Obj, type SimulatedSoftware } from './common.ts';

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

/** The version an image reference carries in its tag ("quay.io/x/y:v0.93.1" → "0.93.1"), or the fallback. */
function imageVersion(image: string, fallback: string): string {
  const tag = /:([^:/@]+)(@|$)/.exec(image)?.[1];
  return tag ? tag.replace(/^v/, '') : fallback;
}

const operatorBehaviour: PodBehaviour = {
  name: 'prometheus-operator',
  matches: (_pod, c) => isOperatorImage(str(c.image)),
  onStart(run, ctx) {
    const t = run.startedAt;
    const version = imageVersion(str(arr(obj(run.pod.spec).containers).map(obj).find((c) => isOperatorImage(str(c.image)))?.image), OPERATOR_VERSION);
    ctx.log(logfmt('info', 'main.go:230', 'Starting Prometheus Operator', { version: `(version=${version}, branch=, revision=)` }, t), t);
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
// After prometheus-operator v0.93.0 (the v0.93.1 that kube-prometheus-stack 88.5.3 ships differs in none of
// this): pkg/prometheus/server/{statefulset.go,operator.go,rules.go}, pkg/prometheus/{common.go,promcfg.go,
// operator.go}, pkg/operator/{config_reloader.go,defaults.go,factory.go,image.go,prober.go,statefulset.go,
// sharded_secret.go,rules.go}, pkg/webconfig/config.go. Shard 0 only; no Thanos sidecar, PrometheusAgent or
// topology sharding; the configuration Secret carries the global section of the configuration (the data path
// generates the scrape jobs itself), the rule ConfigMap no rules.

// pkg/operator/defaults.go: the newest Prometheus of the operator's compatibility matrix, and the default images.
const DEFAULT_PROMETHEUS_VERSION = 'v3.13.1';
const DEFAULT_PROMETHEUS_BASE_IMAGE = 'quay.io/prometheus/prometheus';
const DEFAULT_ALERTMANAGER_VERSION = 'v0.33.1';
const DEFAULT_ALERTMANAGER_BASE_IMAGE = 'quay.io/prometheus/alertmanager';
const DEFAULT_RELOADER_IMAGE = `quay.io/prometheus-operator/prometheus-config-reloader:v${OPERATOR_VERSION}`;
const MANAGED_BY = { 'managed-by': 'prometheus-operator', 'app.kubernetes.io/managed-by': 'prometheus-operator' };

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

/** What the operator's flags (cmd/operator/main.go) set for the workloads it creates. */
interface OperatorConfig {
  reloaderImage: string;
  reloaderResources: Obj;
  prometheusBaseImage: string;
  alertmanagerBaseImage: string;
  localHost: string;
}

function operatorConfig(args: string[]): OperatorConfig {
  const q = (flag: string) => {
    const x = argValue(args, flag);
    return x && x !== '0' ? x : undefined;
  };
  const pick = (cpu: string | undefined, memory: string | undefined) => ({ ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) });
  const requests = pick(q('--config-reloader-cpu-request'), q('--config-reloader-memory-request'));
  const limits = pick(q('--config-reloader-cpu-limit'), q('--config-reloader-memory-limit'));
  return {
    reloaderImage: argValue(args, '--prometheus-config-reloader') ?? DEFAULT_RELOADER_IMAGE,
    reloaderResources: { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) },
    prometheusBaseImage: argValue(args, '--prometheus-default-base-image') ?? DEFAULT_PROMETHEUS_BASE_IMAGE,
    alertmanagerBaseImage: argValue(args, '--alertmanager-default-base-image') ?? DEFAULT_ALERTMANAGER_BASE_IMAGE,
    localHost: argValue(args, '--localhost') ?? 'localhost',
  };
}

/** pkg/operator/image.go BuildImagePath: spec.image as is, else the base image with its SHA, tag or version. */
function buildImagePath(specImage: string, baseImage: string, version: string, tag: string, sha: string): string {
  if (specImage.trim()) return specImage;
  const lastSegment = baseImage.slice(baseImage.lastIndexOf('/') + 1);
  if (lastSegment.includes(':') || baseImage.includes('@')) return baseImage;
  if (sha) return `${baseImage}@sha256:${sha}`;
  if (tag) return `${baseImage}:${tag}`;
  return `${baseImage}:${version}`;
}

interface Semver {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

/** blang/semver ParseTolerant, enough for Prometheus versions ("v3.14.0-distroless" → 3.14.0-distroless). */
function parseSemver(s: string): Semver {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?/.exec(s.trim());
  return { major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0), patch: Number(m?.[3] ?? 0), pre: m?.[4] ?? '' };
}
const semverString = (v: Semver) => `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}`;
/** v >= min, a pre-release sorting before its release. */
function atLeast(v: Semver, min: string): boolean {
  const b = parseSemver(min);
  for (const k of ['major', 'minor', 'patch'] as const) if (v[k] !== b[k]) return v[k] > b[k];
  return !(v.pre && !b.pre);
}

/** Go's path.Clean for the URL paths the operator builds from routePrefix. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** operator.BuildArgs: --name=value (or --name), then the resource's additionalArgs. */
function buildArgs(args: Array<[string, string?]>, additional: unknown): string[] {
  const all: Array<[string, string?]> = [...args, ...arr(additional).map((a): [string, string?] => [str(obj(a).name), str(obj(a).value) || undefined])];
  return all.map(([n, v]) => (v ? `--${n}=${v}` : `--${n}`));
}

/** k8s.MergePatchContainers, shallowly: a resource's containers override the operator's by name, others append. */
function mergeContainers(base: Obj[], overrides: unknown): Obj[] {
  const out = base.map((c) => ({ ...c }));
  for (const o0 of arr(overrides)) {
    const o = obj(o0);
    const i = out.findIndex((c) => c.name === o.name);
    if (i >= 0) out[i] = { ...out[i], ...o };
    else out.push(o);
  }
  return out;
}

/** A resource name made DNS-1123-label safe with a prefix (k8s.NewResourceNamerWithPrefix), simplified. */
const prefixedVolumeName = (prefix: string, name: string) => `${prefix}-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');

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

/** operator.WithManagingOwner / WithOwner. */
function ownerRef(rt: ResourceType, o: KubeObject, controller: boolean) {
  const ref = { apiVersion: `${rt.group}/${rt.version}`, kind: rt.kind, name: o.metadata.name, uid: o.metadata.uid ?? '' };
  return controller ? { ...ref, blockOwnerDeletion: true, controller: true } : ref;
}

/** operator.UpdateObject's labels: managed-by first, then the given maps in order, each taking precedence. */
const withLabels = (...maps: Array<Record<string, string> | undefined>): Record<string, string> => Object.assign({ ...MANAGED_BY }, ...maps) as Record<string, string>;

/** The annotations a StatefulSet inherits from its resource (WithAnnotations + WithoutKubectlAnnotations). */
const inheritedAnnotations = (cr: KubeObject, inputHash: string): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(cr.metadata.annotations ?? {}).filter(([k]) => !k.startsWith('kubectl.kubernetes.io/'))),
  'prometheus-operator-input-hash': inputHash,
});

interface Workload {
  kind: 'prometheus' | 'alertmanager';
  statefulSet: KubeObject;
  /** the ports of the governing Service */
  ports: Obj[];
  /** Secrets and ConfigMaps the pods mount */
  secrets: KubeObject[];
  configMaps: KubeObject[];
  selector: Record<string, string>;
}

/** The reloader container (operator.CreateConfigReloader) of a Prometheus pod, init or sidecar. */
function configReloader(init: boolean, spec: Obj, cfg: OperatorConfig, mounts: Obj[], watched: string[], webConfigFile: string): Obj {
  const listenLocal = !init && spec.listenLocal === true;
  const signal = spec.reloadStrategy === 'ProcessSignal';
  const scheme = obj(obj(spec.web).tlsConfig) && Object.keys(obj(obj(spec.web).tlsConfig)).length ? 'https' : 'http';
  const routePrefix = str(spec.routePrefix) || '/';
  const port = init ? 8081 : 8080;
  const logLevel = str(spec.logLevel);
  const logFormat = str(spec.logFormat);
  const args = [
    ...(init ? ['--watch-interval=0'] : []),
    listenLocal && !signal ? `--listen-address=${cfg.localHost}:8080` : `--listen-address=:${port}`,
    ...(webConfigFile ? [`--web-config-file=${webConfigFile}`] : []),
    ...(init ? [] : signal ? ['--reload-method=signal', `--runtimeinfo-url=${scheme}://${cfg.localHost}:9090${cleanPath(`${routePrefix}/api/v1/status/runtimeinfo`)}`] : [`--reload-url=${scheme}://${cfg.localHost}:9090${cleanPath(`${routePrefix}/-/reload`)}`]),
    '--config-file=/etc/prometheus/config/prometheus.yaml.gz',
    '--config-envsubst-file=/etc/prometheus/config_out/prometheus.env.yaml',
    ...[...watched, '/etc/prometheus/config'].map((d) => `--watched-dir=${d}`),
    ...(logLevel && logLevel !== 'info' ? [`--log-level=${logLevel}`] : []),
    ...(logFormat && logFormat !== 'logfmt' ? [`--log-format=${logFormat}`] : []),
  ];
  return {
    name: init ? 'init-config-reloader' : 'config-reloader',
    image: cfg.reloaderImage,
    ...(str(spec.imagePullPolicy) ? { imagePullPolicy: str(spec.imagePullPolicy) } : {}),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'SHARD', value: '0' },
    ],
    command: ['/bin/prometheus-config-reloader'],
    args,
    ...(listenLocal && !signal ? {} : { ports: [{ name: init ? 'reloader-init' : 'reloader-web', containerPort: port, protocol: 'TCP' }] }),
    volumeMounts: mounts,
    ...(Object.keys(cfg.reloaderResources).length ? { resources: cfg.reloaderResources } : {}),
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
}

/** StatefulSet prometheus-<name> and what it mounts, as makeStatefulSet/makeStatefulSetSpec build them. */
function prometheusWorkload(rt: ResourceType, cr: KubeObject, cfg: OperatorConfig): Workload {
  const spec = obj(cr.spec);
  const name = cr.metadata.name;
  const ns = cr.metadata.namespace ?? 'default';
  const prefixed = `prometheus-${name}`;
  const portName = str(spec.portName) || 'web';
  const routePrefix = str(spec.routePrefix) || '/';
  const version = parseSemver(str(spec.version) || DEFAULT_PROMETHEUS_VERSION);
  const image = buildImagePath(str(spec.image), str(spec.baseImage) || cfg.prometheusBaseImage, `v${semverString(version)}`, str(spec.tag), str(spec.sha));
  const web = obj(spec.web);
  const webTls = Object.keys(obj(web.tlsConfig)).length > 0;
  const listenLocal = spec.listenLocal === true;
  const storage = obj(spec.storage);
  const vct = obj(storage.volumeClaimTemplate);
  const dbVolume = str(obj(vct.metadata).name) || `${prefixed}-db`;

  // Arguments: BuildCommonPrometheusArgs, buildServerArgs, the web config file.
  const a: Array<[string, string?]> = [['config.file', '/etc/prometheus/config_out/prometheus.env.yaml']];
  if (version.major === 2) a.push(['web.console.templates', '/etc/prometheus/consoles'], ['web.console.libraries', '/etc/prometheus/console_libraries']);
  if ((str(spec.reloadStrategy) || 'HTTP') === 'HTTP') a.push(['web.enable-lifecycle']);
  if (str(web.pageTitle)) a.push(['web.page-title', str(web.pageTitle)]);
  if (web.maxConnections !== undefined) a.push(['web.max-connections', str(web.maxConnections)]);
  if (spec.enableRemoteWriteReceiver === true) a.push(['web.enable-remote-write-receiver']);
  if (spec.enableOTLPReceiver === true || (spec.enableOTLPReceiver === undefined && spec.otlp !== undefined)) a.push(version.major >= 3 ? ['web.enable-otlp-receiver'] : ['enable-feature', 'otlp-write-receiver']);
  if (arr(spec.enableFeatures).length) a.push(['enable-feature', arr(spec.enableFeatures).map(String).join(',')]);
  if (str(spec.externalUrl)) a.push(['web.external-url', str(spec.externalUrl)]);
  a.push(['web.route-prefix', routePrefix]);
  if (str(spec.logLevel) && spec.logLevel !== 'info') a.push(['log.level', str(spec.logLevel)]);
  if (str(spec.logFormat) && spec.logFormat !== 'logfmt') a.push(['log.format', str(spec.logFormat)]);
  if (listenLocal) a.push(['web.listen-address', '127.0.0.1:9090']);
  // From Prometheus v3.11.0 on, retention is in the configuration file.
  if (!atLeast(version, '3.11.0')) {
    const retention = str(spec.retention) || (str(spec.retentionSize) ? '' : '24h');
    if (retention) a.push([atLeast(version, '2.7.0') ? 'storage.tsdb.retention.time' : 'storage.tsdb.retention', retention]);
    if (str(spec.retentionSize)) a.push(['storage.tsdb.retention.size', str(spec.retentionSize)]);
  }
  a.push(['storage.tsdb.path', '/prometheus']);
  if (spec.enableAdminAPI === true) a.push(['web.enable-admin-api']);
  const alert = obj(obj(spec.rules).alert);
  if (str(alert.forOutageTolerance)) a.push(['rules.alert.for-outage-tolerance', str(alert.forOutageTolerance)]);
  if (str(alert.forGracePeriod)) a.push(['rules.alert.for-grace-period', str(alert.forGracePeriod)]);
  if (str(alert.resendDelay)) a.push(['rules.alert.resend-delay', str(alert.resendDelay)]);
  const query = obj(spec.query);
  if (str(query.lookbackDelta)) a.push(['query.lookback-delta', str(query.lookbackDelta)]);
  if (Number(query.maxSamples) > 0) a.push(['query.max-samples', str(query.maxSamples)]);
  if (Number(query.maxConcurrency) > 0) a.push(['query.max-concurrency', str(query.maxConcurrency)]);
  if (str(query.timeout)) a.push(['query.timeout', str(query.timeout)]);
  if (typeof spec.walCompression === 'boolean' && atLeast(version, '2.11.0')) a.push([spec.walCompression ? 'storage.tsdb.wal-compression' : 'no-storage.tsdb.wal-compression']);
  const webConfigFile = '/etc/prometheus/web_config/web-config.yaml';
  const withWebConfig = atLeast(version, '2.24.0');
  if (withWebConfig) a.push(['web.config.file', webConfigFile]);
  if (spec.disableCompaction === true) a.push(['storage.tsdb.max-block-duration', '2h'], ['storage.tsdb.min-block-duration', '2h']);

  // Volumes and mounts: BuildCommonVolumes, appendServerVolumes, BuildWebconfig, the storage volume, spec.volumes.
  const ruleConfigMaps = [0, 1, 2].map((i) => `${prefixed}-rulefiles-${i}`);
  const secretVolumes = arr(spec.secrets).map((s) => ({ name: prefixedVolumeName('secret', str(s)), secretName: str(s) }));
  const configMapVolumes = arr(spec.configMaps).map((c) => ({ name: prefixedVolumeName('configmap', str(c)), configMap: str(c) }));
  const volumes: Obj[] = [
    { name: 'config', secret: { secretName: prefixed } },
    { name: 'tls-assets', projected: { sources: [{ secret: { name: `${prefixed}-tls-assets-0` } }] } },
    { name: 'config-out', emptyDir: { medium: 'Memory' } },
    ...secretVolumes.map((s) => ({ name: s.name, secret: { secretName: s.secretName } })),
    ...configMapVolumes.map((c) => ({ name: c.name, configMap: { name: c.configMap } })),
    ...ruleConfigMaps.map((n) => ({ name: n, configMap: { name: n, optional: true } })),
    ...(withWebConfig ? [{ name: 'web-config', secret: { secretName: `${prefixed}-web-config` } }] : []),
    ...(storage.volumeClaimTemplate === undefined ? [{ name: dbVolume, ...(storage.ephemeral !== undefined ? { ephemeral: storage.ephemeral } : { emptyDir: obj(storage.emptyDir) }) }] : []),
    ...arr(spec.volumes).map(obj),
  ];
  const promMounts: Obj[] = [
    { name: 'config-out', readOnly: true, mountPath: '/etc/prometheus/config_out' },
    { name: 'tls-assets', readOnly: true, mountPath: '/etc/prometheus/certs' },
    { name: dbVolume, mountPath: '/prometheus', ...(Object.keys(storage).length && storage.disableMountSubPath !== true ? { subPath: 'prometheus-db' } : {}) },
    ...arr(spec.volumeMounts).map(obj),
    ...secretVolumes.map((s) => ({ name: s.name, readOnly: true, mountPath: `/etc/prometheus/secrets/${s.secretName}` })),
    ...configMapVolumes.map((c) => ({ name: c.name, readOnly: true, mountPath: `/etc/prometheus/configmaps/${c.configMap}` })),
    ...ruleConfigMaps.map((n) => ({ name: n, readOnly: true, mountPath: `/etc/prometheus/rules/${n}` })),
    ...(withWebConfig ? [{ name: 'web-config', readOnly: true, mountPath: webConfigFile, subPath: 'web-config.yaml' }] : []),
  ];
  const webMount = withWebConfig && spec.web !== undefined;
  const reloaderMounts: Obj[] = [
    { name: 'config', mountPath: '/etc/prometheus/config' },
    { name: 'config-out', mountPath: '/etc/prometheus/config_out' },
    ...(webMount ? [{ name: 'web-config', readOnly: true, mountPath: webConfigFile, subPath: 'web-config.yaml' }] : []),
    ...ruleConfigMaps.map((n) => ({ name: n, mountPath: `/etc/prometheus/rules/${n}` })),
  ];
  const watched = ruleConfigMaps.map((n) => `/etc/prometheus/rules/${n}`);

  // Probes: BuildProbes (exec probes when listening on localhost only).
  const maxStartup = Number(spec.maximumStartupDurationSeconds ?? 0);
  const startupFailures = maxStartup >= 60 ? Math.ceil(maxStartup / 60) : 60;
  const startupPeriod = maxStartup >= 60 ? Math.ceil(maxStartup / startupFailures) : 15;
  const handler = (p: string): Obj => {
    const probePath = cleanPath(`${routePrefix}${p}`);
    if (listenLocal) {
      const u = `http://localhost:9090${probePath}`;
      return { exec: { command: ['sh', '-c', `if [ -x "$(command -v curl)" ]; then exec curl --fail ${u}; elif [ -x "$(command -v wget)" ]; then exec wget -q -O /dev/null ${u}; else exit 1; fi`] } };
    }
    return { httpGet: { path: probePath, port: portName, ...(webTls ? { scheme: 'HTTPS' } : {}) } };
  };

  const selector: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': name,
    'operator.prometheus.io/name': name,
    prometheus: name,
    'operator.prometheus.io/shard': '0',
  };
  const podMeta = obj(spec.podMetadata);
  const podLabels = { 'app.kubernetes.io/version': semverString(version), ...(obj(podMeta.labels) as Record<string, string>), ...selector };
  const podAnnotations = { 'kubectl.kubernetes.io/default-container': 'prometheus', ...(obj(podMeta.annotations) as Record<string, string>) };
  const containers = mergeContainers(
    [
      {
        name: 'prometheus',
        image,
        ...(str(spec.imagePullPolicy) ? { imagePullPolicy: str(spec.imagePullPolicy) } : {}),
        ...(listenLocal ? {} : { ports: [{ name: portName, containerPort: 9090, protocol: 'TCP' }] }),
        args: buildArgs(a, spec.additionalArgs),
        volumeMounts: promMounts,
        startupProbe: { ...handler('/-/ready'), timeoutSeconds: 3, periodSeconds: startupPeriod, failureThreshold: startupFailures },
        livenessProbe: { ...handler('/-/healthy'), timeoutSeconds: 3, periodSeconds: 5, failureThreshold: 6 },
        readinessProbe: { ...handler('/-/ready'), timeoutSeconds: 3, periodSeconds: 5, failureThreshold: 3 },
        resources: obj(spec.resources),
        terminationMessagePolicy: 'FallbackToLogsOnError',
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
      configReloader(false, spec, cfg, reloaderMounts, watched, webMount ? webConfigFile : ''),
    ],
    spec.containers,
  );
  const initContainers = mergeContainers([configReloader(true, spec, cfg, reloaderMounts, watched, '')], spec.initContainers);
  const hostNetwork = spec.hostNetwork === true;
  const podSpec: Obj = {
    shareProcessNamespace: spec.reloadStrategy === 'ProcessSignal',
    containers,
    initContainers,
    ...(spec.securityContext !== undefined ? { securityContext: spec.securityContext } : {}),
    serviceAccountName: str(spec.serviceAccountName),
    automountServiceAccountToken: spec.automountServiceAccountToken !== false,
    ...(spec.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
    ...(str(spec.schedulerName) ? { schedulerName: spec.schedulerName } : {}),
    ...(str(spec.priorityClassName) ? { priorityClassName: spec.priorityClassName } : {}),
    terminationGracePeriodSeconds: typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 600,
    volumes,
    ...(spec.tolerations !== undefined ? { tolerations: spec.tolerations } : {}),
    ...(spec.affinity !== undefined ? { affinity: spec.affinity } : {}),
    ...(arr(spec.topologySpreadConstraints).length ? { topologySpreadConstraints: spec.topologySpreadConstraints } : {}),
    ...(arr(spec.hostAliases).length ? { hostAliases: spec.hostAliases } : {}),
    ...(hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(typeof spec.enableServiceLinks === 'boolean' ? { enableServiceLinks: spec.enableServiceLinks } : {}),
    ...(typeof spec.hostUsers === 'boolean' ? { hostUsers: spec.hostUsers } : {}),
    ...(str(spec.dnsPolicy) ? { dnsPolicy: spec.dnsPolicy } : {}),
    ...(spec.dnsConfig !== undefined ? { dnsConfig: spec.dnsConfig } : {}),
    ...(arr(spec.imagePullSecrets).length ? { imagePullSecrets: spec.imagePullSecrets } : {}),
  };
  const updateStrategy = obj(spec.updateStrategy);
  const stsSpec: Obj = {
    serviceName: str(spec.serviceName) || 'prometheus-operated',
    replicas: typeof spec.replicas === 'number' && spec.replicas >= 0 ? spec.replicas : 1,
    podManagementPolicy: str(spec.podManagementPolicy) || 'Parallel',
    updateStrategy: Object.keys(updateStrategy).length ? { type: updateStrategy.type, ...(updateStrategy.rollingUpdate ? { rollingUpdate: { maxUnavailable: obj(updateStrategy.rollingUpdate).maxUnavailable } } : {}) } : { type: 'RollingUpdate' },
    ...(Number(spec.minReadySeconds) > 0 ? { minReadySeconds: spec.minReadySeconds } : {}),
    selector: { matchLabels: selector },
    template: { metadata: { labels: podLabels, annotations: podAnnotations }, spec: podSpec },
    ...(storage.volumeClaimTemplate !== undefined
      ? { volumeClaimTemplates: [{ ...vct, metadata: { ...obj(vct.metadata), name: dbVolume }, spec: { ...obj(vct.spec), accessModes: obj(vct.spec).accessModes ?? ['ReadWriteOnce'] } }] }
      : {}),
    ...(spec.persistentVolumeClaimRetentionPolicy !== undefined ? { persistentVolumeClaimRetentionPolicy: spec.persistentVolumeClaimRetentionPolicy } : {}),
  };
  const owner = [ownerRef(rt, cr, true)];
  const ownLabels = withLabels();
  // The configuration Secret: the operator's is the whole generated configuration, gzipped; ours its global part.
  const globalConfig = {
    global: {
      scrape_interval: str(spec.scrapeInterval) || '30s',
      ...(str(spec.scrapeTimeout) ? { scrape_timeout: str(spec.scrapeTimeout) } : {}),
      evaluation_interval: str(spec.evaluationInterval) || '30s',
      external_labels: { ...(obj(spec.externalLabels) as Record<string, string>), prometheus: `${ns}/${name}`, prometheus_replica: '$(POD_NAME)' },
    },
  };
  const secret = (secretName: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName, namespace: ns, labels: ownLabels, ownerReferences: owner }, type: 'Opaque', data });
  return {
    kind: 'prometheus',
    selector,
    ports: [{ name: portName, port: 9090, protocol: 'TCP', targetPort: portName }],
    secrets: [
      secret(prefixed, { 'prometheus.yaml.gz': gzipSync(JSON.stringify(globalConfig)).toString('base64') }),
      secret(`${prefixed}-tls-assets-0`, {}),
      ...(withWebConfig ? [secret(`${prefixed}-web-config`, { 'web-config.yaml': '' })] : []),
    ],
    configMaps: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ruleConfigMaps[0] ?? '', namespace: ns, labels: withLabels({ 'prometheus-name': name }), ownerReferences: owner }, data: {} }],
    statefulSet: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: prefixed,
        namespace: ns,
        labels: withLabels(cr.metadata.labels, { 'operator.prometheus.io/mode': 'server' }, selector),
        annotations: inheritedAnnotations(cr, sha256(JSON.stringify(spec)).slice(0, 16)),
        ownerReferences: owner,
      },
      spec: stsSpec,
    },
  };
}

/** StatefulSet alertmanager-<name>, simplified from pkg/alertmanager/statefulset.go (images as the operator builds them). */
function alertmanagerWorkload(rt: ResourceType, cr: KubeObject, cfg: OperatorConfig): Workload {
  const spec = obj(cr.spec);
  const name = cr.metadata.name;
  const ns = cr.metadata.namespace ?? 'default';
  const portName = str(spec.portName) || 'web';
  const routePrefix = str(spec.routePrefix) || '/';
  const image = buildImagePath(str(spec.image), str(spec.baseImage) || cfg.alertmanagerBaseImage, str(spec.version) || DEFAULT_ALERTMANAGER_VERSION, str(spec.tag), str(spec.sha));
  const selector: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'alertmanager',
    'app.kubernetes.io/instance': name,
    alertmanager: name,
  };
  const version = parseSemver(str(spec.version) || DEFAULT_ALERTMANAGER_VERSION);
  const podMeta = obj(spec.podMetadata);
  const owner = [ownerRef(rt, cr, true)];
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  // makeStatefulSetSpec's arguments (web, limits, dispatch and advertise-address flags left out).
  const amArgs = buildArgs(
    [
      ['config.file', '/etc/alertmanager/config_out/alertmanager.env.yaml'],
      ['storage.path', '/alertmanager'],
      ['data.retention', str(spec.retention, '120h')],
      replicas === 1 && spec.forceEnableClusterMode !== true ? ['cluster.listen-address='] : ['cluster.listen-address', '[$(POD_IP)]:9094'],
      ['web.listen-address', spec.listenLocal === true ? '127.0.0.1:9093' : ':9093'],
      ...(str(spec.externalUrl) ? [['web.external-url', str(spec.externalUrl)] as [string, string]] : []),
      ['web.route-prefix', routePrefix],
      ...(str(spec.logLevel) && spec.logLevel !== 'info' ? [['log.level', str(spec.logLevel)] as [string, string]] : []),
      ...(str(spec.logFormat) && spec.logFormat !== 'logfmt' ? [['log.format', str(spec.logFormat)] as [string, string]] : []),
      ...(atLeast(version, '0.30.0') ? [['cluster.peer-name', '$(POD_NAME)'] as [string, string]] : []),
      ...(atLeast(version, '0.26.0') ? [['cluster.label', str(spec.clusterLabel) || `${ns}/${name}`] as [string, string]] : []),
      ...Array.from({ length: replicas }, (_x, i): [string, string] => ['cluster.peer', `alertmanager-${name}-${i}.${str(spec.serviceName) || 'alertmanager-operated'}:9094`]),
      ...arr(spec.additionalPeers).map((x): [string, string] => ['cluster.peer', str(x)]),
      ['cluster.reconnect-timeout', '5m'],
    ],
    spec.additionalArgs,
  );
  return {
    kind: 'alertmanager',
    selector,
    ports: [
      { name: portName, port: 9093, protocol: 'TCP', targetPort: portName },
      { name: 'tcp-mesh', port: 9094, protocol: 'TCP', targetPort: 9094 },
      { name: 'udp-mesh', port: 9094, protocol: 'UDP', targetPort: 9094 },
    ],
    secrets: [],
    configMaps: [],
    statefulSet: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: `alertmanager-${name}`, namespace: ns, labels: withLabels(cr.metadata.labels, selector), annotations: inheritedAnnotations(cr, sha256(JSON.stringify(spec)).slice(0, 16)), ownerReferences: owner },
      spec: {
        serviceName: str(spec.serviceName) || 'alertmanager-operated',
        replicas,
        podManagementPolicy: str(spec.podManagementPolicy) || 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { 'app.kubernetes.io/version': semverString(version), ...(obj(podMeta.labels) as Record<string, string>), ...selector }, annotations: { 'kubectl.kubernetes.io/default-container': 'alertmanager', ...(obj(podMeta.annotations) as Record<string, string>) } },
          spec: {
            containers: [
              {
                name: 'alertmanager',
                image,
                ...(str(spec.imagePullPolicy) ? { imagePullPolicy: str(spec.imagePullPolicy) } : {}),
                args: amArgs,
                ports: [
                  { containerPort: 9094, name: 'mesh-tcp', protocol: 'TCP' },
                  { containerPort: 9094, name: 'mesh-udp', protocol: 'UDP' },
                  { containerPort: 9093, name: portName, protocol: 'TCP' },
                ],
                livenessProbe: { httpGet: { path: cleanPath(`${routePrefix}/-/healthy`), port: portName }, timeoutSeconds: 3, failureThreshold: 10 },
                readinessProbe: { httpGet: { path: cleanPath(`${routePrefix}/-/ready`), port: portName }, initialDelaySeconds: 3, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 },
                volumeMounts: [
                  { name: 'config-volume', mountPath: '/etc/alertmanager/config' },
                  { name: 'config-out', readOnly: true, mountPath: '/etc/alertmanager/config_out' },
                  { name: `alertmanager-${name}-db`, mountPath: '/alertmanager' },
                ],
              },
              {
                name: 'config-reloader',
                image: cfg.reloaderImage,
                command: ['/bin/prometheus-config-reloader'],
                args: ['--listen-address=:8080', `--reload-url=http://${cfg.localHost}:9093${cleanPath(`${routePrefix}/-/reload`)}`, '--config-file=/etc/alertmanager/config/alertmanager.yaml.gz', '--config-envsubst-file=/etc/alertmanager/config_out/alertmanager.env.yaml', '--watched-dir=/etc/alertmanager/config'],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'SHARD', value: '-1' }],
                ports: [{ containerPort: 8080, name: 'reloader-web', protocol: 'TCP' }],
                volumeMounts: [
                  { name: 'config-volume', readOnly: true, mountPath: '/etc/alertmanager/config' },
                  { name: 'config-out', mountPath: '/etc/alertmanager/config_out' },
                ],
                ...(Object.keys(cfg.reloaderResources).length ? { resources: cfg.reloaderResources } : {}),
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
            serviceAccountName: str(spec.serviceAccountName),
            automountServiceAccountToken: spec.automountServiceAccountToken !== false,
            ...(spec.securityContext !== undefined ? { securityContext: spec.securityContext } : {}),
            ...(spec.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
            ...(spec.tolerations !== undefined ? { tolerations: spec.tolerations } : {}),
            ...(spec.affinity !== undefined ? { affinity: spec.affinity } : {}),
            ...(str(spec.priorityClassName) ? { priorityClassName: spec.priorityClassName } : {}),
            terminationGracePeriodSeconds: typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 120,
            volumes: [
              { name: 'config-volume', secret: { secretName: `alertmanager-${name}-generated` } },
              { name: 'config-out', emptyDir: { medium: 'Memory' } },
              { name: `alertmanager-${name}-db`, emptyDir: {} },
            ],
          },
        },
      },
    },
  };
}

function reconcile(ctx: ControllerContext, rt: ResourceType, cr: KubeObject, w: Workload): void {
  if (cr.metadata.deletionTimestamp) return;
  const spec = obj(cr.spec);
  const ns = cr.metadata.namespace ?? 'default';
  const stsName = w.statefulSet.metadata.name;
  const operated = `${w.kind}-operated`;
  const stsRt = ctx.rt('apps', 'statefulsets');
  const paused = spec.paused === true;
  if (!paused) {
    for (const s of w.secrets) ensure(ctx, ctx.rt('', 'secrets'), s);
    for (const c of w.configMaps) ensure(ctx, ctx.rt('', 'configmaps'), c);
    ensure(ctx, stsRt, w.statefulSet);
  }
  // The governing Service (BuildStatefulSetService), shared by all instances of this kind in the namespace.
  const svcRt = ctx.rt('', 'services');
  const existing = ctx.store.get(svcRt, ns, operated);
  const owners = [...(existing?.metadata.ownerReferences ?? []).filter((r) => r.uid !== cr.metadata.uid), ownerRef(rt, cr, false)];
  ensure(ctx, svcRt, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: operated, namespace: ns, labels: withLabels({ [`operated-${w.kind}`]: 'true' }), ownerReferences: owners },
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
  const sel = Object.entries(w.selector)
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
  const cfg = operatorConfig(args);
  kubeletService(ctx, args);
  const promRt = served(ctx, 'prometheuses');
  if (promRt) for (const p of ctx.store.list(promRt)) reconcile(ctx, promRt, p, prometheusWorkload(promRt, p, cfg));
  const amRt = served(ctx, 'alertmanagers');
  if (amRt) for (const a of ctx.store.list(amRt)) reconcile(ctx, amRt, a, alertmanagerWorkload(amRt, a, cfg));
});

export const prometheusOperatorSoftware: SimulatedSoftware = { behaviours: [operatorBehaviour, prometheusBehaviour], controllers: [operatorController] };

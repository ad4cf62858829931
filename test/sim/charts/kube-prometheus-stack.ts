// kube-prometheus-stack chart 88.5.3 (appVersion v0.93.1), https://prometheus-community.github.io/helm-charts
// (also oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack), with its sub-charts grafana 12.11.1
// (appVersion 13.2.0), kube-state-metrics 8.4.0 (2.20.0) and prometheus-node-exporter 4.56.1 (1.12.1). Held to
// the real `helm template` renders in ../shared/real-renders/kube-prometheus-stack-88.5.3 (test/conformance).
// Everything is rendered from the coalesced values, as the templates do; the constants are Chart.yaml's (chart
// names, versions and appVersions, which the templates use for labels and as image tags when a tag is empty).
// Templates followed, at their release tags:
// - prometheus-community/helm-charts charts/kube-prometheus-stack/templates/: _helpers.tpl;
//   prometheus-operator/{_prometheus-operator.tpl,deployment.yaml,service.yaml,serviceaccount.yaml,
//   servicemonitor.yaml,clusterrole.yaml,clusterrolebinding.yaml,aggregate-clusterroles.yaml};
//   prometheus/{prometheus.yaml,service.yaml,servicemonitor.yaml,serviceaccount.yaml,clusterrole.yaml,
//   clusterrolebinding.yaml,servicemonitors.yaml,additionalScrapeConfigs.yaml,additionalAlertmanagerConfigs.yaml,
//   additionalAlertRelabelConfigs.yaml}; alertmanager/{alertmanager.yaml,secret.yaml,service.yaml,
//   serviceaccount.yaml,servicemonitor.yaml}; exporters/{kube-api-server,kubelet,core-dns,kube-controller-manager,
//   kube-scheduler,kube-proxy,kube-etcd}/*.yaml; grafana/configmaps-datasources.yaml and the render conditions,
//   names, labels and keys of grafana/dashboards-1.14/*.yaml (their JSON is a placeholder of ours);
//   prometheus/rules-1.14/{general.rules,kubernetes-apps,node.rules}.yaml (names only; a few rules each).
// - grafana-community/helm-charts charts/grafana/templates/ (tag grafana-12.11.1): _helpers.tpl, _config.tpl,
//   _pod.tpl, deployment.yaml, service.yaml, serviceaccount.yaml, secret.yaml, configmap.yaml,
//   configmap-dashboard-provider.yaml, clusterrole.yaml, clusterrolebinding.yaml, role.yaml, rolebinding.yaml,
//   servicemonitor.yaml.
// - prometheus-community/helm-charts charts/kube-state-metrics/templates/ (tag kube-state-metrics-8.4.0):
//   _helpers.tpl, deployment.yaml, service.yaml, servicemonitor.yaml, role.yaml, clusterrolebinding.yaml,
//   serviceaccount.yaml; charts/prometheus-node-exporter/templates/ (tag prometheus-node-exporter-4.56.1):
//   _helpers.tpl, daemonset.yaml, service.yaml, servicemonitor.yaml, serviceaccount.yaml.
// Left out (not rendered even when enabled): the admission webhooks, their certificate Jobs (Helm hooks) and
// cert-manager objects; ingresses, Gateway routes, network policies, PDBs, VPAs, per-replica Services, the Thanos
// sidecar Services/ServiceMonitor and ThanosRuler; kubeDns; the GrafanaDashboard operator objects; Grafana's
// init-sidecars, download-dashboards, image renderer, headless Service, PVC and HPA; kube-state-metrics'
// autosharding, kube-rbac-proxy, kubeconfig and custom-resource-state; node-exporter's kube-rbac-proxy and
// sidecars; the content of the default rules (a few rules per group, only three groups) and of the dashboards;
// the default rule names in prometheusRulesExcludedFromEnforce.
import type { KubeObject } from '../lib/store.ts';
import { parse } from 'yaml';
import { arr, b64, chartName, fullname, obj, object, randAlphaNum, sha256, str, subchartValues, toYaml, tpl, trunc, truthy, type ChartVersion, type Obj, type RenderContext, type Rendered } from './common.ts';
import { OPERATOR_VERSION, operatorCrds } from './prometheus-operator.ts';

const CHART = 'kube-prometheus-stack';
const VERSION = '88.5.3';
const APP_VERSION = `v${OPERATOR_VERSION}`;
const GRAFANA = { chart: 'grafana', version: '12.11.1', appVersion: '13.2.0', file: 'grafana-12.11.1.yaml' };
const KSM = { chart: 'kube-state-metrics', version: '8.4.0', appVersion: '2.20.0', file: 'kube-state-metrics-8.4.0.yaml' };
const NODE_EXPORTER = { chart: 'prometheus-node-exporter', version: '4.56.1', appVersion: '1.12.1', file: 'prometheus-node-exporter-4.56.1.yaml' };
const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const SA_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

// ---- template helpers ---------------------------------------------------------------------------------------

/** Go's `kindIs "invalid"`: the value is nil. */
const isNil = (v: unknown) => v === null || v === undefined;
/** `{{- with .X }} key: ...{{- end }}` / `{{- if .X }}`: the key only when the value is truthy. */
const opt = (key: string, v: unknown): Obj => (truthy(v) ? { [key]: v } : {});
/** Like opt, for several keys of one values map copied as they are. */
const copyTruthy = (src: Obj, keys: string[]): Obj => Object.assign({}, ...keys.map((k) => opt(k, src[k]))) as Obj;
/** Go's sorted range over a map. */
const sortedEntries = (o: unknown) => Object.entries(obj(o)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
/** Sprig's `quote` / `print`: Go's formatting of a value as text. */
const text = (v: unknown): string => (isNil(v) ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/** semverCompare against a Kubernetes version such as "v1.36.1" (pre-release suffixes ignored, "-0" bounds). */
function versionAtLeast(version: string, min: string): boolean {
  const parts = (s: string) => (s.replace(/^v/, '').split('-')[0] ?? '').split('.').map((x) => Number(x) || 0);
  const a = parts(version);
  const b = parts(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** `servicemonitor.scrapeLimits`. */
const scrapeLimits = (sm: Obj): Obj => copyTruthy(sm, ['sampleLimit', 'targetLimit', 'labelLimit', 'labelNameLengthLimit', 'labelValueLengthLimit']);

/** "registry/repository:tag[@sha256:sha]" with a global registry override, the charts' usual image line. */
function imageRef(global: Obj, img: Obj, defaultTag: string, shaPrefix = 'sha256:'): string {
  const registry = str(global.imageRegistry) || str(img.registry);
  const tag = str(img.tag) || defaultTag;
  return `${registry}/${str(img.repository)}:${tag}${truthy(img.sha) ? `@${shaPrefix}${str(img.sha)}` : ''}`;
}

/** A placeholder dashboard (the chart's JSON is upstream data we do not copy). */
const placeholderDashboard = (key: string) => JSON.stringify({ title: `${key} (simulated)`, uid: sha256(key).slice(0, 32), panels: [], schemaVersion: 39, tags: ['kubernetes-mixin'] });

/** The dashboards of grafana/dashboards-1.14 and what each one's render condition needs besides the common part. */
const DASHBOARDS: Array<[string, (v: Obj) => boolean]> = [
  ['alertmanager-overview', (v) => truthy(obj(v.alertmanager).enabled) || truthy(obj(v.alertmanager).forceDeployDashboards)],
  ['apiserver', (v) => truthy(obj(v.kubeApiServer).enabled)],
  ['cluster-total', () => true],
  ['controller-manager', (v) => truthy(obj(v.kubeControllerManager).enabled)],
  ['etcd', (v) => truthy(obj(v.kubeEtcd).enabled)],
  ['grafana-overview', () => true],
  ['k8s-coredns', (v) => truthy(obj(v.coreDns).enabled)],
  ['k8s-resources-cluster', () => true],
  ['k8s-resources-multicluster', () => true],
  ['k8s-resources-namespace', () => true],
  ['k8s-resources-node', () => true],
  ['k8s-resources-nodes-overview', () => true],
  ['k8s-resources-pod', () => true],
  ['k8s-resources-windows-cluster', (v) => truthy(obj(v.windowsMonitoring).enabled)],
  ['k8s-resources-windows-namespace', (v) => truthy(obj(v.windowsMonitoring).enabled)],
  ['k8s-resources-windows-pod', (v) => truthy(obj(v.windowsMonitoring).enabled)],
  ['k8s-resources-workload', () => true],
  ['k8s-resources-workloads-namespace', () => true],
  ['k8s-windows-cluster-rsrc-use', (v) => truthy(obj(v.windowsMonitoring).enabled)],
  ['k8s-windows-node-rsrc-use', (v) => truthy(obj(v.windowsMonitoring).enabled)],
  ['kubelet', (v) => truthy(obj(v.kubelet).enabled)],
  ['namespace-by-pod', () => true],
  ['namespace-by-workload', () => true],
  ['node-cluster-rsrc-use', (v) => nodeExporterDashboards(v)],
  ['node-rsrc-use', (v) => nodeExporterDashboards(v)],
  ['nodes-aix', (v) => nodeExporterDashboards(v) && truthy(obj(obj(obj(v.nodeExporter).operatingSystems).aix).enabled)],
  ['nodes-darwin', (v) => nodeExporterDashboards(v) && truthy(obj(obj(obj(v.nodeExporter).operatingSystems).darwin).enabled)],
  ['nodes', (v) => nodeExporterDashboards(v) && truthy(obj(obj(obj(v.nodeExporter).operatingSystems).linux).enabled)],
  ['persistentvolumesusage', () => true],
  ['pod-total', () => true],
  ['prometheus-remote-write', (v) => truthy(obj(obj(v.prometheus).prometheusSpec).remoteWriteDashboards)],
  ['prometheus', () => true],
  ['proxy', (v) => truthy(obj(v.kubeProxy).enabled)],
  ['scheduler', (v) => truthy(obj(v.kubeScheduler).enabled)],
  ['workload-total', () => true],
];
function nodeExporterDashboards(v: Obj): boolean {
  return truthy(obj(v.nodeExporter).enabled) || truthy(obj(v.nodeExporter).forceDeployDashboards);
}

/** `kube-prometheus-stack.fullname`: 26 characters at most ("prometheus" → "prometheus-kube-prometheus"). */
export function kpsFullname(release: string, values: Obj = {}): string {
  return fullname(release, CHART, values, 26);
}

// ---- kube-prometheus-stack ----------------------------------------------------------------------------------

function render(ctx: RenderContext): Rendered {
  const v = ctx.values;
  const release = ctx.release;
  const name = chartName(CHART, v, 50);
  const fn = kpsFullname(release, v);
  const ns = str(v.namespaceOverride) || ctx.namespace;
  const t = <T>(x: T): T => tplDeep(x, release, ns);
  const global = obj(v.global);
  const kubeVersion = str(v.kubeVersionOverride) || ctx.kubeVersion;
  const kubeTargetVersion = str(v.kubeTargetVersionOverride) || ctx.kubeVersion;
  const labels: Obj = {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/version': VERSION.replace(/\+/g, '_'),
    'app.kubernetes.io/part-of': name,
    chart: `${CHART}-${VERSION.replace(/\+/g, '_')}`,
    release,
    heritage: 'Helm',
    ...obj(v.commonLabels),
  };
  const pullSecrets = arr(global.imagePullSecrets).map((s) => (s && typeof s === 'object' ? s : { name: str(s) }));
  const objects: KubeObject[] = [];
  const sm = (smName: string, smNs: string, smLabels: Obj, spec: Obj) => objects.push(object('monitoring.coreos.com/v1', 'ServiceMonitor', smName, smNs, smLabels, { spec }));
  const rbacCreate = truthy(obj(global.rbac).create);
  const monitors = truthy(obj(v.kubernetesServiceMonitors).enabled);
  const prom = obj(v.prometheus);
  const ps = obj(prom.prometheusSpec);
  const am = obj(v.alertmanager);
  const amSpec = obj(am.alertmanagerSpec);
  const ignoreNsSelectors = truthy(ps.ignoreNamespaceSelectors);

  // ---- Prometheus Operator (templates/prometheus-operator/) ----
  const po = obj(v.prometheusOperator);
  const poFullname = truthy(po.fullnameOverride) ? trunc(str(po.fullnameOverride), 35) : `${fn}-operator`;
  const poLabels = { ...labels, app: `${name}-operator`, 'app.kubernetes.io/name': `${name}-prometheus-operator`, 'app.kubernetes.io/component': 'prometheus-operator' };
  const poSelector = { app: `${name}-operator`, release };
  const tls = obj(po.tls);
  const tlsOn = truthy(tls.enabled);
  const certManager = truthy(obj(obj(po.admissionWebhooks).certManager).enabled);
  if (truthy(po.enabled)) {
    const sa = obj(po.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || poFullname : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, poLabels, { automountServiceAccountToken: sa.automountServiceAccountToken, ...(pullSecrets.length ? { imagePullSecrets: pullSecrets } : {}) }, obj(sa.annotations)));
    if (rbacCreate) {
      objects.push(
        object('rbac.authorization.k8s.io/v1', 'ClusterRole', poFullname, undefined, poLabels, {
          rules: [
            { apiGroups: ['monitoring.coreos.com'], resources: ['alertmanagers', 'alertmanagers/finalizers', 'alertmanagers/status', 'alertmanagerconfigs', 'prometheuses', 'prometheuses/finalizers', 'prometheuses/status', 'prometheusagents', 'prometheusagents/finalizers', 'prometheusagents/status', 'thanosrulers', 'thanosrulers/finalizers', 'thanosrulers/status', 'scrapeconfigs', 'scrapeconfigs/status', 'servicemonitors', 'servicemonitors/status', 'podmonitors', 'podmonitors/status', 'probes', 'probes/status', 'prometheusrules', 'prometheusrules/status'], verbs: ['*'] },
            { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['*'] },
            { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] },
            { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
            { apiGroups: [''], resources: ['services', 'services/finalizers', 'endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
            { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['patch', 'create'] },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'create', 'list', 'watch', 'update', 'delete'] },
          ],
        }),
        object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', poFullname, undefined, poLabels, {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: poFullname },
          subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
        }),
      );
    }
    const svc = obj(po.service);
    const svcType = str(svc.type);
    const ipDual = obj(svc.ipDualStack);
    objects.push(
      object('v1', 'Service', poFullname, ns, { ...poLabels, ...obj(svc.labels) }, {
        spec: {
          ...opt('clusterIP', svc.clusterIP),
          ...(truthy(ipDual.enabled) ? { ipFamilies: ipDual.ipFamilies, ipFamilyPolicy: ipDual.ipFamilyPolicy } : {}),
          ...opt('externalIPs', svc.externalIPs),
          ...opt('loadBalancerIP', svc.loadBalancerIP),
          ...opt('loadBalancerSourceRanges', svc.loadBalancerSourceRanges),
          ...(svcType !== 'ClusterIP' ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
          ports: tlsOn
            ? [{ name: 'https', ...(svcType === 'NodePort' ? { nodePort: svc.nodePortTls } : {}), port: 443, targetPort: 'https' }]
            : [{ name: 'http', ...(svcType === 'NodePort' ? { nodePort: svc.nodePort } : {}), port: 8080, targetPort: 'http' }],
          selector: poSelector,
          type: svcType,
        },
      }, obj(svc.annotations)),
    );
    const kubeletSvc = obj(po.kubeletService);
    const reloader = obj(po.prometheusConfigReloader);
    const reloaderRes = obj(reloader.resources);
    const imgRegistry = (i: Obj) => str(global.imageRegistry) || str(i.registry);
    const list = (key: string) => arr(po[key]).map(String).join(',');
    const namespacesArg = (): string[] => {
      const nsv = obj(po.namespaces);
      if (!truthy(nsv)) return [];
      const all = [...(truthy(nsv.releaseNamespace) ? [ns] : []), ...arr(nsv.additional).map((x) => tpl(str(x), release, ns))];
      return [`--namespaces=${[...new Set(all)].join(',')}`];
    };
    const args = [
      ...(truthy(kubeletSvc.enabled) ? [`--kubelet-service=${str(kubeletSvc.namespace)}/${str(kubeletSvc.name) || `${fn}-kubelet`}`, ...(truthy(kubeletSvc.selector) ? [`--kubelet-selector=${str(kubeletSvc.selector)}`] : [])] : []),
      `--kubelet-endpoints=${text(po.kubeletEndpointsEnabled)}`,
      `--kubelet-endpointslice=${text(po.kubeletEndpointSliceEnabled)}`,
      ...(truthy(po.logFormat) ? [`--log-format=${str(po.logFormat)}`] : []),
      ...(truthy(po.logLevel) ? [`--log-level=${str(po.logLevel)}`] : []),
      ...(truthy(po.denyNamespaces) ? [`--deny-namespaces=${tpl(list('denyNamespaces'), release, ns)}`] : []),
      ...namespacesArg(),
      '--localhost=127.0.0.1',
      ...(truthy(po.prometheusDefaultBaseImage) ? [`--prometheus-default-base-image=${str(global.imageRegistry) || str(po.prometheusDefaultBaseImageRegistry)}/${str(po.prometheusDefaultBaseImage)}`] : []),
      ...(truthy(po.alertmanagerDefaultBaseImage) ? [`--alertmanager-default-base-image=${str(global.imageRegistry) || str(po.alertmanagerDefaultBaseImageRegistry)}/${str(po.alertmanagerDefaultBaseImage)}`] : []),
      `--prometheus-config-reloader=${imageRef(global, obj(reloader.image), APP_VERSION)}`,
      `--config-reloader-cpu-request=${text(obj(reloaderRes.requests).cpu) || '0'}`,
      `--config-reloader-cpu-limit=${text(obj(reloaderRes.limits).cpu) || '0'}`,
      `--config-reloader-memory-request=${text(obj(reloaderRes.requests).memory) || '0'}`,
      `--config-reloader-memory-limit=${text(obj(reloaderRes.limits).memory) || '0'}`,
      ...(truthy(reloader.enableProbe) ? ['--enable-config-reloader-probes=true'] : []),
      ...(truthy(po.alertmanagerInstanceNamespaces) ? [`--alertmanager-instance-namespaces=${list('alertmanagerInstanceNamespaces')}`] : []),
      ...(truthy(po.alertmanagerInstanceSelector) ? [`--alertmanager-instance-selector=${str(po.alertmanagerInstanceSelector)}`] : []),
      ...(truthy(po.alertmanagerConfigNamespaces) ? [`--alertmanager-config-namespaces=${list('alertmanagerConfigNamespaces')}`] : []),
      ...(truthy(po.prometheusInstanceNamespaces) ? [`--prometheus-instance-namespaces=${list('prometheusInstanceNamespaces')}`] : []),
      ...(truthy(po.prometheusInstanceSelector) ? [`--prometheus-instance-selector=${str(po.prometheusInstanceSelector)}`] : []),
      `--thanos-default-base-image=${imgRegistry(obj(po.thanosImage))}/${str(obj(po.thanosImage).repository)}:${str(obj(po.thanosImage).tag)}${truthy(obj(po.thanosImage).sha) ? `@sha256:${str(obj(po.thanosImage).sha)}` : ''}`,
      ...(truthy(po.thanosRulerInstanceNamespaces) ? [`--thanos-ruler-instance-namespaces=${list('thanosRulerInstanceNamespaces')}`] : []),
      ...(truthy(po.thanosRulerInstanceSelector) ? [`--thanos-ruler-instance-selector=${str(po.thanosRulerInstanceSelector)}`] : []),
      ...(truthy(po.secretFieldSelector) ? [`--secret-field-selector=${tpl(str(po.secretFieldSelector), release, ns)}`] : []),
      ...(truthy(po.clusterDomain) ? [`--cluster-domain=${str(po.clusterDomain)}`] : []),
      ...(truthy(po.featureGates) ? [`--feature-gates=${sortedEntries(po.featureGates).map(([k, x]) => `${k}=${text(x)}`).join(',')}`] : []),
      ...(tlsOn
        ? ['--web.enable-tls=true', `--web.cert-file=/cert/${certManager ? 'tls.crt' : 'cert'}`, `--web.key-file=/cert/${certManager ? 'tls.key' : 'key'}`, `--web.listen-address=:${text(tls.internalPort)}`, `--web.tls-min-version=${text(tls.tlsMinVersion)}`]
        : ['--web.enable-tls=false', '--web.listen-address=:8080']),
      ...arr(t(po.extraArgs)).map(String),
    ];
    const probe = (p: unknown) => {
      const o = obj(p);
      if (!truthy(o.enabled)) return {};
      return { httpGet: { path: '/healthz', port: tlsOn ? 'https' : 'http', scheme: tlsOn ? 'HTTPS' : 'HTTP' }, initialDelaySeconds: o.initialDelaySeconds, periodSeconds: o.periodSeconds, timeoutSeconds: o.timeoutSeconds, successThreshold: o.successThreshold, failureThreshold: o.failureThreshold };
    };
    const volumeMounts = [...(tlsOn ? [{ name: 'tls-secret', mountPath: '/cert', readOnly: true }] : []), ...arr(po.extraVolumeMounts)];
    const volumes = [...(tlsOn ? [{ name: 'tls-secret', secret: { defaultMode: 420, secretName: `${fn}-admission` } }] : []), ...arr(po.extraVolumes)];
    const readiness = probe(po.readinessProbe);
    const liveness = probe(po.livenessProbe);
    objects.push(
      object('apps/v1', 'Deployment', poFullname, ns, { ...poLabels, ...obj(po.labels) }, {
        spec: {
          replicas: 1,
          revisionHistoryLimit: po.revisionHistoryLimit,
          selector: { matchLabels: poSelector },
          ...opt('strategy', po.strategy),
          template: {
            metadata: { labels: { ...poLabels, ...obj(po.podLabels) }, ...opt('annotations', po.podAnnotations) },
            spec: {
              ...opt('priorityClassName', po.priorityClassName),
              ...(pullSecrets.length ? { imagePullSecrets: pullSecrets } : {}),
              containers: [
                {
                  name,
                  image: imageRef(global, obj(po.image), APP_VERSION),
                  imagePullPolicy: str(obj(po.image).pullPolicy),
                  args,
                  ...opt('lifecycle', po.lifecycle),
                  ports: [tlsOn ? { containerPort: tls.internalPort, name: 'https' } : { containerPort: 8080, name: 'http' }],
                  env: sortedEntries(po.env).map(([k, x]) => ({ name: k, value: text(x) })),
                  resources: po.resources ?? {},
                  securityContext: po.containerSecurityContext ?? {},
                  ...(volumeMounts.length ? { volumeMounts } : {}),
                  ...(Object.keys(readiness).length ? { readinessProbe: readiness } : {}),
                  ...(Object.keys(liveness).length ? { livenessProbe: liveness } : {}),
                },
              ],
              ...(volumes.length ? { volumes } : {}),
              ...opt('dnsConfig', po.dnsConfig),
              ...(typeof po.hostUsers === 'boolean' ? { hostUsers: po.hostUsers } : {}),
              ...opt('securityContext', po.securityContext),
              serviceAccountName: saName,
              automountServiceAccountToken: po.automountServiceAccountToken,
              ...(truthy(po.hostNetwork) ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
              ...opt('nodeSelector', po.nodeSelector),
              ...opt('affinity', po.affinity),
              ...opt('terminationGracePeriodSeconds', po.terminationGracePeriodSeconds),
              ...opt('tolerations', po.tolerations),
            },
          },
        },
      }, obj(po.annotations)),
    );
    const posm = obj(po.serviceMonitor);
    if (truthy(posm.selfMonitor)) {
      sm(poFullname, ns, { ...poLabels, ...obj(posm.additionalLabels) }, {
        ...scrapeLimits(posm),
        endpoints: [
          {
            ...(tlsOn
              ? { port: 'https', scheme: 'https', tlsConfig: { serverName: poFullname, ca: { secret: { name: `${fn}-admission`, key: certManager ? 'ca.crt' : 'ca', optional: false } } } }
              : { port: 'http' }),
            honorLabels: true,
            ...opt('interval', posm.interval),
            ...opt('metricRelabelings', t(posm.metricRelabelings)),
            ...opt('relabelings', posm.relabelings),
          },
        ],
        selector: { matchLabels: poSelector },
        namespaceSelector: { matchNames: [ns] },
      });
    }
  }
  if (rbacCreate && truthy(obj(global.rbac).createAggregateClusterRoles)) {
    const crdResources = ['alertmanagers', 'alertmanagerconfigs', 'podmonitors', 'probes', 'prometheuses', 'prometheusagents', 'prometheusrules', 'scrapeconfigs', 'servicemonitors'];
    objects.push(
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${fn}-prometheus-crd-view`, undefined, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-view': 'true', ...poLabels }, { rules: [{ apiGroups: ['monitoring.coreos.com'], resources: crdResources, verbs: ['get', 'list', 'watch'] }] }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${fn}-prometheus-crd-edit`, undefined, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', ...poLabels }, { rules: [{ apiGroups: ['monitoring.coreos.com'], resources: crdResources, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }] }),
    );
  }

  // ---- Prometheus (templates/prometheus/) ----
  const promSvc = obj(prom.service);
  const promCr = truthy(v.cleanPrometheusOperatorObjectNames) ? fn : `${fn}-prometheus`;
  const promLabels = { app: `${name}-prometheus`, ...labels };
  const agent = truthy(prom.agentMode);
  if (truthy(prom.enabled)) {
    const sa = obj(prom.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || `${fn}-prometheus` : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, { ...promLabels, 'app.kubernetes.io/name': `${name}-prometheus`, 'app.kubernetes.io/component': 'prometheus' }, { automountServiceAccountToken: sa.automountServiceAccountToken, ...(pullSecrets.length ? { imagePullSecrets: pullSecrets } : {}) }, t(obj(sa.annotations))));
    if (rbacCreate) {
      const kubeletSm = obj(obj(v.kubelet).serviceMonitor);
      objects.push(
        object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${fn}-prometheus`, undefined, promLabels, {
          rules: [
            { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
            {
              nonResourceURLs: ['/metrics', ...(truthy(kubeletSm.cAdvisor) ? ['/metrics/cadvisor'] : []), ...(truthy(kubeletSm.resource) ? [str(kubeletSm.resourcePath)] : []), ...(truthy(obj(obj(obj(v.kubeScheduler).serviceMonitor).resource).enabled) ? ['/metrics/resources'] : [])],
              verbs: ['get'],
            },
            ...arr(prom.additionalRulesForClusterRole),
          ],
        }),
        object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${fn}-prometheus`, undefined, promLabels, {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fn}-prometheus` },
          subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
        }),
      );
    }
    if (truthy(promSvc.enabled)) {
      const type = str(promSvc.type);
      const ipDual = obj(promSvc.ipDualStack);
      const thanosIngress = obj(prom.thanosIngress);
      objects.push(
        object('v1', 'Service', `${fn}-prometheus`, ns, { app: `${name}-prometheus`, 'self-monitor': text(obj(prom.serviceMonitor).selfMonitor), ...labels, ...obj(promSvc.labels) }, {
          spec: {
            ...opt('clusterIP', promSvc.clusterIP),
            ...(truthy(ipDual.enabled) ? { ipFamilies: ipDual.ipFamilies, ipFamilyPolicy: ipDual.ipFamilyPolicy } : {}),
            ...opt('externalIPs', promSvc.externalIPs),
            ...opt('loadBalancerIP', promSvc.loadBalancerIP),
            ...opt('loadBalancerSourceRanges', promSvc.loadBalancerSourceRanges),
            ...(type !== 'ClusterIP' ? { externalTrafficPolicy: promSvc.externalTrafficPolicy } : {}),
            ports: [
              { name: str(ps.portName), ...(type === 'NodePort' ? { nodePort: promSvc.nodePort } : {}), port: promSvc.port, targetPort: promSvc.targetPort },
              ...(truthy(promSvc.reloaderWebPort)
                ? [{ name: 'reloader-web', ...(versionAtLeast(kubeTargetVersion, '1.20.1') ? { appProtocol: 'http' } : {}), ...(type === 'NodePort' && truthy(promSvc.reloaderWebNodePort) ? { nodePort: promSvc.reloaderWebNodePort } : {}), port: promSvc.reloaderWebPort, targetPort: 'reloader-web' }]
                : []),
              ...(truthy(thanosIngress.enabled) ? [{ name: 'grpc', ...(type === 'NodePort' ? { nodePort: thanosIngress.nodePort } : {}), port: thanosIngress.servicePort, targetPort: thanosIngress.servicePort }] : []),
              ...arr(promSvc.additionalPorts),
            ],
            publishNotReadyAddresses: promSvc.publishNotReadyAddresses,
            selector: { 'app.kubernetes.io/name': agent ? 'prometheus-agent' : 'prometheus', 'operator.prometheus.io/name': promCr },
            ...opt('sessionAffinity', promSvc.sessionAffinity),
            ...(promSvc.sessionAffinity === 'ClientIP' ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: obj(obj(promSvc.sessionAffinityConfig).clientIP).timeoutSeconds } } } : {}),
            type,
          },
        }, obj(promSvc.annotations)),
      );
    }
    objects.push(...additionalPrometheusSecrets(ps, fn, name, labels, ns, release));
    objects.push(object(agent ? 'monitoring.coreos.com/v1alpha1' : 'monitoring.coreos.com/v1', agent ? 'PrometheusAgent' : 'Prometheus', promCr, ns, { ...promLabels, ...obj(prom.additionalLabels) }, { spec: prometheusSpec(v, { fn, ns, release, promCr, saName, agent, global, pullSecrets }) }, obj(prom.annotations)));
    const promSm = obj(prom.serviceMonitor);
    if (truthy(promSm.selfMonitor)) {
      const common = (): Obj => ({ ...opt('interval', promSm.interval), ...opt('scheme', promSm.scheme), ...opt('tlsConfig', promSm.tlsConfig) });
      const relabel = (): Obj => ({ ...opt('metricRelabelings', t(promSm.metricRelabelings)), ...opt('relabelings', promSm.relabelings) });
      sm(`${fn}-prometheus`, ns, { ...promLabels, ...obj(promSm.additionalLabels) }, {
        ...scrapeLimits(promSm),
        selector: { matchLabels: { app: `${name}-prometheus`, release, 'self-monitor': 'true' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [
          { port: str(ps.portName), ...common(), ...opt('bearerTokenFile', promSm.bearerTokenFile), path: `${str(ps.routePrefix).replace(/\/$/, '')}/metrics`, ...relabel() },
          { port: 'reloader-web', ...common(), path: '/metrics', ...relabel() },
          ...arr(promSm.additionalEndpoints).map((e0) => {
            const e = obj(e0);
            const or = (k: string) => (truthy(e[k]) ? e[k] : promSm[k]);
            return {
              port: e.port,
              ...opt('interval', or('interval')),
              ...opt('proxyUrl', or('proxyUrl')),
              ...opt('scheme', or('scheme')),
              ...opt('bearerTokenFile', or('bearerTokenFile')),
              ...opt('tlsConfig', or('tlsConfig')),
              path: e.path,
              ...opt('metricRelabelings', t(or('metricRelabelings'))),
              ...opt('relabelings', or('relabelings')),
            };
          }),
        ],
      });
    }
    for (const m0 of arr(prom.additionalServiceMonitors)) {
      const m = obj(m0);
      sm(str(m.name), ns, { app: `${name}-prometheus`, ...labels, ...obj(m.additionalLabels) }, {
        ...scrapeLimits(m),
        endpoints: m.endpoints,
        ...copyTruthy(m, ['jobLabel', 'namespaceSelector']),
        selector: m.selector,
        ...copyTruthy(m, ['targetLabels', 'podTargetLabels', 'fallbackScrapeProtocol', 'attachMetadata']),
      });
    }
  }

  // ---- Alertmanager (templates/alertmanager/) ----
  if (truthy(am.enabled)) {
    const amNs = str(am.namespaceOverride) || ns;
    const amCr = truthy(v.cleanPrometheusOperatorObjectNames) ? fn : `${fn}-alertmanager`;
    const amLabels = { app: `${name}-alertmanager`, ...labels };
    const amSvc = obj(am.service);
    const type = str(amSvc.type);
    const sa = obj(am.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || `${fn}-alertmanager` : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, amNs, { ...amLabels, 'app.kubernetes.io/name': `${name}-alertmanager`, 'app.kubernetes.io/component': 'alertmanager' }, { automountServiceAccountToken: sa.automountServiceAccountToken, ...(pullSecrets.length ? { imagePullSecrets: pullSecrets } : {}) }, obj(sa.annotations)));
    if (!truthy(amSpec.useExistingSecret)) {
      const cfg = truthy(am.stringConfig) ? str(am.stringConfig) : typeof am.config === 'string' ? am.config : toYaml(am.config ?? {});
      const data: Obj = { 'alertmanager.yaml': b64(truthy(am.tplConfig) ? tpl(cfg, release, ns) : toYaml(am.config ?? {})) };
      for (const [k, x] of sortedEntries(am.templateFiles)) data[k] = b64(str(x));
      objects.push(object('v1', 'Secret', `alertmanager-${amCr}`, amNs, amLabels, { data }, obj(obj(am.secret).annotations)));
    }
    if (truthy(amSvc.enabled)) {
      const ipDual = obj(amSvc.ipDualStack);
      objects.push(
        object('v1', 'Service', `${fn}-alertmanager`, amNs, { ...amLabels, 'self-monitor': text(obj(am.serviceMonitor).selfMonitor), ...obj(amSvc.labels) }, {
          spec: {
            ...opt('clusterIP', amSvc.clusterIP),
            ...opt('externalIPs', amSvc.externalIPs),
            ...opt('loadBalancerIP', amSvc.loadBalancerIP),
            ...opt('loadBalancerSourceRanges', amSvc.loadBalancerSourceRanges),
            ...(type !== 'ClusterIP' ? { externalTrafficPolicy: amSvc.externalTrafficPolicy } : {}),
            ports: [
              { name: str(amSpec.portName), ...(type === 'NodePort' ? { nodePort: amSvc.nodePort } : {}), port: amSvc.port, targetPort: amSvc.targetPort, protocol: 'TCP' },
              { name: 'reloader-web', ...(versionAtLeast(kubeTargetVersion, '1.20.0') ? { appProtocol: 'http' } : {}), port: 8080, targetPort: 'reloader-web' },
              ...arr(amSvc.additionalPorts),
            ],
            selector: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: amCr },
            ...opt('sessionAffinity', amSvc.sessionAffinity),
            type,
            ...(truthy(ipDual.enabled) ? { ipFamilies: ipDual.ipFamilies, ipFamilyPolicy: ipDual.ipFamilyPolicy } : {}),
          },
        }, obj(amSvc.annotations)),
      );
    }
    objects.push(object('monitoring.coreos.com/v1', 'Alertmanager', amCr, amNs, { ...amLabels, ...obj(am.additionalLabels) }, { spec: alertmanagerSpec(v, { fn, ns, release, amCr, saName, pullSecrets, global }) }, obj(am.annotations)));
    const amSm = obj(am.serviceMonitor);
    if (truthy(amSm.selfMonitor)) {
      const common = (): Obj => ({ ...opt('interval', amSm.interval), ...opt('proxyUrl', amSm.proxyUrl), ...opt('scheme', amSm.scheme) });
      const relabel = (): Obj => ({ ...opt('metricRelabelings', t(amSm.metricRelabelings)), ...opt('relabelings', amSm.relabelings) });
      sm(`${fn}-alertmanager`, amNs, { ...amLabels, ...obj(amSm.additionalLabels) }, {
        ...scrapeLimits(amSm),
        selector: { matchLabels: { app: `${name}-alertmanager`, release, 'self-monitor': 'true' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [
          { port: str(amSpec.portName), enableHttp2: amSm.enableHttp2, ...common(), ...opt('bearerTokenFile', amSm.bearerTokenFile), ...opt('tlsConfig', amSm.tlsConfig), path: `${str(amSpec.routePrefix).replace(/\/$/, '')}/metrics`, ...relabel() },
          { port: 'reloader-web', ...common(), ...opt('tlsConfig', amSm.tlsConfig), path: '/metrics', ...relabel() },
        ],
      });
    }
  }

  // ---- Exporters (templates/exporters/): Services in kube-system, ServiceMonitors in the release namespace ----
  const smNs = (alt: string) => (ignoreNsSelectors ? alt : ns);
  const kas = obj(v.kubeApiServer);
  const kasSm = obj(kas.serviceMonitor);
  if (truthy(kas.enabled) && truthy(kasSm.enabled) && monitors) {
    sm(`${fn}-apiserver`, smNs('default'), { app: `${name}-apiserver`, ...obj(kasSm.additionalLabels), ...labels }, {
      ...scrapeLimits(kasSm),
      endpoints: [
        {
          bearerTokenFile: SA_TOKEN,
          ...opt('interval', kasSm.interval),
          ...opt('proxyUrl', kasSm.proxyUrl),
          port: 'https',
          scheme: 'https',
          ...opt('metricRelabelings', t(kasSm.metricRelabelings)),
          ...opt('relabelings', t(kasSm.relabelings)),
          tlsConfig: { caFile: SA_CA, serverName: obj(kas.tlsConfig).serverName, insecureSkipVerify: obj(kas.tlsConfig).insecureSkipVerify },
        },
      ],
      jobLabel: kasSm.jobLabel,
      ...opt('targetLabels', kasSm.targetLabels),
      namespaceSelector: { matchNames: ['default'] },
      selector: kasSm.selector,
    });
  }
  const kubelet = obj(v.kubelet);
  const ksm0 = obj(kubelet.serviceMonitor);
  if (truthy(kubelet.enabled) && truthy(ksm0.enabled) && monitors) {
    const scheme = truthy(ksm0.https) ? 'https' : 'http';
    const auth = truthy(ksm0.https) ? { tlsConfig: { caFile: SA_CA, insecureSkipVerify: ksm0.insecureSkipVerify }, bearerTokenFile: SA_TOKEN } : {};
    const common = (): Obj => ({ port: `${scheme}-metrics`, scheme });
    const timing = (interval: unknown): Obj => ({ ...opt('interval', interval), ...opt('proxyUrl', ksm0.proxyUrl), ...opt('scrapeTimeout', ksm0.scrapeTimeout) });
    const honorTs = truthy(ksm0.trackTimestampsStaleness) ? true : ksm0.honorTimestamps;
    const relabel = (m: unknown, r: unknown): Obj => ({ ...opt('metricRelabelings', t(m)), ...opt('relabelings', t(r)) });
    sm(`${fn}-kubelet`, smNs(str(kubelet.namespace)), { app: `${name}-kubelet`, ...obj(ksm0.additionalLabels), ...labels }, {
      ...scrapeLimits(ksm0),
      ...opt('attachMetadata', ksm0.attachMetadata),
      jobLabel: 'k8s-app',
      ...opt('targetLabels', ksm0.targetLabels),
      namespaceSelector: { matchNames: [kubelet.namespace] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' } },
      endpoints: [
        ...(truthy(ksm0.kubelet) ? [{ ...common(), ...timing(ksm0.interval), ...auth, honorLabels: ksm0.honorLabels, honorTimestamps: ksm0.honorTimestamps, ...relabel(ksm0.metricRelabelings, ksm0.relabelings) }] : []),
        ...(truthy(ksm0.cAdvisor) ? [{ ...common(), path: '/metrics/cadvisor', ...timing(truthy(ksm0.interval) ? ksm0.interval : ksm0.cAdvisorInterval), honorLabels: ksm0.honorLabels, honorTimestamps: honorTs, trackTimestampsStaleness: ksm0.trackTimestampsStaleness, ...auth, ...relabel(ksm0.cAdvisorMetricRelabelings, ksm0.cAdvisorRelabelings) }] : []),
        ...(truthy(ksm0.probes) ? [{ ...common(), path: '/metrics/probes', ...timing(ksm0.interval), honorLabels: ksm0.honorLabels, honorTimestamps: ksm0.honorTimestamps, ...auth, ...relabel(ksm0.probesMetricRelabelings, ksm0.probesRelabelings) }] : []),
        ...(truthy(ksm0.resource) ? [{ ...common(), path: ksm0.resourcePath, ...timing(truthy(ksm0.interval) ? ksm0.interval : ksm0.resourceInterval), honorLabels: ksm0.honorLabels, honorTimestamps: honorTs, trackTimestampsStaleness: ksm0.trackTimestampsStaleness, ...auth, ...relabel(ksm0.resourceMetricRelabelings, ksm0.resourceRelabelings) }] : []),
      ],
    });
  }
  const exporterService = (component: string, e: Obj, port: unknown, targetPort: unknown, defaultSelector: Obj, typed = true) => {
    const svc = obj(e.service);
    const ipDual = obj(svc.ipDualStack);
    objects.push(
      object('v1', 'Service', `${fn}-${component}`, 'kube-system', { app: `${name}-${component}`, jobLabel: component, ...labels }, {
        spec: {
          clusterIP: 'None',
          ...(truthy(ipDual.enabled) ? { ipFamilies: ipDual.ipFamilies, ipFamilyPolicy: ipDual.ipFamilyPolicy } : {}),
          ports: [{ name: obj(e.serviceMonitor).port, port, protocol: 'TCP', targetPort }],
          ...(truthy(e.endpoints) ? {} : { selector: truthy(svc.selector) ? svc.selector : defaultSelector }),
          ...(typed ? { type: 'ClusterIP' } : {}),
        },
      }),
    );
  };
  const exporterMonitor = (component: string, e: Obj, endpoint: Obj) => {
    const m = obj(e.serviceMonitor);
    sm(`${fn}-${component}`, smNs('kube-system'), { app: `${name}-${component}`, ...obj(m.additionalLabels), ...labels }, {
      jobLabel: m.jobLabel,
      ...opt('targetLabels', m.targetLabels),
      ...scrapeLimits(m),
      selector: truthy(m.selector) ? t(m.selector) : { matchLabels: { app: `${name}-${component}`, release } },
      namespaceSelector: { matchNames: ['kube-system'] },
      endpoints: [{ port: m.port, ...opt('interval', m.interval), ...endpoint, ...opt('metricRelabelings', t(m.metricRelabelings)), ...opt('relabelings', t(m.relabelings)) }],
    });
  };
  const exporterEndpoints = (component: string, k8sApp: string, e: Obj, port: unknown) => {
    if (!truthy(e.endpoints)) return;
    objects.push(object('v1', 'Endpoints', `${fn}-${component}`, 'kube-system', { app: `${name}-${component}`, 'k8s-app': k8sApp, ...labels }, { subsets: [{ addresses: arr(e.endpoints).map((ip) => ({ ip })), ports: [{ name: obj(e.serviceMonitor).port, port, protocol: 'TCP' }] }] }));
  };
  const coreDns = obj(v.coreDns);
  if (truthy(coreDns.enabled) && monitors) {
    const svc = obj(coreDns.service);
    const m = obj(coreDns.serviceMonitor);
    if (truthy(svc.enabled)) exporterService('coredns', { ...coreDns, endpoints: undefined }, svc.port, svc.targetPort, { 'k8s-app': 'kube-dns' }, false);
    if (truthy(m.enabled)) exporterMonitor('coredns', coreDns, { ...opt('proxyUrl', m.proxyUrl), ...opt('bearerTokenFile', m.bearerTokenFile) });
  }
  // kube-controller-manager and kube-scheduler: https on their secure ports from Kubernetes 1.22/1.23 on.
  const insecureScrape = (minKube: string, insecure: unknown, secure: unknown, user: unknown) => (isNil(user) ? (versionAtLeast(kubeVersion, minKube) ? secure : insecure) : user);
  const secureComponent = (key: string, component: string, minKube: string, insecurePort: number, securePort: number, k8sApp: string, defaultSelector: Obj) => {
    const e = obj(v[key]);
    if (!truthy(e.enabled) || !monitors) return;
    const svc = obj(e.service);
    const m = obj(e.serviceMonitor);
    const port = insecureScrape(minKube, insecurePort, securePort, svc.port);
    exporterEndpoints(component, k8sApp, e, port);
    if (truthy(svc.enabled)) exporterService(component, e, port, insecureScrape(minKube, insecurePort, securePort, svc.targetPort), defaultSelector);
    if (truthy(m.enabled)) {
      const https = text(insecureScrape(minKube, false, true, m.https)) === 'true';
      const skip = text(insecureScrape(minKube, null, true, m.insecureSkipVerify)) === 'true';
      exporterMonitor(component, e, {
        bearerTokenFile: SA_TOKEN,
        ...opt('proxyUrl', m.proxyUrl),
        ...(https ? { scheme: 'https', tlsConfig: { caFile: SA_CA, ...(skip ? { insecureSkipVerify: true } : {}), ...opt('serverName', m.serverName) } } : {}),
      });
    }
  };
  secureComponent('kubeControllerManager', 'kube-controller-manager', '1.22.0', 10252, 10257, 'kube-controller-manager', { component: 'kube-controller-manager' });
  secureComponent('kubeScheduler', 'kube-scheduler', '1.23.0', 10251, 10259, 'kube-scheduler', { component: 'kube-scheduler' });
  const kubeProxy = obj(v.kubeProxy);
  if (truthy(kubeProxy.enabled) && monitors) {
    const svc = obj(kubeProxy.service);
    const m = obj(kubeProxy.serviceMonitor);
    exporterEndpoints('kube-proxy', 'kube-proxy', kubeProxy, svc.port);
    if (truthy(svc.enabled)) exporterService('kube-proxy', kubeProxy, svc.port, svc.targetPort, { 'k8s-app': 'kube-proxy' });
    if (truthy(m.enabled)) exporterMonitor('kube-proxy', kubeProxy, { ...opt('bearerTokenFile', m.bearerTokenFile), ...opt('proxyUrl', m.proxyUrl), ...(truthy(m.https) ? { scheme: 'https', tlsConfig: { caFile: SA_CA } } : {}) });
  }
  const etcd = obj(v.kubeEtcd);
  if (truthy(etcd.enabled) && monitors) {
    const svc = obj(etcd.service);
    const m = obj(etcd.serviceMonitor);
    exporterEndpoints('kube-etcd', 'etcd-server', etcd, svc.port);
    if (truthy(svc.enabled)) exporterService('kube-etcd', etcd, svc.port, svc.targetPort, { component: 'etcd' });
    if (truthy(m.enabled)) {
      exporterMonitor('kube-etcd', etcd, {
        ...opt('bearerTokenFile', m.bearerTokenFile),
        ...opt('proxyUrl', m.proxyUrl),
        ...(m.scheme === 'https' ? { scheme: 'https', tlsConfig: { ...copyTruthy(m, ['serverName', 'caFile', 'certFile', 'keyFile']), insecureSkipVerify: m.insecureSkipVerify } } : {}),
      });
    }
  }

  // ---- Default rules (templates/prometheus/rules-1.14/: three of the groups, a few rules each) ----
  const dr = obj(v.defaultRules);
  const drOn = truthy(dr.create) && versionAtLeast(kubeTargetVersion, '1.14.0') && !versionAtLeast(kubeTargetVersion, '9.9.9');
  if (drOn) {
    const groups: Array<[string, string, Obj[]]> = [
      ['general', 'general.rules', [{ alert: 'TargetDown', expr: '100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10', for: '10m', labels: { severity: 'warning' } }, { alert: 'Watchdog', expr: 'vector(1)', labels: { severity: 'none' } }]],
      ['kubernetesApps', 'kubernetes-apps', [{ alert: 'KubePodCrashLooping', expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1', for: '15m', labels: { severity: 'warning' } }]],
      ['node', 'node.rules', [{ record: 'node_namespace_pod:kube_pod_info:', expr: 'topk by (cluster, namespace, pod) (1, max by (cluster, node, namespace, pod) (label_replace(kube_pod_info{job="kube-state-metrics",node!=""}, "pod", "$1", "pod", "(.*)")))' }]],
    ];
    for (const [key, group, rules] of groups) {
      if (!truthy(obj(dr.rules)[key])) continue;
      objects.push(object('monitoring.coreos.com/v1', 'PrometheusRule', trunc(`${fn}-${group}`), ns, { app: name, ...labels, ...obj(dr.labels) }, { spec: { groups: [{ name: group, rules }] } }, obj(dr.annotations)));
    }
  }

  // ---- Grafana: the sub-chart, the stack's datasource and dashboards (templates/grafana/) ----
  const grafanaOn = truthy(obj(v.grafana).enabled);
  // .Values.grafana as the parent's templates see it: coalesced with the sub-chart's defaults when it is enabled.
  const gv = grafanaOn ? subchartValues(v, 'grafana', GRAFANA.file) : obj(v.grafana);
  const grafanaNs = str(gv.namespaceOverride) || ctx.namespace;
  if (grafanaOn) objects.push(...grafanaObjects(ctx, gv));
  const dsSc = obj(obj(gv.sidecar).datasources);
  if ((grafanaOn && truthy(dsSc.enabled)) || truthy(gv.forceDeployDatasources)) {
    const scrapeInterval = str(dsSc.defaultDatasourceScrapeInterval) || str(ps.scrapeInterval) || '30s';
    const routePrefix = str(ps.routePrefix).replace(/^\//, '');
    const datasources: unknown[] = [];
    if (truthy(dsSc.defaultDatasourceEnabled)) {
      datasources.push({
        name: str(dsSc.name),
        type: 'prometheus',
        uid: dsSc.uid,
        url: truthy(dsSc.url) ? dsSc.url : `http://${fn}-prometheus.${ns}:${text(promSvc.port)}/${routePrefix}`,
        access: 'proxy',
        isDefault: dsSc.isDefaultDatasource,
        jsonData: {
          ...obj(t(dsSc.extraJsonData)),
          httpMethod: dsSc.httpMethod,
          timeInterval: scrapeInterval,
          ...opt('timeout', dsSc.timeout),
          ...opt('customQueryParameters', dsSc.customQueryParameters),
          ...(truthy(dsSc.exemplarTraceIdDestinations) ? { exemplarTraceIdDestinations: [exemplar(obj(dsSc.exemplarTraceIdDestinations))] } : {}),
        },
      });
      if (truthy(dsSc.createPrometheusReplicasDatasources)) {
        for (let i = 0; i < Number(ps.replicas ?? 1); i++) {
          datasources.push({
            name: `${str(dsSc.name)}-${i}`,
            type: 'prometheus',
            uid: `${str(dsSc.uid)}-replica-${i}`,
            url: `http://prometheus-${promCr}-${i}.${str(dsSc.prometheusServiceName)}:9090/${routePrefix}`,
            access: 'proxy',
            isDefault: false,
            jsonData: { ...obj(t(dsSc.extraJsonData)), timeInterval: scrapeInterval, ...(truthy(dsSc.exemplarTraceIdDestinations) ? { exemplarTraceIdDestinations: [exemplar(obj(dsSc.exemplarTraceIdDestinations))] } : {}) },
          });
        }
      }
    }
    const amDs = obj(dsSc.alertmanager);
    if (truthy(amDs.enabled)) {
      datasources.push({
        name: str(amDs.name),
        type: 'alertmanager',
        uid: amDs.uid,
        url: truthy(amDs.url) ? amDs.url : `http://${fn}-alertmanager.${ns}:${text(obj(am.service).port)}/${str(amSpec.routePrefix).replace(/^\//, '')}`,
        access: 'proxy',
        jsonData: { handleGrafanaManagedAlerts: amDs.handleGrafanaManagedAlerts, implementation: amDs.implementation },
      });
    }
    datasources.push(...arr(t(gv.additionalDataSources)));
    if (truthy(gv.additionalDataSourcesString)) datasources.push(...arr(parse(tpl(str(gv.additionalDataSourcesString), release, ns))));
    const doc = { apiVersion: 1, ...(truthy(gv.deleteDatasources) ? { deleteDatasources: t(gv.deleteDatasources) } : {}), ...opt('prune', gv.prune), datasources };
    objects.push(object('v1', 'ConfigMap', `${fn}-grafana-datasource`, grafanaNs, { [tpl(str(dsSc.label), release, ns)]: tpl(text(dsSc.labelValue), release, ns), app: `${name}-grafana`, ...labels }, { data: { 'datasource.yaml': toYaml(doc) } }, obj(dsSc.annotations)));
  }
  const dashSc = obj(obj(gv.sidecar).dashboards);
  if ((grafanaOn || truthy(gv.forceDeployDashboards)) && truthy(gv.defaultDashboardsEnabled) && versionAtLeast(kubeTargetVersion, '1.14.0') && !versionAtLeast(kubeTargetVersion, '9.9.9')) {
    for (const [key, enabled] of DASHBOARDS) {
      if (!enabled(v)) continue;
      const dLabels = { ...(truthy(dashSc.label) ? { [tpl(str(dashSc.label), release, ns)]: tpl(text(dashSc.labelValue), release, ns) || '1' } : {}), app: `${name}-grafana`, ...labels };
      objects.push(object('v1', 'ConfigMap', trunc(`${fn}-${key}`), grafanaNs, dLabels, { data: { [`${key}.json`]: placeholderDashboard(key) } }, obj(dashSc.annotations)));
    }
  }

  // ---- kube-state-metrics and prometheus-node-exporter sub-charts ----
  if (truthy(obj(v.kubeStateMetrics).enabled)) objects.push(...kubeStateMetricsObjects(ctx, subchartValues(v, 'kube-state-metrics', KSM.file)));
  if (truthy(obj(v.nodeExporter).enabled)) objects.push(...nodeExporterObjects(ctx, subchartValues(v, 'prometheus-node-exporter', NODE_EXPORTER.file)));

  const crds = truthy(obj(v.crds).enabled) ? operatorCrds() : [];
  const grafanaSecret = fullname(release, GRAFANA.chart, gv);
  const notes = [
    `${CHART} has been installed. Check its status by running:`,
    `  kubectl --namespace ${ns} get pods -l "release=${release}"`,
    '',
    ...(grafanaOn
      ? [
          "Get Grafana 'admin' user password by running:",
          '',
          `  kubectl --namespace ${grafanaNs} get secrets ${grafanaSecret} -o jsonpath="{.data.admin-password}" | base64 -d ; echo`,
          '',
          'Access Grafana local instance:',
          '',
          `  export POD_NAME=$(kubectl --namespace ${grafanaNs} get pod -l "app.kubernetes.io/name=grafana,app.kubernetes.io/instance=${release}" -oname)`,
          `  kubectl --namespace ${grafanaNs} port-forward $POD_NAME 3000`,
          '',
        ]
      : []),
    'Visit https://github.com/prometheus-operator/kube-prometheus for instructions on how to create & configure Alertmanager and Prometheus instances using the Operator.',
  ].join('\n');
  // Plain data, as a template's text is: no object shared between two places (YAML would alias it), no undefined.
  return { crds, objects: objects.map((o) => JSON.parse(JSON.stringify(o)) as KubeObject), notes };
}

/** `tpl` applied to every string of a value (the charts' `tpl (toYaml .X) $`). */
function tplDeep<T>(v: T, release: string, ns: string): T {
  if (typeof v === 'string') return tpl(v, release, ns) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => tplDeep(x, release, ns)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, tplDeep(x, release, ns)])) as T;
  return v;
}

const exemplar = (e: Obj): Obj => ({ datasourceUid: e.datasourceUid, name: e.traceIdLabelName, urlDisplayLabel: e.urlDisplayLabel });

/** prometheus/additionalScrapeConfigs.yaml, additionalAlertmanagerConfigs.yaml, additionalAlertRelabelConfigs.yaml. */
function additionalPrometheusSecrets(ps: Obj, fn: string, name: string, labels: Obj, ns: string, release: string): KubeObject[] {
  const out: KubeObject[] = [];
  const annotations = obj(ps.additionalPrometheusSecretsAnnotations);
  const secret = (suffix: string, key: string, body: string) => out.push(object('v1', 'Secret', `${fn}-prometheus-${suffix}`, ns, { app: `${name}-prometheus-${suffix}`, ...labels }, { data: { [key]: b64(tpl(body, release, ns)) } }, annotations));
  if (truthy(ps.additionalScrapeConfigs)) secret('scrape-confg', 'additional-scrape-configs.yaml', typeof ps.additionalScrapeConfigs === 'string' ? ps.additionalScrapeConfigs : toYaml(ps.additionalScrapeConfigs));
  if (truthy(ps.additionalAlertManagerConfigs)) secret('am-confg', 'additional-alertmanager-configs.yaml', toYaml(ps.additionalAlertManagerConfigs));
  if (truthy(ps.additionalAlertRelabelConfigs)) secret('am-relabel-confg', 'additional-alert-relabel-configs.yaml', toYaml(ps.additionalAlertRelabelConfigs));
  return out;
}

interface PromCtx {
  fn: string;
  ns: string;
  release: string;
  promCr: string;
  saName: string;
  agent: boolean;
  global: Obj;
  pullSecrets: unknown[];
}

/** The spec of the Prometheus (or PrometheusAgent) resource, as prometheus/prometheus.yaml writes it. */
function prometheusSpec(v: Obj, c: PromCtx): Obj {
  const prom = obj(v.prometheus);
  const ps = obj(prom.prometheusSpec);
  const am = obj(v.alertmanager);
  const amSpec = obj(am.alertmanagerSpec);
  const t = <T>(x: T): T => tplDeep(x, c.release, c.ns);
  const s: Obj = {};
  const notAgent = !c.agent;
  if (!isNil(ps.automountServiceAccountToken)) s.automountServiceAccountToken = ps.automountServiceAccountToken;
  if (notAgent && !truthy(ps.disableAlerting) && (truthy(ps.alertingEndpoints) || truthy(am.enabled))) {
    s.alerting = {
      alertmanagers: truthy(ps.alertingEndpoints)
        ? ps.alertingEndpoints
        : [{ namespace: c.ns, name: `${c.fn}-alertmanager`, port: amSpec.portName, ...(truthy(amSpec.routePrefix) ? { pathPrefix: str(amSpec.routePrefix) } : {}), ...opt('scheme', amSpec.scheme), ...opt('tlsConfig', amSpec.tlsConfig), apiVersion: am.apiVersion }],
    };
  }
  Object.assign(s, copyTruthy(ps, ['apiserverConfig']));
  const img = obj(ps.image);
  if (truthy(ps.image)) {
    const registry = str(c.global.imageRegistry) || str(img.registry);
    s.image = `${registry}/${str(img.repository)}${truthy(img.tag) ? `:${str(img.tag)}` : ''}${truthy(img.sha) ? `@sha256:${str(img.sha)}` : ''}`;
    s.imagePullPolicy = text(img.pullPolicy);
    s.version = text(truthy(ps.version) ? ps.version : img.tag);
  }
  Object.assign(s, copyTruthy(ps, ['additionalArgs']));
  if (truthy(ps.externalLabels)) s.externalLabels = t(ps.externalLabels);
  if (truthy(ps.prometheusExternalLabelNameClear)) s.prometheusExternalLabelName = '';
  else if (truthy(ps.prometheusExternalLabelName)) s.prometheusExternalLabelName = str(ps.prometheusExternalLabelName);
  if (truthy(ps.replicaExternalLabelNameClear)) s.replicaExternalLabelName = '';
  else if (truthy(ps.replicaExternalLabelName)) s.replicaExternalLabelName = str(ps.replicaExternalLabelName);
  Object.assign(s, copyTruthy(ps, ['enableRemoteWriteReceiver']));
  const ingress = obj(prom.ingress);
  const route = obj(obj(prom.route).main);
  if (truthy(ps.externalUrl)) s.externalUrl = tpl(str(ps.externalUrl), c.release, c.ns);
  else if (truthy(ingress.enabled) && truthy(ingress.hosts)) s.externalUrl = `${truthy(ingress.tls) ? 'https' : 'http'}://${tpl(str(arr(ingress.hosts)[0]), c.release, c.ns)}${str(ps.routePrefix)}`;
  else if (truthy(route.enabled) && truthy(route.hostnames)) s.externalUrl = `http://${tpl(str(arr(route.hostnames)[0]), c.release, c.ns)}${str(ps.routePrefix)}`;
  else s.externalUrl = `http://${c.fn}-prometheus.${c.ns}:${text(obj(prom.service).port)}`;
  Object.assign(s, copyTruthy(ps, ['nodeSelector']));
  s.paused = ps.paused;
  s.replicas = ps.replicas;
  if (!isNil(ps.shards)) s.shards = ps.shards;
  s.logLevel = text(ps.logLevel);
  s.logFormat = ps.logFormat;
  s.listenLocal = ps.listenLocal;
  s.enableOTLPReceiver = ps.enableOTLPReceiver;
  if (notAgent) s.enableAdminAPI = ps.enableAdminAPI;
  Object.assign(s, copyTruthy(ps, ['web']));
  if (notAgent) Object.assign(s, copyTruthy(ps, ['exemplars']));
  if (truthy(ps.enableFeatures)) s.enableFeatures = arr(ps.enableFeatures).map((f) => tpl(str(f), c.release, c.ns));
  Object.assign(s, copyTruthy(ps, ['otlp']));
  if (truthy(ps.scrapeClasses)) s.scrapeClasses = t(ps.scrapeClasses);
  if (truthy(ps.podTargetLabels)) s.podTargetLabels = t(ps.podTargetLabels);
  Object.assign(s, copyTruthy(ps, ['scrapeFailureLogFile', 'scrapeInterval', 'scrapeProtocols', 'scrapeTimeout', 'convertClassicHistogramsToNHCB', 'scrapeClassicHistograms', 'scrapeNativeHistograms']));
  if (notAgent) Object.assign(s, copyTruthy(ps, ['evaluationInterval']));
  Object.assign(s, copyTruthy(ps, ['resources']));
  if (notAgent) {
    s.retention = text(ps.retention);
    if (truthy(ps.retentionSize)) s.retentionSize = text(ps.retentionSize);
  }
  if (truthy(ps.tsdb)) s.tsdb = truthy(obj(ps.tsdb).outOfOrderTimeWindow) ? { outOfOrderTimeWindow: obj(ps.tsdb).outOfOrderTimeWindow } : null;
  s.walCompression = ps.walCompression !== false;
  if (truthy(ps.routePrefix)) s.routePrefix = text(ps.routePrefix);
  if (truthy(ps.secrets)) s.secrets = t(ps.secrets);
  if (truthy(ps.configMaps)) s.configMaps = t(ps.configMaps);
  if (truthy(ps.serviceName)) s.serviceName = tpl(str(ps.serviceName), c.release, c.ns);
  s.serviceAccountName = c.saName;
  const byRelease = { matchLabels: { release: c.release } };
  const selector = (explicit: unknown, nilUsesHelm: unknown): unknown => (truthy(explicit) ? t(explicit) : truthy(nilUsesHelm) ? byRelease : {});
  s.serviceMonitorSelector = selector(ps.serviceMonitorSelector, ps.serviceMonitorSelectorNilUsesHelmValues);
  s.serviceMonitorNamespaceSelector = truthy(ps.serviceMonitorNamespaceSelector) ? t(ps.serviceMonitorNamespaceSelector) : {};
  s.podMonitorSelector = selector(ps.podMonitorSelector, ps.podMonitorSelectorNilUsesHelmValues);
  s.podMonitorNamespaceSelector = truthy(ps.podMonitorNamespaceSelector) ? t(ps.podMonitorNamespaceSelector) : {};
  s.probeSelector = selector(ps.probeSelector, ps.probeSelectorNilUsesHelmValues);
  s.probeNamespaceSelector = truthy(ps.probeNamespaceSelector) ? t(ps.probeNamespaceSelector) : {};
  if (notAgent && (truthy(ps.remoteRead) || truthy(ps.additionalRemoteRead))) s.remoteRead = [...arr(t(ps.remoteRead)), ...arr(ps.additionalRemoteRead)];
  if (truthy(ps.remoteWrite) || truthy(ps.additionalRemoteWrite)) s.remoteWrite = [...arr(t(ps.remoteWrite)), ...arr(ps.additionalRemoteWrite)];
  Object.assign(s, copyTruthy(ps, ['securityContext', 'dnsConfig', 'dnsPolicy']));
  if (notAgent) {
    s.ruleNamespaceSelector = truthy(ps.ruleNamespaceSelector) ? t(ps.ruleNamespaceSelector) : {};
    if (truthy(ps.ruleSelector)) s.ruleSelector = t(ps.ruleSelector);
    else if (truthy(ps.ruleSelectorNilUsesHelmValues)) s.ruleSelector = byRelease;
    else if (!isNil(ps.ruleSelector)) s.ruleSelector = {};
  }
  if (truthy(ps.scrapeConfigSelector)) s.scrapeConfigSelector = t(ps.scrapeConfigSelector);
  else if (truthy(ps.scrapeConfigSelectorNilUsesHelmValues)) s.scrapeConfigSelector = byRelease;
  else if (!isNil(ps.scrapeConfigSelector)) s.scrapeConfigSelector = {};
  if (truthy(ps.scrapeConfigNamespaceSelector)) s.scrapeConfigNamespaceSelector = t(ps.scrapeConfigNamespaceSelector);
  else if (!isNil(ps.scrapeConfigNamespaceSelector)) s.scrapeConfigNamespaceSelector = {};
  if (truthy(ps.storageSpec)) s.storage = t(ps.storageSpec);
  Object.assign(s, copyTruthy(ps, ['persistentVolumeClaimRetentionPolicy']));
  if (truthy(ps.podMetadata)) s.podMetadata = t(ps.podMetadata);
  if (notAgent) Object.assign(s, copyTruthy(ps, ['query']));
  if (truthy(ps.podAntiAffinity) || truthy(ps.affinity)) {
    const exprs = [
      { key: 'app.kubernetes.io/name', operator: 'In', values: [c.agent ? 'prometheus-agent' : 'prometheus'] },
      { key: 'app.kubernetes.io/instance', operator: 'In', values: [c.promCr] },
    ];
    const topologyKey = ps.podAntiAffinityTopologyKey;
    s.affinity = {
      ...obj(ps.affinity),
      ...(ps.podAntiAffinity === 'hard' ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchExpressions: exprs } }] } } : {}),
      ...(ps.podAntiAffinity === 'soft' ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey, labelSelector: { matchExpressions: exprs } } }] } } : {}),
    };
  }
  Object.assign(s, copyTruthy(ps, ['tolerations', 'topologySpreadConstraints']));
  if (c.pullSecrets.length) s.imagePullSecrets = c.pullSecrets;
  if (truthy(ps.additionalScrapeConfigs)) s.additionalScrapeConfigs = { name: `${c.fn}-prometheus-scrape-confg`, key: 'additional-scrape-configs.yaml' };
  const extraScrape = obj(ps.additionalScrapeConfigsSecret);
  if (truthy(extraScrape.enabled)) s.additionalScrapeConfigs = { name: tpl(str(extraScrape.name), c.release, c.ns), key: extraScrape.key };
  if (notAgent) {
    const amcs = obj(ps.additionalAlertManagerConfigsSecret);
    if (truthy(ps.additionalAlertManagerConfigs) || truthy(ps.additionalAlertManagerConfigsSecret)) {
      s.additionalAlertManagerConfigs = {
        ...(truthy(ps.additionalAlertManagerConfigs) ? { name: `${c.fn}-prometheus-am-confg`, key: 'additional-alertmanager-configs.yaml' } : {}),
        ...(truthy(ps.additionalAlertManagerConfigsSecret) ? { name: tpl(str(amcs.name), c.release, c.ns), key: amcs.key, ...('optional' in amcs ? { optional: amcs.optional } : {}) } : {}),
      };
    }
    if (truthy(ps.additionalAlertRelabelConfigs)) s.additionalAlertRelabelConfigs = { name: `${c.fn}-prometheus-am-relabel-confg`, key: 'additional-alert-relabel-configs.yaml' };
    const arcs = obj(ps.additionalAlertRelabelConfigsSecret);
    if (truthy(ps.additionalAlertRelabelConfigsSecret)) s.additionalAlertRelabelConfigs = { name: tpl(str(arcs.name), c.release, c.ns), key: arcs.key };
  }
  if (truthy(ps.containers)) s.containers = t(ps.containers);
  if (truthy(ps.initContainers)) s.initContainers = t(ps.initContainers);
  Object.assign(s, copyTruthy(ps, ['priorityClassName']));
  if (notAgent) {
    const thanos = obj(ps.thanos);
    if (truthy(ps.thanos)) {
      const { image: thanosImage, objectStorageConfig: osc0, secretProviderClass: _spc, ...rest } = thanos;
      const osc = obj(osc0);
      s.thanos = {
        ...(truthy(thanosImage) ? { image: thanosImage } : {}),
        ...rest,
        ...(truthy(obj(osc.existingSecret)) ? { objectStorageConfig: { key: text(obj(osc.existingSecret).key), name: text(obj(osc.existingSecret).name) } } : truthy(osc.secret) ? { objectStorageConfig: { key: 'object-storage-configs.yaml', name: `${c.fn}-prometheus` } } : {}),
      };
    }
    Object.assign(s, copyTruthy(ps, ['disableCompaction']));
  }
  s.portName = ps.portName;
  Object.assign(s, copyTruthy(ps, ['volumes', 'volumeMounts', 'arbitraryFSAccessThroughSMs', 'overrideHonorLabels', 'overrideHonorTimestamps', 'ignoreNamespaceSelectors']));
  if (truthy(ps.enforcedNamespaceLabel)) {
    s.enforcedNamespaceLabel = ps.enforcedNamespaceLabel;
    if (notAgent) s.prometheusRulesExcludedFromEnforce = arr(ps.prometheusRulesExcludedFromEnforce);
    s.excludedFromEnforcement = typeof ps.excludedFromEnforcement === 'string' ? arr(parse(tpl(ps.excludedFromEnforcement, c.release, c.ns))) : arr(t(ps.excludedFromEnforcement));
  }
  if (notAgent) Object.assign(s, copyTruthy(ps, ['queryLogFile']));
  Object.assign(
    s,
    copyTruthy(ps, ['sampleLimit', 'targetLimit', 'labelLimit', 'labelNameLengthLimit', 'labelValueLengthLimit', 'keepDroppedTargets', 'bodySizeLimit', 'enforcedBodySizeLimit', 'enforcedKeepDroppedTargets', 'enforcedSampleLimit', 'enforcedTargetLimit', 'enforcedLabelLimit', 'enforcedLabelNameLengthLimit', 'enforcedLabelValueLengthLimit']),
  );
  if (notAgent) Object.assign(s, copyTruthy(ps, ['allowOverlappingBlocks']));
  Object.assign(s, copyTruthy(ps, ['nameValidationScheme', 'minReadySeconds', 'podManagementPolicy', 'updateStrategy', 'terminationGracePeriodSeconds', 'maximumStartupDurationSeconds']));
  s.hostNetwork = ps.hostNetwork;
  if (typeof ps.hostUsers === 'boolean') s.hostUsers = ps.hostUsers;
  Object.assign(s, copyTruthy(ps, ['hostAliases', 'tracingConfig', 'serviceDiscoveryRole']));
  if (typeof ps.enableServiceLinks === 'boolean') s.enableServiceLinks = ps.enableServiceLinks;
  Object.assign(s, copyTruthy(ps, ['schedulerName', 'nameEscapingScheme', 'reloadStrategy']));
  if (truthy(ps.ruleQueryOffset)) s.ruleQueryOffset = text(ps.ruleQueryOffset);
  Object.assign(s, copyTruthy(ps, ['runtime', 'shardingStrategy', 'shardRetentionPolicy', 'remoteWriteReceiverMessageVersions']));
  if (truthy(ps.additionalConfig)) Object.assign(s, t(obj(ps.additionalConfig)));
  if (truthy(ps.additionalConfigString)) Object.assign(s, obj(parse(tpl(str(ps.additionalConfigString), c.release, c.ns))));
  return s;
}

interface AmCtx {
  fn: string;
  ns: string;
  release: string;
  amCr: string;
  saName: string;
  pullSecrets: unknown[];
  global: Obj;
}

/** The spec of the Alertmanager resource, as alertmanager/alertmanager.yaml writes it. */
function alertmanagerSpec(v: Obj, c: AmCtx): Obj {
  const am = obj(v.alertmanager);
  const a = obj(am.alertmanagerSpec);
  const img = obj(a.image);
  const t = <T>(x: T): T => tplDeep(x, c.release, c.ns);
  const s: Obj = {};
  if (truthy(a.image)) {
    const registry = str(c.global.imageRegistry) || str(img.registry);
    const repo = `${registry}/${str(img.repository)}`;
    s.image = truthy(img.tag) && truthy(img.sha) ? `${repo}:${str(img.tag)}@sha256:${str(img.sha)}` : truthy(img.sha) ? `${repo}@sha256:${str(img.sha)}` : truthy(img.tag) ? `${repo}:${str(img.tag)}` : repo;
    s.imagePullPolicy = text(img.pullPolicy);
    s.version = text(truthy(a.version) ? a.version : img.tag);
    if (truthy(img.sha)) s.sha = img.sha;
  }
  s.replicas = a.replicas;
  s.listenLocal = a.listenLocal;
  if (truthy(a.serviceName)) s.serviceName = tpl(str(a.serviceName), c.release, c.ns);
  s.serviceAccountName = c.saName;
  s.automountServiceAccountToken = a.automountServiceAccountToken;
  const ingress = obj(am.ingress);
  const route = obj(obj(am.route).main);
  if (truthy(a.externalUrl)) s.externalUrl = tpl(str(a.externalUrl), c.release, c.ns);
  else if (truthy(ingress.enabled) && truthy(ingress.hosts)) s.externalUrl = `http://${tpl(str(arr(ingress.hosts)[0]), c.release, c.ns)}${str(a.routePrefix)}`;
  else if (truthy(route.enabled) && truthy(route.hostnames)) s.externalUrl = `http://${tpl(str(arr(route.hostnames)[0]), c.release, c.ns)}${str(a.routePrefix)}`;
  else s.externalUrl = `http://${c.fn}-alertmanager.${c.ns}:${text(obj(am.service).port)}`;
  Object.assign(s, copyTruthy(a, ['nodeSelector']));
  s.paused = a.paused;
  s.logFormat = text(a.logFormat);
  s.logLevel = text(a.logLevel);
  s.retention = text(a.retention);
  Object.assign(s, copyTruthy(am, ['enableFeatures']), copyTruthy(a, ['secrets', 'configSecret', 'configMaps']));
  s.alertmanagerConfigSelector = truthy(a.alertmanagerConfigSelector) ? t(a.alertmanagerConfigSelector) : {};
  s.alertmanagerConfigNamespaceSelector = truthy(a.alertmanagerConfigNamespaceSelector) ? t(a.alertmanagerConfigNamespaceSelector) : {};
  Object.assign(s, copyTruthy(a, ['web', 'alertmanagerConfiguration', 'alertmanagerConfigMatcherStrategy', 'resources']));
  if (truthy(a.routePrefix)) s.routePrefix = text(a.routePrefix);
  Object.assign(s, copyTruthy(a, ['securityContext']));
  if (typeof a.hostUsers === 'boolean') s.hostUsers = a.hostUsers;
  Object.assign(s, copyTruthy(a, ['dnsConfig', 'dnsPolicy']));
  if (truthy(a.storage)) s.storage = t(a.storage);
  Object.assign(s, copyTruthy(a, ['persistentVolumeClaimRetentionPolicy', 'podMetadata']));
  if (truthy(a.podAntiAffinity) || truthy(a.affinity)) {
    const exprs = [
      { key: 'app.kubernetes.io/name', operator: 'In', values: ['alertmanager'] },
      { key: 'alertmanager', operator: 'In', values: [c.amCr] },
    ];
    const topologyKey = a.podAntiAffinityTopologyKey;
    s.affinity = {
      ...obj(a.affinity),
      ...(a.podAntiAffinity === 'hard' ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchExpressions: exprs } }] } } : {}),
      ...(a.podAntiAffinity === 'soft' ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey, labelSelector: { matchExpressions: exprs } } }] } } : {}),
    };
  }
  Object.assign(s, copyTruthy(a, ['tolerations', 'topologySpreadConstraints']));
  if (c.pullSecrets.length) s.imagePullSecrets = c.pullSecrets;
  Object.assign(s, copyTruthy(a, ['containers', 'initContainers', 'priorityClassName', 'additionalPeers', 'volumes', 'volumeMounts']));
  s.portName = a.portName;
  Object.assign(s, copyTruthy(a, ['clusterAdvertiseAddress', 'clusterGossipInterval', 'clusterPeerTimeout', 'clusterPushpullInterval', 'clusterLabel', 'forceEnableClusterMode', 'minReadySeconds', 'podManagementPolicy', 'updateStrategy']));
  s.hostNetwork = a.hostNetwork;
  Object.assign(s, copyTruthy(a, ['terminationGracePeriodSeconds']));
  if (typeof a.enableServiceLinks === 'boolean') s.enableServiceLinks = a.enableServiceLinks;
  Object.assign(s, copyTruthy(a, ['schedulerName', 'hostAliases', 'limits', 'clusterTLS']));
  if (truthy(a.additionalConfig)) Object.assign(s, t(obj(a.additionalConfig)));
  if (truthy(a.additionalConfigString)) Object.assign(s, obj(parse(tpl(str(a.additionalConfigString), c.release, c.ns))));
  Object.assign(s, copyTruthy(a, ['additionalArgs']));
  return s;
}

// ---- grafana 12.11.1 (grafana-community/helm-charts charts/grafana) ----------------------------------------

/** The grafana.ini text of `grafana.configData`: top-level keys, then [sections], each sorted as Go ranges maps. */
function grafanaIni(gv: Obj, release: string, ns: string): string {
  const val = (x: unknown): string => {
    if (isNil(x)) return '';
    if (Array.isArray(x)) return JSON.stringify(x);
    if (typeof x === 'string') return grafanaTpl(x, gv, release, ns);
    return text(x);
  };
  const line = (k: string, x: unknown) => (isNil(x) ? `${k} =` : `${k} = ${val(x)}`);
  const entries = sortedEntries(gv['grafana.ini']);
  const isMap = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x);
  const lines: string[] = [];
  for (const [k, x] of entries) if (!isMap(x)) lines.push(line(k, x));
  for (const [k, x] of entries) {
    if (!isMap(x)) continue;
    lines.push(`[${k}]`);
    for (const [k2, x2] of sortedEntries(x)) lines.push(line(k2, x2));
  }
  return `${lines.join('\n')}\n`;
}

/** `tpl` of grafana.ini strings: the chart's default `server.domain` template, else the Release placeholders. */
function grafanaTpl(s: string, gv: Obj, release: string, ns: string): string {
  if (s.includes('.Values.ingress.enabled') && s.includes('.Values.route.main')) {
    const ingress = obj(gv.ingress);
    const route = obj(obj(gv.route).main);
    if (truthy(ingress.enabled) && truthy(ingress.hosts)) return tpl(str(arr(ingress.hosts)[0]), release, ns);
    if (truthy(route.enabled) && truthy(route.hostnames)) return tpl(str(arr(route.hostnames)[0]), release, ns);
    return "''";
  }
  return tpl(s, release, ns);
}

function grafanaObjects(ctx: RenderContext, gv: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, GRAFANA.chart, gv);
  const gname = chartName(GRAFANA.chart, gv);
  const ns = str(gv.namespaceOverride) || ctx.namespace;
  const t = <T>(x: T): T => tplDeep(x, release, ns);
  const global = obj(gv.global);
  const img = obj(gv.image);
  const selectorLabels = { 'app.kubernetes.io/name': gname, 'app.kubernetes.io/instance': release };
  const version = trunc(str(img.tag).replace(/@sha.*/, '') || GRAFANA.appVersion);
  const labels: Obj = { 'helm.sh/chart': trunc(`${GRAFANA.chart}-${GRAFANA.version}`.replace(/\+/g, '_')), ...selectorLabels, 'app.kubernetes.io/version': version, ...obj(gv.extraLabels) };
  const annotations = obj(gv.annotations);
  const out: KubeObject[] = [];
  const sa = obj(gv.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  if (truthy(sa.create)) out.push(object('v1', 'ServiceAccount', saName, ns, { ...labels, ...obj(sa.labels) }, { automountServiceAccountToken: truthy(sa.autoMount) ? sa.autoMount : sa.automountServiceAccountToken }, t(obj(sa.annotations))));
  const admin = obj(gv.admin);
  const env = obj(gv.env);
  const ldap = obj(gv.ldap);
  const noAdminCreation = truthy(env.GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION);
  const ownAdmin = !truthy(admin.existingSecret) && !truthy(env.GF_SECURITY_ADMIN_PASSWORD__FILE) && !truthy(env.GF_SECURITY_ADMIN_PASSWORD);
  const secretData: Obj = {
    ...(!noAdminCreation && ownAdmin ? { 'admin-user': b64(str(gv.adminUser)), 'admin-password': b64(truthy(gv.adminPassword) ? str(gv.adminPassword) : randAlphaNum(40)) } : {}),
    ...(!truthy(ldap.existingSecret) ? { 'ldap-toml': b64(tpl(str(ldap.config), release, ns)) } : {}),
  };
  const secretText = toYaml(secretData);
  if ((ownAdmin && !noAdminCreation) || (truthy(ldap.enabled) && !truthy(ldap.existingSecret))) {
    out.push(object('v1', 'Secret', full, ns, { ...labels, 'app.kubernetes.io/component': 'admin-secret' }, { type: 'Opaque', data: secretData }, annotations));
  }
  const configData: Obj = {
    ...(truthy(gv.plugins) ? { plugins: arr(gv.plugins).map(String).join(',') } : {}),
    'grafana.ini': grafanaIni(gv, release, ns),
  };
  for (const [k, x] of sortedEntries(gv.datasources)) if (!('secret' in obj(x))) configData[k] = toYaml(t(x));
  for (const [k, x] of sortedEntries(gv.notifiers)) if (!('secret' in obj(x))) configData[k] = toYaml(x);
  for (const [k, x] of sortedEntries(gv.alerting)) if (!('file' in obj(x)) && !('secret' in obj(x)) && !('secretFile' in obj(x))) configData[k] = toYaml(t(x));
  for (const [k, x] of sortedEntries(gv.dashboardProviders)) configData[k] = toYaml(x);
  const configText = toYaml(configData);
  if (truthy(gv.createConfigmap)) out.push(object('v1', 'ConfigMap', full, ns, labels, { data: configData }, { ...annotations, ...obj(gv.configMapAnnotations) }));
  const sidecar = obj(gv.sidecar);
  const dashSc = obj(sidecar.dashboards);
  const dsSc = obj(sidecar.datasources);
  const alertsSc = obj(sidecar.alerts);
  const notifiersSc = obj(sidecar.notifiers);
  const pluginsSc = obj(sidecar.plugins);
  const provider = obj(dashSc.provider);
  const dashFolder = `${str(dashSc.folder)}${truthy(dashSc.defaultFolderName) ? `/${str(dashSc.defaultFolderName)}` : ''}`;
  const providerText = toYaml({
    apiVersion: 1,
    providers: [
      {
        name: text(provider.name),
        orgId: provider.orgid,
        ...(truthy(provider.foldersFromFilesStructure) ? {} : { folder: text(provider.folder), folderUid: text(provider.folderUid) }),
        type: provider.type,
        disableDeletion: provider.disableDelete,
        allowUiUpdates: provider.allowUiUpdates,
        updateIntervalSeconds: truthy(provider.updateIntervalSeconds) ? provider.updateIntervalSeconds : 30,
        options: { foldersFromFilesStructure: provider.foldersFromFilesStructure, path: dashFolder },
      },
    ],
  });
  const scProvider = truthy(dashSc.enabled) && truthy(dashSc.SCProvider);
  if (scProvider) out.push(object('v1', 'ConfigMap', `${full}-config-dashboards`, ns, labels, { data: { 'provider.yaml': providerText } }, annotations));
  const rbac = obj(gv.rbac);
  const anySidecar = truthy(dashSc.enabled) || truthy(dsSc.enabled) || truthy(pluginsSc.enabled);
  if (truthy(rbac.create) && (!truthy(rbac.namespaced) || truthy(rbac.extraClusterRoleRules))) {
    if (!truthy(rbac.useExistingClusterRole)) {
      const withRules = anySidecar || truthy(alertsSc.enabled) || truthy(rbac.extraClusterRoleRules);
      const rules = withRules ? [...(anySidecar || truthy(alertsSc.enabled) ? [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'watch', 'list'] }] : []), ...arr(rbac.extraClusterRoleRules)] : [];
      out.push(object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${full}-clusterrole`, undefined, labels, { rules }, annotations));
    }
    out.push(object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${full}-clusterrolebinding`, undefined, labels, { subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }], roleRef: { kind: 'ClusterRole', name: truthy(rbac.useExistingClusterRole) ? rbac.useExistingClusterRole : `${full}-clusterrole`, apiGroup: 'rbac.authorization.k8s.io' } }, annotations));
  }
  if (truthy(rbac.create) && truthy(rbac.namespaced)) {
    for (const roleNs of [...arr(rbac.namespaces).map(String), ns]) {
      if (!truthy(rbac.useExistingRole)) {
        const rules = anySidecar || truthy(rbac.extraRoleRules) ? [...(anySidecar ? [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'watch', 'list'] }] : []), ...arr(rbac.extraRoleRules)] : [];
        out.push(object('rbac.authorization.k8s.io/v1', 'Role', full, roleNs, labels, { rules }, annotations));
      }
      out.push(object('rbac.authorization.k8s.io/v1', 'RoleBinding', full, roleNs, labels, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: truthy(rbac.useExistingRole) ? rbac.useExistingRole : full }, subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }] }, annotations));
    }
  }
  const svc = obj(gv.service);
  if (truthy(svc.enabled)) {
    const type = str(svc.type);
    out.push(
      object('v1', 'Service', full, ns, { ...labels, ...obj(svc.labels) }, {
        spec: {
          ...(type === 'ClusterIP' || !truthy(type) ? { type: 'ClusterIP', ...opt('clusterIP', svc.clusterIP) } : type === 'LoadBalancer' ? { type, ...copyTruthy(svc, ['loadBalancerIP', 'loadBalancerClass', 'loadBalancerSourceRanges']) } : { type }),
          ...copyTruthy(svc, ['ipFamilyPolicy', 'ipFamilies', 'externalIPs', 'externalTrafficPolicy', 'sessionAffinity', 'trafficDistribution']),
          ports: [
            { name: svc.portName, port: svc.port, protocol: 'TCP', targetPort: gv.podPortName, ...opt('appProtocol', svc.appProtocol), ...(type === 'NodePort' && truthy(svc.nodePort) ? { nodePort: svc.nodePort } : {}) },
            ...arr(t(gv.extraExposePorts)),
          ],
          selector: selectorLabels,
        },
      }, t(obj(svc.annotations))),
    );
  }

  // _pod.tpl
  const secretRef = (key: unknown, dflt: string) => ({ secretKeyRef: { name: tpl(str(admin.existingSecret), release, ns) || full, key: str(key) || dflt } });
  const reqUser = !truthy(env.GF_SECURITY_ADMIN_USER) && !truthy(env.GF_SECURITY_ADMIN_USER__FILE) && !noAdminCreation;
  const reqPassword = !truthy(env.GF_SECURITY_ADMIN_PASSWORD) && !truthy(env.GF_SECURITY_ADMIN_PASSWORD__FILE) && !noAdminCreation;
  const sidecarImage = imageRef(global, obj(sidecar.image), '');
  /** A k8s-sidecar container (alerts, dashboards, datasources, notifiers, plugins; not their init variants). */
  const sidecarContainer = (kind: string, sc: Obj, cname: string, volume: string, folder: string, withValueFrom: boolean, mountPath = folder) => {
    const skipTls = typeof sc.skipTlsVerify === 'boolean' ? sc.skipTlsVerify : sidecar.skipTlsVerify;
    const reload = [
      ...(reqUser ? [{ name: 'REQ_USERNAME', valueFrom: secretRef(admin.userKey, 'admin-user') }] : []),
      ...(reqPassword ? [{ name: 'REQ_PASSWORD', valueFrom: secretRef(admin.passwordKey, 'admin-password') }] : []),
    ];
    const envList: Obj[] = [
      ...sortedEntries(sc.env).map(([k, x]) => ({ name: k, value: text(x) })),
      ...(withValueFrom ? sortedEntries(sc.envValueFrom).map(([k, x]) => ({ name: k, valueFrom: t(x) })) : []),
      ...(truthy(sc.ignoreAlreadyProcessed) ? [{ name: 'IGNORE_ALREADY_PROCESSED', value: 'true' }] : []),
      { name: 'METHOD', value: sc.watchMethod },
      { name: 'LABEL', value: tpl(str(sc.label), release, ns) },
      ...(truthy(sc.labelValue) ? [{ name: 'LABEL_VALUE', value: tpl(text(sc.labelValue), release, ns) }] : []),
      ...(truthy(sidecar.logLevel) || truthy(sc.logLevel) ? [{ name: 'LOG_LEVEL', value: truthy(sc.logLevel) ? sc.logLevel : sidecar.logLevel }] : []),
      { name: 'FOLDER', value: folder },
      { name: 'RESOURCE', value: text(sc.resource) },
      ...(truthy(sc.resourceName) ? [{ name: 'RESOURCE_NAME', value: text(sc.resourceName) }] : []),
      ...(truthy(sidecar.enableUniqueFilenames) ? [{ name: 'UNIQUE_FILENAMES', value: text(sidecar.enableUniqueFilenames) }] : []),
      ...(truthy(sc.searchNamespace) ? [{ name: 'NAMESPACE', value: tpl((Array.isArray(sc.searchNamespace) ? sc.searchNamespace : [sc.searchNamespace]).map(String).join(','), release, ns) }] : []),
      ...(truthy(skipTls) ? [{ name: 'SKIP_TLS_VERIFY', value: 'true' }] : []),
      ...(kind === 'dashboards' && truthy(sc.folderAnnotation) ? [{ name: 'FOLDER_ANNOTATION', value: text(sc.folderAnnotation) }] : []),
      ...(truthy(sc.script) ? [{ name: 'SCRIPT', value: text(sc.script) }] : []),
      // The dashboards sidecar sends the credentials only when it reloads; the others always do.
      ...(kind === 'dashboards' ? (truthy(sc.skipReload) ? [] : reload) : reload),
      ...(truthy(sc.skipReload) ? [] : [{ name: 'REQ_URL', value: sc.reloadURL }, { name: 'REQ_METHOD', value: 'POST' }]),
      ...(truthy(sc.watchServerTimeout) ? [{ name: 'WATCH_SERVER_TIMEOUT', value: text(sc.watchServerTimeout) }] : []),
      ...(truthy(sc.watchClientTimeout) ? [{ name: 'WATCH_CLIENT_TIMEOUT', value: text(sc.watchClientTimeout) }] : []),
      ...(truthy(sc.maxTotalRetries) ? [{ name: 'REQ_RETRY_TOTAL', value: text(sc.maxTotalRetries) }] : []),
      ...(truthy(sc.maxConnectRetries) ? [{ name: 'REQ_RETRY_CONNECT', value: text(sc.maxConnectRetries) }] : []),
      ...(truthy(sc.maxReadRetries) ? [{ name: 'REQ_RETRY_READ', value: text(sc.maxReadRetries) }] : []),
    ];
    return {
      name: cname,
      image: sidecarImage,
      imagePullPolicy: sidecar.imagePullPolicy,
      env: envList,
      ...copyTruthy(sidecar, ['livenessProbe', 'readinessProbe', 'resources', 'securityContext']),
      volumeMounts: [{ name: volume, mountPath }, ...arr(sc.extraMounts)],
    };
  };
  const containers: Obj[] = [];
  if (truthy(alertsSc.enabled) && !truthy(alertsSc.initAlerts)) containers.push(sidecarContainer('alerts', alertsSc, `${gname}-sc-alerts`, 'sc-alerts-volume', '/etc/grafana/provisioning/alerting', true));
  if (truthy(dashSc.enabled) && !truthy(dashSc.initDashboards)) containers.push(sidecarContainer('dashboards', dashSc, `${gname}-sc-dashboard`, 'sc-dashboard-volume', dashFolder, true, str(dashSc.folder)));
  if (truthy(dsSc.enabled) && !truthy(dsSc.initDatasources)) containers.push(sidecarContainer('datasources', dsSc, `${gname}-sc-datasources`, 'sc-datasources-volume', '/etc/grafana/provisioning/datasources', true));
  if (truthy(notifiersSc.enabled) && !truthy(notifiersSc.initNotifiers)) containers.push(sidecarContainer('notifiers', notifiersSc, `${gname}-sc-notifiers`, 'sc-notifiers-volume', '/etc/grafana/provisioning/notifiers', false));
  if (truthy(pluginsSc.enabled)) containers.push(sidecarContainer('plugins', pluginsSc, `${gname}-sc-plugins`, 'sc-plugins-volume', '/etc/grafana/provisioning/plugins', false));
  const persistence = obj(gv.persistence);
  const storageMount = { name: 'storage', mountPath: '/var/lib/grafana', ...(truthy(persistence.subPath) ? { subPath: tpl(str(persistence.subPath), release, ns) } : {}) };
  const ini = obj(gv['grafana.ini']);
  const mountsFor = (dir: string, map: unknown, secretIf: (x: Obj) => boolean) =>
    Object.keys(obj(map))
      .sort()
      .map((k) => ({ name: secretIf(obj(obj(map)[k])) ? 'config-secret' : 'config', mountPath: `/etc/grafana/provisioning/${dir}/${k}`, subPath: k }));
  const grafanaMounts: Obj[] = [
    { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini' },
    ...(truthy(ldap.enabled) ? [{ name: 'ldap', mountPath: '/etc/grafana/ldap.toml', subPath: 'ldap.toml' }] : []),
    ...arr(gv.extraConfigmapMounts).map((m0) => {
      const m = obj(m0);
      return { name: tpl(str(m.name), release, ns), mountPath: tpl(str(m.mountPath), release, ns), subPath: tpl(str(m.subPath), release, ns), readOnly: m.readOnly };
    }),
    storageMount,
    { name: 'search', mountPath: '/var/lib/grafana-search' },
    ...Object.keys(obj(gv.dashboardsConfigMaps))
      .sort()
      .map((p) => ({ name: `dashboards-${p}`, mountPath: `/var/lib/grafana/dashboards/${p}` })),
    ...mountsFor('datasources', gv.datasources, (x) => 'secret' in x),
    ...mountsFor('notifiers', gv.notifiers, (x) => 'secret' in x),
    ...mountsFor('alerting', gv.alerting, (x) => 'secret' in x || 'secretFile' in x),
    ...Object.keys(obj(gv.dashboardProviders))
      .sort()
      .map((k) => ({ name: 'config', mountPath: `/etc/grafana/provisioning/dashboards/${k}`, subPath: k })),
    ...(truthy(alertsSc.enabled) ? [{ name: 'sc-alerts-volume', mountPath: '/etc/grafana/provisioning/alerting' }] : []),
    ...(truthy(dashSc.enabled) ? [{ name: 'sc-dashboard-volume', mountPath: str(dashSc.folder) }, ...(truthy(dashSc.SCProvider) ? [{ name: 'sc-dashboard-provider', mountPath: '/etc/grafana/provisioning/dashboards/sc-dashboardproviders.yaml', subPath: 'provider.yaml' }] : [])] : []),
    ...(truthy(dsSc.enabled) ? [{ name: 'sc-datasources-volume', mountPath: '/etc/grafana/provisioning/datasources' }] : []),
    ...(truthy(pluginsSc.enabled) ? [{ name: 'sc-plugins-volume', mountPath: '/etc/grafana/provisioning/plugins' }] : []),
    ...(truthy(notifiersSc.enabled) ? [{ name: 'sc-notifiers-volume', mountPath: '/etc/grafana/provisioning/notifiers' }] : []),
    ...arr(gv.extraSecretMounts).map((m0) => {
      const m = obj(m0);
      return { name: m.name, mountPath: m.mountPath, readOnly: m.readOnly, subPath: str(m.subPath) };
    }),
    ...arr(gv.extraVolumeMounts).map((m0) => {
      const m = obj(m0);
      return { name: m.name, mountPath: m.mountPath, subPath: str(m.subPath), readOnly: m.readOnly };
    }),
    ...arr(gv.extraEmptyDirMounts).map((m0) => ({ name: obj(m0).name, mountPath: obj(m0).mountPath })),
    ...(truthy(gv.shadowBundledPlugins) ? [{ name: 'shadow-bundled-plugins', mountPath: '/usr/share/grafana/data/plugins-bundled' }] : []),
  ];
  const paths = obj(ini.paths);
  const smtp = obj(gv.smtp);
  const grafanaEnv: Obj[] = [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    ...(reqUser ? [{ name: 'GF_SECURITY_ADMIN_USER', valueFrom: secretRef(admin.userKey, 'admin-user') }] : []),
    ...(reqPassword ? [{ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: secretRef(admin.passwordKey, 'admin-password') }] : []),
    ...(truthy(gv.plugins) ? [{ name: 'GF_PLUGINS_PREINSTALL_SYNC', valueFrom: { configMapKeyRef: { name: full, key: 'plugins' } } }] : []),
    ...(truthy(smtp.existingSecret)
      ? [
          { name: 'GF_SMTP_USER', valueFrom: { secretKeyRef: { name: smtp.existingSecret, key: str(smtp.userKey) || 'user' } } },
          { name: 'GF_SMTP_PASSWORD', valueFrom: { secretKeyRef: { name: smtp.existingSecret, key: str(smtp.passwordKey) || 'password' } } },
        ]
      : []),
    { name: 'GF_PATHS_DATA', value: paths.data },
    { name: 'GF_PATHS_LOGS', value: paths.logs },
    { name: 'GF_PATHS_PLUGINS', value: paths.plugins },
    { name: 'GF_PATHS_PROVISIONING', value: paths.provisioning },
    { name: 'GF_UNIFIED_STORAGE_INDEX_PATH', value: obj(ini.unified_storage).index_path },
    ...(truthy(obj(obj(gv.resources).limits).memory) ? [{ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { divisor: '1', resource: 'limits.memory' } } }] : []),
    ...sortedEntries(gv.envValueFrom).map(([k, x]) => ({ name: k, valueFrom: t(x) })),
    ...sortedEntries(env).map(([k, x]) => ({ name: tpl(k, release, ns), value: tpl(text(x), release, ns) })),
  ];
  const envFrom = [
    ...(truthy(gv.envFromSecret) ? [{ secretRef: { name: tpl(str(gv.envFromSecret), release, ns) } }] : []),
    ...(truthy(gv.envRenderSecret) ? [{ secretRef: { name: `${full}-env` } }] : []),
    ...arr(gv.envFromSecrets).map((x0) => {
      const x = obj(x0);
      return { secretRef: { name: tpl(str(x.name), release, ns), optional: x.optional ?? false }, ...(truthy(x.prefix) ? { prefix: tpl(str(x.prefix), release, ns) } : {}) };
    }),
    ...arr(gv.envFromConfigMaps).map((x0) => {
      const x = obj(x0);
      return { configMapRef: { name: tpl(str(x.name), release, ns), optional: x.optional ?? false }, ...(truthy(x.prefix) ? { prefix: tpl(str(x.prefix), release, ns) } : {}) };
    }),
  ];
  containers.push({
    name: 'grafana',
    image: imageRef(global, img, GRAFANA.appVersion),
    imagePullPolicy: img.pullPolicy,
    ...(truthy(gv.command) ? { command: arr(gv.command).map(String) } : {}),
    ...(truthy(gv.args) ? { args: arr(gv.args).map(String) } : {}),
    ...opt('securityContext', gv.containerSecurityContext),
    volumeMounts: grafanaMounts,
    ports: [
      { name: gv.podPortName, containerPort: svc.targetPort, protocol: 'TCP' },
      { name: `${text(gv.gossipPortName)}-tcp`, containerPort: 9094, protocol: 'TCP' },
      { name: `${text(gv.gossipPortName)}-udp`, containerPort: 9094, protocol: 'UDP' },
      { name: 'profiling', containerPort: 6060, protocol: 'TCP' },
    ],
    env: grafanaEnv,
    ...(envFrom.length ? { envFrom } : {}),
    ...copyTruthy(gv, ['startupProbe', 'livenessProbe', 'readinessProbe']),
    ...(truthy(gv.lifecycleHooks) ? { lifecycle: t(gv.lifecycleHooks) } : {}),
    ...opt('resources', gv.resources),
  });
  const initChown = obj(gv.initChownData);
  const initContainers = [
    ...(truthy(persistence.enabled) && truthy(initChown.enabled)
      ? [
          {
            name: 'init-chown-data',
            image: imageRef(global, obj(initChown.image), ''),
            imagePullPolicy: obj(initChown.image).pullPolicy,
            ...opt('securityContext', initChown.securityContext),
            command: ['chown', '-R', `${text(obj(gv.securityContext).runAsUser)}:${text(obj(gv.securityContext).runAsGroup)}`, '/var/lib/grafana'],
            ...opt('resources', initChown.resources),
            volumeMounts: [storageMount],
          },
        ]
      : []),
    ...arr(t(gv.extraInitContainers)),
  ];
  const sizedEmptyDir = (sc: Obj) => (truthy(sc.sizeLimit) ? { sizeLimit: sc.sizeLimit } : {});
  const volumes: unknown[] = [
    { name: 'config', configMap: { name: full } },
    ...arr(gv.extraConfigmapMounts).map((m0) => {
      const m = obj(m0);
      return { name: tpl(str(m.name), release, ns), configMap: { name: tpl(str(m.configMap), release, ns), ...opt('optional', m.optional), ...opt('items', m.items) } };
    }),
    ...sortedEntries(gv.dashboardsConfigMaps).map(([p, n]) => ({ name: `dashboards-${p}`, configMap: { name: tpl(str(n), release, ns) } })),
    ...(truthy(ldap.enabled) ? [{ name: 'ldap', secret: { secretName: truthy(ldap.existingSecret) ? ldap.existingSecret : full, items: [{ key: 'ldap-toml', path: 'ldap.toml' }] } }] : []),
    ...(truthy(persistence.enabled) && persistence.type === 'pvc'
      ? [{ name: 'storage', persistentVolumeClaim: { claimName: tpl(str(persistence.existingClaim) || full, release, ns) } }]
      : truthy(persistence.enabled) && ['sts', 'StatefulSet', 'statefulset'].includes(str(persistence.type))
        ? []
        : [{ name: 'storage', emptyDir: truthy(obj(persistence.inMemory).enabled) ? { medium: 'Memory', ...opt('sizeLimit', obj(persistence.inMemory).sizeLimit) } : {} }]),
    { name: 'search', emptyDir: {} },
    ...(truthy(alertsSc.enabled) ? [{ name: 'sc-alerts-volume', emptyDir: sizedEmptyDir(alertsSc) }] : []),
    ...(truthy(dashSc.enabled) ? [{ name: 'sc-dashboard-volume', emptyDir: sizedEmptyDir(dashSc) }, ...(truthy(dashSc.SCProvider) ? [{ name: 'sc-dashboard-provider', configMap: { name: `${full}-config-dashboards` } }] : [])] : []),
    ...(truthy(dsSc.enabled) ? [{ name: 'sc-datasources-volume', emptyDir: sizedEmptyDir(dsSc) }] : []),
    ...(truthy(pluginsSc.enabled) ? [{ name: 'sc-plugins-volume', emptyDir: sizedEmptyDir(pluginsSc) }] : []),
    ...(truthy(notifiersSc.enabled) ? [{ name: 'sc-notifiers-volume', emptyDir: sizedEmptyDir(notifiersSc) }] : []),
    ...arr(gv.extraSecretMounts).flatMap((m0): Obj[] => {
      const m = obj(m0);
      if (truthy(m.secretName)) return [{ name: m.name, secret: { secretName: m.secretName, defaultMode: m.defaultMode, ...opt('optional', m.optional), ...opt('items', m.items) } }];
      if (truthy(m.projected)) return [{ name: m.name, projected: m.projected }];
      if (truthy(m.csi)) return [{ name: m.name, csi: m.csi }];
      return [];
    }),
    ...arr(gv.extraVolumes).map((x0) => {
      const x = obj(x0);
      const { name: vName, existingClaim, ...rest } = x;
      return truthy(existingClaim) ? { name: vName, persistentVolumeClaim: { claimName: existingClaim } } : { name: vName, ...rest };
    }),
    ...arr(gv.extraEmptyDirMounts).map((m0) => ({ name: obj(m0).name, emptyDir: {} })),
  ];
  if (!truthy(gv.useStatefulSet) && (!truthy(persistence.enabled) || persistence.type === 'pvc')) {
    const ldapOwn = truthy(ldap.enabled) && !truthy(ldap.existingSecret);
    out.push(
      object('apps/v1', 'Deployment', full, ns, { ...labels, ...obj(gv.labels) }, {
        spec: {
          ...(truthy(obj(gv.autoscaling).enabled) ? {} : { replicas: gv.replicas }),
          revisionHistoryLimit: gv.revisionHistoryLimit,
          selector: { matchLabels: selectorLabels },
          ...opt('strategy', gv.deploymentStrategy),
          ...opt('progressDeadlineSeconds', gv.progressDeadlineSeconds),
          template: {
            metadata: {
              labels: { ...labels, ...obj(gv.podLabels) },
              annotations: {
                'checksum/config': sha256(configText),
                'checksum/sc-dashboard-provider-config': sha256(providerText),
                ...((ownAdmin || ldapOwn) && !noAdminCreation ? { 'checksum/secret': sha256(secretText) } : {}),
                ...(truthy(gv.envRenderSecret) ? { 'checksum/secret-env': sha256(toYaml(t(gv.envRenderSecret))) } : {}),
                'kubectl.kubernetes.io/default-container': GRAFANA.chart,
                ...obj(gv.podAnnotations),
              },
            },
            spec: {
              ...(truthy(gv.schedulerName) ? { schedulerName: gv.schedulerName } : {}),
              serviceAccountName: saName,
              automountServiceAccountToken: gv.automountServiceAccountToken,
              shareProcessNamespace: gv.shareProcessNamespace,
              ...(typeof gv.hostUsers === 'boolean' ? { hostUsers: gv.hostUsers } : {}),
              ...copyTruthy(gv, ['securityContext', 'hostAliases', 'dnsPolicy', 'dnsConfig', 'priorityClassName']),
              ...(initContainers.length ? { initContainers } : {}),
              ...(truthy(img.pullSecrets) || truthy(global.imagePullSecrets) ? { imagePullSecrets: [...arr(global.imagePullSecrets), ...arr(img.pullSecrets)].map((s) => (s && typeof s === 'object' ? { name: tpl(str(obj(s).name), release, ns) } : { name: tpl(str(s), release, ns) })) } : {}),
              ...(truthy(gv.enableKubeBackwardCompatibility) ? {} : { enableServiceLinks: gv.enableServiceLinks }),
              containers,
              ...copyTruthy(gv, ['nodeSelector']),
              ...(truthy(gv.affinity) ? { affinity: t(gv.affinity) } : {}),
              ...copyTruthy(gv, ['topologySpreadConstraints', 'tolerations']),
              volumes,
            },
          },
        },
      }, obj(gv.annotations)),
    );
  }
  const gsm = obj(gv.serviceMonitor);
  if (truthy(gsm.enabled)) {
    out.push(
      object('monitoring.coreos.com/v1', 'ServiceMonitor', full, truthy(gsm.namespace) ? tpl(str(gsm.namespace), release, ns) : ns, { release, ...labels, ...t(obj(gsm.labels)) }, {
        spec: {
          endpoints: [{ port: svc.portName, ...opt('interval', gsm.interval), ...opt('scrapeTimeout', gsm.scrapeTimeout), honorLabels: true, path: gsm.path, scheme: gsm.scheme, ...copyTruthy(gsm, ['tlsConfig', 'relabelings', 'metricRelabelings', 'basicAuth']) }],
          jobLabel: release,
          selector: { matchLabels: selectorLabels },
          namespaceSelector: { matchNames: [ns] },
          ...opt('targetLabels', gsm.targetLabels),
        },
      }),
    );
  }
  return out;
}

// ---- kube-state-metrics 8.4.0 -----------------------------------------------------------------------------

/** The API group of each kube-state-metrics collector, in role.yaml's order. */
const KSM_RULES: Array<[string, string]> = [
  ['certificatesigningrequests', 'certificates.k8s.io'],
  ['configmaps', ''],
  ['cronjobs', 'batch'],
  ['daemonsets', 'apps'],
  ['deployments', 'apps'],
  ['endpoints', ''],
  ['endpointslices', 'discovery.k8s.io'],
  ['horizontalpodautoscalers', 'autoscaling'],
  ['ingresses', 'networking.k8s.io'],
  ['jobs', 'batch'],
  ['leases', 'coordination.k8s.io'],
  ['limitranges', ''],
  ['mutatingwebhookconfigurations', 'admissionregistration.k8s.io'],
  ['namespaces', ''],
  ['networkpolicies', 'networking.k8s.io'],
  ['ingressclasses', 'networking.k8s.io'],
  ['clusterrolebindings', 'rbac.authorization.k8s.io'],
  ['clusterroles', 'rbac.authorization.k8s.io'],
  ['roles', 'rbac.authorization.k8s.io'],
  ['rolebindings', 'rbac.authorization.k8s.io'],
  ['nodes', ''],
  ['persistentvolumeclaims', ''],
  ['persistentvolumes', ''],
  ['poddisruptionbudgets', 'policy'],
  ['pods', ''],
  ['replicasets', 'apps'],
  ['replicationcontrollers', ''],
  ['resourcequotas', ''],
  ['secrets', ''],
  ['serviceaccounts', ''],
  ['services', ''],
  ['statefulsets', 'apps'],
  ['storageclasses', 'storage.k8s.io'],
  ['validatingwebhookconfigurations', 'admissionregistration.k8s.io'],
  ['volumeattachments', 'storage.k8s.io'],
];

function kubeStateMetricsObjects(ctx: RenderContext, kv: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, KSM.chart, kv);
  const kname = chartName(KSM.chart, kv);
  const ns = str(kv.namespaceOverride) || ctx.namespace;
  const global = obj(kv.global);
  const selectorLabels = truthy(kv.selectorOverride) ? obj(kv.selectorOverride) : { 'app.kubernetes.io/name': kname, 'app.kubernetes.io/instance': release };
  const labels: Obj = {
    'helm.sh/chart': trunc(`${KSM.chart}-${KSM.version}`.replace(/\+/g, '_')),
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': kname,
    ...selectorLabels,
    'app.kubernetes.io/version': KSM.appVersion,
    ...tplDeep(obj(kv.customLabels), release, ns),
    ...(truthy(kv.releaseLabel) ? { release } : {}),
  };
  const sa = obj(kv.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  const pullSecrets = (own: unknown) => [...arr(global.imagePullSecrets), ...arr(own)].map((s) => (s && typeof s === 'object' ? s : { name: str(s) }));
  const out: KubeObject[] = [];
  if (truthy(sa.create)) {
    const ps = pullSecrets(sa.imagePullSecrets);
    out.push(object('v1', 'ServiceAccount', saName, ns, labels, { automountServiceAccountToken: sa.automountServiceAccountToken, ...(ps.length ? { imagePullSecrets: ps } : {}) }, obj(sa.annotations)));
  }
  const asList = (x: unknown) => (typeof x === 'string' ? [x] : arr(x).map(String));
  const exclude = new Set(asList(kv.collectorsExclude));
  const collectors = [...new Set([...asList(kv.collectors).filter((c) => !exclude.has(c)), ...asList(kv.collectorsExtra)])];
  const rbac = obj(kv.rbac);
  if (rbac.create === true && !truthy(rbac.useExistingRole)) {
    const rules = [
      ...KSM_RULES.filter(([c]) => collectors.includes(c)).map(([c, g]) => ({ apiGroups: [g], resources: [c], verbs: ['list', 'watch'] })),
      ...(truthy(obj(kv.kubeRBACProxy).enabled) || truthy(obj(kv.authFilter).enabled)
        ? [
            { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
            { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
          ]
        : []),
      ...(truthy(obj(kv.customResourceState).enabled) && truthy(obj(rbac.customResourceState).createClusterRoleRules) ? [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] }] : []),
      ...arr(rbac.extraRules),
    ];
    if (rbac.useClusterRole === false) {
      for (const roleNs of str(kv.namespaces).split(',')) out.push(object('rbac.authorization.k8s.io/v1', 'Role', full, roleNs, labels, { rules }));
    } else {
      out.push(object('rbac.authorization.k8s.io/v1', 'ClusterRole', full, undefined, labels, truthy(rbac.clusterRoleSelectors) ? { aggregationRule: { clusterRoleSelectors: rbac.clusterRoleSelectors } } : { rules }));
    }
  }
  if (truthy(rbac.create) && truthy(rbac.useClusterRole)) {
    out.push(object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', full, undefined, labels, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: truthy(rbac.useExistingRole) ? rbac.useExistingRole : full }, subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }] }));
  }
  const svc = obj(kv.service);
  const selfMonitor = obj(kv.selfMonitor);
  const servicePort = truthy(svc.port) ? svc.port : 8080;
  const telemetryPort = truthy(selfMonitor.telemetryPort) ? selfMonitor.telemetryPort : 8081;
  const type = str(svc.type);
  const ipDual = obj(svc.ipDualStack);
  out.push(
    object('v1', 'Service', full, ns, labels, {
      spec: {
        type,
        ...(truthy(ipDual.enabled) ? { ipFamilies: ipDual.ipFamilies, ipFamilyPolicy: ipDual.ipFamilyPolicy } : {}),
        ports: [
          { name: 'http', protocol: 'TCP', port: servicePort, ...(type === 'NodePort' && truthy(svc.nodePort) ? { nodePort: svc.nodePort } : {}), targetPort: 'http' },
          ...(truthy(selfMonitor.enabled) ? [{ name: 'metrics', protocol: 'TCP', port: telemetryPort, targetPort: 'metrics', ...(type === 'NodePort' && truthy(selfMonitor.telemetryNodePort) ? { nodePort: selfMonitor.telemetryNodePort } : {}) }] : []),
        ],
        ...opt('loadBalancerIP', svc.loadBalancerIP),
        ...opt('loadBalancerSourceRanges', svc.loadBalancerSourceRanges),
        ...opt('clusterIP', svc.clusterIP),
        selector: selectorLabels,
      },
    }, { ...(truthy(kv.prometheusScrape) ? { 'prometheus.io/scrape': text(kv.prometheusScrape) } : {}), ...obj(svc.annotations) }),
  );
  const img = obj(kv.image);
  const probe = (p: unknown, path: string, port: string) => {
    const o = obj(p);
    const hg = obj(o.httpGet);
    return {
      failureThreshold: o.failureThreshold,
      httpGet: { ...(truthy(kv.hostNetwork) ? { host: '127.0.0.1' } : {}), ...(truthy(hg.httpHeaders) ? { httpHeaders: arr(hg.httpHeaders).map((h) => ({ name: obj(h).name, value: obj(h).value })) } : {}), path, port, scheme: str(hg.scheme).toUpperCase() },
      initialDelaySeconds: o.initialDelaySeconds,
      periodSeconds: o.periodSeconds,
      successThreshold: o.successThreshold,
      timeoutSeconds: o.timeoutSeconds,
    };
  };
  const namespaces = [...(truthy(kv.namespaces) ? asList(kv.namespaces).join(',').split(',').map((x) => tpl(x, release, ns)) : []), ...(truthy(kv.releaseNamespace) ? [ns] : [])];
  const args = [
    ...arr(kv.extraArgs).map(String),
    `--port=${text(servicePort)}`,
    ...(collectors.length ? [`--resources=${collectors.join(',')}`] : []),
    ...(truthy(kv.metricLabelsAllowlist) ? [`--metric-labels-allowlist=${arr(kv.metricLabelsAllowlist).join(',')}`] : []),
    ...(truthy(kv.metricAnnotationsAllowList) ? [`--metric-annotations-allowlist=${arr(kv.metricAnnotationsAllowList).join(',')}`] : []),
    ...(truthy(kv.metricAllowlist) ? [`--metric-allowlist=${arr(kv.metricAllowlist).join(',')}`] : []),
    ...(truthy(kv.metricDenylist) ? [`--metric-denylist=${arr(kv.metricDenylist).join(',')}`] : []),
    ...(namespaces.length ? [`--namespaces=${[...new Set(namespaces)].join(',')}`] : []),
    ...(truthy(kv.namespacesDenylist) ? [`--namespaces-denylist=${tpl(asList(kv.namespacesDenylist).join(','), release, ns)}`] : []),
    ...(truthy(selfMonitor.telemetryHost) ? [`--telemetry-host=${str(selfMonitor.telemetryHost)}`] : []),
    ...(truthy(selfMonitor.telemetryPort) ? [`--telemetry-port=${text(telemetryPort)}`] : []),
    ...(truthy(obj(kv.authFilter).enabled) ? ['--auth-filter'] : []),
  ];
  const securityContext = obj(kv.securityContext);
  const { enabled: _enabled, ...podSecurityContext } = securityContext;
  const podPullSecrets = pullSecrets(kv.imagePullSecrets);
  out.push(
    object('apps/v1', 'Deployment', full, ns, { ...labels, ...obj(kv.labels) }, {
      spec: {
        selector: { matchLabels: selectorLabels },
        replicas: kv.replicas,
        strategy: { type: str(kv.updateStrategy) || 'RollingUpdate' },
        revisionHistoryLimit: kv.revisionHistoryLimit,
        template: {
          metadata: { labels: { ...labels, ...obj(kv.podLabels) }, ...opt('annotations', kv.podAnnotations) },
          spec: {
            automountServiceAccountToken: kv.automountServiceAccountToken,
            hostNetwork: kv.hostNetwork,
            ...(typeof kv.hostUsers === 'boolean' ? { hostUsers: kv.hostUsers } : {}),
            serviceAccountName: saName,
            ...(truthy(securityContext.enabled) ? { securityContext: podSecurityContext } : {}),
            ...copyTruthy(kv, ['priorityClassName', 'initContainers', 'dnsConfig']),
            dnsPolicy: kv.dnsPolicy,
            containers: [
              {
                name: kname,
                ...(truthy(kv.env) ? { env: kv.env } : {}),
                args,
                ...(truthy(kv.volumeMounts) ? { volumeMounts: kv.volumeMounts } : {}),
                imagePullPolicy: img.pullPolicy,
                image: imageRef(global, img, `v${KSM.appVersion}`, ''),
                ports: [{ containerPort: servicePort, name: 'http' }, { containerPort: telemetryPort, name: 'metrics' }],
                ...(truthy(obj(kv.startupProbe).enabled) ? { startupProbe: probe(kv.startupProbe, '/healthz', 'http') } : {}),
                livenessProbe: probe(kv.livenessProbe, '/livez', 'http'),
                readinessProbe: probe(kv.readinessProbe, '/readyz', 'metrics'),
                resources: kv.resources ?? {},
                ...opt('securityContext', kv.containerSecurityContext),
              },
              ...arr(kv.containers),
            ],
            ...(podPullSecrets.length ? { imagePullSecrets: podPullSecrets } : {}),
            ...(truthy(kv.affinity) ? { affinity: typeof kv.affinity === 'string' ? (parse(tpl(kv.affinity, release, ns)) as unknown) : kv.affinity } : {}),
            ...(truthy(kv.nodeSelector) ? { nodeSelector: tplDeep(kv.nodeSelector, release, ns) } : {}),
            ...(truthy(kv.tolerations) ? { tolerations: tplDeep(kv.tolerations, release, ns) } : {}),
            ...copyTruthy(kv, ['topologySpreadConstraints']),
            ...(truthy(kv.volumes) ? { volumes: kv.volumes } : {}),
          },
        },
      },
    }, obj(kv.annotations)),
  );
  const mon = obj(obj(kv.prometheus).monitor);
  if (truthy(mon.enabled)) {
    const endpoint = (port: string, e: Obj): Obj => {
      const or = (k: string) => (truthy(e[k]) ? e[k] : mon[k]);
      return {
        port,
        ...opt('interval', or('interval')),
        ...opt('scrapeTimeout', or('scrapeTimeout')),
        ...opt('proxyUrl', or('proxyUrl')),
        ...opt('enableHttp2', or('enableHttp2')),
        ...(truthy(e.honorLabels) || truthy(mon.honorLabels) ? { honorLabels: true } : {}),
        ...opt('metricRelabelings', or('metricRelabelings')),
        ...opt('relabelings', or('relabelings')),
        ...opt('scheme', or('scheme')),
        ...opt('tlsConfig', or('tlsConfig')),
        ...opt('bearerTokenFile', or('bearerTokenFile')),
        ...opt('bearerTokenSecret', or('bearerTokenSecret')),
      };
    };
    out.push(
      object('monitoring.coreos.com/v1', 'ServiceMonitor', full, ns, { ...labels, ...tplDeep(obj(mon.additionalLabels), release, ns) }, {
        spec: {
          jobLabel: str(mon.jobLabel) || 'app.kubernetes.io/name',
          ...copyTruthy(mon, ['targetLabels', 'podTargetLabels']),
          ...scrapeLimits(mon),
          ...(truthy(mon.namespaceSelector) ? { namespaceSelector: { matchNames: mon.namespaceSelector } } : {}),
          selector: { matchLabels: truthy(mon.selectorOverride) ? mon.selectorOverride : selectorLabels },
          endpoints: [endpoint('http', obj(mon.http)), ...(truthy(selfMonitor.enabled) ? [endpoint('metrics', obj(mon.metrics))] : [])],
        },
      }, tplDeep(obj(mon.annotations), release, ns)),
    );
  }
  return out;
}

// ---- prometheus-node-exporter 4.56.1 ----------------------------------------------------------------------

function nodeExporterObjects(ctx: RenderContext, nv: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, NODE_EXPORTER.chart, nv);
  const ns = str(nv.namespaceOverride) || ctx.namespace;
  const name = chartName(NODE_EXPORTER.chart, nv);
  const global = obj(nv.global);
  const selectorLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': release };
  const labels: Obj = {
    'helm.sh/chart': trunc(`${NODE_EXPORTER.chart}-${NODE_EXPORTER.version}`.replace(/\+/g, '_')),
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': name,
    ...selectorLabels,
    'app.kubernetes.io/version': NODE_EXPORTER.appVersion,
    ...tplDeep(obj(nv.commonLabels), release, ns),
    ...(truthy(nv.releaseLabel) ? { release } : {}),
  };
  const svc = obj(nv.service);
  const img = obj(nv.image);
  const imageTag = `${str(img.tag) || `v${NODE_EXPORTER.appVersion}`}${truthy(img.distroless) ? '-distroless' : ''}`;
  const image = `${str(global.imageRegistry) || str(img.registry)}/${str(img.repository)}:${imageTag}${truthy(img.digest) ? `@${str(img.digest)}` : ''}`;
  const sa = obj(nv.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  const rootFs = obj(nv.hostRootFsMount);
  const out: KubeObject[] = [];
  if (truthy(obj(nv.rbac).create) && truthy(sa.create)) out.push(object('v1', 'ServiceAccount', saName, ns, labels, { automountServiceAccountToken: sa.automountServiceAccountToken }, obj(sa.annotations)));
  if (truthy(svc.enabled)) {
    out.push(
      object('v1', 'Service', full, ns, { ...labels, ...obj(svc.labels) }, {
        spec: {
          ...copyTruthy(svc, ['externalTrafficPolicy', 'internalTrafficPolicy']),
          type: svc.type,
          ...(svc.type === 'ClusterIP' && truthy(svc.clusterIP) ? { clusterIP: svc.clusterIP } : {}),
          ports: [{ port: truthy(svc.servicePort) ? svc.servicePort : svc.port, ...(svc.type === 'NodePort' && truthy(svc.nodePort) ? { nodePort: svc.nodePort } : {}), targetPort: svc.targetPort, protocol: 'TCP', name: svc.portName }],
          selector: selectorLabels,
        },
      }, obj(svc.annotations)),
    );
  }
  const probe = (p: unknown) => {
    const o = obj(p);
    const hg = obj(o.httpGet);
    return { failureThreshold: o.failureThreshold, httpGet: { httpHeaders: arr(hg.httpHeaders).map((h) => ({ name: obj(h).name, value: obj(h).value })), path: '/', port: svc.portName, scheme: str(hg.scheme).toUpperCase() }, initialDelaySeconds: o.initialDelaySeconds, periodSeconds: o.periodSeconds, successThreshold: o.successThreshold, timeoutSeconds: o.timeoutSeconds };
  };
  const mount = (n: string, path: string, prop: unknown) => ({ name: n, mountPath: path, ...opt('mountPropagation', prop), readOnly: true });
  out.push(
    object('apps/v1', 'DaemonSet', full, ns, labels, {
      spec: {
        selector: { matchLabels: selectorLabels },
        revisionHistoryLimit: nv.revisionHistoryLimit,
        ...opt('updateStrategy', nv.updateStrategy),
        template: {
          metadata: { ...opt('annotations', nv.podAnnotations), labels: { ...labels, ...tplDeep(obj(nv.podLabels), release, ns) } },
          spec: {
            automountServiceAccountToken: truthy(sa.automountServiceAccountToken),
            ...copyTruthy(nv, ['securityContext', 'priorityClassName']),
            ...(truthy(nv.extraInitContainers) ? { initContainers: nv.extraInitContainers } : {}),
            serviceAccountName: saName,
            ...copyTruthy(nv, ['terminationGracePeriodSeconds']),
            containers: [
              {
                name: 'node-exporter',
                image,
                imagePullPolicy: img.pullPolicy,
                args: ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', ...(truthy(rootFs.enabled) ? ['--path.rootfs=/host/root', ...(versionAtLeast(str(nv.version) || str(img.tag) || NODE_EXPORTER.appVersion, '1.4.0') ? ['--path.udev.data=/host/root/run/udev/data'] : [])] : []), `--web.listen-address=[$(HOST_IP)]:${text(svc.port)}`, ...arr(nv.extraArgs).map(String)],
                ...opt('securityContext', nv.containerSecurityContext),
                env: [truthy(svc.listenOnAllInterfaces) ? { name: 'HOST_IP', value: '0.0.0.0' } : { name: 'HOST_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } }, ...sortedEntries(nv.env).map(([k, x]) => ({ name: k, value: text(x) }))],
                ports: [{ name: svc.portName, containerPort: svc.port, protocol: 'TCP' }],
                livenessProbe: probe(nv.livenessProbe),
                readinessProbe: probe(nv.readinessProbe),
                ...opt('resources', nv.resources),
                volumeMounts: [mount('proc', '/host/proc', obj(nv.hostProcFsMount).mountPropagation), mount('sys', '/host/sys', obj(nv.hostSysFsMount).mountPropagation), ...(truthy(rootFs.enabled) ? [mount('root', '/host/root', rootFs.mountPropagation)] : []), ...arr(nv.extraVolumeMounts)],
              },
            ],
            hostNetwork: nv.hostNetwork,
            ...(typeof nv.hostUsers === 'boolean' ? { hostUsers: nv.hostUsers } : {}),
            hostPID: nv.hostPID,
            hostIPC: nv.hostIPC,
            ...copyTruthy(nv, ['affinity', 'dnsPolicy', 'dnsConfig', 'nodeSelector', 'restartPolicy', 'tolerations']),
            volumes: [{ name: 'proc', hostPath: { path: '/proc' } }, { name: 'sys', hostPath: { path: '/sys' } }, ...(truthy(rootFs.enabled) ? [{ name: 'root', hostPath: { path: '/' } }] : []), ...arr(nv.extraVolumes)],
          },
        },
      },
    }, obj(nv.daemonsetAnnotations)),
  );
  const mon = obj(obj(nv.prometheus).monitor);
  if (truthy(mon.enabled)) {
    const monNs = str(nv.namespaceOverride) || str(mon.namespace) || ctx.namespace;
    out.push(
      object(str(mon.apiVersion) || 'monitoring.coreos.com/v1', 'ServiceMonitor', full, monNs, { ...labels, ...obj(mon.additionalLabels) }, {
        spec: {
          jobLabel: str(mon.jobLabel) || 'app.kubernetes.io/name',
          ...scrapeLimits(mon),
          ...copyTruthy(mon, ['podTargetLabels', 'targetLabels']),
          selector: { matchLabels: truthy(mon.selectorOverride) ? mon.selectorOverride : selectorLabels },
          ...opt('attachMetadata', mon.attachMetadata),
          endpoints: [{ port: svc.portName, scheme: mon.scheme, ...copyTruthy(mon, ['basicAuth', 'bearerTokenFile', 'tlsConfig', 'proxyUrl', 'interval', 'scrapeTimeout', 'relabelings', 'metricRelabelings']) }],
        },
      }),
    );
  }
  return out;
}

export const kubePrometheusStack: ChartVersion = {
  name: CHART,
  version: VERSION,
  appVersion: APP_VERSION,
  // Chart.yaml's constraint (prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml; read at
  // 81.4.5, the nearest version stored for reading; not verified at 88.5.3). The simulated metrics-server and
  // prometheus-adapter charts set none (their Chart.yaml read at older versions had none; not verified at the pins).
  kubeVersion: '>=1.25.0-0',
  description: 'kube-prometheus-stack collects Kubernetes manifests, Grafana dashboards, and Prometheus rules combined with documentation and scripts to provide easy to operate end-to-end Kubernetes cluster monitoring with Prometheus using the Prometheus Operator.',
  repos: ['https://prometheus-community.github.io/helm-charts', 'oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack'],
  valuesFile: 'kube-prometheus-stack-88.5.3.yaml',
  render,
};

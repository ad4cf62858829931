// prometheus-adapter chart 5.3.0 (adapter v0.12.0), https://prometheus-community.github.io/helm-charts —
// rendered after prometheus-community/helm-charts charts/prometheus-adapter/templates/{_helpers.tpl,
// configmap.yaml, deployment.yaml, service.yaml, serviceaccount.yaml, custom-metrics-apiservice.yaml,
// external-metrics-apiservice.yaml, resource-metrics-apiservice.yaml, *cluster-role*.yaml,
// role-binding-auth-reader.yaml}.
//
// Software: the adapter pod is Ready ~1.5 s after it starts (the APIServices become Available once the
// Service has a ready endpoint); it logs klog start-up lines and, every relist, a DNS error when the Service
// named in --prometheus-url does not exist (the classic wrong-URL failure). SERVING custom.metrics.k8s.io is
// the data path's (it registers an aggregated API in lib/aggregator.ts).
import { klog } from '../lib/podlogs.ts';
import { every, type PodBehaviour } from '../lib/podbehaviour.ts';
import { parseGoDuration } from '../lib/goduration.ts';
import type { KubeObject } from '../lib/store.ts';
import { arr, chartName, fullname, obj, object, sha256, str, toYaml, tpl, truthy, type ChartVersion, type Obj, type RenderContext, type Rendered, type SimulatedSoftware } from './common.ts';

const CHART = 'prometheus-adapter';
const VERSION = '5.3.0';
const APP_VERSION = 'v0.12.0';

/** The chart's `rules.default: true` rules, as configmap.yaml writes them. */
const DEFAULT_RULES = `- seriesQuery: '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}'
  seriesFilters: []
  resources:
    overrides:
      namespace:
        resource: namespace
      pod:
        resource: pod
  name:
    matches: ^container_(.*)_seconds_total$
    as: ""
  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[5m]))
    by (<<.GroupBy>>)
- seriesQuery: '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}'
  seriesFilters:
  - isNot: ^container_.*_seconds_total$
  resources:
    overrides:
      namespace:
        resource: namespace
      pod:
        resource: pod
  name:
    matches: ^container_(.*)_total$
    as: ""
  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>,container!="POD"}[5m]))
    by (<<.GroupBy>>)
- seriesQuery: '{__name__=~"^container_.*",container!="POD",namespace!="",pod!=""}'
  seriesFilters:
  - isNot: ^container_.*_total$
  resources:
    overrides:
      namespace:
        resource: namespace
      pod:
        resource: pod
  name:
    matches: ^container_(.*)$
    as: ""
  metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>,container!="POD"}) by (<<.GroupBy>>)
- seriesQuery: '{namespace!="",__name__!~"^container_.*"}'
  seriesFilters:
  - isNot: .*_total$
  resources:
    template: <<.Resource>>
  name:
    matches: ""
    as: ""
  metricsQuery: sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)
- seriesQuery: '{namespace!="",__name__!~"^container_.*"}'
  seriesFilters:
  - isNot: .*_seconds_total
  resources:
    template: <<.Resource>>
  name:
    matches: ^(.*)_total$
    as: ""
  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)
- seriesQuery: '{namespace!="",__name__!~"^container_.*"}'
  seriesFilters: []
  resources:
    template: <<.Resource>>
  name:
    matches: ^(.*)_seconds_total$
    as: ""
  metricsQuery: sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)
`;

const indent = (text: string, n: number) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

/** The config.yaml the chart writes: rules (default + custom), externalRules, resourceRules. */
export function adapterConfig(rules: Obj): string {
  const parts: string[] = [];
  if (truthy(rules.default) || truthy(rules.custom)) {
    parts.push('rules:');
    if (truthy(rules.default)) parts.push(DEFAULT_RULES.replace(/\n$/, ''));
    if (truthy(rules.custom)) parts.push(toYaml(rules.custom).replace(/\n$/, ''));
  }
  if (truthy(rules.external)) parts.push('externalRules:', toYaml(rules.external).replace(/\n$/, ''));
  if (truthy(rules.resource)) parts.push('resourceRules:', indent(toYaml(rules.resource), 2));
  return parts.length ? `${parts.join('\n')}\n` : '';
}

function render(ctx: RenderContext): Rendered {
  const v = ctx.values;
  const release = ctx.release;
  const name = chartName(CHART, v);
  const full = fullname(release, CHART, v);
  const ns = str(v.namespaceOverride) || ctx.namespace;
  const selectorLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': release };
  const labels: Obj = {
    'helm.sh/chart': `${CHART}-${VERSION}`,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': name,
    ...selectorLabels,
    'app.kubernetes.io/version': APP_VERSION,
    ...obj(v.customLabels),
  };
  const annotations = obj(v.customAnnotations);
  const rules = obj(v.rules);
  const sa = obj(v.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  const objects: KubeObject[] = [];
  if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, labels, { automountServiceAccountToken: sa.automountServiceAccountToken ?? true }, { ...annotations, ...obj(sa.annotations) }));
  let configText = '';
  if (!truthy(rules.existing)) {
    const cm = object('v1', 'ConfigMap', full, ns, labels, { data: { 'config.yaml': adapterConfig(rules) } }, annotations);
    configText = toYaml(cm);
    objects.push(cm);
  }
  const rbac = obj(v.rbac);
  const rbacObj = (kind: string, rname: string, rest: Obj, rns?: string) => object('rbac.authorization.k8s.io/v1', kind, rname, rns, labels, rest);
  const subject = [{ kind: 'ServiceAccount', name: saName, namespace: ns }];
  const hasCustom = truthy(rules.default) || truthy(rules.custom);
  if (truthy(rbac.create)) {
    objects.push(
      rbacObj('ClusterRole', `${full}-resource-reader`, { rules: [{ apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] }] }),
      rbacObj('ClusterRoleBinding', `${full}-resource-reader`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${full}-resource-reader` }, subjects: subject }),
      rbacObj('ClusterRoleBinding', `${full}-system-auth-delegator`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' }, subjects: subject }),
      rbacObj('RoleBinding', `${full}-auth-reader`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' }, subjects: subject }, 'kube-system'),
    );
    if (hasCustom) {
      objects.push(
        rbacObj('ClusterRole', `${full}-server-resources`, { rules: [{ apiGroups: ['custom.metrics.k8s.io'], resources: arr(obj(rbac.customMetrics).resources).length ? obj(rbac.customMetrics).resources : ['*'], verbs: ['*'] }] }),
        rbacObj('ClusterRoleBinding', `${full}-hpa-controller`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${full}-server-resources` }, subjects: subject }),
      );
    }
    if (truthy(rules.external)) {
      objects.push(
        rbacObj('ClusterRole', `${full}-external-metrics`, { rules: [{ apiGroups: ['external.metrics.k8s.io'], resources: arr(obj(rbac.externalMetrics).resources).length ? obj(rbac.externalMetrics).resources : ['*'], verbs: ['list', 'get', 'watch'] }] }),
        rbacObj('ClusterRoleBinding', `${full}-hpa-controller-external-metrics`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${full}-external-metrics` }, subjects: [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }] }),
      );
    }
    if (truthy(rules.resource)) {
      objects.push(
        rbacObj('ClusterRole', `${full}-metrics`, { rules: [{ apiGroups: [''], resources: ['pods', 'nodes', 'nodes/stats'], verbs: ['get', 'list', 'watch'] }] }),
        rbacObj('ClusterRoleBinding', `${full}-hpa-controller-metrics`, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${full}-metrics` }, subjects: subject }),
      );
    }
  }
  const svc = obj(v.service);
  const dual = obj(svc.ipDualStack);
  objects.push(
    object('v1', 'Service', full, ns, labels, {
      spec: {
        ports: [{ port: svc.port ?? 443, name: 'https', protocol: 'TCP', targetPort: 'https' }],
        selector: selectorLabels,
        type: str(svc.type, 'ClusterIP'),
        ...(truthy(svc.clusterIP) ? { clusterIP: svc.clusterIP } : {}),
        ...(truthy(dual.enabled) ? { ipFamilies: dual.ipFamilies, ipFamilyPolicy: dual.ipFamilyPolicy } : {}),
      },
    }, { ...obj(svc.annotations), ...annotations }),
  );
  const prom = obj(v.prometheus);
  const promUrl = `${tpl(str(prom.url), release, ns)}${truthy(prom.port) ? `:${str(prom.port)}` : ''}${str(prom.path)}`;
  const tls = obj(v.tls);
  const certManager = obj(v.certManager);
  const servingCert = truthy(tls.enable) || truthy(certManager.enabled);
  const img = obj(v.image);
  const listenPort = Number(v.listenPort ?? 6443);
  const container: Obj = {
    name: CHART,
    image: `${str(img.repository)}:${str(img.tag) || APP_VERSION}`,
    imagePullPolicy: str(img.pullPolicy, 'IfNotPresent'),
    args: [
      '/adapter',
      `--secure-port=${listenPort}`,
      ...(servingCert ? ['--tls-cert-file=/var/run/serving-cert/tls.crt', '--tls-private-key-file=/var/run/serving-cert/tls.key'] : []),
      '--cert-dir=/tmp/cert',
      `--prometheus-url=${promUrl}`,
      `--metrics-relist-interval=${str(v.metricsRelistInterval)}`,
      `--v=${str(v.logLevel)}`,
      '--config=/etc/adapter/config.yaml',
      ...arr(v.extraArguments).map(String),
    ],
    ...(truthy(v.env) ? { env: v.env } : {}),
    ports: [{ containerPort: listenPort, name: 'https' }],
    ...(truthy(v.livenessProbe) ? { livenessProbe: v.livenessProbe } : {}),
    ...(truthy(v.readinessProbe) ? { readinessProbe: v.readinessProbe } : {}),
    ...(truthy(v.startupProbe) ? { startupProbe: v.startupProbe } : {}),
    ...(truthy(v.resources) ? { resources: v.resources } : {}),
    ...(truthy(v.securityContext) ? { securityContext: v.securityContext } : {}),
    volumeMounts: [
      ...arr(v.extraVolumeMounts),
      { mountPath: '/etc/adapter/', name: 'config', readOnly: true },
      { mountPath: '/tmp', name: 'tmp' },
      ...(servingCert ? [{ mountPath: '/var/run/serving-cert', name: 'volume-serving-cert', readOnly: true }] : []),
    ],
  };
  objects.push(
    object('apps/v1', 'Deployment', full, ns, labels, {
      spec: {
        replicas: v.replicas ?? 1,
        ...(v.revisionHistoryLimit !== undefined && v.revisionHistoryLimit !== null ? { revisionHistoryLimit: v.revisionHistoryLimit } : {}),
        strategy: v.strategy,
        selector: { matchLabels: selectorLabels },
        template: {
          metadata: {
            labels: { ...labels, ...obj(v.podLabels) },
            name,
            annotations: { 'checksum/config': sha256(configText), ...obj(v.podAnnotations), ...annotations },
          },
          spec: {
            serviceAccountName: saName,
            automountServiceAccountToken: v.automountServiceAccountToken ?? true,
            ...(truthy(obj(v.hostNetwork).enabled) ? { hostNetwork: true } : {}),
            ...(truthy(v.dnsPolicy) ? { dnsPolicy: v.dnsPolicy } : {}),
            containers: [container, ...arr(v.extraContainers)],
            ...(truthy(v.nodeSelector) ? { nodeSelector: v.nodeSelector } : {}),
            ...(truthy(v.affinity) ? { affinity: v.affinity } : {}),
            ...(truthy(v.topologySpreadConstraints) ? { topologySpreadConstraints: v.topologySpreadConstraints } : {}),
            ...(truthy(v.priorityClassName) ? { priorityClassName: v.priorityClassName } : {}),
            ...(truthy(v.podSecurityContext) ? { securityContext: v.podSecurityContext } : {}),
            ...(truthy(v.tolerations) ? { tolerations: v.tolerations } : {}),
            ...(truthy(v.dnsConfig) ? { dnsConfig: v.dnsConfig } : {}),
            volumes: [
              ...arr(v.extraVolumes),
              { name: 'config', configMap: { name: str(rules.existing) || full } },
              { name: 'tmp', emptyDir: {} },
              ...(servingCert ? [{ name: 'volume-serving-cert', secret: { secretName: full } }] : []),
            ],
          },
        },
      },
    }, { ...obj(v.deploymentAnnotations), ...annotations }),
  );
  const apiService = (group: string) =>
    object('apiregistration.k8s.io/v1', 'APIService', `v1beta1.${group}`, undefined, labels, {
      spec: {
        service: { name: full, namespace: ns },
        ...(truthy(tls.enable) ? { caBundle: Buffer.from(str(tls.ca)).toString('base64') } : {}),
        group,
        version: 'v1beta1',
        insecureSkipTLSVerify: !truthy(tls.enable),
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    }, annotations);
  if (hasCustom) objects.push(apiService('custom.metrics.k8s.io'));
  if (truthy(rules.external)) objects.push(apiService('external.metrics.k8s.io'));
  if (truthy(rules.resource)) objects.push(apiService('metrics.k8s.io'));
  const notes = [
    `${full} has been deployed.`,
    'In a few minutes you should be able to list metrics using the following command(s):',
    '',
    ...(truthy(rules.resource) ? ['  kubectl get --raw /apis/metrics.k8s.io/v1beta1'] : []),
    ...(hasCustom ? ['  kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1'] : []),
    ...(truthy(rules.external) ? ['  kubectl get --raw /apis/external.metrics.k8s.io/v1beta1'] : []),
  ].join('\n');
  return { crds: [], objects, notes };
}

export const prometheusAdapter: ChartVersion = {
  name: CHART,
  version: VERSION,
  appVersion: APP_VERSION,
  description: 'A Helm chart for k8s prometheus adapter',
  repos: ['https://prometheus-community.github.io/helm-charts', 'oci://ghcr.io/prometheus-community/charts/prometheus-adapter'],
  valuesFile: 'prometheus-adapter-5.3.0.yaml',
  render,
};

// ---- the software -----------------------------------------------------------------------------------------

const READY_AFTER_MS = 1500;

const adapterBehaviour: PodBehaviour = {
  name: 'prometheus-adapter',
  matches: (_pod, c) => /(^|\/)prometheus-adapter\/prometheus-adapter([:@]|$)/.test(str(c.image)),
  onStart(run, ctx) {
    const t = run.startedAt;
    const port = arr(run.container.args).map(String).find((a) => a.startsWith('--secure-port='))?.split('=')[1] ?? '6443';
    ctx.log(klog('I', 'dynamic_serving_content.go:116', '"Loaded a new cert/key pair" name="serving-cert::/tmp/cert/apiserver.crt::/tmp/cert/apiserver.key"', t), t);
    ctx.log(klog('I', 'handler.go:288', 'Adding GroupVersion custom.metrics.k8s.io v1beta1 to ResourceManager', t + 400), t + 400);
    ctx.log(klog('I', 'secure_serving.go:213', `Serving securely on [::]:${port}`, t + 600), t + 600);
  },
  probe(run, ctx) {
    const args = arr(run.container.args).map(String);
    const url = args.find((a) => a.startsWith('--prometheus-url='))?.slice('--prometheus-url='.length) ?? '';
    let relistMs = 60_000;
    try {
      relistMs = Math.max(1000, parseGoDuration(args.find((a) => a.startsWith('--metrics-relist-interval='))?.split('=')[1] ?? '1m'));
    } catch {
      // keep the default
    }
    if (every(run, 'relist', relistMs, ctx.now, READY_AFTER_MS)) {
      const m = /^https?:\/\/([^.:/]+)\.([^.:/]+)(?:\.svc[^:/]*)?(?::(\d+))?/.exec(url);
      if (m && !ctx.store.get(ctx.rt('', 'services'), m[2], m[1] ?? '')) {
        const host = /^https?:\/\/([^:/]+)/.exec(url)?.[1] ?? '';
        ctx.log(klog('E', 'provider.go:227', `unable to update list of all metrics: unable to fetch metrics for query "{__name__=~\\"^(.*)\\"}": Get "${url}/api/v1/series?match%5B%5D=%7B__name__%3D~%22%5E%28.%2A%29%22%7D&start=${Math.floor(ctx.now / 1000) - Math.round(relistMs / 1000)}": dial tcp: lookup ${host} on 10.96.0.10:53: no such host`, ctx.now));
      }
    }
    return { ready: ctx.now - run.startedAt >= READY_AFTER_MS, failure: 'HTTP probe failed with statuscode: 500' };
  },
};

export const prometheusAdapterSoftware: SimulatedSoftware = { behaviours: [adapterBehaviour] };

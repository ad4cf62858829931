// kube-prometheus-stack chart 88.5.3 (operator v0.93.1), https://prometheus-community.github.io/helm-charts
// (also oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack), with its sub-charts grafana 12.11.1,
// kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1. Names, labels and selectors after
// prometheus-community/helm-charts charts/kube-prometheus-stack/templates/{_helpers.tpl,
// prometheus-operator/{_prometheus-operator.tpl,deployment.yaml,service.yaml,serviceaccount.yaml,
// servicemonitor.yaml}, prometheus/{prometheus.yaml,service.yaml,servicemonitor.yaml}, alertmanager/*,
// exporters/*/{service,servicemonitor}.yaml, grafana/configmaps-datasources.yaml}, charts/kube-state-metrics/
// templates/_helpers.tpl and grafana/helm-charts charts/grafana/templates/{_helpers.tpl,deployment.yaml,
// service.yaml,secret.yaml}. Left out: the admission webhooks and their hook Jobs, Grafana's dashboards, the
// content of the default PrometheusRules (a few rule groups are rendered, not the whole set).
import type { KubeObject } from '../lib/store.ts';
import { arr, b64, chartName, fullname, obj, object, randAlphaNum, sha256, str, subchartValues, toYaml, tpl, trunc, truthy, type ChartVersion, type Obj, type RenderContext, type Rendered } from './common.ts';
import { OPERATOR_VERSION, operatorCrds } from './prometheus-operator.ts';

const CHART = 'kube-prometheus-stack';
const VERSION = '88.5.3';
const APP_VERSION = `v${OPERATOR_VERSION}`;
const GRAFANA = { chart: 'grafana', version: '12.11.1', appVersion: '12.3.1', file: 'grafana-12.11.1.yaml' };
const KSM = { chart: 'kube-state-metrics', version: '8.4.0', appVersion: '2.17.0', file: 'kube-state-metrics-8.4.0.yaml' };
const NODE_EXPORTER = { chart: 'prometheus-node-exporter', version: '4.56.1', appVersion: '1.10.2', file: 'prometheus-node-exporter-4.56.1.yaml' };

/** `kube-prometheus-stack.fullname`: 26 characters at most ("prometheus" → "prometheus-kube-prometheus"). */
export function kpsFullname(release: string, values: Obj = {}): string {
  return fullname(release, CHART, values, 26);
}

function render(ctx: RenderContext): Rendered {
  const v = ctx.values;
  const release = ctx.release;
  const name = chartName(CHART, v, 50);
  const fn = kpsFullname(release, v);
  const ns = str(v.namespaceOverride) || ctx.namespace;
  const labels: Obj = {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/version': VERSION,
    'app.kubernetes.io/part-of': name,
    chart: `${CHART}-${VERSION}`,
    release,
    heritage: 'Helm',
    ...obj(v.commonLabels),
  };
  const globalRegistry = str(obj(v.global).imageRegistry);
  const image = (i: Obj, dflt: string) => `${globalRegistry || str(i.registry)}/${str(i.repository)}:${str(i.tag) || dflt}${truthy(i.sha) ? `@sha256:${str(i.sha)}` : ''}`;
  const objects: KubeObject[] = [];
  const sm = (smName: string, smNs: string, smLabels: Obj, spec: Obj) => objects.push(object('monitoring.coreos.com/v1', 'ServiceMonitor', smName, smNs, smLabels, { spec }));

  // ---- Prometheus Operator ----
  const po = obj(v.prometheusOperator);
  const poLabels = { ...labels, app: `${name}-operator`, 'app.kubernetes.io/name': `${name}-prometheus-operator`, 'app.kubernetes.io/component': 'prometheus-operator' };
  const poSelector = { app: `${name}-operator`, release };
  if (truthy(po.enabled)) {
    const sa = obj(po.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || `${fn}-operator` : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, poLabels, { automountServiceAccountToken: sa.automountServiceAccountToken ?? true }, obj(sa.annotations)));
    if (obj(obj(v.global).rbac).create !== false) {
      objects.push(
        object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${fn}-operator`, undefined, poLabels, {
          rules: [
            { apiGroups: ['monitoring.coreos.com'], resources: ['alertmanagers', 'alertmanagers/finalizers', 'alertmanagers/status', 'alertmanagerconfigs', 'prometheuses', 'prometheuses/finalizers', 'prometheuses/status', 'prometheusagents', 'prometheusagents/finalizers', 'prometheusagents/status', 'thanosrulers', 'thanosrulers/finalizers', 'thanosrulers/status', 'scrapeconfigs', 'scrapeconfigs/status', 'servicemonitors', 'servicemonitors/status', 'podmonitors', 'podmonitors/status', 'probes', 'probes/status', 'prometheusrules'], verbs: ['*'] },
            { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['*'] },
            { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] },
            { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
            { apiGroups: [''], resources: ['services', 'services/finalizers'], verbs: ['get', 'create', 'update', 'delete'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
            { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: [''], resources: ['events'], verbs: ['patch', 'create'] },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'create', 'list', 'update', 'delete'] },
          ],
        }),
        object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${fn}-operator`, undefined, poLabels, {
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fn}-operator` },
          subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
        }),
      );
    }
    const tls = obj(po.tls);
    const svc = obj(po.service);
    const svcType = str(svc.type, 'ClusterIP');
    objects.push(
      object('v1', 'Service', `${fn}-operator`, ns, { ...poLabels, ...obj(svc.labels) }, {
        spec: {
          ...(truthy(svc.clusterIP) ? { clusterIP: svc.clusterIP } : {}),
          ports: truthy(tls.enabled)
            ? [{ name: 'https', ...(svcType === 'NodePort' ? { nodePort: svc.nodePortTls } : {}), port: 443, targetPort: 'https' }]
            : [{ name: 'http', ...(svcType === 'NodePort' ? { nodePort: svc.nodePort } : {}), port: 8080, targetPort: 'http' }],
          selector: poSelector,
          type: svcType,
        },
      }, obj(svc.annotations)),
    );
    const kubeletSvc = obj(po.kubeletService);
    const reloader = obj(obj(po.prometheusConfigReloader).image);
    const reloaderRes = obj(obj(po.prometheusConfigReloader).resources);
    const thanos = obj(po.thanosImage);
    const args = [
      ...(truthy(kubeletSvc.enabled) ? [`--kubelet-service=${str(kubeletSvc.namespace)}/${str(kubeletSvc.name) || `${fn}-kubelet`}`] : []),
      ...(truthy(kubeletSvc.enabled) ? [`--kubelet-endpoints=${str(po.kubeletEndpointsEnabled, 'true')}`, `--kubelet-endpointslice=${str(po.kubeletEndpointSliceEnabled, 'false')}`] : []),
      ...(truthy(po.logFormat) ? [`--log-format=${str(po.logFormat)}`] : []),
      ...(truthy(po.logLevel) ? [`--log-level=${str(po.logLevel)}`] : []),
      '--localhost=127.0.0.1',
      `--prometheus-config-reloader=${image(reloader, APP_VERSION)}`,
      `--config-reloader-cpu-request=${str(obj(reloaderRes.requests).cpu, '0')}`,
      `--config-reloader-cpu-limit=${str(obj(reloaderRes.limits).cpu, '0')}`,
      `--config-reloader-memory-request=${str(obj(reloaderRes.requests).memory, '0')}`,
      `--config-reloader-memory-limit=${str(obj(reloaderRes.limits).memory, '0')}`,
      `--thanos-default-base-image=${image(thanos, '')}`,
      ...(truthy(po.secretFieldSelector) ? [`--secret-field-selector=${str(po.secretFieldSelector)}`] : []),
      ...(truthy(po.clusterDomain) ? [`--cluster-domain=${str(po.clusterDomain)}`] : []),
      ...(truthy(tls.enabled) ? ['--web.enable-tls=true', '--web.cert-file=/cert/cert', '--web.key-file=/cert/key', `--web.listen-address=:${str(tls.internalPort, '10250')}`, `--web.tls-min-version=${str(tls.tlsMinVersion)}`] : []),
      ...arr(po.extraArgs).map(String),
    ];
    const probe = (p: unknown) => {
      const o = obj(p);
      if (!truthy(o.enabled)) return undefined;
      const { enabled: _e, ...rest } = o;
      return { httpGet: { path: '/healthz', port: truthy(tls.enabled) ? 'https' : 'http', scheme: truthy(tls.enabled) ? 'HTTPS' : 'HTTP' }, ...rest };
    };
    const readiness = probe(po.readinessProbe);
    const liveness = probe(po.livenessProbe);
    objects.push(
      object('apps/v1', 'Deployment', `${fn}-operator`, ns, { ...poLabels, ...obj(po.labels) }, {
        spec: {
          replicas: 1,
          revisionHistoryLimit: po.revisionHistoryLimit ?? 10,
          ...(truthy(po.strategy) ? { strategy: po.strategy } : {}),
          selector: { matchLabels: poSelector },
          template: {
            metadata: { labels: { ...poLabels, ...obj(po.podLabels) }, ...(truthy(po.podAnnotations) ? { annotations: po.podAnnotations } : {}) },
            spec: {
              ...(truthy(po.priorityClassName) ? { priorityClassName: po.priorityClassName } : {}),
              containers: [
                {
                  name,
                  image: image(obj(po.image), APP_VERSION),
                  imagePullPolicy: str(obj(po.image).pullPolicy, 'IfNotPresent'),
                  args,
                  ports: [truthy(tls.enabled) ? { containerPort: tls.internalPort ?? 10250, name: 'https' } : { containerPort: 8080, name: 'http' }],
                  env: [{ name: 'GOGC', value: '30' }],
                  resources: obj(po.resources),
                  securityContext: obj(po.containerSecurityContext),
                  ...(readiness ? { readinessProbe: readiness } : {}),
                  ...(liveness ? { livenessProbe: liveness } : {}),
                },
              ],
              ...(truthy(po.securityContext) ? { securityContext: po.securityContext } : {}),
              serviceAccountName: saName,
              automountServiceAccountToken: po.automountServiceAccountToken ?? true,
              ...(truthy(po.nodeSelector) ? { nodeSelector: po.nodeSelector } : {}),
              ...(truthy(po.affinity) ? { affinity: po.affinity } : {}),
              ...(truthy(po.tolerations) ? { tolerations: po.tolerations } : {}),
            },
          },
        },
      }, obj(po.annotations)),
    );
    if (truthy(obj(po.serviceMonitor).selfMonitor)) {
      sm(`${fn}-operator`, ns, { ...poLabels, ...obj(obj(po.serviceMonitor).additionalLabels) }, {
        endpoints: [
          truthy(tls.enabled)
            ? { port: 'https', scheme: 'https', tlsConfig: { serverName: `${fn}-operator`, ca: { secret: { name: `${fn}-admission`, key: 'ca', optional: false } } }, honorLabels: true }
            : { port: 'http', honorLabels: true },
        ],
        selector: { matchLabels: poSelector },
        namespaceSelector: { matchNames: [ns] },
      });
    }
  }

  // ---- Prometheus ----
  const prom = obj(v.prometheus);
  const ps = obj(prom.prometheusSpec);
  const promSvc = obj(prom.service);
  const promCr = truthy(v.cleanPrometheusOperatorObjectNames) ? fn : `${fn}-prometheus`;
  const promLabels = { app: `${name}-prometheus`, ...labels };
  if (truthy(prom.enabled)) {
    const sa = obj(prom.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || `${fn}-prometheus` : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, { ...promLabels, 'app.kubernetes.io/name': `${name}-prometheus`, 'app.kubernetes.io/component': 'prometheus' }, { automountServiceAccountToken: sa.automountServiceAccountToken ?? true }, obj(sa.annotations)));
    objects.push(
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${fn}-prometheus`, undefined, promLabels, {
        rules: [
          { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
          { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
        ],
      }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${fn}-prometheus`, undefined, promLabels, {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${fn}-prometheus` },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      }),
    );
    if (truthy(promSvc.enabled)) {
      const type = str(promSvc.type, 'ClusterIP');
      objects.push(
        object('v1', 'Service', `${fn}-prometheus`, ns, { app: `${name}-prometheus`, 'self-monitor': str(obj(prom.serviceMonitor).selfMonitor, 'true'), ...labels, ...obj(promSvc.labels) }, {
          spec: {
            ...(truthy(promSvc.clusterIP) ? { clusterIP: promSvc.clusterIP } : {}),
            ...(type !== 'ClusterIP' ? { externalTrafficPolicy: str(promSvc.externalTrafficPolicy, 'Cluster') } : {}),
            ports: [
              { name: str(ps.portName, 'http-web'), ...(type === 'NodePort' ? { nodePort: promSvc.nodePort } : {}), port: promSvc.port ?? 9090, targetPort: promSvc.targetPort ?? 9090 },
              ...(truthy(promSvc.reloaderWebPort) ? [{ name: 'reloader-web', appProtocol: 'http', port: promSvc.reloaderWebPort, targetPort: 'reloader-web' }] : []),
              ...arr(promSvc.additionalPorts),
            ],
            publishNotReadyAddresses: promSvc.publishNotReadyAddresses ?? false,
            selector: { 'app.kubernetes.io/name': truthy(prom.agentMode) ? 'prometheus-agent' : 'prometheus', 'operator.prometheus.io/name': promCr },
            ...(truthy(promSvc.sessionAffinity) ? { sessionAffinity: promSvc.sessionAffinity } : {}),
            type,
          },
        }, obj(promSvc.annotations)),
      );
    }
    const selectorOf = (explicit: unknown, nilUsesHelm: unknown) => (truthy(explicit) ? explicit : truthy(nilUsesHelm) ? { matchLabels: { release } } : {});
    const promImage = obj(ps.image);
    const am = obj(v.alertmanager);
    const amSpec = obj(am.alertmanagerSpec);
    objects.push(
      object('monitoring.coreos.com/v1', 'Prometheus', promCr, ns, promLabels, {
        spec: {
          alerting: {
            alertmanagers: truthy(ps.alertingEndpoints)
              ? ps.alertingEndpoints
              : truthy(am.enabled)
                ? [{ namespace: ns, name: `${fn}-alertmanager`, port: str(amSpec.portName, 'http-web'), pathPrefix: str(amSpec.routePrefix, '/'), apiVersion: str(am.apiVersion, 'v2') }]
                : [],
          },
          image: `${globalRegistry || str(promImage.registry)}/${str(promImage.repository)}${truthy(promImage.tag) ? `:${str(promImage.tag)}` : ''}${truthy(promImage.sha) ? `@sha256:${str(promImage.sha)}` : ''}`,
          version: str(promImage.tag),
          ...(truthy(ps.externalLabels) ? { externalLabels: ps.externalLabels } : {}),
          externalUrl: truthy(ps.externalUrl) ? tpl(str(ps.externalUrl), release, ns) : `http://${fn}-prometheus.${ns}:${str(promSvc.port, '9090')}`,
          ...(truthy(ps.nodeSelector) ? { nodeSelector: ps.nodeSelector } : {}),
          paused: ps.paused ?? false,
          replicas: ps.replicas ?? 1,
          shards: ps.shards ?? 1,
          logLevel: str(ps.logLevel, 'info'),
          logFormat: str(ps.logFormat, 'logfmt'),
          listenLocal: ps.listenLocal ?? false,
          enableAdminAPI: ps.enableAdminAPI ?? false,
          ...(truthy(ps.scrapeInterval) ? { scrapeInterval: ps.scrapeInterval } : {}),
          ...(truthy(ps.scrapeTimeout) ? { scrapeTimeout: ps.scrapeTimeout } : {}),
          ...(truthy(ps.evaluationInterval) ? { evaluationInterval: ps.evaluationInterval } : {}),
          ...(truthy(ps.resources) ? { resources: ps.resources } : {}),
          retention: str(ps.retention),
          ...(truthy(ps.retentionSize) ? { retentionSize: ps.retentionSize } : {}),
          ...(truthy(ps.tsdb) ? { tsdb: ps.tsdb } : {}),
          ...(truthy(ps.walCompression) ? { walCompression: ps.walCompression } : {}),
          ...(truthy(ps.routePrefix) ? { routePrefix: ps.routePrefix } : {}),
          serviceAccountName: saName,
          serviceMonitorSelector: selectorOf(ps.serviceMonitorSelector, ps.serviceMonitorSelectorNilUsesHelmValues),
          serviceMonitorNamespaceSelector: truthy(ps.serviceMonitorNamespaceSelector) ? ps.serviceMonitorNamespaceSelector : {},
          podMonitorSelector: selectorOf(ps.podMonitorSelector, ps.podMonitorSelectorNilUsesHelmValues),
          podMonitorNamespaceSelector: truthy(ps.podMonitorNamespaceSelector) ? ps.podMonitorNamespaceSelector : {},
          probeSelector: selectorOf(ps.probeSelector, ps.probeSelectorNilUsesHelmValues),
          probeNamespaceSelector: truthy(ps.probeNamespaceSelector) ? ps.probeNamespaceSelector : {},
          ...(truthy(ps.securityContext) ? { securityContext: ps.securityContext } : {}),
          ruleNamespaceSelector: truthy(ps.ruleNamespaceSelector) ? ps.ruleNamespaceSelector : {},
          ruleSelector: selectorOf(ps.ruleSelector, ps.ruleSelectorNilUsesHelmValues),
          scrapeConfigSelector: selectorOf(ps.scrapeConfigSelector, ps.scrapeConfigSelectorNilUsesHelmValues),
          scrapeConfigNamespaceSelector: truthy(ps.scrapeConfigNamespaceSelector) ? ps.scrapeConfigNamespaceSelector : {},
          ...(truthy(ps.storageSpec) ? { storage: ps.storageSpec } : {}),
          ...(truthy(ps.podMetadata) ? { podMetadata: ps.podMetadata } : {}),
          ...(truthy(ps.tolerations) ? { tolerations: ps.tolerations } : {}),
          ...(truthy(ps.priorityClassName) ? { priorityClassName: ps.priorityClassName } : {}),
          portName: str(ps.portName, 'http-web'),
          hostNetwork: ps.hostNetwork ?? false,
        },
      }),
    );
    const promSm = obj(prom.serviceMonitor);
    if (truthy(promSm.selfMonitor)) {
      sm(`${fn}-prometheus`, ns, { ...promLabels, ...obj(promSm.additionalLabels) }, {
        selector: { matchLabels: { app: `${name}-prometheus`, release, 'self-monitor': 'true' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [
          { port: str(ps.portName, 'http-web'), path: `${str(ps.routePrefix, '/').replace(/\/$/, '')}/metrics`, ...(truthy(promSm.interval) ? { interval: promSm.interval } : {}) },
          { port: 'reloader-web', path: '/metrics', ...(truthy(promSm.interval) ? { interval: promSm.interval } : {}) },
        ],
      });
    }
  }

  // ---- Alertmanager ----
  const am = obj(v.alertmanager);
  if (truthy(am.enabled)) {
    const amSpec = obj(am.alertmanagerSpec);
    const amCr = truthy(v.cleanPrometheusOperatorObjectNames) ? fn : `${fn}-alertmanager`;
    const amLabels = { app: `${name}-alertmanager`, ...labels };
    const amSvc = obj(am.service);
    const type = str(amSvc.type, 'ClusterIP');
    const sa = obj(am.serviceAccount);
    const saName = truthy(sa.create) ? str(sa.name) || `${fn}-alertmanager` : str(sa.name) || 'default';
    if (truthy(sa.create)) objects.push(object('v1', 'ServiceAccount', saName, ns, amLabels, { automountServiceAccountToken: sa.automountServiceAccountToken ?? true }));
    objects.push(
      object('v1', 'Secret', `alertmanager-${amCr}`, ns, amLabels, { data: { 'alertmanager.yaml': b64(toYaml(am.config ?? {})) } }),
      object('v1', 'Service', `${fn}-alertmanager`, ns, { ...amLabels, 'self-monitor': str(obj(am.serviceMonitor).selfMonitor, 'true') }, {
        spec: {
          ports: [
            { name: str(amSpec.portName, 'http-web'), ...(type === 'NodePort' ? { nodePort: amSvc.nodePort } : {}), port: amSvc.port ?? 9093, targetPort: amSvc.targetPort ?? 9093, protocol: 'TCP' },
            { name: 'reloader-web', appProtocol: 'http', port: 8080, targetPort: 'reloader-web' },
          ],
          selector: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: amCr },
          type,
        },
      }),
      object('monitoring.coreos.com/v1', 'Alertmanager', amCr, ns, amLabels, {
        spec: {
          image: `${globalRegistry || str(obj(amSpec.image).registry)}/${str(obj(amSpec.image).repository)}:${str(obj(amSpec.image).tag)}`,
          version: str(obj(amSpec.image).tag),
          replicas: amSpec.replicas ?? 1,
          listenLocal: false,
          serviceAccountName: saName,
          externalUrl: `http://${fn}-alertmanager.${ns}:${str(amSvc.port, '9093')}`,
          paused: false,
          logFormat: 'logfmt',
          logLevel: 'info',
          retention: str(amSpec.retention, '120h'),
          alertmanagerConfigSelector: {},
          alertmanagerConfigNamespaceSelector: {},
          routePrefix: str(amSpec.routePrefix, '/'),
          portName: str(amSpec.portName, 'http-web'),
        },
      }),
    );
    if (truthy(obj(am.serviceMonitor).selfMonitor)) {
      sm(`${fn}-alertmanager`, ns, amLabels, {
        selector: { matchLabels: { app: `${name}-alertmanager`, release, 'self-monitor': 'true' } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: str(amSpec.portName, 'http-web'), enableHttp2: true, path: '/metrics' }, { port: 'reloader-web', path: '/metrics' }],
      });
    }
  }

  // ---- Exporters (Services in kube-system where kind's components live, ServiceMonitors) ----
  const exporter = (key: string, component: string, svcSpec: Obj | undefined, smSpec: Obj) => {
    const e = obj(v[key]);
    if (!truthy(e.enabled)) return;
    const app = `${name}-${component}`;
    if (svcSpec && truthy(obj(e.service).enabled ?? true)) {
      objects.push(object('v1', 'Service', `${fn}-${component}`, 'kube-system', { app, jobLabel: component, ...labels }, { spec: { clusterIP: 'None', ...svcSpec, type: 'ClusterIP' } }));
    }
    if (truthy(obj(e.serviceMonitor).enabled ?? true)) sm(`${fn}-${component}`, ns, { app, ...labels }, smSpec);
  };
  const metricsPort = (key: string, dflt: number) => obj(obj(v[key]).service).port ?? dflt;
  const targetPort = (key: string, dflt: number) => obj(obj(v[key]).service).targetPort ?? dflt;
  exporter('kubeApiServer', 'apiserver', undefined, {
    endpoints: [{ bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', port: 'https', scheme: 'https', tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', serverName: 'kubernetes', insecureSkipVerify: false } }],
    jobLabel: 'component',
    namespaceSelector: { matchNames: ['default'] },
    selector: { matchLabels: { component: 'apiserver', provider: 'kubernetes' } },
  });
  if (truthy(obj(v.kubelet).enabled)) {
    const k = obj(v.kubelet);
    sm(`${fn}-kubelet`, ns, { app: `${name}-kubelet`, ...labels }, {
      attachMetadata: { node: false },
      endpoints: ['/metrics', '/metrics/cadvisor', '/metrics/probes'].map((path) => ({ bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', honorLabels: true, honorTimestamps: true, path, port: 'https-metrics', scheme: 'https', tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: true } })),
      jobLabel: 'k8s-app',
      namespaceSelector: { matchNames: [str(k.namespace, 'kube-system')] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' } },
    });
  }
  exporter(
    'coreDns',
    'coredns',
    { ports: [{ name: 'http-metrics', port: metricsPort('coreDns', 9153), protocol: 'TCP', targetPort: targetPort('coreDns', 9153) }], selector: { 'k8s-app': 'kube-dns' } },
    { jobLabel: 'jobLabel', selector: { matchLabels: { app: `${name}-coredns`, release } }, namespaceSelector: { matchNames: ['kube-system'] }, endpoints: [{ port: 'http-metrics', bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }] },
  );
  const controlPlane = (key: string, component: string, port: number, selector: Obj, scheme: string) =>
    exporter(
      key,
      component,
      { ports: [{ name: 'http-metrics', port: metricsPort(key, port), protocol: 'TCP', targetPort: targetPort(key, port) }], selector },
      { jobLabel: 'jobLabel', selector: { matchLabels: { app: `${name}-${component}`, release } }, namespaceSelector: { matchNames: ['kube-system'] }, endpoints: [{ port: 'http-metrics', bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', ...(scheme === 'https' ? { scheme: 'https', tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: true } } : {}) }] },
    );
  controlPlane('kubeControllerManager', 'kube-controller-manager', 10257, { component: 'kube-controller-manager' }, 'https');
  controlPlane('kubeScheduler', 'kube-scheduler', 10259, { component: 'kube-scheduler' }, 'https');
  controlPlane('kubeProxy', 'kube-proxy', 10249, { 'k8s-app': 'kube-proxy' }, 'http');
  controlPlane('kubeEtcd', 'kube-etcd', 2381, { component: 'etcd' }, 'http');

  // ---- Default rules (a representative subset of the groups) ----
  const dr = obj(v.defaultRules);
  if (truthy(dr.create)) {
    const groups: Array<[string, Obj[]]> = [
      ['general.rules', [{ alert: 'TargetDown', expr: '100 * (count(up == 0) BY (cluster, job, namespace, service) / count(up) BY (cluster, job, namespace, service)) > 10', for: '10m', labels: { severity: 'warning' } }, { alert: 'Watchdog', expr: 'vector(1)', labels: { severity: 'none' } }]],
      ['kubernetes-apps', [{ alert: 'KubePodCrashLooping', expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1', for: '15m', labels: { severity: 'warning' } }]],
      ['node.rules', [{ record: 'node_namespace_pod:kube_pod_info:', expr: 'topk by (cluster, namespace, pod) (1, max by (cluster, node, namespace, pod) (label_replace(kube_pod_info{job="kube-state-metrics",node!=""}, "pod", "$1", "pod", "(.*)")))' }]],
    ];
    for (const [group, rules] of groups) {
      objects.push(object('monitoring.coreos.com/v1', 'PrometheusRule', trunc(`${fn}-${group}`), ns, { app: name, ...labels, ...obj(dr.labels) }, { spec: { groups: [{ name: group, rules }] } }));
    }
  }

  // ---- Grafana sub-chart and the stack's datasource ----
  if (truthy(obj(v.grafana).enabled)) {
    const gv = subchartValues(v, 'grafana', GRAFANA.file);
    objects.push(...grafanaObjects(ctx, gv));
    const sc = obj(obj(gv.sidecar).datasources);
    if (truthy(sc.enabled) || truthy(obj(v.grafana).forceDeployDatasources)) {
      const url = `http://${fn}-prometheus.${ns}:${str(promSvc.port, '9090')}/`;
      const ds = toYaml({
        apiVersion: 1,
        datasources: [
          { name: str(sc.name, 'Prometheus'), type: 'prometheus', uid: str(sc.uid, 'prometheus'), url, access: 'proxy', isDefault: sc.isDefaultDatasource ?? true, jsonData: { httpMethod: str(sc.httpMethod, 'POST'), timeInterval: str(ps.scrapeInterval, '30s') } },
          ...(truthy(am.enabled) && truthy(obj(sc.alertmanager).enabled) ? [{ name: 'Alertmanager', type: 'alertmanager', uid: 'alertmanager', url: `http://${fn}-alertmanager.${ns}:9093/`, access: 'proxy', jsonData: { handleGrafanaManagedAlerts: false, implementation: 'prometheus' } }] : []),
        ],
      });
      objects.push(object('v1', 'ConfigMap', `${fn}-grafana-datasource`, str(obj(v.grafana).namespaceOverride) || ns, { [str(sc.label, 'grafana_datasource')]: str(sc.labelValue, '1'), app: `${name}-grafana`, ...labels }, { data: { 'datasource.yaml': ds } }));
    }
  }

  // ---- kube-state-metrics sub-chart ----
  if (truthy(obj(v.kubeStateMetrics).enabled)) objects.push(...kubeStateMetricsObjects(ctx, subchartValues(v, 'kube-state-metrics', KSM.file)));

  // ---- prometheus-node-exporter sub-chart ----
  if (truthy(obj(v.nodeExporter).enabled)) objects.push(...nodeExporterObjects(ctx, subchartValues(v, 'prometheus-node-exporter', NODE_EXPORTER.file), fn, name, labels));

  const crds = truthy(obj(v.crds).enabled ?? true) ? operatorCrds() : [];
  const grafanaSecret = `${fullname(release, 'grafana', obj(v.grafana))}`;
  const notes = [
    `${CHART} has been installed. Check its status by running:`,
    `  kubectl --namespace ${ns} get pods -l "release=${release}"`,
    '',
    ...(truthy(obj(v.grafana).enabled)
      ? [
          "Get Grafana 'admin' user password by running:",
          '',
          `  kubectl --namespace ${ns} get secrets ${grafanaSecret} -o jsonpath="{.data.admin-password}" | base64 -d ; echo`,
          '',
          'Access Grafana local instance:',
          '',
          `  export POD_NAME=$(kubectl --namespace ${ns} get pod -l "app.kubernetes.io/name=grafana,app.kubernetes.io/instance=${release}" -oname)`,
          `  kubectl --namespace ${ns} port-forward $POD_NAME 3000`,
          '',
        ]
      : []),
    'Visit https://github.com/prometheus-operator/kube-prometheus for instructions on how to create & configure Alertmanager and Prometheus instances using the Operator.',
  ].join('\n');
  return { crds, objects, notes };
}

// ---- grafana 12.11.1 --------------------------------------------------------------------------------------

function grafanaObjects(ctx: RenderContext, gv: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, GRAFANA.chart, gv);
  const ns = str(gv.namespaceOverride) || ctx.namespace;
  const selectorLabels = { 'app.kubernetes.io/name': chartName(GRAFANA.chart, gv), 'app.kubernetes.io/instance': release };
  const labels: Obj = { 'helm.sh/chart': `${GRAFANA.chart}-${GRAFANA.version}`, ...selectorLabels, 'app.kubernetes.io/version': GRAFANA.appVersion, 'app.kubernetes.io/managed-by': 'Helm', ...obj(gv.extraLabels) };
  const out: KubeObject[] = [];
  const sa = obj(gv.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  if (truthy(sa.create)) out.push(object('v1', 'ServiceAccount', saName, ns, { ...labels, ...obj(sa.labels) }, { automountServiceAccountToken: sa.automountServiceAccountToken ?? false }));
  const admin = obj(gv.admin);
  const env = obj(gv.env);
  const hasSecret = !truthy(admin.existingSecret) && !truthy(env.GF_SECURITY_ADMIN_PASSWORD__FILE) && !truthy(env.GF_SECURITY_ADMIN_PASSWORD);
  let secretText = '';
  if (hasSecret) {
    const secret = object('v1', 'Secret', full, ns, labels, {
      type: 'Opaque',
      data: {
        'admin-user': b64(str(gv.adminUser, 'admin')),
        'admin-password': b64(truthy(gv.adminPassword) ? str(gv.adminPassword) : randAlphaNum(40)),
        ...(!truthy(obj(gv.ldap).existingSecret) ? { 'ldap-toml': b64(str(obj(gv.ldap).config)) } : {}),
      },
    });
    secretText = toYaml(secret);
    out.push(secret);
  }
  const ini = obj(gv['grafana.ini']);
  const iniText = Object.entries(ini)
    .map(([section, body]) =>
      typeof body === 'object' && body !== null
        ? `[${section}]\n${Object.entries(body as Obj)
            .map(([k, val]) => `${k} = ${k === 'domain' ? "''" : str(val)}`)
            .join('\n')}`
        : `${section} = ${str(body)}`,
    )
    .join('\n');
  const cm = object('v1', 'ConfigMap', full, ns, labels, { data: { 'grafana.ini': `${iniText}\n` } });
  out.push(cm);
  const sidecar = obj(gv.sidecar);
  const dashSc = obj(sidecar.dashboards);
  const dsSc = obj(sidecar.datasources);
  const providerCm = object('v1', 'ConfigMap', `${full}-config-dashboards`, ns, labels, {
    data: { 'provider.yaml': toYaml({ apiVersion: 1, providers: [{ name: str(obj(dashSc.provider).name, 'sidecarProvider'), orgId: 1, folder: '', type: 'file', disableDeletion: false, allowUiUpdates: obj(dashSc.provider).allowUiUpdates ?? false, updateIntervalSeconds: 30, options: { foldersFromFilesStructure: false, path: '/tmp/dashboards' } }] }) },
  });
  if (truthy(dashSc.enabled)) out.push(providerCm);
  const rbac = obj(gv.rbac);
  if (truthy(rbac.create)) {
    if (!truthy(rbac.namespaced)) {
      out.push(
        object('rbac.authorization.k8s.io/v1', 'ClusterRole', `${full}-clusterrole`, undefined, labels, { rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'watch', 'list'] }] }),
        object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `${full}-clusterrolebinding`, undefined, labels, { subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }], roleRef: { kind: 'ClusterRole', name: `${full}-clusterrole`, apiGroup: 'rbac.authorization.k8s.io' } }),
      );
    }
    out.push(
      object('rbac.authorization.k8s.io/v1', 'Role', full, ns, labels, { rules: [] }),
      object('rbac.authorization.k8s.io/v1', 'RoleBinding', full, ns, labels, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: full }, subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }] }),
    );
  }
  const svc = obj(gv.service);
  if (truthy(svc.enabled ?? true)) {
    const type = str(svc.type) || 'ClusterIP';
    out.push(
      object('v1', 'Service', full, ns, { ...labels, ...obj(svc.labels) }, {
        spec: {
          type,
          ...(type === 'ClusterIP' && truthy(svc.clusterIP) ? { clusterIP: svc.clusterIP } : {}),
          ...(truthy(svc.ipFamilyPolicy) ? { ipFamilyPolicy: svc.ipFamilyPolicy } : {}),
          ...(truthy(svc.ipFamilies) ? { ipFamilies: svc.ipFamilies } : {}),
          ports: [{ name: str(svc.portName, 'service'), port: svc.port ?? 80, protocol: 'TCP', targetPort: svc.targetPort ?? 3000, ...(truthy(svc.appProtocol) ? { appProtocol: svc.appProtocol } : {}), ...(type === 'NodePort' && truthy(svc.nodePort) ? { nodePort: svc.nodePort } : {}) }],
          selector: selectorLabels,
        },
      }, obj(svc.annotations)),
    );
  }
  const img = obj(gv.image);
  const registry = str(obj(gv.global).imageRegistry) || str(img.registry);
  const scImg = obj(sidecar.image);
  const scImage = `${str(obj(gv.global).imageRegistry) || str(scImg.registry)}/${str(scImg.repository)}:${str(scImg.tag)}`;
  const sidecarContainer = (cname: string, sc: Obj, folder: string, extraEnv: Obj[]) => ({
    name: cname,
    image: scImage,
    imagePullPolicy: str(sidecar.imagePullPolicy, 'IfNotPresent'),
    env: [
      { name: 'METHOD', value: str(sc.watchMethod, 'WATCH') },
      { name: 'LABEL', value: str(sc.label) },
      ...(truthy(sc.labelValue) ? [{ name: 'LABEL_VALUE', value: str(sc.labelValue) }] : []),
      { name: 'FOLDER', value: folder },
      { name: 'RESOURCE', value: str(sc.resource, 'both') },
      ...(truthy(sc.searchNamespace) ? [{ name: 'NAMESPACE', value: str(sc.searchNamespace) }] : []),
      ...extraEnv,
    ],
    securityContext: obj(sidecar.securityContext),
    volumeMounts: [{ name: cname === 'grafana-sc-dashboard' ? 'sc-dashboard-volume' : 'sc-datasources-volume', mountPath: folder }],
  });
  const containers: Obj[] = [];
  if (truthy(dashSc.enabled)) containers.push(sidecarContainer('grafana-sc-dashboard', dashSc, '/tmp/dashboards', []));
  if (truthy(dsSc.enabled)) containers.push(sidecarContainer('grafana-sc-datasources', dsSc, '/etc/grafana/provisioning/datasources', [{ name: 'REQ_URL', value: 'http://localhost:3000/api/admin/provisioning/datasources/reload' }, { name: 'REQ_METHOD', value: 'POST' }]));
  containers.push({
    name: 'grafana',
    image: `${registry}/${str(img.repository)}:${str(img.tag) || GRAFANA.appVersion}`,
    imagePullPolicy: str(img.pullPolicy, 'IfNotPresent'),
    securityContext: obj(gv.containerSecurityContext),
    volumeMounts: [{ name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini' }, { name: 'storage', mountPath: '/var/lib/grafana' }],
    ports: [
      { name: str(gv.podPortName, 'grafana'), containerPort: 3000, protocol: 'TCP' },
      { name: `${str(gv.gossipPortName, 'gossip')}-tcp`, containerPort: 9094, protocol: 'TCP' },
      { name: `${str(gv.gossipPortName, 'gossip')}-udp`, containerPort: 9094, protocol: 'UDP' },
    ],
    env: [
      ...(hasSecret
        ? [
            { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: full, key: str(admin.userKey, 'admin-user') } } },
            { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: full, key: str(admin.passwordKey, 'admin-password') } } },
          ]
        : []),
      { name: 'GF_PATHS_DATA', value: str(obj(ini.paths).data, '/var/lib/grafana/') },
      { name: 'GF_PATHS_LOGS', value: str(obj(ini.paths).logs, '/var/log/grafana') },
      { name: 'GF_PATHS_PLUGINS', value: str(obj(ini.paths).plugins, '/var/lib/grafana/plugins') },
      { name: 'GF_PATHS_PROVISIONING', value: str(obj(ini.paths).provisioning, '/etc/grafana/provisioning') },
    ],
    livenessProbe: gv.livenessProbe,
    readinessProbe: gv.readinessProbe,
    ...(truthy(gv.resources) ? { resources: gv.resources } : {}),
  });
  out.push(
    object('apps/v1', 'Deployment', full, ns, { ...labels, ...obj(gv.labels) }, {
      spec: {
        replicas: gv.replicas ?? 1,
        revisionHistoryLimit: gv.revisionHistoryLimit ?? 10,
        selector: { matchLabels: selectorLabels },
        ...(truthy(gv.deploymentStrategy) ? { strategy: gv.deploymentStrategy } : {}),
        template: {
          metadata: {
            labels: { ...selectorLabels, ...obj(gv.podLabels) },
            annotations: {
              'checksum/config': sha256(toYaml(cm)),
              'checksum/sc-dashboard-provider-config': sha256(truthy(dashSc.enabled) ? toYaml(providerCm) : ''),
              ...(hasSecret ? { 'checksum/secret': sha256(secretText) } : {}),
              'kubectl.kubernetes.io/default-container': GRAFANA.chart,
              ...obj(gv.podAnnotations),
            },
          },
          spec: {
            serviceAccountName: saName,
            automountServiceAccountToken: gv.automountServiceAccountToken ?? true,
            ...(truthy(gv.securityContext) ? { securityContext: gv.securityContext } : {}),
            enableServiceLinks: gv.enableServiceLinks ?? true,
            containers,
            volumes: [
              { name: 'config', configMap: { name: full } },
              { name: 'storage', emptyDir: {} },
              ...(truthy(dashSc.enabled) ? [{ name: 'sc-dashboard-volume', emptyDir: {} }, { name: 'sc-dashboard-provider', configMap: { name: `${full}-config-dashboards` } }] : []),
              ...(truthy(dsSc.enabled) ? [{ name: 'sc-datasources-volume', emptyDir: {} }] : []),
            ],
          },
        },
      },
    }),
  );
  const gsm = obj(gv.serviceMonitor);
  if (truthy(gsm.enabled)) {
    out.push(
      object('monitoring.coreos.com/v1', 'ServiceMonitor', full, ns, { ...labels, ...obj(gsm.labels) }, {
        spec: { endpoints: [{ port: str(svc.portName, 'service'), scrapeTimeout: '30s', honorLabels: true, path: str(gsm.path, '/metrics'), scheme: str(gsm.scheme, 'http') }], jobLabel: release, selector: { matchLabels: selectorLabels }, namespaceSelector: { matchNames: [ns] } },
      }),
    );
  }
  return out;
}

// ---- kube-state-metrics 8.4.0 -----------------------------------------------------------------------------

function kubeStateMetricsObjects(ctx: RenderContext, kv: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, KSM.chart, kv);
  const ns = str(kv.namespaceOverride) || ctx.namespace;
  const selectorLabels = truthy(kv.selectorOverride) ? obj(kv.selectorOverride) : { 'app.kubernetes.io/name': chartName(KSM.chart, kv), 'app.kubernetes.io/instance': release };
  const labels: Obj = {
    'helm.sh/chart': `${KSM.chart}-${KSM.version}`,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': chartName(KSM.chart, kv),
    ...selectorLabels,
    'app.kubernetes.io/version': KSM.appVersion,
    ...obj(kv.customLabels),
    ...(truthy(kv.releaseLabel) ? { release } : {}),
  };
  const sa = obj(kv.serviceAccount);
  const saName = truthy(sa.create) ? str(sa.name) || full : str(sa.name) || 'default';
  const out: KubeObject[] = [];
  if (truthy(sa.create)) out.push(object('v1', 'ServiceAccount', saName, ns, labels, { automountServiceAccountToken: sa.automountServiceAccountToken ?? true }));
  const collectors = arr(kv.collectors).map(String);
  if (truthy(obj(kv.rbac).create)) {
    out.push(
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', full, undefined, labels, { rules: collectors.map((c) => ({ apiGroups: ['*'], resources: [c], verbs: ['list', 'watch'] })) }),
      object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', full, undefined, labels, { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: full }, subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }] }),
    );
  }
  const svc = obj(kv.service);
  const port = Number(svc.port ?? 8080);
  out.push(
    object('v1', 'Service', full, ns, labels, {
      spec: { type: str(svc.type, 'ClusterIP'), ports: [{ name: 'http', protocol: 'TCP', port, targetPort: 'http', ...(str(svc.type) === 'NodePort' && truthy(svc.nodePort) ? { nodePort: svc.nodePort } : {}) }], selector: selectorLabels },
    }, { ...obj(svc.annotations), ...(truthy(kv.prometheusScrape) ? { 'prometheus.io/scrape': 'true' } : {}) }),
  );
  const img = obj(kv.image);
  const registry = str(obj(kv.global).imageRegistry) || str(img.registry);
  const probe = (p: unknown, path: string, probePort: string) => {
    const o = obj(p);
    return { ...o, httpGet: { ...obj(o.httpGet), path, port: probePort } };
  };
  out.push(
    object('apps/v1', 'Deployment', full, ns, labels, {
      spec: {
        selector: { matchLabels: selectorLabels },
        replicas: kv.replicas ?? 1,
        strategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: kv.revisionHistoryLimit ?? 10,
        template: {
          metadata: { labels: { ...labels, ...obj(kv.podLabels) }, ...(truthy(kv.podAnnotations) ? { annotations: kv.podAnnotations } : {}) },
          spec: {
            automountServiceAccountToken: true,
            hostNetwork: false,
            serviceAccountName: saName,
            ...(truthy(obj(kv.securityContext).enabled) ? { securityContext: Object.fromEntries(Object.entries(obj(kv.securityContext)).filter(([k]) => k !== 'enabled')) } : {}),
            containers: [
              {
                name: 'kube-state-metrics',
                args: [`--port=${port}`, `--resources=${collectors.join(',')}`, ...arr(kv.extraArgs).map(String)],
                imagePullPolicy: str(img.pullPolicy, 'IfNotPresent'),
                image: `${registry}/${str(img.repository)}:${str(img.tag) || `v${KSM.appVersion}`}`,
                ports: [{ containerPort: port, name: 'http' }, { containerPort: 8081, name: 'metrics' }],
                livenessProbe: probe(kv.livenessProbe, '/livez', 'http'),
                readinessProbe: probe(kv.readinessProbe, '/readyz', 'metrics'),
                ...(truthy(kv.resources) ? { resources: kv.resources } : {}),
                securityContext: obj(kv.containerSecurityContext),
              },
            ],
          },
        },
      },
    }),
  );
  const mon = obj(obj(kv.prometheus).monitor);
  if (truthy(mon.enabled)) {
    const http = obj(mon.http);
    out.push(
      object('monitoring.coreos.com/v1', 'ServiceMonitor', full, str(mon.namespace) || ns, { ...labels, ...obj(mon.additionalLabels) }, {
        spec: { jobLabel: str(mon.jobLabel) || 'app.kubernetes.io/name', selector: { matchLabels: truthy(mon.selectorOverride) ? mon.selectorOverride : selectorLabels }, endpoints: [{ port: 'http', ...(truthy(http.honorLabels) ? { honorLabels: true } : {}) }] },
      }),
    );
  }
  return out;
}

// ---- prometheus-node-exporter 4.56.1 ----------------------------------------------------------------------

function nodeExporterObjects(ctx: RenderContext, nv: Obj, fn: string, kpsName: string, kpsLabels: Obj): KubeObject[] {
  const release = ctx.release;
  const full = fullname(release, NODE_EXPORTER.chart, nv);
  const ns = str(nv.namespaceOverride) || ctx.namespace;
  const name = chartName(NODE_EXPORTER.chart, nv);
  const selectorLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': release };
  const labels: Obj = {
    'helm.sh/chart': `${NODE_EXPORTER.chart}-${NODE_EXPORTER.version}`,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/component': 'metrics',
    'app.kubernetes.io/part-of': name,
    ...selectorLabels,
    'app.kubernetes.io/version': NODE_EXPORTER.appVersion,
    ...(truthy(nv.releaseLabel) ? { release } : {}),
    ...obj(nv.commonLabels),
  };
  const svc = obj(nv.service);
  const port = Number(svc.port ?? 9100);
  const img = obj(nv.image);
  const registry = str(obj(nv.global).imageRegistry) || str(img.registry);
  const out: KubeObject[] = [
    object('v1', 'ServiceAccount', full, ns, labels, { automountServiceAccountToken: false }),
    object('v1', 'Service', full, ns, { ...labels, jobLabel: 'node-exporter' }, {
      spec: { type: str(svc.type, 'ClusterIP'), ports: [{ port, targetPort: svc.targetPort ?? port, protocol: 'TCP', name: str(svc.portName, 'metrics') }], selector: selectorLabels },
    }, obj(svc.annotations)),
    object('apps/v1', 'DaemonSet', full, ns, labels, {
      spec: {
        selector: { matchLabels: selectorLabels },
        revisionHistoryLimit: 10,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { ...labels, ...obj(nv.podLabels) }, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } },
          spec: {
            automountServiceAccountToken: false,
            serviceAccountName: full,
            containers: [
              {
                name: 'node-exporter',
                image: `${registry}/${str(img.repository)}:${str(img.tag) || `v${NODE_EXPORTER.appVersion}`}`,
                imagePullPolicy: str(img.pullPolicy, 'IfNotPresent'),
                args: ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--path.rootfs=/host/root', `--web.listen-address=[$(HOST_IP)]:${port}`, ...arr(nv.extraArgs).map(String)],
                env: [{ name: 'HOST_IP', value: '0.0.0.0' }],
                ports: [{ name: str(svc.portName, 'metrics'), containerPort: port, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/', port, scheme: 'HTTP' } },
              },
            ],
            hostNetwork: true,
            hostPID: true,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }],
          },
        },
      },
    }),
  ];
  out.push(
    object('monitoring.coreos.com/v1', 'ServiceMonitor', `${fn}-node-exporter`, ns, { app: `${kpsName}-node-exporter`, ...kpsLabels }, {
      spec: { jobLabel: 'jobLabel', selector: { matchLabels: selectorLabels }, endpoints: [{ port: str(svc.portName, 'metrics'), scheme: 'http' }] },
    }),
  );
  return out;
}

export const kubePrometheusStack: ChartVersion = {
  name: CHART,
  version: VERSION,
  appVersion: APP_VERSION,
  description: 'kube-prometheus-stack collects Kubernetes manifests, Grafana dashboards, and Prometheus rules combined with documentation and scripts to provide easy to operate end-to-end Kubernetes cluster monitoring with Prometheus using the Prometheus Operator.',
  repos: ['https://prometheus-community.github.io/helm-charts', 'oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack'],
  valuesFile: 'kube-prometheus-stack-88.5.3.yaml',
  render,
};

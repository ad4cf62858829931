// KEDA chart 2.20.2 (app 2.20.2), https://kedacore.github.io/charts — rendered after kedacore/charts at tag
// v2.20.2 (commit cbb9bb8c), keda/templates/{_helpers.tpl (keda.chart, keda.crd-labels, keda.labels),
// crds/crd-*.yaml, manager/{serviceaccount,clusterrole,minimal-rbac,clusterrolebindings,service,deployment,
// poddisruptionbudget,servicemonitor,podmonitor,prometheusrules,networkpolicy,ciliumnetworkpolicy}.yaml,
// metrics-server/{serviceaccount,clusterrole,clusterrolebinding,service,deployment,apiservice,
// poddisruptionbudget,servicemonitor,podmonitor,networkpolicy,ciliumnetworkpolicy}.yaml,
// webhooks/{serviceaccount,clusterrole,clusterrolebindings,service,deployment,validatingconfiguration,
// poddisruptionbudget,servicemonitor,prometheusrules,networkpolicy,ciliumnetworkpolicy}.yaml,
// cert-manager/*.yaml, extensibility/extra-manifests.yaml, NOTES.txt}. Held to the real `helm template` render
// by test/conformance (case `defaults`).
//
// KEDA ships its six CRDs in templates/ (gated on `crds.install`), so they are rendered as objects, not in
// `crds`; their schemas are not simulated (x-kubernetes-preserve-unknown-fields), names, scope, versions,
// subresources and printer columns are the chart's.
//
// How the templates' text becomes values is reproduced where it matters: `{{ x }}` prints x the way Go's
// fmt does (numbers from values files are float64 in Helm: 1000000 prints as 1e+06 — a `--set` integer would
// print whole, a difference the simulation cannot see), nil prints nothing, an unquoted interpolation is read
// back as a YAML scalar, `a | default b` and `and` follow Go template truthiness.
//
// Not simulated here: the operator, the metrics API server and the admission webhooks themselves (no pod
// behaviour, no external.metrics.k8s.io API). `extraObjects` go through `tpl` with .Release.Name and
// .Release.Namespace only.
import { parse } from 'yaml';
import type { KubeObject } from '../lib/store.ts';
import { arr, obj, object, toYaml, tpl, truthy, type ChartVersion, type Obj, type RenderContext, type Rendered } from './common.ts';

const CHART = 'keda';
const VERSION = '2.20.2';
const APP_VERSION = '2.20.2';

// ---- Go template semantics ----------------------------------------------------------------------------------

/** Go's fmt %v of a float64 (strconv 'g', shortest): exponent form from 1e+06 up and below 1e-04. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant = '', e = '0'] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** What `{{ x }}` prints for a value Helm passes: nil prints nothing (Helm drops "<no value>"). */
export function goStr(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === null || x === undefined ? '<nil>' : goStr(x))).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Obj;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${o[k] === null || o[k] === undefined ? '<nil>' : goStr(o[k])}`).join(' ')}]`;
  }
  return typeof v === 'bigint' ? v.toString() : '';
}

/** An unquoted interpolation (`key: {{ x }}`), read back by the YAML parser (YAML 1.1, like sigs.k8s.io/yaml). */
function u(v: unknown): unknown {
  const s = goStr(v);
  if (s.trim() === '') return null;
  try {
    return parse(s, { version: '1.1' }) as unknown;
  } catch {
    return s;
  }
}

/** `a | default b` */
const dflt = (a: unknown, b: unknown): unknown => (truthy(a) ? a : b);
/** Go's `and`: the first empty argument, else the last. */
const and = (...xs: unknown[]): unknown => xs.find((x) => !truthy(x)) ?? xs[xs.length - 1];
/** `range $key, $value := map`: keys in sorted order. */
const sortedEntries = (m: unknown): Array<[string, unknown]> => Object.entries(obj(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
/** Annotation blocks written with `range ... {{ $key }}: {{ $value | quote }}`. */
const quotedMap = (m: unknown): Obj => Object.fromEntries(sortedEntries(m).map(([k, x]) => [k, goStr(x)]));
/** `{{- with X }} key: toYaml X {{- end }}` */
const withKey = (key: string, v: unknown): Obj => (truthy(v) ? { [key]: v } : {});

// ---- the chart ------------------------------------------------------------------------------------------------

interface SaRef {
  create: unknown;
  name: string;
  automount: unknown;
  annotations: unknown;
}

/** `(.Values.serviceAccount.<k>).x | default .Values.serviceAccount.x`, and the automount ternary. */
function serviceAccountOf(v: Obj, key: 'operator' | 'metricServer' | 'webhooks'): SaRef {
  const all = obj(v.serviceAccount);
  const s = obj(all[key]);
  const automount = s.automountServiceAccountToken;
  return {
    create: dflt(s.create, all.create),
    name: goStr(dflt(s.name, all.name)),
    automount: u(automount === null || automount === undefined ? all.automountServiceAccountToken : automount),
    annotations: dflt(s.annotations, all.annotations),
  };
}

const CRDS: Array<{ group: string; kind: string; plural: string; shortNames?: string[]; scope: 'Namespaced' | 'Cluster'; columns: Array<[string, string, string, number?]> }> = (() => {
  const cond = (t: string) => `.status.conditions[?(@.type=="${t}")].status`;
  const auth = (file: boolean): Array<[string, string, string, number?]> => [
    ['PodIdentity', 'string', '.spec.podIdentity.provider'],
    ['Secret', 'string', '.spec.secretTargetRef[*].name'],
    ['Env', 'string', '.spec.env[*].name'],
    ...(file ? ([['FilePath', 'string', '.spec.filePath']] as Array<[string, string, string]>) : []),
    ['VaultAddress', 'string', '.spec.hashiCorpVault.address'],
    ['ScaledObjects', 'string', '.status.scaledobjects', 1],
    ['ScaledJobs', 'string', '.status.scaledjobs', 1],
  ];
  const minMax: Array<[string, string, string]> = [
    ['Min', 'integer', '.spec.minReplicaCount'],
    ['Max', 'integer', '.spec.maxReplicaCount'],
  ];
  const tail: Array<[string, string, string]> = [
    ['Triggers', 'string', '.status.triggersTypes'],
    ['Authentications', 'string', '.status.authenticationsTypes'],
    ['Age', 'date', '.metadata.creationTimestamp'],
  ];
  return [
    { group: 'eventing.keda.sh', kind: 'CloudEventSource', plural: 'cloudeventsources', scope: 'Namespaced', columns: [['Active', 'string', cond('Active')]] },
    { group: 'eventing.keda.sh', kind: 'ClusterCloudEventSource', plural: 'clustercloudeventsources', scope: 'Cluster', columns: [['Active', 'string', cond('Active')]] },
    { group: 'keda.sh', kind: 'ClusterTriggerAuthentication', plural: 'clustertriggerauthentications', shortNames: ['cta', 'clustertriggerauth'], scope: 'Cluster', columns: auth(true) },
    {
      group: 'keda.sh',
      kind: 'ScaledJob',
      plural: 'scaledjobs',
      shortNames: ['sj'],
      scope: 'Namespaced',
      columns: [...minMax, ['Ready', 'string', cond('Ready')], ['Active', 'string', cond('Active')], ['Paused', 'string', cond('Paused')], ...tail],
    },
    {
      group: 'keda.sh',
      kind: 'ScaledObject',
      plural: 'scaledobjects',
      shortNames: ['so'],
      scope: 'Namespaced',
      columns: [
        ['ScaleTargetKind', 'string', '.status.scaleTargetKind'],
        ['ScaleTargetName', 'string', '.spec.scaleTargetRef.name'],
        ...minMax,
        ['Ready', 'string', cond('Ready')],
        ['Active', 'string', cond('Active')],
        ['Fallback', 'string', cond('Fallback')],
        ['Paused', 'string', cond('Paused')],
        ...tail,
      ],
    },
    { group: 'keda.sh', kind: 'TriggerAuthentication', plural: 'triggerauthentications', shortNames: ['ta', 'triggerauth'], scope: 'Namespaced', columns: auth(false) },
  ];
})();

/** The validating webhooks of webhooks/validatingconfiguration.yaml: [name, group, resource]; each path is
 * /validate-<group, dots as dashes>-v1alpha1-<resource in the singular>. */
const WEBHOOKS: Array<[string, string, string]> = [
  ['vscaledobject.kb.io', 'keda.sh', 'scaledobjects'],
  ['vscaledjob.kb.io', 'keda.sh', 'scaledjobs'],
  ['vstriggerauthentication.kb.io', 'keda.sh', 'triggerauthentications'],
  ['vsclustertriggerauthentication.kb.io', 'keda.sh', 'clustertriggerauthentications'],
  ['vcloudeventsource.kb.io', 'eventing.keda.sh', 'cloudeventsources'],
  ['vclustercloudeventsource.kb.io', 'eventing.keda.sh', 'clustercloudeventsources'],
];

const RBAC = 'rbac.authorization.k8s.io/v1';
const rule = (apiGroups: string[], resources: string[], verbs: string[], extra: Obj = {}): Obj => ({ apiGroups, resources, verbs, ...extra });
const WATCH = ['get', 'list', 'watch'];
const EDIT = ['get', 'list', 'patch', 'update', 'watch'];
const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const EVENTING_RULE = rule(['eventing.keda.sh'], ['cloudeventsources', 'cloudeventsources/status', 'clustercloudeventsources', 'clustercloudeventsources/status'], EDIT);

function render(ctx: RenderContext): Rendered {
  const v = ctx.values;
  const ns = ctx.namespace;
  const release = ctx.release;
  const op = goStr(obj(v.operator).name);
  const operator = obj(v.operator);
  const ms = obj(v.metricsServer);
  const wh = obj(v.webhooks);
  const whName = goStr(wh.name);
  const msName = `${op}-metrics-apiserver`;
  const certs = obj(v.certificates);
  const certManager = obj(certs.certManager);
  const selfManagedCerts = and(certs.autoGenerated, !truthy(certManager.enabled));
  const prom = obj(v.prometheus);
  const promOp = obj(prom.operator);
  const promMs = obj(prom.metricServer);
  const promWh = obj(prom.webhooks);
  const profiling = obj(v.profiling);
  const profOp = obj(profiling.operator);
  const profMs = obj(profiling.metricsServer);
  const profWh = obj(profiling.webhooks);
  const service = obj(v.service);
  const http = obj(v.http);
  const perms = obj(v.permissions);
  const restrictOp = obj(obj(perms.operator).restrict);
  const restrictMs = obj(obj(perms.metricServer).restrict);
  const rbac = obj(v.rbac);
  const identity = obj(v.podIdentity);
  const azure = obj(identity.azureWorkload);
  const irsa = obj(obj(identity.aws).irsa);
  const gcp = obj(identity.gcp);
  const logging = obj(v.logging);
  const global = obj(v.global);
  const images = obj(v.image);
  const volumes = obj(v.volumes);
  const resources = obj(v.resources);
  const securityContext = obj(v.securityContext);
  const podSecurityContext = obj(v.podSecurityContext);
  const tsc = obj(v.topologySpreadConstraints);
  const pdb = obj(v.podDisruptionBudget);
  const netpol = obj(v.networkPolicy);
  const additionalAnnotations = obj(v.additionalAnnotations);
  const clusterDomain = goStr(v.clusterDomain);
  const mountPath = goStr(certs.mountPath);
  const secretName = goStr(certs.secretName);
  const saOp = serviceAccountOf(v, 'operator');
  const saMs = serviceAccountOf(v, 'metricServer');
  const saWh = serviceAccountOf(v, 'webhooks');

  // _helpers.tpl
  const crdLabels: Obj = {
    'helm.sh/chart': `${CHART}-${VERSION}`.replace(/\+/g, '_').slice(0, 63).replace(/-$/, ''),
    'app.kubernetes.io/component': 'operator',
    'app.kubernetes.io/managed-by': goStr(dflt(v.customManagedBy, 'Helm')),
    'app.kubernetes.io/part-of': op,
    'app.kubernetes.io/version': APP_VERSION,
  };
  const labels: Obj = { ...crdLabels, 'app.kubernetes.io/instance': release, ...obj(v.additionalLabels) };
  const named = (name: string, extra: Obj = {}): Obj => ({ 'app.kubernetes.io/name': name, ...extra, ...labels });

  const objects: KubeObject[] = [];
  // Each object its own tree (JSON copy): the rule lists and mounts shared here would otherwise be YAML aliases in
  // the manifest, and one object's edit another's.
  const push = (apiVersion: string, kind: string, name: string, namespace: string | undefined, objLabels: Obj, extra: Obj, annotations?: Obj) => {
    objects.push(JSON.parse(JSON.stringify(object(apiVersion, kind, name, namespace, objLabels, extra, annotations))) as KubeObject);
  };

  // crds/crd-*.yaml
  if (truthy(obj(v.crds).install)) {
    const crdAnnotations = { 'controller-gen.kubebuilder.io/version': 'v0.21.0', ...additionalAnnotations, ...obj(obj(v.crds).additionalAnnotations) };
    for (const c of CRDS) {
      push('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `${c.plural}.${c.group}`, undefined, { 'app.kubernetes.io/name': op, ...crdLabels }, {
        spec: {
          group: c.group,
          names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, ...(c.shortNames ? { shortNames: c.shortNames } : {}), singular: c.kind.toLowerCase() },
          scope: c.scope,
          versions: [
            {
              additionalPrinterColumns: c.columns.map(([name, type, jsonPath, priority]) => ({ jsonPath, name, ...(priority !== undefined ? { priority } : {}), type })),
              name: 'v1alpha1',
              schema: { openAPIV3Schema: { type: 'object', description: `${c.kind} (schema not simulated)`, 'x-kubernetes-preserve-unknown-fields': true } },
              served: true,
              storage: true,
              subresources: { status: {} },
            },
          ],
        },
      }, crdAnnotations);
    }
  }

  // manager/serviceaccount.yaml, metrics-server/serviceaccount.yaml, webhooks/serviceaccount.yaml
  if (truthy(saOp.create)) {
    const withAnnotations = truthy(azure.enabled) || truthy(irsa.enabled) || truthy(saOp.annotations) || truthy(gcp.enabled);
    const annotations: Obj = withAnnotations
      ? {
          ...additionalAnnotations,
          ...(truthy(azure.enabled)
            ? {
                ...(truthy(azure.clientId) ? { 'azure.workload.identity/client-id': goStr(azure.clientId) } : {}),
                ...(truthy(azure.tenantId) ? { 'azure.workload.identity/tenant-id': goStr(azure.tenantId) } : {}),
                'azure.workload.identity/service-account-token-expiration': goStr(azure.tokenExpiration),
              }
            : {}),
          ...(truthy(irsa.enabled)
            ? {
                ...(truthy(irsa.audience) ? { 'eks.amazonaws.com/audience': goStr(irsa.audience) } : {}),
                ...(truthy(irsa.roleArn) ? { 'eks.amazonaws.com/role-arn': goStr(irsa.roleArn) } : {}),
                ...(truthy(irsa.stsRegionalEndpoints) ? { 'eks.amazonaws.com/sts-regional-endpoints': goStr(irsa.stsRegionalEndpoints) } : {}),
                'eks.amazonaws.com/token-expiration': goStr(irsa.tokenExpiration),
              }
            : {}),
          ...(truthy(gcp.enabled) && truthy(gcp.gcpIAMServiceAccount) ? { 'iam.gke.io/gcp-service-account': u(gcp.gcpIAMServiceAccount) } : {}),
          ...obj(saOp.annotations),
        }
      : {};
    push('v1', 'ServiceAccount', saOp.name, ns, named(saOp.name, truthy(azure.enabled) ? { 'azure.workload.identity/use': 'true' } : {}), { automountServiceAccountToken: saOp.automount }, annotations);
  }
  for (const [sa, gate] of [
    [saMs, truthy(ms.enabled)],
    [saWh, true],
  ] as Array<[SaRef, boolean]>) {
    if (!gate || !truthy(sa.create)) continue;
    push('v1', 'ServiceAccount', sa.name, ns, named(sa.name), { automountServiceAccountToken: sa.automount }, { ...additionalAnnotations, ...obj(sa.annotations) });
  }

  if (truthy(rbac.create)) {
    // manager/clusterrole.yaml
    const scaledRefRules = truthy(rbac.enabledCustomScaledRefKinds)
      ? arr(rbac.scaledRefKinds)
          .map(obj)
          .flatMap((k) => [rule([goStr(k.apiGroup)], [`${goStr(k.kind)}/scale`], EDIT), rule([goStr(k.apiGroup)], [goStr(k.kind)], ['get'])])
      : [];
    push(RBAC, 'ClusterRole', op, undefined, named(op), {
      rules: [
        rule([''], ['configmaps', 'configmaps/status', 'limitranges', 'pods', 'services', 'serviceaccounts'], WATCH),
        ...(restrictOp.allowAllServiceAccountTokenCreation === true ? [rule([''], ['serviceaccounts/token'], ['create'])] : []),
        rule(['events.k8s.io', ''], ['events'], ['create', 'patch']),
        rule(['discovery.k8s.io'], ['endpointslices'], WATCH),
        ...(!truthy(restrictOp.secret)
          ? [rule([''], ['secrets'], ['list', 'watch']), ...(truthy(restrictOp.namesAllowList) ? [rule([''], ['secrets'], ['get'], { resourceNames: restrictOp.namesAllowList })] : [])]
          : []),
        ...scaledRefRules,
        rule(['apps'], ['deployments/scale', 'statefulsets/scale'], EDIT),
        rule(['apps'], ['deployments', 'replicasets', 'statefulsets'], WATCH),
        rule(['autoscaling'], ['horizontalpodautoscalers'], ALL_VERBS),
        rule(['batch'], ['jobs'], ALL_VERBS),
        EVENTING_RULE,
        rule(['keda.sh'], ['scaledjobs', 'scaledjobs/finalizers', 'scaledjobs/status', 'scaledobjects', 'scaledobjects/finalizers', 'scaledobjects/status', 'triggerauthentications', 'triggerauthentications/status'], EDIT),
      ],
    }, additionalAnnotations);
    if (truthy(rbac.aggregateToDefaultRoles)) {
      const kedaKinds = ['clustertriggerauthentications', 'scaledjobs', 'scaledobjects', 'triggerauthentications'];
      const eventingKinds = ['cloudeventsources', 'clustercloudeventsources'];
      const agg = (view: boolean): Obj => ({ 'rbac.authorization.k8s.io/aggregate-to-admin': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', ...(view ? { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } : {}) });
      const editVerbs = ['create', 'delete', 'patch', 'update'];
      push(RBAC, 'ClusterRole', 'keda:edit', undefined, { ...agg(false), ...named(op) }, { rules: [rule(['keda.sh'], kedaKinds, editVerbs), rule(['eventing.keda.sh'], eventingKinds, editVerbs)] });
      push(RBAC, 'ClusterRole', 'keda:view', undefined, { ...agg(true), ...named(op) }, { rules: [rule(['keda.sh'], kedaKinds, WATCH), rule(['eventing.keda.sh'], eventingKinds, WATCH)] });
    }
    for (const r of arr(restrictOp.serviceAccountTokenCreationRoles).map(obj)) {
      const name = `${op}-token-creator-${goStr(r.name)}`;
      const rns = goStr(r.namespace);
      push(RBAC, 'Role', name, rns, named(op), { rules: [rule([''], ['serviceaccounts/token'], ['create'], { resourceNames: [u(r.name)] })] }, additionalAnnotations);
      push(RBAC, 'RoleBinding', name, rns, named(op), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name: op, namespace: ns }] }, additionalAnnotations);
    }

    // manager/minimal-rbac.yaml
    const secretRules = truthy(certManager.enabled)
      ? [rule([''], ['secrets'], ['get'], { resourceNames: [secretName] }), ...(truthy(restrictOp.secret) ? [rule([''], ['secrets'], ['list', 'watch'])] : [])]
      : truthy(certs.autoGenerated)
        ? [rule([''], ['secrets'], ['get'], { resourceNames: [secretName] }), rule([''], ['secrets'], ['create', 'update', ...(truthy(restrictOp.secret) ? WATCH : [])])]
        : [];
    push(RBAC, 'Role', `${op}-certs`, ns, named(`${op}-certs`), { rules: [rule(['coordination.k8s.io'], ['leases'], ALL_VERBS), ...secretRules] }, additionalAnnotations);
    push(RBAC, 'RoleBinding', `${op}-certs`, ns, named(`${op}-certs`), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${op}-certs` }, subjects: [{ kind: 'ServiceAccount', name: saOp.name, namespace: ns }] }, additionalAnnotations);
    push(RBAC, 'ClusterRole', `${op}-minimal-cluster-role`, undefined, named(`${op}-minimal-cluster-role`), {
      rules: [
        rule(['keda.sh'], ['clustertriggerauthentications', 'clustertriggerauthentications/status'], EDIT),
        ...(truthy(selfManagedCerts) ? [rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], EDIT), rule(['apiregistration.k8s.io'], ['apiservices'], EDIT)] : []),
        EVENTING_RULE,
      ],
    }, additionalAnnotations);
    push(RBAC, 'ClusterRoleBinding', `${op}-minimal`, undefined, named(`${op}-minimal`), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${op}-minimal-cluster-role` }, subjects: [{ kind: 'ServiceAccount', name: saOp.name, namespace: ns }] }, additionalAnnotations);

    // manager/clusterrolebindings.yaml
    const opBinding = { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: op }, subjects: [{ kind: 'ServiceAccount', name: saOp.name, namespace: ns }] };
    if (!truthy(v.watchNamespace)) push(RBAC, 'ClusterRoleBinding', op, undefined, named(op), opBinding, additionalAnnotations);
    else for (const wns of [...new Set([...goStr(v.watchNamespace).split(','), ns])]) push(RBAC, 'RoleBinding', op, wns.trim(), named(op), opBinding, additionalAnnotations);

    // metrics-server/clusterrole.yaml, metrics-server/clusterrolebinding.yaml
    if (truthy(ms.enabled)) {
      push(RBAC, 'ClusterRole', `${op}-external-metrics-reader`, undefined, named(`${op}-external-metrics-reader`), { rules: [rule(['external.metrics.k8s.io'], ['externalmetrics'], ['get'])] }, additionalAnnotations);
      const msSubjects = [{ kind: 'ServiceAccount', name: saMs.name, namespace: ns }];
      push(RBAC, 'ClusterRoleBinding', `${op}-system-auth-delegator`, undefined, named(`${op}-system-auth-delegator`), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' }, subjects: msSubjects }, additionalAnnotations);
      push(RBAC, 'RoleBinding', `${op}-auth-reader`, goStr(rbac.controlPlaneServiceAccountsNamespace), named(`${op}-auth-reader`), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' }, subjects: msSubjects }, additionalAnnotations);
      push(RBAC, 'ClusterRoleBinding', `${op}-hpa-controller-external-metrics`, undefined, named(`${op}-hpa-controller-external-metrics`), {
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${op}-external-metrics-reader` },
        subjects: [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }],
      }, additionalAnnotations);
    }

    // webhooks/clusterrole.yaml, webhooks/clusterrolebindings.yaml
    push(RBAC, 'ClusterRole', `${op}-webhook`, undefined, named(`${op}-webhook`), {
      rules: [
        rule(['autoscaling'], ['horizontalpodautoscalers'], ['list', 'watch']),
        rule(['keda.sh'], ['scaledobjects'], ['list', 'watch']),
        rule(['apps'], ['deployments', 'statefulsets'], WATCH),
        rule([''], ['limitranges'], ['list']),
        rule(['events.k8s.io'], ['events'], ['create', 'patch']),
      ],
    }, additionalAnnotations);
    push(RBAC, 'ClusterRoleBinding', `${op}-webhook`, undefined, named(`${op}-webhook`), { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${op}-webhook` }, subjects: [{ kind: 'ServiceAccount', name: saWh.name, namespace: ns }] }, additionalAnnotations);
  }

  // Services: manager/service.yaml, metrics-server/service.yaml, webhooks/service.yaml
  const scrape = (enabled: unknown, monitors: boolean, port: unknown): Obj => (truthy(enabled) && !monitors ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': goStr(port), 'prometheus.io/path': '/metrics' } : {});
  const serviceAnnotations = (prometheusAnn: Obj): Obj => ({ ...prometheusAnn, ...quotedMap(additionalAnnotations), ...quotedMap(service.annotations) });
  const opMonitored = truthy(obj(promOp.podMonitor).enabled) || truthy(obj(promOp.serviceMonitor).enabled);
  const msMonitored = truthy(obj(promMs.podMonitor).enabled) || truthy(obj(promMs.serviceMonitor).enabled);
  const whMonitored = truthy(obj(promWh.serviceMonitor).enabled);
  push('v1', 'Service', op, ns, named(op), {
    spec: {
      ports: [
        { name: 'metricsservice', port: 9666, targetPort: 9666 },
        ...(truthy(promOp.enabled) ? [{ name: 'metrics', port: u(promOp.port), targetPort: u(promOp.port), ...withKey('appProtocol', u(promOp.appProtocol)) }] : []),
        ...(truthy(profOp.enabled) ? [{ name: 'profiling', port: u(profOp.port), targetPort: u(profOp.port) }] : []),
      ],
      selector: { app: op },
    },
  }, serviceAnnotations(scrape(promOp.enabled, opMonitored, promOp.port)));
  if (truthy(ms.enabled)) {
    push('v1', 'Service', msName, ns, named(msName, { app: msName }), {
      spec: {
        type: u(service.type),
        ports: [
          { name: 'https', port: u(service.portHttps), targetPort: u(service.portHttpsTarget), protocol: 'TCP', appProtocol: 'https' },
          { name: u(promMs.portName), port: u(promMs.port), targetPort: u(promMs.port), protocol: 'TCP', ...withKey('appProtocol', u(promMs.appProtocol)) },
          ...(truthy(profMs.enabled) ? [{ name: 'profiling', port: u(profMs.port), targetPort: u(profMs.port), protocol: 'TCP' }] : []),
        ],
        selector: { app: msName },
      },
    }, serviceAnnotations(scrape(promMs.enabled, msMonitored, promMs.port)));
  }
  const whPort = u(dflt(wh.port, 9443));
  if (truthy(wh.enabled)) {
    push('v1', 'Service', whName, ns, named(whName), {
      spec: {
        ports: [
          { name: 'https', port: 443, protocol: 'TCP', targetPort: whPort, appProtocol: 'https' },
          ...(truthy(promWh.enabled) ? [{ name: u(obj(promWh.serviceMonitor).port), port: u(promWh.port), targetPort: u(promWh.port), ...withKey('appProtocol', u(promWh.appProtocol)) }] : []),
          ...(truthy(profWh.enabled) ? [{ name: 'profiling', port: u(profWh.port), targetPort: u(profWh.port) }] : []),
        ],
        selector: { app: whName },
      },
    }, serviceAnnotations(scrape(promWh.enabled, whMonitored, promWh.port)));
  }

  // Deployments: manager/deployment.yaml, metrics-server/deployment.yaml, webhooks/deployment.yaml
  const image = (key: string): string => {
    const i = obj(images[key]);
    const registry = goStr(dflt(dflt(obj(global.image).registry, i.registry), ''));
    const ref = `${goStr(i.repository)}:${goStr(dflt(i.tag, APP_VERSION))}`;
    return registry ? `${registry}/${ref}` : ref;
  };
  const probe = (path: string, port: unknown, p: unknown, scheme?: string): Obj => {
    const q = obj(p);
    return {
      httpGet: { path, port, ...(scheme ? { scheme } : {}) },
      initialDelaySeconds: u(q.initialDelaySeconds),
      periodSeconds: u(q.periodSeconds),
      timeoutSeconds: u(q.timeoutSeconds),
      failureThreshold: u(q.failureThreshold),
      successThreshold: u(q.successThreshold),
    };
  };
  const tlsEnv = (): Obj[] => [
    { name: 'KEDA_HTTP_DEFAULT_TIMEOUT', value: goStr(http.timeout) },
    { name: 'KEDA_HTTP_MIN_TLS_VERSION', value: u(http.minTlsVersion) },
    { name: 'KEDA_HTTP_TLS_CIPHER_LIST', value: goStr(http.tlsCipherList) },
    { name: 'KEDA_SERVICE_MIN_TLS_VERSION', value: u(service.minTlsVersion) },
    { name: 'KEDA_SERVICE_TLS_CIPHER_LIST', value: goStr(service.tlsCipherList) },
    ...(!truthy(obj(http.keepAlive).enabled) ? [{ name: 'KEDA_HTTP_DISABLE_KEEP_ALIVE', value: 'true' }] : []),
  ];
  const fieldEnv = (name: string, fieldPath: string): Obj => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const certMount = { mountPath, name: 'certificates', readOnly: true };
  const certVolume = (optional: boolean): Obj => ({ name: 'certificates', secret: { defaultMode: 420, secretName: u(secretName), ...(optional ? { optional: u(selfManagedCerts) } : {}) } });
  const grpcTLS = goStr(v.grpcTLSCertsSecret);
  const vaultTLS = goStr(v.hashiCorpVaultTLS);
  const extraMounts = [...(grpcTLS ? [{ name: 'grpc-certs', mountPath: '/grpccerts' }] : []), ...(vaultTLS ? [{ name: 'hashicorp-vault-certs', mountPath: '/hashicorp-vaultcerts' }] : [])];
  const extraVolumes = [...(grpcTLS ? [{ name: 'grpc-certs', secret: { secretName: u(grpcTLS) } }] : []), ...(vaultTLS ? [{ name: 'hashicorp-vault-certs', secret: { secretName: u(vaultTLS) } }] : [])];
  const userEnv = arr(v.env);
  const podCommon = (sa: SaRef, key: 'operator' | 'metricServer' | 'webhooks'): Obj => ({
    enableServiceLinks: u(v.enableServiceLinks),
    ...(truthy(v.priorityClassName) ? { priorityClassName: goStr(v.priorityClassName) } : {}),
    ...withKey('imagePullSecrets', v.imagePullSecrets),
    serviceAccountName: sa.name,
    automountServiceAccountToken: sa.automount,
    securityContext: dflt(podSecurityContext[key], podSecurityContext),
  });
  const nodeSelector = (own: unknown, extra: Obj = {}): Obj => ({ 'kubernetes.io/os': 'linux', ...obj(dflt(own, v.nodeSelector)), ...extra });
  const dnsConfig = (own: unknown): Obj => withKey('dnsConfig', dflt(own, global.dnsConfig));
  const extraArgs = (m: unknown): string[] => sortedEntries(m).map(([k, x]) => `--${k}=${goStr(x)}`);
  const deployment = (name: string, depLabels: Obj, podLabels: Obj, podAnnotations: Obj, spec: Obj, strategy: unknown, podSpec: Obj) => {
    push('apps/v1', 'Deployment', name, ns, depLabels, {
      spec: {
        revisionHistoryLimit: u(spec.revisionHistoryLimit),
        replicas: u(spec.replicaCount),
        ...withKey('strategy', strategy),
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { ...depLabels, ...podLabels }, ...withKey('annotations', podAnnotations) }, spec: podSpec },
      },
    }, additionalAnnotations);
  };

  const opLabels = { app: op, name: op, ...named(op) };
  const opArgs = [
    '--leader-elect',
    ...(truthy(operator.leaderElectionID) ? [`--leader-election-id=${goStr(operator.leaderElectionID)}`] : []),
    `--disable-compression=${goStr(operator.disableCompression)}`,
    `--zap-log-level=${goStr(obj(logging.operator).level)}`,
    `--zap-encoder=${goStr(obj(logging.operator).format)}`,
    `--zap-time-encoding=${goStr(obj(logging.operator).timeEncoding)}`,
    `--enable-webhook-patching=${goStr(wh.enabled)}`,
    ...(truthy(and(certs.autoGenerated, !truthy(certManager.enabled), certs.operator, obj(certs.operator).apiServicePatching))
      ? [`--enable-apiservice-patching=${goStr(obj(obj(certs.operator).apiServicePatching).enabled)}`]
      : []),
    ...(truthy(obj(logging.operator).stackTracesEnabled) ? ['--zap-stacktrace-level=error'] : []),
    `--cert-dir=${mountPath}`,
    `--enable-cert-rotation=${goStr(selfManagedCerts)}`,
    `--cert-secret-name=${secretName}`,
    `--operator-service-name=${op}`,
    `--metrics-server-service-name=${msName}`,
    `--webhooks-service-name=${whName}`,
    `--k8s-cluster-name=${tpl(goStr(v.clusterName), release, ns)}`,
    `--k8s-cluster-domain=${clusterDomain}`,
    `--enable-prometheus-metrics=${goStr(promOp.enabled)}`,
    ...(truthy(promOp.enabled) ? [`--metrics-bind-address=:${goStr(promOp.port)}`] : []),
    ...(truthy(obj(obj(v.opentelemetry).operator).enabled) ? [`--enable-opentelemetry-metrics=${goStr(obj(obj(v.opentelemetry).operator).enabled)}`] : []),
    ...(truthy(profOp.enabled) ? [`--profiling-bind-address=:${goStr(profOp.port)}`] : []),
    ...arr(obj(certs.operator).caDirs).map((d) => `--ca-dir=${goStr(d)}`),
    `--http-max-idle-conns=${goStr(http.maxIdleConns)}`,
    `--http-max-idle-conns-per-host=${goStr(http.maxIdleConnsPerHost)}`,
    `--http-idle-conn-timeout=${goStr(http.idleConnTimeout)}`,
    ...extraArgs(obj(v.extraArgs).keda),
  ];
  const otelUri = goStr(obj(obj(v.opentelemetry).collector).uri);
  const opContainer: Obj = {
    name: op,
    securityContext: dflt(securityContext.operator, securityContext),
    image: image('keda'),
    command: ['/keda'],
    args: opArgs,
    imagePullPolicy: u(images.pullPolicy),
    livenessProbe: probe('/healthz', 8081, operator.livenessProbe),
    readinessProbe: probe('/readyz', 8081, operator.readinessProbe),
    ports: [...(truthy(promOp.enabled) ? [{ containerPort: u(promOp.port), name: 'metrics', protocol: 'TCP' }] : []), { containerPort: 9666, name: 'metricsservice', protocol: 'TCP' }],
    env: [
      { name: 'WATCH_NAMESPACE', value: goStr(v.watchNamespace) },
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      { name: 'OPERATOR_NAME', value: u(op) },
      ...tlsEnv(),
      ...(truthy(restrictOp.secret) ? [{ name: 'KEDA_RESTRICT_SECRET_ACCESS', value: goStr(restrictOp.secret) }] : []),
      ...(otelUri ? [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otelUri }] : []),
      ...userEnv,
    ],
    volumeMounts: [certMount, ...extraMounts, ...arr(obj(volumes.keda).extraVolumeMounts)],
    resources: dflt(resources.operator, resources),
  };
  deployment(op, opLabels, { ...obj(obj(v.podLabels).keda), ...(truthy(azure.enabled) ? { 'azure.workload.identity/use': 'true' } : {}) }, { ...obj(obj(v.podAnnotations).keda), ...additionalAnnotations }, operator, obj(v.upgradeStrategy).operator, {
    ...podCommon(saOp, 'operator'),
    containers: [opContainer, ...arr(operator.extraContainers)],
    ...withKey('initContainers', operator.extraInitContainers),
    volumes: [certVolume(true), ...extraVolumes, ...arr(obj(volumes.keda).extraVolumes)],
    nodeSelector: nodeSelector(operator.nodeSelector, truthy(gcp.enabled) ? { 'iam.gke.io/gke-metadata-server-enabled': 'true' } : {}),
    ...withKey('affinity', dflt(operator.affinity, v.affinity)),
    ...withKey('topologySpreadConstraints', tsc.operator),
    ...withKey('tolerations', dflt(operator.tolerations, v.tolerations)),
    ...dnsConfig(operator.dnsConfig),
    dnsPolicy: u(operator.dnsPolicy),
    hostNetwork: u(operator.useHostNetwork),
    ...withKey('hostAliases', v.hostAliases),
  });

  if (truthy(ms.enabled)) {
    const msLog = obj(logging.metricServer);
    const httpsPort = u(service.portHttpsTarget);
    const msContainer: Obj = {
      name: msName,
      securityContext: dflt(securityContext.metricServer, securityContext),
      image: image('metricsApiServer'),
      imagePullPolicy: u(images.pullPolicy),
      livenessProbe: probe('/healthz', httpsPort, ms.livenessProbe, 'HTTPS'),
      readinessProbe: probe('/readyz', httpsPort, ms.readinessProbe, 'HTTPS'),
      env: [
        { name: 'WATCH_NAMESPACE', value: goStr(v.watchNamespace) },
        fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
        ...tlsEnv(),
        ...(truthy(restrictMs.secret) ? [{ name: 'KEDA_RESTRICT_SECRET_ACCESS', value: goStr(restrictMs.secret) }] : []),
        ...userEnv,
      ],
      command: ['/keda-adapter'],
      args: [
        `--port=${goStr(promMs.port)}`,
        `--secure-port=${goStr(service.portHttpsTarget)}`,
        '--logtostderr=true',
        `--stderrthreshold=${goStr(msLog.stderrthreshold)}`,
        `--disable-compression=${goStr(ms.disableCompression)}`,
        `--metrics-service-address=${op}.${ns}.svc.${clusterDomain}:9666`,
        `--client-ca-file=${mountPath}/ca.crt`,
        `--tls-cert-file=${mountPath}/tls.crt`,
        `--tls-private-key-file=${mountPath}/tls.key`,
        `--cert-dir=${mountPath}`,
        `--v=${goStr(msLog.level)}`,
        `--zap-log-level=${goStr(msLog.zapLevel)}`,
        `--zap-encoder=${goStr(msLog.zapEncoder)}`,
        `--zap-time-encoding=${goStr(msLog.zapTimeEncoding)}`,
        ...(truthy(profMs.enabled) ? [`--profiling-bind-address=:${goStr(profMs.port)}`] : []),
        ...extraArgs(obj(v.extraArgs).metricsAdapter),
      ],
      ports: [
        { containerPort: httpsPort, name: 'https', protocol: 'TCP' },
        { containerPort: u(promMs.port), name: u(promMs.portName), protocol: 'TCP' },
      ],
      volumeMounts: [certMount, ...extraMounts, ...arr(obj(volumes.metricsApiServer).extraVolumeMounts)],
      resources: dflt(resources.metricServer, resources),
    };
    const podAnnotations = { ...additionalAnnotations, ...(truthy(promMs.enabled) && !msMonitored ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': goStr(promMs.port) } : {}), ...obj(obj(v.podAnnotations).metricsAdapter) };
    deployment(msName, { app: msName, ...named(msName) }, obj(obj(v.podLabels).metricsAdapter), podAnnotations, ms, obj(v.upgradeStrategy).metricsApiServer, {
      ...podCommon(saMs, 'metricServer'),
      containers: [msContainer],
      volumes: [certVolume(false), ...extraVolumes, ...arr(obj(volumes.metricsApiServer).extraVolumes)],
      ...dnsConfig(ms.dnsConfig),
      dnsPolicy: u(ms.dnsPolicy),
      hostNetwork: u(ms.useHostNetwork),
      nodeSelector: nodeSelector(ms.nodeSelector),
      ...withKey('affinity', dflt(ms.affinity, v.affinity)),
      ...withKey('topologySpreadConstraints', tsc.metricsServer),
      ...withKey('tolerations', dflt(ms.tolerations, v.tolerations)),
    });
  }

  if (truthy(wh.enabled)) {
    const whLog = obj(logging.webhooks);
    const health = u(wh.healthProbePort);
    const whContainer: Obj = {
      name: whName,
      securityContext: dflt(securityContext.webhooks, securityContext),
      image: image('webhooks'),
      command: ['/keda-admission-webhooks'],
      args: [
        `--zap-log-level=${goStr(whLog.level)}`,
        `--zap-encoder=${goStr(whLog.format)}`,
        `--zap-time-encoding=${goStr(whLog.timeEncoding)}`,
        `--cert-dir=${mountPath}`,
        `--health-probe-bind-address=:${goStr(wh.healthProbePort)}`,
        ...(truthy(wh.port) ? [`--port=${goStr(wh.port)}`] : []),
        `--metrics-bind-address=:${goStr(promWh.port)}`,
        ...(truthy(profWh.enabled) ? [`--profiling-bind-address=:${goStr(profWh.port)}`] : []),
        ...extraArgs(obj(v.extraArgs).webhooks),
      ],
      imagePullPolicy: u(images.pullPolicy),
      livenessProbe: probe('/healthz', health, wh.livenessProbe),
      readinessProbe: probe('/readyz', health, wh.readinessProbe),
      ports: [{ containerPort: whPort, name: 'http', protocol: 'TCP' }, ...(truthy(promWh.enabled) ? [{ containerPort: u(promWh.port), name: 'metrics', protocol: 'TCP' }] : [])],
      env: [{ name: 'WATCH_NAMESPACE', value: goStr(v.watchNamespace) }, fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace'), ...userEnv],
      volumeMounts: [certMount, ...arr(obj(volumes.webhooks).extraVolumeMounts)],
      resources: dflt(resources.webhooks, resources),
    };
    deployment(whName, { app: whName, name: whName, ...named(whName) }, obj(obj(v.podLabels).webhooks), { ...obj(obj(v.podAnnotations).webhooks), ...additionalAnnotations }, wh, obj(v.upgradeStrategy).webhooks, {
      ...podCommon(saWh, 'webhooks'),
      containers: [whContainer],
      volumes: [certVolume(false), ...arr(obj(volumes.webhooks).extraVolumes)],
      hostNetwork: u(wh.useHostNetwork),
      nodeSelector: nodeSelector(wh.nodeSelector),
      ...withKey('affinity', dflt(wh.affinity, v.affinity)),
      ...withKey('topologySpreadConstraints', tsc.webhooks),
      ...withKey('tolerations', dflt(wh.tolerations, v.tolerations)),
      ...dnsConfig(wh.dnsConfig),
    });
  }

  // metrics-server/apiservice.yaml, webhooks/validatingconfiguration.yaml
  const injectCa: Obj = truthy(certManager.enabled)
    ? !truthy(certManager.generateCA) && truthy(obj(certManager.issuer).generate)
      ? { 'cert-manager.io/inject-ca-from-secret': `${ns}/${goStr(certManager.caSecretName)}` }
      : { 'cert-manager.io/inject-ca-from': `${ns}/${op}-tls-certificates` }
    : {};
  if (truthy(ms.enabled)) {
    push('apiregistration.k8s.io/v1', 'APIService', 'v1beta1.external.metrics.k8s.io', undefined, named('v1beta1.external.metrics.k8s.io'), {
      spec: { service: { name: msName, namespace: ns, port: u(service.portHttps) }, group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 },
    }, { ...injectCa, ...additionalAnnotations });
  }
  if (truthy(wh.enabled)) {
    push('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'keda-admission', undefined, named(whName), {
      webhooks: WEBHOOKS.map(([name, group, resource]) => ({
        admissionReviewVersions: ['v1'],
        clientConfig: { service: { name: whName, namespace: ns, path: `/validate-${group.replace(/\./g, '-')}-v1alpha1-${resource.replace(/s$/, '')}` } },
        failurePolicy: u(wh.failurePolicy),
        matchPolicy: 'Equivalent',
        name,
        namespaceSelector: {},
        objectSelector: {},
        rules: [{ apiGroups: [group], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [resource] }],
        sideEffects: 'None',
        timeoutSeconds: u(dflt(wh.timeoutSeconds, 10)),
      })),
    }, { ...injectCa, ...additionalAnnotations });
  }

  // */poddisruptionbudget.yaml
  const pdbOf = (name: string, own: unknown, gate: boolean) => {
    if (!gate || !(truthy(pdb.minAvailable) || truthy(pdb.maxUnavailable) || truthy(own))) return;
    const o = obj(own);
    push('policy/v1', 'PodDisruptionBudget', name, ns, named(name), {
      spec: {
        ...(truthy(pdb.minAvailable) ? { minAvailable: u(pdb.minAvailable) } : {}),
        ...(truthy(pdb.maxUnavailable) ? { maxUnavailable: u(pdb.maxUnavailable) } : {}),
        ...(truthy(o.minAvailable) ? { minAvailable: u(o.minAvailable) } : {}),
        ...(truthy(o.maxUnavailable) ? { maxUnavailable: u(o.maxUnavailable) } : {}),
        selector: { matchLabels: { app: name } },
      },
    }, additionalAnnotations);
  };
  pdbOf(op, pdb.operator, true);
  pdbOf(msName, pdb.metricServer, truthy(ms.enabled));
  pdbOf(whName, pdb.webhooks, truthy(wh.enabled));

  // */servicemonitor.yaml, */podmonitor.yaml, */prometheusrules.yaml
  const monitorLabels = (name: string, extra: unknown): Obj => ({ ...named(name), ...quotedMap(extra) });
  const serviceMonitor = (name: string, labelName: string, sm: Obj, port: unknown, selectName: string) => {
    const relabelings = truthy(sm.relabelings) ? sm.relabelings : sm.relabellings;
    push('monitoring.coreos.com/v1', 'ServiceMonitor', name, truthy(sm.namespace) ? goStr(sm.namespace) : undefined, monitorLabels(labelName, sm.additionalLabels), {
      spec: {
        ...withKey('jobLabel', u(sm.jobLabel)),
        ...withKey('targetLabels', sm.targetLabels),
        ...withKey('podTargetLabels', sm.podTargetLabels),
        endpoints: [
          {
            port: u(port),
            ...withKey('targetPort', u(sm.targetPort)),
            path: '/metrics',
            ...withKey('interval', u(sm.interval)),
            ...withKey('scrapeTimeout', u(sm.scrapeTimeout)),
            ...withKey('relabelings', relabelings),
            ...withKey('metricRelabelings', sm.metricRelabelings),
            scheme: u(sm.scheme),
            ...withKey('tlsConfig', sm.tlsConfig),
          },
        ],
        namespaceSelector: { matchNames: [ns] },
        selector: { matchLabels: { 'app.kubernetes.io/name': selectName } },
      },
    }, additionalAnnotations);
  };
  const podMonitor = (name: string, pm: Obj, port: unknown) => {
    push('monitoring.coreos.com/v1', 'PodMonitor', name, truthy(pm.namespace) ? goStr(pm.namespace) : undefined, monitorLabels(op, pm.additionalLabels), {
      spec: {
        podMetricsEndpoints: [
          {
            port: u(port),
            path: '/metrics',
            ...withKey('interval', u(pm.interval)),
            ...withKey('scrapeTimeout', u(pm.scrapeTimeout)),
            ...withKey('relabelings', pm.relabelings),
            ...withKey('metricRelabelings', pm.metricRelabelings),
          },
        ],
        namespaceSelector: { matchNames: [ns] },
        selector: { matchLabels: { app: name } },
      },
    }, additionalAnnotations);
  };
  const prometheusRule = (name: string, pr: Obj) => {
    push('monitoring.coreos.com/v1', 'PrometheusRule', name, truthy(pr.namespace) ? goStr(pr.namespace) : undefined, monitorLabels(name, pr.additionalLabels), { spec: { groups: [{ name, rules: pr.alerts ?? null }] } }, additionalAnnotations);
  };
  if (truthy(promOp.enabled)) {
    if (truthy(obj(promOp.serviceMonitor).enabled)) serviceMonitor(op, op, obj(promOp.serviceMonitor), obj(promOp.serviceMonitor).port, op);
    if (truthy(obj(promOp.podMonitor).enabled)) podMonitor(op, obj(promOp.podMonitor), 'metrics');
    if (truthy(obj(promOp.prometheusRules).enabled)) prometheusRule(op, obj(promOp.prometheusRules));
  }
  if (truthy(ms.enabled) && truthy(promMs.enabled)) {
    if (truthy(obj(promMs.serviceMonitor).enabled)) serviceMonitor(msName, op, obj(promMs.serviceMonitor), promMs.portName, msName);
    if (truthy(obj(promMs.podMonitor).enabled)) podMonitor(msName, obj(promMs.podMonitor), promMs.portName);
  }
  if (truthy(wh.enabled) && truthy(promWh.enabled)) {
    if (truthy(obj(promWh.serviceMonitor).enabled)) serviceMonitor(whName, whName, obj(promWh.serviceMonitor), obj(promWh.serviceMonitor).port, whName);
    if (truthy(obj(promWh.prometheusRules).enabled)) prometheusRule(whName, obj(promWh.prometheusRules));
  }

  // */networkpolicy.yaml (flavor kubernetes), */ciliumnetworkpolicy.yaml (flavor cilium)
  if (truthy(netpol.enabled)) {
    const flavor = goStr(netpol.flavor);
    const tcp = (port: unknown): Obj => ({ protocol: 'TCP', port });
    const fromAll = (port: unknown): Obj => ({ from: [{ namespaceSelector: {} }], ports: [tcp(port)] });
    const baseEgress: Obj[] = [
      { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
      { to: [{ namespaceSelector: {} }], ports: [tcp(443), tcp(6443)] },
    ];
    const kube = obj(netpol.kubernetes);
    const cilium = obj(netpol.cilium);
    const policies: Array<{ name: string; labels: Obj; gate: boolean; ingress: Obj[]; egress: unknown[]; ciliumEgress: unknown }> = [
      {
        name: op,
        labels: opLabels,
        gate: true,
        ingress: [fromAll(9666), ...(truthy(promOp.enabled) ? [fromAll(u(promOp.port))] : []), ...(truthy(profOp.enabled) ? [fromAll(u(profOp.port))] : [])],
        egress: [...baseEgress, { to: [{ namespaceSelector: {} }] }, ...arr(obj(kube.operator).extraEgressRules)],
        ciliumEgress: obj(cilium.operator).extraEgressRules,
      },
      {
        name: msName,
        labels: { app: msName, ...named(msName) },
        gate: truthy(ms.enabled),
        ingress: [fromAll(u(service.portHttpsTarget)), ...(truthy(promMs.enabled) ? [fromAll(u(promMs.port))] : []), ...(truthy(profMs.enabled) ? [fromAll(u(profMs.port))] : [])],
        egress: [...baseEgress, { to: [{ podSelector: { matchLabels: { app: op } } }], ports: [tcp(9666)] }, { to: [{ namespaceSelector: {} }] }, ...arr(obj(kube.metricsServer).extraEgressRules)],
        ciliumEgress: [],
      },
      {
        name: whName,
        labels: { app: whName, name: whName, ...named(whName) },
        gate: truthy(wh.enabled),
        ingress: [fromAll(whPort), ...(truthy(promWh.enabled) ? [fromAll(u(promWh.port))] : []), ...(truthy(profWh.enabled) ? [fromAll(u(profWh.port))] : [])],
        egress: [...baseEgress, { to: [{ namespaceSelector: {} }] }, ...arr(obj(kube.webhooks).extraEgressRules)],
        ciliumEgress: [],
      },
    ];
    for (const p of policies.filter((x) => x.gate)) {
      if (flavor === 'kubernetes') {
        push('networking.k8s.io/v1', 'NetworkPolicy', p.name, ns, p.labels, { spec: { podSelector: { matchLabels: { app: p.name } }, policyTypes: ['Ingress', 'Egress'], ingress: p.ingress, egress: p.egress } }, additionalAnnotations);
      } else if (flavor === 'cilium') {
        push('cilium.io/v2', 'CiliumNetworkPolicy', p.name, ns, p.labels, {
          spec: { endpointSelector: { matchLabels: { app: p.name } }, egress: [{ toEntities: ['kube-apiserver', 'cluster'] }, ...arr(p.ciliumEgress)], ingress: [{ fromEntities: ['cluster'] }] },
        }, additionalAnnotations);
      }
    }
  }

  // cert-manager/*.yaml
  if (truthy(certManager.enabled)) {
    const issuer = obj(certManager.issuer);
    const certLabels = { ...labels };
    const secretTemplate = certManager.secretTemplate ?? null;
    if (truthy(issuer.generate)) {
      push('cert-manager.io/v1', 'Issuer', `${op}-issuer`, ns, certLabels, { spec: { ca: { secretName: u(certManager.caSecretName) } } }, additionalAnnotations);
    }
    const dns = (svc: string) => [`${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.${clusterDomain}`];
    push('cert-manager.io/v1', 'Certificate', `${op}-tls-certificates`, ns, certLabels, {
      spec: {
        commonName: u(op),
        dnsNames: [...dns(op), ...dns(msName), ...dns(whName)],
        secretName: u(secretName),
        secretTemplate,
        usages: ['server auth', 'client auth'],
        privateKey: { algorithm: 'RSA', size: 2048 },
        duration: u(certManager.duration),
        renewBefore: u(certManager.renewBefore),
        issuerRef: truthy(issuer.generate)
          ? { name: `${op}-issuer`, kind: 'Issuer', group: 'cert-manager.io' }
          : { ...withKey('name', u(issuer.name)), ...withKey('kind', u(issuer.kind)), ...withKey('group', u(issuer.group)) },
      },
    });
    if (truthy(certManager.generateCA) && truthy(issuer.generate)) {
      push('cert-manager.io/v1', 'Certificate', `${op}-ca`, ns, certLabels, {
        spec: {
          isCA: true,
          commonName: u(op),
          secretName: u(certManager.caSecretName),
          secretTemplate,
          privateKey: { algorithm: 'RSA', size: 2048 },
          duration: '43800h0m0s',
          renewBefore: '14600h0m0s',
          issuerRef: { name: `${op}-selfsigned-issuer`, kind: 'Issuer', group: 'cert-manager.io' },
        },
      });
      push('cert-manager.io/v1', 'Issuer', `${op}-selfsigned-issuer`, ns, certLabels, { spec: { selfSigned: {} } }, additionalAnnotations);
    }
  }

  // extensibility/extra-manifests.yaml: each entry through `tpl (toYaml .)`.
  for (const extra of arr(v.extraObjects)) {
    const o = obj(parse(tpl(toYaml(extra), release, ns)));
    if (typeof o.kind === 'string' && typeof o.apiVersion === 'string') objects.push(o as unknown as KubeObject);
  }

  return { crds: [], objects, notes: notes(v, ctx.kubeVersion) };
}

// ---- NOTES.txt ------------------------------------------------------------------------------------------------

// The ASCII logo NOTES.txt prints when `asciiArt` is true, right-trimmed here: the template pads its rows with
// spaces to 92 columns (93 for the two below the `G`), and its `{{- end -}}` eats the last row's padding and the
// newlines after it, so the last row runs straight into the first sentence.
const LOGO = [
  ':::^.     .::::^:     :::::::::::::::    .:::::::::.                   .^.',
  '7???~   .^7????~.     7??????????????.   :?????????77!^.              .7?7.',
  '7???~  ^7???7~.       ~!!!!!!!!!!!!!!.   :????!!!!7????7~.           .7???7.',
  '7???~^7????~.                            :????:    :~7???7.         :7?????7.',
  '7???7????!.           ::::::::::::.      :????:      .7???!        :7??77???7.',
  '7????????7:           7???????????~      :????:       :????:      :???7?5????7.',
  '7????!~????^          !77777777777^      :????:       :????:     ^???7?#P7????7.',
  '7???~  ^????~                            :????:      :7???!     ^???7J#@J7?????7.',
  '7???~   :7???!.                          :????:   .:~7???!.    ~???7Y&@#7777????7.',
  '7???~    .7???7:      !!!!!!!!!!!!!!!    :????7!!77????7^     ~??775@@@GJJYJ?????7.',
  '7???~     .!????^     7?????????????7.   :?????????7!~:      !????G@@@@@@@@5??????7:',
  '::::.       :::::     :::::::::::::::    .::::::::..        .::::JGGGB@@@&7:::::::::',
  '                                                                      ?@@#~',
  '                                                                      P@B^',
  '                                                                    :&G:',
  '                                                                    !5.',
  '                                                                    .',
];

function notes(v: Obj, kubeVersion: string): string {
  const out: string[] = [];
  const last = LOGO.length - 1;
  const art = truthy(v.asciiArt) ? `\n${LOGO.map((row, i) => (i === last ? row : row.padEnd(i === 12 || i === 13 ? 93 : 92))).join('\n')}` : '';
  out.push(`${art}Kubernetes Event-driven Autoscaling (KEDA) - Application autoscaling made simple.`, '');
  out.push('Get started by deploying Scaled Objects to your cluster:', '    - Information about Scaled Objects : https://keda.sh/docs/latest/concepts/', '    - Samples: https://github.com/kedacore/samples', '');
  out.push('Get information about the deployed ScaledObjects:', '  kubectl get scaledobject [--namespace <namespace>]', '');
  out.push('Get details about a deployed ScaledObject:', '  kubectl describe scaledobject <scaled-object-name> [--namespace <namespace>]', '');
  out.push('Get information about the deployed TriggerAuthentications:', '  kubectl get triggerauthentication [--namespace <namespace>]', '');
  out.push('Get details about a deployed TriggerAuthentication:', '  kubectl describe triggerauthentication <trigger-authentication-name> [--namespace <namespace>]', '');
  out.push('Get an overview of the Horizontal Pod Autoscalers (HPA) that KEDA is using behind the scenes:', '  kubectl get hpa [--all-namespaces] [--namespace <namespace>]');
  const rule = '-------------------------------------------------------------------------------------';
  const prom = obj(v.prometheus);
  const relabellings = (k: string) => truthy(obj(obj(prom[k]).serviceMonitor).relabellings);
  if (relabellings('operator')) out.push(rule, 'WARNING - prometheus.operator.serviceMonitor.relabellings is deprecated, please migrate to prometheus.operator.serviceMonitor.relabelings instead.', rule);
  if (relabellings('metricServer')) out.push('WARNING - prometheus.metricServer.serviceMonitor.relabellings is deprecated, please migrate to prometheus.metricServer.serviceMonitor.relabelings instead.');
  if (relabellings('webhooks')) out.push(rule, 'WARNING - prometheus.webhooks.serviceMonitor.relabellings is deprecated, please migrate to prometheus.webhooks.serviceMonitor.relabelings instead.', rule);
  // `lt .Capabilities.KubeVersion.Minor "33"` compares strings, as the template does.
  const minor = /^v?\d+\.(\d+)/.exec(kubeVersion)?.[1] ?? '';
  if (minor < '33') out.push(rule, `WARNING - Running on unsupported Kubernetes version "1.${minor}". KEDA 2.20 is supported and tested on Kubernetes "1.33" or higher. See https://keda.sh/docs/latest/operate/cluster/ for details.`, rule);
  if (truthy(obj(v.serviceAccount).name)) {
    out.push(
      rule,
      'WARNING - .serviceAccount.name has been deprecated, please migrate to newest version of the Helm Chart values that allows overriding the service account name for each KEDA component.',
      '          New version: serviceAccount.{operator,metricServer,webhooks}.{create,name,automountServiceAccountToken,annotations}',
      rule,
    );
  }
  out.push('', 'Learn more about KEDA:', '- Documentation: https://keda.sh/', '- Support: https://keda.sh/support/', '- File an issue: https://github.com/kedacore/keda/issues/new/choose');
  return `${out.join('\n')}\n`;
}

export const keda: ChartVersion = {
  name: CHART,
  version: VERSION,
  appVersion: APP_VERSION,
  description: 'Event-based autoscaler for workloads on Kubernetes',
  repos: ['https://kedacore.github.io/charts'],
  valuesFile: 'keda-2.20.2.yaml',
  render,
};

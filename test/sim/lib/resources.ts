// The resource types the simulated API server serves. This is DATA: to serve another kind, add an entry.
// Discovery documents, URL routing, scoping, short names and table printing all derive from this list.

export type Subresource = 'status' | 'scale';

export interface ResourceType {
  /** '' for the core group */
  group: string;
  version: string;
  /** plural, as in the URL */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: Subresource[];
  /** Name of a printer in tables.ts; generic NAME/AGE when absent. */
  table?: string;
  /** Field selector labels besides metadata.name / metadata.namespace (others are rejected like Kubernetes does). */
  fieldSelectors?: string[];
  /**
   * Served only while a CustomResourceDefinition for it exists, as on a real cluster: applying a ServiceMonitor
   * before the Prometheus Operator CRDs fails with "no matches for kind". The entry still gives the type a table.
   */
  crd?: boolean;
  /** For JSON output of lists: built-in types omit kind/apiVersion on list items, custom resources keep them. */
  custom?: boolean;
  /** Custom printer columns of a CRD (additionalPrinterColumns). */
  printerColumns?: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
}

const ALL = ['all'];

export const BUILTIN_RESOURCES: ResourceType[] = [
  // core/v1
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'], table: 'namespaces', fieldSelectors: ['status.phase'] },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', singular: 'node', namespaced: false, shortNames: ['no'], subresources: ['status'], table: 'nodes', fieldSelectors: ['spec.unschedulable'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ALL, subresources: ['status'], table: 'pods', fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ALL, subresources: ['status'], table: 'services' },
  { group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], table: 'endpoints' },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', namespaced: true, shortNames: ['cm'], table: 'configmaps' },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', singular: 'secret', namespaced: true, table: 'secrets', fieldSelectors: ['type'] },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], table: 'serviceaccounts' },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', singular: 'event', namespaced: true, shortNames: ['ev'], table: 'events', fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] },
  // apps/v1
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ALL, subresources: ['status', 'scale'], table: 'deployments' },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ALL, subresources: ['status', 'scale'], table: 'replicasets' },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', singular: 'daemonset', namespaced: true, shortNames: ['ds'], categories: ALL, subresources: ['status'], table: 'daemonsets' },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', singular: 'statefulset', namespaced: true, shortNames: ['sts'], categories: ALL, subresources: ['status', 'scale'], table: 'statefulsets' },
  // batch/v1 (the demo's in-cluster load: jobs.ts)
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', singular: 'job', namespaced: true, categories: ALL, subresources: ['status'], fieldSelectors: ['status.successful'] },
  // autoscaling/v2
  { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], categories: ALL, subresources: ['status'], table: 'horizontalpodautoscalers' },
  // EndpointSlices (the endpoints controller writes them next to the Endpoints)
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', singular: 'endpointslice', namespaced: true, table: 'endpointslices' },
  // RBAC (the charts render their roles; the simulation does not authorize requests)
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', singular: 'clusterrole', namespaced: false, table: 'clusterroles' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', singular: 'clusterrolebinding', namespaced: false, table: 'rolebindings' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', singular: 'role', namespaced: true, table: 'clusterroles' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', singular: 'rolebinding', namespaced: true, table: 'rolebindings' },
  // API registration and extension
  { group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices', kind: 'APIService', singular: 'apiservice', namespaced: false, subresources: ['status'], table: 'apiservices' },
  { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', singular: 'customresourcedefinition', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'], table: 'customresourcedefinitions' },
  // Served by every real cluster; stored, not enforced (webhooks are never called, policies never applied)
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', singular: 'validatingwebhookconfiguration', namespaced: false, categories: ['api-extensions'] },
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', singular: 'mutatingwebhookconfiguration', namespaced: false, categories: ['api-extensions'] },
  { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'] },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', singular: 'networkpolicy', namespaced: true, shortNames: ['netpol'] },
  // Prometheus Operator (CRD-backed: served once its CRD is installed)
  { group: 'monitoring.coreos.com', version: 'v1', resource: 'servicemonitors', kind: 'ServiceMonitor', singular: 'servicemonitor', namespaced: true, shortNames: ['smon'], categories: ['prometheus-operator'], crd: true, custom: true },
];

/** "deployments.apps", or just "pods" for the core group: how Kubernetes names a resource in messages. */
export function groupResource(rt: Pick<ResourceType, 'group' | 'resource'>): string {
  return rt.group ? `${rt.resource}.${rt.group}` : rt.resource;
}

export function apiVersionOf(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * The set of types currently served: built-ins, plus one entry per served version of each established CRD.
 * Built-in entries marked `crd` are served only when a matching CRD exists.
 */
export class ResourceRegistry {
  private readonly builtins: ResourceType[];
  private fromCrds: ResourceType[] = [];

  constructor(builtins: ResourceType[] = BUILTIN_RESOURCES) {
    this.builtins = builtins;
  }

  /** Rebuilds the CRD-derived entries from the stored CustomResourceDefinition objects. */
  setCrds(crds: unknown[]): void {
    const out: ResourceType[] = [];
    for (const raw of crds) {
      const crd = raw as {
        spec?: {
          group?: string;
          scope?: string;
          names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[]; categories?: string[] };
          versions?: Array<{ name: string; served?: boolean; subresources?: Record<string, unknown>; additionalPrinterColumns?: ResourceType['printerColumns'] }>;
        };
      };
      const spec = crd.spec;
      if (!spec?.group || !spec.names?.plural || !spec.names.kind) continue;
      for (const v of spec.versions ?? []) {
        if (v.served === false) continue;
        const known = this.builtins.find((b) => b.crd && b.group === spec.group && b.resource === spec.names?.plural && b.version === v.name);
        const subs: Subresource[] = [];
        if (v.subresources && 'status' in v.subresources) subs.push('status');
        if (v.subresources && 'scale' in v.subresources) subs.push('scale');
        out.push({
          ...(known ?? {}),
          group: spec.group,
          version: v.name,
          resource: spec.names.plural,
          kind: spec.names.kind,
          singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
          namespaced: spec.scope !== 'Cluster',
          shortNames: spec.names.shortNames ?? known?.shortNames,
          categories: spec.names.categories ?? known?.categories,
          subresources: subs,
          custom: true,
          printerColumns: v.additionalPrinterColumns,
        });
      }
    }
    this.fromCrds = out;
  }

  served(): ResourceType[] {
    return [...this.builtins.filter((b) => !b.crd), ...this.fromCrds];
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.served().find((r) => r.group === group && r.version === version && r.resource === resource);
  }

  /** All served group/versions: core first, then groups in order of first appearance. */
  groupVersions(): Array<{ group: string; versions: string[] }> {
    const out: Array<{ group: string; versions: string[] }> = [];
    for (const r of this.served()) {
      let g = out.find((x) => x.group === r.group);
      if (!g) out.push((g = { group: r.group, versions: [] }));
      if (!g.versions.includes(r.version)) g.versions.push(r.version);
    }
    return out;
  }
}

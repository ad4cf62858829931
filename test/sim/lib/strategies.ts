// Per-type create/update behaviour of the real API server ("REST strategies"): defaulting, allocation of
// Service cluster IPs and node ports, and the validation mistakes a lab manifest is most likely to contain.
// Keyed by resource name; types without an entry get generic behaviour only.
import { ApiError, errors } from './apierrors.ts';
import type { ResourceType } from './resources.ts';
import type { KubeObject, Store } from './store.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface Cause {
  field: string;
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate';
  message: string;
}

export interface StrategyContext {
  store: Store;
  /** Looks up a served type by group and resource (for cross-object checks such as node port allocation). */
  rt: (group: string, resource: string) => ResourceType | undefined;
}

export interface Strategy {
  /**
   * Mutating admission on create, before the name is generated from generateName (as in kube-apiserver, where
   * admission runs before the registry's BeforeCreate). Throws an ApiError to refuse the object.
   */
  admit?: (o: KubeObject, ctx: StrategyContext) => void;
  /** Defaults applied on create (the object is mutable). */
  prepareForCreate?: (o: KubeObject, ctx: StrategyContext) => void;
  /** Defaults applied on update; `old` is the stored object. */
  prepareForUpdate?: (o: KubeObject, old: KubeObject, ctx: StrategyContext) => void;
  validate?: (o: KubeObject, ctx: StrategyContext) => Cause[];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The name rule of each type, with Kubernetes' wording. */
export function validateName(rt: ResourceType, name: string): Cause[] {
  if (!name) return [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }];
  if (rt.resource === 'services') {
    if (!DNS1035_LABEL.test(name) || name.length > 63) {
      return [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')` }];
    }
    return [];
  }
  if (rt.resource === 'namespaces') {
    if (!DNS1123_LABEL.test(name) || name.length > 63) {
      return [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')` }];
    }
    return [];
  }
  if (rt.resource === 'events') return [];
  if (rt.group === 'rbac.authorization.k8s.io') {
    // path.IsValidPathSegmentName: "system:metrics-server" is a valid ClusterRole name.
    const bad = name === '.' || name === '..' ? `may not be '${name}'` : name.includes('/') ? "may not contain '/'" : name.includes('%') ? "may not contain '%'" : '';
    return bad ? [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: ${bad}` }] : [];
  }
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    return [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` }];
  }
  return [];
}

/** Go's %#v of map[string]string, as used in selector mismatch messages. */
function goMap(m: Obj): string {
  return `map[string]string{${Object.entries(m)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(', ')}}`;
}

function validateContainers(path: string, containers: unknown): Cause[] {
  const list = arr(containers).map(obj);
  if (list.length === 0) return [{ field: path, reason: 'FieldValueRequired', message: 'Required value' }];
  const causes: Cause[] = [];
  list.forEach((c, i) => {
    if (!c.name) causes.push({ field: `${path}[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
    if (!c.image) causes.push({ field: `${path}[${i}].image`, reason: 'FieldValueRequired', message: 'Required value' });
  });
  return causes;
}

/** apps/v1 workloads: a selector is required and must match the pod template's labels. */
function validateWorkload(o: KubeObject): Cause[] {
  const spec = obj(o.spec);
  const causes: Cause[] = [];
  const selector = obj(spec.selector);
  const matchLabels = obj(selector.matchLabels);
  const templateLabels = obj(obj(obj(spec.template).metadata).labels);
  if (!spec.selector || (Object.keys(matchLabels).length === 0 && arr(selector.matchExpressions).length === 0)) {
    causes.push({ field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' });
  } else if (Object.entries(matchLabels).some(([k, v]) => templateLabels[k] !== v)) {
    causes.push({ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\`` });
  }
  causes.push(...validateContainers('spec.template.spec.containers', obj(obj(spec.template).spec).containers));
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    causes.push({ field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
  }
  return causes;
}

/** The image's tag, "" for a digest-only reference, "latest" when none is given. */
function imageTag(image: string): string {
  const noDigest = image.split('@')[0] ?? '';
  if (noDigest !== image && !noDigest.slice(noDigest.lastIndexOf('/') + 1).includes(':')) return '';
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
}

/** Container defaults of the API server: imagePullPolicy (Always for :latest), termination message settings. */
function defaultContainers(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((raw) => {
    const c = { ...obj(raw) };
    if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    if (Array.isArray(c.ports)) c.ports = c.ports.map((p) => ({ protocol: 'TCP', ...obj(p) }));
    return c;
  });
}

/** PodSpec defaults (pods and the pod templates of workloads). */
export function defaultPodSpec(raw: unknown): Obj {
  const spec = { ...obj(raw) };
  spec.containers = defaultContainers(spec.containers);
  if (spec.initContainers !== undefined) spec.initContainers = defaultContainers(spec.initContainers);
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
  return spec;
}

function defaultWorkload(o: KubeObject): void {
  const spec = obj(o.spec);
  const template = obj(spec.template);
  if (spec.template !== undefined) spec.template = { ...template, spec: defaultPodSpec(template.spec) };
  if (spec.replicas === undefined && o.kind !== 'DaemonSet') spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (o.kind === 'Deployment') {
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  }
  o.spec = spec;
}

/** The pod's QoS class from its containers' requests and limits. */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...arr(spec.containers), ...arr(spec.initContainers)].map(obj);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = obj(c.resources);
    const req = obj(res.requests);
    const lim = obj(res.limits);
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || JSON.stringify(q) !== JSON.stringify(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// ---- Services: cluster IPs and node ports ----------------------------------------------------------------

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

function otherServices(o: KubeObject, ctx: StrategyContext): KubeObject[] {
  const rt = ctx.rt('', 'services');
  if (!rt) return [];
  return ctx.store.list(rt).filter((s) => !(s.metadata.namespace === o.metadata.namespace && s.metadata.name === o.metadata.name));
}

function usedNodePorts(o: KubeObject, ctx: StrategyContext): Set<number> {
  const used = new Set<number>();
  for (const s of otherServices(o, ctx)) for (const p of arr(obj(s.spec).ports).map(obj)) if (typeof p.nodePort === 'number') used.add(p.nodePort);
  return used;
}

function allocateClusterIP(o: KubeObject, ctx: StrategyContext): string {
  const used = new Set(otherServices(o, ctx).map((s) => obj(s.spec).clusterIP));
  for (;;) {
    const ip = `10.96.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    if (!used.has(ip) && ip !== '10.96.0.1' && ip !== '10.96.0.10') return ip;
  }
}

function prepareService(o: KubeObject, old: KubeObject | undefined, ctx: StrategyContext): void {
  const spec = obj(o.spec);
  const oldSpec = obj(old?.spec);
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.clusterIP ??= oldSpec.clusterIP ?? allocateClusterIP(o, ctx);
    spec.clusterIPs ??= spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (wantsNodePorts) spec.externalTrafficPolicy ??= 'Cluster';
  const used = usedNodePorts(o, ctx);
  const oldPorts = arr(oldSpec.ports).map(obj);
  spec.ports = arr(spec.ports).map((raw) => {
    const p = { ...obj(raw) };
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (wantsNodePorts && p.nodePort === undefined) {
      // Keep the node port a port already had, as Kubernetes does on update.
      const before = oldPorts.find((q) => q.port === p.port && q.protocol === p.protocol)?.nodePort;
      if (typeof before === 'number') p.nodePort = before;
      else {
        let n: number;
        do n = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
        while (used.has(n));
        p.nodePort = n;
      }
      used.add(p.nodePort as number);
    }
    return p;
  });
  o.spec = spec;
}

function validateService(o: KubeObject, ctx: StrategyContext): Cause[] {
  const spec = obj(o.spec);
  const causes: Cause[] = [];
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(spec.type as string)) {
    causes.push({ field: 'spec.type', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec.type)}: supported values: ${types.map((t) => `"${t}"`).join(', ')}` });
  }
  const used = usedNodePorts(o, ctx);
  const ports = arr(spec.ports).map(obj);
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
    causes.push({ field: 'spec.ports', reason: 'FieldValueRequired', message: 'Required value' });
  }
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) causes.push({ field: `spec.ports[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
    if (p.nodePort === undefined) return;
    const np = p.nodePort as number;
    if (spec.type === 'ClusterIP') {
      causes.push({ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${np}: may not be used when \`type\` is 'ClusterIP'` });
    } else if (np < NODE_PORT_MIN || np > NODE_PORT_MAX) {
      causes.push({ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${np}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}` });
    } else if (used.has(np)) {
      causes.push({ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${np}: provided port is already allocated` });
    }
  });
  return causes;
}

// ---- the ServiceAccount admission plugin -----------------------------------------------------------------
//
// plugin/pkg/admission/serviceaccount/admission.go: on pod create, an empty serviceAccountName becomes "default";
// the ServiceAccount must exist in the pod's namespace, else 403 `pods "NAME" is forbidden: error looking up
// service account NS/SA: serviceaccount "SA" not found` (NAME is the generateName while no name was generated:
// admission.NewForbidden takes the object's name, else its generateName); unless automountServiceAccountToken is
// false (the pod's setting wins over the ServiceAccount's), every container without a mount at
// /var/run/secrets/kubernetes.io/serviceaccount gets the projected volume kube-api-access-<5 chars> (token,
// kube-root-ca.crt's ca.crt, the namespace); the ServiceAccount's imagePullSecrets are copied when the pod has none.

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function forbidden(resource: string, name: string, message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${resource} "${name}" is forbidden: ${message}`, reason: 'Forbidden', details: { name, kind: resource }, code: 403 });
}

function serviceAccountAdmission(o: KubeObject, ctx: StrategyContext): void {
  const spec = obj(o.spec);
  o.spec = spec;
  if (o.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
  if (typeof spec.serviceAccountName !== 'string' || !spec.serviceAccountName) spec.serviceAccountName = 'default';
  const saName = spec.serviceAccountName as string;
  const ns = o.metadata.namespace ?? 'default';
  // NamespaceLifecycle admits before ServiceAccount: a missing namespace is the store's 404, not this plugin's 403.
  const nsRt = ctx.rt('', 'namespaces');
  if (nsRt && !ctx.store.get(nsRt, undefined, ns)) return;
  const saRt = ctx.rt('', 'serviceaccounts');
  const sa = saRt ? ctx.store.get(saRt, ns, saName) : undefined;
  if (!sa) {
    throw forbidden('pods', o.metadata.name || o.metadata.generateName || 'Unknown', `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
  }
  const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : (sa as { automountServiceAccountToken?: unknown }).automountServiceAccountToken !== false;
  if (automount) {
    const volumes = arr(spec.volumes).map(obj);
    const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith('kube-api-access-'));
    let volName = typeof existing?.name === 'string' ? existing.name : '';
    if (!volName) {
      volName = 'kube-api-access-';
      for (let i = 0; i < 5; i++) volName += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
    }
    let needed = false;
    for (const key of ['initContainers', 'containers']) {
      if (!Array.isArray(spec[key])) continue;
      spec[key] = (spec[key] as unknown[]).map((raw) => {
        const c = obj(raw);
        const mounts = arr(c.volumeMounts).map(obj);
        if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) return c;
        needed = true;
        return { ...c, volumeMounts: [...mounts, { name: volName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }] };
      });
    }
    if (!existing && needed) {
      spec.volumes = [
        ...volumes,
        {
          name: volName,
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
            defaultMode: 420,
          },
        },
      ];
    }
  }
  const pullSecrets = arr((sa as { imagePullSecrets?: unknown }).imagePullSecrets);
  if (arr(spec.imagePullSecrets).length === 0 && pullSecrets.length) spec.imagePullSecrets = pullSecrets.map((r) => ({ name: obj(r).name }));
}

// ---- Job ----------------------------------------------------------------------------------------------------
//
// pkg/registry/batch/job/strategy.go: on create the status is cleared and, unless spec.manualSelector, the selector
// is generated: the pod template gets batch.kubernetes.io/controller-uid and batch.kubernetes.io/job-name (and the
// legacy controller-uid and job-name), the selector matches batch.kubernetes.io/controller-uid. The defaults
// (pkg/apis/batch/v1/defaults.go): completions and parallelism 1 when neither is set, backoffLimit 6,
// completionMode NonIndexed, suspend false. Validation (pkg/apis/batch/validation): restartPolicy OnFailure or
// Never, non-negative counts, a selector that matches the template's labels.

export const JOB_LABELS = { uid: 'batch.kubernetes.io/controller-uid', name: 'batch.kubernetes.io/job-name', legacyUid: 'controller-uid', legacyName: 'job-name' } as const;

function prepareJob(o: KubeObject): void {
  const spec = obj(o.spec);
  const template = obj(spec.template);
  const tmeta = obj(template.metadata);
  if (spec.manualSelector !== true) {
    const uid = o.metadata.uid ?? '';
    const labels = { ...(tmeta.labels as Record<string, string> | undefined) };
    labels[JOB_LABELS.uid] ??= uid;
    labels[JOB_LABELS.name] ??= o.metadata.name;
    labels[JOB_LABELS.legacyUid] ??= uid;
    labels[JOB_LABELS.legacyName] ??= o.metadata.name;
    const selector = obj(spec.selector);
    spec.selector = { ...selector, matchLabels: { ...obj(selector.matchLabels), [JOB_LABELS.uid]: obj(selector.matchLabels)[JOB_LABELS.uid] ?? uid } };
    spec.template = { ...template, metadata: { ...tmeta, labels } };
  }
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  spec.manualSelector ??= undefined;
  if (spec.manualSelector === undefined) delete spec.manualSelector;
  spec.template = { ...obj(spec.template), spec: defaultPodSpec(obj(spec.template).spec) };
  o.spec = spec;
}

function validateJob(o: KubeObject): Cause[] {
  const spec = obj(o.spec);
  const causes: Cause[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    const v = spec[f];
    if (typeof v === 'number' && v < 0) causes.push({ field: `spec.${f}`, reason: 'FieldValueInvalid', message: `Invalid value: ${v}: must be greater than or equal to 0` });
  }
  const tspec = obj(obj(spec.template).spec);
  const policy = tspec.restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') {
    causes.push({ field: 'spec.template.spec.restartPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy ?? '')}: supported values: "OnFailure", "Never"` });
  }
  const matchLabels = obj(obj(spec.selector).matchLabels);
  const templateLabels = obj(obj(obj(spec.template).metadata).labels);
  if (!spec.selector) causes.push({ field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' });
  else if (Object.entries(matchLabels).some(([k, v]) => templateLabels[k] !== v)) {
    causes.push({ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\`` });
  }
  causes.push(...validateContainers('spec.template.spec.containers', tspec.containers));
  return causes;
}

export const STRATEGIES: Record<string, Strategy> = {
  namespaces: {
    prepareForCreate: (o) => {
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
    },
  },
  pods: {
    admit: serviceAccountAdmission,
    prepareForCreate: (o) => {
      const spec = defaultPodSpec(o.spec);
      spec.serviceAccountName ??= 'default';
      spec.serviceAccount ??= spec.serviceAccountName;
      spec.enableServiceLinks ??= true;
      spec.preemptionPolicy ??= 'PreemptLowerPriority';
      spec.priority ??= 0;
      // The DefaultTolerationSeconds admission plugin.
      const tolerations = arr(spec.tolerations).map(obj);
      for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
        if (!tolerations.some((t) => t.key === key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
      spec.tolerations = tolerations;
      o.spec = spec;
      o.status = { phase: 'Pending', qosClass: qosClass(spec) };
    },
    validate: (o) => validateContainers('spec.containers', obj(o.spec).containers),
  },
  services: {
    prepareForCreate: (o, ctx) => prepareService(o, undefined, ctx),
    prepareForUpdate: (o, old, ctx) => prepareService(o, old, ctx),
    validate: validateService,
  },
  configmaps: {
    validate: (o) => {
      const bad = Object.values(obj(o.data)).find((v) => typeof v !== 'string');
      if (bad !== undefined) {
        throw errors.badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal ${typeof bad === 'object' ? 'object' : typeof bad} into Go struct field ConfigMap.data of type string`);
      }
      return [];
    },
  },
  jobs: { prepareForCreate: prepareJob, validate: validateJob },
  deployments: { prepareForCreate: defaultWorkload, prepareForUpdate: defaultWorkload, validate: validateWorkload },
  replicasets: { prepareForCreate: defaultWorkload, prepareForUpdate: defaultWorkload, validate: validateWorkload },
  statefulsets: { prepareForCreate: defaultWorkload, prepareForUpdate: defaultWorkload, validate: validateWorkload },
  daemonsets: { prepareForCreate: defaultWorkload, prepareForUpdate: defaultWorkload, validate: validateWorkload },
  horizontalpodautoscalers: {
    prepareForCreate: (o) => {
      const spec = obj(o.spec);
      spec.minReplicas ??= 1;
      o.spec = spec;
    },
    validate: (o) => {
      const spec = obj(o.spec);
      const causes: Cause[] = [];
      if (!spec.scaleTargetRef) causes.push({ field: 'spec.scaleTargetRef', reason: 'FieldValueRequired', message: 'Required value' });
      if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) {
        causes.push({ field: 'spec.maxReplicas', reason: 'FieldValueInvalid', message: `Invalid value: ${typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0}: must be greater than or equal to 1` });
      } else if (typeof spec.minReplicas === 'number' && spec.minReplicas > spec.maxReplicas) {
        causes.push({ field: 'spec.minReplicas', reason: 'FieldValueInvalid', message: `Invalid value: ${spec.minReplicas}: must be less than or equal to maxReplicas` });
      }
      return causes;
    },
  },
  customresourcedefinitions: {
    validate: (o) => {
      const spec = obj(o.spec);
      const names = obj(spec.names);
      const want = `${String(names.plural)}.${String(spec.group)}`;
      return o.metadata.name === want ? [] : [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(o.metadata.name)}: must be spec.names.plural+"."+spec.group` }];
    },
  },
};

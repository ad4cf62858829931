// Preflight on an existing cluster (--context): before any change, that the API answers (within a deadline,
// with a diagnosis), that its Kubernetes version satisfies each pinned chart's `kubeVersion` (Chart.yaml, as
// `helm show chart` prints it), that the user may create, patch and get every kind of object the stack
// installs where it installs it (SelfSubjectAccessReview, authorization.k8s.io/v1, cluster-scoped kinds
// included), and what the cluster already has (a metrics API to reuse; CRDs or APIServices of someone else's
// that the stack would fight over). Read-only: it changes nothing.
import { parse } from 'yaml';
import { chartSource } from '../images/chart-cache.ts';
import { isForbidden, type Kube } from '../kube/api.ts';
import type { Lab } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { Component, HelmSpec } from '../stack/stack-file.ts';
import { getPath, loadManifests } from '../stack/stack-file.ts';
import { REPO_ROOT } from '../lab.ts';
import { releaseValues } from '../stack/actions/helm.ts';
import { renderRelease } from '../images/derive.ts';
import { isOurs, labReleases, type LabRelease } from '../cluster/ownership.ts';
import { satisfies } from '../kube/version.ts';
import { listPath, resourcePath } from '../kube/resources.ts';
import type { Check } from '../host/preflight.ts';

type Obj = Record<string, unknown>;

/** One permission the stack needs: a verb on a resource, in a namespace ('' = cluster-scoped). */
export interface Need {
  verb: string;
  group: string;
  resource: string;
  /** A subresource (portforward of pods), reviewed as such. */
  subresource?: string;
  namespace: string;
  /** What needs it, for the message: "metrics-server (helm)". */
  why: string;
}

export function needLabel(n: Need): string {
  const resource = n.subresource ? `${n.resource}/${n.subresource}` : n.resource;
  return `${n.verb} ${n.group ? `${resource}.${n.group}` : resource} ${n.namespace ? `in namespace ${n.namespace}` : '(cluster-scoped)'}`;
}

/**
 * What the port-forwards to a namespace's Services take (kube/port-forward.ts): reading the Service and listing its
 * pods, and the WebSocket upgrade of pods/NAME/portforward, a GET the API server authorizes as `get`, and, with
 * AuthorizePodWebsocketUpgradeCreatePermission (beta and on by default since Kubernetes 1.35, kubernetes#134577:
 * pkg/features/kube_features.go), also as `create` on pods/portforward.
 */
export function forwardNeeds(services: Array<{ namespace: string; name: string }>): Need[] {
  const needs: Need[] = [];
  for (const ns of [...new Set(services.map((s) => s.namespace))]) {
    const why = `the port-forwards to ${services.filter((s) => s.namespace === ns).map((s) => `Service ${s.namespace}/${s.name}`).join(', ')} (gates and demo)`;
    needs.push({ verb: 'get', group: '', resource: 'services', namespace: ns, why });
    needs.push({ verb: 'list', group: '', resource: 'pods', namespace: ns, why });
    needs.push({ verb: 'get', group: '', resource: 'pods', subresource: 'portforward', namespace: ns, why });
    needs.push({ verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace: ns, why });
  }
  return needs;
}

/** The API's answer to /version, or why it gave none (timeout, refused, 401, TLS), within deadlineMs. */
export async function reachApi(kube: Kube, deadlineMs: number): Promise<{ ok: true; gitVersion: string } | { ok: false; why: string; fix: string }> {
  try {
    const r = await kube.getRaw('/version', deadlineMs);
    if (r.status === 200) {
      const v = (JSON.parse(r.body) as { gitVersion?: string }).gitVersion;
      if (v) return { ok: true, gitVersion: v };
      return { ok: false, why: `GET /version answered without a gitVersion: ${r.body.slice(0, 120)}`, fix: 'is the context’s server a Kubernetes API server?' };
    }
    if (r.status === 401) return { ok: false, why: 'the API server refuses the context’s credentials (HTTP 401 Unauthorized)', fix: `renew them (a cloud CLI login, a new client certificate), then kubectl --context ${kube.context} get --raw /version` };
    if (r.status === 403) return { ok: false, why: 'the context’s user may not even read /version (HTTP 403)', fix: 'ask the cluster’s admin for the system:public-info-viewer ClusterRole (every cluster grants it by default)' };
    return { ok: false, why: `GET /version: HTTP ${r.status}`, fix: `kubectl --context ${kube.context} get --raw /version` };
  } catch (err) {
    const msg = (err as Error).message;
    const tls = /certificate|self.signed|x509|SSL|TLS/i.test(msg);
    return {
      ok: false,
      why: `the API server ${kube.server} does not answer: ${msg}`,
      fix: tls
        ? 'the server’s certificate is not the one the kubeconfig trusts (certificate-authority-data): re-fetch the cluster’s kubeconfig'
        : `is the cluster running and reachable from here (VPN, firewall)? kubectl --context ${kube.context} get --raw /version; on a slow link raise --timeout-factor`,
    };
  }
}

/**
 * `helm show chart` of a pinned chart: its kubeVersion constraint (undefined when the chart sets none). From the
 * chart cache when the chart is there (the first real `up --context` asked the repository, unreachable offline).
 */
export async function chartKubeVersion(lab: Lab, spec: HelmSpec): Promise<string | undefined> {
  const r = await lab.runner.run('helm', ['show', 'chart', ...chartSource(spec)]);
  const doc = parse(r.stdout) as { kubeVersion?: unknown } | null;
  return typeof doc?.kubeVersion === 'string' && doc.kubeVersion.trim() ? doc.kubeVersion.trim() : undefined;
}

interface Discovered {
  resource: string;
  namespaced: boolean;
}

/** kind → resource for one group version, from discovery; undefined when the API does not serve it (yet). */
async function discover(kube: Kube, apiVersion: string, cache: Map<string, Map<string, Discovered> | undefined>): Promise<Map<string, Discovered> | undefined> {
  if (cache.has(apiVersion)) return cache.get(apiVersion);
  const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await kube.getJson<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>(path).catch(() => undefined);
  const out = list ? new Map((list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => [r.kind, { resource: r.name, namespaced: r.namespaced }])) : undefined;
  cache.set(apiVersion, out);
  return out;
}

/** The objects a component installs: its manifests, or its release as `helm template` renders it for this cluster. */
async function componentObjects(lab: Lab, prepared: PreparedStack, c: Component, kubeVersion: string): Promise<Obj[]> {
  if (c.manifests) return loadManifests(REPO_ROOT, c.manifests, prepared.resolver);
  if (!c.helm) return [];
  const spec = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
  return renderRelease(lab.runner, spec, releaseValues(REPO_ROOT, spec), kubeVersion);
}

/**
 * Every permission the components need: create, patch and get of each kind, where it goes; namespaces too; and
 * `reads`, what preflight itself reads to decide (a reused Prometheus: reuse.ts's reuseReads).
 */
export async function permissionsNeeded(lab: Lab, kube: Kube, prepared: PreparedStack, components: Component[], kubeVersion: string, reads: Need[] = []): Promise<Need[]> {
  const cache = new Map<string, Map<string, Discovered> | undefined>();
  const needs = new Map<string, Need>();
  const add = (n: Omit<Need, 'verb'>, verbs: string[]) => {
    for (const verb of verbs) {
      const k = `${verb} ${n.group}/${n.resource}/${n.subresource ?? ''} ${n.namespace}`;
      if (!needs.has(k)) needs.set(k, { verb, ...n });
    }
  };
  for (const r of reads) add(r, [r.verb]);
  for (const c of components) {
    const why = `${c.name} (${c.helm ? 'helm' : 'manifests'})`;
    const objects = await componentObjects(lab, prepared, c, kubeVersion);
    const releaseNs = c.helm ? String(prepared.resolver.resolve(c.helm.namespace, `${c.name}.helm.namespace`)) : 'default';
    const namespaces = new Set<string>();
    let crds = false;
    for (const o of objects) {
      const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : 'v1';
      const kind = typeof o.kind === 'string' ? o.kind : '';
      const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
      const found = (await discover(kube, apiVersion, cache))?.get(kind);
      // A kind the cluster does not serve yet comes from a CRD the release installs: its plural as Kubernetes
      // derives it from the kind when the CRD does not say (lower case, +s or +es).
      if (!found) crds = true;
      const lower = kind.toLowerCase();
      const resource = found?.resource ?? (/(s|x|ch|sh)$/.test(lower) ? `${lower}es` : `${lower}s`);
      const meta = (o.metadata ?? {}) as { namespace?: string };
      const namespaced = found ? found.namespaced : true;
      const namespace = namespaced ? (meta.namespace ?? releaseNs) : '';
      if (namespace) namespaces.add(namespace);
      add({ group, resource, namespace, why }, ['create', 'patch', 'get']);
    }
    if (crds) add({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', namespace: '', why }, ['create', 'patch', 'get']);
    if (c.helm) {
      namespaces.add(releaseNs);
      // Helm keeps each release as Secrets in its namespace (and lists them to find it).
      add({ group: '', resource: 'secrets', namespace: releaseNs, why: `${why}: Helm's release record` }, ['create', 'get', 'list']);
    }
    for (const ns of namespaces) if (ns) add({ group: '', resource: 'namespaces', namespace: '', why: `${why}: namespace ${ns}` }, ['get', 'create']);
  }
  return [...needs.values()];
}

/** One SelfSubjectAccessReview per need; the ones the API denies, with its reason. */
export async function deniedPermissions(kube: Kube, needs: Need[]): Promise<Array<Need & { reason: string }>> {
  const denied: Array<Need & { reason: string }> = [];
  await Promise.all(
    needs.map(async (n) => {
      const review = {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: n.verb, group: n.group, resource: n.resource, ...(n.subresource ? { subresource: n.subresource } : {}), ...(n.namespace ? { namespace: n.namespace } : {}) } },
      };
      const r = await kube.send('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review);
      if (r.status !== 201 && r.status !== 200) {
        denied.push({ ...n, reason: `the SelfSubjectAccessReview itself failed: HTTP ${r.status} ${r.body.slice(0, 200)}` });
        return;
      }
      const st = (JSON.parse(r.body) as { status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string } }).status ?? {};
      if (!st.allowed) denied.push({ ...n, reason: st.reason || st.evaluationError || 'no rule allows it' });
    }),
  );
  const order = (n: Need) => `${n.namespace ? '1' : '0'} ${n.group}/${n.resource}/${n.subresource ?? ''} ${n.namespace} ${n.verb}`;
  return denied.sort((a, b) => order(a).localeCompare(order(b)));
}

/** Something someone else runs that the stack would fight over: what, whose, and the way out. */
export interface Conflict {
  summary: string;
  /** How to resolve it when there is more than removing it (a setting that reuses it). */
  fix?: string;
}

/**
 * What the cluster already has for each component: reuse (name → how), or conflicts (what, whose). `reused`:
 * components already found reused (a Prometheus, reuse.ts); nothing of theirs is installed, so nothing conflicts.
 */
export async function existingState(kube: Kube, prepared: PreparedStack, labName: string, reused: Map<string, string> = new Map()): Promise<{ reuse: Map<string, string>; conflicts: Conflict[]; releases: LabRelease[] }> {
  // What the user may not read counts as absent here: the SelfSubjectAccessReviews then name the missing get.
  const read = (p: string) => kube.getJson<Obj>(p).catch((err: unknown) => {
    if (isForbidden(err)) return undefined;
    throw err;
  });
  const releases = await labReleases(kube, labName).catch((err: unknown) => {
    if (isForbidden(err)) return [];
    throw err;
  });
  /** An APIService there that the lab did not install (the component is then reused, not installed). */
  const isReusable = async (name: string) => {
    const a = await read(`/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
    return a !== undefined && !isOurs(a, labName, releases);
  };
  const reuse = new Map<string, string>(reused);
  const conflicts: Conflict[] = [];
  const settingOn = (name: string) => getPath(prepared.resolver.settings, name.split('.')) === true;
  for (const c of prepared.stack.components) {
    if (reused.has(c.name)) continue;
    // Whatever the stack says: a release or an object of the same name that is someone else's is never taken
    // over (helm upgrade would adopt the release, a forced server-side apply the object).
    if (c.helm && !reuse.has(c.name)) {
      const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
      const theirs = await read(listPath('v1', 'secrets', h.namespace, `owner=helm,name=${h.release}`));
      const items = ((theirs?.items ?? []) as Obj[]);
      if (items.length && !releases.some((r) => r.name === h.release && r.namespace === h.namespace) && !(c.existing?.reuseApiService && (await isReusable(c.existing.reuseApiService)))) {
        conflicts.push({ summary: `${c.name}: a Helm release ${h.namespace}/${h.release} already exists and was not installed by hpa-lab: upgrading it would take it over` });
      }
    }
    if (c.manifests) {
      for (const o of loadManifests(REPO_ROOT, c.manifests, prepared.resolver)) {
        const live = await read(resourcePath(o));
        if (live && !isOurs(live, labName, releases)) conflicts.push({ summary: `${c.name}: ${String(o.kind)} ${(o.metadata as { namespace?: string }).namespace ? `${(o.metadata as { namespace?: string }).namespace}/` : ''}${String((o.metadata as { name?: string }).name)} already exists and was not made by hpa-lab: applying would take it over` });
      }
    }
    const e = c.existing;
    if (!e) continue;
    const spec = c.helm ? prepared.resolver.resolve(c.helm, `${c.name}.helm`) : undefined;
    // The component's own release, installed by this lab before: what it made is ours (CRDs from a chart's
    // crds/ folder carry no Helm annotations).
    const ownRelease = spec !== undefined && releases.some((r) => r.name === spec.release && r.namespace === spec.namespace);
    const foreign = (o: Obj) => !ownRelease && !isOurs(o, labName, releases);
    if (e.reuseApiService) {
      const a = await read(`/apis/apiregistration.k8s.io/v1/apiservices/${e.reuseApiService}`);
      const optedIn = e.reuseOptIn === undefined || settingOn(e.reuseOptIn);
      if (a && foreign(a)) {
        const svc = (a.spec as { service?: { namespace?: string; name?: string } } | undefined)?.service;
        const by = svc ? `Service ${svc.namespace ?? '?'}/${svc.name ?? '?'}` : 'the API server itself';
        if (optedIn) reuse.set(c.name, `APIService ${e.reuseApiService} is served by ${by}, which hpa-lab did not install`);
        else conflicts.push({ summary: `${c.name}: APIService ${e.reuseApiService} already exists, served by ${by} (not installed by hpa-lab): a second one would take it over`, fix: `reuse it: --set ${e.reuseOptIn ?? ''}=true (its gates then decide whether it serves what the stack needs), or remove it` });
      } else if (e.reuseOptIn !== undefined && optedIn) {
        conflicts.push({ summary: `${c.name}: ${e.reuseOptIn}=true, but no APIService ${e.reuseApiService} served by someone else is there to reuse`, fix: `leave out --set ${e.reuseOptIn}=true: hpa-lab then installs its own` });
      }
    }
    for (const name of e.conflicts.apiServices) {
      const a = await read(`/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
      if (a && foreign(a)) {
        const svc = (a.spec as { service?: { namespace?: string; name?: string } } | undefined)?.service;
        conflicts.push({ summary: `${c.name}: APIService ${name} already exists, served by ${svc ? `Service ${svc.namespace ?? '?'}/${svc.name ?? '?'}` : 'the API server itself'} (not installed by hpa-lab): a second adapter would take it over` });
      }
    }
    for (const name of e.conflicts.crds) {
      const crd = await read(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      if (crd && foreign(crd)) {
        const rp = e.reusePrometheus;
        conflicts.push({
          summary: `${c.name}: CRD ${name} already exists (not installed by hpa-lab): another Prometheus operator (or its CRDs) is there, and a second one would fight over them`,
          ...(rp ? { fix: `reuse the Prometheus that operator runs: --set ${rp.setting}=http://<service>.<namespace>.svc:<port> (its Service; kubectl --context ${kube.context} get services --all-namespaces -l app.kubernetes.io/name=prometheus), or remove it` } : {}),
        });
      }
    }
  }
  return { reuse, conflicts, releases };
}

/** The version check as a preflight line: ok, or fail naming the chart, its constraint and the cluster's version. */
export function kubeVersionCheck(chart: string, version: string, constraint: string | undefined, gitVersion: string): Check {
  if (constraint === undefined) return { id: `kube-version-${chart}`, level: 'ok', summary: `${chart} ${version}: sets no kubeVersion constraint (cluster ${gitVersion})` };
  const ok = satisfies(gitVersion, constraint);
  if (ok === undefined) return { id: `kube-version-${chart}`, level: 'warn', summary: `${chart} ${version}: kubeVersion "${constraint}" is not a constraint hpa-lab can read; Helm will check it at install` };
  if (ok) return { id: `kube-version-${chart}`, level: 'ok', summary: `${chart} ${version}: kubeVersion "${constraint}" holds for ${gitVersion}` };
  return {
    id: `kube-version-${chart}`,
    level: 'fail',
    summary: `${chart} ${version} needs Kubernetes ${constraint}; the cluster runs ${gitVersion}`,
    why: 'Helm refuses to install a chart whose kubeVersion the cluster does not satisfy',
    fix: 'use a cluster with a supported Kubernetes version',
  };
}

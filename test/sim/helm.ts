// Stand-in for `helm` (emulates Helm v4.0.4; HPA_LAB_SIM_HELM_VERSION=3.19.0 switches to Helm 3 behaviour).
// Simulated: version, upgrade [--install], list, get values|manifest|notes, status, history, uninstall,
// show values|chart — with Helm's real flags (unknown ones are rejected like cobra does). Charts come from the
// simulated repositories in charts/ (rendered from the pinned charts' defaults and the user's values), releases
// are stored as Helm stores them (Secrets sh.helm.release.v1.*) through the cluster's REST API. Other commands
// answer "not simulated yet" without parsing their flags.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { coalesce, defaults, defaultsText, str, toYaml, type ChartVersion } from './charts/common.ts';
import { normalizeRepo, ociChart, repoIndex } from './charts/index.ts';
import { execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { ExitError, runMain, simHome } from './lib/env.ts';
import { processFaults } from './lib/faults.ts';
import { createRelease, deleteRelease, forgetDiscovery, Kube, KubeError, kubeTarget, listReleases, objectPath, UnreachableError, updateRelease, type Release, type ReleaseStatus } from './lib/helmstore.ts';
import { mergeMaps, sortKeys, userValues, ValuesError } from './lib/helmvalues.ts';
import type { KubeObject } from './lib/store.ts';

simHome();
processFaults();

const version = `v${(process.env.HPA_LAB_SIM_HELM_VERSION ?? '4.0.4').replace(/^v/, '')}`;
const major = Number(version.slice(1).split('.')[0]);
const minor = Number(version.split('.')[1]);

/** Real commit of v4.0.4 (what `--short` shows); other versions get a stable made-up commit. */
const gitCommit = version === 'v4.0.4' ? '8650e1dad9e6ae38b41f60b712af9218a0d8cc11' : createHash('sha1').update(version).digest('hex');

function buildInfo(): Record<string, string> {
  const info: Record<string, string> = { Version: version, GitCommit: gitCommit, GitTreeState: 'clean', GoVersion: major >= 4 ? 'go1.25.5' : 'go1.24.7' };
  if (major >= 4 || minor >= 18) info.KubeClientVersion = major >= 4 ? 'v1.34' : 'v1.33';
  return info;
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  throw new ExitError(1);
}

/** Helm's require.NoArgs wording. */
function noArgs(inv: Invocation): void {
  if (inv.args.length) fail(`"${inv.path}" accepts no arguments\n\nUsage:  ${inv.path} [flags]`);
}

/** `{{.Field}}` placeholders of a Go template over BuildInfo; other template syntax is a simulation limit. */
function renderTemplate(template: string, data: Record<string, string>): string {
  const rest = template.replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, '');
  if (rest.includes('{{')) fail('template: _:1: unsupported in simulation (only {{.Field}} is supported)');
  return template.replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, (_m, field: string) => {
    if (!(field in data)) fail(`template: _:1:${template.indexOf(field)}: executing "_" at <.${field}>: can't evaluate field ${field} in type version.BuildInfo`);
    return data[field] as string;
  });
}

function versionCmd(inv: Invocation): Promise<number> {
  noArgs(inv);
  const info = buildInfo();
  const template = inv.flags.string('template');
  if (template) {
    // Helm writes the template output as is: no trailing newline.
    process.stdout.write(renderTemplate(template, info));
    return Promise.resolve(0);
  }
  if (inv.flags.bool('short')) {
    process.stdout.write(`${version}+g${gitCommit.slice(0, 7)}\n`);
    return Promise.resolve(0);
  }
  const fields = Object.entries(info).map(([k, v]) => `${k}:"${v}"`);
  process.stdout.write(`version.BuildInfo{${fields.join(', ')}}\n`);
  return Promise.resolve(0);
}

const versionFlags: FlagDef[] = [
  { name: 'short', kind: 'bool', usage: 'print the version number' },
  { name: 'template', kind: 'string', usage: 'template for version string format' },
  // Helm 3 still has --client/-c (ignored since 3.0); Helm 4 removed it.
  ...(major < 4 ? [{ name: 'client', short: 'c', kind: 'bool', usage: 'display client version information', hidden: true } satisfies FlagDef] : []),
];

// ---- release commands ---------------------------------------------------------------------------------------

const notSimulated = (name: string): Command => ({
  name,
  short: `helm ${name} (not simulated yet)`,
  args: 'any',
  disableFlagParsing: true,
  run: () => fail(`"helm ${name}" is not simulated yet`),
});

type Obj = Record<string, unknown>;
const objOf = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** Connects like Helm: kubeconfig + context, then IsReachable (GET /version). */
async function connect(inv: Invocation): Promise<Kube> {
  let target;
  try {
    target = kubeTarget({ kubeconfig: inv.flags.string('kubeconfig'), context: inv.flags.string('kube-context'), namespace: inv.flags.string('namespace') });
    const kube = new Kube(target);
    await kube.reachable();
    return kube;
  } catch (err) {
    if (err instanceof UnreachableError) fail(`Kubernetes cluster unreachable: ${err.message}`);
    if (err instanceof KubeError) fail(`Kubernetes cluster unreachable: ${err.message}`);
    throw err;
  }
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateReleaseName(name: string): void {
  if (!RELEASE_NAME.test(name) || name.length > 53) {
    fail(`invalid release name, must match regex ${RELEASE_NAME.source} and the length must not be longer than 53`);
  }
}

/** LocateChart: --repo URL + name, an oci:// reference, or repo/name (no repositories are configured). */
function locateChart(ref: string, inv: Invocation): ChartVersion {
  const repo = inv.flags.string('repo');
  const wanted = inv.flags.string('version').replace(/^v(?=\d)/, '');
  const pick = (versions: ChartVersion[], name: string, where: string): ChartVersion => {
    const named = versions.filter((c) => c.name === name);
    if (!named.length) fail(`chart "${name}" not found in ${where} repository`);
    const found = wanted ? named.find((c) => c.version === wanted) : named[named.length - 1];
    if (!found) fail(`chart "${name}" version "${inv.flags.string('version')}" not found in ${where} repository`);
    return found;
  };
  if (ref.startsWith('oci://')) {
    if (repo) fail(`cannot use --repo with an OCI reference: ${ref}`);
    const { versions, chart } = ociChart(ref, wanted);
    if (!versions.length) fail(`${ref.slice('oci://'.length)}:${wanted || 'latest'}: not found`);
    if (!chart && wanted) fail(`${ref.slice('oci://'.length)}:${wanted}: not found`);
    return chart ?? (versions[versions.length - 1] as ChartVersion);
  }
  if (repo) {
    const index = repoIndex(repo);
    if (!index) {
      let host = repo;
      try {
        host = new URL(repo).hostname;
      } catch {
        fail(`could not find protocol handler for: ${repo}`);
      }
      fail(`looks like "${repo}" is not a valid chart repository or cannot be reached: Get "${normalizeRepo(repo)}/index.yaml": dial tcp: lookup ${host}: no such host`);
    }
    return pick(index, ref, repo);
  }
  if (existsSync(ref)) fail(`simulated helm cannot load local charts (${ref}); use --repo`);
  if (ref.includes('/')) fail(`repo ${ref.split('/')[0] ?? ''} not found`);
  fail(`non-absolute URLs should be in form of repo_name/path_to_chart, got: ${ref}`);
}

function valueSources(inv: Invocation) {
  return {
    files: inv.flags.strings('values'),
    set: inv.flags.strings('set'),
    setString: inv.flags.strings('set-string'),
    setJson: inv.flags.strings('set-json'),
    setLiteral: inv.flags.strings('set-literal'),
    setFile: inv.flags.strings('set-file'),
  };
}

function readUserValues(inv: Invocation): Obj {
  try {
    return userValues(valueSources(inv));
  } catch (err) {
    if (err instanceof ValuesError) fail(err.message);
    throw err;
  }
}

/** Helm's InstallOrder (kinds not listed go last); uninstall goes the other way round. */
const INSTALL_ORDER = ['PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function installRank(kind: string): number {
  const i = INSTALL_ORDER.indexOf(kind);
  return i < 0 ? INSTALL_ORDER.length : i;
}

function sortForInstall(objects: KubeObject[]): KubeObject[] {
  return objects.map((o, i) => ({ o, i })).sort((a, b) => installRank(a.o.kind) - installRank(b.o.kind) || a.i - b.i).map((x) => x.o);
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const identity = (o: KubeObject) => `${groupOf(o.apiVersion) ?? ''}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Helm's post-render bookkeeping on every resource: managed-by label, release annotations, namespace. */
function withHelmMetadata(objects: KubeObject[], release: string, namespace: string, namespaced: (o: KubeObject) => boolean): KubeObject[] {
  return objects.map((raw) => {
    const o = structuredClone(raw);
    if (namespaced(o) && !o.metadata.namespace) o.metadata.namespace = namespace;
    o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' };
    o.metadata.annotations = { ...o.metadata.annotations, 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace };
    return o;
  });
}

const CLUSTER_KINDS = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'PriorityClass', 'StorageClass', 'PersistentVolume', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'IngressClass', 'Node']);

function manifestOf(chart: ChartVersion, objects: KubeObject[]): string {
  return objects.map((o) => `---\n# Source: ${chart.name}/templates/${o.kind.toLowerCase()}.yaml\n${toYaml(o)}`).join('');
}

function parseManifest(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && typeof (o as Obj).kind === 'string');
}

/** Go's time.Time.String() as `helm list` prints it. */
function goTimeString(iso: string): string {
  const d = new Date(iso);
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000);
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const frac = iso.match(/\.(\d+)/)?.[1]?.replace(/0+$/, '') ?? '';
  const zone = off === 0 ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? '');
  return `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}${frac ? `.${frac}` : ''} ${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)} ${zone}`;
}

/** time.ANSIC in local time: "Thu Nov 27 22:31:00 2025". */
function ansic(iso: string): string {
  const d = new Date(iso);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()] ?? ''} ${months[d.getMonth()] ?? ''} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

const nowIso = () => new Date().toISOString().replace('Z', `${String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0')}Z`);

function statusText(r: Release, opts: { showDesc?: boolean; hideNotes?: boolean } = {}): string {
  const lines = [`NAME: ${r.name}`, `LAST DEPLOYED: ${ansic(r.info.last_deployed)}`, `NAMESPACE: ${r.namespace}`, `STATUS: ${r.info.status}`, `REVISION: ${r.version}`];
  if (opts.showDesc) lines.push(`DESCRIPTION: ${r.info.description}`);
  lines.push('TEST SUITE: None');
  if (r.info.notes && !opts.hideNotes) lines.push(`NOTES:\n${r.info.notes.trim()}`);
  return `${lines.join('\n')}\n`;
}

function printRelease(inv: Invocation, r: Release, opts: { hideNotes?: boolean } = {}): void {
  const format = inv.flags.string('output') || 'table';
  if (format === 'json') process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (format === 'yaml') process.stdout.write(stringifyYaml(r));
  else process.stdout.write(statusText(r, { showDesc: inv.flags.changed('show-desc') && inv.flags.bool('show-desc'), hideNotes: opts.hideNotes }));
}

function checkOutputFormat(inv: Invocation): void {
  const f = inv.flags.string('output');
  if (f && !['table', 'json', 'yaml'].includes(f)) fail(`invalid argument "${f}" for "-o, --output" flag: invalid format type`);
}

/** Objects of the new manifest that exist but belong to no release of this name: Helm refuses to adopt them. */
async function checkOwnership(kube: Kube, objects: KubeObject[], known: Set<string>, release: string, namespace: string, verb: 'install' | 'update'): Promise<void> {
  for (const o of objects) {
    if (known.has(identity(o))) continue;
    let live: Obj | undefined;
    try {
      live = await kube.get(await objectPath(kube, o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
    } catch {
      continue;
    }
    if (!live) continue;
    const meta = objOf(live.metadata);
    const labels = objOf(meta.labels);
    const anns = objOf(meta.annotations);
    const problems: string[] = [];
    if (labels['app.kubernetes.io/managed-by'] !== 'Helm') problems.push(`label validation error: ${labels['app.kubernetes.io/managed-by'] === undefined ? 'missing key "app.kubernetes.io/managed-by"' : `key "app.kubernetes.io/managed-by" has value "${str(labels['app.kubernetes.io/managed-by'])}"`}: must be set to "Helm"`);
    if (anns['meta.helm.sh/release-name'] !== release) problems.push(`annotation validation error: ${anns['meta.helm.sh/release-name'] === undefined ? 'missing key "meta.helm.sh/release-name"' : `key "meta.helm.sh/release-name" equals "${str(anns['meta.helm.sh/release-name'])}"`}: must be set to "${release}"`);
    if (anns['meta.helm.sh/release-namespace'] !== namespace) problems.push(`annotation validation error: ${anns['meta.helm.sh/release-namespace'] === undefined ? 'missing key "meta.helm.sh/release-namespace"' : `key "meta.helm.sh/release-namespace" equals "${str(anns['meta.helm.sh/release-namespace'])}"`}: must be set to "${namespace}"`);
    if (problems.length) {
      throw new Error(`Unable to continue with ${verb}: ${o.kind} "${o.metadata.name}" in namespace "${o.metadata.namespace ?? ''}" exists and cannot be imported into the current release: invalid ownership metadata; ${problems.join('; ')}`);
    }
  }
}

async function installCrds(kube: Kube, crds: KubeObject[]): Promise<void> {
  let created = false;
  for (const crd of crds) {
    const p = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
    if (await kube.get(p)) continue;
    try {
      await kube.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldManager=helm', crd);
      created = true;
    } catch (err) {
      throw new Error(`failed to install CRD crds/${crd.metadata.name}.yaml: ${(err as Error).message}`, { cause: err });
    }
  }
  if (created) forgetDiscovery();
}

/** Creates new objects and updates existing ones (server-side apply as field manager "helm"). */
async function applyObjects(kube: Kube, objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    const item = await objectPath(kube, o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    const exists = await kube.get(item);
    if (!exists && major < 4) {
      const coll = await objectPath(kube, o.apiVersion, o.kind, o.metadata.namespace);
      try {
        await kube.request('POST', `${coll}?fieldManager=helm`, o);
      } catch (err) {
        throw new Error(`failed to create resource: ${(err as Error).message}`, { cause: err });
      }
      continue;
    }
    try {
      await kube.request('PATCH', `${item}?fieldManager=helm&force=true`, stringifyYaml(o), 'application/apply-patch+yaml');
    } catch (err) {
      throw new Error(exists ? `cannot patch "${o.metadata.name}" with kind ${o.kind}: ${(err as Error).message}` : `failed to create resource: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function deleteObjects(kube: Kube, objects: KubeObject[]): Promise<void> {
  for (const o of [...sortForInstall(objects)].reverse()) {
    try {
      const p = await objectPath(kube, o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
      await kube.request('DELETE', p, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) continue;
      if (/no matches for kind/.test((err as Error).message)) continue;
      throw err;
    }
  }
}

/** --wait: Deployments, StatefulSets, DaemonSets and Pods of the release ready, within --timeout. */
async function waitReady(kube: Kube, objects: KubeObject[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + (timeoutMs || 300_000);
  for (;;) {
    let pending: string | undefined;
    for (const o of objects) {
      if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'].includes(o.kind)) continue;
      const live = await kube.get(await objectPath(kube, o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
      const spec = objOf(live?.spec);
      const st = objOf(live?.status);
      const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const ready =
        o.kind === 'Deployment'
          ? (st.readyReplicas ?? 0) === desired && (st.updatedReplicas ?? 0) === desired && (st.observedGeneration ?? 0) === objOf(live?.metadata).generation
          : o.kind === 'StatefulSet'
            ? (st.readyReplicas ?? 0) === desired && st.updateRevision === st.currentRevision
            : o.kind === 'DaemonSet'
              ? st.numberReady === st.desiredNumberScheduled
              : ((st.conditions as Obj[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      if (!ready) {
        pending = `${o.kind}: ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        break;
      }
    }
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`resource not ready, name: ${pending.split('/')[1] ?? ''}, kind: ${pending.split(':')[0] ?? ''}, status: InProgress\ncontext deadline exceeded`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function ensureNamespace(kube: Kube, ns: string): Promise<void> {
  if (await kube.get(`/api/v1/namespaces/${ns}`)) return;
  try {
    await kube.request('POST', '/api/v1/namespaces?fieldManager=helm', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { name: ns } } });
  } catch (err) {
    if (!(err instanceof KubeError && err.code === 409)) throw err;
  }
}

interface RenderOut {
  chart: ChartVersion;
  values: Obj;
  crds: KubeObject[];
  objects: KubeObject[];
  notes: string;
}

function renderChart(chart: ChartVersion, release: string, namespace: string, user: Obj, revision: number, isInstall: boolean, kubeVersion: string): RenderOut {
  const values = objOf(coalesce(defaults(chart.valuesFile), user));
  const r = chart.render({ release, namespace, values, revision, isInstall, kubeVersion });
  const objects = sortForInstall(withHelmMetadata(r.objects, release, namespace, (o) => !CLUSTER_KINDS.has(o.kind)));
  return { chart, values, crds: r.crds, objects, notes: r.notes };
}

function newRelease(out: RenderOut, name: string, namespace: string, version: number, user: Obj, first: string, status: ReleaseStatus, description: string): Release {
  const c = out.chart;
  const now = nowIso();
  return {
    name,
    namespace,
    version,
    info: { first_deployed: first || now, last_deployed: now, deleted: '', description, status, notes: out.notes },
    chart: { metadata: { name: c.name, version: c.version, appVersion: c.appVersion, apiVersion: 'v2', description: c.description }, values: defaults(c.valuesFile) },
    config: Object.keys(user).length ? user : null,
    manifest: manifestOf(c, out.objects),
  };
}

async function kubeVersionOf(kube: Kube): Promise<string> {
  return str(objOf(await kube.get('/version')).gitVersion, 'v1.36.1');
}

interface InstallOpts {
  release: string;
  chartRef: string;
  /** how errors are framed (`helm install` would wrap them in "INSTALLATION FAILED: ") */
  wrap: string;
}

async function runInstall(inv: Invocation, kube: Kube, o: InstallOpts): Promise<Release> {
  const ns = kube.target.namespace;
  const chart = locateChart(o.chartRef, inv);
  const user = readUserValues(inv);
  const out = renderChart(chart, o.release, ns, user, 1, true, await kubeVersionOf(kube));
  const failWith = (err: unknown): never => fail(`${o.wrap}${(err as Error).message}`);
  if (inv.flags.string('dry-run') && inv.flags.string('dry-run') !== 'none') {
    const r = newRelease(out, o.release, ns, 1, user, '', 'pending-install', 'Dry run complete');
    process.stdout.write(`${statusText(r)}HOOKS:\nMANIFEST:\n${r.manifest}`);
    return r;
  }
  try {
    if (!inv.flags.bool('skip-crds')) await installCrds(kube, out.crds);
    await checkOwnership(kube, out.objects, new Set(), o.release, ns, 'install');
    if (inv.flags.bool('create-namespace')) await ensureNamespace(kube, ns);
  } catch (err) {
    failWith(err);
  }
  const rel = newRelease(out, o.release, ns, 1, user, '', 'pending-install', 'Initial install underway');
  try {
    await createRelease(kube, rel);
  } catch (err) {
    failWith(err);
  }
  try {
    await applyObjects(kube, out.objects);
    if (waitRequested(inv)) await waitReady(kube, out.objects, inv.flags.durationMs('timeout'));
  } catch (err) {
    rel.info.status = 'failed';
    rel.info.description = `Release "${o.release}" failed: ${(err as Error).message}`;
    await updateRelease(kube, rel).catch(() => undefined);
    failWith(err);
  }
  rel.info.status = 'deployed';
  rel.info.description = 'Install complete';
  await updateRelease(kube, rel);
  return rel;
}

function waitRequested(inv: Invocation): boolean {
  if (major >= 4) return inv.flags.changed('wait') && !['hookOnly', 'false'].includes(inv.flags.string('wait'));
  return inv.flags.bool('wait') || inv.flags.bool('atomic');
}

async function pruneHistory(kube: Kube, history: Release[], max: number): Promise<void> {
  if (max <= 0) return;
  const old = history.filter((r) => r.info.status === 'superseded' || r.info.status === 'failed');
  const excess = history.length - max;
  for (const r of old.slice(0, Math.max(0, excess))) await deleteRelease(kube, r).catch(() => undefined);
}

async function upgradeCmd(inv: Invocation): Promise<number> {
  const [name = '', chartRef = ''] = inv.args;
  checkOutputFormat(inv);
  validateReleaseName(name);
  // Helm 4's --wait takes a strategy; the old boolean spellings still work (true = watcher, false = hookOnly).
  if (major >= 4 && inv.flags.changed('wait') && !['watcher', 'hookOnly', 'legacy', 'true', 'false'].includes(inv.flags.string('wait'))) {
    fail(`invalid argument "${inv.flags.string('wait')}" for "--wait" flag: invalid wait input "${inv.flags.string('wait')}". Valid inputs are watcher, hookOnly, and legacy`);
  }
  const kube = await connect(inv);
  const ns = kube.target.namespace;
  const table = (inv.flags.string('output') || 'table') === 'table';
  let history: Release[];
  try {
    history = await listReleases(kube, ns, name);
  } catch (err) {
    fail((err as Error).message);
  }
  const last = history[history.length - 1];
  if (inv.flags.bool('install') && (!last || last.info.status === 'uninstalled')) {
    if (table) process.stdout.write(`Release "${name}" does not exist. Installing it now.\n`);
    const rel = await runInstall(inv, kube, { release: name, chartRef, wrap: '' });
    if (!inv.flags.string('dry-run') || inv.flags.string('dry-run') === 'none') printRelease(inv, rel, { hideNotes: inv.flags.bool('hide-notes') });
    return 0;
  }
  if (!last) fail(`UPGRADE FAILED: "${name}" has no deployed releases`);
  if (last.info.status.startsWith('pending-')) fail('UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  const current = history.filter((r) => r.info.status === 'deployed').pop() ?? last;
  const chart = locateChart(chartRef, inv);
  let user = readUserValues(inv);
  const given = Object.keys(user).length > 0;
  if (inv.flags.bool('reuse-values') || inv.flags.bool('reset-then-reuse-values')) user = mergeMaps(objOf(current.config), user);
  else if (!inv.flags.bool('reset-values') && !given) user = objOf(current.config);
  const out = renderChart(chart, name, ns, user, last.version + 1, false, await kubeVersionOf(kube));
  const failWith = (err: unknown): never => fail(`UPGRADE FAILED: ${(err as Error).message}`);
  if (inv.flags.string('dry-run') && inv.flags.string('dry-run') !== 'none') {
    const r = newRelease(out, name, ns, last.version + 1, user, current.info.first_deployed, 'pending-upgrade', 'Dry run complete');
    process.stdout.write(`${statusText(r)}HOOKS:\nMANIFEST:\n${r.manifest}`);
    return 0;
  }
  const before = parseManifest(current.manifest);
  const known = new Set(before.map(identity));
  try {
    await checkOwnership(kube, out.objects, known, name, ns, 'update');
  } catch (err) {
    failWith(err);
  }
  const rel = newRelease(out, name, ns, last.version + 1, user, current.info.first_deployed, 'pending-upgrade', 'Preparing upgrade');
  try {
    await createRelease(kube, rel);
  } catch (err) {
    failWith(err);
  }
  try {
    if (!inv.flags.bool('skip-crds')) await installCrds(kube, out.crds);
    await applyObjects(kube, out.objects);
    const now = new Set(out.objects.map(identity));
    await deleteObjects(kube, before.filter((o) => !now.has(identity(o))));
    if (waitRequested(inv)) await waitReady(kube, out.objects, inv.flags.durationMs('timeout'));
  } catch (err) {
    rel.info.status = 'failed';
    rel.info.description = `Upgrade "${name}" failed: ${(err as Error).message}`;
    await updateRelease(kube, rel).catch(() => undefined);
    failWith(err);
  }
  for (const r of history.filter((x) => x.info.status === 'deployed' || x === current)) {
    if (r.info.status === 'superseded') continue;
    r.info.status = 'superseded';
    r.info.description = 'Superseded';
    await updateRelease(kube, r);
  }
  rel.info.status = 'deployed';
  rel.info.description = 'Upgrade complete';
  await updateRelease(kube, rel);
  await pruneHistory(kube, [...history, rel], inv.flags.int('history-max'));
  if (table) process.stdout.write(`Release "${name}" has been upgraded. Happy Helming!\n`);
  printRelease(inv, rel, { hideNotes: inv.flags.bool('hide-notes') });
  return 0;
}

async function latestRelease(inv: Invocation, kube: Kube, name: string): Promise<Release> {
  const history = await listReleases(kube, kube.target.namespace, name);
  const revision = inv.flags.changed('revision') ? inv.flags.int('revision') : 0;
  const r = revision > 0 ? history.find((x) => x.version === revision) : history[history.length - 1];
  if (!r) fail('release: not found');
  return r;
}

async function getValuesCmd(inv: Invocation): Promise<number> {
  checkOutputFormat(inv);
  const kube = await connect(inv);
  const r = await latestRelease(inv, kube, inv.args[0] ?? '');
  const all = inv.flags.bool('all');
  const vals = all ? coalesce(r.chart.values, objOf(r.config)) : r.config;
  const format = inv.flags.string('output') || 'table';
  if (format === 'json') process.stdout.write(`${JSON.stringify(sortKeys(vals ?? null))}\n`);
  else if (format === 'yaml') process.stdout.write(vals ? stringifyYaml(sortKeys(vals)) : 'null\n');
  else process.stdout.write(`${all ? 'COMPUTED VALUES:' : 'USER-SUPPLIED VALUES:'}\n${vals ? stringifyYaml(sortKeys(vals)) : 'null\n'}`);
  return 0;
}

async function getManifestCmd(inv: Invocation): Promise<number> {
  const kube = await connect(inv);
  const r = await latestRelease(inv, kube, inv.args[0] ?? '');
  process.stdout.write(r.manifest);
  return 0;
}

async function getNotesCmd(inv: Invocation): Promise<number> {
  const kube = await connect(inv);
  const r = await latestRelease(inv, kube, inv.args[0] ?? '');
  process.stdout.write(`NOTES:\n${(r.info.notes ?? '').trim()}\n`);
  return 0;
}

async function statusCmd(inv: Invocation): Promise<number> {
  checkOutputFormat(inv);
  const kube = await connect(inv);
  const r = await latestRelease(inv, kube, inv.args[0] ?? '');
  printRelease(inv, r);
  return 0;
}

/** uitable as Helm uses it: columns padded to their widest cell, separated by a tab. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('\t').replace(/\s+$/, '')).join('\n') + '\n';
}

async function listCmd(inv: Invocation): Promise<number> {
  checkOutputFormat(inv);
  const kube = await connect(inv);
  const allNs = inv.flags.bool('all-namespaces');
  let filter: RegExp | undefined;
  try {
    filter = inv.flags.string('filter') ? new RegExp(inv.flags.string('filter')) : undefined;
  } catch (err) {
    fail(`error parsing regexp: ${(err as Error).message}`);
  }
  const releases = await listReleases(kube, allNs ? undefined : kube.target.namespace);
  const latest = new Map<string, Release>();
  for (const r of releases) {
    const k = `${r.namespace}/${r.name}`;
    const cur = latest.get(k);
    if (!cur || r.version > cur.version) latest.set(k, r);
  }
  const states: ReleaseStatus[] = [];
  const stateFlags: Array<[string, ReleaseStatus[]]> = [
    ['deployed', ['deployed']],
    ['failed', ['failed']],
    ['pending', ['pending-install', 'pending-upgrade', 'pending-rollback']],
    ['superseded', ['superseded']],
    ['uninstalled', ['uninstalled']],
    ['uninstalling', ['uninstalling']],
  ];
  for (const [flag, s] of stateFlags) if (inv.flags.bool(flag)) states.push(...s);
  const mask = inv.flags.bool('all') ? undefined : states.length ? states : (['deployed', 'failed'] as ReleaseStatus[]);
  let items = [...latest.values()].filter((r) => (!mask || mask.includes(r.info.status)) && (!filter || filter.test(r.name)));
  items.sort((a, b) => (inv.flags.bool('date') ? a.info.last_deployed.localeCompare(b.info.last_deployed) : a.name.localeCompare(b.name)));
  if (inv.flags.bool('reverse')) items.reverse();
  items = items.slice(inv.flags.int('offset'), inv.flags.int('offset') + (inv.flags.int('max') || items.length));
  const rows = items.map((r) => ({
    name: r.name,
    namespace: r.namespace,
    revision: String(r.version),
    updated: goTimeString(r.info.last_deployed),
    status: r.info.status,
    chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
    app_version: r.chart.metadata.appVersion,
  }));
  const format = inv.flags.string('output') || 'table';
  if (inv.flags.bool('short')) {
    if (format === 'json') process.stdout.write(`${JSON.stringify(rows.map((r) => r.name))}\n`);
    else if (format === 'yaml') process.stdout.write(stringifyYaml(rows.map((r) => r.name)));
    else for (const r of rows) process.stdout.write(`${r.name}\n`);
    return 0;
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
  else if (format === 'yaml') process.stdout.write(rows.length ? stringifyYaml(rows) : '[]\n');
  else {
    const head = inv.flags.bool('no-headers') ? [] : [['NAME', 'NAMESPACE', 'REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION']];
    const body = [...head, ...rows.map((r) => [r.name, r.namespace, r.revision, r.updated, r.status, r.chart, r.app_version])];
    if (body.length) process.stdout.write(table(body));
  }
  return 0;
}

async function historyCmd(inv: Invocation): Promise<number> {
  checkOutputFormat(inv);
  const kube = await connect(inv);
  const history = await listReleases(kube, kube.target.namespace, inv.args[0] ?? '');
  if (!history.length) fail('release: not found');
  const rows = history.slice(-inv.flags.int('max')).map((r) => ({ revision: r.version, updated: r.info.last_deployed, status: r.info.status, chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`, app_version: r.chart.metadata.appVersion, description: r.info.description }));
  const format = inv.flags.string('output') || 'table';
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
  else if (format === 'yaml') process.stdout.write(stringifyYaml(rows));
  else process.stdout.write(table([['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION'], ...rows.map((r) => [String(r.revision), ansic(r.updated), r.status, r.chart, r.app_version, r.description])]));
  return 0;
}

async function uninstallCmd(inv: Invocation): Promise<number> {
  const kube = await connect(inv);
  for (const name of inv.args) {
    const history = await listReleases(kube, kube.target.namespace, name);
    const last = history[history.length - 1];
    if (!last || last.info.status === 'uninstalled') {
      if (inv.flags.bool('ignore-not-found')) continue;
      fail(`uninstall: Release not loaded: ${name}: release: not found`);
    }
    if (!inv.flags.bool('dry-run')) {
      try {
        await deleteObjects(kube, parseManifest(last.manifest));
      } catch (err) {
        fail(`uninstallation completed with 1 error(s): ${(err as Error).message}`);
      }
      if (inv.flags.bool('keep-history')) {
        last.info.status = 'uninstalled';
        last.info.deleted = nowIso();
        last.info.description = inv.flags.string('description') || 'Uninstallation complete';
        await updateRelease(kube, last);
      } else {
        for (const r of history) await deleteRelease(kube, r).catch(() => undefined);
      }
    }
    process.stdout.write(`release "${name}" uninstalled\n`);
  }
  return 0;
}

function showValuesCmd(inv: Invocation): Promise<number> {
  const chart = locateChart(inv.args[0] ?? '', inv);
  process.stdout.write(defaultsText(chart.valuesFile));
  return Promise.resolve(0);
}

function showChartCmd(inv: Invocation): Promise<number> {
  const c = locateChart(inv.args[0] ?? '', inv);
  process.stdout.write(stringifyYaml({ apiVersion: 'v2', appVersion: c.appVersion, description: c.description, name: c.name, type: 'application', version: c.version }));
  return Promise.resolve(0);
}

// ---- flags as Helm 3.14+/4 declare them -------------------------------------------------------------------------

const f = (name: string, kind: FlagDef['kind'], usage: string, extra: Partial<FlagDef> = {}): FlagDef => ({ name, kind, usage, ...extra });

const chartPathFlags: FlagDef[] = [
  f('ca-file', 'string', 'verify certificates of HTTPS-enabled servers using this CA bundle'),
  f('cert-file', 'string', 'identify HTTPS client using this SSL certificate file'),
  f('key-file', 'string', 'identify HTTPS client using this SSL key file'),
  f('insecure-skip-tls-verify', 'bool', 'skip tls certificate checks for the chart download'),
  f('keyring', 'string', 'location of public keys used for verification'),
  f('pass-credentials', 'bool', 'pass credentials to all domains'),
  f('password', 'string', 'chart repository password where to locate the requested chart'),
  f('plain-http', 'bool', 'use insecure HTTP connections for the chart download'),
  f('repo', 'string', 'chart repository url where to locate the requested chart'),
  f('username', 'string', 'chart repository username where to locate the requested chart'),
  f('verify', 'bool', 'verify the package before using it'),
  f('version', 'string', 'specify a version constraint for the chart version to use'),
  f('devel', 'bool', "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored"),
];

const valueFlags: FlagDef[] = [
  f('values', 'stringSlice', 'specify values in a YAML file or a URL (can specify multiple)', { short: 'f' }),
  f('set', 'stringArray', 'set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)'),
  f('set-string', 'stringArray', 'set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)'),
  f('set-json', 'stringArray', 'set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2)'),
  f('set-literal', 'stringArray', 'set a literal STRING value on the command line'),
  f('set-file', 'stringArray', 'set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)'),
];

const outputFlag = f('output', 'string', 'prints the output in the specified format. Allowed values: table, json, yaml', { short: 'o', default: 'table' });

const installLikeFlags: FlagDef[] = [
  ...chartPathFlags,
  ...valueFlags,
  outputFlag,
  f('create-namespace', 'bool', 'create the release namespace if not present'),
  f('dependency-update', 'bool', 'update dependencies if they are missing before installing the chart'),
  f('description', 'string', 'add a custom description'),
  f('disable-openapi-validation', 'bool', 'if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema'),
  f('dry-run', 'string', 'simulate an install. If --dry-run is set with no option being specified or as \'--dry-run=client\', it will not attempt cluster connections', { noOptDefVal: 'client' }),
  f('enable-dns', 'bool', 'enable DNS lookups when rendering templates'),
  f('hide-notes', 'bool', 'if set, do not show notes in install output. Does not affect presence in chart metadata'),
  f('hide-secret', 'bool', 'hide Kubernetes Secrets when also using the --dry-run flag'),
  f('labels', 'stringToString', 'Labels that would be added to release metadata. Should be divided by comma.', { short: 'l' }),
  f('no-hooks', 'bool', 'prevent hooks from running during install'),
  f('post-renderer', 'string', 'the path to an executable to be used for post rendering'),
  f('post-renderer-args', 'stringArray', 'an argument to the post-renderer (can specify multiple)'),
  f('render-subchart-notes', 'bool', 'if set, render subchart notes along with the parent'),
  f('skip-crds', 'bool', 'if set, no CRDs will be installed. By default, CRDs are installed if not already present'),
  f('skip-schema-validation', 'bool', 'if set, disables JSON schema validation'),
  f('take-ownership', 'bool', 'if set, install will ignore the check for helm annotations and take ownership of the existing resources'),
  f('timeout', 'duration', 'time to wait for any individual Kubernetes operation (like Jobs for hooks)', { default: 300_000 }),
  f('wait-for-jobs', 'bool', 'if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful'),
  ...(major >= 4
    ? [
        f('wait', 'string', 'if specified, wait until resources are ready (up to --timeout). Values: \'watcher\', \'hookOnly\', and \'legacy\'', { default: 'hookOnly', noOptDefVal: 'watcher' }),
        f('rollback-on-failure', 'bool', 'if set, Helm will rollback (uninstall if installing) on failure. The --wait option will be set automatically if --rollback-on-failure is set'),
        f('force-conflicts', 'bool', 'if set server-side apply will force changes against conflicts'),
        f('server-side', 'string', 'must be "true", "false" or "auto". Object updates run in the server instead of the client', { default: 'auto' }),
      ]
    : [f('wait', 'bool', 'if set, will wait until all Pods, PVCs, Services, and minimum number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before marking the release as successful'), f('atomic', 'bool', 'if set, the installation process deletes the installation on failure')]),
];

const upgradeFlags: FlagDef[] = [
  ...installLikeFlags,
  f('install', 'bool', 'if a release by this name doesn\'t already exist, run an install', { short: 'i' }),
  f('cleanup-on-fail', 'bool', 'allow deletion of new resources created in this upgrade when upgrade fails'),
  f('history-max', 'int', 'limit the maximum number of revisions saved per release. Use 0 for no limit', { default: 10 }),
  f('reset-values', 'bool', 'when upgrading, reset the values to the ones built into the chart'),
  f('reuse-values', 'bool', "when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored"),
  f('reset-then-reuse-values', 'bool', "when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored"),
  ...(major >= 4 ? [f('force-replace', 'bool', 'force resource updates by replacement')] : [f('force', 'bool', 'force resource updates through a replacement strategy')]),
];

const listFlags: FlagDef[] = [
  f('all', 'bool', 'show all releases without any filter applied', { short: 'a' }),
  f('all-namespaces', 'bool', 'list releases across all namespaces', { short: 'A' }),
  f('date', 'bool', 'sort by release date', { short: 'd' }),
  f('deployed', 'bool', 'show deployed releases. If no other is specified, this will be automatically enabled'),
  f('failed', 'bool', 'show failed releases'),
  f('filter', 'string', 'a regular expression (Perl compatible). Any releases that match the expression will be included in the results', { short: 'f' }),
  f('max', 'int', 'maximum number of releases to fetch', { short: 'm', default: 256 }),
  f('no-headers', 'bool', "don't print headers when using the default output format"),
  f('offset', 'int', 'next release index in the list, used to offset from start value'),
  outputFlag,
  f('pending', 'bool', 'show pending releases'),
  f('reverse', 'bool', 'reverse the sort order', { short: 'r' }),
  f('selector', 'string', 'Selector (label query) to filter on, supports \'=\', \'==\', and \'!=\'.(e.g. -l key1=value1,key2=value2). Works only for secret(default) and configmap storage backends.', { short: 'l' }),
  f('short', 'bool', 'output short (quiet) listing format', { short: 'q' }),
  f('superseded', 'bool', 'show superseded releases'),
  f('time-format', 'string', 'format time using golang time formatter. Example: --time-format "2006-01-02 15:04:05Z0700"'),
  f('uninstalled', 'bool', 'show uninstalled releases (if \'helm uninstall --keep-history\' was used)'),
  f('uninstalling', 'bool', 'show releases that are currently being uninstalled'),
];

const revisionFlag = f('revision', 'int', 'get the named release with revision');

const SUBCOMMANDS: Command[] = [
  { name: 'version', short: 'print the helm version information', args: 'any', flags: versionFlags, run: versionCmd },
  { name: 'upgrade', short: 'upgrade a release', use: '[RELEASE] [CHART] [flags]', args: { min: 2, max: 2 }, flags: upgradeFlags, run: upgradeCmd },
  { name: 'list', aliases: ['ls'], short: 'list releases', args: 'none', flags: listFlags, run: listCmd },
  {
    name: 'get',
    short: 'download extended information of a named release',
    args: 'none',
    subcommands: [
      { name: 'values', short: 'download the values file for a named release', use: 'RELEASE_NAME [flags]', args: { min: 1, max: 1 }, flags: [f('all', 'bool', 'dump all (computed) values', { short: 'a' }), outputFlag, revisionFlag], run: getValuesCmd },
      { name: 'manifest', short: 'download the manifest for a named release', use: 'RELEASE_NAME [flags]', args: { min: 1, max: 1 }, flags: [revisionFlag], run: getManifestCmd },
      { name: 'notes', short: 'download the notes for a named release', use: 'RELEASE_NAME [flags]', args: { min: 1, max: 1 }, flags: [revisionFlag], run: getNotesCmd },
      ...['all', 'hooks', 'metadata'].map(notSimulated),
    ],
  },
  {
    name: 'status',
    short: 'display the status of the named release',
    use: 'RELEASE_NAME [flags]',
    args: { min: 1, max: 1 },
    flags: [outputFlag, revisionFlag, f('show-desc', 'bool', 'if set, display the description message of the named release'), f('show-resources', 'bool', 'if set, display the resources of the named release')],
    run: statusCmd,
  },
  { name: 'history', aliases: ['hist'], short: 'fetch release history', use: 'RELEASE_NAME [flags]', args: { min: 1, max: 1 }, flags: [f('max', 'int', 'maximum number of revision to include in history', { default: 256 }), outputFlag], run: historyCmd },
  {
    name: 'uninstall',
    aliases: ['del', 'delete', 'un'],
    short: 'uninstall a release',
    use: 'RELEASE_NAME [...] [flags]',
    args: { min: 1, max: Infinity },
    flags: [
      f('cascade', 'string', "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents. Defaults to background.", { default: 'background' }),
      f('description', 'string', 'add a custom description'),
      f('dry-run', 'bool', 'simulate a uninstall'),
      f('ignore-not-found', 'bool', 'Treat "release not found" as a successful uninstall'),
      f('keep-history', 'bool', 'remove all associated resources and mark the release as deleted, but retain the release history'),
      f('no-hooks', 'bool', 'prevent hooks from running during uninstallation'),
      f('timeout', 'duration', 'time to wait for any individual Kubernetes operation (like Jobs for hooks)', { default: 300_000 }),
      ...(major >= 4 ? [f('wait', 'string', 'if specified, wait until resources are deleted', { default: 'hookOnly', noOptDefVal: 'watcher' })] : [f('wait', 'bool', 'if set, will wait until all the resources are deleted before returning')]),
    ],
    run: uninstallCmd,
  },
  {
    name: 'show',
    aliases: ['inspect'],
    short: 'show information of a chart',
    args: 'none',
    subcommands: [
      { name: 'values', short: "show the chart's values", use: '[CHART] [flags]', args: { min: 1, max: 1 }, flags: [...chartPathFlags, f('jsonpath', 'string', 'supply a JsonPath expression to filter the output')], run: showValuesCmd },
      { name: 'chart', short: "show the chart's definition", use: '[CHART] [flags]', args: { min: 1, max: 1 }, flags: chartPathFlags, run: showChartCmd },
      ...['all', 'crds', 'readme'].map(notSimulated),
    ],
  },
  // `helm install` is not simulated (the CLI uses `upgrade --install`; test/sim.test.ts pins its answer).
  ...['completion', 'create', 'dependency', 'env', 'install', 'lint', 'package', 'plugin', 'pull', 'push', 'registry', 'repo', 'rollback', 'search', 'template', 'test', 'verify'].map(notSimulated),
];

const globalFlags: FlagDef[] = [
  { name: 'burst-limit', kind: 'int', default: 100, usage: 'client-side default throttling limit' },
  { name: 'debug', kind: 'bool', usage: 'enable verbose output' },
  { name: 'kube-apiserver', kind: 'string', usage: 'the address and the port for the Kubernetes API server' },
  { name: 'kube-as-group', kind: 'stringArray', usage: 'group to impersonate for the operation' },
  { name: 'kube-as-user', kind: 'string', usage: 'username to impersonate for the operation' },
  { name: 'kube-ca-file', kind: 'string', usage: 'the certificate authority file for the Kubernetes API server connection' },
  { name: 'kube-context', kind: 'string', usage: 'name of the kubeconfig context to use' },
  { name: 'kube-insecure-skip-tls-verify', kind: 'bool', usage: "if true, the Kubernetes API server's certificate will not be checked for validity" },
  { name: 'kube-tls-server-name', kind: 'string', usage: 'server name to use for Kubernetes API server certificate validation' },
  { name: 'kube-token', kind: 'string', usage: 'bearer token used for authentication' },
  { name: 'kubeconfig', kind: 'string', usage: 'path to the kubeconfig file' },
  { name: 'namespace', short: 'n', kind: 'string', usage: 'namespace scope for this request' },
  { name: 'qps', kind: 'string', usage: 'queries per second used when communicating with the Kubernetes API, not including bursting' },
  { name: 'registry-config', kind: 'string', usage: 'path to the registry config file' },
  { name: 'repository-cache', kind: 'string', usage: 'path to the directory containing cached repository indexes' },
  { name: 'repository-config', kind: 'string', usage: 'path to the file containing repository names and URLs' },
  ...(major >= 4
    ? [
        { name: 'content-cache', kind: 'string', usage: 'path to the directory containing cached content (e.g. charts)' } satisfies FlagDef,
        { name: 'color', kind: 'string', default: 'auto', usage: 'use colored output (never, auto, always)' } satisfies FlagDef,
        { name: 'colour', kind: 'string', default: 'auto', usage: 'use colored output (never, auto, always)', hidden: true } satisfies FlagDef,
      ]
    : []),
];

const root: Command = {
  name: 'helm',
  short: 'The Kubernetes package manager',
  persistentFlags: globalFlags,
  subcommands: SUBCOMMANDS,
};

runMain(() =>
  execute(root, process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    onError: (err) => {
      process.stderr.write(`Error: ${err.message}\n`);
      // cobra adds a usage hint when the command itself was not found
      if (err.kind === 'find') process.stderr.write(`Run '${err.commandPath} --help' for usage.\n`);
      return 1;
    },
  }),
);

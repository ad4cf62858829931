// Stand-in for `helm` (emulates Helm v4.0.4; HPA_LAB_SIM_HELM_VERSION=4.1.4 or 3.19.0 for those releases).
// test/helm-standin.test.ts compares its flags and errors with the real helm binary, where one is installed.
// Simulated: version, upgrade [--install], template, pull, list, get values|manifest|notes, status, history,
// uninstall, show values|chart — with Helm's real flags (unknown ones are rejected like cobra does). Charts come from the
// simulated repositories in charts/ (rendered from the pinned charts' defaults and the user's values) or from an
// archive the simulated `helm pull` wrote (no repository is asked then; with the `offline` fault no repository
// answers, and every chart fetched from one is a line of the upstream log, test/sim/lib/upstream.ts), releases
// are stored as Helm stores them (Secrets sh.helm.release.v1.*) through the cluster's REST API. Other commands
// answer "not simulated yet" without parsing their flags.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import path from 'node:path';
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { coalesce, defaults, defaultsText, str, toYaml, type ChartVersion } from './charts/common.ts';
import { normalizeRepo, ociChart, repoIndex } from './charts/index.ts';
import { execute, type Command, type ExecuteIO, type FlagDef, type Invocation } from './lib/cobra.ts';
import { ExitError, runMain, simHome } from './lib/env.ts';
import { processFaults } from './lib/faults.ts';
import { isOffline, logDownload } from './lib/upstream.ts';
import { createRelease, deleteRelease, forgetDiscovery, Kube, KubeError, kubeTarget, listReleases, objectPath, UnreachableError, updateRelease, type Release, type ReleaseStatus } from './lib/helmstore.ts';
import { mergeMaps, sortKeys, userValues, ValuesError } from './lib/helmvalues.ts';
import type { KubeObject } from './lib/store.ts';
import { tarFiles, untarFiles } from './lib/tar.ts';

simHome();
processFaults();

const version = `v${(process.env.HPA_LAB_SIM_HELM_VERSION ?? '4.0.4').replace(/^v/, '')}`;
const major = Number(version.slice(1).split('.')[0]);
const minor = Number(version.split('.')[1]);
/** Helm 4.1 changed --wait (hookOnly accepted) and its wording. */
const atLeast41 = major > 4 || (major === 4 && minor >= 1);

/** Builds of the releases the stand-in knows (commit: the tag's; Go and client-go: as the release binaries report). */
const BUILDS: Record<string, { commit: string; go: string; kube: string }> = {
  'v4.1.4': { commit: '05fa37973dc9e42b76e1d2883494c87174b6074f', go: 'go1.25.9', kube: 'v1.35' },
  'v4.0.4': { commit: '8650e1dad9e6ae38b41f60b712af9218a0d8cc11', go: 'go1.25.5', kube: 'v1.34' },
  'v3.19.0': { commit: '3d8990f0836691f0229297773f3524598f46bda6', go: 'go1.24.7', kube: '' },
  'v3.18.0': { commit: 'cc58e3f5a3aa615c6a86275e6f4444b5fdd3cc4e', go: 'go1.24.3', kube: '' },
};
/** Other versions get a stable made-up commit. */
const build = BUILDS[version] ?? { commit: createHash('sha1').update(version).digest('hex'), go: major >= 4 ? 'go1.25.5' : 'go1.24.7', kube: 'v1.34' };
const gitCommit = build.commit;

function buildInfo(): Record<string, string> {
  const info: Record<string, string> = { Version: version, GitCommit: gitCommit, GitTreeState: 'clean', GoVersion: build.go };
  // KubeClientVersion is Helm 4's (internal/version/version.go); no Helm 3 release has it.
  if (major >= 4) info.KubeClientVersion = build.kube;
  return info;
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  throw new ExitError(1);
}

/** Helm 4's slog warnings on stderr (its default text handler, no time). */
function warn(message: string): void {
  process.stderr.write(major >= 4 ? `level=WARN msg=${JSON.stringify(message)}\n` : `WARNING: ${message}\n`);
}

/** kube.Client.IsReachable's wording: Helm 4 lower-cased it. */
const UNREACHABLE = major >= 4 ? 'kubernetes cluster unreachable' : 'Kubernetes cluster unreachable';

/**
 * `{{.Field}}` placeholders of a Go template over BuildInfo; other template syntax is a simulation limit.
 * Like text/template writing straight to stdout, the output up to a failing field is printed before the error.
 */
function renderTemplate(template: string, data: Record<string, string>): string {
  const rest = template.replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, '');
  if (rest.includes('{{')) fail('template: _:1: unsupported in simulation (only {{.Field}} is supported)');
  let out = '';
  let at = 0;
  for (const m of template.matchAll(/\{\{-?\s*\.(\w+)\s*-?\}\}/g)) {
    const field = m[1] as string;
    out += template.slice(at, m.index);
    at = m.index + m[0].length;
    if (!(field in data)) {
      process.stdout.write(out);
      fail(`template: _:1:${template.indexOf('.', m.index)}: executing "_" at <.${field}>: can't evaluate field ${field} in type version.BuildInfo`);
    }
    out += data[field] as string;
  }
  return out + template.slice(at);
}

function versionCmd(inv: Invocation): Promise<number> {
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

/** A Helm error to be printed as is (or wrapped, e.g. "UPGRADE FAILED: ") by the command. */
class HelmError extends Error {}

/** Connects like Helm: kubeconfig + context, then IsReachable (GET /version); throws Helm's error. */
async function reach(inv: Invocation): Promise<Kube> {
  try {
    const kube = new Kube(kubeTarget({ kubeconfig: inv.flags.string('kubeconfig'), context: inv.flags.string('kube-context'), namespace: inv.flags.string('namespace') }));
    await kube.reachable();
    return kube;
  } catch (err) {
    if (err instanceof UnreachableError || err instanceof KubeError) throw new HelmError(`${UNREACHABLE}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** reach(), failing the command with Helm's error. */
async function connect(inv: Invocation): Promise<Kube> {
  try {
    return await reach(inv);
  } catch (err) {
    if (err instanceof HelmError) fail(err.message);
    throw err;
  }
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** chartutil.ValidateReleaseName, with the wording of the action that checks it (e.g. History: "release name is invalid: X"). */
function validReleaseName(name: string): boolean {
  return name !== '' && name.length <= 53 && RELEASE_NAME.test(name);
}

/**
 * The --dry-run strategy: Helm 4's cmdGetDryRunFlagStrategy (pkg/cmd/helpers.go) or Helm 3's
 * validateDryRunOptionFlag (cmd/helm/install.go). Returns none, client or server.
 */
function dryRunStrategy(inv: Invocation): 'none' | 'client' | 'server' {
  const v = inv.flags.string('dry-run');
  if (major < 4) {
    if (!['', 'false', 'true', 'none', 'client', 'server'].includes(v)) fail('Invalid dry-run flag. Flag must one of the following: false, true, none, client, server');
    return v === 'client' || v === 'true' ? 'client' : v === 'server' ? 'server' : 'none';
  }
  if (v === 'unset') {
    warn("--dry-run is deprecated and should be replaced with '--dry-run=client'");
    return 'client';
  }
  if (v === 'client' || v === 'server' || v === 'none') return v;
  const b = ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v) ? true : ['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v) ? false : undefined;
  if (b === undefined) fail(`invalid dry-run value (${JSON.stringify(v)}). Must be "none", "server", or "client"`);
  warn(`boolean '--dry-run=${v}' flag is deprecated and must be replaced with '--dry-run=${b ? 'client' : 'none'}'`);
  return b ? 'client' : 'none';
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
  // action.ChartPathOptions.LocateChart: a path that exists is the chart; without --repo, an absolute or
  // ./-relative one that does not is "not found" (with --repo, the repository is asked for it by that name).
  if (ref && existsSync(ref)) return localChart(ref);
  if (!repo && (path.isAbsolute(ref) || ref.startsWith('.'))) fail(`path ${JSON.stringify(ref)} not found`);
  if (ref.startsWith('oci://')) {
    if (repo) fail(`cannot use --repo with an OCI reference: ${ref}`);
    const { versions, chart } = ociChart(ref, wanted);
    if (!versions.length) fail(`${ref.slice('oci://'.length)}:${wanted || 'latest'}: not found`);
    if (!chart && wanted) fail(`${ref.slice('oci://'.length)}:${wanted}: not found`);
    return chart ?? (versions[versions.length - 1] as ChartVersion);
  }
  if (repo) {
    const index = isOffline() ? undefined : repoIndex(repo);
    if (!index) {
      let url: URL | undefined;
      try {
        url = new URL(repo);
      } catch {
        fail(`could not find protocol handler for: ${repo}`);
      }
      // Go's net.Dial: a name is looked up first (no names resolve in the simulation); an IP literal or
      // localhost is dialled, and no simulated repository listens on one.
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const literal = host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':');
      const hostPort = `${host === 'localhost' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
      const why = literal ? `dial tcp ${hostPort}: connect: connection refused` : `dial tcp: lookup ${host}: no such host`;
      fail(`looks like "${repo}" is not a valid chart repository or cannot be reached: Get "${normalizeRepo(repo)}/index.yaml": ${why}`);
    }
    // ChartDownloader: every use of --repo fetches the repository's index.yaml and then the chart's archive.
    const chart = pick(index, ref, repo);
    logDownload(simHome(), { by: 'helm', ref: `${normalizeRepo(repo)}/${chart.name}-${chart.version}.tgz`, bytes: chartArchiveBytes(chart.name) });
    return chart;
  }
  if (ref.includes('/')) fail(`repo ${ref.split('/')[0] ?? ''} not found`);
  fail(`non-absolute URLs should be in form of repo_name/path_to_chart, got: ${ref}`);
}

// ---- chart archives: helm pull, and a local chart path --------------------------------------------------------

/**
 * What the simulated `helm pull` writes: a gzipped tar, as Helm's (pkg/chart/v2/util/save.go, writeTarContents:
 * `<name>/Chart.yaml` first), whose second entry, SIM_RECORD, names the chart of the simulated repository (the
 * simulated charts are code: the archive names one instead of carrying templates).
 */
const SIM_RECORD = '.hpa-lab-sim-chart.json';

interface SimChartArchive {
  simulatedChartArchive: 1;
  repo: string;
  name: string;
  version: string;
}

/**
 * The size of a chart's .tgz as downloaded (estimates, to the nearest 10 kB, of the pinned versions' archives;
 * kube-prometheus-stack's carries its CRDs and dashboards): what the upstream log records for a `helm pull`.
 */
function chartArchiveBytes(name: string): number {
  const estimates: Record<string, number> = { 'kube-prometheus-stack': 1_200_000, 'metrics-server': 10_000, 'prometheus-adapter': 10_000, keda: 120_000 };
  return estimates[name] ?? 50_000;
}

/** A chart path that exists (loader.Load): a gzipped archive the simulated pull wrote; nothing else loads here. */
function localChart(file: string): ChartVersion {
  if (statSync(file).isDirectory()) fail(`simulated helm cannot load a chart directory (${file}): only archives written by the simulated \`helm pull\``);
  const raw = readFileSync(file);
  // loader.LoadFile sniffs the content type first (http.DetectContentType) and refuses anything but gzip.
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) fail(`file '${file}' does not appear to be a gzipped archive; got 'application/octet-stream'`);
  let rec: Partial<SimChartArchive> = {};
  try {
    const body = untarFiles(gunzipSync(raw)).get(SIM_RECORD);
    if (body) rec = JSON.parse(body.toString('utf8')) as Partial<SimChartArchive>;
  } catch {
    // not one of ours
  }
  const chart = rec.simulatedChartArchive === 1 ? (repoIndex(rec.repo ?? '') ?? []).find((c) => c.name === rec.name && c.version === rec.version) : undefined;
  if (!chart) fail(`simulated helm cannot load the chart archive ${file}: only archives written by the simulated \`helm pull\` load`);
  return chart;
}

/**
 * `helm pull CHART --repo URL [--version V] [-d DIR]` (pkg/cmd/pull.go, action.Pull): locates the chart as
 * install does (the repository's index.yaml, then the chart URL) and writes DIR/<name>-<version>.tgz. Prints
 * nothing for an HTTP repository. Not simulated: --untar, --verify, --prov, OCI references.
 */
function pullCmd(inv: Invocation): Promise<number> {
  for (const flag of ['untar', 'untardir', 'verify', 'prov']) if (inv.flags.changed(flag)) fail(`helm pull --${flag} is not simulated`);
  const ref = inv.args[0] ?? '';
  if (ref.startsWith('oci://')) fail('helm pull of an OCI reference is not simulated');
  const chart = locateChart(ref, inv);
  const dest = path.resolve(inv.flags.string('destination') || '.');
  // fileutil.AtomicWriteFile makes a temporary file beside the target first (its random suffix left out here).
  if (!existsSync(dest) || !statSync(dest).isDirectory()) fail(`open ${path.join(dest, `.${chart.name}-${chart.version}.tgz.tmp`)}: no such file or directory`);
  const repo = normalizeRepo(inv.flags.string('repo'));
  const file = path.join(dest, `${chart.name}-${chart.version}.tgz`);
  const rec: SimChartArchive = { simulatedChartArchive: 1, repo, name: chart.name, version: chart.version };
  const chartYaml = `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`;
  writeFileSync(file, gzipSync(tarFiles([{ name: `${chart.name}/Chart.yaml`, data: chartYaml }, { name: SIM_RECORD, data: JSON.stringify(rec) }])));
  return Promise.resolve(0);
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

/** `--labels k=v,…`; upgrade merges them over the current revision's (a value "null" unsets one). */
function releaseLabels(inv: Invocation, current?: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = { ...current };
  for (const pair of inv.flags.strings('labels')) {
    const [k = '', ...v] = pair.split('=');
    if (v.join('=') === 'null') delete out[k];
    else out[k] = v.join('=');
  }
  return Object.keys(out).length ? out : undefined;
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
  dryRun: 'none' | 'client' | 'server';
}

async function runInstall(inv: Invocation, kube: Kube, o: InstallOpts): Promise<Release> {
  const ns = kube.target.namespace;
  const chart = locateChart(o.chartRef, inv);
  const user = readUserValues(inv);
  const out = renderChart(chart, o.release, ns, user, 1, true, await kubeVersionOf(kube));
  const failWith = (err: unknown): never => fail(`${o.wrap}${(err as Error).message}`);
  if (o.dryRun !== 'none') {
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
  const labels = releaseLabels(inv);
  if (labels) rel.labels = labels;
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

/** Whether --wait asks for readiness: Helm 4's watcher/legacy strategies (--rollback-on-failure implies watcher), Helm 3's --wait/--atomic. */
function waitRequested(inv: Invocation): boolean {
  if (major >= 4) return inv.flags.string('wait') !== 'hookOnly' || inv.flags.bool('rollback-on-failure');
  return inv.flags.bool('wait') || inv.flags.bool('atomic');
}

async function pruneHistory(kube: Kube, history: Release[], max: number): Promise<void> {
  if (max <= 0) return;
  const old = history.filter((r) => r.info.status === 'superseded' || r.info.status === 'failed');
  const excess = history.length - max;
  for (const r of old.slice(0, Math.max(0, excess))) await deleteRelease(kube, r).catch(() => undefined);
}

/**
 * MarkFlagsMutuallyExclusive (cobra's wording): Helm 4's upgrade refuses --force-replace or --force with
 * --force-conflicts.
 */
function checkExclusive(inv: Invocation, groups: string[][]): void {
  for (const g of groups) {
    const set = g.filter((n) => inv.flags.changed(n));
    if (set.length > 1) fail(`if any flags in the group [${g.join(' ')}] are set none of the others can be; [${[...set].sort().join(' ')}] were all set`);
  }
}

/** Helm's upgrade RunE (pkg/cmd/upgrade.go) and action.Upgrade, in their order of checks. */
async function upgradeCmd(inv: Invocation): Promise<number> {
  const [name = '', chartRef = ''] = inv.args;
  if (major >= 4) checkExclusive(inv, [['force-replace', 'force-conflicts'], ['force', 'force-conflicts']]);
  let dryRun: 'none' | 'client' | 'server' = major >= 4 ? dryRunStrategy(inv) : 'none';
  const table = inv.flags.string('output') === 'table';
  let kube: Kube | undefined;
  let history: Release[] = [];
  if (inv.flags.bool('install')) {
    // action.History.Run: IsReachable, then the name, then the stored revisions.
    kube = await connect(inv);
    if (!validReleaseName(name)) fail(`release name is invalid: ${name}`);
    try {
      history = await listReleases(kube, kube.target.namespace, name);
    } catch (err) {
      fail((err as Error).message);
    }
    const latest = history[history.length - 1];
    if (!latest || latest.info.status === 'uninstalled') {
      if (table) process.stdout.write(`Release "${name}" does not exist. Installing it now.\n`);
      if (major < 4) dryRun = dryRunStrategy(inv);
      const rel = await runInstall(inv, kube, { release: name, chartRef, wrap: '', dryRun });
      if (dryRun === 'none') printRelease(inv, rel, { hideNotes: inv.flags.bool('hide-notes') });
      return 0;
    }
  }
  // Not installing: the chart is located (and the values read) before the cluster is asked anything.
  const chart = locateChart(chartRef, inv);
  let user = readUserValues(inv);
  if (major < 4) dryRun = dryRunStrategy(inv);
  if (!kube) {
    try {
      kube = await reach(inv);
    } catch (err) {
      if (err instanceof HelmError) fail(`UPGRADE FAILED: ${err.message}`);
      throw err;
    }
    if (!validReleaseName(name)) fail(`UPGRADE FAILED: release name is invalid: ${name}`);
    try {
      history = await listReleases(kube, kube.target.namespace, name);
    } catch (err) {
      fail(`UPGRADE FAILED: ${(err as Error).message}`);
    }
  }
  const ns = kube.target.namespace;
  // prepareUpgrade: the last revision must not be pending; the current one is the deployed one, else a failed or superseded last.
  const last = history[history.length - 1];
  if (!last) fail(`UPGRADE FAILED: "${name}" has no deployed releases`);
  if (last.info.status.startsWith('pending-')) fail('UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  const current = history.filter((r) => r.info.status === 'deployed').pop() ?? (['failed', 'superseded'].includes(last.info.status) ? last : undefined);
  if (!current) fail(`UPGRADE FAILED: "${name}" has no deployed releases`);
  const given = Object.keys(user).length > 0;
  if (inv.flags.bool('reuse-values') || inv.flags.bool('reset-then-reuse-values')) user = mergeMaps(objOf(current.config), user);
  else if (!inv.flags.bool('reset-values') && !given) user = objOf(current.config);
  const out = renderChart(chart, name, ns, user, last.version + 1, false, await kubeVersionOf(kube));
  const failWith = (err: unknown): never => fail(`UPGRADE FAILED: ${(err as Error).message}`);
  if (dryRun !== 'none') {
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
  const labels = releaseLabels(inv, current.labels);
  if (labels) rel.labels = labels;
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
  if (!validReleaseName(name)) fail(`releaseContent: Release name is invalid: ${name}`);
  const history = await listReleases(kube, kube.target.namespace, name);
  const revision = inv.flags.changed('revision') ? inv.flags.int('revision') : 0;
  const r = revision > 0 ? history.find((x) => x.version === revision) : history[history.length - 1];
  if (!r) fail('release: not found');
  return r;
}

async function getValuesCmd(inv: Invocation): Promise<number> {
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
  const kube = await connect(inv);
  const allNs = inv.flags.bool('all-namespaces');
  let filter: RegExp | undefined;
  try {
    filter = inv.flags.string('filter') ? new RegExp(inv.flags.string('filter')) : undefined;
  } catch (err) {
    fail(`error parsing regexp: ${(err as Error).message}`);
  }
  const releases = await listReleases(kube, allNs ? undefined : kube.target.namespace);
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
  // action.List.SetStateMask: ListAll is every state but unknown. Without a state flag Helm 4 lists them all
  // (pkg/action/list.go: `state = ListAll`), Helm 3 deployed and failed ones only (`--all` for all).
  const ALL: ReleaseStatus[] = ['deployed', 'uninstalled', 'uninstalling', 'pending-install', 'pending-rollback', 'pending-upgrade', 'superseded', 'failed'];
  const mask = major < 4 && inv.flags.bool('all') ? ALL : states.length ? states : major >= 4 ? ALL : (['deployed', 'failed'] as ReleaseStatus[]);
  // Only the latest revision of each release, except when the mask is superseded alone (it never is the latest).
  const onlySuperseded = mask.length === 1 && mask[0] === 'superseded';
  const latest = new Map<string, Release>();
  for (const r of releases) {
    if (filter && !filter.test(r.name)) continue;
    const k = onlySuperseded ? `${r.namespace}/${r.name}/${r.version}` : `${r.namespace}/${r.name}`;
    const cur = latest.get(k);
    if (!cur || r.version > cur.version) latest.set(k, r);
  }
  let items = [...latest.values()].filter((r) => mask.includes(r.info.status));
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
  const kube = await connect(inv);
  if (!validReleaseName(inv.args[0] ?? '')) fail(`release name is invalid: ${inv.args[0] ?? ''}`);
  const history = await listReleases(kube, kube.target.namespace, inv.args[0] ?? '');
  if (!history.length) fail('release: not found');
  const rows = history.slice(-inv.flags.int('max')).map((r) => ({ revision: r.version, updated: r.info.last_deployed, status: r.info.status, chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`, app_version: r.chart.metadata.appVersion, description: r.info.description }));
  const format = inv.flags.string('output') || 'table';
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
  else if (format === 'yaml') process.stdout.write(stringifyYaml(rows));
  else process.stdout.write(table([['REVISION', 'UPDATED', 'STATUS', 'CHART', 'APP VERSION', 'DESCRIPTION'], ...rows.map((r) => [String(r.revision), ansic(r.updated), r.status, r.chart, r.app_version, r.description])]));
  return 0;
}

/** pkg/cmd/uninstall.go and action.Uninstall.Run, in their order of checks. */
async function uninstallCmd(inv: Invocation): Promise<number> {
  const cascade = inv.flags.string('cascade');
  if (!['background', 'foreground', 'orphan'].includes(cascade)) fail(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  for (const name of inv.args) {
    const kube = await connect(inv);
    if (inv.flags.bool('dry-run')) {
      // releaseContent(name, 0): the last revision, nothing deleted.
      if (!validReleaseName(name)) fail(`releaseContent: Release name is invalid: ${name}`);
      const found = (await listReleases(kube, kube.target.namespace, name)).length > 0;
      if (!found && !inv.flags.bool('ignore-not-found')) fail('release: not found');
      process.stdout.write(`release "${name}" uninstalled\n`);
      continue;
    }
    if (!validReleaseName(name)) fail(`uninstall: Release name is invalid: ${name}`);
    const history = await listReleases(kube, kube.target.namespace, name);
    const last = history[history.length - 1];
    if (!last) {
      // --ignore-not-found: Run returns nothing, and the command still says "uninstalled".
      if (!inv.flags.bool('ignore-not-found')) fail(`uninstall: Release not loaded: ${name}: release: not found`);
    } else if (last.info.status === 'uninstalled') {
      // Uninstalled with --keep-history before: purged now, unless history is to be kept again.
      if (inv.flags.bool('keep-history')) fail(`the release named ${JSON.stringify(name)} is already deleted`);
      for (const r of history) await deleteRelease(kube, r).catch(() => undefined);
    } else {
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
  process.stdout.write(stringifyYaml({ apiVersion: 'v2', appVersion: c.appVersion, description: c.description, ...(c.kubeVersion ? { kubeVersion: c.kubeVersion } : {}), name: c.name, type: 'application', version: c.version }));
  return Promise.resolve(0);
}

/** chartutil.ParseKubeVersion (semver.NewVersion, then a "v" prefix): Helm's two wordings. */
function parseKubeVersion(raw: string): string {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(raw);
  if (!m) fail(`invalid kube version '${raw}': could not parse ${JSON.stringify(raw)} as version`);
  // A bare major ("v1") parses as semver but is not a Kubernetes version: Helm says so in its own words.
  if (m[2] === undefined) fail(`invalid kube version '${raw}': illegal version string ${JSON.stringify(raw)}`);
  return `v${m[1] ?? ''}.${m[2]}.${m[3] ?? '0'}${m[4] ?? ''}${m[5] ?? ''}`;
}

/**
 * `helm template` (pkg/cmd/template.go and action.Install with the client dry-run): the chart rendered locally,
 * no cluster asked. One argument is the chart (the release is then "release-name"). Rendered through the same
 * simulated chart modules as upgrade; printed as Helm prints a manifest (`---` and `# Source:` per object, in
 * install order; CRDs first with --include-crds). Not simulated: --show-only and --output-dir (the stand-in's
 * template file names are not the chart's), hooks and tests (the simulated charts render none).
 */
function templateCmd(inv: Invocation): Promise<number> {
  if (inv.args.length > 2) fail(`expected at most two arguments, unexpected arguments: ${inv.args.slice(2).join(', ')}`);
  const kubeVersion = inv.flags.string('kube-version') ? parseKubeVersion(inv.flags.string('kube-version')) : `${build.kube || 'v1.34'}.0`;
  for (const flag of ['show-only', 'output-dir']) if (inv.flags.changed(flag)) fail(`helm template --${flag} is not simulated`);
  const [first = '', second] = inv.args;
  const chartRef = second ?? first;
  const chart = locateChart(chartRef, inv);
  const release = second === undefined ? (inv.flags.bool('generate-name') ? `${chart.name}-${Math.floor(Date.now() / 1000)}` : 'release-name') : first;
  if (!validReleaseName(release)) {
    const why = `release name ${JSON.stringify(release)}: invalid release name, must match regex ${RELEASE_NAME.source} and the length must not be longer than 53`;
    if (major >= 4) process.stderr.write(`level=ERROR msg="release name check failed" error=${JSON.stringify(why)}\n`);
    fail(major >= 4 ? `release name check failed: ${why}` : why);
  }
  const user = readUserValues(inv);
  const namespace = inv.flags.string('namespace') || 'default';
  const values = objOf(coalesce(defaults(chart.valuesFile), user));
  const isInstall = !inv.flags.bool('is-upgrade');
  const r = chart.render({ release, namespace, values, revision: 1, isInstall, kubeVersion });
  const crds = inv.flags.bool('include-crds') ? r.crds.map((o) => `---\n# Source: ${chart.name}/crds/${o.metadata.name}.yaml\n${toYaml(o)}`).join('') : '';
  process.stdout.write(crds + manifestOf(chart, sortForInstall(r.objects)));
  return Promise.resolve(0);
}

// ---- flags as Helm declares them (v4.1: pkg/cmd/*.go, pkg/cli/environment.go; v3.19: cmd/helm/*.go) -------

const f = (name: string, kind: FlagDef['kind'], usage: string, extra: Partial<FlagDef> = {}): FlagDef => ({ name, kind, usage, ...extra });

/** helmpath's lazypath: $HELM_*_HOME, else $XDG_*_HOME/helm, else ~/.cache/helm or ~/.config/helm. */
function helmPath(kind: 'cache' | 'config', elem: string): string {
  const helmVar = process.env[kind === 'cache' ? 'HELM_CACHE_HOME' : 'HELM_CONFIG_HOME'];
  if (helmVar) return path.join(helmVar, elem);
  const xdg = process.env[kind === 'cache' ? 'XDG_CACHE_HOME' : 'XDG_CONFIG_HOME'] || path.join(process.env.HOME ?? '', kind === 'cache' ? '.cache' : '.config');
  return path.join(xdg, 'helm', elem);
}
const envOr = (name: string, fallback: string) => process.env[name] || fallback;
const envInt = (name: string, fallback: number) => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) ? n : fallback;
};
/** defaultKeyring(): $GNUPGHOME/pubring.gpg, else ~/.gnupg/pubring.gpg. */
const keyring = () => (process.env.GNUPGHOME !== undefined ? path.join(process.env.GNUPGHOME, 'pubring.gpg') : path.join(process.env.HOME ?? '', '.gnupg', 'pubring.gpg'));
/** envColorMode(): NO_COLOR wins, then HELM_COLOR, else auto. */
function colorMode(): string {
  if (process.env.NO_COLOR) return 'never';
  const v = (process.env.HELM_COLOR ?? '').toLowerCase();
  return ['never', 'auto', 'always'].includes(v) ? v : 'auto';
}

/** output.ParseFormat behind `-o`: table, json, yaml. */
const outputFlag = f('output', 'string', 'prints the output in the specified format. Allowed values: table, json, yaml', {
  short: 'o',
  type: 'format',
  default: 'table',
  parse: (raw) => {
    if (!['table', 'json', 'yaml'].includes(raw)) throw new Error('invalid format type');
    return raw;
  },
});

/**
 * Helm 4's --wait (pkg/cmd/flags.go waitValue): watcher, legacy, from 4.1 also hookOnly; the old booleans
 * map to watcher/hookOnly with a warning. A bare --wait is watcher.
 */
function waitFlag(usage: string): FlagDef {
  const accepted = atLeast41 ? ['watcher', 'legacy', 'hookOnly'] : ['watcher', 'legacy'];
  return f('wait', 'string', usage, {
    type: 'WaitStrategy',
    default: 'hookOnly',
    noOptDefVal: 'watcher',
    parse: (raw) => {
      if (accepted.includes(raw)) return raw;
      if (raw === 'true') {
        warn('--wait=true is deprecated (boolean value) and can be replaced with --wait=watcher');
        return 'watcher';
      }
      if (raw === 'false') {
        warn(atLeast41 ? '--wait=false is deprecated (boolean value) and can be replaced with --wait=hookOnly' : '--wait=false is deprecated (boolean value) and can be replaced by omitting the --wait flag');
        return 'hookOnly';
      }
      throw new Error(atLeast41 ? `invalid wait input ${JSON.stringify(raw)}. Valid inputs are watcher, hookOnly, and legacy` : `invalid wait input ${JSON.stringify(raw)}. Valid inputs are watcher, and legacy`);
    },
  });
}
const WAIT_USAGE = atLeast41
  ? "if specified, wait until resources are ready (up to --timeout). Values: 'watcher', 'hookOnly', and 'legacy'."
  : "if specified, will wait until all resources are in the expected state before marking the operation as successful. It will wait for as long as --timeout. Valid inputs are 'watcher' and 'legacy'";

const chartPathFlags = (): FlagDef[] => [
  f('version', 'string', 'specify a version constraint for the chart version to use. This constraint can be a specific tag (e.g. 1.1.1) or it may reference a valid range (e.g. ^2.0.0). If this is not specified, the latest version is used'),
  f('verify', 'bool', 'verify the package before using it'),
  f('keyring', 'string', 'location of public keys used for verification', { default: keyring() }),
  f('repo', 'string', 'chart repository url where to locate the requested chart'),
  f('username', 'string', 'chart repository username where to locate the requested chart'),
  f('password', 'string', 'chart repository password where to locate the requested chart'),
  f('cert-file', 'string', 'identify HTTPS client using this SSL certificate file'),
  f('key-file', 'string', 'identify HTTPS client using this SSL key file'),
  f('insecure-skip-tls-verify', 'bool', 'skip tls certificate checks for the chart download'),
  f('plain-http', 'bool', 'use insecure HTTP connections for the chart download'),
  f('ca-file', 'string', 'verify certificates of HTTPS-enabled servers using this CA bundle'),
  f('pass-credentials', 'bool', 'pass credentials to all domains'),
];

const valueFlags: FlagDef[] = [
  f('values', 'stringSlice', 'specify values in a YAML file or a URL (can specify multiple)', { short: 'f' }),
  f('set', 'stringArray', 'set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)'),
  f('set-string', 'stringArray', 'set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)'),
  f('set-file', 'stringArray', 'set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)'),
  f('set-json', 'stringArray', major >= 4 ? 'set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2 or using json format: {"key1": jsonval1, "key2": "jsonval2"})' : 'set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2)'),
  f('set-literal', 'stringArray', 'set a literal STRING value on the command line'),
];

const postRendererFlags: FlagDef[] = [
  f('post-renderer', 'string', major >= 4 ? 'the name of a postrenderer type plugin to be used for post rendering. If it exists, the plugin will be used' : 'the path to an executable to be used for post rendering. If it exists in $PATH, the binary will be used, otherwise it will try to look for the executable at the given path', { type: 'postRendererString' }),
  f('post-renderer-args', 'stringArray', 'an argument to the post-renderer (can specify multiple)', { type: 'postRendererArgsSlice', defValue: '[]' }),
];

/** Helm 4's addDryRunFlag (a bare --dry-run is "unset": client, with a warning); Helm 3's string flag. */
const dryRunFlag =
  major >= 4
    ? f('dry-run', 'string', `simulates the operation without persisting changes. Must be one of: "none" (default), "client", or "server". '--dry-run=none' executes the operation normally and persists changes (no simulation). '--dry-run=client' simulates the operation client-side only and avoids cluster connections. '--dry-run=server' simulates the operation on the server, requiring cluster connectivity.`, { default: 'none', noOptDefVal: 'unset' })
    : f('dry-run', 'string', "simulate an install. If --dry-run is set with no option being specified or as '--dry-run=client', it will not attempt cluster connections. Setting '--dry-run=server' allows attempting cluster connections.", { noOptDefVal: 'client' });

const upgradeFlags: FlagDef[] = [
  f('create-namespace', 'bool', 'if --install is set, create the release namespace if not present'),
  f('install', 'bool', "if a release by this name doesn't already exist, run an install", { short: 'i' }),
  f('devel', 'bool', "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored"),
  f('hide-secret', 'bool', 'hide Kubernetes Secrets when also using the --dry-run flag'),
  ...(major >= 4
    ? [
        f('force-replace', 'bool', 'force resource updates by replacement'),
        f('force', 'bool', 'deprecated', { deprecated: 'use --force-replace instead' }),
        f('force-conflicts', 'bool', 'if set server-side apply will force changes against conflicts'),
        f('server-side', 'string', 'must be "true", "false" or "auto". Object updates run in the server instead of the client ("auto" defaults the value from the previous chart release\'s method)', { default: 'auto' }),
      ]
    : [
        f('recreate-pods', 'bool', 'performs pods restart for the resource if applicable', { deprecated: 'functionality will no longer be updated. Consult the documentation for other methods to recreate pods' }),
        f('force', 'bool', 'force resource updates through a replacement strategy'),
      ]),
  f('no-hooks', 'bool', 'disable pre/post upgrade hooks'),
  f('disable-openapi-validation', 'bool', 'if set, the upgrade process will not validate rendered templates against the Kubernetes OpenAPI Schema'),
  f('skip-crds', 'bool', 'if set, no CRDs will be installed when an upgrade is performed with install flag enabled. By default, CRDs are installed if not already present, when an upgrade is performed with install flag enabled'),
  f('timeout', 'duration', 'time to wait for any individual Kubernetes operation (like Jobs for hooks)', { default: 300_000 }),
  f('reset-values', 'bool', 'when upgrading, reset the values to the ones built into the chart'),
  f('reuse-values', 'bool', "when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored"),
  f('reset-then-reuse-values', 'bool', "when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored"),
  f('wait-for-jobs', 'bool', 'if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout'),
  ...(major >= 4
    ? [
        f('rollback-on-failure', 'bool', 'if set, Helm will rollback the upgrade to previous success release upon failure. The --wait flag will be defaulted to "watcher" if --rollback-on-failure is set'),
        f('atomic', 'bool', 'deprecated', { deprecated: 'use --rollback-on-failure instead' }),
        waitFlag(WAIT_USAGE),
      ]
    : [
        f('wait', 'bool', 'if set, will wait until all Pods, PVCs, Services, and minimum number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before marking the release as successful. It will wait for as long as --timeout'),
        f('atomic', 'bool', 'if set, upgrade process rolls back changes made in case of failed upgrade. The --wait flag will be set automatically if --atomic is used'),
      ]),
  f('history-max', 'int', 'limit the maximum number of revisions saved per release. Use 0 for no limit', { default: envInt('HELM_MAX_HISTORY', 10) }),
  f('cleanup-on-fail', 'bool', 'allow deletion of new resources created in this upgrade when upgrade fails'),
  f('render-subchart-notes', 'bool', 'if set, render subchart notes along with the parent'),
  f('hide-notes', 'bool', 'if set, do not show notes in upgrade output. Does not affect presence in chart metadata'),
  f('skip-schema-validation', 'bool', 'if set, disables JSON schema validation'),
  f('labels', 'stringToString', 'Labels that would be added to release metadata. Should be separated by comma. Original release labels will be merged with upgrade labels. You can unset label using null.', { short: 'l' }),
  f('description', 'string', 'add a custom description'),
  f('dependency-update', 'bool', 'update dependencies if they are missing before installing the chart'),
  f('enable-dns', 'bool', 'enable DNS lookups when rendering templates'),
  f('take-ownership', 'bool', 'if set, upgrade will ignore the check for helm annotations and take ownership of the existing resources'),
  dryRunFlag,
  ...chartPathFlags(),
  ...valueFlags,
  outputFlag,
  ...postRendererFlags,
];

/** `helm template`'s flags: action.Install's (addInstallFlags) and template's own (pkg/cmd/template.go). */
const templateFlags: FlagDef[] = [
  f('create-namespace', 'bool', 'create the release namespace if not present'),
  ...(major >= 4
    ? [
        f('dry-run', 'string', `simulates the operation either client-side or server-side. Must be either: "client", or "server". '--dry-run=client simulates the operation client-side only and avoids cluster connections. '--dry-run=server' simulates/validates the operation on the server, requiring cluster connectivity.`, { default: 'client', noOptDefVal: 'unset' }),
        f('force-replace', 'bool', 'force resource updates by replacement'),
        f('force', 'bool', 'deprecated', { deprecated: 'use --force-replace instead' }),
        f('force-conflicts', 'bool', 'if set server-side apply will force changes against conflicts'),
        f('server-side', 'bool', 'object updates run in the server instead of the client', { default: true }),
        f('rollback-on-failure', 'bool', 'if set, Helm will rollback (uninstall) the installation upon failure. The --wait flag will be default to "watcher" if --rollback-on-failure is set'),
        f('atomic', 'bool', 'deprecated', { deprecated: 'use --rollback-on-failure instead' }),
        waitFlag(WAIT_USAGE),
      ]
    : [
        f('dry-run', 'string', "simulate an install. If --dry-run is set with no option being specified or as '--dry-run=client', it will not attempt cluster connections. Setting '--dry-run=server' allows attempting cluster connections.", { noOptDefVal: 'client' }),
        f('hide-secret', 'bool', 'hide Kubernetes Secrets when also using the --dry-run flag'),
        f('force', 'bool', 'force resource updates through a replacement strategy'),
        f('atomic', 'bool', 'if set, the installation process deletes the installation on failure. The --wait flag will be set automatically if --atomic is used'),
        f('wait', 'bool', 'if set, will wait until all Pods, PVCs, Services, and minimum number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before marking the release as successful. It will wait for as long as --timeout'),
        f('validate', 'bool', 'validate your manifests against the Kubernetes cluster you are currently pointing at. This is the same validation performed on an install'),
      ]),
  f('no-hooks', 'bool', 'prevent hooks from running during install'),
  f('replace', 'bool', 'reuse the given name, only if that name is a deleted release which remains in the history. This is unsafe in production'),
  f('timeout', 'duration', 'time to wait for any individual Kubernetes operation (like Jobs for hooks)', { default: 300_000 }),
  f('wait-for-jobs', 'bool', 'if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout'),
  f('generate-name', 'bool', 'generate the name (and omit the NAME parameter)', { short: 'g' }),
  f('name-template', 'string', 'specify template used to name the release'),
  f('description', 'string', 'add a custom description'),
  f('devel', 'bool', "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored"),
  f('dependency-update', 'bool', 'update dependencies if they are missing before installing the chart'),
  f('disable-openapi-validation', 'bool', 'if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema'),
  f('skip-crds', 'bool', 'if set, no CRDs will be installed. By default, CRDs are installed if not already present'),
  f('render-subchart-notes', 'bool', 'if set, render subchart notes along with the parent'),
  f('skip-schema-validation', 'bool', 'if set, disables JSON schema validation'),
  f('labels', 'stringToString', 'Labels that would be added to release metadata. Should be divided by comma.', { short: 'l' }),
  f('enable-dns', 'bool', 'enable DNS lookups when rendering templates'),
  f('hide-notes', 'bool', 'if set, do not show notes in install output. Does not affect presence in chart metadata'),
  f('take-ownership', 'bool', 'if set, install will ignore the check for helm annotations and take ownership of the existing resources'),
  ...chartPathFlags(),
  ...valueFlags,
  ...postRendererFlags,
  f('show-only', 'stringArray', 'only show manifests rendered from the given templates', { short: 's' }),
  f('output-dir', 'string', 'writes the executed templates to files in output-dir instead of stdout'),
  f('include-crds', 'bool', 'include CRDs in the templated output'),
  f('skip-tests', 'bool', 'skip tests from templated output'),
  f('is-upgrade', 'bool', 'set .Release.IsUpgrade instead of .Release.IsInstall'),
  f('kube-version', 'string', 'Kubernetes version used for Capabilities.KubeVersion'),
  f('api-versions', 'stringSlice', 'Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)', { short: 'a' }),
  f('release-name', 'bool', 'use release name in the output-dir path.'),
];

const listFlags: FlagDef[] = [
  f('short', 'bool', 'output short (quiet) listing format', { short: 'q' }),
  f('no-headers', 'bool', "don't print headers when using the default output format"),
  f('time-format', 'string', 'format time using golang time formatter. Example: --time-format "2006-01-02 15:04:05Z0700"'),
  f('date', 'bool', 'sort by release date', { short: 'd' }),
  f('reverse', 'bool', 'reverse the sort order', { short: 'r' }),
  // Helm 4 removed --all: every state is listed unless a state flag narrows it (pkg/action/list.go SetStateMask).
  ...(major < 4 ? [f('all', 'bool', 'show all releases without any filter applied', { short: 'a' })] : []),
  f('uninstalled', 'bool', "show uninstalled releases (if 'helm uninstall --keep-history' was used)"),
  f('superseded', 'bool', 'show superseded releases'),
  f('uninstalling', 'bool', 'show releases that are currently being uninstalled'),
  f('deployed', 'bool', major >= 4 ? 'show deployed releases' : 'show deployed releases. If no other is specified, this will be automatically enabled'),
  f('failed', 'bool', 'show failed releases'),
  f('pending', 'bool', 'show pending releases'),
  f('all-namespaces', 'bool', 'list releases across all namespaces', { short: 'A' }),
  f('max', 'int', 'maximum number of releases to fetch', { short: 'm', default: 256 }),
  f('offset', 'int', 'next release index in the list, used to offset from start value'),
  f('filter', 'string', 'a regular expression (Perl compatible). Any releases that match the expression will be included in the results', { short: 'f' }),
  f('selector', 'string', "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2). Works only for secret(default) and configmap storage backends.", { short: 'l' }),
  outputFlag,
];

const revisionFlag = f('revision', 'int', 'get the named release with revision');

const uninstallFlags: FlagDef[] = [
  f('dry-run', 'bool', 'simulate a uninstall'),
  f('no-hooks', 'bool', 'prevent hooks from running during uninstallation'),
  f('ignore-not-found', 'bool', 'Treat "release not found" as a successful uninstall'),
  f('keep-history', 'bool', 'remove all associated resources and mark the release as deleted, but retain the release history'),
  f('cascade', 'string', 'Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents. Defaults to background.', { default: 'background' }),
  f('timeout', 'duration', 'time to wait for any individual Kubernetes operation (like Jobs for hooks)', { default: 300_000 }),
  f('description', 'string', 'add a custom description'),
  major >= 4 ? waitFlag(WAIT_USAGE) : f('wait', 'bool', 'if set, will wait until all the resources are deleted before returning. It will wait for as long as --timeout'),
];

const showFlags = (values: boolean): FlagDef[] => [
  f('devel', 'bool', "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored"),
  ...(values ? [f('jsonpath', 'string', 'supply a JSONPath expression to filter the output')] : []),
  ...chartPathFlags(),
];

/** Helm's pkg/cmd/require: the argument checks and their wording (cobra's own are never used). */
type ArgsCheck = { exact: number } | { min: number } | 'none';

function withArgs(check: ArgsCheck, use: string, run: (inv: Invocation) => Promise<number>): Pick<Command, 'args' | 'use' | 'run'> {
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  return {
    args: 'any',
    use,
    run: (inv) => {
      const n = inv.args.length;
      const usage = `\n\nUsage:  ${inv.path} ${use.includes('[flags]') ? use : `${use} [flags]`}`;
      if (check === 'none' && n > 0) fail(`"${inv.path}" accepts no arguments${usage}`);
      if (typeof check === 'object' && 'exact' in check && n !== check.exact) fail(`"${inv.path}" requires ${check.exact} ${plural(check.exact)}${usage}`);
      if (typeof check === 'object' && 'min' in check && n < check.min) fail(`"${inv.path}" requires at least ${check.min} ${plural(check.min)}${usage}`);
      return run(inv);
    },
  };
}

const getCmd: Command = {
  name: 'get',
  short: 'download extended information of a named release',
  args: 'none',
  subcommands: [
    notSimulated('all'),
    { name: 'values', short: 'download the values file for a named release', flags: [revisionFlag, f('all', 'bool', 'dump all (computed) values', { short: 'a' }), outputFlag], ...withArgs({ exact: 1 }, 'RELEASE_NAME [flags]', getValuesCmd) },
    { name: 'manifest', short: 'download the manifest for a named release', flags: [revisionFlag], ...withArgs({ exact: 1 }, 'RELEASE_NAME [flags]', getManifestCmd) },
    notSimulated('hooks'),
    { name: 'notes', short: 'download the notes for a named release', flags: [revisionFlag], ...withArgs({ exact: 1 }, 'RELEASE_NAME [flags]', getNotesCmd) },
    notSimulated('metadata'),
  ],
};

const showCmd: Command = {
  name: 'show',
  aliases: ['inspect'],
  short: 'show information of a chart',
  args: 'none',
  subcommands: [
    notSimulated('all'),
    { name: 'values', short: "show the chart's values", flags: showFlags(true), ...withArgs({ exact: 1 }, '[CHART] [flags]', showValuesCmd) },
    { name: 'chart', short: "show the chart's definition", flags: showFlags(false), ...withArgs({ exact: 1 }, '[CHART] [flags]', showChartCmd) },
    notSimulated('readme'),
    notSimulated('crds'),
  ],
};

/** In the order pkg/cmd/root.go adds them: cobra's "Did you mean this?" lists matches in that order. */
const SUBCOMMANDS: Command[] = [
  ...['create', 'dependency'].map(notSimulated),
  {
    name: 'pull',
    aliases: ['fetch'],
    short: 'download a chart from a repository and (optionally) unpack it in local directory',
    flags: [
      ...chartPathFlags(),
      f('devel', 'bool', "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored."),
      f('untar', 'bool', 'if set to true, will untar the chart after downloading it'),
      f('untardir', 'string', 'if untar is specified, this flag specifies the name of the directory into which the chart is expanded', { default: '.' }),
      f('destination', 'string', 'location to write the chart. If this and untardir are specified, untardir is appended to this', { short: 'd', default: '.' }),
      f('prov', 'bool', "fetch the provenance file, but don't perform verification"),
    ],
    ...withArgs({ min: 1 }, '[chart URL | repo/chartname] [...] [flags]', pullCmd),
  },
  showCmd,
  ...['lint', 'package', 'repo', 'search', 'verify'].map(notSimulated),
  getCmd,
  { name: 'history', aliases: ['hist'], short: 'fetch release history', flags: [f('max', 'int', 'maximum number of revision to include in history', { default: 256 }), outputFlag], ...withArgs({ exact: 1 }, 'RELEASE_NAME [flags]', historyCmd) },
  // `helm install` is not simulated (the CLI uses `upgrade --install`; test/sim.test.ts pins its answer).
  notSimulated('install'),
  { name: 'list', aliases: ['ls'], short: 'list releases', flags: listFlags, ...withArgs('none', '[flags]', listCmd) },
  ...['test', 'rollback'].map(notSimulated),
  {
    name: 'status',
    short: 'display the status of the named release',
    flags: [revisionFlag, f('show-resources', 'bool', 'if set, display the resources of the named release'), f('show-desc', 'bool', 'if set, display the description message of the named release'), outputFlag],
    ...withArgs({ exact: 1 }, 'RELEASE_NAME [flags]', statusCmd),
  },
  { name: 'template', short: 'locally render templates', flags: templateFlags, ...withArgs({ min: 1 }, '[NAME] [CHART] [flags]', templateCmd) },
  { name: 'uninstall', aliases: ['del', 'delete', 'un'], short: 'uninstall a release', flags: uninstallFlags, ...withArgs({ min: 1 }, 'RELEASE_NAME [...] [flags]', uninstallCmd) },
  { name: 'upgrade', short: 'upgrade a release', flags: upgradeFlags, ...withArgs({ exact: 2 }, '[RELEASE] [CHART] [flags]', upgradeCmd) },
  ...['completion', 'env', 'plugin'].map(notSimulated),
  { name: 'version', short: 'print the helm version information', flags: versionFlags, ...withArgs('none', '[flags]', versionCmd) },
  ...['registry', 'push'].map(notSimulated),
  // cobra's own help command, added last: `helm help CMD...` is `helm CMD... --help`.
  { name: 'help', short: 'Help about any command', use: '[command]', args: 'any', disableFlagParsing: true, run: (inv) => execute(root, [...inv.args, '--help'], io) },
];

/** EnvSettings.AddFlags: the global flags, their defaults read from the environment like Helm's New(). */
const globalFlags: FlagDef[] = [
  f('namespace', 'string', 'namespace scope for this request', { short: 'n', default: process.env.HELM_NAMESPACE ?? '' }),
  f('kubeconfig', 'string', 'path to the kubeconfig file'),
  f('kube-context', 'string', 'name of the kubeconfig context to use', { default: process.env.HELM_KUBECONTEXT ?? '' }),
  f('kube-token', 'string', 'bearer token used for authentication', { default: process.env.HELM_KUBETOKEN ?? '' }),
  f('kube-as-user', 'string', 'username to impersonate for the operation', { default: process.env.HELM_KUBEASUSER ?? '' }),
  f('kube-as-group', 'stringArray', 'group to impersonate for the operation, this flag can be repeated to specify multiple groups.'),
  f('kube-apiserver', 'string', 'the address and the port for the Kubernetes API server', { default: process.env.HELM_KUBEAPISERVER ?? '' }),
  f('kube-ca-file', 'string', 'the certificate authority file for the Kubernetes API server connection', { default: process.env.HELM_KUBECAFILE ?? '' }),
  f('kube-tls-server-name', 'string', 'server name to use for Kubernetes API server certificate validation. If it is not provided, the hostname used to contact the server is used', { default: process.env.HELM_KUBETLS_SERVER_NAME ?? '' }),
  f('kube-insecure-skip-tls-verify', 'bool', "if true, the Kubernetes API server's certificate will not be checked for validity. This will make your HTTPS connections insecure"),
  f('debug', 'bool', 'enable verbose output'),
  f('registry-config', 'string', 'path to the registry config file', { default: envOr('HELM_REGISTRY_CONFIG', helmPath('config', 'registry/config.json')) }),
  f('repository-config', 'string', 'path to the file containing repository names and URLs', { default: envOr('HELM_REPOSITORY_CONFIG', helmPath('config', 'repositories.yaml')) }),
  f('repository-cache', 'string', 'path to the directory containing cached repository indexes', { default: envOr('HELM_REPOSITORY_CACHE', helmPath('cache', 'repository')) }),
  ...(major >= 4 ? [f('content-cache', 'string', 'path to the directory containing cached content (e.g. charts)', { default: envOr('HELM_CONTENT_CACHE', helmPath('cache', 'content')) })] : []),
  f('burst-limit', 'int', 'client-side default throttling limit', { default: envInt('HELM_BURST_LIMIT', 100) }),
  f('qps', 'float32', 'queries per second used when communicating with the Kubernetes API, not including bursting', { default: Number(process.env.HELM_QPS) || 0 }),
  ...(major >= 4 ? [f('color', 'string', 'use colored output (never, auto, always)', { default: colorMode() }), f('colour', 'string', 'use colored output (never, auto, always)', { default: colorMode() })] : []),
];

const root: Command = {
  name: 'helm',
  short: 'The Kubernetes package manager',
  persistentFlags: globalFlags,
  subcommands: SUBCOMMANDS,
};

const io: ExecuteIO = {
  stdout: (s) => process.stdout.write(s),
  pflagHelp: true,
  onError: (err) => {
    process.stderr.write(`Error: ${err.message}\n`);
    // cobra adds a usage hint when the command itself was not found
    if (err.kind === 'find') process.stderr.write(`Run '${err.commandPath} --help' for usage.\n`);
    return 1;
  },
};

runMain(() => execute(root, process.argv.slice(2), io));

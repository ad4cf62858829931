// A Helm release, converged: installed or upgraded only when its chart version or its values differ
// from what the cluster has. The cluster is the record (helm list / helm get values), not a local file.
// The chart comes from hpa-lab's chart cache (images/chart-cache.ts), else straight from the repository with `--repo`:
// the user's `helm repo` list stays untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Kube } from '../../kube/api.ts';
import { listPath } from '../../kube/resources.ts';
import type { Runner } from '../../exec.ts';
import type { HelmSpec } from '../stack-file.ts';
import { chartSource } from '../../images/chart-cache.ts';
import { InputError, LabError, ToolError } from '../../errors.ts';
import { labCommand } from '../../lab-command.ts';

/** The values a release is installed with: the values file, then the stack's `set` entries on top. */
export function releaseValues(repoRoot: string, spec: HelmSpec): Record<string, unknown> {
  let values: unknown;
  try {
    values = parse(readFileSync(path.resolve(repoRoot, spec.values), 'utf8')) ?? {};
  } catch (err) {
    throw new InputError(`${spec.values}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new InputError(`${spec.values}: expected a map of Helm values`);
  const out = structuredClone(values) as Record<string, unknown>;
  for (const [dotted, v] of Object.entries(spec.set)) {
    const keys = dotted.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = v;
  }
  return out;
}

export type ReleaseState = 'absent' | 'current' | 'outdated' | 'failed';

interface HelmListEntry {
  name: string;
  status: string;
  chart: string;
}

/** Where helm finds the cluster: hpa-lab's private kubeconfig of the lab, and its one context. */
export interface HelmTarget {
  kubeconfig: string;
  context: string;
}

const targetArgs = (t: HelmTarget): string[] => ['--kubeconfig', t.kubeconfig, '--kube-context', t.context];

export async function releaseState(runner: Runner, target: HelmTarget, spec: HelmSpec, values: Record<string, unknown>): Promise<{ state: ReleaseState; detail: string }> {
  const list = await runner.run('helm', ['list', '--namespace', spec.namespace, '--filter', `^${spec.release}$`, '--output', 'json', ...targetArgs(target)]);
  const entry = (JSON.parse(list.stdout || '[]') as HelmListEntry[]).find((e) => e.name === spec.release);
  if (!entry) return { state: 'absent', detail: 'not installed' };
  if (entry.status !== 'deployed') return { state: 'failed', detail: `release status ${entry.status}` };
  if (entry.chart !== `${spec.chart}-${spec.version}`) return { state: 'outdated', detail: `chart ${entry.chart} → ${spec.chart}-${spec.version}` };
  const got = await runner.run('helm', ['get', 'values', spec.release, '--namespace', spec.namespace, '--output', 'json', ...targetArgs(target)]);
  const current = (JSON.parse(got.stdout || 'null') as Record<string, unknown> | null) ?? {};
  if (!isDeepStrictEqual(normalize(current), normalize(values))) return { state: 'outdated', detail: 'values changed' };
  return { state: 'current', detail: `${spec.chart}-${spec.version}, values unchanged` };
}

/** JSON round trip: helm prints values as JSON, so compare in JSON terms. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}

export function upgradeArgs(spec: HelmSpec, target: HelmTarget, valuesFile: string, labels?: string): string[] {
  return [
    'upgrade', '--install', spec.release, ...chartSource(spec),
    '--namespace', spec.namespace,
    '--create-namespace',
    '--values', valuesFile,
    ...targetArgs(target),
    // No --wait: hpa-lab's gates wait, with a diagnosis. The timeout bounds install hooks.
    '--timeout', '5m0s',
    // On an existing cluster: the release's record (Helm's release Secret) carries the lab's labels.
    ...(labels ? ['--labels', labels] : []),
  ];
}

export async function upgradeRelease(runner: Runner, target: HelmTarget, spec: HelmSpec, values: Record<string, unknown>, onLine?: (l: string) => void, labels?: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-values-'));
  const file = path.join(dir, `${spec.release}.yaml`);
  // The values may hold a generated password: the file is private and removed right after.
  writeFileSync(file, stringify(values), { mode: 0o600 });
  try {
    await runner.run('helm', upgradeArgs(spec, target, file, labels), { onLine });
  } catch (err) {
    if (err instanceof ToolError && PENDING.test(err.output)) throw await pendingReleaseError(runner, target, spec, err);
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Helm's refusal to touch a release whose last revision is pending-install/-upgrade/-rollback, the same in Helm 3
 * and 4 (pkg/action/action.go errPending; helm v4.1.4's pkg/cmd/testdata/output/upgrade-with-pending-install.txt:
 * "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"). An interrupted helm leaves
 * it so; nothing ever clears it, and Helm 3's plain `helm list` does not even show such a release.
 */
const PENDING = /another operation \(install\/upgrade\/rollback\) is in progress/;

interface HelmHistoryEntry {
  revision: number;
  status: string;
}

/** What the stuck release is (from `helm history`) and the one helm command that frees it. */
async function pendingReleaseError(runner: Runner, target: HelmTarget, spec: HelmSpec, cause: ToolError): Promise<LabError> {
  const r = await runner.run('helm', ['history', spec.release, '--namespace', spec.namespace, '--output', 'json', ...targetArgs(target)], { check: false });
  let history: HelmHistoryEntry[];
  try {
    history = r.exitCode === 0 ? (JSON.parse(r.stdout || '[]') as HelmHistoryEntry[]) : [];
  } catch {
    history = [];
  }
  const last = history.at(-1);
  const good = history.filter((h) => h.status === 'deployed' || h.status === 'superseded').at(-1);
  const where = `--namespace ${spec.namespace} --kube-context ${target.context}`;
  const fix = good
    ? `helm rollback ${spec.release} ${good.revision} ${where}   (back to its last good revision), then ${labCommand('up')} again, with the same options`
    : `helm uninstall ${spec.release} ${where}   (it never finished installing), then ${labCommand('up')} again, with the same options`;
  return new LabError(`Helm release ${spec.namespace}/${spec.release} is locked by an unfinished operation${last ? `: revision ${last.revision} is ${last.status}` : ''}`, {
    why: 'an earlier helm run on it was interrupted (Ctrl-C, a killed process, a lost connection) before it recorded a result, and Helm refuses every further install, upgrade or rollback until that revision is resolved ("another operation (install/upgrade/rollback) is in progress"); Helm 3’s `helm list` does not show it (`helm list --pending` does)',
    fix,
    details: cause.output.trim().split('\n').slice(-3),
    cause,
  });
}

export interface ReleaseObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

interface ReleaseSecret {
  metadata: { labels?: Record<string, string> };
  data?: { release?: string };
}

/**
 * The objects of a release's deployed revision, read from Helm's own record in the cluster: the Secret
 * `sh.helm.release.v1.<release>.v<N>` (labels owner=helm, name, status, version), whose `release` key holds
 * base64(gzip(JSON)) of the release, manifest included (Helm's pkg/storage/driver/secrets.go and util.go).
 * Objects without a namespace are the release namespace's, as Helm installs them.
 */
export async function releaseObjects(kube: Kube, release: string, namespace: string): Promise<ReleaseObject[]> {
  const list = await kube.getJson<{ items: ReleaseSecret[] }>(listPath('v1', 'secrets', namespace, `owner=helm,name=${release},status=deployed`));
  const newest = (list?.items ?? []).sort((a, b) => Number(b.metadata.labels?.version ?? 0) - Number(a.metadata.labels?.version ?? 0))[0];
  const data = newest?.data?.release;
  if (!data) return [];
  let raw = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  const manifest = (JSON.parse(raw.toString('utf8')) as { manifest?: string }).manifest ?? '';
  return parseAllDocuments(manifest)
    .map((d) => d.toJSON() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null)
    .filter((o) => !!o?.kind && !!o.metadata?.name)
    .map((o) => ({ apiVersion: String(o?.apiVersion), kind: String(o?.kind), namespace: o?.metadata?.namespace ?? namespace, name: String(o?.metadata?.name) }));
}

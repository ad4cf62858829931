// A Helm release, converged: installed or upgraded only when its chart version or its values differ
// from what the cluster has. The cluster is the record (helm list / helm get values), not a local file.
// The chart comes from hpa-lab's chart cache (chart-cache.ts), else straight from the repository with `--repo`:
// the user's `helm repo` list stays untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Kube } from '../kube.ts';
import { listPath } from '../resources.ts';
import type { Runner } from '../exec.ts';
import type { HelmSpec } from '../stack.ts';
import { chartSource } from '../chart-cache.ts';
import { InputError } from '../errors.ts';

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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

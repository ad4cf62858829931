// A Helm release, converged: installed or upgraded only when its chart version or its values differ
// from what the cluster has. The cluster is the record (helm list / helm get values), not a local file.
// `--repo` installs straight from the chart repository, so the user's `helm repo` list stays untouched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import type { Runner } from '../exec.ts';
import type { HelmSpec } from '../stack.ts';
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

export async function releaseState(runner: Runner, context: string, spec: HelmSpec, values: Record<string, unknown>): Promise<{ state: ReleaseState; detail: string }> {
  const list = await runner.run('helm', ['list', '--namespace', spec.namespace, '--filter', `^${spec.release}$`, '--output', 'json', '--kube-context', context]);
  const entry = (JSON.parse(list.stdout || '[]') as HelmListEntry[]).find((e) => e.name === spec.release);
  if (!entry) return { state: 'absent', detail: 'not installed' };
  if (entry.status !== 'deployed') return { state: 'failed', detail: `release status ${entry.status}` };
  if (entry.chart !== `${spec.chart}-${spec.version}`) return { state: 'outdated', detail: `chart ${entry.chart} → ${spec.chart}-${spec.version}` };
  const got = await runner.run('helm', ['get', 'values', spec.release, '--namespace', spec.namespace, '--output', 'json', '--kube-context', context]);
  const current = (JSON.parse(got.stdout || 'null') as Record<string, unknown> | null) ?? {};
  if (!isDeepStrictEqual(normalize(current), normalize(values))) return { state: 'outdated', detail: 'values changed' };
  return { state: 'current', detail: `${spec.chart}-${spec.version}, values unchanged` };
}

/** JSON round trip: helm prints values as JSON, so compare in JSON terms. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}

export function upgradeArgs(spec: HelmSpec, context: string, valuesFile: string): string[] {
  return [
    'upgrade', '--install', spec.release, spec.chart,
    '--repo', spec.repo,
    '--version', spec.version,
    '--namespace', spec.namespace,
    '--create-namespace',
    '--values', valuesFile,
    '--kube-context', context,
    // No --wait: hpa-lab's gates wait, with a diagnosis. The timeout bounds install hooks.
    '--timeout', '5m0s',
  ];
}

export async function upgradeRelease(runner: Runner, context: string, spec: HelmSpec, values: Record<string, unknown>, onLine?: (l: string) => void): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-values-'));
  const file = path.join(dir, `${spec.release}.yaml`);
  // The values may hold a generated password: the file is private and removed right after.
  writeFileSync(file, stringify(values), { mode: 0o600 });
  try {
    await runner.run('helm', upgradeArgs(spec, context, file), { onLine });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

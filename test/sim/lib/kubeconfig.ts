// kubeconfig handling as kind does it: pick the file to merge into, upsert the kind-NAME cluster/user/context,
// set current-context; on delete remove those entries from every candidate file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

interface Named {
  name: string;
  [k: string]: unknown;
}

interface KubeconfigDoc {
  apiVersion: string;
  clusters: Named[];
  contexts: Named[];
  'current-context': string;
  kind: string;
  preferences: Record<string, unknown>;
  users: Named[];
  [k: string]: unknown;
}

export function contextName(cluster: string): string {
  return `kind-${cluster}`;
}

/** kind's kubeconfig.paths: --kubeconfig, else every entry of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPaths(explicit: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const fromEnv = [...new Set((env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean))];
  if (fromEnv.length) return fromEnv;
  return [path.join(env.HOME || os.homedir(), '.kube', 'config')];
}

/** kind's pathForMerge: the only candidate, else the first that exists, else the last one. */
export function kubeconfigPathForMerge(explicit: string, env: NodeJS.ProcessEnv = process.env): string {
  const p = kubeconfigPaths(explicit, env);
  if (p.length === 1) return p[0] as string;
  return p.find((f) => existsSync(f)) ?? (p[p.length - 1] as string);
}

/** The kubeconfig of one cluster, as `kind get kubeconfig` prints it. */
export function clusterKubeconfig(cluster: string, server: string): KubeconfigDoc {
  const n = contextName(cluster);
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'insecure-skip-tls-verify': true, server }, name: n }],
    contexts: [{ context: { cluster: n, user: n }, name: n }],
    'current-context': n,
    kind: 'Config',
    preferences: {},
    // The simulated API server is plain HTTP without authentication; a token keeps clients that insist on
    // credentials happy and is ignored by the server.
    users: [{ name: n, user: { token: `kind-sim-${cluster}` } }],
  };
}

export function renderKubeconfig(doc: KubeconfigDoc): string {
  return stringify(doc);
}

function readDoc(file: string): KubeconfigDoc {
  const empty: KubeconfigDoc = { apiVersion: 'v1', clusters: [], contexts: [], 'current-context': '', kind: 'Config', preferences: {}, users: [] };
  if (!existsSync(file)) return empty;
  const parsed = parse(readFileSync(file, 'utf8')) as Partial<KubeconfigDoc> | null;
  if (!parsed || typeof parsed !== 'object') return empty;
  return {
    ...empty,
    ...parsed,
    clusters: parsed.clusters ?? [],
    contexts: parsed.contexts ?? [],
    users: parsed.users ?? [],
    'current-context': parsed['current-context'] ?? '',
  };
}

function writeDoc(file: string, doc: KubeconfigDoc): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(doc), { mode: 0o600 });
}

function upsert(list: Named[], entry: Named): Named[] {
  const i = list.findIndex((e) => e.name === entry.name);
  if (i < 0) return [...list, entry];
  const copy = [...list];
  copy[i] = entry;
  return copy;
}

/** Writes the cluster's entries into the kubeconfig file kind would pick and makes it the current context. */
export function exportKubeconfig(cluster: string, server: string, explicit: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = kubeconfigPathForMerge(explicit, env);
  const doc = readDoc(file);
  const mine = clusterKubeconfig(cluster, server);
  doc.clusters = upsert(doc.clusters, mine.clusters[0] as Named);
  doc.users = upsert(doc.users, mine.users[0] as Named);
  doc.contexts = upsert(doc.contexts, mine.contexts[0] as Named);
  doc['current-context'] = contextName(cluster);
  writeDoc(file, doc);
  return file;
}

/** Removes the cluster's entries from every candidate kubeconfig (kind's kubeconfig.Remove). */
export function removeFromKubeconfig(cluster: string, explicit: string, env: NodeJS.ProcessEnv = process.env): void {
  const n = contextName(cluster);
  for (const file of kubeconfigPaths(explicit, env)) {
    if (!existsSync(file)) continue;
    const doc = readDoc(file);
    const before = doc.clusters.length + doc.users.length + doc.contexts.length;
    doc.clusters = doc.clusters.filter((e) => e.name !== n);
    doc.users = doc.users.filter((e) => e.name !== n);
    doc.contexts = doc.contexts.filter((e) => e.name !== n);
    const changed = before !== doc.clusters.length + doc.users.length + doc.contexts.length || doc['current-context'] === n;
    if (doc['current-context'] === n) doc['current-context'] = '';
    if (changed) writeDoc(file, doc);
  }
}

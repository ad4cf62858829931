// kubeconfig handling as kind v0.32.0 does it (pkg/cluster/internal/kubeconfig/): read the node's
// /etc/kubernetes/admin.conf, rename its cluster, user and context to kind-NAME and, for the host, point the
// server at https://127.0.0.1:PORT (KINDFromRawKubeadm); merge that into the file kind picks (--kubeconfig, else
// $KUBECONFIG's only entry, the first existing one or the last, else ~/.kube/config), set current-context; on
// delete remove the entries from every candidate file. Files are encoded like kind's Encode: go-yaml, then
// normalised through sigs.k8s.io/yaml, so keys are sorted and empty lists/current-context are omitted.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { ClusterPki } from './pki.ts';

interface Named {
  name: string;
  [k: string]: unknown;
}

export interface KubeconfigDoc {
  clusters?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  users?: Named[];
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

/** checkKubeadmExpectations + KINDFromRawKubeadm: kubeadm's admin.conf renamed to kind-NAME (server optional). */
export function kindKubeconfig(adminConf: KubeconfigDoc, cluster: string, server?: string): KubeconfigDoc {
  const one = (what: string, list: Named[] | undefined): Named => {
    if (list?.length !== 1) throw new Error(`kubeadm KUBECONFIG should have one ${what}, but read ${list?.length ?? 0}`);
    return structuredClone(list[0] as Named);
  };
  const key = contextName(cluster);
  const c = one('cluster', adminConf.clusters);
  const u = one('user', adminConf.users);
  const x = one('context', adminConf.contexts);
  c.name = key;
  u.name = key;
  x.name = key;
  x.context = { ...(x.context as Record<string, unknown>), cluster: key, user: key };
  if (server) c.cluster = { ...(c.cluster as Record<string, unknown>), server };
  const { clusters: _c, users: _u, contexts: _x, 'current-context': _cc, ...other } = adminConf;
  return { ...other, clusters: [c], contexts: [x], 'current-context': key, users: [u] };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** kind's Encode: empty lists and an empty current-context dropped (omitempty), keys sorted, no folding. */
export function renderKubeconfig(doc: KubeconfigDoc): string {
  const out: Record<string, unknown> = { ...doc };
  for (const k of ['clusters', 'contexts', 'users'] as const) if (!out[k] || (out[k] as unknown[]).length === 0) delete out[k];
  if (!out['current-context']) delete out['current-context'];
  if (Object.keys(out).length === 0) return '';
  return stringify(sortKeys(out), { indentSeq: false, lineWidth: 0 });
}

function readDoc(file: string): KubeconfigDoc {
  if (!existsSync(file)) return {};
  const parsed = parse(readFileSync(file, 'utf8')) as KubeconfigDoc | null;
  return parsed && typeof parsed === 'object' ? parsed : {};
}

function writeDoc(file: string, doc: KubeconfigDoc): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderKubeconfig(doc), { mode: 0o600 });
}

function upsert(list: Named[] | undefined, entry: Named): Named[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((e) => e.name === entry.name);
  if (i < 0) out.push(entry);
  else out[i] = entry;
  return out;
}

/** WriteMerged: the kind-NAME entries into the file kind picks, made the current context. Returns the file. */
export function exportKubeconfig(kind: KubeconfigDoc, explicit: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = kubeconfigPathForMerge(explicit, env);
  const doc = readDoc(file);
  const hadOther = Object.keys(doc).some((k) => !['clusters', 'contexts', 'users', 'current-context'].includes(k));
  doc.clusters = upsert(doc.clusters, kind.clusters?.[0] as Named);
  doc.users = upsert(doc.users, kind.users?.[0] as Named);
  doc.contexts = upsert(doc.contexts, kind.contexts?.[0] as Named);
  doc['current-context'] = kind['current-context'];
  // kind copies apiVersion/kind/preferences only into a file that has no other top-level fields yet.
  if (!hadOther) for (const [k, v] of Object.entries(kind)) if (!['clusters', 'contexts', 'users', 'current-context'].includes(k)) doc[k] = v;
  writeDoc(file, doc);
  return file;
}

/** RemoveKIND: drops the cluster's entries from every candidate kubeconfig, rewriting only changed files. */
export function removeFromKubeconfig(cluster: string, explicit: string, env: NodeJS.ProcessEnv = process.env): void {
  const n = contextName(cluster);
  for (const file of kubeconfigPaths(explicit, env)) {
    if (!existsSync(file)) continue;
    const doc = readDoc(file);
    let mutated = false;
    for (const k of ['clusters', 'users', 'contexts'] as const) {
      const before = doc[k]?.length ?? 0;
      doc[k] = (doc[k] ?? []).filter((e) => e.name !== n);
      if (doc[k].length !== before) mutated = true;
    }
    if (doc['current-context'] === n) {
      doc['current-context'] = '';
      mutated = true;
    }
    if (mutated) writeDoc(file, doc);
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * /etc/kubernetes/admin.conf as kubeadm writes it: cluster = the kubeadm clusterName (kind's cluster name),
 * user kubernetes-admin, context kubernetes-admin@NAME, server = the controlPlaneEndpoint NAME-control-plane:6443.
 */
export function adminConf(clusterName: string, server: string, pki: ClusterPki): KubeconfigDoc {
  const user = 'kubernetes-admin';
  const ctx = `${user}@${clusterName}`;
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(pki.ca.cert), server }, name: clusterName }],
    contexts: [{ context: { cluster: clusterName, user }, name: ctx }],
    'current-context': ctx,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) } }],
  };
}

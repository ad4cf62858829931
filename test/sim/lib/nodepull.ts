// A pull by a kind node's containerd (CRI PullImage), with its registry host configuration.
//
// containerd (docs/hosts.md; core/remotes/docker/config/hosts.go; core/remotes/docker/resolver.go Resolve): kind
// v0.27+ node images set the CRI registry config_path to /etc/containerd/certs.d, so for an image of registry R the
// file /etc/containerd/certs.d/R/hosts.toml (written with `docker exec`, kept in the node's simulated filesystem)
// lists `[host."URL"]` entries, tried in order, then `server` (default: https://R, Docker Hub's being
// https://registry-1.docker.io). A host other than the reference's registry gets `?ns=R` (request.addNamespace).
// Resolution keeps the "most relevant" error: a failed request (priority 1) < a 404 (2) < another status > 399 (3);
// a 404 on every host is `REF: not found` (gRPC NotFound), the others reach the kubelet as
// `failed to pull and unpack image "REF": failed to resolve reference "REF": <error>` (code Unknown, which
// k8s.io/cri-client strips). A mirror host here is a simulated registry container: reachable by its name when it
// runs and is connected to the network `kind` (Docker's embedded DNS), else `dial tcp: lookup NAME: no such host`.
// A host named localhost or 127.x is the node's own loopback: nothing listens there (connection refused), so an
// image of a registry the host publishes on 127.0.0.1:PORT is pulled only through a hosts.toml alias to the
// registry container's name (kind's local-registry recipe). `https://NAME:5000` of a registry container (plain HTTP)
// is containerd's "http: server gave HTTP response to HTTPS client".
// Through the mirror nothing is downloaded by the node (the cache logs what it fetches); from upstream the node's
// download is logged as "node <node>".
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listClusters, readCluster } from './clusters.ts';
import { findContainer, isRunning, nodeFsRoot, readDockerState } from './containers.ts';
import { parseImageRef, resolveImage } from './registries.ts';
import { dnsError, domainOfHost, findUpstream, hostPlatform, isOffline, logDownload, logRef, MEDIA, platformOf, registryHost, waitTransfer } from './upstream.ts';

export type NodePullResult = { ok: true; via: string } | { ok: false; error: string };

interface HostEntry {
  url: string;
  capabilities: string[];
}

/** The hosts of a registry namespace: hosts.toml's [host."…"] entries in order, then its server. */
export function registryHosts(home: string, node: string, domain: string): HostEntry[] {
  let file: string | undefined;
  for (const cluster of listClusters(home)) {
    if (readCluster(home, cluster)?.nodes.includes(node)) file = path.join(nodeFsRoot(home, cluster, node), 'etc', 'containerd', 'certs.d', domain, 'hosts.toml');
  }
  const server = `https://${registryHost(domain)}`;
  if (!file || !existsSync(file)) return [{ url: server, capabilities: ['pull', 'resolve', 'push'] }];
  const hosts: HostEntry[] = [];
  let serverUrl = server;
  let current: HostEntry | undefined;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const sect = /^\[host\."([^"]+)"\]$/.exec(line) ?? /^\[host\.'([^']+)'\]$/.exec(line);
    if (sect) {
      current = { url: sect[1] as string, capabilities: ['pull', 'resolve', 'push'] };
      hosts.push(current);
      continue;
    }
    const kv = /^([\w-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    const [, key, value = ''] = kv;
    if (!current && key === 'server') serverUrl = value.replace(/^["']|["']$/g, '');
    if (current && key === 'capabilities') current.capabilities = [...value.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  }
  return [...hosts, { url: serverUrl, capabilities: ['pull', 'resolve', 'push'] }];
}

const ACCEPT = [MEDIA.dockerManifest, MEDIA.dockerList, MEDIA.manifest, MEDIA.index, '*/*'].join(', ');

type Attempt = { ok: true; via: string } | { ok: false; priority: number; error: string; final?: string };

async function throughContainer(home: string, u: URL, repo: string, object: string, ns: string): Promise<Attempt> {
  const base = `${u.protocol}//${u.host}`;
  const q = `?ns=${ns}`;
  const target = `${base}/v2/${repo}/manifests/${object}${q}`;
  const c = findContainer(readDockerState(home), u.hostname);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (!c || !isRunning(c) || !c.networks.includes('kind') || !c.internalPort) return { ok: false, priority: 1, error: `failed to do request: Head "${target}": ${dnsError(u.hostname)}` };
  if (port === 5000 && u.protocol === 'https:') return { ok: false, priority: 1, error: `failed to do request: Head "${target}": http: server gave HTTP response to HTTPS client` };
  if (port !== 5000 || u.protocol !== 'http:') return { ok: false, priority: 1, error: `failed to do request: Head "${target}": dial tcp 172.18.0.3:${port}: connect: connection refused` };
  const local = `http://127.0.0.1:${c.internalPort}`;
  const get = (p: string, method = 'GET') => fetch(`${local}${p}${q}`, { method, headers: { Accept: ACCEPT }, signal: AbortSignal.timeout(60_000) });
  const head = await get(`/v2/${repo}/manifests/${object}`, 'HEAD');
  if (head.status === 404) return { ok: false, priority: 2, error: 'not found' };
  if (head.status > 399) return { ok: false, priority: 3, error: `unexpected status from HEAD request to ${target}: ${head.status} ${head.statusText}` };
  // The fetch: the index, this platform's manifest, its config and layers (the cache fetches what it misses).
  const failedOpen = async (r: Response, p: string) => ({ ok: false as const, priority: 9, error: '', final: `failed to copy: httpReadSeeker: failed open: unexpected status code ${base}${p}${q}: ${r.status} ${r.statusText}${await r.text().then(() => '')}` });
  const idxPath = `/v2/${repo}/manifests/${object}`;
  const idx = await get(idxPath);
  if (!idx.ok) return failedOpen(idx, idxPath);
  let manifest = (await idx.json()) as { mediaType?: string; manifests?: Array<{ digest: string; platform?: { architecture?: string } }>; config?: { digest: string }; layers?: Array<{ digest: string }> };
  if (manifest.mediaType === MEDIA.index || manifest.manifests) {
    const d = (manifest.manifests ?? []).find((m) => m.platform?.architecture === hostPlatform()) ?? manifest.manifests?.[0];
    const mp = `/v2/${repo}/manifests/${d?.digest ?? ''}`;
    const r = await get(mp);
    if (!r.ok) return failedOpen(r, mp);
    manifest = (await r.json()) as typeof manifest;
  }
  for (const b of [manifest.config, ...(manifest.layers ?? [])]) {
    if (!b) continue;
    const bp = `/v2/${repo}/blobs/${b.digest}`;
    const r = await get(bp);
    if (!r.ok) return failedOpen(r, bp);
    await r.arrayBuffer();
  }
  return { ok: true, via: u.hostname };
}

/** Pulls `reference` for `node` the way its containerd would; the caller has checked that it parses. */
export async function nodePull(home: string, node: string, reference: string, kubernetesVersion?: string): Promise<NodePullResult> {
  const ref = parseImageRef(reference);
  if (!ref) return { ok: false, error: `couldn't parse image name "${reference}"` };
  const head = `failed to pull and unpack image "${ref.full}": failed to resolve reference "${ref.full}"`;
  const object = ref.digest ?? ref.tag ?? 'latest';
  const caps = ref.digest ? ['pull'] : ['pull', 'resolve'];
  const hosts = registryHosts(home, node, ref.domain).filter((h) => caps.every((c) => h.capabilities.includes(c)));
  let best: { priority: number; error: string } | undefined;
  for (const [i, h] of hosts.entries()) {
    let u: URL;
    try {
      u = new URL(h.url);
    } catch {
      continue;
    }
    const upstreamDomain = domainOfHost(u.hostname);
    let attempt: Attempt;
    if (upstreamDomain === ref.domain && u.protocol === 'https:') {
      const ns = u.hostname === registryHost(ref.domain) ? '' : `?ns=${ref.domain}`;
      if (isOffline(home)) attempt = { ok: false, priority: 1, error: `failed to do request: Head "https://${u.host}/v2/${ref.path}/manifests/${object}${ns}": ${dnsError(u.hostname)}` };
      else {
        const r = resolveImage(reference, kubernetesVersion);
        const s = r.ok ? findUpstream(reference) : undefined;
        if (r.ok && s) {
          const bytes = platformOf(s).modelledBytes;
          await waitTransfer(bytes);
          logDownload(home, { by: `node ${node}`, ref: logRef(s), bytes });
          return { ok: true, via: u.hostname };
        }
        if (r.ok) return { ok: true, via: u.hostname };
        // resolveImage words the no-mirror failure completely (registries.ts); its NotFound is a 404 here.
        const notFound = r.error.startsWith('rpc error: code = NotFound');
        attempt = { ok: false, priority: notFound ? 2 : 1, error: notFound ? 'not found' : r.error.slice(head.length + 2), final: i === hosts.length - 1 && !best ? r.error : undefined };
      }
    } else if (u.hostname === 'localhost' || /^127\./.test(u.hostname)) {
      // The node's own loopback: a registry published on the host's 127.0.0.1 is not there (kind's local-registry
      // recipe aliases localhost:PORT to the registry container's name in hosts.toml for this reason).
      attempt = { ok: false, priority: 1, error: `failed to do request: Head "${u.protocol}//${u.host}/v2/${ref.path}/manifests/${object}": dial tcp 127.0.0.1:${u.port || (u.protocol === 'https:' ? 443 : 80)}: connect: connection refused` };
    } else if (upstreamDomain === undefined && !/\./.test(u.hostname)) {
      try {
        attempt = await throughContainer(home, u, ref.path, object, ref.domain);
      } catch (e) {
        attempt = { ok: false, priority: 1, error: `failed to do request: Head "${u.protocol}//${u.host}/v2/${ref.path}/manifests/${object}?ns=${ref.domain}": ${e instanceof Error ? e.message : String(e)}` };
      }
    } else {
      attempt = { ok: false, priority: 1, error: `failed to do request: Head "${u.protocol}//${u.host}/v2/${ref.path}/manifests/${object}?ns=${ref.domain}": ${dnsError(u.hostname)}` };
    }
    if (attempt.ok) return attempt;
    if (attempt.final && attempt.priority === 9) return { ok: false, error: `failed to pull and unpack image "${ref.full}": ${attempt.final}` };
    if (attempt.final) return { ok: false, error: attempt.final };
    if (!best || attempt.priority > best.priority) best = { priority: attempt.priority, error: attempt.error };
  }
  if (!best || best.priority === 2) return { ok: false, error: `rpc error: code = NotFound desc = ${head}: ${ref.full}: not found` };
  return { ok: false, error: `${head}: ${best.error}` };
}

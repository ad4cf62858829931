// The pull-through image cache beside the kind clusters (kind/image-cache.yaml): CNCF Distribution registries
// in proxy mode, one per upstream registry, all storing into one named Docker volume that outlives every
// cluster. hpa-lab starts them (`up`), connects them to kind's network and points each node's containerd at
// them with /etc/containerd/certs.d/<registry>/hosts.toml (the mechanism of kind's local-registry guide and
// containerd's docs/hosts.md; kind node images since v0.27 read that folder without a config patch).
import { readRegularFile } from '../input/output-path.ts';
import path from 'node:path';
import { parse } from 'yaml';
import type { Runner } from '../exec.ts';
import { InputError, LabError } from '../errors.ts';
import { parseImageRef } from './ref.ts';

export const DEFAULT_IMAGE_CACHE_CONFIG = path.join('kind', 'image-cache.yaml');

/** The label on everything of the cache hpa-lab makes: it removes (and reuses) only what carries it. */
export const CACHE_LABEL = 'hpa-lab/managed-by=hpa-lab';

/** Where the registry keeps its storage in its container (distribution's default rootdirectory). */
const STORAGE = '/var/lib/registry';
const CONTAINER_PORT = 5000;

export interface Mirror {
  /** the upstream registry as image references and containerd's certs.d name it */
  registry: string;
  /** the upstream's API endpoint (proxy.remoteurl; for docker.io, registry-1.docker.io) */
  remote: string;
  container: string;
  hostPort: number;
}

export interface ImageCacheConfig {
  file: string;
  image: string;
  volume: string;
  mirrors: Mirror[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Images built on this machine are named under this domain: nothing pulls them (Docker must have them). */
export const LOCAL_IMAGE_DOMAIN = 'hpa-lab.local';

/** 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918). */
export function isPrivateIPv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** Reads and checks the cache's file: every field named with what was expected when it is wrong. */
export function loadImageCacheConfig(file: string, display = file): ImageCacheConfig {
  let doc: unknown;
  try {
    doc = parse(readRegularFile(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTREG') throw new InputError(`${display}: not a regular file (a FIFO, a device or a socket): expected the image cache's YAML file`);
    throw new InputError(e.code === 'ENOENT' ? `${display}: no such file` : `${display}: not valid YAML: ${(e.message.split('\n')[0] ?? '').trim()}`);
  }
  const bad = (field: string, expected: string, got: unknown) => new InputError(`${display}: ${field}: expected ${expected}, got ${JSON.stringify(got) ?? 'nothing'}`);
  if (!isMap(doc)) throw bad('(top level)', 'a map with image, volume and mirrors', doc);
  for (const k of Object.keys(doc)) if (!['image', 'volume', 'mirrors'].includes(k)) throw bad(k, 'one of image, volume, mirrors (unknown field)', doc[k]);
  const image = doc.image;
  // Pinned by digest, or an image built on this machine (hpa-lab.local/…: no registry name, never pulled).
  const ref = typeof image === 'string' ? parseImageRef(image) : undefined;
  if (typeof image !== 'string' || !ref || (!ref.digest && !image.startsWith(`${LOCAL_IMAGE_DOMAIN}/`))) {
    throw bad('image', `an image reference pinned by digest (registry:3.0.0@sha256:…), or one built here under ${LOCAL_IMAGE_DOMAIN}/ (never pulled)`, image);
  }
  const volume = doc.volume;
  if (typeof volume !== 'string' || !CONTAINER_NAME.test(volume)) throw bad('volume', 'a Docker volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)', volume);
  if (!Array.isArray(doc.mirrors) || doc.mirrors.length === 0) throw bad('mirrors', 'a list of {registry, remote, container, hostPort}', doc.mirrors);
  const seen = { registry: new Set<string>(), container: new Set<string>(), hostPort: new Set<number>() };
  const mirrors = doc.mirrors.map((m: unknown, i): Mirror => {
    const at = `mirrors[${i}]`;
    if (!isMap(m)) throw bad(at, 'a map with registry, remote, container and hostPort', m);
    for (const k of Object.keys(m)) if (!['registry', 'remote', 'container', 'hostPort'].includes(k)) throw bad(`${at}.${k}`, 'one of registry, remote, container, hostPort (unknown field)', m[k]);
    const { registry, remote, container, hostPort } = m;
    if (typeof registry !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/.test(registry)) throw bad(`${at}.registry`, 'a registry host as image references name it (docker.io, quay.io, …)', registry);
    let url: URL | undefined;
    try {
      url = typeof remote === 'string' ? new URL(remote) : undefined;
    } catch {
      url = undefined;
    }
    // http:// only to a registry on a private IPv4 address (a room's own registry on its LAN, a local stand-in).
    const plainOk = url?.protocol === 'http:' && isPrivateIPv4(url.hostname);
    if (!url || !(url.protocol === 'https:' || plainOk) || url.pathname !== '/') {
      throw bad(`${at}.remote`, 'the upstream registry’s https:// URL, without a path (https://registry-1.docker.io); http:// only for a registry on a private address (10.x, 172.16-31.x, 192.168.x)', remote);
    }
    if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) throw bad(`${at}.container`, 'a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)', container);
    if (typeof hostPort !== 'number' || !Number.isInteger(hostPort) || hostPort < 1024 || hostPort > 65535) throw bad(`${at}.hostPort`, 'a port from 1024 to 65535 (it listens on 127.0.0.1)', hostPort);
    for (const [key, value] of [['registry', registry], ['container', container], ['hostPort', hostPort]] as const) {
      const set = seen[key] as Set<string | number>;
      if (set.has(value)) throw bad(`${at}.${key}`, `a ${key} no other mirror has`, value);
      set.add(value);
    }
    return { registry, remote: url.origin, container, hostPort };
  });
  return { file: display, image, volume, mirrors };
}

/** The mirror an image is pulled through, if its registry has one. */
export function mirrorFor(cfg: ImageCacheConfig, image: string): Mirror | undefined {
  const ref = parseImageRef(image);
  return ref ? cfg.mirrors.find((m) => m.registry === ref.domain) : undefined;
}

/**
 * The cache's host ports against the kind config's: both publish on 127.0.0.1, so a port in both means the
 * second to start cannot bind it (bad input, exit 2, before anything starts).
 */
export function checkCachePorts(cache: ImageCacheConfig, kind: { file: string; portMappings: Array<{ hostPort: number }> }): ImageCacheConfig {
  cache.mirrors.forEach((m, i) => {
    if (kind.portMappings.some((p) => p.hostPort === m.hostPort)) {
      throw new InputError(`${cache.file}: mirrors[${i}].hostPort: ${m.hostPort} is also a host port of ${kind.file} (extraPortMappings): both listen on 127.0.0.1:${m.hostPort}`, { fix: `give the cache's ${m.registry} mirror another port (outside the kind config's ports)` });
    }
  });
  return cache;
}

export const mirrorUrl = (m: Mirror): string => `http://127.0.0.1:${m.hostPort}`;

/**
 * containerd's hosts.toml for one upstream (docs/hosts.md): the cache first, reached by its container name on
 * kind's network, for pull and resolve; the upstream itself (`server`) when the cache does not answer.
 */
export function hostsToml(m: Mirror): string {
  return [
    `# Written by hpa-lab (${DEFAULT_IMAGE_CACHE_CONFIG}): pull ${m.registry} images through the lab's cache.`,
    `server = "${m.remote}"`,
    '',
    `[host."http://${m.container}:${CONTAINER_PORT}"]`,
    '  capabilities = ["pull", "resolve"]',
    '',
  ].join('\n');
}

export const hostsTomlPath = (m: Mirror): string => `/etc/containerd/certs.d/${m.registry}/hosts.toml`;

// ---- the containers ----------------------------------------------------------------------------------------

interface ContainerInfo {
  Id: string;
  State?: { Running?: boolean; Status?: string };
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, unknown> | null };
}

export interface MirrorState {
  mirror: Mirror;
  state: 'absent' | 'running' | 'stopped';
  /** carries hpa-lab's label (a container of that name without it is someone else's) */
  owned: boolean;
  onKindNetwork: boolean;
}

const [LABEL_KEY, LABEL_VALUE] = CACHE_LABEL.split('=') as [string, string];

async function inspectContainers(runner: Runner, names: string[]): Promise<Map<string, ContainerInfo>> {
  // `docker container inspect A B` prints what exists and exits 1 for the rest: both are answers here.
  const r = await runner.run('docker', ['container', 'inspect', ...names], { check: false });
  let list: ContainerInfo[];
  try {
    list = JSON.parse(r.stdout || '[]') as ContainerInfo[];
  } catch {
    list = [];
  }
  if (r.exitCode !== 0 && list.length === 0 && !/No such container/i.test(r.stderr)) {
    throw new LabError(`docker container inspect ${names.join(' ')} failed`, { details: r.stderr.split('\n').slice(0, 5), fix: 'npm run doctor' });
  }
  const byName = new Map<string, ContainerInfo>();
  for (const c of list) {
    const name = ((c as { Name?: string }).Name ?? '').replace(/^\//, '');
    byName.set(name, c);
  }
  return byName;
}

export async function cacheState(runner: Runner, cfg: ImageCacheConfig): Promise<MirrorState[]> {
  const found = await inspectContainers(runner, cfg.mirrors.map((m) => m.container));
  return cfg.mirrors.map((mirror) => {
    const c = found.get(mirror.container);
    if (!c) return { mirror, state: 'absent', owned: false, onKindNetwork: false };
    return {
      mirror,
      state: c.State?.Running ? 'running' : 'stopped',
      owned: c.Config?.Labels?.[LABEL_KEY] === LABEL_VALUE,
      onKindNetwork: !!c.NetworkSettings?.Networks && 'kind' in c.NetworkSettings.Networks,
    };
  });
}

function notOurs(s: MirrorState, cfg: ImageCacheConfig): LabError {
  return new LabError(`a container named ${s.mirror.container} exists, and hpa-lab did not make it (no ${CACHE_LABEL} label)`, {
    why: `hpa-lab's image cache uses that name (${cfg.file}); it never touches a container it did not make`,
    fix: `rename or remove that container, or change mirrors[].container in ${cfg.file}, or run without the cache: --no-cache`,
  });
}

/** The docker run of one mirror: distribution's config by environment (REGISTRY_<SECTION>_<KEY>). */
export function mirrorRunArgs(cfg: ImageCacheConfig, m: Mirror): string[] {
  return [
    'run', '--detach', '--name', m.container, '--restart=always', '--label', CACHE_LABEL,
    '--publish', `127.0.0.1:${m.hostPort}:${CONTAINER_PORT}`,
    '--volume', `${cfg.volume}:${STORAGE}`,
    '--env', `REGISTRY_PROXY_REMOTEURL=${m.remote}`,
    // proxy.ttl 0: never expire what was cached (the default, 7 days, would empty a workshop's cache).
    '--env', 'REGISTRY_PROXY_TTL=0',
    '--env', `REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=${STORAGE}/${m.registry}`,
    cfg.image,
  ];
}

/**
 * Starts what is not running: the volume (docker volume create is idempotent), then each mirror (run when
 * absent, start when stopped). Refuses, before changing anything, a container of a mirror's name it did not make.
 */
export async function startCache(runner: Runner, cfg: ImageCacheConfig, say: (line: string) => void = () => undefined): Promise<{ started: string[] }> {
  const states = await cacheState(runner, cfg);
  const foreign = states.find((s) => s.state !== 'absent' && !s.owned);
  if (foreign) throw notOurs(foreign, cfg);
  const started: string[] = [];
  if (states.some((s) => s.state !== 'running')) await runner.run('docker', ['volume', 'create', '--label', CACHE_LABEL, cfg.volume]);
  for (const s of states) {
    if (s.state === 'running') continue;
    say(`${s.state === 'absent' ? 'starting' : 'restarting'} ${s.mirror.container} (${s.mirror.registry}) on 127.0.0.1:${s.mirror.hostPort}`);
    await runner.run('docker', s.state === 'absent' ? mirrorRunArgs(cfg, s.mirror) : ['start', s.mirror.container]);
    started.push(s.mirror.container);
  }
  return { started };
}

/** GET /v2/ of every mirror answers (the registry is up): polled, with the deadline the caller gives. */
export async function cacheAnswers(cfg: ImageCacheConfig, signal?: AbortSignal): Promise<string[]> {
  const down: string[] = [];
  for (const m of cfg.mirrors) {
    try {
      const r = await fetch(`${mirrorUrl(m)}/v2/`, { signal: AbortSignal.any([AbortSignal.timeout(3000), ...(signal ? [signal] : [])]) });
      await r.body?.cancel();
      if (r.status !== 200) down.push(`${m.container}: GET /v2/ answered ${r.status}`);
    } catch (err) {
      down.push(`${m.container}: 127.0.0.1:${m.hostPort} does not answer (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message})`);
    }
  }
  return down;
}

/** Connects every mirror to kind's network (kind makes it with the first cluster), where nodes reach it by name. */
export async function connectCache(runner: Runner, cfg: ImageCacheConfig): Promise<string[]> {
  const connected: string[] = [];
  for (const s of await cacheState(runner, cfg)) {
    if (s.state === 'absent' || s.onKindNetwork) continue;
    if (!s.owned) throw notOurs(s, cfg);
    await runner.run('docker', ['network', 'connect', 'kind', s.mirror.container]);
    connected.push(s.mirror.container);
  }
  return connected;
}

/** Writes each mirror's hosts.toml into every node that does not have it already; returns what it wrote. */
export async function configureNodes(runner: Runner, cfg: ImageCacheConfig, nodes: string[]): Promise<string[]> {
  const written: string[] = [];
  for (const node of nodes) {
    for (const m of cfg.mirrors) {
      const want = hostsToml(m);
      const have = await runner.run('docker', ['exec', node, 'cat', hostsTomlPath(m)], { check: false });
      if (have.exitCode === 0 && have.stdout.trim() === want.trim()) continue;
      await runner.run('docker', ['exec', node, 'mkdir', '-p', path.posix.dirname(hostsTomlPath(m))]);
      await runner.run('docker', ['exec', '-i', node, 'cp', '/dev/stdin', hostsTomlPath(m)], { input: want });
      written.push(`${node}:${m.registry}`);
    }
  }
  return written;
}

/**
 * What the cache holds, as full references (registry/path:tag), read from the registry's storage in the volume
 * (distribution's layout: …/repositories/<path>/_manifests/tags/<tag>/current/link), so asking never goes
 * upstream (a proxy asks its remote first for a tag). Only running mirrors are read.
 */
export async function cachedImages(runner: Runner, cfg: ImageCacheConfig, states?: MirrorState[]): Promise<Set<string>> {
  const out = new Set<string>();
  const running = (states ?? (await cacheState(runner, cfg))).filter((s) => s.state === 'running' && s.owned);
  // The mirrors share the volume: one listing shows every mirror's root (<storage>/<registry>/docker/…).
  const first = running[0];
  if (!first) return out;
  const r = await runner.run('docker', ['exec', first.mirror.container, 'find', STORAGE, '-path', '*/_manifests/tags/*/current/link'], { check: false });
  for (const line of r.stdout.split('\n')) {
    const m = /^\/var\/lib\/registry\/([^/]+)\/docker\/registry\/v2\/repositories\/(.+)\/_manifests\/tags\/([^/]+)\/current\/link$/.exec(line.trim());
    if (m && running.some((s) => s.mirror.registry === m[1])) out.add(`${m[1] ?? ''}/${m[2] ?? ''}:${m[3] ?? ''}`);
  }
  return out;
}

/** Whether the cache holds an image (by its normalized reference; digests: not answerable from tags, false). */
export function inCache(cached: Set<string>, image: string): boolean {
  const ref = parseImageRef(image);
  return !!ref && !ref.digest && cached.has(ref.full);
}

/** Removes the mirrors hpa-lab made and the volume: `down --purge`. Another's container of a mirror's name stays. */
export async function removeCache(runner: Runner, cfg: ImageCacheConfig): Promise<{ removed: string[]; volume: boolean }> {
  const states = await cacheState(runner, cfg);
  const foreign = states.find((s) => s.state !== 'absent' && !s.owned);
  if (foreign) throw notOurs(foreign, cfg);
  const ours = states.filter((s) => s.state !== 'absent').map((s) => s.mirror.container);
  if (ours.length) await runner.run('docker', ['rm', '--force', ...ours]);
  const vol = await runner.run('docker', ['volume', 'inspect', '--format', '{{json .Labels}}', cfg.volume], { check: false });
  if (vol.exitCode !== 0) return { removed: ours, volume: false };
  let labels: Record<string, string> | null;
  try {
    labels = JSON.parse(vol.stdout || 'null') as Record<string, string> | null;
  } catch {
    labels = null;
  }
  if (labels?.[LABEL_KEY] !== LABEL_VALUE) {
    throw new LabError(`volume ${cfg.volume} exists, and hpa-lab did not make it (no ${CACHE_LABEL} label): left in place`, {
      fix: `remove it yourself if it is not needed (docker volume rm ${cfg.volume}), or change volume in ${cfg.file}`,
    });
  }
  await runner.run('docker', ['volume', 'rm', cfg.volume]);
  return { removed: ours, volume: true };
}

export { STORAGE as CACHE_STORAGE };

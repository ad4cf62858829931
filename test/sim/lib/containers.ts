// The simulated Docker daemon's containers, volumes and networks (besides kind's node containers, which live in
// clusters/*.json): one state file $HPA_LAB_SIM_HOME/docker/state.json, changed under a lock; volume data in
// docker/volumes/NAME/_data (as /var/lib/docker/volumes/NAME/_data); a container's own files (outside its mounts)
// in docker/containers/ID/rootfs. A registry container runs as a detached node process (registry.ts) that holds
// its published ports, like docker-proxy, and exits when HPA_LAB_SIM_OWNER_PID's process is gone.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from './clusters.ts';
import { SIM_DIR } from './env.ts';
import { isAlive, killGroupSync, sleepSync } from './procs.ts';

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: string;
}

export interface MountRecord {
  type: 'volume' | 'bind';
  name?: string;
  source: string;
  destination: string;
}

export interface ContainerRecord {
  id: string;
  name: string;
  /** the image as `docker run` was given it */
  image: string;
  imageId: string;
  created: string;
  env: string[];
  labels: Record<string, string>;
  restart: string;
  ports: PortBinding[];
  mounts: MountRecord[];
  networks: string[];
  running: boolean;
  pid: number | null;
  startedAt: string;
  finishedAt: string;
  /** the port the registry process serves the container's :5000 on (its address on the networks) */
  internalPort?: number;
}

export interface VolumeRecord {
  name: string;
  created: string;
  labels: Record<string, string>;
}

export interface NetworkRecord {
  name: string;
  id: string;
  created: string;
  driver: string;
}

export interface DockerState {
  containers: Record<string, ContainerRecord>;
  volumes: Record<string, VolumeRecord>;
  networks: Record<string, NetworkRecord>;
}

const dockerDir = (home: string) => path.join(home, 'docker');
const stateFile = (home: string) => path.join(dockerDir(home), 'state.json');
export const volumeDataDir = (home: string, name: string) => path.join(dockerDir(home), 'volumes', name, '_data');
export const containerDir = (home: string, id: string) => path.join(dockerDir(home), 'containers', id);
export const containerRootfs = (home: string, id: string) => path.join(containerDir(home, id), 'rootfs');

/** The networks every Docker daemon has. */
const BUILTIN_NETWORKS = ['bridge', 'host', 'none'];

export function readDockerState(home: string): DockerState {
  const base: DockerState = { containers: {}, volumes: {}, networks: {} };
  for (const n of BUILTIN_NETWORKS) base.networks[n] = { name: n, id: hex(`network:${n}`), created: '2025-01-01T00:00:00Z', driver: n === 'bridge' ? 'bridge' : n === 'host' ? 'host' : 'null' };
  try {
    const s = JSON.parse(readFileSync(stateFile(home), 'utf8')) as DockerState;
    return { containers: s.containers ?? {}, volumes: s.volumes ?? {}, networks: { ...base.networks, ...s.networks } };
  } catch {
    return base;
  }
}

/**
 * Runs `fn` on the state under an exclusive lock (a lock file made with O_EXCL; a holder that died is overtaken),
 * then writes it back. Parallel docker invocations (the pre-pull runs several) never lose each other's changes.
 */
export function withDockerState<T>(home: string, fn: (s: DockerState) => T): T {
  return withLock(path.join(dockerDir(home), 'state.lock'), () => {
    const s = readDockerState(home);
    const r = fn(s);
    writeJsonAtomic(stateFile(home), s);
    return r;
  });
}

export function withLock<T>(lockFile: string, fn: () => T): T {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(lockFile, 'utf8'));
      } catch {
        // released meanwhile
      }
      const stale = owner > 0 && !isAlive(owner);
      const old = (() => {
        try {
          return Date.now() - statSync(lockFile).mtimeMs > 10_000;
        } catch {
          return false;
        }
      })();
      if (stale || old || Date.now() > deadline) rmSync(lockFile, { force: true });
      else sleepSync(5);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

export function hex(s: string): string {
  // 64 hex characters, stable for the same input
  let out = '';
  let h = 0x811c9dc5;
  for (let i = 0; out.length < 64; i++) {
    const c = s.charCodeAt(i % Math.max(1, s.length)) + i;
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** A container by full name, "/name", full id or unique id prefix (Docker's lookup order). */
export function findContainer(s: DockerState, ref: string): ContainerRecord | undefined {
  const name = ref.replace(/^\//, '');
  const all = Object.values(s.containers);
  return all.find((c) => c.id === ref) ?? all.find((c) => c.name === name) ?? (ref.length >= 1 ? (() => {
    const m = all.filter((c) => c.id.startsWith(ref));
    return m.length === 1 ? m[0] : undefined;
  })() : undefined);
}

/** Running: recorded so and its process (if it has one) alive. A registry whose process died has exited. */
export function isRunning(c: ContainerRecord): boolean {
  return c.running && (c.pid === null || isAlive(c.pid));
}

/** Containers that use a volume (ids). */
export function volumeUsers(s: DockerState, volume: string): string[] {
  return Object.values(s.containers).filter((c) => c.mounts.some((m) => m.type === 'volume' && m.name === volume)).map((c) => c.id);
}

/** Maps a path inside the container to the host: the longest mount that contains it, else the container's rootfs. */
export function hostPathFor(home: string, c: ContainerRecord, p: string): string {
  const norm = path.posix.normalize(p.startsWith('/') ? p : `/${p}`);
  const mount = [...c.mounts].sort((a, b) => b.destination.length - a.destination.length).find((m) => norm === m.destination || norm.startsWith(`${m.destination.replace(/\/$/, '')}/`));
  if (mount) return path.join(mount.source, path.posix.relative(mount.destination, norm));
  return path.join(containerRootfs(home, c.id), norm);
}

/** The image of a registry container: docker.io/library/registry, tag 3.x (by tag or digest). */
export function isRegistryImage(image: string, repoTags: string[] = []): boolean {
  const names = [image, ...repoTags].map((n) => n.replace(/^docker\.io\//, '').replace(/^library\//, ''));
  return names.some((n) => /^registry(:3(\.[\w.-]*)?)?(@sha256:[a-f0-9]{64})?$/.test(n) && (/^registry:3/.test(n) || n.includes('@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e')));
}

export type StartReport = { ok: true; pid: number; internalPort: number } | { ok: false; bindError: { address: string; port: number } } | { ok: false; error: string };

/** Starts a registry container's process (detached, logging to docker/containers/ID/registry.log) and waits for its report. */
export async function startRegistryProcess(home: string, c: ContainerRecord): Promise<StartReport> {
  const dir = containerDir(home, c.id);
  mkdirSync(dir, { recursive: true });
  const ready = path.join(dir, 'ready.json');
  rmSync(ready, { force: true });
  const log = openSync(path.join(dir, 'registry.log'), 'a');
  const child = spawn(process.execPath, [path.join(SIM_DIR, 'registry.ts'), '--state-dir', home, '--id', c.id], { detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (existsSync(ready)) {
      try {
        return JSON.parse(readFileSync(ready, 'utf8')) as StartReport;
      } catch {
        // being written
      }
    }
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  if (child.pid) killGroupSync(child.pid, 500);
  const tail = existsSync(path.join(dir, 'registry.log')) ? readFileSync(path.join(dir, 'registry.log'), 'utf8').slice(-1500) : '';
  return { ok: false, error: `simulated registry process did not start (exit ${String(exited)}): ${tail}` };
}

/** Whether pid still runs the registry process of that container (guards against pid reuse). */
function isRegistryProcess(pid: number, id: string): boolean {
  if (!existsSync('/proc/self/cmdline')) return isAlive(pid);
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('registry.ts')) && argv[argv.indexOf('--id') + 1] === id;
  } catch {
    return false;
  }
}

/** Registry processes serving containers of this state dir, found by their command line (as kind's nodes are). */
export function registryProcesses(home: string): Array<{ pid: number; id: string }> {
  if (!existsSync('/proc/self/cmdline')) {
    return Object.values(readDockerState(home).containers).filter((c) => c.pid !== null).map((c) => ({ pid: c.pid as number, id: c.id }));
  }
  const out: Array<{ pid: number; id: string }> = [];
  const want = path.resolve(home);
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith('registry.ts'))) continue;
      const dir = argv[argv.indexOf('--state-dir') + 1];
      if (dir && path.resolve(dir) === want) out.push({ pid: Number(e), id: argv[argv.indexOf('--id') + 1] ?? '' });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Stops a container's process (synchronously: its ports are free when this returns). */
export function stopContainerProcess(home: string, c: ContainerRecord): void {
  if (c.pid !== null && isRegistryProcess(c.pid, c.id)) killGroupSync(c.pid, 1000);
  for (const p of registryProcesses(home)) if (p.id === c.id) killGroupSync(p.pid, 1000);
}

/** Every registry process of this simulated machine (the test harness's cleanup). */
export function stopAllContainers(home: string): void {
  for (const p of registryProcesses(home)) killGroupSync(p.pid, 1000);
}

/** A kind node's own filesystem (what `docker exec NODE` writes, e.g. /etc/containerd/certs.d): per cluster, gone with it. */
export function nodeFsRoot(home: string, cluster: string, node: string): string {
  return path.join(home, 'nodes', cluster, 'fs', node);
}

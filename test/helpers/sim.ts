// Test harness: a private simulated machine per test (file). Each Sim has its own state dir, kubeconfig, HOME,
// host ports and a PATH that holds ONLY the stand-ins (kind, helm, docker), the real kubectl ($HPA_LAB_KUBECTL,
// else PATH's) and node: a tool listed in `missing` is really missing, like on a laptop without it.
//
//   const sim = await createSim({ faults: ['api-slow=5'] });
//   const cfg = sim.writeKindConfig(sim.ports());
//   const r = await sim.run(['up', '--kind-config', cfg]);   // node scripts/hpa-lab.js up ...
//   await sim.run(['demo', ...sim.labArgs()]);             // the same, with the stack's NodePorts on the sim's ports
//   await sim.cleanup();                                   // deletes clusters, kills API servers, removes home
//
//   const newSim = simPool();   // at a test file's top: every sim it makes is cleaned up after the file
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { destroyCluster, listClusters } from '../sim/lib/clusters.ts';
import { stopAllContainers } from '../sim/lib/containers.ts';
import { isAlive } from '../sim/lib/procs.ts';
import { readUpstreamLog as readLog, type UpstreamLogEntry } from '../sim/lib/upstream.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SIM_SRC = path.join(REPO_ROOT, 'test', 'sim');

export type SimTool = 'kind' | 'helm' | 'docker' | 'kubectl' | 'tar';

export interface SimOptions {
  /** HPA_LAB_SIM_FAULTS entries, e.g. ['docker-down'] or ['api-slow=5'] */
  faults?: string[];
  /** tools left out of PATH */
  missing?: SimTool[];
  /** extra environment for every command */
  env?: Record<string, string>;
}

/** Host ports reserved for this sim (all inside the NodePort range, so they are valid node ports too). */
export interface SimPorts {
  app: number;
  prometheus: number;
  grafana: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** working directory (default: the repository root) */
  cwd?: string;
}

export interface Sim {
  home: string;
  env: Record<string, string>;
  /** The 3 ports reserved for this sim; the same on every call. */
  ports(): SimPorts;
  /** Copy of kind/cluster.yaml with host/container ports 30000/30090/30030 replaced; returns its path. */
  writeKindConfig(ports: SimPorts): string;
  /** `--set` options that point a stack's NodePorts (app, Prometheus, Grafana) at this sim's ports. */
  portSets(): string[];
  /** `--kind-config <a config written for this sim's ports>` and portSets(): what `up`/`demo`/`status` on the sim's lab take. */
  labArgs(): string[];
  /** Runs the real CLI: node scripts/hpa-lab.js ...args */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs any tool (kind, kubectl, helm, docker...) in the sim environment. */
  exec(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Deletes every simulated cluster (no process survives), releases the ports, removes the home dir. */
  cleanup(): Promise<void>;
}

// ---- port reservation across parallel test files ----------------------------------------------------------

const PORT_LOCK_DIR = path.join(os.tmpdir(), 'hpa-lab-sim-ports');
// NodePort range minus the lab's default ports' neighbourhood, so a developer's own `npm run sim -- up` on
// 30000/30090/30030 never collides with tests.
const PORT_MIN = 30100;
const PORT_MAX = 32700;

function tryLock(port: number): boolean {
  mkdirSync(PORT_LOCK_DIR, { recursive: true });
  const file = path.join(PORT_LOCK_DIR, `${port}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      // Held: steal it only when its owner is dead (a crashed earlier run).
      let owner: number;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      if (Number.isFinite(owner) && owner > 0 && isAlive(owner)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

function unlock(port: number): void {
  rmSync(path.join(PORT_LOCK_DIR, `${port}.lock`), { force: true });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function reservePorts(n: number): Promise<number[]> {
  const got: number[] = [];
  const span = PORT_MAX - PORT_MIN;
  let candidate = PORT_MIN + Math.floor(Math.random() * span);
  for (let tries = 0; got.length < n && tries < span; tries++) {
    candidate = PORT_MIN + ((candidate - PORT_MIN + 1) % span);
    if (!tryLock(candidate)) continue;
    if (await canBind(candidate)) got.push(candidate);
    else unlock(candidate);
  }
  if (got.length < n) {
    got.forEach(unlock);
    throw new Error(`could not reserve ${n} free ports in ${PORT_MIN}-${PORT_MAX}`);
  }
  return got;
}

// ---- the sim ----------------------------------------------------------------------------------------------

const CACHE_REGISTRIES = 4;

/** kind/image-cache.yaml with its host ports replaced by this sim's; returns its path. */
function writeImageCacheConfig(home: string, ports: number[]): string {
  const doc = parseDocument(readFileSync(path.join(REPO_ROOT, 'kind', 'image-cache.yaml'), 'utf8'));
  const mirrors = doc.get('mirrors');
  if (!isSeq(mirrors) || mirrors.items.length !== ports.length) throw new Error(`kind/image-cache.yaml: expected ${ports.length} mirrors for the sim's ports`);
  mirrors.items.forEach((m, i) => {
    if (isMap(m)) m.set('hostPort', ports[i]);
  });
  const out = path.join(home, 'image-cache.yaml');
  writeFileSync(out, doc.toString());
  return out;
}

function findOnPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === path.join(SIM_SRC, 'bin')) continue;
    const p = path.join(dir, tool);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `file` exists and may be run. */
export function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The real kubectl the sims get: $HPA_LAB_KUBECTL (CI sets it to the one .ci/tools.sh extracts), else the
 * first kubectl on PATH. A HPA_LAB_KUBECTL that is not executable is an error, never a silent skip.
 */
function resolveKubectl(): string | undefined {
  const given = process.env.HPA_LAB_KUBECTL;
  if (given) {
    const abs = path.resolve(given);
    if (!executable(abs)) throw new Error(`HPA_LAB_KUBECTL=${given} is not an executable file (bash .ci/tools.sh extracts kubectl to .tools/bin/kubectl)`);
    return abs;
  }
  return findOnPath('kubectl');
}

/** The real kubectl linked into every sim's PATH, if there is one. */
export const KUBECTL = resolveKubectl();
/** Whether the real kubectl is there (tests that need it: it.skipIf(!requireKubectl())(`... ${KUBECTL_REASON}`)). */
export const HAS_KUBECTL = KUBECTL !== undefined;
/** Appended to the names of kubectl tests, so a skip says why. */
export const KUBECTL_REASON = HAS_KUBECTL ? '' : ' (SKIPPED: needs the real kubectl: set HPA_LAB_KUBECTL or put kubectl on PATH; bash .ci/tools.sh extracts one)';

let warnedNoKubectl = false;

/** True when the kubectl tests should run; throws in CI (CI=true), where they are mandatory, when kubectl is missing. */
export function requireKubectl(): boolean {
  if (!HAS_KUBECTL && process.env.CI === 'true') {
    throw new Error('CI=true but no kubectl: HPA_LAB_KUBECTL is unset and none is on PATH; .ci/run must run .ci/tools.sh and export HPA_LAB_KUBECTL');
  }
  if (!HAS_KUBECTL && !warnedNoKubectl) {
    warnedNoKubectl = true;
    console.warn(`[sim] kubectl tests${KUBECTL_REASON}`);
  }
  return HAS_KUBECTL;
}

const MINIMAL_KIND_CONFIG = `# Written by test/helpers/sim.ts because kind/cluster.yaml does not exist yet.
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: hpa-lab
nodes:
  - role: control-plane
    image: kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5
    extraPortMappings:
      - { containerPort: 30000, hostPort: 30000, listenAddress: 127.0.0.1, protocol: TCP }
      - { containerPort: 30090, hostPort: 30090, listenAddress: 127.0.0.1, protocol: TCP }
      - { containerPort: 30030, hostPort: 30030, listenAddress: 127.0.0.1, protocol: TCP }
`;

/** Sims not yet cleaned up; the exit handler below tears them down if a test forgot. */
const live = new Set<{ home: string; ports: number[] }>();

function teardownSync(home: string, ports: number[]): void {
  for (const name of listClusters(home)) destroyCluster(home, name);
  // the simulated registry containers' processes (docker run), which would otherwise hold their host ports
  stopAllContainers(home);
  rmSync(home, { recursive: true, force: true });
  ports.forEach(unlock);
}

process.on('exit', () => {
  for (const s of live) teardownSync(s.home, s.ports);
});

async function runCommand(cmd: string, args: string[], env: Record<string, string>, opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const r = await execa(cmd, args, {
    env: { ...env, ...opts.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    cwd: opts.cwd ?? REPO_ROOT,
    timeout: opts.timeoutMs ?? 120_000,
    stripFinalNewline: false,
  });
  const durationMs = Date.now() - started;
  if (r.exitCode === undefined && (r as { code?: string }).code === 'ENOENT') {
    return { exitCode: 127, stdout: '', stderr: `${cmd}: command not found\n`, durationMs };
  }
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), durationMs };
}

/** A test file's simulated machines: `newSim(opts)` makes one; all are cleaned up after the file's tests (afterAll). */
export function simPool(): (opts?: SimOptions) => Promise<Sim> {
  const sims: Sim[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.cleanup()));
  });
  return async (opts = {}) => {
    const s = await createSim(opts);
    sims.push(s);
    return s;
  };
}

export async function createSim(opts: SimOptions = {}): Promise<Sim> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-sim-'));
  const bin = path.join(home, 'bin');
  mkdirSync(bin);
  mkdirSync(path.join(home, 'home'));
  const missing = new Set(opts.missing ?? []);
  for (const tool of ['kind', 'helm', 'docker'] as const) {
    if (!missing.has(tool)) symlinkSync(path.join(SIM_SRC, 'bin', tool), path.join(bin, tool));
  }
  if (KUBECTL && !missing.has('kubectl')) symlinkSync(KUBECTL, path.join(bin, 'kubectl'));
  // The system's tar is real (images save/load pack the offline archive with it), like kubectl.
  const tar = findOnPath('tar');
  if (tar && !missing.has('tar')) symlinkSync(tar, path.join(bin, 'tar'));

  // 3 NodePorts, and one host port per registry of the image cache (kind/image-cache.yaml's, moved here).
  const portList = await reservePorts(3 + CACHE_REGISTRIES);
  const record = { home, ports: portList };
  live.add(record);
  const [app, prometheus, grafana] = portList as [number, number, number];
  const imageCacheConfig = writeImageCacheConfig(home, portList.slice(3));
  const ports: SimPorts = { app, prometheus, grafana };

  const env: Record<string, string> = {
    HPA_LAB_SIM_HOME: home,
    HPA_LAB_SIM_ROOT: SIM_SRC,
    HPA_LAB_SIM_NODE: process.execPath,
    HPA_LAB_SIM_FAULTS: (opts.faults ?? []).join(','),
    // API servers exit when this process is gone, even if it was killed before cleanup could run.
    HPA_LAB_SIM_OWNER_PID: String(process.pid),
    KUBECONFIG: path.join(home, 'kubeconfig'),
    // The image cache's registries listen on this sim's own ports (parallel sims never share one).
    HPA_LAB_IMAGE_CACHE_CONFIG: imageCacheConfig,
    // hpa-lab's local state (secrets, markers, results) belongs to this simulated machine.
    HPA_LAB_STATE_DIR: path.join(home, 'hpa-lab-state'),
    HOME: path.join(home, 'home'),
    TMPDIR: os.tmpdir(),
    CI: 'true',
    NO_COLOR: '1',
    PATH: [bin, path.dirname(process.execPath)].join(path.delimiter),
    ...opts.env,
  };

  let cleaned = false;
  return {
    home,
    env,
    ports: () => ({ ...ports }),
    portSets: () => ['--set', `app.nodePort=${ports.app}`, '--set', `prometheus.nodePort=${ports.prometheus}`, '--set', `grafana.nodePort=${ports.grafana}`],
    labArgs(this: Sim) {
      return ['--kind-config', this.writeKindConfig(ports), ...this.portSets()];
    },
    writeKindConfig(p) {
      const src = path.join(REPO_ROOT, 'kind', 'cluster.yaml');
      const doc = parseDocument(existsSync(src) ? readFileSync(src, 'utf8') : MINIMAL_KIND_CONFIG);
      const replace = new Map([
        [30000, p.app],
        [30090, p.prometheus],
        [30030, p.grafana],
      ]);
      const nodes = doc.get('nodes');
      if (isSeq(nodes)) {
        for (const node of nodes.items) {
          const mappings = isMap(node) ? node.get('extraPortMappings') : undefined;
          if (!isSeq(mappings)) continue;
          for (const m of mappings.items) {
            if (!isMap(m)) continue;
            for (const key of ['containerPort', 'hostPort']) {
              const to = replace.get(Number(m.get(key)));
              if (to !== undefined) m.set(key, to);
            }
          }
        }
      }
      const out = path.join(home, 'kind-cluster.yaml');
      writeFileSync(out, doc.toString());
      return out;
    },
    run: (args, o) => runCommand(process.execPath, [path.join(REPO_ROOT, 'scripts', 'hpa-lab.js'), ...args], env, o),
    exec: (cmd, args, o) => runCommand(cmd, args, env, o),
    cleanup() {
      if (cleaned) return Promise.resolve();
      cleaned = true;
      live.delete(record);
      teardownSync(home, portList);
      return Promise.resolve();
    },
  };
}

/** pids of the node processes (API servers) of a sim's clusters, for "nothing left running" assertions. */
export function simNodePids(home: string): number[] {
  const dir = path.join(home, 'clusters');
  if (!existsSync(dir)) return [];
  return listClusters(home)
    .map((n) => (JSON.parse(readFileSync(path.join(dir, `${n}.json`), 'utf8')) as { pid: number | null }).pid)
    .filter((p): p is number => typeof p === 'number');
}

export { isAlive };

/** The downloads from the simulated upstream registries so far ($HPA_LAB_SIM_HOME/upstream.jsonl), oldest first. */
export function readUpstreamLog(home: string): UpstreamLogEntry[] {
  return readLog(home);
}

export type { UpstreamLogEntry };

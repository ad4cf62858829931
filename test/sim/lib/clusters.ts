// The simulated "containers" of kind clusters: one state file per cluster under $HPA_LAB_SIM_HOME/clusters and
// one detached node process (test/sim/apiserver.ts) that serves the API and holds the host ports.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { SIM_DIR, statePaths } from './env.ts';
import { isSimNodeProcess, killGroupSync } from './procs.ts';

export interface HostPortRecord {
  listenAddress: string;
  hostPort: number;
  containerPort: number;
  protocol: string;
}

export interface LoadedImage {
  name: string;
  id: string;
  /** the nodes whose containerd holds it; absent: every node (lib/node-images.ts) */
  nodes?: string[];
}

export interface ClusterRecord {
  name: string;
  /** pid of the node process (API server); null when it never started */
  pid: number | null;
  /** the API server's host port (published even when the control plane never came up); null while creating */
  apiPort: number | null;
  apiAddress: string;
  hostPorts: HostPortRecord[];
  image: string;
  kubernetesVersion: string;
  nodes: string[];
  createdAt: string;
  /** creating: kind is still working; running: API up; failed: retained after a failed create */
  phase: 'creating' | 'running' | 'failed';
  /** images loaded with `kind load docker-image` */
  images: LoadedImage[];
  /** nodes whose kubelet refused to start, with its error (what `journalctl -u kubelet` shows on them) */
  kubeletFailures?: Record<string, string>;
}

/** Writes via rename so a concurrent reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function readCluster(home: string, name: string): ClusterRecord | undefined {
  const file = statePaths(home).clusterFile(name);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

export function writeCluster(home: string, rec: ClusterRecord): void {
  writeJsonAtomic(statePaths(home).clusterFile(rec.name), rec);
}

/** Names of all clusters (running, retained or half-created), sorted like `kind get clusters`. */
export function listClusters(home: string): string[] {
  const dir = statePaths(home).clustersDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * The node processes of a cluster, found like Docker finds a container: by what runs, not by kind's bookkeeping
 * (a kind killed mid-create may not have recorded the pid). Linux /proc only; elsewhere the recorded pid.
 */
function nodeProcesses(home: string, name: string, recorded: number | null | undefined): number[] {
  const pids = new Set<number>();
  if (recorded && isSimNodeProcess(recorded, name)) pids.add(recorded);
  if (!existsSync('/proc/self/cmdline')) return [...pids];
  const stateDir = path.resolve(home);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = (flag: string) => argv[argv.indexOf(flag) + 1];
      if (argv.some((a) => a.endsWith('apiserver.ts')) && at('--name') === name && at('--state-dir') && path.resolve(at('--state-dir') as string) === stateDir) pids.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [...pids];
}

/**
 * Stops the node process (whole process group) and removes every trace of the cluster. Synchronous, like
 * `docker rm -f`: when it returns the node's published ports are free again.
 */
export function destroyCluster(home: string, name: string): void {
  const rec = readCluster(home, name);
  for (const pid of nodeProcesses(home, name, rec?.pid)) killGroupSync(pid);
  const p = statePaths(home);
  rmSync(p.clusterFile(name), { force: true });
  rmSync(p.nodeDir(name), { recursive: true, force: true });
}

/** A node as the API server seeds it: kind's container name, role and the config's Kubernetes labels. */
export interface SimNode {
  name: string;
  role: string;
  labels: Record<string, string>;
}

export interface NodeStartSpec {
  home: string;
  name: string;
  nodes: SimNode[];
  hostPorts: HostPortRecord[];
  apiAddress: string;
  /** 0 = pick a free port */
  apiPort: number;
  kubernetesVersion: string;
  /** false when kubeadm "fails": the node holds its ports but never serves the API */
  serveApi: boolean;
  /** kube-controller-manager's static pod command as kubeadm writes it (lib/kubeadm.ts); default: no extra flags */
  controllerManagerCommand?: string[];
  /** the kubelets that register their Node (default: every node) */
  registered?: SimNode[];
  /** called as soon as the node process exists (kind records it before waiting: `docker run` is atomic) */
  onSpawn?: (pid: number) => void;
}

/** What the node process reports in nodes/NAME/ready.json once it has bound its ports (or failed to). */
export type NodeReport =
  | { ok: true; pid: number; apiPort: number; hostPorts: HostPortRecord[] }
  | { ok: false; pid: number; bindError: { address: string; port: number; code: string } };

/**
 * Starts the node process detached (it must outlive `kind`), with its output in nodes/NAME/apiserver.log,
 * and waits for its report.
 */
export async function startNodeProcess(spec: NodeStartSpec): Promise<NodeReport> {
  const dir = statePaths(spec.home).nodeDir(spec.name);
  mkdirSync(dir, { recursive: true });
  const readyFile = path.join(dir, 'ready.json');
  rmSync(readyFile, { force: true });
  const log = openSync(path.join(dir, 'apiserver.log'), 'a');
  const args = [
    path.join(SIM_DIR, 'apiserver.ts'),
    '--name', spec.name,
    '--state-dir', spec.home,
    '--port-mappings', JSON.stringify(spec.hostPorts),
    '--nodes', JSON.stringify(spec.nodes),
    '--registered', JSON.stringify(spec.registered ?? spec.nodes),
    '--api-address', spec.apiAddress,
    '--api-port', String(spec.apiPort),
    '--kubernetes-version', spec.kubernetesVersion,
    '--serve-api', String(spec.serveApi),
    ...(spec.controllerManagerCommand ? ['--controller-manager-command', JSON.stringify(spec.controllerManagerCommand)] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  if (child.pid) spec.onSpawn?.(child.pid);
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    exitCode = code ?? 1;
  });
  child.unref();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (existsSync(readyFile)) {
      return JSON.parse(readFileSync(readyFile, 'utf8')) as NodeReport;
    }
    if (exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  if (child.pid) killGroupSync(child.pid, 500);
  const tail = existsSync(path.join(dir, 'apiserver.log')) ? readFileSync(path.join(dir, 'apiserver.log'), 'utf8').slice(-2000) : '';
  throw new Error(`simulated node process for cluster "${spec.name}" did not start (exit ${exitCode}); log tail:\n${tail}`);
}

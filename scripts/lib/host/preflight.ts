// Preflight: everything that must hold before `up` creates anything. Each check says what is wrong,
// why it matters for the lab, and the command that fixes it. `fail` blocks `up`; `warn` and `info` do not.
import type { Host } from './host.ts';
import type { Runner } from '../exec.ts';
import { MissingToolError } from '../exec.ts';
import { ToolError } from '../errors.ts';
import { atLeast, INOTIFY_INSTANCES, INOTIFY_WATCHES, MIN_DOCKER, MIN_DOCKER_API, MIN_HELM, MIN_KIND, MIN_KUBECTL, MIN_NODE, parseVersion, SAVE_PLATFORM_API, SAVE_PLATFORM_CLIENT } from './versions.ts';
import { dockerUnreachableHelp, missingToolHelp } from './tool-help.ts';
import { readDockerVersions, saveHasPlatform, tooOld } from './docker-version.ts';
import type { PortMapping } from '../cluster/kind-config.ts';

export type Level = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  id: string;
  level: Level;
  summary: string;
  why?: string;
  fix?: string;
}

export { INOTIFY_INSTANCES, INOTIFY_WATCHES, MIN_HELM, MIN_KIND, MIN_KUBECTL, MIN_NODE } from './versions.ts';
const GiB = 1024 ** 3;

export interface PreflightInput {
  host: Host;
  runner: Runner;
  portMappings: PortMapping[];
  /** When the cluster already exists its own node holds the ports; they are not checked. */
  clusterExists: boolean;
  /** Worker nodes besides the control plane (--workers): each needs memory of its own. */
  workers?: number;
  /** The kind node image: one built here (no digest) must be in Docker, since nothing pulls it. */
  nodeImage?: string;
}

export type ImageStore = 'containerd' | 'classic';

/**
 * The Docker image store, from `docker info --format '{{json .DriverStatus}}'`: moby's containerd image service
 * reports [["driver-type","io.containerd.snapshotter.v1"]] (daemon/containerd/service.go LayerStoreStatus);
 * a graph driver (overlay2) its own status pairs. undefined when the output is not that JSON.
 */
export function parseImageStore(driverStatusJson: string): ImageStore | undefined {
  let v: unknown;
  try {
    v = JSON.parse(driverStatusJson.trim());
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return v === null ? 'classic' : undefined;
  return v.some((pair) => Array.isArray(pair) && pair[0] === 'driver-type' && pair[1] === 'io.containerd.snapshotter.v1') ? 'containerd' : 'classic';
}

export async function detectImageStore(runner: Runner): Promise<ImageStore | undefined> {
  const r = await tryRun(runner, 'docker', ['info', '--format', '{{json .DriverStatus}}']);
  return r && r.exitCode === 0 ? parseImageStore(r.stdout) : undefined;
}

async function checkImageStore(runner: Runner): Promise<Check[]> {
  const store = await detectImageStore(runner);
  if (store === undefined) return [];
  if (store === 'classic') return [{ id: 'docker-image-store', level: 'ok', summary: 'Docker image store: classic (graph driver); the app image loads with kind load docker-image' }];
  const v = await readDockerVersions(runner).catch(() => undefined);
  if (v && v.exitCode === 0 && !saveHasPlatform(v.versions)) {
    return [
      {
        id: 'docker-image-store',
        level: 'warn',
        summary: `Docker image store: containerd, but this Docker cannot save one platform of an image (client ${v.versions.client?.version ?? '?'}, daemon API ${v.versions.server?.api ?? '?'})`,
        why: `on the containerd store \`kind load docker-image\` fails (kind issue #3795); hpa-lab then loads \`docker image save --platform\`, which needs the docker client ${SAVE_PLATFORM_CLIENT}+ and a daemon with API ${SAVE_PLATFORM_API}+ (Docker 28); without it the whole image index is saved and kind load image-archive may fail the same way`,
        fix: 'update Docker to 28 or later (client and daemon), or use the classic store: "features": {"containerd-snapshotter": false} in /etc/docker/daemon.json, then restart Docker',
      },
    ];
  }
  return [
    {
      id: 'docker-image-store',
      level: 'info',
      summary: 'Docker image store: containerd (io.containerd.snapshotter.v1)',
      why: 'there `kind load docker-image` fails with "ctr: content digest sha256:…: not found" (kind issue #3795), so hpa-lab builds the app image without attestations and loads a single-platform `docker image save` with `kind load image-archive`',
      fix: 'nothing to do; to use the classic store instead: "features": {"containerd-snapshotter": false} in /etc/docker/daemon.json (Docker Desktop: Settings → General), then restart Docker',
    },
  ];
}

export async function runPreflight(input: PreflightInput): Promise<Check[]> {
  const { host, runner } = input;
  const wsl = isWsl(host);
  const checks = await Promise.all([
    Promise.resolve(checkNode(host)),
    checkDocker(runner, wsl),
    checkImageStore(runner),
    checkKind(runner),
    checkHelm(runner),
    checkKubectl(runner),
    checkPorts(host, input.portMappings, input.clusterExists),
    checkLocalNodeImage(runner, input.nodeImage, input.clusterExists),
    checkCgroup(runner, wsl),
  ]);
  const out = checks.flat();
  out.push(...checkInotify(host), ...checkMemory(host, input.workers ?? 0));
  if (wsl) out.push(...wslHints());
  return out;
}

/** Docker's cgroup version ("1" or "2", `docker info`'s CgroupVersion, API ≥ 1.40), undefined when Docker does not say. */
export async function dockerCgroupVersion(runner: Runner): Promise<string | undefined> {
  const r = await tryRun(runner, 'docker', ['info', '--format', '{{.CgroupVersion}}']);
  const v = r && r.exitCode === 0 ? r.stdout.trim() : '';
  return v === '1' || v === '2' ? v : undefined;
}

/** cgroup v1 hosts: the lab runs (cluster/kind-shape.ts forCgroupV1 patches the kubelet), said as a warning with the way to v2. */
async function checkCgroup(runner: Runner, wsl: boolean): Promise<Check[]> {
  const v = await dockerCgroupVersion(runner);
  if (v === undefined) return [];
  if (v === '2') return [{ id: 'cgroup', level: 'ok', summary: 'Docker runs on cgroup v2' }];
  return [
    {
      id: 'cgroup',
      level: 'warn',
      summary: 'Docker runs on cgroup v1: the lab’s kubelet gets failCgroupV1: false to start at all',
      why: 'Kubernetes 1.35+ refuses cgroup v1 by default ("kubelet is configured to not run on a host using cgroup v1") and will drop it; kind only warns',
      fix: wsl
        ? 'move WSL to cgroup v2: in %UserProfile%\\.wslconfig under [wsl2] set kernelCommandLine = cgroup_no_v1=all, then `wsl --shutdown`'
        : 'boot with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to the kernel command line (e.g. GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)',
    },
  ];
}

/** A node image given without a digest (--node-image, built here) is never pulled: Docker must have it. */
async function checkLocalNodeImage(runner: Runner, image: string | undefined, clusterExists: boolean): Promise<Check[]> {
  if (image === undefined || image.includes('@') || clusterExists) return [];
  const r = await tryRun(runner, 'docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
  if (!r) return []; // docker's own check says it is missing
  if (r.exitCode === 0) return [{ id: 'node-image', level: 'ok', summary: `node image ${image} (built here) in Docker` }];
  return [
    {
      id: 'node-image',
      level: 'fail',
      summary: `node image ${image} is not in Docker`,
      why: 'a node image given without a digest is one built on this machine: nothing pulls it',
      fix: 'build it (npm run real:build, or kind build node-image), load it (docker image load -i FILE), or give a pinned one: --node-image kindest/node:vX.Y.Z@sha256:…',
    },
  ];
}

export function isWsl(host: Host): boolean {
  if (host.platform !== 'linux') return false;
  if (host.env.WSL_DISTRO_NAME) return true;
  return /microsoft/i.test(host.readFile('/proc/sys/kernel/osrelease') ?? host.readFile('/proc/version') ?? '');
}

function checkNode(host: Host): Check {
  const v = parseVersion(host.nodeVersion);
  if (v && atLeast(v, MIN_NODE)) return { id: 'node', level: 'ok', summary: `Node ${v.raw}` };
  return {
    id: 'node',
    level: 'fail',
    summary: `Node v${host.nodeVersion} is older than v${MIN_NODE}`,
    why: 'hpa-lab runs its TypeScript directly on Node, and its libraries (client-node, listr2, execa) need Node 22+',
    fix: 'nvm install 24 && nvm use 24   (the repository’s .nvmrc says 24)',
  };
}

/** Runs `tool args`, mapping "not on PATH" to undefined. */
async function tryRun(runner: Runner, tool: string, args: string[]) {
  try {
    return await runner.run(tool, args, { check: false, timeoutMs: 15_000 });
  } catch (err) {
    if (err instanceof MissingToolError) return undefined;
    if (err instanceof ToolError) return { exitCode: 1, stdout: '', stderr: err.output };
    throw err;
  }
}

async function checkDocker(runner: Runner, wsl: boolean): Promise<Check> {
  let r;
  try {
    r = await readDockerVersions(runner);
  } catch (err) {
    if (err instanceof MissingToolError) return { id: 'docker', level: 'fail', summary: 'docker is not installed (not on PATH)', ...missingToolHelp('docker', wsl) };
    if (!(err instanceof ToolError)) throw err;
    r = { exitCode: 1, stdout: '', stderr: err.output, versions: {} };
  }
  const { client, server } = r.versions;
  if (r.exitCode !== 0 || !server?.version) {
    const said = firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.exitCode}`;
    return {
      id: 'docker',
      level: 'fail',
      summary: `the Docker daemon is not reachable: ${said}`,
      ...dockerUnreachableHelp(`${r.stderr}\n${r.stdout}`, wsl),
    };
  }
  const versions = `Docker daemon ${server.version} (API ${server.api}), client ${client?.version ?? '?'}`;
  const old = tooOld(r.versions);
  if (old.length) {
    return {
      id: 'docker',
      level: 'fail',
      summary: `${old.join('; ')}`,
      why: `kind starts every node container with --cgroupns=private, which needs Docker ${MIN_DOCKER} (API ${MIN_DOCKER_API}) on both sides; an older daemon refuses it, so no cluster can be created`,
      fix: wsl ? 'update Docker Desktop, or Docker Engine inside WSL: https://docs.docker.com/engine/install/' : 'update Docker Engine (client and daemon): https://docs.docker.com/engine/install/ (distribution packages such as Debian’s docker.io may lag: use Docker’s own repository)',
    };
  }
  if (!saveHasPlatform(r.versions)) {
    // Stated, not blocking: single-platform saves are used only on the containerd image store (its check says so).
    return { id: 'docker', level: 'ok', summary: `${versions} reachable; without \`docker image save --platform\` (client ${SAVE_PLATFORM_CLIENT}+ and daemon API ${SAVE_PLATFORM_API}+, Docker 28)` };
  }
  return { id: 'docker', level: 'ok', summary: `${versions} reachable` };
}

async function checkKind(runner: Runner): Promise<Check> {
  const { fix } = missingToolHelp('kind');
  const r = await tryRun(runner, 'kind', ['version']);
  if (!r) return { id: 'kind', level: 'fail', summary: 'kind is not installed (not on PATH)', ...missingToolHelp('kind') };
  const v = parseVersion(r.stdout);
  if (r.exitCode !== 0 || !v) return { id: 'kind', level: 'fail', summary: `kind version did not answer: ${firstLine(r.stderr) || firstLine(r.stdout)}`, fix };
  if (!atLeast(v, MIN_KIND)) {
    return {
      id: 'kind',
      level: 'fail',
      summary: `kind ${v.raw} is older than v${MIN_KIND}`,
      why: `the lab pins kind v${MIN_KIND}'s node image (Kubernetes v1.36.1); node images are built for the kind release that ships them`,
      fix,
    };
  }
  return { id: 'kind', level: 'ok', summary: `kind ${v.raw}` };
}

export async function checkHelm(runner: Runner): Promise<Check> {
  const { fix } = missingToolHelp('helm');
  const r = await tryRun(runner, 'helm', ['version', '--short']);
  if (!r) return { id: 'helm', level: 'fail', summary: 'helm is not installed (not on PATH)', ...missingToolHelp('helm') };
  const v = parseVersion(r.stdout);
  if (r.exitCode !== 0 || !v) return { id: 'helm', level: 'fail', summary: `helm version did not answer: ${firstLine(r.stderr) || firstLine(r.stdout)}`, fix };
  if (!atLeast(v, MIN_HELM)) {
    return { id: 'helm', level: 'fail', summary: `helm ${v.raw} is older than v${MIN_HELM}`, why: 'older Helm 3 releases lack features the pinned charts rely on', fix };
  }
  return { id: 'helm', level: 'ok', summary: `helm ${v.raw}${v.major >= 4 ? ' (Helm 4)' : ' (Helm 3)'}` };
}

async function checkKubectl(runner: Runner): Promise<Check> {
  const { fix } = missingToolHelp('kubectl');
  const r = await tryRun(runner, 'kubectl', ['version', '--client', '-o', 'json']);
  if (!r) return { id: 'kubectl', level: 'warn', summary: 'kubectl is not installed (not on PATH)', ...missingToolHelp('kubectl') };
  let v;
  try {
    v = parseVersion((JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '');
  } catch {
    v = parseVersion(r.stdout);
  }
  if (!v) return { id: 'kubectl', level: 'warn', summary: `kubectl version did not answer: ${firstLine(r.stderr)}`, fix };
  if (!atLeast(v, MIN_KUBECTL)) {
    return {
      id: 'kubectl',
      level: 'warn',
      summary: `kubectl ${v.raw} is more than one minor version behind the cluster (v1.36)`,
      why: 'the walkthrough’s commands usually still work, but that version skew is unsupported',
      fix,
    };
  }
  return { id: 'kubectl', level: 'ok', summary: `kubectl ${v.raw}` };
}

async function checkPorts(host: Host, mappings: PortMapping[], clusterExists: boolean): Promise<Check[]> {
  if (clusterExists) {
    return [{ id: 'ports', level: 'ok', summary: `ports ${mappings.map((m) => m.hostPort).join(', ')} belong to the existing cluster` }];
  }
  return Promise.all(
    mappings.map(async (m): Promise<Check> => {
      const free = await host.portFree(m.hostPort, m.listenAddress);
      if (free) return { id: `port-${m.hostPort}`, level: 'ok', summary: `${m.listenAddress}:${m.hostPort} is free` };
      return {
        id: `port-${m.hostPort}`,
        level: 'fail',
        summary: `${m.listenAddress}:${m.hostPort} is already in use`,
        why: `kind publishes NodePort ${m.containerPort} of the cluster there; Docker cannot bind a port another process holds`,
        fix: `find the process: ss -ltnp 'sport = :${m.hostPort}'   (another kind cluster? kind get clusters)`,
      };
    }),
  );
}

function checkInotify(host: Host): Check[] {
  if (host.platform !== 'linux') return [];
  const watches = Number(host.readFile('/proc/sys/fs/inotify/max_user_watches')?.trim());
  const instances = Number(host.readFile('/proc/sys/fs/inotify/max_user_instances')?.trim());
  if (!Number.isFinite(watches) || !Number.isFinite(instances) || (watches === 0 && instances === 0)) return [];
  if (watches >= INOTIFY_WATCHES && instances >= INOTIFY_INSTANCES) {
    return [{ id: 'inotify', level: 'ok', summary: `inotify limits ${watches} watches / ${instances} instances` }];
  }
  return [
    {
      id: 'inotify',
      level: 'warn',
      summary: `inotify limits are low: ${watches} watches / ${instances} instances (want ≥ ${INOTIFY_WATCHES} / ${INOTIFY_INSTANCES})`,
      why: 'kind nodes and the Prometheus stack exhaust them; pods then fail with "too many open files"',
      fix: [
        `sudo sysctl fs.inotify.max_user_watches=${INOTIFY_WATCHES}`,
        `sudo sysctl fs.inotify.max_user_instances=${INOTIFY_INSTANCES}`,
        `and to keep them: printf 'fs.inotify.max_user_watches=${INOTIFY_WATCHES}\\nfs.inotify.max_user_instances=${INOTIFY_INSTANCES}\\n' | sudo tee /etc/sysctl.d/99-kind.conf`,
      ].join('\n'),
    },
  ];
}

/**
 * What the lab needs, as estimated (not measured here): about 3 GiB free for the control-plane node with the
 * stack's pods (Prometheus, Grafana, the adapter, the app), and about 0.5 GiB more per worker node for what every
 * kind node runs itself (kubelet, containerd, kube-proxy, kindnet). Machines with less total memory than twice
 * that are warned about too: the rest of the machine needs room as well.
 */
export const MEMORY_ESTIMATE = { baseBytes: 3 * GiB, perWorkerBytes: 0.5 * GiB };

function checkMemory(host: Host, workers: number): Check[] {
  const total = host.totalMemBytes();
  const avail = host.availableMemBytes();
  const gib = (n: number) => `${(n / GiB).toFixed(1)} GiB`;
  const need = MEMORY_ESTIMATE.baseBytes + workers * MEMORY_ESTIMATE.perWorkerBytes;
  const nodes = workers ? ` on ${workers + 1} nodes` : '';
  if (total < 2 * need || avail < need) {
    return [
      {
        id: 'memory',
        level: 'warn',
        summary: `memory is low: ${gib(avail)} available of ${gib(total)}; the lab${nodes} needs about ${gib(need)}`,
        why: `the lab (kind node, Prometheus, Grafana, adapter, app) needs about ${gib(MEMORY_ESTIMATE.baseBytes)}${workers ? `, and each of the ${workers} worker node${workers === 1 ? '' : 's'} about ${gib(MEMORY_ESTIMATE.perWorkerBytes)} more (an estimate)` : ''}; below that pods are evicted or OOM-killed`,
        fix: `close other programs${workers ? ', or use fewer --workers' : ''}; on WSL raise the limit in %UserProfile%\\.wslconfig ([wsl2] memory=8GB) and run \`wsl --shutdown\``,
      },
    ];
  }
  return [{ id: 'memory', level: 'ok', summary: `memory ${gib(avail)} available of ${gib(total)} (the lab${nodes} needs about ${gib(need)})` }];
}

function wslHints(): Check[] {
  return [
    {
      id: 'wsl',
      level: 'info',
      summary: 'WSL detected',
      why: 'known WSL issues: kind create can fail with "error adding pid … to cgroups" on old WSL kernels; Services with sessionAffinity: ClientIP break on the stock kernel',
      fix: 'run `wsl --update` in Windows; the lab’s ports are on 127.0.0.1, which Windows reaches as localhost through WSL’s port forwarding',
    },
  ];
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

const MARK: Record<Check['level'], string> = { ok: '✔', warn: '!', fail: '✖', info: 'i' };

/** Checks as the person reads them: a mark, the level, the summary, then why and fix for problems. */
export function formatChecks(checks: Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${MARK[c.level]} ${c.level.padEnd(4)} ${c.summary}`);
    if (c.level !== 'ok') {
      if (c.why) lines.push(`         why: ${c.why}`);
      if (c.fix) lines.push(`         fix: ${c.fix.split('\n').join('\n              ')}`);
    }
  }
  return lines.join('\n');
}

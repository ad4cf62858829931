// Stand-in for `kind` (emulates kind v0.32.0) backed by the simulated machine under $HPA_LAB_SIM_HOME.
// Commands, flags and error texts follow kind; see test/sim/README.md for what is simulated.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CliError, execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { destroyCluster, listClusters, readCluster, startNodeProcess, writeCluster, type ClusterRecord, type HostPortRecord } from './lib/clusters.ts';
import { ExitError, runMain, simHome, statePaths } from './lib/env.ts';
import { DOCKER_DOWN_MESSAGE, processFaults, type Faults } from './lib/faults.ts';
import { formatGoDuration } from './lib/goduration.ts';
import { findImage, imageNames } from './lib/images.ts';
import {
  decodeKindConfig,
  defaultKindConfig,
  friendlyImageName,
  KindConfigError,
  kubernetesVersionOf,
  nodeContainers,
  validateKindConfig,
  type KindCluster,
} from './lib/kindconfig.ts';
import { clusterKubeconfig, contextName, exportKubeconfig, removeFromKubeconfig, renderKubeconfig } from './lib/kubeconfig.ts';

const GO_VERSIONS: Record<string, string> = { '0.20.0': 'go1.20.4', '0.22.0': 'go1.20.13', '0.23.0': 'go1.21.10', '0.24.0': 'go1.22.6', '0.25.0': 'go1.22.9', '0.26.0': 'go1.23.4', '0.27.0': 'go1.24.0', '0.29.0': 'go1.24.2', '0.30.0': 'go1.24.6', '0.32.0': 'go1.25.4' };

function kindVersion(): string {
  return (process.env.HPA_LAB_SIM_KIND_VERSION ?? '0.32.0').replace(/^v/, '');
}

const home = simHome();
const faults: Faults = processFaults();
const paths = statePaths(home);

// ---- output like kind's logger: everything on stderr, errors as "ERROR: ..." ----

let quiet = false;
const info = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

/** kind's error: "ERROR: <message>" plus "Command Output: ..." for failed commands; exit 1. */
function fail(message: string, commandOutput?: string): never {
  process.stderr.write(`ERROR: ${message}\n`);
  if (commandOutput !== undefined) process.stderr.write(`Command Output: ${commandOutput}\n`);
  throw new ExitError(1);
}

/** kind's status spinner without a TTY prints " • step  ..." when starting and " ✓ step" / " ✗ step" when done. */
class Status {
  private current: string | undefined;
  private readonly tty = Boolean(process.stderr.isTTY);

  start(step: string): void {
    this.end(true);
    this.current = step;
    if (!this.tty) info(` • ${step}  ...`);
  }

  end(ok: boolean): void {
    if (this.current === undefined) return;
    info(` ${ok ? '✓' : '✗'} ${this.current}`);
    this.current = undefined;
  }
}

function dockerPsCommand(name: string): string {
  return `docker ps -a --filter label=io.x-k8s.kind.cluster=${name} --format '{{.Names}}'`;
}

/** kind lists its node containers with `docker ps` before nearly everything; with Docker down that fails. */
function requireDocker(wrap: string, name?: string): void {
  if (!faults.has('docker-down')) return;
  const cmd = name === undefined ? `docker ps -a --filter label=io.x-k8s.kind.cluster --format '{{.Label "io.x-k8s.kind.cluster"}}'` : dockerPsCommand(name);
  fail(`${wrap}command "${cmd}" failed with error: exit status 1`, DOCKER_DOWN_MESSAGE);
}

/** KIND_CLUSTER_NAME overrides the default of --name when the flag is not given (kind's OverrideDefaultName). */
function clusterName(inv: Invocation): string {
  if (inv.flags.changed('name')) return inv.flags.string('name');
  return process.env.KIND_CLUSTER_NAME || 'kind';
}

function serverURL(rec: ClusterRecord): string {
  return `http://${rec.apiAddress}:${rec.apiPort}`;
}

/** A free port for the API server, chosen the way kind does (listen on :0, close, publish that port). */
function pickFreePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function dockerRunCommand(node: string, cluster: string, image: string, ports: HostPortRecord[], apiAddress: string, apiPort: number): string {
  const publish = ports.map((p) => `--publish=${p.listenAddress}:${p.hostPort}:${p.containerPort}/${p.protocol}`);
  publish.push(`--publish=${apiAddress}:${apiPort}:6443/TCP`);
  return [
    `docker run --name ${node} --hostname ${node} --label io.x-k8s.kind.role=control-plane --privileged`,
    '--security-opt seccomp=unconfined --security-opt apparmor=unconfined --tmpfs /tmp --tmpfs /run --volume /var',
    `--volume /lib/modules:/lib/modules:ro -e KIND_EXPERIMENTAL_CONTAINERD_SNAPSHOTTER --detach --tty --label io.x-k8s.kind.cluster=${cluster}`,
    `--net kind --restart=on-failure:1 --init=false --cgroupns=private ${publish.join(' ')} -e KUBECONFIG=/etc/kubernetes/admin.conf ${image}`,
  ].join(' ');
}

function kubeadmFailureOutput(node: string, k8sVersion: string): string {
  const t = new Date();
  const stamp = `${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')} ${t.toISOString().slice(11, 23)}000`;
  return [
    `I${stamp}     195 initconfiguration.go:261] loading configuration from "/kind/kubeadm.conf"`,
    `W${stamp}     195 initconfiguration.go:348] [config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=JoinConfiguration`,
    `[init] Using Kubernetes version: ${k8sVersion}`,
    '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
    '[certs] Generating "ca" certificate and key',
    `[certs] apiserver serving cert is signed for DNS names [${node} kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local localhost] and IPs [10.96.0.1 172.18.0.2 127.0.0.1]`,
    '[kubeconfig] Writing "admin.conf" kubeconfig file',
    '[control-plane] Creating static Pod manifest for "kube-apiserver"',
    '[kubelet-start] Starting the kubelet',
    '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
    '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
    '[kubelet-check] The kubelet is not healthy after 4m0.000512316s',
    '',
    'Unfortunately, an error has occurred, likely caused by:',
    '\t- The kubelet is not running',
    '\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)',
    '',
    'If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:',
    "\t- 'systemctl status kubelet'",
    "\t- 'journalctl -xeu kubelet'",
    '',
    'kubelet.service journal:',
    `\tkubelet[1234]: E1127 run.go:72] "command failed" err="failed to run Kubelet: failed to create kubelet: open /sys/fs/cgroup/kubepods.slice/cgroup.procs: error adding pid 1234 to cgroups: write /sys/fs/cgroup/kubepods.slice/cgroup.procs: operation not supported"`,
    '\tkubelet[1234]: kubelet.service: Main process exited, code=exited, status=1/FAILURE',
    'error execution phase wait-control-plane: failed while waiting for the kubelet to start: The HTTP call equal to \'curl -sSL http://127.0.0.1:10248/healthz\' returned error: Get "http://127.0.0.1:10248/healthz": dial tcp 127.0.0.1:10248: connect: connection refused',
    'To see the stack trace of this error execute with --v=5 or higher',
  ].join('\n');
}

async function waitForReady(rec: ClusterRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${serverURL(rec)}/api/v1/nodes/${rec.nodes[0] ?? ''}`);
      const node = (await res.json()) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      if (node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return true;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// ---- kind create cluster ----

async function createCluster(inv: Invocation): Promise<number> {
  const f = inv.flags;
  requireDocker('failed to create cluster: failed to list nodes: ', f.changed('name') ? f.string('name') : process.env.KIND_CLUSTER_NAME || 'kind');
  let cfg: KindCluster;
  try {
    if (f.string('config')) {
      const file = f.string('config');
      let raw: string;
      try {
        raw = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      } catch (err) {
        throw new KindConfigError(`error reading file: open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      }
      cfg = decodeKindConfig(raw);
    } else cfg = defaultKindConfig();
    // Name precedence: --name, then KIND_CLUSTER_NAME, then the config's name, then "kind".
    if (f.changed('name')) cfg.name = f.string('name');
    else if (process.env.KIND_CLUSTER_NAME) cfg.name = process.env.KIND_CLUSTER_NAME;
    else cfg.name ||= 'kind';
    if (f.string('image')) for (const n of cfg.nodes) n.image = f.string('image');
    validateKindConfig(cfg);
  } catch (err) {
    if (err instanceof KindConfigError) fail(`failed to create cluster: ${err.message}`);
    throw err;
  }
  const name = cfg.name;
  if (readCluster(home, name)) fail(`failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);

  const image = cfg.nodes[0]?.image ?? '';
  const k8sVersion = kubernetesVersionOf(image);
  const containers = nodeContainers(name, cfg.nodes);
  const nodes = containers.map((c) => c.name);
  const hostPorts: HostPortRecord[] = (cfg.nodes[0]?.extraPortMappings ?? []).map((pm) => ({ ...pm }));
  const apiAddress = cfg.networking.apiServerAddress;
  const apiPort = cfg.networking.apiServerPort > 0 ? cfg.networking.apiServerPort : await pickFreePort(apiAddress);
  const retain = f.bool('retain');
  const status = new Status();

  info(`Creating cluster "${name}" ...`);
  status.start(`Ensuring node image (${friendlyImageName(image)}) 🖼`);
  status.start(`Preparing nodes ${'📦 '.repeat(cfg.nodes.length)}`);
  const rec: ClusterRecord = { name, pid: null, apiPort: null, apiAddress, hostPorts, image, kubernetesVersion: k8sVersion, nodes, createdAt: new Date().toISOString(), phase: 'creating', images: [] };
  writeCluster(home, rec);
  const kubeadmFails = faults.has('kind-create-fail');
  const report = await startNodeProcess({ home, name, nodes: containers, hostPorts, apiAddress, apiPort, kubernetesVersion: k8sVersion, serveApi: !kubeadmFails });
  if (!report.ok) {
    status.end(false);
    destroyCluster(home, name);
    const node = nodes[0] ?? `${name}-control-plane`;
    const { address, port } = report.bindError;
    fail(
      `failed to create cluster: command "${dockerRunCommand(node, name, image, hostPorts, apiAddress, apiPort)}" failed with error: exit status 125`,
      `docker: Error response from daemon: driver failed programming external connectivity on endpoint ${node} (${'0123456789abcdef'.repeat(4)}): Bind for ${address}:${port} failed: port is already allocated.`,
    );
  }
  rec.pid = report.pid;
  rec.hostPorts = report.hostPorts;
  writeCluster(home, rec);
  status.start('Writing configuration 📜');
  status.start('Starting control-plane 🕹️');
  if (kubeadmFails) {
    status.end(false);
    const node = nodes[0] ?? `${name}-control-plane`;
    if (retain) {
      rec.phase = 'failed';
      writeCluster(home, rec);
    } else destroyCluster(home, name);
    fail(
      `failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged ${node} kubeadm init --skip-phases=preflight --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1`,
      kubeadmFailureOutput(node, k8sVersion),
    );
  }
  rec.apiPort = report.apiPort;
  rec.phase = 'running';
  writeCluster(home, rec);
  status.start('Installing CNI 🔌');
  status.start('Installing StorageClass 💾');
  if (cfg.nodes.filter((n) => n.role === 'control-plane').length > 1) status.start('Joining more control-plane nodes 🎮');
  if (cfg.nodes.some((n) => n.role === 'worker')) status.start('Joining worker nodes 🚜');
  const waitMs = f.durationMs('wait');
  if (waitMs > 0) {
    const t0 = Date.now();
    status.start(`Waiting ≤ ${formatGoDuration(waitMs)} for control-plane = Ready ⏳`);
    const ok = await waitForReady(rec, waitMs);
    status.end(ok);
    info(ok ? ` • Ready after ${formatGoDuration(Math.round((Date.now() - t0) / 1000) * 1000)} 💚` : ' • WARNING: Timed out waiting for Ready ⚠️');
  }
  status.end(true);
  exportKubeconfig(name, serverURL(rec), f.string('kubeconfig'));
  info(`Set kubectl context to "${contextName(name)}"`);
  info('You can now use your cluster with:\n');
  info(`kubectl cluster-info --context ${contextName(name)}\n`);
  info('Have a nice day! 👋');
  return 0;
}

// ---- kind delete ----

function deleteOne(name: string, kubeconfig: string): void {
  info(`Deleting cluster "${name}" ...`);
  destroyCluster(home, name);
  removeFromKubeconfig(name, kubeconfig);
}

function deleteCluster(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  requireDocker(`failed to delete cluster "${name}": failed to list nodes: `, name);
  deleteOne(name, inv.flags.string('kubeconfig'));
  return Promise.resolve(0);
}

function deleteClusters(inv: Invocation): Promise<number> {
  requireDocker('failed to list clusters: ');
  const names = inv.flags.bool('all') ? listClusters(home) : inv.args;
  if (!inv.flags.bool('all') && names.length === 0) fail('no cluster names provided; use --all to delete all clusters');
  for (const n of names) if (readCluster(home, n)) deleteOne(n, inv.flags.string('kubeconfig'));
  info(`Deleted clusters: [${names.map((n) => `"${n}"`).join(' ')}]`);
  return Promise.resolve(0);
}

// ---- kind get / export ----

function getClusters(): Promise<number> {
  requireDocker('failed to list clusters: ');
  const names = listClusters(home);
  if (names.length === 0) info('No kind clusters found.');
  for (const n of names) process.stdout.write(`${n}\n`);
  return Promise.resolve(0);
}

function getNodes(inv: Invocation): Promise<number> {
  const all = inv.flags.bool('all-clusters');
  const name = clusterName(inv);
  requireDocker('failed to list nodes: ', all ? undefined : name);
  const clusters = all ? listClusters(home) : [name];
  const nodes = clusters.flatMap((c) => readCluster(home, c)?.nodes ?? []);
  if (nodes.length === 0) info(all ? 'No kind nodes found.' : `No kind nodes found for cluster "${name}".`);
  for (const n of nodes) process.stdout.write(`${n}\n`);
  return Promise.resolve(0);
}

/** The cluster's kubeconfig as kind reads it from the control-plane node. */
function kubeconfigFor(name: string, internal: boolean): { rec: ClusterRecord; server: string } {
  requireDocker('failed to list nodes: ', name);
  const rec = readCluster(home, name);
  if (!rec) fail(`could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster`);
  const node = rec.nodes[0] ?? `${name}-control-plane`;
  if (rec.apiPort === null) {
    fail(`failed to get cluster internal kubeconfig: command "docker exec --privileged ${node} cat /etc/kubernetes/admin.conf" failed with error: exit status 1`, 'cat: /etc/kubernetes/admin.conf: No such file or directory');
  }
  return { rec, server: internal ? `http://${node}:6443` : serverURL(rec) };
}

function getKubeconfig(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  const { server } = kubeconfigFor(name, inv.flags.bool('internal'));
  process.stdout.write(renderKubeconfig(clusterKubeconfig(name, server)));
  return Promise.resolve(0);
}

function exportKubeconfigCmd(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  const { server } = kubeconfigFor(name, inv.flags.bool('internal'));
  exportKubeconfig(name, server, inv.flags.string('kubeconfig'));
  info(`Set kubectl context to "${contextName(name)}"`);
  return Promise.resolve(0);
}

function exportLogs(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  requireDocker('failed to list nodes: ', name);
  const rec = readCluster(home, name);
  if (!rec) fail(`unknown cluster "${name}"`);
  const dir = inv.args[0] ? path.resolve(inv.args[0]) : mkdtempSync(path.join(os.tmpdir(), ''));
  info(`Exporting logs for cluster "${name}" to:`);
  process.stdout.write(`${dir}\n`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'kind-version.txt'), `kind v${kindVersion()} (simulated)\n`);
  writeFileSync(path.join(dir, 'docker-info.txt'), 'Server Version: 28.2.2 (simulated)\n');
  for (const node of rec.nodes) {
    const nd = path.join(dir, node);
    mkdirSync(nd, { recursive: true });
    writeFileSync(path.join(nd, 'kubernetes-version.txt'), `${rec.kubernetesVersion}\n`);
    writeFileSync(path.join(nd, 'containerd.log'), 'level=info msg="containerd successfully booted" (simulated)\n');
    writeFileSync(path.join(nd, 'kubelet.log'), `kubelet ${rec.kubernetesVersion} (simulated): node ${node} registered\n`);
    writeFileSync(path.join(nd, 'inspect.json'), JSON.stringify([{ Name: `/${node}`, State: { Status: rec.pid ? 'running' : 'exited' }, Config: { Image: rec.image } }], null, 2));
    const apiLog = path.join(paths.nodeDir(name), 'apiserver.log');
    if (existsSync(apiLog)) copyFileSync(apiLog, path.join(nd, 'kube-apiserver.log'));
  }
  return Promise.resolve(0);
}

// ---- kind load docker-image ----

/**
 * The kubelet lists a loaded image in its Node's status.images (names docker.io/REPO:TAG and REPO:TAG), which is
 * what `kubectl get node -o yaml` shows and what the simulated kubelet checks before starting a pod.
 */
async function reportNodeImages(rec: ClusterRecord, nodes: string[], loaded: Array<{ img: string; id: string }>): Promise<void> {
  if (!rec.apiPort) return;
  const base = `http://${rec.apiAddress || '127.0.0.1'}:${rec.apiPort}/api/v1/nodes`;
  for (const node of nodes) {
    try {
      const res = await fetch(`${base}/${node}`);
      if (!res.ok) continue;
      const cur = (await res.json()) as { status?: { images?: Array<{ names?: string[]; sizeBytes?: number }> } };
      let images = cur.status?.images ?? [];
      for (const { img, id } of loaded) {
        const names = imageNames(img);
        images = images.filter((i) => !(i.names ?? []).some((n) => names.includes(n)));
        const repo = (names[0] ?? img).replace(/:[^/:]*$/, '');
        images.push({ names: [...names, `${repo}@${id}`], sizeBytes: 50_000_000 + (parseInt(id.slice(7, 13), 16) % 100_000_000) });
      }
      await fetch(`${base}/${node}/status`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ status: { images } }) });
    } catch {
      // The node's API is not answering (a failed cluster): the images are loaded, the kubelet did not report.
    }
  }
}

async function loadDockerImage(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  const resolved = inv.args.map((img) => {
    const found = faults.has('docker-down') ? undefined : findImage(home, img);
    if (!found) fail(`image: "${img}" not present locally`);
    return { img, id: found.id };
  });
  const rec = readCluster(home, name);
  if (!rec) fail(`no nodes found for cluster "${name}"`);
  const wanted = inv.flags.strings('nodes');
  for (const n of wanted) if (!rec.nodes.includes(n)) fail(`unknown node: ${n}`);
  const targets = wanted.length ? wanted : rec.nodes.filter((n) => !n.endsWith('-external-load-balancer'));
  for (const { img, id } of resolved) {
    const present = rec.images.find((i) => i.name === img && i.id === id);
    if (present) {
      info(`Image: "${img}" with ID "${id}" found to be already present on all nodes.`);
      continue;
    }
    for (const n of targets) info(`Image: "${img}" with ID "${id}" not yet present on node "${n}", loading...`);
    rec.images = [...rec.images.filter((i) => i.name !== img), { name: img, id }];
  }
  writeCluster(home, rec);
  await reportNodeImages(rec, targets, resolved);
  return 0;
}

// ---- command tree ----

const nameFlag = (usage = 'the cluster context name'): FlagDef => ({ name: 'name', short: 'n', kind: 'string', default: 'kind', usage });
const kubeconfigFlag: FlagDef = { name: 'kubeconfig', kind: 'string', usage: 'sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config' };

/** kind's group commands print their help and fail with "Subcommand is required". */
function group(name: string, short: string, subcommands: Command[]): Command {
  return {
    name,
    short,
    args: 'none',
    subcommands,
    run: (inv) => {
      process.stdout.write(`${short}\n\nUsage:\n  kind ${name} [command]\n\nAvailable Commands:\n${subcommands.map((c) => `  ${c.name.padEnd(12)} ${c.short}`).join('\n')}\n`);
      throw new CliError('run', inv.path, 'Subcommand is required');
    },
  };
}

const notSimulated = (what: string) => (): Promise<number> => fail(`"kind ${what}" is not simulated (test/sim/kind.ts)`);

const root: Command = {
  name: 'kind',
  short: 'kind creates and manages local Kubernetes clusters using Docker container "nodes"',
  args: 'none',
  persistentFlags: [
    { name: 'loglevel', kind: 'string', usage: 'DEPRECATED: see -v instead', hidden: true },
    { name: 'verbosity', short: 'v', kind: 'int32', usage: 'info log verbosity, higher value produces more output' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'silence all stderr output' },
  ],
  flags: [{ name: 'version', kind: 'bool', usage: 'version for kind' }],
  run: (inv) => {
    if (inv.flags.bool('version')) {
      process.stdout.write(`kind version ${kindVersion()}\n`);
      return Promise.resolve(0);
    }
    process.stdout.write('kind creates and manages local Kubernetes clusters using Docker container "nodes"\n\nUsage:\n  kind [command]\n');
    return Promise.resolve(0);
  },
  subcommands: [
    group('create', 'Creates one of [cluster]', [
      {
        name: 'cluster',
        short: 'Creates a local Kubernetes cluster',
        args: 'none',
        flags: [
          nameFlag('cluster name, overrides KIND_CLUSTER_NAME, config (default kind)'),
          { name: 'config', kind: 'string', usage: 'path to a kind config file' },
          { name: 'image', kind: 'string', usage: 'node docker image to use for booting the cluster' },
          { name: 'retain', kind: 'bool', usage: 'retain nodes for debugging when cluster creation fails' },
          { name: 'wait', kind: 'duration', usage: 'wait for control plane node to be ready (default 0s)' },
          kubeconfigFlag,
        ],
        run: createCluster,
      },
    ]),
    group('delete', 'Deletes one of [cluster]', [
      { name: 'cluster', short: 'Deletes a cluster', args: 'none', flags: [nameFlag('the cluster name'), kubeconfigFlag], run: deleteCluster },
      {
        name: 'clusters',
        short: 'Deletes one or more clusters',
        args: 'any',
        flags: [{ name: 'all', short: 'A', kind: 'bool', usage: 'delete all clusters' }, kubeconfigFlag],
        run: deleteClusters,
      },
    ]),
    group('get', 'Gets one of [clusters, nodes, kubeconfig]', [
      { name: 'clusters', short: 'Lists existing kind clusters by their name', args: 'none', run: getClusters },
      { name: 'nodes', short: 'Lists existing kind nodes by their name', args: 'none', flags: [nameFlag(), { name: 'all-clusters', short: 'A', kind: 'bool', usage: 'If present, list all the available nodes across all cluster contexts.' }], run: getNodes },
      { name: 'kubeconfig', short: 'Prints cluster kubeconfig', args: 'none', flags: [nameFlag(), { name: 'internal', kind: 'bool', usage: 'use internal address instead of external' }], run: getKubeconfig },
    ]),
    group('export', 'Exports one of [kubeconfig, logs]', [
      { name: 'kubeconfig', short: 'Exports cluster kubeconfig', args: 'none', flags: [nameFlag(), kubeconfigFlag, { name: 'internal', kind: 'bool', usage: 'use internal address instead of external' }], run: exportKubeconfigCmd },
      { name: 'logs', short: 'Exports logs to a tempdir or [output-dir] if specified', args: { min: 0, max: 1 }, use: '[output-dir] [flags]', flags: [nameFlag()], run: exportLogs },
    ]),
    group('load', 'Loads images into nodes', [
      { name: 'docker-image', short: 'Loads docker images from host into nodes', args: { min: 1, max: Infinity }, use: '<IMAGE> [IMAGE...] [flags]', flags: [nameFlag(), { name: 'nodes', kind: 'stringSlice', usage: 'comma separated list of nodes to load images into' }], run: loadDockerImage },
      { name: 'image-archive', short: 'Loads docker image from archive into nodes', args: { min: 1, max: Infinity }, flags: [nameFlag(), { name: 'nodes', kind: 'stringSlice', usage: 'comma separated list of nodes to load images into' }], run: notSimulated('load image-archive') },
    ]),
    group('build', 'Build one of [node-image]', [
      { name: 'node-image', short: 'Build the node image', args: { min: 0, max: 1 }, flags: [{ name: 'image', kind: 'string', usage: 'name:tag of the resulting image to be built' }, { name: 'base-image', kind: 'string', usage: 'name:tag of the base image to use for the build' }, { name: 'type', kind: 'string', usage: 'optionally specify one of' }, { name: 'arch', kind: 'string', usage: 'architecture to build for' }], run: notSimulated('build node-image') },
    ]),
    {
      name: 'version',
      short: 'Prints the kind CLI version',
      args: 'none',
      run: () => {
        const v = kindVersion();
        const platform = `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;
        process.stdout.write(`kind v${v} ${GO_VERSIONS[v] ?? 'go1.25.4'} ${platform}\n`);
        return Promise.resolve(0);
      },
    },
    { name: 'completion', short: 'Output shell completion code for the specified shell (bash, zsh or fish)', args: 'any', run: notSimulated('completion') },
  ],
};

runMain(async () => {
  const argv = process.argv.slice(2);
  // -q must silence progress even though it is parsed per command; peek at it before running.
  quiet = argv.includes('-q') || argv.includes('--quiet');
  return execute(root, argv, {
    stdout: (s) => process.stdout.write(s),
    onError: (err) => {
      process.stderr.write(`ERROR: ${err.message}\n`);
      return 1;
    },
  });
});

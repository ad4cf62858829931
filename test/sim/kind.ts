// Stand-in for `kind` (emulates kind v0.32.0) backed by the simulated machine under $HPA_LAB_SIM_HOME.
// Commands, flags and error texts follow kind; see docs/simulation-reference.md for what is simulated.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminCredentials, readAdminConf, tlsFetch, type TlsCredentials } from './lib/apiclient.ts';
import { CliError, execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { destroyCluster, listClusters, readCluster, startNodeProcess, writeCluster, type ClusterRecord, type HostPortRecord } from './lib/clusters.ts';
import { downInfo } from './lib/dockerinfo.ts';
import { ExitError, runMain, simHome, statePaths } from './lib/env.ts';
import { DOCKER_DOWN_MESSAGE, faultSeconds, processFaults, type Faults } from './lib/faults.ts';
import { dockerPublishError } from './lib/port-errors.ts';
import { formatGoDuration } from './lib/goduration.ts';
import { findImage, imageNames, normalizeRef } from './lib/images.ts';
import { loadedOnNode } from './lib/node-images.ts';
import { findStoredImage, imageOf, indexImages, missingContent, readImageArchive } from './lib/archives.ts';
import { hex, withDockerState } from './lib/containers.ts';
import { hostPull } from './lib/hostpull.ts';
import { timeScale } from './lib/upstream.ts';
import {
  decodeKindConfig,
  defaultKindConfig,
  friendlyImageName,
  KindConfigError,
  kubeletNodeLabelsError,
  kubernetesVersionOf,
  nodeContainers,
  providerPortMapping,
  unknownProtocol,
  validateKindConfig,
  type KindCluster,
} from './lib/kindconfig.ts';
import { clusterConfiguration, controllerManagerCommand, controllerManagerExtraArgs, KubeadmPatchError } from './lib/kubeadm.ts';
import { contextName, exportKubeconfig, kindKubeconfig, removeFromKubeconfig, renderKubeconfig, type KubeconfigDoc } from './lib/kubeconfig.ts';

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

/**
 * kind's logError (cmd/kind/app/main.go): "ERROR: <message>", and for a failed command (an exec.RunError in the
 * chain) "\nCommand Output: <its combined stdout+stderr>" — a blank line, then the output; the logger adds a
 * newline only when the text lacks one. Exit 1.
 */
function fail(message: string, commandOutput?: string): never {
  process.stderr.write(`ERROR: ${message}\n`);
  if (commandOutput !== undefined) process.stderr.write(`\nCommand Output: ${commandOutput}${commandOutput.endsWith('\n') ? '' : '\n'}`);
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

/**
 * kind lists its node containers with `docker ps` before nearly everything (provider.ListNodes wraps "failed to
 * list nodes", ListClusters "failed to list clusters"); with Docker down that fails. `wrap` is what the caller
 * puts in front.
 */
function requireDocker(wrap: string, name?: string): void {
  if (!faults.has('docker-down')) return;
  const cmd = name === undefined ? `docker ps -a --filter label=io.x-k8s.kind.cluster --format '{{.Label "io.x-k8s.kind.cluster"}}'` : dockerPsCommand(name);
  fail(`${wrap}${name === undefined ? 'failed to list clusters' : 'failed to list nodes'}: command "${cmd}" failed with error: exit status 1`, `${DOCKER_DOWN_MESSAGE}\n`);
}

/** validateProvider → provider.Info(): `docker info --format '{{json .}}'`, wrapped "failed to get docker info". */
function requireDockerInfo(): void {
  if (!faults.has('docker-down')) return;
  fail(`failed to create cluster: failed to get docker info: command "docker info --format '{{json .}}'" failed with error: exit status 1`, `${JSON.stringify(downInfo())}\n${DOCKER_DOWN_MESSAGE}\n`);
}

/** KIND_CLUSTER_NAME overrides the default of --name when the flag is not given (kind's OverrideDefaultName). */
function clusterName(inv: Invocation): string {
  if (inv.flags.changed('name')) return inv.flags.string('name');
  return process.env.KIND_CLUSTER_NAME || 'kind';
}

/** "https://" + provider.GetAPIServerEndpoint: the host side of the node's published 6443. */
function serverURL(rec: ClusterRecord): string {
  const host = rec.apiAddress.includes(':') ? `[${rec.apiAddress}]` : rec.apiAddress;
  return `https://${host}:${rec.apiPort}`;
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

// ---- kubeadm inside the node ----

/** klog's header: Lmmdd hh:mm:ss.uuuuuu pid file:line] */
function klog(level: 'I' | 'W' | 'E', pid: number, where: string, msg: string, t = new Date()): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const micros = String(t.getUTCMilliseconds() * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0');
  return `${level}${p2(t.getUTCMonth() + 1)}${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}.${micros} ${String(pid).padStart(7)} ${where}] ${msg}`;
}

const KUBELET_FAIL_HINT = [
  '',
  'Unfortunately, an error has occurred, likely caused by:',
  '\t- The kubelet is not running',
  '\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)',
  '',
  'If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:',
  "\t- 'systemctl status kubelet'",
  "\t- 'journalctl -xeu kubelet'",
  '',
];

const KUBELET_HEALTHZ_ERROR = 'failed while waiting for the kubelet to start: The HTTP call equal to \'curl -sSL http://127.0.0.1:10248/healthz\' returned error: Get "http://127.0.0.1:10248/healthz": context deadline exceeded';

/** kubeadm at --v=6 prints the error with its stack (%+v); the frames are representative, not v1.36.1's lines. */
function kubeadmErrorTail(phase: string, cmd: 'init' | 'join'): string[] {
  const src = 'k8s.io/kubernetes/cmd/kubeadm/app';
  return [
    `error: error execution phase ${phase}: ${KUBELET_HEALTHZ_ERROR}`,
    `${src}/cmd/phases/workflow.(*Runner).Run.func1`,
    `\t${src}/cmd/phases/workflow/runner.go:262`,
    `${src}/cmd/phases/workflow.(*Runner).visitAll`,
    `\t${src}/cmd/phases/workflow/runner.go:450`,
    `${src}/cmd/phases/workflow.(*Runner).Run`,
    `\t${src}/cmd/phases/workflow/runner.go:234`,
    `${src}/cmd.newCmd${cmd === 'init' ? 'Init' : 'Join'}.func1`,
    `\t${src}/cmd/${cmd}.go:${cmd === 'init' ? 135 : 179}`,
    'github.com/spf13/cobra.(*Command).execute',
    '\tgithub.com/spf13/cobra@v1.10.0/command.go:1015',
    'github.com/spf13/cobra.(*Command).ExecuteC',
    '\tgithub.com/spf13/cobra@v1.10.0/command.go:1148',
    'github.com/spf13/cobra.(*Command).Execute',
    '\tgithub.com/spf13/cobra@v1.10.0/command.go:1071',
    `${src}.Run`,
    `\t${src}/kubeadm.go:48`,
    'main.main',
    '\tk8s.io/kubernetes/cmd/kubeadm/kubeadm.go:25',
    'runtime.main',
    '\truntime/proc.go:285',
    'runtime.goexit',
    '\truntime/asm_amd64.s:1700',
  ];
}

/**
 * What `kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6` prints when the kubelet never becomes
 * healthy (kubeadm v1.3x: "[kubelet-check] The kubelet is not healthy after 4m0s", then the troubleshooting
 * hint and the wait-control-plane error). kubeadm does not print the kubelet's own error: that is only in the
 * node's kubelet journal (`kind export logs` → kubelet.log). kind v0.32.0 prints this output as it is, after its
 * own error (pkg/cluster/internal/create/actions/kubeadminit/init.go: "failed to init node with kubeadm";
 * cmd/kind/app/main.go: "ERROR: %v", then "\nCommand Output: %s"), and nothing else. The lines are kubeadm's:
 * cmd/kubeadm/app/util/apiclient/wait.go (the kubelet check, "[kubelet-check] The kubelet is not healthy after %v",
 * the error "The HTTP call equal to 'curl -sSL %s' returned %s"), cmd/kubeadm/app/util/kubelet's kubeletFailMsg,
 * and the init phase's "failed while waiting for the kubelet to start", as the kubernetes/kubernetes versions the
 * index holds have them (not read at v1.36.1 byte for byte).
 */
function kubeadmInitFailure(node: string, k8sVersion: string): string {
  const pid = 180 + Math.floor(Math.random() * 60);
  const t = new Date();
  const i = (where: string, msg: string) => klog('I', pid, where, msg, t);
  return [
    i('initconfiguration.go:261', 'loading configuration from "/kind/kubeadm.conf"'),
    klog('W', pid, 'initconfiguration.go:348', '[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=JoinConfiguration', t),
    `[init] Using Kubernetes version: ${k8sVersion}`,
    '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
    i('certs.go:112', 'creating a new certificate authority for ca'),
    '[certs] Generating "ca" certificate and key',
    '[certs] Generating "apiserver" certificate and key',
    `[certs] apiserver serving cert is signed for DNS names [${node} kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local localhost] and IPs [10.96.0.1 172.18.0.2 127.0.0.1]`,
    '[certs] Generating "apiserver-kubelet-client" certificate and key',
    '[certs] Generating "front-proxy-ca" certificate and key',
    '[certs] Generating "front-proxy-client" certificate and key',
    '[certs] Generating "etcd/ca" certificate and key',
    '[certs] Generating "etcd/server" certificate and key',
    `[certs] etcd/server serving cert is signed for DNS names [${node} localhost] and IPs [172.18.0.2 127.0.0.1 ::1]`,
    '[certs] Generating "sa" key and public key',
    '[kubeconfig] Using kubeconfig folder "/etc/kubernetes"',
    '[kubeconfig] Writing "admin.conf" kubeconfig file',
    '[kubeconfig] Writing "super-admin.conf" kubeconfig file',
    '[kubeconfig] Writing "kubelet.conf" kubeconfig file',
    '[kubeconfig] Writing "controller-manager.conf" kubeconfig file',
    '[kubeconfig] Writing "scheduler.conf" kubeconfig file',
    '[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"',
    '[control-plane] Using manifest folder "/etc/kubernetes/manifests"',
    '[control-plane] Creating static Pod manifest for "kube-apiserver"',
    '[control-plane] Creating static Pod manifest for "kube-controller-manager"',
    '[control-plane] Creating static Pod manifest for "kube-scheduler"',
    '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"',
    '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
    '[kubelet-start] Starting the kubelet',
    i('loader.go:402', 'Config loaded from file:  /etc/kubernetes/admin.conf'),
    '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
    '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
    '[kubelet-check] The kubelet is not healthy after 4m0.000512316s',
    ...KUBELET_FAIL_HINT,
    ...kubeadmErrorTail('wait-control-plane', 'init'),
  ].join('\n') + '\n';
}

/** `kubeadm join --config /kind/kubeadm.conf --v=6` on a node whose kubelet never becomes healthy. */
function kubeadmJoinFailure(node: string, cluster: string): string {
  const pid = 140 + Math.floor(Math.random() * 40);
  const t = new Date();
  const i = (where: string, msg: string) => klog('I', pid, where, msg, t);
  return [
    i('join.go:421', '[preflight] found NodeName empty; using OS hostname as NodeName'),
    i('joinconfiguration.go:83', 'loading configuration from "/kind/kubeadm.conf"'),
    '[preflight] Running pre-flight checks',
    '[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
    `[preflight] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.`,
    i('kubelet.go:122', '[kubelet-start] writing bootstrap kubelet config file at /etc/kubernetes/bootstrap-kubelet.conf'),
    i('kubelet.go:137', '[kubelet-start] writing CA certificate at /etc/kubernetes/pki/ca.crt'),
    i('kubelet.go:158', `[kubelet-start] Checking for an existing Node in the cluster with name "${node}" and status "Ready"`),
    i('round_trippers.go:632', `"Response" verb="GET" url="https://${cluster}-control-plane:6443/api/v1/nodes/${node}?timeout=10s" status="404 Not Found" milliseconds=2`),
    '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
    '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"',
    '[kubelet-start] Starting the kubelet',
    '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
    '[kubelet-check] The kubelet is not healthy after 4m0.000408189s',
    ...KUBELET_FAIL_HINT,
    ...kubeadmErrorTail('kubelet-start', 'join'),
  ].join('\n') + '\n';
}

/**
 * The kubelet's journal on a node whose kubelet refused to start (component-base's cli.Run: "command failed" with its
 * error). An empty error (the kind-create-fail fault, whose cause is not modelled): systemd's lines only.
 */
function kubeletJournal(node: string, error: string, t = new Date()): string {
  const stamp = t.toUTCString().slice(8, 11) + ' ' + String(t.getUTCDate()).padStart(2, '0') + ' ' + t.toISOString().slice(11, 19);
  const pid = 200 + Math.floor(Math.random() * 100);
  const lines = [
    `${stamp} ${node} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.`,
    ...(error
      ? [
          `${stamp} ${node} kubelet[${pid}]: ${klog('E', pid, 'run.go:72', '"command failed" err=<', t)}`,
          ...error.split('\n').map((l) => `${stamp} ${node} kubelet[${pid}]: \t${l}`),
          `${stamp} ${node} kubelet[${pid}]:  >`,
        ]
      : []),
    `${stamp} ${node} systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE`,
    `${stamp} ${node} systemd[1]: kubelet.service: Failed with result 'exit-code'.`,
  ];
  return lines.join('\n') + '\n';
}

/** The admin credentials of a running cluster (kind itself uses the node's admin.conf the same way). */
function credentials(rec: ClusterRecord): TlsCredentials | undefined {
  try {
    return adminCredentials(home, rec.name);
  } catch {
    return undefined;
  }
}

async function waitForReady(rec: ClusterRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const creds = credentials(rec);
  while (Date.now() < deadline) {
    try {
      const res = await tlsFetch(`${serverURL(rec)}/api/v1/nodes/${rec.nodes[0] ?? ''}`, { signal: AbortSignal.timeout(5000) }, creds);
      const node = (await res.json()) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      if (node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return true;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** shellescape.Quote, as kind quotes the --kubeconfig path in its usage hint. */
function shellQuote(s: string): string {
  if (s === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
}

// ---- kind create cluster ----

/**
 * pkg/cluster/internal/providers/docker/images.go pullIfNotPresent: `docker inspect --type=image IMAGE`, else
 * `docker pull IMAGE`, retried 4 more times after 1, 2, 3, 4 s (scaled by HPA_LAB_SIM_TIME_SCALE here), then
 * `failed to pull image "IMAGE": command "docker pull IMAGE" failed with error: exit status 1` + its output.
 */
/** The minor version of a "v1.36.1" Kubernetes version (0 when it is not one). */
const minorOf = (version: string): number => Number(/^v1\.(\d+)\./.exec(version)?.[1] ?? 0);

async function ensureNodeImage(image: string, status: Status): Promise<void> {
  if (findImage(home, image)) return;
  let r = hostPull(home, image, 'kind');
  for (let i = 0; !r.ok && i < 4; i++) {
    await new Promise((res) => setTimeout(res, Math.round((i + 1) * 1000 * timeScale())));
    r = hostPull(home, image, 'kind');
  }
  if (!r.ok) {
    status.end(false);
    fail(`failed to create cluster: failed to pull image "${image}": command "docker pull ${image}" failed with error: exit status 1`, `${r.message}\n`);
  }
}

async function createCluster(inv: Invocation): Promise<number> {
  const f = inv.flags;
  // provider.Create applies the options first: the config is loaded (and decode errors reported) before
  // anything talks to Docker.
  let cfg: KindCluster;
  try {
    if (f.string('config')) {
      const file = f.string('config');
      let raw: string;
      try {
        raw = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      } catch (err) {
        if (file === '-') throw new KindConfigError(`error reading config from stdin: ${(err as Error).message}`);
        throw new KindConfigError(`error reading file: open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
      }
      cfg = decodeKindConfig(raw);
    } else cfg = defaultKindConfig();
  } catch (err) {
    if (err instanceof KindConfigError) fail(`failed to create cluster: ${err.message}`);
    throw err;
  }
  // internalcreate.Cluster: validateProvider (docker info), fixupOptions, alreadyExists (docker ps), Validate.
  requireDockerInfo();
  // Name precedence: --name, then KIND_CLUSTER_NAME (cli.OverrideDefaultName), then the config's name, then "kind".
  const override = f.changed('name') ? f.string('name') : process.env.KIND_CLUSTER_NAME || '';
  if (override) cfg.name = override;
  cfg.name ||= 'kind';
  if (f.string('image')) for (const n of cfg.nodes) n.image = f.string('image');
  const name = cfg.name;
  requireDocker('failed to create cluster: ', name);
  if (readCluster(home, name)) fail(`failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
  if (name.length > 50) info(`cluster name "${name}" is probably too long, this might not work properly on some systems`);
  try {
    validateKindConfig(cfg);
  } catch (err) {
    if (err instanceof KindConfigError) fail(`failed to create cluster: ${err.message}`);
    throw err;
  }

  const image = cfg.nodes[0]?.image ?? '';
  const k8sVersion = kubernetesVersionOf(image);
  const containers = nodeContainers(name, cfg.nodes);
  const nodes = containers.map((c) => c.name);
  const hostPorts: HostPortRecord[] = (cfg.nodes[0]?.extraPortMappings ?? []).map((pm) => providerPortMapping(pm, cfg.networking.ipFamily));
  const apiAddress = cfg.networking.apiServerAddress;
  const retain = f.bool('retain');
  const status = new Status();
  const bootstrap = containers.find((c) => c.role === 'control-plane')?.name ?? `${name}-control-plane`;
  // The kubelet of each node validates the --node-labels kind gives it; a refused one never starts.
  const kubeletFailures: Record<string, string> = {};
  for (const c of containers) {
    const err = c.role === 'external-load-balancer' ? undefined : kubeletNodeLabelsError(c.labels);
    if (err) kubeletFailures[c.name] = `failed to validate kubelet flags: ${err}`;
  }
  // On a cgroup v1 host a kubelet of Kubernetes ≥ 1.35 (failCgroupV1 defaults to true) refuses to start unless a
  // KubeletConfiguration patch sets failCgroupV1: false: cmd/kubelet/app/server.go wraps
  // pkg/kubelet/apis/config/validation/validation_linux.go's error (the config's %s dump after "path:" is cut here).
  if (faults.has('cgroup-v1') && minorOf(k8sVersion) >= 35 && !cfg.kubeadmConfigPatches.some((p) => /^\s*failCgroupV1\s*:\s*false\s*$/m.test(p) && /^\s*kind\s*:\s*KubeletConfiguration\s*$/m.test(p))) {
    for (const c of containers) {
      if (c.role !== 'external-load-balancer') kubeletFailures[c.name] ??= 'failed to validate kubelet configuration, error: kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is unsupported and will be removed in a future release, path: &{…}';
    }
  }
  // The kind-create-fail fault: the bootstrap node's kubelet exits at once; its own error is not modelled ('').
  if (faults.has('kind-create-fail')) kubeletFailures[bootstrap] ??= '';
  const registered = containers.filter((c) => c.role !== 'external-load-balancer' && kubeletFailures[c.name] === undefined);
  // kubeadm's ClusterConfiguration with the config's kubeadmConfigPatches (the cluster's, then the bootstrap
  // node's): the flags kubeadm gives kube-controller-manager's static pod.
  let kcmCommand: string[];
  try {
    const bootstrapNode = cfg.nodes.find((n) => n.role === 'control-plane');
    kcmCommand = controllerManagerCommand(name, controllerManagerExtraArgs(clusterConfiguration(k8sVersion, [...cfg.kubeadmConfigPatches, ...(bootstrapNode?.kubeadmConfigPatches ?? [])])));
  } catch (err) {
    if (err instanceof KubeadmPatchError) fail(`failed to create cluster: failed to generate kubeadm config content: ${err.message}`);
    throw err;
  }

  // validateProvider (pkg/cluster/internal/create/create.go): kind only warns on cgroup v1.
  if (faults.has('cgroup-v1')) info('cgroup v1 is deprecated in Kubernetes and will not be supported in a future kind release, please upgrade to cgroup v2');
  info(`Creating cluster "${name}" ...`);
  for (const nodeImage of new Set(cfg.nodes.map((n) => n.image))) {
    status.start(`Ensuring node image (${friendlyImageName(nodeImage)}) 🖼`);
    await ensureNodeImage(nodeImage, status);
  }
  status.start(`Preparing nodes ${'📦 '.repeat(cfg.nodes.length)}`);
  // The provider's ensureNetwork: the "kind" bridge network, made once and never removed by kind.
  withDockerState(home, (s) => {
    s.networks.kind ??= { name: 'kind', id: hex('network:kind'), created: new Date().toISOString(), driver: 'bridge' };
  });
  const protoErr = unknownProtocol(cfg);
  if (protoErr) {
    status.end(false);
    fail(`failed to create cluster: ${protoErr}`);
  }
  const apiPort = cfg.networking.apiServerPort > 0 ? cfg.networking.apiServerPort : await pickFreePort(apiAddress);
  const rec: ClusterRecord = { name, pid: null, apiPort: null, apiAddress, hostPorts, image, kubernetesVersion: k8sVersion, nodes, createdAt: new Date().toISOString(), phase: 'creating', images: [] };
  writeCluster(home, rec);
  const initFails = kubeletFailures[bootstrap] !== undefined;
  // `docker run` makes the container at once, whatever happens to kind afterwards: its pid is recorded as soon as
  // it exists, so a kind killed from here on leaves a node that `kind delete cluster` finds and removes.
  const onSpawn = (pid: number) => {
    rec.pid = pid;
    writeCluster(home, rec);
  };
  const report = await startNodeProcess({ home, name, nodes: containers, registered, hostPorts, apiAddress, apiPort, kubernetesVersion: k8sVersion, serveApi: !initFails, controllerManagerCommand: kcmCommand, onSpawn });
  if (!report.ok) {
    status.end(false);
    destroyCluster(home, name);
    const { address, port } = report.bindError;
    fail(
      `failed to create cluster: command "${dockerRunCommand(bootstrap, name, image, hostPorts, apiAddress, apiPort)}" failed with error: exit status 125`,
      `docker: Error response from daemon: ${dockerPublishError({ home, endpoint: bootstrap, self: name, hash: '0123456789abcdef'.repeat(4), address, port, containerIp: '172.18.0.2', containerPort: hostPorts.find((p) => p.hostPort === port)?.containerPort ?? (port === apiPort ? 6443 : port) })}\n\nRun 'docker run --help' for more information\n`,
    );
  }
  rec.pid = report.pid;
  rec.hostPorts = report.hostPorts;
  rec.apiPort = report.apiPort;
  if (Object.keys(kubeletFailures).length) rec.kubeletFailures = kubeletFailures;
  writeCluster(home, rec);
  status.start('Writing configuration 📜');
  status.start('Starting control-plane 🕹️');
  const slow = faultSeconds(faults, 'kind-create-slow');
  if (slow > 0) await new Promise((r) => setTimeout(r, slow * 1000));
  /** A failed action: nothing is left unless --retain (then the node containers stay, as kind leaves them). */
  const actionFailed = (message: string, output: string): never => {
    status.end(false);
    if (retain) {
      rec.phase = 'failed';
      writeCluster(home, rec);
    } else destroyCluster(home, name);
    fail(message, output);
  };
  if (initFails) {
    const output = kubeadmInitFailure(bootstrap, k8sVersion);
    actionFailed(`failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged ${bootstrap} kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1`, output);
  }
  rec.phase = 'running';
  writeCluster(home, rec);
  status.start('Installing CNI 🔌');
  status.start('Installing StorageClass 💾');
  const joinFailure = (role: string) => containers.find((c) => c.role === role && c.name !== bootstrap && kubeletFailures[c.name]);
  const joining: Array<[string, string]> = [
    ['control-plane', 'Joining more control-plane nodes 🎮'],
    ['worker', 'Joining worker nodes 🚜'],
  ];
  for (const [role, step] of joining) {
    if (!containers.some((c) => c.role === role && c.name !== bootstrap)) continue;
    status.start(step);
    const failed = joinFailure(role);
    if (failed) {
      actionFailed(`failed to create cluster: failed to join node with kubeadm: command "docker exec --privileged ${failed.name} kubeadm join --config /kind/kubeadm.conf --v=6" failed with error: exit status 1`, kubeadmJoinFailure(failed.name, name));
    }
  }
  const waitMs = f.durationMs('wait');
  if (waitMs > 0) {
    const t0 = Date.now();
    status.start(`Waiting ≤ ${formatGoDuration(waitMs)} for control-plane = Ready ⏳`);
    const ok = await waitForReady(rec, waitMs);
    status.end(ok);
    info(ok ? ` • Ready after ${formatGoDuration(Math.round((Date.now() - t0) / 1000) * 1000)} 💚` : ' • WARNING: Timed out waiting for Ready ⚠️');
  }
  status.end(true);
  const explicit = f.string('kubeconfig');
  exportKubeconfig(kubeconfigFor(name, false), explicit);
  info(`Set kubectl context to "${contextName(name)}"`);
  info('You can now use your cluster with:\n');
  info(`kubectl cluster-info --context ${contextName(name)}${explicit ? ` --kubeconfig ${shellQuote(explicit)}` : ''}\n`);
  info('Have a nice day! 👋');
  return 0;
}

// ---- kind delete ----

const quoteList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** internal delete.Cluster: kubeconfig entries removed, the node containers deleted ("Deleted nodes: […]"). */
function deleteOne(name: string, kubeconfig: string): void {
  const nodes = readCluster(home, name)?.nodes ?? [];
  removeFromKubeconfig(name, kubeconfig);
  if (nodes.length) {
    destroyCluster(home, name);
    info(`Deleted nodes: ${quoteList(nodes)}`);
  } else destroyCluster(home, name);
}

function deleteCluster(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  info(`Deleting cluster "${name}" ...`);
  requireDocker(`failed to delete cluster "${name}": error listing nodes: `, name);
  deleteOne(name, inv.flags.string('kubeconfig'));
  return Promise.resolve(0);
}

function deleteClusters(inv: Invocation): Promise<number> {
  const all = inv.flags.bool('all');
  if (!all && inv.args.length === 0) fail('no cluster names provided');
  if (all) requireDocker('failed listing clusters for delete: ');
  const names = all ? listClusters(home) : inv.args;
  const deleted: string[] = [];
  for (const n of names) {
    if (faults.has('docker-down')) {
      info(`failed to delete cluster "${n}": error listing nodes: failed to list nodes: command "${dockerPsCommand(n)}" failed with error: exit status 1`);
      continue;
    }
    deleteOne(n, inv.flags.string('kubeconfig'));
    deleted.push(n);
  }
  info(`Deleted clusters: ${quoteList(deleted)}`);
  return Promise.resolve(0);
}

// ---- kind get / export ----

function getClusters(): Promise<number> {
  requireDocker('');
  const names = listClusters(home);
  if (names.length === 0) info('No kind clusters found.');
  for (const n of names) process.stdout.write(`${n}\n`);
  return Promise.resolve(0);
}

function getNodes(inv: Invocation): Promise<number> {
  const all = inv.flags.bool('all-clusters');
  const name = clusterName(inv);
  requireDocker('', all ? undefined : name);
  const clusters = all ? listClusters(home) : [name];
  const nodes = clusters.flatMap((c) => readCluster(home, c)?.nodes ?? []);
  if (nodes.length === 0) info(all ? 'No kind nodes for any cluster.' : `No kind nodes found for cluster "${name}".`);
  for (const n of nodes) process.stdout.write(`${n}\n`);
  return Promise.resolve(0);
}

/**
 * kubeconfig.get: `cat /etc/kubernetes/admin.conf` on the first control-plane node, renamed to kind-NAME; for
 * the host (not --internal) the server is https:// + the published API endpoint.
 */
function kubeconfigFor(name: string, internal: boolean): KubeconfigDoc {
  requireDocker('', name);
  const rec = readCluster(home, name);
  if (!rec) fail(`could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster`);
  const node = rec.nodes[0] ?? `${name}-control-plane`;
  const conf = readAdminConf(home, name);
  if (!conf) {
    fail(`failed to get cluster internal kubeconfig: command "docker exec --privileged ${node} cat /etc/kubernetes/admin.conf" failed with error: exit status 1`, 'cat: /etc/kubernetes/admin.conf: No such file or directory\n');
  }
  return kindKubeconfig(conf, name, internal ? undefined : serverURL(rec));
}

function getKubeconfig(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  // fmt.Fprintln(streams.Out, cfg): the encoded config, then one more newline.
  process.stdout.write(`${renderKubeconfig(kubeconfigFor(name, inv.flags.bool('internal')))}\n`);
  return Promise.resolve(0);
}

function exportKubeconfigCmd(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  exportKubeconfig(kubeconfigFor(name, inv.flags.bool('internal')), inv.flags.string('kubeconfig'));
  info(`Set kubectl context to "${contextName(name)}"`);
  return Promise.resolve(0);
}

function exportLogs(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  requireDocker('', name);
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
    const failure = rec.kubeletFailures?.[node];
    writeFileSync(path.join(nd, 'kubelet.log'), failure !== undefined ? kubeletJournal(node, failure, new Date(rec.createdAt)) : `kubelet ${rec.kubernetesVersion} (simulated): node ${node} registered\n`);
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
  if (!rec.apiPort || rec.phase === 'failed') return;
  const base = `${serverURL(rec)}/api/v1/nodes`;
  const creds = credentials(rec);
  for (const node of nodes) {
    try {
      // The simulated kubelet's report goes through the API; a frozen API (api-freeze) must not hang kind load,
      // which in reality talks only to containerd inside the node.
      const res = await tlsFetch(`${base}/${node}`, { signal: AbortSignal.timeout(5000) }, creds);
      if (!res.ok) continue;
      const cur = (await res.json()) as { status?: { images?: Array<{ names?: string[]; sizeBytes?: number }> } };
      let images = cur.status?.images ?? [];
      for (const { img, id } of loaded) {
        const names = imageNames(img);
        images = images.filter((i) => !(i.names ?? []).some((n) => names.includes(n)));
        const repo = (names[0] ?? img).replace(/:[^/:]*$/, '');
        images.push({ names: [...names, `${repo}@${id}`], sizeBytes: 50_000_000 + (parseInt(id.slice(7, 13), 16) % 100_000_000) });
      }
      const patched = await tlsFetch(`${base}/${node}/status`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ status: { images } }), signal: AbortSignal.timeout(5000) }, creds);
      await patched.arrayBuffer();
    } catch {
      // The node's API is not answering (a failed cluster): the images are loaded, the kubelet did not report.
    }
  }
}

/**
 * Records that `nodes` now hold the loaded images (LoadedImage.nodes: absent when every node holds it). Under the
 * node-image-lost fault the last of them does not keep it: kind exits 0, the node's containerd lacks the image.
 * Returns the nodes that hold it.
 */
function recordLoaded(rec: ClusterRecord, nodes: string[], loaded: Array<{ img: string; id: string }>): string[] {
  const kept = faults.has('node-image-lost') ? nodes.slice(0, -1) : nodes;
  for (const { img, id } of loaded) {
    const prev = rec.images.find((i) => i.name === img && i.id === id);
    const holders = new Set([...(prev ? (prev.nodes ?? rec.nodes) : []), ...kept]);
    if (faults.has('node-image-lost')) holders.delete(nodes.at(-1) ?? '');
    const all = rec.nodes.filter((n) => !n.endsWith('-external-load-balancer')).every((n) => holders.has(n));
    rec.images = [...rec.images.filter((i) => i.name !== img), { name: img, id, ...(all ? {} : { nodes: [...holders] }) }];
  }
  writeCluster(home, rec);
  return kept;
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
  for (const n of wanted) if (!rec.nodes.includes(n)) fail(`unknown node: "${n}"`);
  const targets = wanted.length ? wanted : rec.nodes.filter((n) => !n.endsWith('-external-load-balancer'));
  // kind asks each node for the image (nodeutils.ImageID: crictl inspecti) and loads into those without it.
  const lacking = new Set<string>();
  for (const { img, id } of resolved) {
    for (const n of targets) {
      if (loadedOnNode(rec, n, img)?.id === id) continue;
      lacking.add(n);
      info(`Image: "${img}" with ID "${id}" not yet present on node "${n}", loading...`);
    }
  }
  if (lacking.size === 0) {
    for (const { img, id } of resolved) info(`Image: "${img}" with ID "${id}" found to be already present on all nodes.`);
    return 0;
  }
  // `docker save -o image.tar IMAGE` (all platforms), piped into the node's `ctr images import --all-platforms`:
  // with Docker's containerd image store the archive is the image's whole index, whose other manifests
  // (attestations, other platforms) have no content here (kind issue #3795).
  const selected = targets.filter((n) => lacking.has(n));
  for (const { img } of resolved) {
    const missing = findStoredImage(home, img)?.indexMissing;
    if (missing) ctrImportFails(selected[0] ?? `${name}-control-plane`, missing);
  }
  await reportNodeImages(rec, recordLoaded(rec, selected, resolved), resolved);
  return 0;
}

/** nodeutils.LoadImageArchive's failure: `ctr images import` cannot find a blob the archive's index names. */
function ctrImportFails(node: string, digest: string): never {
  fail(`failed to load image: command "docker exec --privileged -i ${node} ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1`, `ctr: content digest ${digest}: not found\n`);
}

/** `kind load image-archive FILE`: os.Stat, the nodes, then ctr import of the archive on each node. */
async function loadImageArchive(inv: Invocation): Promise<number> {
  const name = clusterName(inv);
  const file = inv.args[0] as string;
  if (!existsSync(file)) fail(`stat ${file}: no such file or directory`);
  requireDocker('', name);
  const rec = readCluster(home, name);
  if (!rec) fail(`no nodes found for cluster "${name}"`);
  const wanted = inv.flags.strings('nodes');
  for (const n of wanted) if (!rec.nodes.includes(n)) fail(`unknown node: ${n}`);
  const targets = wanted.length ? wanted : rec.nodes.filter((n) => !n.endsWith('-external-load-balancer'));
  // ctr images import --all-platforms: every blob under index.json (or, without oci-layout, manifest.json's) must be there
  const node = targets[0] ?? `${name}-control-plane`;
  const files = readImageArchive(readFileSync(file));
  const unrecognized: () => never = () => fail(`failed to load image: command "docker exec --privileged -i ${targets[0] ?? ''} ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1`, 'ctr: unrecognized image format\n');
  if (!files) unrecognized();
  const images = files.has('oci-layout') ? indexImages(files) : undefined;
  if (!images) unrecognized();
  for (const i of images) {
    const missing = missingContent(files, i.target);
    if (missing) ctrImportFails(node, missing);
  }
  const loaded = images.flatMap((i) => {
    const id = imageOf(files, i.target, `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`).content?.id ?? i.target.digest;
    return i.name ? [{ img: normalizeRef(i.name), id }] : [];
  });
  await reportNodeImages(rec, recordLoaded(rec, targets, loaded), loaded);
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
      { name: 'image-archive', short: 'Loads docker image from archive into nodes', args: { min: 1, max: Infinity }, use: '<IMAGE.tar> [flags]', flags: [nameFlag(), { name: 'nodes', kind: 'stringSlice', usage: 'comma separated list of nodes to load images into' }], run: loadImageArchive },
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

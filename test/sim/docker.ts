// Stand-in for the `docker` CLI (emulates Docker 28.2.2): version, info, build (BuildKit), image inspect.
// Flag errors look like Docker's ("unknown flag: --x" + "See 'docker version --help'.", exit 125).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { listClusters, readCluster } from './lib/clusters.ts';
import { nodeImage } from './lib/node-images.ts';
import { ExitError, runMain, simHome } from './lib/env.ts';
import { downInfo } from './lib/dockerinfo.ts';
import { DOCKER_DOWN_MESSAGE, processFaults } from './lib/faults.ts';
import { dockerPublishError } from './lib/port-errors.ts';
import { allImages, contextDigest, contextFiles, findImage, normalizeRef, removeDigest, removeTag, saveImage, storeImage, type ImageRecord } from './lib/images.ts';
import { attestationDigest, findStoredImage, imageOf, indexImages, layerContent, missingContent, parseJson, readImageArchive, sha256Hex, writeImageArchive, type DockerManifestItem, type ImageContent, type StoredImage } from './lib/archives.ts';
import {
  containerDir,
  findContainer,
  hex,
  hostPathFor,
  isRegistryImage,
  isRunning,
  nodeFsRoot,
  readDockerState,
  startRegistryProcess,
  stopContainerProcess,
  volumeDataDir,
  volumeUsers,
  withDockerState,
  type ContainerRecord,
  type MountRecord,
  type PortBinding,
  type VolumeRecord,
} from './lib/containers.ts';
import { familiar, hostPull } from './lib/hostpull.ts';
import { hostPush } from './lib/hostpush.ts';
import { isAlive } from './lib/procs.ts';
import { parseImageRef } from './lib/registries.ts';
import { dnsError, findUpstream, isOffline, logDownload, logRef, registryHost, waitTransferSync } from './lib/upstream.ts';

const VERSION = '28.2.2';
const API_VERSION = '1.50';
const home = simHome();
const faults = processFaults();
const daemonDown = faults.has('docker-down');
/** The containerd image store (Docker 29's default on fresh installs; Docker Desktop's since 4.34). */
const containerdStore = faults.has('containerd-store');

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

function daemonUnreachable(prefix = ''): never {
  err(`${prefix}${DOCKER_DOWN_MESSAGE}\n`);
  throw new ExitError(1);
}

// ---- Go templates, the small subset the simulation understands ----

/** Evaluates "{{.A.B}}", "{{json .}}" or "{{json .A}}"; anything else is a simulation limit (exit 1). */
function renderTemplate(template: string, data: unknown): string {
  const m = /^\s*\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}\s*$/.exec(template);
  if (!m) {
    err('template: :1: unsupported in simulation\n');
    throw new ExitError(1);
  }
  let cur: unknown = data;
  for (const part of (m[2] ?? '').split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) {
      err(`template: :1:${template.indexOf('.') + 1}: executing "" at <.${m[2]}>: can't evaluate field ${part}\n`);
      throw new ExitError(1);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  if (m[1]) return JSON.stringify(cur);
  return typeof cur === 'string' ? cur : cur === null ? '<nil>' : JSON.stringify(cur);
}

// ---- docker version / info ----

const goArch = process.arch === 'x64' ? 'amd64' : process.arch;

function clientVersion() {
  return { Platform: { Name: 'Docker Engine - Community' }, Version: VERSION, ApiVersion: API_VERSION, DefaultAPIVersion: API_VERSION, GitCommit: 'e6534b4', GoVersion: 'go1.24.3', Os: 'linux', Arch: goArch, BuildTime: 'Fri May 30 12:07:28 2025', Context: 'default' };
}

function serverVersion() {
  return {
    Platform: { Name: 'Docker Engine - Community' },
    Components: [{ Name: 'Engine', Version: VERSION, Details: { ApiVersion: API_VERSION, Arch: goArch, GitCommit: '45873be', GoVersion: 'go1.24.3', MinAPIVersion: '1.24', Os: 'linux' } }],
    Version: VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: '1.24',
    GitCommit: '45873be',
    GoVersion: 'go1.24.3',
    Os: 'linux',
    Arch: goArch,
    KernelVersion: os.release(),
    BuildTime: '2025-05-30T12:07:28.000000000+00:00',
  };
}

function versionCmd(inv: Invocation): Promise<number> {
  dockerNoArgs(inv);
  const format = inv.flags.string('format');
  if (format) {
    const needsServer = !/^\s*\{\{\s*\.Client\b/.test(format);
    if (daemonDown && needsServer) daemonUnreachable();
    out(`${renderTemplate(format, { Client: clientVersion(), Server: daemonDown ? null : serverVersion() })}\n`);
    if (daemonDown) daemonUnreachable();
    return Promise.resolve(0);
  }
  out(
    [
      'Client: Docker Engine - Community',
      ` Version:           ${VERSION}`,
      ` API version:       ${API_VERSION}`,
      ' Go version:        go1.24.3',
      ' Git commit:        e6534b4',
      ' Built:             Fri May 30 12:07:28 2025',
      ` OS/Arch:           linux/${goArch}`,
      ' Context:           default',
      '',
    ].join('\n'),
  );
  if (daemonDown) daemonUnreachable();
  out(
    [
      '',
      'Server: Docker Engine - Community',
      ' Engine:',
      `  Version:          ${VERSION}`,
      `  API version:      ${API_VERSION} (minimum version 1.24)`,
      '  Go version:       go1.24.3',
      '  Git commit:       45873be',
      '  Built:            Fri May 30 12:07:28 2025',
      `  OS/Arch:          linux/${goArch}`,
      '  Experimental:     false',
      ' containerd:',
      '  Version:          1.7.27',
      '  GitCommit:        05044ec0a9a75232cad458027ca83437aae3f4da',
      ' runc:',
      '  Version:          1.2.5',
      '  GitCommit:        v1.2.5-0-g59923ef',
      ' docker-init:',
      '  Version:          0.19.0',
      '  GitCommit:        de40ad0',
      '',
    ].join('\n'),
  );
  return Promise.resolve(0);
}

function infoData() {
  const running = listClusters(home).flatMap((c) => readCluster(home, c)?.nodes ?? []).length;
  const images = existsSync(path.join(home, 'images.json')) ? Object.keys(JSON.parse(readFileSync(path.join(home, 'images.json'), 'utf8')) as object).length : 0;
  return {
    ID: 'SIMU:LATE:DDOC:KERD:AEMO:N000:0000:0000:0000:0000:0000:0000',
    Containers: running,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: 0,
    Images: images,
    // daemon/info.go fillDriverInfo: Driver = the image service's StorageDriver(), DriverStatus = its
    // LayerStoreStatus(): the containerd image service (daemon/containerd/service.go) reports the snapshotter
    // and [["driver-type", plugins.SnapshotPlugin]] = io.containerd.snapshotter.v1; the graph driver overlay2
    // its backing filesystem and features.
    Driver: containerdStore ? 'overlayfs' : 'overlay2',
    DriverStatus: containerdStore
      ? [['driver-type', 'io.containerd.snapshotter.v1']]
      : [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
    // daemon/info.go: a cgroup v1 host runs the cgroupfs driver unless configured otherwise (as Debian's dockerd here).
    CgroupDriver: faults.has('cgroup-v1') ? 'cgroupfs' : 'systemd',
    CgroupVersion: faults.has('cgroup-v1') ? '1' : '2',
    KernelVersion: os.release(),
    OperatingSystem: 'Ubuntu 24.04.2 LTS',
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    NCPU: os.cpus().length,
    MemTotal: os.totalmem(),
    Name: os.hostname(),
    ServerVersion: VERSION,
    DockerRootDir: '/var/lib/docker',
  };
}

function infoCmd(inv: Invocation): Promise<number> {
  dockerNoArgs(inv);
  const format = inv.flags.string('format');
  if (format) {
    // Docker 28.1+: the template is rendered over an empty server part, then the connection error (exit 1).
    out(`${renderTemplate(format, daemonDown ? downInfo() : infoData())}\n`);
    if (daemonDown) daemonUnreachable();
    return Promise.resolve(0);
  }
  out(`Client: Docker Engine - Community\n Version:    ${VERSION}\n Context:    default\n Debug Mode: false\n Plugins:\n  buildx: Docker Buildx (Docker Inc.)\n    Version:  v0.24.0\n    Path:     /usr/libexec/docker/cli-plugins/docker-buildx\n\nServer:\n`);
  if (daemonDown) {
    out(`ERROR: ${DOCKER_DOWN_MESSAGE}\n`);
    err('errors pretty printing info\n');
    throw new ExitError(1);
  }
  const d = infoData();
  out(
    [
      ` Containers: ${d.Containers}`,
      `  Running: ${d.ContainersRunning}`,
      '  Paused: 0',
      '  Stopped: 0',
      ` Images: ${d.Images}`,
      ` Server Version: ${VERSION}`,
      ` Storage Driver: ${d.Driver}`,
      ...d.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
      ' Cgroup Driver: systemd',
      ' Cgroup Version: 2',
      ` Kernel Version: ${d.KernelVersion}`,
      ` Operating System: ${d.OperatingSystem}`,
      ' OSType: linux',
      ` Architecture: ${d.Architecture}`,
      ` CPUs: ${d.NCPU}`,
      ` Total Memory: ${(d.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
      ` Name: ${d.Name}`,
      ' Docker Root Dir: /var/lib/docker',
      '',
    ].join('\n'),
  );
  return Promise.resolve(0);
}

// ---- docker build ----

function humanBytes(n: number): string {
  return n < 1000 ? `${n}B` : n < 1e6 ? `${(n / 1e3).toFixed(2)}kB` : `${(n / 1e6).toFixed(2)}MB`;
}

function buildCmd(inv: Invocation): Promise<number> {
  dockerExactArgs(inv, 1, 'docker buildx build [OPTIONS] PATH | URL | -', 'Start a build');
  if (daemonDown) daemonUnreachable('ERROR: ');
  const contextArg = inv.args[0] as string;
  const contextDir = path.resolve(contextArg);
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    err(`ERROR: unable to prepare context: path ${JSON.stringify(contextArg)} not found\n`);
    throw new ExitError(1);
  }
  const fileFlag = inv.flags.string('file');
  const dockerfile = fileFlag ? path.resolve(fileFlag) : path.join(contextDir, 'Dockerfile');
  if (!existsSync(dockerfile)) {
    err(`ERROR: failed to build: failed to solve: failed to read dockerfile: open ${path.basename(dockerfile)}: no such file or directory\n`);
    throw new ExitError(1);
  }
  const labels: Record<string, string> = {};
  for (const l of inv.flags.strings('label')) {
    const eq = l.indexOf('=');
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  const tags = inv.flags.strings('tag');
  for (const t of tags) {
    const problem = referenceProblem(t);
    if (problem) {
      err(`ERROR: failed to build: invalid tag ${JSON.stringify(t)}: ${problem}\n`);
      throw new ExitError(1);
    }
  }
  const id = contextDigest(contextDir, dockerfile);
  const dockerfileText = readFileSync(dockerfile, 'utf8');
  const instructions = dockerfileText.split('\n').map((l) => l.trim()).filter((l) => /^(FROM|RUN|COPY|ADD|WORKDIR)\b/i.test(l));
  const bases = instructions.filter((l) => /^FROM\b/i.test(l)).map((l) => l.split(/\s+/)[1] ?? '');
  const contextSize = contextFiles(contextDir).reduce((n, f) => n + statSync(path.join(contextDir, f)).size, 0);
  ensureBuildBases(bases.filter((b) => b && !/^scratch$/i.test(b) && !/^\$/.test(b)));
  // A RUN step runs a process in the build (app/Dockerfile: apk add, npm ci, both fetch from the network). With no
  // network it fails, unless BuildKit's cache has the step from an earlier build of the same context here (then
  // every step is CACHED). BuildKit's words: `#N ERROR: process "/bin/sh -c CMD" did not complete successfully:
  // exit code: N`, and docker build's `ERROR: failed to build: failed to solve: process …`.
  const firstRun = instructions.find((l) => /^RUN\b/i.test(l));
  if (firstRun && isOffline(home) && !buildCached(id)) {
    const cmd = firstRun.replace(/^RUN\s+/i, '');
    err(`#1 [internal] load build definition from ${path.basename(dockerfile)}\n#1 DONE 0.0s\n#2 ${firstRun}\n#2 ERROR: process "/bin/sh -c ${cmd}" did not complete successfully: exit code: 1\nERROR: failed to build: failed to solve: process "/bin/sh -c ${cmd}" did not complete successfully: exit code: 1\n`);
    throw new ExitError(1);
  }
  const quietBuild = inv.flags.bool('quiet') || inv.flags.string('progress') === 'quiet';
  if (!quietBuild) {
    const lines: string[] = ['#0 building with "default" instance using docker driver', ''];
    let step = 1;
    lines.push(`#${step} [internal] load build definition from ${path.basename(dockerfile)}`, `#${step} transferring dockerfile: ${humanBytes(dockerfileText.length)} done`, `#${step} DONE 0.0s`, '');
    for (const b of new Set(bases)) lines.push(`#${++step} [internal] load metadata for docker.io/library/${b}`, `#${step} DONE 0.4s`, '');
    lines.push(`#${++step} [internal] load .dockerignore`, `#${step} transferring context: 2B done`, `#${step} DONE 0.0s`, '');
    lines.push(`#${++step} [internal] load build context`, `#${step} transferring context: ${humanBytes(contextSize)} done`, `#${step} DONE 0.0s`, '');
    instructions.forEach((ins, i) => lines.push(`#${++step} [${i + 1}/${instructions.length}] ${ins}`, `#${step} CACHED`, ''));
    lines.push(`#${++step} exporting to image`, `#${step} exporting layers done`, `#${step} writing image ${id} done`);
    for (const t of tags) lines.push(`#${step} naming to docker.io/library/${normalizeRef(t)} done`);
    lines.push(`#${step} DONE 0.1s`);
    err(`${lines.join('\n')}\n`);
  } else out(`${id}\n`);
  // BuildKit's default attestations (provenance mode=min) make an index on the containerd store; the classic
  // store cannot hold one, so there the build is a plain image. --provenance=false / --sbom=false or
  // --attest type=provenance,disabled=true leave a single manifest.
  const falsy = (v: string) => ['false', '0', 'disabled'].includes(v.trim().toLowerCase());
  const attests = inv.flags.strings('attest');
  const provenanceOff = falsy(inv.flags.string('provenance') || 'true') || attests.some((a) => /type=provenance/.test(a) && /disabled=true/.test(a));
  const sbomOn = (inv.flags.string('sbom') !== '' && !falsy(inv.flags.string('sbom'))) || attests.some((a) => /type=sbom/.test(a) && !/disabled=true/.test(a));
  const record = { id, created: new Date().toISOString(), labels, ...(containerdStore && (!provenanceOff || sbomOn) ? { indexMissing: attestationDigest(id) } : {}) };
  saveImage(home, tags.length ? tags : [], record);
  if (inv.flags.string('iidfile')) writeFileSync(inv.flags.string('iidfile'), id);
  return Promise.resolve(0);
}

/** Docker's reference grammar, reduced: [host[:port]/]lowercase/path[:tag]. */
function referenceProblem(ref: string): string | undefined {
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const re = new RegExp(`^(?:[a-zA-Z0-9.-]+(?::\\d+)?/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?$`);
  if (re.test(ref)) return undefined;
  if (re.test(ref.toLowerCase())) return 'repository name must be lowercase';
  return 'invalid reference format';
}

// ---- docker image inspect ----

function imageInspectCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker image inspect [OPTIONS] IMAGE [IMAGE...]', 'Display detailed information on one or more images');
  if (daemonDown) daemonUnreachable();
  const format = inv.flags.string('format');
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const ref of inv.args) {
    const img = findImage(home, ref);
    if (!img) {
      missing.push(ref);
      continue;
    }
    found.push({ Id: img.id, RepoTags: img.repoTags, RepoDigests: img.repoDigests ?? [], Created: img.created, Config: { Labels: img.labels }, Architecture: goArch, Os: 'linux', Size: img.upstream?.sizeBytes ?? 0 });
  }
  if (format) for (const f of found) out(`${renderTemplate(format, f)}\n`);
  else out(`${JSON.stringify(found, null, 4)}\n`);
  for (const m of missing) err(`Error response from daemon: No such image: ${normalizeRef(m)}\n`);
  return Promise.resolve(missing.length ? 1 : 0);
}

// ---- docker image save ----

function imageSaveCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker image save [OPTIONS] IMAGE [IMAGE...]', 'Save one or more images to a tar archive (streamed to STDOUT by default)');
  if (daemonDown) daemonUnreachable();
  const platform = inv.flags.string('platform');
  const entries: Array<{ names: string[]; image: StoredImage }> = [];
  for (const ref of inv.args) {
    const img = findStoredImage(home, ref);
    if (!img) {
      err(`Error response from daemon: No such image: ${normalizeRef(ref)}\n`);
      throw new ExitError(1);
    }
    if (platform && platform.replace(/\/$/, '') !== `linux/${goArch}` && platform !== 'linux') {
      err(`Error response from daemon: no suitable export target found for platform ${platform}\n`);
      throw new ExitError(1);
    }
    // The classic store's manifest.json names only tags: an image saved by digest has no RepoTags, and the
    // archive keeps no RepoDigests (the containerd store's export keeps both in its index).
    const byDigest = ref.includes('@');
    entries.push({ names: byDigest ? (containerdStore ? [ref] : []) : [normalizeRef(ref)], image: img });
  }
  const archive = writeImageArchive(entries, { containerdStore, arch: goArch, ...(platform ? { platform } : {}) });
  const output = inv.flags.string('output');
  if (output) writeFileSync(output, archive);
  else process.stdout.write(archive);
  return Promise.resolve(0);
}

// ---- docker inspect / docker container inspect: the kind node containers ----

/** A kind node container as `docker inspect` shows it (the fields kind and hpa-lab read). */
function nodeContainer(nodeName: string): unknown {
  for (const cluster of listClusters(home)) {
    const rec = readCluster(home, cluster);
    if (!rec || !rec.nodes.includes(nodeName)) continue;
    const role = /-control-plane\d*$/.test(nodeName) ? 'control-plane' : nodeName.endsWith('-external-load-balancer') ? 'external-load-balancer' : 'worker';
    // kind publishes extraPortMappings as --publish=ADDR:HOST:CONTAINER/PROTO and the API server as
    // ADDR:PORT:6443/TCP (the bootstrap control plane); Docker keys PortBindings by "PORT/proto", lower case
    // (go-connections nat.ParsePortSpec), HostPort a string.
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    if (nodeName === rec.nodes[0]) {
      for (const p of rec.hostPorts) (bindings[`${p.containerPort}/${p.protocol.toLowerCase()}`] ??= []).push({ HostIp: p.listenAddress, HostPort: String(p.hostPort) });
      if (rec.apiPort) (bindings['6443/tcp'] ??= []).push({ HostIp: rec.apiAddress, HostPort: String(rec.apiPort) });
    }
    const running = rec.pid !== null;
    return {
      Id: createHashHex(`${cluster}/${nodeName}`),
      Created: rec.createdAt,
      Name: `/${nodeName}`,
      State: { Status: running ? 'running' : 'created', Running: running, Pid: rec.pid ?? 0 },
      Image: `sha256:${createHashHex(rec.image)}`,
      Config: { Hostname: nodeName, Image: rec.image, Labels: { 'io.x-k8s.kind.cluster': cluster, 'io.x-k8s.kind.role': role } },
      HostConfig: { PortBindings: bindings, Privileged: true, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } },
      NetworkSettings: { Ports: bindings },
    };
  }
  return undefined;
}

function createHashHex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function inspectCmd(inv: Invocation, scope: 'any' | 'container'): Promise<number> {
  const usage = scope === 'container' ? 'docker container inspect [OPTIONS] CONTAINER [CONTAINER...]' : 'docker inspect [OPTIONS] NAME|ID [NAME|ID...]';
  dockerMinArgs(inv, 1, usage, scope === 'container' ? 'Display detailed information on one or more containers' : 'Return low-level information on Docker objects');
  if (daemonDown) daemonUnreachable();
  const type = scope === 'container' ? 'container' : inv.flags.string('type');
  const format = inv.flags.string('format');
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const ref of inv.args) {
    let obj: unknown = type === '' || type === 'container' ? nodeContainer(ref) : undefined;
    if (obj === undefined && (type === '' || type === 'container')) {
      const c = findContainer(readDockerState(home), ref);
      if (c) obj = containerJson(c);
    }
    if (obj === undefined && (type === '' || type === 'image')) {
      const img = findImage(home, ref);
      if (img) obj = { Id: img.id, RepoTags: img.repoTags, RepoDigests: img.repoDigests ?? [], Created: img.created, Config: { Labels: img.labels }, Architecture: goArch, Os: 'linux', Size: img.upstream?.sizeBytes ?? 0 };
    }
    if (obj === undefined) missing.push(ref);
    else found.push(obj);
  }
  if (format) for (const f of found) out(`${renderTemplate(format, f)}\n`);
  else out(`${JSON.stringify(found, null, 4)}\n`);
  // docker/cli inspect.Inspect: "No such object" for `docker inspect`, the daemon's error for `container inspect`.
  for (const m of missing) err(scope === 'container' ? `Error response from daemon: No such container: ${m}\n` : `Error: No such object: ${m}\n`);
  return Promise.resolve(missing.length ? 1 : 0);
}

// ---- docker image ls / docker image rm ----

function imageLsCmd(inv: Invocation): Promise<number> {
  if (daemonDown) daemonUnreachable();
  const filters = inv.flags.strings('filter');
  const format = inv.flags.string('format');
  const rows: Array<{ Repository: string; Tag: string; ID: string }> = [];
  for (const img of allImages(home)) {
    const ok = filters.every((f) => {
      const m = /^label=([^=]+)(?:=(.*))?$/.exec(f);
      if (!m) {
        err(`invalid filter '${f}' (simulation: only label=KEY[=VALUE])\n`);
        throw new ExitError(1);
      }
      return m[2] === undefined ? (m[1] as string) in img.labels : img.labels[m[1] as string] === m[2];
    });
    if (!ok) continue;
    for (const t of img.repoTags) {
      const i = t.lastIndexOf(':');
      rows.push({ Repository: t.slice(0, i), Tag: t.slice(i + 1), ID: img.id.replace(/^sha256:/, '').slice(0, 12) });
    }
  }
  if (format) for (const r of rows) out(`${renderTemplate(format, r)}\n`);
  else {
    out('REPOSITORY   TAG   IMAGE ID\n');
    for (const r of rows) out(`${r.Repository}   ${r.Tag}   ${r.ID}\n`);
  }
  return Promise.resolve(0);
}

function imageRmCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker image rm [OPTIONS] IMAGE [IMAGE...]', 'Remove one or more images');
  if (daemonDown) daemonUnreachable();
  let code = 0;
  for (const ref of inv.args) {
    const byDigest = ref.includes('@') ? removeDigest(home, ref) : undefined;
    if (byDigest) out(`Untagged: ${ref.replace(/:[^/@]+@/, '@')}\n${byDigest.deleted ? `Deleted: ${byDigest.id}\n` : ''}`);
    else if (!ref.includes('@') && removeTag(home, ref)) out(`Untagged: ${normalizeRef(ref)}\n`);
    else {
      err(`Error response from daemon: No such image: ${normalizeRef(ref)}\n`);
      code = 1;
    }
  }
  return Promise.resolve(code);
}

// ---- Docker's own argument checks (its wording differs from cobra's) ----

function usageTail(inv: Invocation, usage: string, short: string): string {
  return `See '${inv.path} --help'.\n\nUsage:  ${usage}\n\n${short}\n`;
}

function dockerNoArgs(inv: Invocation): void {
  if (inv.args.length === 0) return;
  err(`"${inv.path}" accepts no arguments.\n${usageTail(inv, `${inv.path} [OPTIONS]`, inv.command.short)}`);
  throw new ExitError(1);
}

function dockerExactArgs(inv: Invocation, n: number, usage: string, short: string): void {
  if (inv.args.length === n) return;
  err(`"${inv.path}" requires exactly ${n} argument${n === 1 ? '' : 's'}.\n${usageTail(inv, usage, short)}`);
  throw new ExitError(1);
}

function dockerMinArgs(inv: Invocation, n: number, usage: string, short: string): void {
  if (inv.args.length >= n) return;
  err(`"${inv.path}" requires at least ${n} argument${n === 1 ? '' : 's'}.\n${usageTail(inv, usage, short)}`);
  throw new ExitError(1);
}


// ---- pulls (the simulated upstream, lib/hostpull.ts) ----

function pullCmd(inv: Invocation): Promise<number> {
  dockerExactArgs(inv, 1, 'docker image pull [OPTIONS] NAME[:TAG|@DIGEST]', 'Download an image from a registry');
  if (daemonDown) daemonUnreachable();
  const ref = inv.args[0] as string;
  const problem = referenceProblem(ref.split('@')[0] ?? ref);
  if (problem || (ref.includes('@') && !/@sha256:[a-f0-9]{64}$/.test(ref))) {
    err(`invalid reference format${problem === 'repository name must be lowercase' ? ': repository name (library/' + ref + ') must be lowercase' : ''}\n`);
    throw new ExitError(1);
  }
  const parsed = parseImageRef(ref);
  if (parsed && !parsed.digest && !/:[^/]*$/.test(ref.split('@')[0] ?? '')) out(`Using default tag: latest\n`);
  const r = hostPull(home, ref, 'docker');
  if (!r.ok) {
    err(`${r.message}\n`);
    throw new ExitError(1);
  }
  if (!inv.flags.bool('quiet')) out(`${r.lines.join('\n')}\n`);
  out(`${parsed ? (parsed.digest && /:[^/@]*@/.test(ref) ? `${parsed.name}:${/:([^/@]*)@/.exec(ref)?.[1] ?? ''}@${parsed.digest}` : parsed.full) : ref}\n`);
  return Promise.resolve(0);
}

/** docker push NAME[:TAG] into a simulated registry container (lib/hostpush.ts). */
async function pushCmd(inv: Invocation): Promise<number> {
  dockerExactArgs(inv, 1, 'docker image push [OPTIONS] NAME[:TAG]', 'Upload an image to a registry');
  if (daemonDown) daemonUnreachable();
  const ref = inv.args[0] as string;
  if (referenceProblem(ref) || !parseImageRef(ref)) {
    err('invalid reference format\n');
    throw new ExitError(1);
  }
  const r = await hostPush(home, ref, containerdStore);
  const quiet = inv.flags.bool('quiet');
  if (!quiet && r.lines.length) out(`${r.lines.join('\n')}\n`);
  if (!r.ok) {
    err(`${r.message}\n`);
    throw new ExitError(1);
  }
  if (quiet) out(`${parseImageRef(ref)?.full ?? ref}\n`);
  return 0;
}

/** create.go pullImage when the image is absent: "Unable to find image 'X' locally", the pull's lines on stderr. */
function ensureImageForRun(ref: string): ImageRecord {
  const found = findImage(home, ref);
  if (found) return found;
  err(`Unable to find image '${familiar(ref)}' locally\n`);
  const r = hostPull(home, ref, 'docker');
  if (!r.ok) runFailed(r.message.replace(/^Error response from daemon: /, 'Error response from daemon: '));
  err(`${r.lines.join('\n')}\n`);
  return r.image;
}

/** run.go withHelp + toStatusError: "docker: ERR\n\nRun 'docker run --help' for more information", exit 125. */
function runFailed(message: string): never {
  err(`docker: ${message}\n\nRun 'docker run --help' for more information\n`);
  throw new ExitError(125);
}

// ---- containers, volumes, networks (lib/containers.ts) ----

function parsePublish(spec: string): PortBinding {
  // [ip:][hostPort:]containerPort[/proto] (go-connections nat.ParsePortSpec)
  const [main = '', proto = 'tcp'] = spec.split('/');
  const parts = main.split(':');
  const containerPort = Number(parts.pop());
  const hostPort = parts.length ? Number(parts.pop() || 0) : 0;
  const hostIp = parts.length ? parts.join(':') : '0.0.0.0';
  if (!Number.isInteger(containerPort) || containerPort <= 0 || !Number.isInteger(hostPort)) runFailed(`invalid containerPort: ${spec}`);
  return { hostIp: hostIp || '0.0.0.0', hostPort, containerPort, proto: proto.toLowerCase() };
}

function parseMount(spec: string): MountRecord {
  const [src = '', dst = '', mode] = spec.split(':');
  void mode;
  if (!dst) return { type: 'volume', name: hex(`anon:${spec}:${Date.now()}`), source: '', destination: src };
  if (src.startsWith('/') || src.startsWith('.')) return { type: 'bind', source: path.resolve(src), destination: dst };
  return { type: 'volume', name: src, source: volumeDataDir(home, src), destination: dst };
}

async function runCmd(inv: Invocation): Promise<number> {
  if (inv.args.length < 1) {
    err(`"docker run" requires at least 1 argument.\n${usageTail(inv, 'docker run [OPTIONS] IMAGE [COMMAND] [ARG...]', 'Create and run a new container from an image')}`);
    throw new ExitError(125);
  }
  if (daemonDown) {
    err(`docker: ${DOCKER_DOWN_MESSAGE}\n\nRun 'docker run --help' for more information\n`);
    throw new ExitError(125);
  }
  const image = inv.args[0] as string;
  const f = inv.flags;
  const name = f.string('name');
  if (name && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) runFailed(`Error response from daemon: Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  const ports = f.strings('publish').map(parsePublish);
  const mounts = f.strings('volume').map(parseMount);
  const envs = f.strings('env');
  const labels: Record<string, string> = {};
  for (const l of f.strings('label')) labels[l.split('=')[0] as string] = l.includes('=') ? l.slice(l.indexOf('=') + 1) : '';
  const network = f.string('network') || 'bridge';
  // create.go: the name conflict is the daemon's create error, found before the image is pulled? No: the CLI pulls
  // first only when create says "No such image"; the daemon checks the name after the image. Follow that order.
  const img = ensureImageForRun(image);
  if (!isRegistryImage(image, img.repoTags)) {
    err(`docker run ${image}: only registry:3.x containers are simulated (test/sim/docker.ts)\n`);
    throw new ExitError(125);
  }
  if (inv.args.length > 1) {
    err(`docker run ${image} ${inv.args.slice(1).join(' ')}: a command for the registry container is not simulated (test/sim/docker.ts)\n`);
    throw new ExitError(125);
  }
  const id = createHashHex(`container:${name}:${Date.now()}:${process.pid}:${Math.random()}`);
  const containerName = name || `sim_${id.slice(0, 8)}`;
  const created = withDockerState(home, (s) => {
    const clash = findContainer(s, containerName);
    if (clash && clash.name === containerName) return clash;
    if (!s.networks[network]) return `network ${network} not found`;
    for (const m of mounts) if (m.type === 'volume' && m.name && !s.volumes[m.name]) s.volumes[m.name] = { name: m.name, created: new Date().toISOString(), labels: {} };
    s.containers[id] = { id, name: containerName, image, imageId: img.id, created: new Date().toISOString(), env: envs, labels, restart: f.string('restart') || 'no', ports, mounts, networks: [network], running: false, pid: null, startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z' };
    return undefined;
  });
  if (typeof created === 'string') runFailed(`Error response from daemon: ${created}`);
  if (created) runFailed(`Error response from daemon: Conflict. The container name "/${containerName}" is already in use by container "${created.id}". You have to remove (or rename) that container to be able to reuse that name.`);
  for (const m of mounts) if (m.type === 'volume' && m.name) mkdirSync(volumeDataDir(home, m.name), { recursive: true });
  const started = await startContainer(id);
  if (started) {
    // The container stays created (as Docker leaves it after a failed start), exit 125.
    runFailed(`Error response from daemon: ${started}`);
  }
  if (!f.bool('detach')) {
    err(`docker run without -d: attaching is not simulated (the container runs; test/sim/docker.ts)\n`);
  }
  out(`${id}\n`);
  return 0;
}

/** Starts a created/exited container's process; returns the daemon's error, if any. */
async function startContainer(id: string): Promise<string | undefined> {
  const c = readDockerState(home).containers[id];
  if (!c) return `No such container: ${id}`;
  if (isRunning(c)) return undefined;
  const report = await startRegistryProcess(home, c);
  if (!report.ok) {
    withDockerState(home, (s) => {
      const cur = s.containers[id];
      if (cur) Object.assign(cur, { running: false, pid: null });
    });
    if ('bindError' in report) {
      const { address, port } = report.bindError;
      return dockerPublishError({ home, endpoint: c.name, self: c.name, hash: createHashHex(`ep:${id}`), address, port, containerIp: '172.17.0.2', containerPort: c.ports.find((p) => p.hostPort === port)?.containerPort ?? port });
    }
    return report.error;
  }
  withDockerState(home, (s) => {
    const cur = s.containers[id];
    if (cur) Object.assign(cur, { running: true, pid: report.pid, internalPort: report.internalPort, startedAt: new Date().toISOString() });
  });
  return undefined;
}

function noSuchContainer(ref: string): string {
  return `Error response from daemon: No such container: ${ref}`;
}

async function startCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker start [OPTIONS] CONTAINER [CONTAINER...]', 'Start one or more stopped containers');
  if (daemonDown) daemonUnreachable();
  let code = 0;
  for (const ref of inv.args) {
    const c = findContainer(readDockerState(home), ref);
    if (!c) {
      err(`${noSuchContainer(ref)}\n`);
      code = 1;
      continue;
    }
    const e = await startContainer(c.id);
    if (e) {
      err(`Error response from daemon: ${e}\n`);
      code = 1;
      continue;
    }
    out(`${ref}\n`);
  }
  if (code) err('Error: failed to start containers: ' + inv.args.join(', ') + '\n');
  return code;
}

function stopCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker stop [OPTIONS] CONTAINER [CONTAINER...]', 'Stop one or more running containers');
  if (daemonDown) daemonUnreachable();
  let code = 0;
  for (const ref of inv.args) {
    const c = findContainer(readDockerState(home), ref);
    if (!c) {
      err(`${noSuchContainer(ref)}\n`);
      code = 1;
      continue;
    }
    stopContainerProcess(home, c);
    withDockerState(home, (s) => {
      const cur = s.containers[c.id];
      if (cur) Object.assign(cur, { running: false, pid: null, finishedAt: new Date().toISOString() });
    });
    out(`${ref}\n`);
  }
  return Promise.resolve(code);
}

/** restart.go: stop (the process ends), then start again, each name on stdout; an absent one is the daemon's error. */
async function restartCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker restart [OPTIONS] CONTAINER [CONTAINER...]', 'Restart one or more containers');
  if (daemonDown) daemonUnreachable();
  const errs: string[] = [];
  for (const ref of inv.args) {
    const c = findContainer(readDockerState(home), ref);
    if (!c) {
      errs.push(noSuchContainer(ref));
      continue;
    }
    stopContainerProcess(home, c);
    withDockerState(home, (st) => {
      const cur = st.containers[c.id];
      if (cur) Object.assign(cur, { running: false, pid: null, finishedAt: new Date().toISOString() });
    });
    const e = await startContainer(c.id);
    if (e) {
      errs.push(`Error response from daemon: ${e}`);
      continue;
    }
    out(`${ref}\n`);
  }
  if (errs.length) err(`${errs.join('\n')}\n`);
  return errs.length ? 1 : 0;
}

/** rm.go (v28.2.2): each removed name on stdout; with -f an absent one is printed to stderr and skipped (exit 0). */
function rmCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker rm [OPTIONS] CONTAINER [CONTAINER...]', 'Remove one or more containers');
  if (daemonDown) daemonUnreachable();
  const force = inv.flags.bool('force');
  const errs: string[] = [];
  for (const ref of inv.args) {
    const c = findContainer(readDockerState(home), ref);
    if (!c) {
      if (force) err(`${noSuchContainer(ref)}\n`);
      else errs.push(noSuchContainer(ref));
      continue;
    }
    if (isRunning(c) && !force) {
      errs.push(`Error response from daemon: cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
      continue;
    }
    stopContainerProcess(home, c);
    withDockerState(home, (s) => {
      delete s.containers[c.id];
      for (const m of c.mounts) if (m.type === 'volume' && m.name && /^[a-f0-9]{64}$/.test(m.name) && inv.flags.bool('volumes')) delete s.volumes[m.name];
    });
    rmSync(containerDir(home, c.id), { recursive: true, force: true });
    out(`${ref}\n`);
  }
  for (const e of errs) err(`${e}\n`);
  return Promise.resolve(errs.length ? 1 : 0);
}

/** `docker container inspect` of a registry (or other simulated) container, in the Engine API's shape. */
function containerJson(c: ContainerRecord): unknown {
  const running = isRunning(c);
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of c.ports) (bindings[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  const networks = Object.fromEntries(
    c.networks.map((n, i) => [n, { IPAMConfig: null, Links: null, Aliases: null, NetworkID: hex(`network:${n}`), EndpointID: running ? hex(`ep:${c.id}:${n}`) : '', Gateway: running ? `172.${17 + i}.0.1` : '', IPAddress: running ? `172.${17 + i}.0.${10 + (parseInt(c.id.slice(0, 2), 16) % 200)}` : '', IPPrefixLen: running ? 16 : 0, MacAddress: '', DNSNames: n === 'bridge' ? null : [c.name, c.id.slice(0, 12)] }]),
  );
  return {
    Id: c.id,
    Created: c.created,
    Path: 'registry',
    Args: ['serve', '/etc/distribution/config.yml'],
    State: { Status: running ? 'running' : c.startedAt.startsWith('0001') ? 'created' : 'exited', Running: running, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: running ? (c.pid ?? 0) : 0, ExitCode: 0, Error: '', StartedAt: c.startedAt, FinishedAt: c.finishedAt },
    Image: c.imageId,
    Name: `/${c.name}`,
    RestartCount: 0,
    Mounts: c.mounts.map((m) => (m.type === 'volume' ? { Type: 'volume', Name: m.name, Source: `/var/lib/docker/volumes/${m.name ?? ''}/_data`, Destination: m.destination, Driver: 'local', Mode: 'z', RW: true, Propagation: '' } : { Type: 'bind', Source: m.source, Destination: m.destination, Mode: '', RW: true, Propagation: 'rprivate' })),
    Config: { Hostname: c.id.slice(0, 12), Env: [...c.env, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Image: c.image, Labels: c.labels, ExposedPorts: { '5000/tcp': {} }, Volumes: { '/var/lib/registry': {} }, Entrypoint: ['/entrypoint.sh'], Cmd: ['/etc/distribution/config.yml'] },
    HostConfig: { PortBindings: bindings, RestartPolicy: { Name: c.restart.split(':')[0] ?? 'no', MaximumRetryCount: Number(c.restart.split(':')[1] ?? 0) }, NetworkMode: c.networks[0] ?? 'bridge', Binds: c.mounts.map((m) => `${m.type === 'volume' ? m.name ?? '' : m.source}:${m.destination}`) },
    NetworkSettings: { Ports: running ? bindings : {}, Networks: networks },
  };
}

// ---- docker volume ----

function volumeJson(v: VolumeRecord): unknown {
  return { CreatedAt: v.created, Driver: 'local', Labels: Object.keys(v.labels).length ? v.labels : null, Mountpoint: `/var/lib/docker/volumes/${v.name}/_data`, Name: v.name, Options: null, Scope: 'local' };
}

function volumeCreateCmd(inv: Invocation): Promise<number> {
  if (inv.args.length > 1) {
    err(`"docker volume create" requires at most 1 argument.\n${usageTail(inv, 'docker volume create [OPTIONS] [VOLUME]', 'Create a volume')}`);
    throw new ExitError(1);
  }
  if (daemonDown) daemonUnreachable();
  const name = inv.args[0] ?? inv.flags.string('name') ?? '';
  const volName = name || hex(`volume:${Date.now()}:${Math.random()}`);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(volName)) {
    err(`Error response from daemon: create ${volName}: "${volName}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path\n`);
    throw new ExitError(1);
  }
  const labels: Record<string, string> = {};
  for (const l of inv.flags.strings('label')) labels[l.split('=')[0] as string] = l.includes('=') ? l.slice(l.indexOf('=') + 1) : '';
  withDockerState(home, (s) => {
    // the local driver's Create of an existing name returns the existing volume (labels unchanged)
    s.volumes[volName] ??= { name: volName, created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels };
  });
  mkdirSync(volumeDataDir(home, volName), { recursive: true });
  out(`${volName}\n`);
  return Promise.resolve(0);
}

function volumeInspectCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker volume inspect [OPTIONS] VOLUME [VOLUME...]', 'Display detailed information on one or more volumes');
  if (daemonDown) daemonUnreachable();
  const s = readDockerState(home);
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const n of inv.args) {
    const v = s.volumes[n];
    if (v) found.push(volumeJson(v));
    else missing.push(n);
  }
  const format = inv.flags.string('format');
  if (format) for (const f of found) out(`${renderTemplate(format, f)}\n`);
  else out(`${JSON.stringify(found, null, 4)}\n`);
  for (const m of missing) err(`Error response from daemon: get ${m}: no such volume\n`);
  return Promise.resolve(missing.length ? 1 : 0);
}

function volumeRmCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 1, 'docker volume rm [OPTIONS] VOLUME [VOLUME...]', 'Remove one or more volumes');
  if (daemonDown) daemonUnreachable();
  let code = 0;
  for (const n of inv.args) {
    const r = withDockerState(home, (s): string | undefined => {
      if (!s.volumes[n]) return inv.flags.bool('force') ? '' : `Error response from daemon: get ${n}: no such volume`;
      const users = volumeUsers(s, n);
      if (users.length) return `Error response from daemon: remove ${n}: volume is in use - [${users.join(', ')}]`;
      delete s.volumes[n];
      return undefined;
    });
    if (r === '') continue;
    if (r) {
      err(`${r}\n`);
      code = 1;
      continue;
    }
    rmSync(path.dirname(volumeDataDir(home, n)), { recursive: true, force: true });
    out(`${n}\n`);
  }
  return Promise.resolve(code);
}

function volumeLsCmd(inv: Invocation): Promise<number> {
  if (daemonDown) daemonUnreachable();
  const vols = Object.values(readDockerState(home).volumes).filter((v) =>
    inv.flags.strings('filter').every((f) => {
      const m = /^label=([^=]+)(?:=(.*))?$/.exec(f) ?? /^name=(.*)$/.exec(f);
      if (!m) return true;
      if (f.startsWith('name=')) return v.name.includes(m[1] as string);
      return m[2] === undefined ? (m[1] as string) in v.labels : v.labels[m[1] as string] === m[2];
    }),
  );
  const format = inv.flags.string('format');
  if (inv.flags.bool('quiet')) for (const v of vols) out(`${v.name}\n`);
  else if (format) for (const v of vols) out(`${renderTemplate(format, { Name: v.name, Driver: 'local', Labels: Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(','), Scope: 'local' })}\n`);
  else {
    out('DRIVER    VOLUME NAME\n');
    for (const v of vols) out(`local     ${v.name}\n`);
  }
  return Promise.resolve(0);
}

// ---- docker network ----

function networkConnectCmd(inv: Invocation): Promise<number> {
  dockerExactArgs(inv, 2, 'docker network connect [OPTIONS] NETWORK CONTAINER', 'Connect a container to a network');
  if (daemonDown) daemonUnreachable();
  const [net = '', ref = ''] = inv.args;
  const r = withDockerState(home, (s): string | undefined => {
    if (!s.networks[net]) return `Error response from daemon: network ${net} not found`;
    const c = findContainer(s, ref);
    if (!c) return `Error response from daemon: No such container: ${ref}`;
    if (c.networks.includes(net)) return isRunning(c) ? `Error response from daemon: endpoint with name ${c.name} already exists in network ${net}` : `Error response from daemon: ${c.name} is already attached to network ${net}`;
    const cur = s.containers[c.id] as ContainerRecord;
    cur.networks = [...cur.networks, net];
    return undefined;
  });
  if (r) {
    err(`${r}\n`);
    return Promise.resolve(1);
  }
  return Promise.resolve(0);
}

function networkLsCmd(inv: Invocation): Promise<number> {
  if (daemonDown) daemonUnreachable();
  const nets = Object.values(readDockerState(home).networks);
  const format = inv.flags.string('format');
  if (format) for (const n of nets) out(`${renderTemplate(format, { ID: n.id.slice(0, 12), Name: n.name, Driver: n.driver, Scope: 'local' })}\n`);
  else {
    out('NETWORK ID     NAME      DRIVER    SCOPE\n');
    for (const n of nets) out(`${n.id.slice(0, 12)}   ${n.name.padEnd(9)} ${n.driver.padEnd(9)} local\n`);
  }
  return Promise.resolve(0);
}

// ---- docker exec (a kind node, or a registry container) ----

type ExecTarget = { kind: 'node'; name: string; cluster: string; root: string; coreutils: 'gnu' } | { kind: 'container'; c: ContainerRecord; coreutils: 'busybox' };

function execTarget(ref: string): ExecTarget {
  for (const cluster of listClusters(home)) {
    const rec = readCluster(home, cluster);
    if (!rec?.nodes.includes(ref)) continue;
    if (rec.pid === null || !isAlive(rec.pid)) {
      err(`Error response from daemon: container ${createHashHex(`${cluster}/${ref}`)} is not running\n`);
      throw new ExitError(1);
    }
    return { kind: 'node', name: ref, cluster, root: nodeFsRoot(home, cluster, ref), coreutils: 'gnu' };
  }
  const c = findContainer(readDockerState(home), ref);
  if (!c) {
    err(`${noSuchContainer(ref)}\n`);
    throw new ExitError(1);
  }
  if (!isRunning(c)) {
    err(`Error response from daemon: container ${c.id} is not running\n`);
    throw new ExitError(1);
  }
  return { kind: 'container', c, coreutils: 'busybox' };
}

function targetPath(t: ExecTarget, p: string): string {
  if (t.kind === 'node') return path.join(t.root, path.posix.normalize(p.startsWith('/') ? p : `/${p}`));
  return hostPathFor(home, t.c, p);
}

function execCmd(inv: Invocation): Promise<number> {
  dockerMinArgs(inv, 2, 'docker exec [OPTIONS] CONTAINER COMMAND [ARG...]', 'Execute a command in a running container');
  if (daemonDown) daemonUnreachable();
  const [ref = '', cmd = '', ...args] = inv.args;
  const t = execTarget(ref);
  const cantOpen = (f: string) => (t.coreutils === 'gnu' ? `cat: ${f}: No such file or directory` : `cat: can't open '${f}': No such file or directory`);
  switch (cmd) {
    case 'mkdir': {
      const parents = args.includes('-p');
      let code = 0;
      for (const d of args.filter((a) => !a.startsWith('-'))) {
        const hp = targetPath(t, d);
        if (parents) mkdirSync(hp, { recursive: true });
        else if (existsSync(hp)) {
          err(t.coreutils === 'gnu' ? `mkdir: cannot create directory '${d}': File exists\n` : `mkdir: can't create directory '${d}': File exists\n`);
          code = 1;
        } else if (!existsSync(path.dirname(hp))) {
          err(t.coreutils === 'gnu' ? `mkdir: cannot create directory '${d}': No such file or directory\n` : `mkdir: can't create directory '${d}': No such file or directory\n`);
          code = 1;
        } else mkdirSync(hp);
      }
      return Promise.resolve(code);
    }
    case 'cp': {
      const [src = '', dst = ''] = args.filter((a) => !a.startsWith('-'));
      const hd = targetPath(t, dst);
      if (!existsSync(path.dirname(hd))) {
        err(t.coreutils === 'gnu' ? `cp: cannot create regular file '${dst}': No such file or directory\n` : `cp: can't create '${dst}': No such file or directory\n`);
        return Promise.resolve(1);
      }
      let data: Buffer;
      if (src === '/dev/stdin' || src === '-') data = inv.flags.bool('interactive') ? readFileSync(0) : Buffer.alloc(0);
      else {
        const hs = targetPath(t, src);
        if (!existsSync(hs)) {
          err(t.coreutils === 'gnu' ? `cp: cannot stat '${src}': No such file or directory\n` : `cp: can't stat '${src}': No such file or directory\n`);
          return Promise.resolve(1);
        }
        data = readFileSync(hs);
      }
      writeFileSync(hd, data);
      return Promise.resolve(0);
    }
    case 'cat': {
      let code = 0;
      for (const f of args) {
        const hp = targetPath(t, f);
        if (!existsSync(hp) || statSync(hp).isDirectory()) {
          err(`${existsSync(hp) ? `cat: ${f}: Is a directory` : cantOpen(f)}\n`);
          code = 1;
          continue;
        }
        process.stdout.write(readFileSync(hp));
      }
      return Promise.resolve(code);
    }
    case 'find': {
      // busybox/GNU find: DIR [-path PATTERN] [-name PATTERN] [-type f|d]
      const dir = args[0] ?? '.';
      const tests: Array<(rel: string, isDir: boolean) => boolean> = [];
      for (let i = 1; i < args.length; i += 2) {
        const op = args[i];
        const v = args[i + 1] ?? '';
        if (op === '-path') tests.push((p) => globMatch(v, p));
        else if (op === '-name') tests.push((p) => globMatch(v, path.posix.basename(p)));
        else if (op === '-type') tests.push((_p, d) => (v === 'd' ? d : !d));
        else {
          err(`docker exec find: ${op ?? ''} is not simulated (test/sim/docker.ts)\n`);
          return Promise.resolve(1);
        }
      }
      const base = targetPath(t, dir);
      if (!existsSync(base)) {
        err(`find: ${dir}: No such file or directory\n`);
        return Promise.resolve(1);
      }
      const walk = (hp: string, p: string) => {
        const isDir = statSync(hp).isDirectory();
        if (tests.every((fn) => fn(p, isDir))) out(`${p}\n`);
        if (isDir) for (const e of readdirSync(hp).sort()) walk(path.join(hp, e), `${p.replace(/\/$/, '')}/${e}`);
      };
      walk(base, dir);
      return Promise.resolve(0);
    }
    case 'crictl':
      if (t.kind === 'node') return Promise.resolve(crictl(t, args));
      break;
  }
  err(`docker exec ${ref} ${cmd}: not simulated (test/sim/docker.ts; simulated: mkdir, cp, cat, find; crictl inspecti on kind nodes)\n`);
  return Promise.resolve(126);
}

/**
 * crictl v1.36.0 (kind v0.32.0's node image builds it: images/base/Dockerfile CRICTL_VERSION) on a kind node,
 * `inspecti [-q|--quiet] [-o json] IMAGE…`, answered from the node's containerd (lib/node-images.ts): what kind's
 * nodeutils.ImageID reads. As cmd/crictl/image.go words it, each image in turn: containerd's CRI ImageStatus
 * answers an unknown image with no image (internal/cri/server/images/image_status.go), and crictl returns
 * `no such image "X" present`, which main.go's logrus.Fatal prints in logrus's text format (not a terminal:
 * time="RFC3339" level=fatal msg="…") and exits 1, having printed nothing. Found: outputStatusData's JSON,
 * `{"info": {...}, "status": {...}}` (one image) or a list, indented by two spaces; `status` is the CRI Image as
 * protojson writes it with EmitDefaultValues (size as a string), `info` (without -q) containerd's verbose
 * `info` JSON (chainID, imageSpec), here only imageSpec's platform. Other subcommands and output formats are not
 * simulated.
 */
function crictl(t: Extract<ExecTarget, { kind: 'node' }>, args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'inspecti') {
    err(`docker exec ${t.name} crictl ${sub ?? ''}: not simulated (test/sim/docker.ts; simulated: crictl inspecti)\n`);
    return 126;
  }
  const quiet = rest.includes('-q') || rest.includes('--quiet');
  const ids = rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '-o' && rest[i - 1] !== '--output');
  const output = rest[rest.indexOf('-o') + 1] ?? rest[rest.indexOf('--output') + 1];
  if ((rest.includes('-o') || rest.includes('--output')) && output !== 'json') {
    err(`docker exec ${t.name} crictl inspecti -o ${output ?? ''}: not simulated (json only)\n`);
    return 126;
  }
  const rec = readCluster(home, t.cluster);
  const fatal = (msg: string) => {
    const now = new Date();
    const off = -now.getTimezoneOffset();
    const p2 = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
    const local = new Date(now.getTime() + off * 60_000).toISOString().slice(0, 19);
    err(`time="${local}${off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p2(off / 60)}:${p2(off % 60)}`}" level=fatal msg=${JSON.stringify(msg)}\n`);
    return 1;
  };
  if (ids.length === 0) return fatal('No IDs provided or nothing found per filter');
  const found: unknown[] = [];
  for (const id of ids) {
    const image = rec ? nodeImage(rec, t.name, id) : undefined;
    if (!image) return fatal(`no such image "${id}" present`);
    const status = { id: image.id, pinned: false, repoDigests: [], repoTags: image.repoTags, size: String(image.size), username: '' };
    found.push(quiet ? { status } : { info: { imageSpec: { architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux' } }, status });
  }
  out(`${JSON.stringify(found.length === 1 ? found[0] : found, null, 2)}\n`);
  return 0;
}

/** fnmatch as find -path uses it: * and ? match any character, / included. */
function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(s);
}

// ---- docker cp ----

function treeSize(p: string): { bytes: number; entries: number } {
  const st = statSync(p);
  if (!st.isDirectory()) return { bytes: st.size, entries: 1 };
  let bytes = 0;
  let entries = 1;
  for (const e of readdirSync(p)) {
    const r = treeSize(path.join(p, e));
    bytes += r.bytes;
    entries += r.entries;
  }
  return { bytes, entries };
}

/** The tar stream's size docker cp reports: a 512-byte header per entry, contents padded to 512, the trailer. */
function tarSize(p: string): number {
  const walk = (q: string): number => {
    const st = statSync(q);
    if (!st.isDirectory()) return 512 + Math.ceil(st.size / 512) * 512;
    return 512 + readdirSync(q).reduce((n, e) => n + walk(path.join(q, e)), 0);
  };
  return walk(p) + 1024;
}

/** units.HumanSizeWithPrecision(n, 3): decimal units, %.3g. */
function humanSize3(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i] ?? ''}`;
}

function cpCmd(inv: Invocation): Promise<number> {
  dockerExactArgs(inv, 2, 'docker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH', 'Copy files/folders between a container and the local filesystem');
  if (daemonDown) daemonUnreachable();
  const [src = '', dst = ''] = inv.args;
  const split = (a: string) => {
    const i = a.indexOf(':');
    return i > 0 && !a.startsWith('/') && !a.startsWith('.') ? { c: a.slice(0, i), p: a.slice(i + 1) } : { p: a };
  };
  const s = split(src);
  const d = split(dst);
  if ((s.c === undefined) === (d.c === undefined)) {
    err(s.c ? 'copying between containers is not supported\n' : 'must specify at least one container source\n');
    return Promise.resolve(1);
  }
  const container = (ref: string) => {
    const c = findContainer(readDockerState(home), ref);
    if (!c) {
      err(`${noSuchContainer(ref)}\n`);
      throw new ExitError(1);
    }
    return c;
  };
  // archive.CopyTo semantics: "SRC/." copies the contents; a SRC directory into an existing DEST directory lands
  // in DEST/basename(SRC); otherwise DEST becomes the copy.
  const copyInto = (from: string, to: string, contentsOnly: boolean, name: string) => {
    if (contentsOnly || !existsSync(to) || !statSync(to).isDirectory()) cpSync(from, to, { recursive: true, force: true });
    else cpSync(from, path.join(to, path.posix.basename(name)), { recursive: true, force: true });
  };
  if (s.c !== undefined) {
    const c = container(s.c);
    const from = hostPathFor(home, c, s.p);
    if (!existsSync(from)) {
      err(`Error response from daemon: Could not find the file ${s.p} in container ${s.c}\n`);
      return Promise.resolve(1);
    }
    const to = path.resolve(d.p);
    if (!existsSync(path.dirname(to))) {
      err(`Error: open ${to}: no such file or directory\n`);
      return Promise.resolve(1);
    }
    const size = tarSize(from);
    copyInto(from, to, /\/\.$/.test(s.p), s.p.replace(/\/+$/, ''));
    err(`Successfully copied ${humanSize3(size)} to ${to}\n`);
    return Promise.resolve(0);
  }
  const c = container(d.c as string);
  const from = path.resolve(s.p);
  if (!existsSync(from)) {
    err(`lstat ${from}: no such file or directory\n`);
    return Promise.resolve(1);
  }
  const to = hostPathFor(home, c, d.p);
  if (!existsSync(path.dirname(to))) {
    err(`Error response from daemon: Could not find the file ${path.posix.dirname(d.p)} in container ${d.c}\n`);
    return Promise.resolve(1);
  }
  const size = tarSize(from);
  copyInto(from, to, /\/\.$/.test(s.p), from);
  void treeSize;
  err(`Successfully copied ${humanSize3(size)} to ${d.c}:${d.p}\n`);
  return Promise.resolve(0);
}

// ---- docker load ----

function loadCmd(inv: Invocation): Promise<number> {
  if (inv.args.length) {
    err(`"docker load" accepts no arguments.\n${usageTail(inv, 'docker load [OPTIONS]', 'Load an image from a tar archive or STDIN')}`);
    throw new ExitError(1);
  }
  if (daemonDown) daemonUnreachable();
  const input = inv.flags.string('input');
  if (input && !existsSync(input)) {
    err(`open ${input}: no such file or directory\n`);
    return Promise.resolve(1);
  }
  let data: Buffer;
  try {
    data = readFileSync(input ?? 0);
  } catch {
    data = Buffer.alloc(0);
  }
  const files = readImageArchive(data);
  if (!files) {
    err('Error response from daemon: unexpected EOF\n');
    return Promise.resolve(1);
  }
  // The daemon streams its error after what it loaded (api/server/router/image postImagesLoad: FormatError into
  // the output), and the CLI prints that error as is: no "Error response from daemon:" in front.
  try {
    return Promise.resolve(containerdStore ? importArchive(files) : loadArchive(files));
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    err(`${e.message}\n`);
    return Promise.resolve(1);
  }
}

class LoadError extends Error {}

/** "Loaded image: NAME" per name, "Loaded image ID: ID" for an image without one. */
function sayLoaded(names: string[], id: string): void {
  if (names.length) for (const n of names) out(`Loaded image: ${normalizeRef(n)}\n`);
  else out(`Loaded image ID: ${id}\n`);
}

/**
 * The classic store's load (moby v28.2.2 image/tarexport/load.go Load): manifest.json's images one by one, each
 * config and layer read from the unpacked archive (a missing one: `open …: no such file or directory`), each
 * layer's sha256 checked against the config's rootfs.diff_ids (`invalid diffID for layer N: expected …, got …`),
 * then the image stored and tagged. An image loaded stays when a later one fails. Not simulated: a layer Docker
 * already has is not read again (layer store Get by chain ID), and "Loaded image ID" lines come per untagged
 * image rather than all at once after a last untagged one.
 */
function loadArchive(files: Map<string, Buffer>): number {
  const tmp = `/var/lib/docker/tmp/docker-import-${String(process.pid).padStart(10, '1')}`;
  const manifest = files.get('manifest.json');
  if (!manifest) {
    // no manifest.json: moby's legacyLoad (one folder per layer, then `repositories`), which the simulation does not write
    throw new LoadError(files.has('repositories') ? 'docker load: the legacy (pre-1.10) image format is not simulated' : `open ${tmp}/repositories: no such file or directory`);
  }
  const items = parseJson<DockerManifestItem[] | null>(manifest);
  if (items === undefined) throw new LoadError(`invalid character '${manifest.toString('utf8').trim()[0] ?? ''}' looking for beginning of value`);
  if (items === null) throw new LoadError('invalid manifest, manifest cannot be null (but can be [])');
  for (const m of items) {
    const configBytes = files.get(m.Config);
    if (!configBytes) throw new LoadError(`open ${tmp}/${m.Config}: no such file or directory`);
    const config = parseJson<{ created?: string; config?: { Labels?: Record<string, string> | null }; rootfs?: { diff_ids?: string[] } }>(configBytes);
    if (!config) throw new LoadError(`invalid character '${configBytes.toString('utf8').trim()[0] ?? ''}' looking for beginning of value`);
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (m.Layers.length !== diffIds.length) throw new LoadError(`invalid manifest, layers length mismatch: expected ${m.Layers.length}, got ${diffIds.length}`);
    let content: ImageContent | undefined;
    for (const [i, diffId] of diffIds.entries()) {
      const layer = files.get(m.Layers[i] as string);
      if (!layer) throw new LoadError(`open ${tmp}/${m.Layers[i]}: no such file or directory`);
      const got = `sha256:${sha256Hex(layer)}`;
      if (got !== diffId) throw new LoadError(`invalid diffID for layer ${i}: expected "${diffId}", got "${got}"`);
      content = layerContent(layer) ?? content;
    }
    const id = content?.id ?? `sha256:${sha256Hex(configBytes)}`;
    const names = m.RepoTags ?? [];
    storeImage(home, { id, created: config.created ?? new Date().toISOString(), labels: config.config?.Labels ?? {}, repoTags: names, ...(content?.upstream ? { upstream: content.upstream } : {}) });
    sayLoaded(names, id);
  }
  return 0;
}

/**
 * The containerd store's load (moby v28.2.2 daemon/containerd LoadImage → containerd v2.0.5 client Import with
 * WithSkipMissing, core/images/archive ImportIndex): every blob is taken in under the digest of its bytes, then
 * an image per name in index.json. Content that is missing (or whose bytes changed: it is then under another
 * digest) is skipped, the image is still made, and unpacking it fails: "Error unpacking image NAME: …" follows
 * its "Loaded image" line, and the load exits 0. RepoDigests come with the image (the export's index keeps them).
 */
function importArchive(files: Map<string, Buffer>): number {
  const platform = `linux/${goArch}`;
  const images = files.has('oci-layout') ? indexImages(files) : undefined;
  if (files.has('oci-layout') && !images) throw new LoadError('missing index.json in OCI layout 1.0.0');
  if (!images) {
    // Docker's format without oci-layout: containerd makes a manifest per entry of manifest.json
    const items = parseJson<DockerManifestItem[]>(files.get('manifest.json'));
    if (!items) throw new LoadError('unrecognized image format');
    for (const m of items) {
      if (!files.has(m.Config)) throw new LoadError(`image config "${m.Config}" not found`);
      for (const l of m.Layers) if (!files.has(l)) throw new LoadError(`failed to resolve layers: layer "${l}" not found`);
    }
    for (const m of items) {
      const layer = files.get(m.Layers[0] ?? '');
      const content = layer ? layerContent(layer) : undefined;
      const id = content?.id ?? `sha256:${sha256Hex(files.get(m.Config) as Buffer)}`;
      storeImage(home, { id, created: new Date().toISOString(), labels: {}, repoTags: m.RepoTags ?? [], ...(content?.repoDigests ? { repoDigests: content.repoDigests } : {}), ...(content?.upstream ? { upstream: content.upstream } : {}) });
      sayLoaded(m.RepoTags ?? [], id);
    }
    return 0;
  }
  for (const { name, target } of images) {
    const missing = missingContent(files, target, platform);
    const { labels, content } = imageOf(files, target, platform);
    const id = content?.id ?? target.digest;
    const names = name ? [name] : [];
    storeImage(home, { id, created: new Date().toISOString(), labels, repoTags: names, ...(content?.repoDigests ? { repoDigests: content.repoDigests } : {}), ...(content?.upstream ? { upstream: content.upstream } : {}) });
    sayLoaded(names, id);
    if (missing) out(`Error unpacking image ${name ? normalizeRef(name) : id}: content digest ${missing}: not found\n`);
  }
  return 0;
}

/** Whether an image of this build (the same context and Dockerfile) was built here before: BuildKit has its steps. */
function buildCached(id: string): boolean {
  return allImages(home).some((r) => r.id === id);
}

// ---- docker build: the FROM images (BuildKit's image source) ----

/**
 * BuildKit resolves each FROM at the registry unless the image is already local (the docker driver's image store,
 * or BuildKit's own cache from an earlier build: $HPA_LAB_SIM_HOME/docker/buildkit.json). A base it downloads goes
 * to its cache; on the classic store it does not appear in `docker images`, on the containerd store it does. With no
 * network: `failed to solve: REF: failed to resolve source metadata for FULL: failed to do request: Head
 * "https://HOST/v2/PATH/manifests/REF": dial tcp: lookup HOST: no such host` (buildkit source/containerimage).
 */
function ensureBuildBases(bases: string[]): void {
  const file = path.join(home, 'docker', 'buildkit.json');
  const cache: string[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
  for (const b of new Set(bases)) {
    const ref = parseImageRef(b);
    if (!ref) continue;
    if (findImage(home, b) || cache.includes(ref.digest ? `${ref.name}@${ref.digest}` : ref.full)) continue;
    const host = registryHost(ref.domain);
    const object = ref.digest ?? ref.tag ?? 'latest';
    const full = /:[^/@]*@/.test(b) ? `${ref.name}:${/:([^/@]*)@/.exec(b)?.[1] ?? ''}@${ref.digest ?? ''}` : ref.full;
    if (isOffline(home)) {
      err(`ERROR: failed to build: failed to solve: ${b}: failed to resolve source metadata for ${full}: failed to do request: Head "https://${host}/v2/${ref.path}/manifests/${object}": ${dnsError(host)}\n`);
      throw new ExitError(1);
    }
    const s = findUpstream(b);
    if (!s) {
      err(`ERROR: failed to build: failed to solve: ${b}: failed to resolve source metadata for ${full}: ${full}: not found\n`);
      throw new ExitError(1);
    }
    if (containerdStore) {
      const r = hostPull(home, b, 'docker');
      if (!r.ok) {
        err(`ERROR: failed to build: failed to solve: ${r.message}\n`);
        throw new ExitError(1);
      }
    } else {
      const r = hostPullToCache(b);
      cache.push(r);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(cache));
    }
  }
}

/** A base image BuildKit downloads into its own cache (logged as a download by "docker"). */
function hostPullToCache(b: string): string {
  const ref = parseImageRef(b);
  const s = findUpstream(b);
  if (!ref || !s) return b;
  const p = s.platforms.find((x) => x.platform.architecture === goArch) ?? s.platforms[0];
  logDownloadFor(s, p?.modelledBytes ?? 0);
  return ref.digest ? `${ref.name}@${ref.digest}` : ref.full;
}

function logDownloadFor(s: NonNullable<ReturnType<typeof findUpstream>>, bytes: number): void {
  waitTransferSync(bytes);
  logDownload(home, { by: 'docker', ref: logRef(s), bytes });
}

// ---- command tree ----

const formatFlag: FlagDef = { name: 'format', short: 'f', kind: 'string', usage: 'Format output using a custom template' };

const buildFlags: FlagDef[] = [
  { name: 'add-host', kind: 'stringArray', usage: 'Add a custom host-to-IP mapping' },
  { name: 'attest', kind: 'stringArray', usage: 'Attestation parameters (format: "type=sbom,generator=image")' },
  { name: 'build-arg', kind: 'stringArray', usage: 'Set build-time variables' },
  { name: 'build-context', kind: 'stringArray', usage: 'Additional build contexts' },
  { name: 'cache-from', kind: 'stringArray', usage: 'External cache sources' },
  { name: 'cache-to', kind: 'stringArray', usage: 'Cache export destinations' },
  { name: 'file', short: 'f', kind: 'string', usage: 'Name of the Dockerfile (default: "PATH/Dockerfile")' },
  { name: 'iidfile', kind: 'string', usage: 'Write the image ID to a file' },
  { name: 'label', kind: 'stringArray', usage: 'Set metadata for an image' },
  { name: 'load', kind: 'bool', usage: 'Shorthand for "--output=type=docker"' },
  { name: 'metadata-file', kind: 'string', usage: 'Write build result metadata to a file' },
  { name: 'network', kind: 'string', usage: 'Set the networking mode for the "RUN" instructions during build' },
  { name: 'no-cache', kind: 'bool', usage: 'Do not use cache when building the image' },
  { name: 'output', short: 'o', kind: 'stringArray', usage: 'Output destination' },
  { name: 'platform', kind: 'stringArray', usage: 'Set target platform for build' },
  { name: 'progress', kind: 'string', default: 'auto', usage: 'Set type of progress output ("auto", "plain", "tty", "quiet", "rawjson")' },
  { name: 'provenance', kind: 'string', usage: 'Shorthand for "--attest=type=provenance"' },
  { name: 'pull', kind: 'bool', usage: 'Always attempt to pull all referenced images' },
  { name: 'push', kind: 'bool', usage: 'Shorthand for "--output=type=registry"' },
  { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the build output and print image ID on success' },
  { name: 'sbom', kind: 'string', usage: 'Shorthand for "--attest=type=sbom"' },
  { name: 'secret', kind: 'stringArray', usage: 'Secret to expose to the build' },
  { name: 'ssh', kind: 'stringArray', usage: 'SSH agent socket or keys to expose to the build' },
  { name: 'tag', short: 't', kind: 'stringArray', usage: 'Image identifier (format: "[registry/]repository[:tag]")' },
  { name: 'target', kind: 'string', usage: 'Set the target build stage to build' },
];

const build: Command = { name: 'build', aliases: ['b'], short: 'Start a build', args: 'any', flags: buildFlags, run: buildCmd };
const imageInspect: Command = { name: 'inspect', short: 'Display detailed information on one or more images', args: 'any', flags: [formatFlag, { name: 'platform', kind: 'string', usage: 'Inspect a specific platform' }], run: imageInspectCmd };

const imageLs: Command = {
  name: 'ls',
  aliases: ['list'],
  short: 'List images',
  args: 'any',
  flags: [formatFlag, { name: 'filter', kind: 'stringArray', usage: 'Filter output based on conditions provided' }, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' }],
  run: imageLsCmd,
};
const imageSave: Command = {
  name: 'save',
  short: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  args: 'any',
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }, { name: 'platform', kind: 'string', usage: 'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' }],
  run: imageSaveCmd,
};
const containerInspect: Command = {
  name: 'inspect',
  short: 'Display detailed information on one or more containers',
  args: 'any',
  flags: [formatFlag, { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' }],
  run: (inv) => inspectCmd(inv, 'container'),
};
const imageRm: Command = { name: 'rm', aliases: ['rmi', 'remove'], short: 'Remove one or more images', args: 'any', flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force removal of the image' }, { name: 'no-prune', kind: 'bool', usage: 'Do not delete untagged parents' }], run: imageRmCmd };

/** Real Docker commands the simulation does not implement: clearly say so instead of pretending. */
const UNSIMULATED = ['attach', 'commit', 'compose', 'context', 'create', 'diff', 'events', 'export', 'history', 'images', 'import', 'kill', 'login', 'logout', 'logs', 'pause', 'port', 'ps', 'rename', 'rmi', 'search', 'stats', 'system', 'tag', 'top', 'unpause', 'update', 'wait'];

const pullCommand: Command = {
  name: 'pull',
  short: 'Download an image from a registry',
  args: 'any',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', kind: 'bool', default: 'true', usage: 'Skip image verification' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  run: pullCmd,
};
const pushCommand: Command = {
  name: 'push',
  short: 'Upload an image to a registry',
  args: 'any',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', kind: 'bool', default: 'true', usage: 'Skip image signing' },
    { name: 'platform', kind: 'string', usage: 'Push a platform-specific manifest as a single-platform image to the registry' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  run: pushCmd,
};
const loadCommand: Command = {
  name: 'load',
  short: 'Load an image from a tar archive or STDIN',
  args: 'any',
  flags: [
    { name: 'input', short: 'i', kind: 'string', usage: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the load output' },
    { name: 'platform', kind: 'stringSlice', usage: 'Load only the given platform(s)' },
  ],
  run: loadCmd,
};
const runCommand: Command = {
  name: 'run',
  short: 'Create and run a new container from an image',
  args: 'any',
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Run container in background and print container ID' },
    { name: 'name', kind: 'string', usage: 'Assign a name to the container' },
    { name: 'restart', kind: 'string', default: 'no', usage: 'Restart policy to apply when a container exits' },
    { name: 'label', short: 'l', kind: 'stringArray', usage: 'Set meta data on a container' },
    { name: 'publish', short: 'p', kind: 'stringArray', usage: "Publish a container's port(s) to the host" },
    { name: 'volume', short: 'v', kind: 'stringArray', usage: 'Bind mount a volume' },
    { name: 'env', short: 'e', kind: 'stringArray', usage: 'Set environment variables' },
    { name: 'network', kind: 'string', usage: 'Connect a container to a network' },
    { name: 'net', kind: 'string', usage: 'Connect a container to a network', hidden: true },
    { name: 'rm', kind: 'bool', usage: 'Automatically remove the container and its associated anonymous volumes when it exits' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    { name: 'pull', kind: 'string', default: 'missing', usage: 'Pull image before running ("always", "missing", "never")' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
  ],
  run: runCmd,
};
const startCommand: Command = { name: 'start', short: 'Start one or more stopped containers', args: 'any', flags: [{ name: 'attach', short: 'a', kind: 'bool', usage: 'Attach STDOUT/STDERR and forward signals' }, { name: 'interactive', short: 'i', kind: 'bool', usage: "Attach container's STDIN" }], run: startCmd };
const restartCommand: Command = { name: 'restart', short: 'Restart one or more containers', args: 'any', flags: [{ name: 'time', short: 't', kind: 'int', usage: 'Seconds to wait before killing the container' }, { name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }], run: restartCmd };
const stopCommand: Command = { name: 'stop', short: 'Stop one or more running containers', args: 'any', flags: [{ name: 'time', short: 't', kind: 'int', usage: 'Seconds to wait before killing the container' }, { name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }], run: stopCmd };
const rmCommand: Command = {
  name: 'rm',
  short: 'Remove one or more containers',
  args: 'any',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', kind: 'bool', usage: 'Remove the specified link' },
    { name: 'volumes', short: 'v', kind: 'bool', usage: 'Remove anonymous volumes associated with the container' },
  ],
  run: rmCmd,
};
const execCommand: Command = {
  name: 'exec',
  short: 'Execute a command in a running container',
  args: 'any',
  flags: [
    { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: run command in the background' },
    { name: 'env', short: 'e', kind: 'stringArray', usage: 'Set environment variables' },
    { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to the command' },
    { name: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ],
  run: execCmd,
};
const cpCommand: Command = {
  name: 'cp',
  short: 'Copy files/folders between a container and the local filesystem',
  args: 'any',
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  run: cpCmd,
};
const labelFlag: FlagDef = { name: 'label', kind: 'stringArray', usage: 'Set metadata for a volume' };
const volumeCommand: Command = {
  name: 'volume',
  short: 'Manage volumes',
  args: 'any',
  run: () => Promise.resolve(0),
  subcommands: [
    { name: 'create', short: 'Create a volume', args: 'any', flags: [labelFlag, { name: 'driver', short: 'd', kind: 'string', default: 'local', usage: 'Specify volume driver name' }, { name: 'opt', short: 'o', kind: 'stringArray', usage: 'Set driver specific options' }, { name: 'name', kind: 'string', usage: 'Specify volume name', hidden: true }], run: volumeCreateCmd },
    { name: 'inspect', short: 'Display detailed information on one or more volumes', args: 'any', flags: [formatFlag], run: volumeInspectCmd },
    { name: 'rm', aliases: ['remove'], short: 'Remove one or more volumes', args: 'any', flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of one or more volumes' }], run: volumeRmCmd },
    { name: 'ls', aliases: ['list'], short: 'List volumes', args: 'any', flags: [formatFlag, { name: 'filter', short: 'f', kind: 'stringArray', usage: "Provide filter values (e.g. 'dangling=true')" }, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display volume names' }], run: volumeLsCmd },
  ],
};
const networkCommand: Command = {
  name: 'network',
  short: 'Manage networks',
  args: 'any',
  run: () => Promise.resolve(0),
  subcommands: [
    { name: 'connect', short: 'Connect a container to a network', args: 'any', flags: [{ name: 'alias', kind: 'stringSlice', usage: 'Add network-scoped alias for the container' }, { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' }], run: networkConnectCmd },
    { name: 'ls', aliases: ['list'], short: 'List networks', args: 'any', flags: [formatFlag, { name: 'filter', short: 'f', kind: 'stringArray', usage: 'Provide filter values' }, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display network IDs' }], run: networkLsCmd },
  ],
};

const root: Command = {
  name: 'docker',
  short: 'A self-sufficient runtime for containers',
  args: 'any',
  run: (inv) => {
    if (inv.args.length === 0) {
      out('Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n');
      return Promise.resolve(0);
    }
    const cmd = inv.args[0] as string;
    if (UNSIMULATED.includes(cmd)) err(`docker ${cmd}: not simulated (test/sim/docker.ts)\n`);
    else err(`docker: unknown command: docker ${cmd}\n\nRun 'docker --help' for more information\n`);
    return Promise.resolve(1);
  },
  subcommands: [
    { name: 'version', short: 'Show the Docker version information', args: 'any', flags: [formatFlag], run: versionCmd },
    { name: 'info', short: 'Display system-wide information', args: 'any', flags: [formatFlag], run: infoCmd },
    build,
    { name: 'buildx', short: 'Docker Buildx', args: 'any', subcommands: [build], run: () => Promise.resolve(0) },
    { name: 'image', short: 'Manage images', args: 'any', subcommands: [imageInspect, imageLs, imageRm, imageSave, pullCommand, pushCommand, loadCommand], run: () => Promise.resolve(0) },
    { ...imageSave, aliases: [] },
    pullCommand,
    pushCommand,
    loadCommand,
    runCommand,
    startCommand,
    stopCommand,
    restartCommand,
    rmCommand,
    execCommand,
    cpCommand,
    volumeCommand,
    networkCommand,
    { name: 'container', short: 'Manage containers', args: 'any', subcommands: [containerInspect, { ...runCommand }, { ...startCommand }, { ...stopCommand }, { ...restartCommand }, { ...rmCommand, aliases: ['remove'] }, { ...execCommand }, { ...cpCommand }], run: () => Promise.resolve(0) },
    { name: 'inspect', short: 'Return low-level information on Docker objects', args: 'any', flags: [formatFlag, { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes if the type is container' }, { name: 'type', kind: 'string', usage: 'Only inspect objects of the given type' }], run: (inv) => inspectCmd(inv, 'any') },
  ],
};

/** Docker parses its global options itself before the command; they are not valid after it. */
const GLOBAL_FLAGS: Record<string, boolean> = {
  '--config': true, '-c': true, '--context': true, '-D': false, '--debug': false, '-H': true, '--host': true,
  '-l': true, '--log-level': true, '--tls': false, '--tlscacert': true, '--tlscert': true, '--tlskey': true, '--tlsverify': false,
};

/**
 * `docker run` and `docker exec` stop parsing flags at their first argument (cobra's SetInterspersed(false)):
 * what follows the image or container is the command's. The simulated cobra always intersperses, so a `--` is put
 * after that argument.
 */
function stopFlagsAfterTarget(argv: string[]): string[] {
  let k = 0;
  if (argv[0] === 'container') k = 1;
  const cmd = argv[k];
  if (cmd !== 'run' && cmd !== 'exec') return argv;
  const def = (cmd === 'run' ? runCommand : execCommand).flags ?? [];
  const takesValue = (a: string): boolean => {
    if (a.startsWith('--')) {
      if (a.includes('=')) return false;
      return def.some((d) => d.name === a.slice(2) && d.kind !== 'bool');
    }
    // -abc: the last shorthand may take the value (the rest of the word, else the next argument)
    const shorts = a.slice(1);
    for (let j = 0; j < shorts.length; j++) {
      const d = def.find((x) => x.short === shorts[j]);
      if (d && d.kind !== 'bool') return j === shorts.length - 1;
    }
    return false;
  };
  for (let j = k + 1; j < argv.length; j++) {
    const a = argv[j] as string;
    if (a === '--') return argv;
    if (a.startsWith('-') && a.length > 1) {
      if (takesValue(a)) j++;
      continue;
    }
    return [...argv.slice(0, j + 1), '--', ...argv.slice(j + 1)];
  }
  return argv;
}

runMain(async () => {
  const argv = process.argv.slice(2);
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('-')) {
    const a = argv[i] as string;
    if (a === '-v' || a === '--version') {
      out(`Docker version ${VERSION}, build e6534b4\n`);
      return 0;
    }
    const [flag = '', inline] = a.split(/=(.*)/s);
    const takesValue = GLOBAL_FLAGS[flag];
    if (takesValue === undefined) {
      err(`${flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`}\nSee 'docker --help'.\n`);
      return 125;
    }
    i += takesValue && inline === undefined ? 2 : 1;
  }
  return execute(root, stopFlagsAfterTarget(argv.slice(i)), {
    stdout: out,
    onError: (e: CliError) => {
      if (e.kind === 'flag') {
        err(`${e.message}\nSee '${e.commandPath} --help'.\n`);
        return 125;
      }
      err(`${e.message}\n`);
      return 1;
    },
  });
});

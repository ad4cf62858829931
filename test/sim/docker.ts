// Stand-in for the `docker` CLI (emulates Docker 28.2.2): version, info, build (BuildKit), image inspect.
// Flag errors look like Docker's ("unknown flag: --x" + "See 'docker version --help'.", exit 125).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { listClusters, readCluster } from './lib/clusters.ts';
import { ExitError, runMain, simHome } from './lib/env.ts';
import { downInfo } from './lib/dockerinfo.ts';
import { DOCKER_DOWN_MESSAGE, processFaults } from './lib/faults.ts';
import { allImages, contextDigest, contextFiles, findImage, normalizeRef, removeTag, saveImage } from './lib/images.ts';
import { attestationDigest, findStoredImage, writeImageArchive, type ImageArchive } from './lib/archives.ts';

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
    CgroupDriver: 'systemd',
    CgroupVersion: '2',
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
    found.push({ Id: img.id, RepoTags: img.repoTags, RepoDigests: [], Created: img.created, Config: { Labels: img.labels }, Architecture: goArch, Os: 'linux', Size: 0 });
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
  const images: ImageArchive['images'] = [];
  let indexMissing: string | undefined;
  for (const ref of inv.args) {
    const img = findStoredImage(home, ref);
    if (!img) {
      err(`Error response from daemon: reference does not exist\n`);
      throw new ExitError(1);
    }
    if (platform && platform.replace(/\/$/, '') !== `linux/${goArch}` && platform !== 'linux') {
      err(`Error response from daemon: no suitable export target found for platform ${platform}\n`);
      throw new ExitError(1);
    }
    images.push({ names: [normalizeRef(ref)], id: img.id });
    if (!platform && img.indexMissing) indexMissing = img.indexMissing;
  }
  const archive: ImageArchive = { simulatedImageArchive: 1, images, ...(platform ? { platform } : {}), ...(indexMissing ? { indexMissing } : {}) };
  const output = inv.flags.string('output');
  if (output) writeImageArchive(output, archive);
  else out(`${JSON.stringify(archive)}\n`);
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
    if (obj === undefined && (type === '' || type === 'image')) {
      const img = findImage(home, ref);
      if (img) obj = { Id: img.id, RepoTags: img.repoTags, RepoDigests: [], Created: img.created, Config: { Labels: img.labels }, Architecture: goArch, Os: 'linux', Size: 0 };
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
    if (removeTag(home, ref)) out(`Untagged: ${normalizeRef(ref)}\n`);
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
const UNSIMULATED = ['attach', 'commit', 'compose', 'context', 'cp', 'create', 'diff', 'events', 'exec', 'export', 'history', 'images', 'import', 'kill', 'load', 'login', 'logout', 'logs', 'network', 'pause', 'port', 'ps', 'pull', 'push', 'rename', 'restart', 'rm', 'rmi', 'run', 'search', 'start', 'stats', 'stop', 'system', 'tag', 'top', 'unpause', 'update', 'volume', 'wait'];

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
    { name: 'image', short: 'Manage images', args: 'any', subcommands: [imageInspect, imageLs, imageRm, imageSave], run: () => Promise.resolve(0) },
    { ...imageSave, aliases: [] },
    { name: 'container', short: 'Manage containers', args: 'any', subcommands: [containerInspect], run: () => Promise.resolve(0) },
    { name: 'inspect', short: 'Return low-level information on Docker objects', args: 'any', flags: [formatFlag, { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes if the type is container' }, { name: 'type', kind: 'string', usage: 'Only inspect objects of the given type' }], run: (inv) => inspectCmd(inv, 'any') },
  ],
};

/** Docker parses its global options itself before the command; they are not valid after it. */
const GLOBAL_FLAGS: Record<string, boolean> = {
  '--config': true, '-c': true, '--context': true, '-D': false, '--debug': false, '-H': true, '--host': true,
  '-l': true, '--log-level': true, '--tls': false, '--tlscacert': true, '--tlscert': true, '--tlskey': true, '--tlsverify': false,
};

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
  return execute(root, argv.slice(i), {
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

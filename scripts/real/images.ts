// Images for the real tier, made without a registry: a rootfs in a folder (the binaries, CA certificates,
// /etc/passwd with the numeric users the pods run as), packed with `docker import` and tagged with exactly the
// reference kubeadm, kind or a chart's render names. The kind base and node images are put together the way
// kind's own Dockerfile (images/base) and `kind build node-image` (pkg/build/nodeimage/buildcontext.go) do,
// by hand, because both need the network.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { ImageSpec } from './parts.ts';
import { IMAGE_PATH_ENV } from './parts.ts';

export const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
  'pause:x:65535:65535:pause:/:/sbin/nologin',
  '',
].join('\n');
export const GROUP = ['root:x:0:', 'nobody:x:65534:', 'nonroot:x:65532:', 'pause:x:65535:', ''].join('\n');

/** The `--change` instructions `docker import` applies (Dockerfile syntax, JSON arrays). */
export function importChanges(spec: Pick<ImageSpec, 'entrypoint' | 'cmd' | 'user' | 'workdir'>, env: Record<string, string> = {}): string[] {
  const changes = [`ENV PATH=${IMAGE_PATH_ENV}`];
  for (const [k, v] of Object.entries(env)) changes.push(`ENV ${k}=${v}`);
  if (spec.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`);
  if (spec.cmd) changes.push(`CMD ${JSON.stringify(spec.cmd)}`);
  if (spec.user) changes.push(`USER ${spec.user}`);
  if (spec.workdir) changes.push(`WORKDIR ${spec.workdir}`);
  return changes;
}

/** A bare rootfs: /etc/passwd, /etc/group, CA certificates, /tmp. */
export function bareRootfs(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['etc/ssl/certs', 'tmp', 'usr/local/bin', 'bin']) mkdirSync(path.join(dir, d), { recursive: true });
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  writeFileSync(path.join(dir, 'etc/passwd'), PASSWD);
  writeFileSync(path.join(dir, 'etc/group'), GROUP);
  writeFileSync(path.join(dir, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  copyFileSync('/etc/ssl/certs/ca-certificates.crt', path.join(dir, 'etc/ssl/certs/ca-certificates.crt'));
}

/** Packs a folder into an image: tar | docker import, then saves it as a tar for `ctr import` and for reloading. */
export async function importImage(dir: string, ref: string, changes: string[], saveTo: string): Promise<string> {
  await execa('tar', ['--numeric-owner', '-C', dir, '-cf', '-', '.'], { buffer: false }).pipe('docker', ['import', ...changes.flatMap((c) => ['--change', c]), '-', ref]);
  mkdirSync(path.dirname(saveTo), { recursive: true });
  await execa('docker', ['image', 'save', '-o', `${saveTo}.tmp`, ref]);
  await execa('mv', [`${saveTo}.tmp`, saveTo]);
  const id = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]);
  return id.stdout.trim();
}

/** Builds one image from a spec: binaries from the built parts into a bare (or Debian) rootfs. */
export async function buildSpecImage(spec: ImageSpec, partsDir: (part: string) => string, workDir: string, debianRootfs: string, saveTo: string): Promise<string> {
  const dir = path.join(workDir, 'rootfs');
  if (spec.debian) {
    rmSync(dir, { recursive: true, force: true });
    await execa('cp', ['-a', debianRootfs, dir]);
  } else {
    bareRootfs(dir);
  }
  if (spec.workdir) {
    mkdirSync(path.join(dir, spec.workdir), { recursive: true });
    if (spec.user) await execa('chown', [`${spec.user}:${spec.user}`, path.join(dir, spec.workdir)]);
  }
  for (const [to, text] of Object.entries(spec.content ?? {})) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    writeFileSync(path.join(dir, to), text);
  }
  for (const [from, to] of Object.entries(spec.files)) {
    const [part, bin] = from.split('/') as [string, string];
    const dest = path.join(dir, to);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(path.join(partsDir(part), bin), dest);
    chmodSync(dest, 0o755);
  }
  return importImage(dir, spec.ref, importChanges(spec), saveTo);
}

/** The name a saved image's tar gets in the cache. */
export function imageFile(ref: string): string {
  return `${ref.replace(/[/:@]/g, '_')}.tar`;
}

export interface BaseInputs {
  debianRootfs: string;
  kindDir: string; // the kind module (images/base/files)
  bin: (part: string, name: string) => string;
}

/**
 * kind's base image, as images/base/Dockerfile makes it, on Debian bookworm (its systemd 252 still boots on a
 * cgroup v1 host; trixie's refuses). Two changes for these machines and said so: containerd's
 * restrict_oom_score_adj (a container may not lower its oom_score_adj without CAP_SYS_RESOURCE, which the
 * capability bounding set here lacks) and no negative OOMScoreAdjust for systemd's services, for the same reason.
 */
export async function buildBaseRootfs(inp: BaseInputs, dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  await execa('cp', ['-a', inp.debianRootfs, dir]);
  const files = path.join(inp.kindDir, 'images/base/files');
  cpSync(files, dir, { recursive: true, dereference: true });
  await execa('chmod', ['-R', 'u+w,go+rX', path.join(dir, 'kind'), path.join(dir, 'etc/containerd'), path.join(dir, 'etc/systemd/system'), path.join(dir, 'etc/default'), path.join(dir, 'etc/sysctl.d')]);
  for (const f of ['usr/local/bin/entrypoint', 'usr/local/bin/clean-install', 'kind/bin/create-kubelet-cgroup-v2.sh', 'kind/bin/mount-product-files.sh', 'kind/bin/undo-mount-hacks.sh']) chmodSync(path.join(dir, f), 0o755);
  rmSync(path.join(dir, 'LICENSES'), { recursive: true, force: true });
  // The Dockerfile's clean-up of systemd units a container must not start.
  await execa('sh', ['-c', [
    'set -e',
    `cd ${dir}`,
    'find lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete',
    'rm -f lib/systemd/system/multi-user.target.wants/* etc/systemd/system/*.wants/* lib/systemd/system/local-fs.target.wants/*',
    'rm -f lib/systemd/system/sockets.target.wants/*udev* lib/systemd/system/sockets.target.wants/*initctl* lib/systemd/system/basic.target.wants/*',
    'echo "ReadKMsg=no" >> etc/systemd/journald.conf',
    'ln -sf /usr/lib/systemd/systemd sbin/init',
    'mkdir -p etc/kubernetes/manifests opt/cni/bin',
  ].join('\n')]);
  const put = (part: string, name: string, to: string) => {
    copyFileSync(inp.bin(part, name), path.join(dir, to));
    chmodSync(path.join(dir, to), 0o755);
  };
  for (const b of ['containerd', 'ctr', 'containerd-shim-runc-v2']) put('containerd', b, `usr/local/bin/${b}`);
  put('runc', 'runc', 'usr/local/sbin/runc');
  put('crictl', 'crictl', 'usr/local/bin/crictl');
  for (const b of ['host-local', 'loopback', 'ptp', 'portmap']) put('cni-plugins', b, `opt/cni/bin/${b}`);
  // cri-base.json as the Dockerfile makes it: ctr's default spec, kind's createContainer hook, no rlimits.
  const spec = JSON.parse((await execa(inp.bin('containerd', 'ctr'), ['oci', 'spec'])).stdout) as { hooks?: { createContainer?: { path: string }[] }; process: { rlimits?: unknown } };
  spec.hooks = { ...spec.hooks, createContainer: [...(spec.hooks?.createContainer ?? []), { path: '/kind/bin/mount-product-files.sh' }] };
  delete spec.process.rlimits;
  writeFileSync(path.join(dir, 'etc/containerd/cri-base.json'), `${JSON.stringify(spec, null, 2)}\n`);
  const toml = path.join(dir, 'etc/containerd/config.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace('restrict_oom_score_adj = false', 'restrict_oom_score_adj = true'));
  mkdirSync(path.join(dir, 'etc/systemd/system/service.d'), { recursive: true });
  writeFileSync(path.join(dir, 'etc/systemd/system/service.d/10-hpa-lab-oom.conf'), '# hpa-lab real tier: no service may lower its oom_score_adj on a host without CAP_SYS_RESOURCE\n[Service]\nOOMScoreAdjust=0\n');
  // The Dockerfile's `systemctl enable`/`mask`, made in the rootfs.
  await execa('chroot', [dir, 'systemctl', 'enable', 'kubelet.service', 'containerd.service', 'undo-mount-hacks.service']);
  await execa('chroot', [dir, 'systemctl', 'mask', 'systemd-binfmt.service']);
}

// kind's base Dockerfile also says STOPSIGNAL SIGRTMIN+3; Docker 20.10's `docker import` and `docker commit` both
// refuse it ("stopsignal is not a valid change command"). Left out: kind removes nodes with `docker rm -f`, and a
// `docker stop` of a node then ends systemd with SIGTERM (then SIGKILL) instead of its clean-shutdown signal.
export const BASE_CHANGES = [
  'ENV container=docker',
  'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
];

export interface NodeInputs {
  baseImage: string;
  nodeImage: string;
  version: string;
  kubeBins: string; // folder with kubeadm, kubelet, kubectl
  imageTars: string[];
  cniManifest: string;
  storageManifest?: string;
}

/** `kind build node-image` by hand (buildcontext.go's buildImage): binaries, /kind/version, manifests, images, commit. */
export async function buildNodeImage(inp: NodeInputs, log: (l: string) => void): Promise<void> {
  const name = `hpa-lab-real-node-build-${process.pid}`;
  await execa('docker', ['run', '-d', '--entrypoint=sleep', `--name=${name}`, '--security-opt', 'seccomp=unconfined', '--privileged', inp.baseImage, 'infinity']);
  const ex = (args: string[], input?: string) => execa('docker', ['exec', ...(input === undefined ? [] : ['-i']), name, ...args], input === undefined ? {} : { input });
  try {
    for (const b of ['kubeadm', 'kubelet', 'kubectl']) {
      await execa('docker', ['cp', path.join(inp.kubeBins, b), `${name}:/usr/bin/${b}`]);
      await ex(['chown', 'root:root', `/usr/bin/${b}`]);
    }
    await ex(['sh', '-c', 'mkdir -p /kind/manifests && cat > /kind/version'], inp.version);
    await ex(['sh', '-c', 'cat > /kind/manifests/default-cni.yaml'], inp.cniManifest);
    if (inp.storageManifest !== undefined) await ex(['sh', '-c', 'cat > /kind/manifests/default-storage.yaml'], inp.storageManifest);
    await ex(['bash', '-c', 'nohup containerd > /var/log/containerd-build.log 2>&1 &']);
    await ex(['bash', '-c', 'for i in $(seq 30); do [ -S /run/containerd/containerd.sock ] && ctr info >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1']);
    for (const tar of inp.imageTars) {
      log(`importing ${path.basename(tar)} into the node's containerd`);
      await execa('sh', ['-c', `docker exec -i ${name} ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - < '${tar}'`]);
    }
    log((await ex(['ctr', '--namespace=k8s.io', 'images', 'list', '-q'])).stdout);
    await ex(['pkill', 'containerd']);
    // Stopped once it is gone or a zombie (the container's PID 1 is `sleep`, which reaps nothing).
    await ex(['bash', '-c', "for i in $(seq 30); do ps -C containerd -o stat= | grep -qv '^Z' || exit 0; sleep 1; done; exit 1"]);
    await execa('docker', ['commit', '--change', 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]', '--change', 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""', name, inp.nodeImage]);
  } finally {
    await execa('docker', ['rm', '-f', '-v', name], { reject: false });
  }
}

export function exists(p: string): boolean {
  return existsSync(p);
}

// The real tier's artifacts, in build order: what each is made from and how (`npm run real:build` runs the
// missing ones; `npm run real:e2e` and .ci/run ask which are built). Each run() returns its output files.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { IMAGES, PARTS, WORK } from './cache.ts';
import { buildGoPart } from './go.ts';
import { BASE_CHANGES, buildBaseRootfs, buildNodeImage, buildSpecImage, imageFile, importImage } from './images.ts';
import { BASE_IMAGE, GO_PARTS, KUBERNETES, KUBERNETES_STAGING, NODE_IMAGE, NODE_IMAGES, partBins } from './parts.ts';
import type { ImageSpec } from './parts.ts';

const here = import.meta.dirname;
export const say = (line: string) => console.log(`[real ${new Date().toISOString().slice(11, 19)}] ${line}`);

export interface Step {
  key: string;
  from: string;
  run: () => Promise<string[]>; // the output files (absolute, under CACHE)
}

export const partDir = (name: string) => {
  const p = GO_PARTS.find((g) => g.name === name);
  return path.join(PARTS, p ? `${p.name}-${p.version}` : name);
};
const bin = (part: string, name: string) => path.join(partDir(part), name);
const debianRootfs = path.join(WORK, 'rootfs-bookworm');

function goSteps(): Step[] {
  return GO_PARTS.map((p) => ({
    key: `go:${p.name}`,
    from: `${p.module}@${p.version}${p.name === 'kubernetes' ? ` (staging k8s.io/* ${KUBERNETES_STAGING})` : ''}`,
    run: async () => {
      await buildGoPart(p, path.join(WORK, `${p.name}-${p.version}`), partDir(p.name), { log: say }, p.name === 'kubernetes' ? KUBERNETES_STAGING : p.version);
      return partBins(p).map((b) => bin(p.name, b));
    },
  }));
}

const pauseStep: Step = {
  key: 'c:pause',
  from: `k8s.io/kubernetes@${KUBERNETES} build/pause/linux/pause.c (gcc -static)`,
  run: async () => {
    const mod = JSON.parse((await execa('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${KUBERNETES}`])).stdout) as { Dir: string };
    mkdirSync(partDir('pause'), { recursive: true });
    await execa('gcc', ['-Os', '-Wall', '-Werror', '-static', '-DVERSION=v3.10-hpa-lab', '-o', bin('pause', 'pause'), path.join(mod.Dir, 'build/pause/linux/pause.c')]);
    return [bin('pause', 'pause')];
  },
};

const DEBIAN_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'conntrack', 'iptables', 'nftables', 'iproute2', 'ethtool', 'util-linux', 'mount', 'kmod', 'libseccomp2', 'pigz', 'e2fsprogs', 'bash', 'ca-certificates', 'curl', 'jq', 'procps', 'socat'];

const rootfsStep: Step = {
  key: 'rootfs:bookworm',
  from: `debootstrap --variant=minbase bookworm (Debian's packages: ${DEBIAN_PACKAGES.join(' ')})`,
  run: async () => {
    const tmp = `${debianRootfs}.tmp`;
    if (!existsSync(path.join(tmp, 'etc/os-release')) || !existsSync(path.join(tmp, 'usr/bin/systemctl'))) {
      rmSync(tmp, { recursive: true, force: true });
      await execa('debootstrap', ['--variant=minbase', `--include=${DEBIAN_PACKAGES.join(',')}`, 'bookworm', tmp, 'http://deb.debian.org/debian'], { stdout: 'inherit', stderr: 'inherit' });
    }
    // The apt lists and caches are not needed in any image.
    await execa('sh', ['-c', `rm -rf '${tmp}'/var/lib/apt/lists/* '${tmp}'/var/cache/apt/*.bin '${tmp}'/var/cache/apt/archives/*.deb && rm -rf '${debianRootfs}' && mv '${tmp}' '${debianRootfs}'`]);
    return [path.join(debianRootfs, 'etc/os-release')];
  },
};

function imageStep(spec: ImageSpec): Step {
  return {
    key: `image:${spec.ref}`,
    from: `${Object.keys(spec.files).join(', ')}${spec.debian ? ' on the bookworm rootfs' : ''}`,
    run: async () => {
      const tar = path.join(IMAGES, imageFile(spec.ref));
      await buildSpecImage(spec, partDir, path.join(WORK, 'image'), debianRootfs, tar);
      return [tar];
    },
  };
}

const CNI_IMAGE: ImageSpec = { ref: 'hpa-lab.local/node-cni:v1', files: { 'kubernetes/kubectl': '/usr/local/bin/kubectl' }, debian: true };

const baseStep: Step = {
  key: `image:${BASE_IMAGE}`,
  from: 'kind v0.32.0 images/base (files from the kind module) on the bookworm rootfs, with the containerd, runc, crictl and CNI parts',
  run: async () => {
    const kindDir = JSON.parse((await execa('go', ['mod', 'download', '-json', 'sigs.k8s.io/kind@v0.32.0'])).stdout) as { Dir: string };
    const dir = path.join(WORK, 'base-rootfs');
    await buildBaseRootfs({ debianRootfs, kindDir: kindDir.Dir, bin }, dir);
    const tar = path.join(IMAGES, imageFile(BASE_IMAGE));
    await importImage(dir, BASE_IMAGE, BASE_CHANGES, tar);
    rmSync(dir, { recursive: true, force: true });
    return [tar];
  },
};

const nodeStep: Step = {
  key: `image:${NODE_IMAGE}`,
  from: `the base image + kubeadm, kubelet, kubectl ${KUBERNETES} + ${[...NODE_IMAGES, CNI_IMAGE].map((s) => s.ref).join(', ')}`,
  run: async () => {
    await ensureLoaded(BASE_IMAGE);
    await buildNodeImage({
      baseImage: BASE_IMAGE,
      nodeImage: NODE_IMAGE,
      version: KUBERNETES,
      kubeBins: partDir('kubernetes'),
      imageTars: [...NODE_IMAGES, CNI_IMAGE].map((s) => path.join(IMAGES, imageFile(s.ref))),
      cniManifest: readFileSync(path.join(here, 'node-cni.yaml'), 'utf8'),
    }, say);
    const tar = path.join(IMAGES, imageFile(NODE_IMAGE));
    await execa('docker', ['image', 'save', '-o', tar, NODE_IMAGE]);
    return [tar];
  },
};

/** A cached image tar is loaded into Docker when Docker does not have the image (a new daemon, a prune). */
export async function ensureLoaded(ref: string): Promise<void> {
  const have = await execa('docker', ['image', 'inspect', ref], { reject: false });
  if (have.exitCode === 0) return;
  await execa('docker', ['image', 'load', '-i', path.join(IMAGES, imageFile(ref))]);
}

export function allSteps(): Step[] {
  return [
    ...goSteps(),
    pauseStep,
    rootfsStep,
    ...NODE_IMAGES.map((s) => imageStep(s)),
    imageStep(CNI_IMAGE),
    baseStep,
    nodeStep,
  ];
}


// The real tier's artifacts, in build order: what each is made from and how (`npm run real:build` runs the
// missing ones; `npm run real:e2e` and .ci/run ask which are built). Each run() returns its output files.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CACHE, IMAGES, PARTS, WORK } from './cache.ts';
import { contentTag } from '../lib/stack/stack-file.ts';
import { buildGoPart } from './go.ts';
import { BASE_CHANGES, buildBaseRootfs, buildNodeImage, buildSpecImage, imageFile, importChanges, importImage } from './images.ts';
import { BASE_IMAGE, GO_PARTS, KEDA_IMAGES, KUBERNETES, KUBERNETES_STAGING, NODE_IMAGE, NODE_IMAGES, REGISTRY_IMAGE, STACK_IMAGES, partBins } from './parts.ts';
import type { ImageSpec } from './parts.ts';

const here = import.meta.dirname;
const REPO = path.resolve(here, '..', '..');
/** The team's shared folder beside the repository (HPA_LAB_SHARED_DIR elsewhere): the charts' real renders. */
export const SHARED = path.resolve(process.env.HPA_LAB_SHARED_DIR ?? path.join(REPO, '..', 'shared'));
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

// The node image carries the stack's images too (pinned in its containerd, as kind pins its own): no registry
// is reachable here, so a node finds every image the charts name already present (imagePullPolicy IfNotPresent).
const IN_NODE = [...NODE_IMAGES, CNI_IMAGE, ...STACK_IMAGES];

const nodeStep: Step = {
  key: `image:${NODE_IMAGE}`,
  from: `the base image + kubeadm, kubelet, kubectl ${KUBERNETES} + ${IN_NODE.map((s) => s.ref).join(', ')}`,
  run: async () => {
    await ensureLoaded(BASE_IMAGE);
    await buildNodeImage({
      baseImage: BASE_IMAGE,
      nodeImage: NODE_IMAGE,
      version: KUBERNETES,
      kubeBins: partDir('kubernetes'),
      imageTars: IN_NODE.map((s) => path.join(IMAGES, imageFile(s.ref))),
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

/** Which render of each pinned chart the real tier installs (../shared/real-renders/<chart>/<case>.yaml). */
export const CHART_CASES: Array<{ chart: string; version: string; case: string; why: string }> = [
  { chart: 'metrics-server', version: '3.13.1', case: 'lab', why: 'the lab’s values' },
  { chart: 'kube-prometheus-stack', version: '88.5.3', case: 'lab-no-grafana', why: 'the lab’s values with grafana.enabled: false (Grafana cannot be built here)' },
  { chart: 'prometheus-adapter', version: '5.3.0', case: 'lab', why: 'the lab’s values' },
  { chart: 'keda', version: '2.20.2', case: 'defaults', why: 'KEDA’s defaults (the lab installs KEDA with them)' },
];
export const CHARTS = path.join(CACHE, 'charts');
const RENDERS = path.join(SHARED, 'real-renders');

/** The real helm: HPA_LAB_REAL_HELM, the one .ci/tools.sh puts in .tools/bin, or helm on PATH. */
function realHelm(): string {
  const tools = path.join(REPO, '.tools', 'bin', 'helm');
  return process.env.HPA_LAB_REAL_HELM ?? (existsSync(tools) ? tools : 'helm');
}

/**
 * A chart per pinned chart, named and versioned as the real one, whose only template emits the real render of
 * that chart for the lab's values (read with .Files.Get, so nothing in it is templated again), with the
 * chart's CRDs in crds/ as Helm installs them. The archives cannot be downloaded here; the renders can be read.
 */
function chartStep(c: (typeof CHART_CASES)[number]): Step {
  const folder = path.join(RENDERS, `${c.chart}-${c.version}`);
  return {
    key: `chart:${c.chart}-${c.version}`,
    from: `real-renders/${c.chart}-${c.version}/${c.case}.yaml (${c.why})${existsSync(path.join(folder, 'crds')) ? ' + crds/ in a sub-chart' : ''}`,
    run: async () => {
      const dir = path.join(WORK, 'charts', c.chart);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(path.join(dir, 'templates'), { recursive: true });
      mkdirSync(path.join(dir, 'render'), { recursive: true });
      writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: ${c.chart}\nversion: ${c.version}\ndescription: "hpa-lab real tier: the real render of ${c.chart} ${c.version}, case ${c.case} (${c.why}), from ../shared/real-renders"\n`);
      copyFileSync(path.join(folder, `${c.case}.yaml`), path.join(dir, 'render', 'objects.yaml'));
      writeFileSync(path.join(dir, 'templates', 'render.yaml'), '{{ .Files.Get "render/objects.yaml" }}\n');
      // The CRDs in a sub-chart's crds/, as kube-prometheus-stack ships them (charts/crds): Helm installs a
      // sub-chart's CRDs too, and keeps no sub-chart in the release Secret (its JSON drops Chart.dependencies),
      // so 4.8 MB of CRDs stay out of it. In the chart's own crds/ they would be stored there and make the
      // Secret too big: 'Secret "sh.helm.release.v1.prometheus.v1" is invalid: data: Too long: may not be more
      // than 1048576 bytes' (seen in the first real up).
      if (existsSync(path.join(folder, 'crds'))) {
        mkdirSync(path.join(dir, 'charts', 'crds'), { recursive: true });
        writeFileSync(path.join(dir, 'charts', 'crds', 'Chart.yaml'), `apiVersion: v2\nname: crds\nversion: ${c.version}\ndescription: "the CRDs of ${c.chart} ${c.version}"\n`);
        cpSync(path.join(folder, 'crds'), path.join(dir, 'charts', 'crds', 'crds'), { recursive: true });
      }
      mkdirSync(CHARTS, { recursive: true });
      await execa(realHelm(), ['package', dir, '--destination', CHARTS]);
      return [path.join(CHARTS, `${c.chart}-${c.version}.tgz`)];
    },
  };
}

/** The sample app's image, under the tag hpa-lab gives it (its content tag), so that `up` finds it built. */
export const APP_IMAGE = `hpa-lab/sample-app:${contentTag(REPO, 'app')}`;

/**
 * app/Dockerfile builds FROM node:24-alpine and runs `apk add curl` and `npm ci`: no base image and no Alpine
 * mirror reach this machine. The same image, put together by hand: the bookworm rootfs (curl in it), Node 24's
 * own binary (npm's node@24 package), the app's files and its production dependencies (`npm ci --omit=dev` from
 * the npm registry), user node (uid 1000), WORKDIR /app, NODE_ENV and PORT, CMD node server.ts.
 */
const appStep: Step = {
  key: `image:${APP_IMAGE}`,
  from: "app/ (its content tag) on the bookworm rootfs + Node 24 (npm's node@24) + its npm ci --omit=dev",
  run: async () => {
    const dir = path.join(WORK, 'app-rootfs');
    rmSync(dir, { recursive: true, force: true });
    await execa('cp', ['-a', debianRootfs, dir]);
    const nodeBin = path.join(REPO, '.tools', 'node24', 'node_modules', 'node', 'bin', 'node');
    copyFileSync(existsSync(nodeBin) ? nodeBin : process.execPath, path.join(dir, 'usr/local/bin/node'));
    chmodSync(path.join(dir, 'usr/local/bin/node'), 0o755);
    await execa('sh', ['-c', `echo 'node:x:1000:1000:node:/home/node:/bin/sh' >> '${dir}/etc/passwd' && echo 'node:x:1000:' >> '${dir}/etc/group' && mkdir -p '${dir}/home/node' '${dir}/app' && chown 1000:1000 '${dir}/home/node'`]);
    for (const f of ['package.json', 'package-lock.json', 'server.ts', 'load.ts']) copyFileSync(path.join(REPO, 'app', f), path.join(dir, 'app', f));
    await execa('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: path.join(dir, 'app') });
    const tar = path.join(IMAGES, imageFile(APP_IMAGE));
    await importImage(dir, APP_IMAGE, [...importChanges({ cmd: ['node', 'server.ts'], user: 'node', workdir: '/app' }, { NODE_ENV: 'production', PORT: '8080' }), 'EXPOSE 8080'], tar);
    rmSync(dir, { recursive: true, force: true });
    return [tar];
  },
};

export function allSteps(): Step[] {
  return [
    ...CHART_CASES.map((c) => chartStep(c)),
    appStep,
    ...goSteps(),
    pauseStep,
    rootfsStep,
    ...NODE_IMAGES.map((s) => imageStep(s)),
    imageStep(CNI_IMAGE),
    ...STACK_IMAGES.map((s) => imageStep(s)),
    ...KEDA_IMAGES.map((s) => imageStep(s)),
    imageStep(REGISTRY_IMAGE),
    baseStep,
    nodeStep,
  ];
}


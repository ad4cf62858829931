// The cluster's shape on top of the kind config file: `--workers N` worker nodes and the HPA controller's sync
// period (`--hpa-sync-period`). The file stays the source; hpa-lab derives the config it gives kind
// (`kind create cluster --config -`) from it, and `plan` shows that derived config.
//
// The sync period goes to kube-controller-manager as --horizontal-pod-autoscaler-sync-period through a
// kubeadmConfigPatches entry (a ClusterConfiguration merge patch, controllerManager.extraArgs). kind v0.32.0
// renders kubeadm's v1beta4 config for Kubernetes ≥ v1.36.0 and v1beta3 below (pkg/cluster/internal/kubeadm/
// config.go, Config()); v1beta4's extraArgs is a list of {name, value}, v1beta3's a map. kind matches a patch
// by kind and apiVersion (pkg/internal/patch/resource.go) and merges v1beta4 extraArgs by name
// (pkg/internal/patch/kubeadm_merge.go), so kind's own extraArgs (enable-hostpath-provisioner) stay.
import { parse, stringify } from 'yaml';
import type { KindConfig } from './kind-config.ts';
import { PINNED_NODE_IMAGE } from './kind-config.ts';
import { InputError } from '../errors.ts';

export const MAX_WORKERS = 10;
export const HPA_SYNC_FLAG = 'horizontal-pod-autoscaler-sync-period';
export const DEFAULT_HPA_SYNC_PERIOD = '5s';
/** kube-controller-manager's own default (pkg/controller/podautoscaler/config/v1alpha1/defaults.go). */
export const KUBE_DEFAULT_HPA_SYNC_PERIOD = '15s';
const MAX_SYNC_SECONDS = 600;

/** The options, for the commands that make or look at the cluster (node:util parseArgs shape). */
export const SHAPE_OPTIONS = {
  workers: { type: 'string' },
  'hpa-sync-period': { type: 'string' },
  'node-image': { type: 'string' },
} as const;

export const SHAPE_HELP = [
  `--workers <n>           worker nodes besides the control plane, 0 to ${MAX_WORKERS} (default: the kind config's own`,
  '                        workers, none in kind/cluster.yaml). Overrides the file’s count: its first n workers are',
  '                        kept as written, more are copies of its last worker (or role: worker with the',
  '                        control plane’s image). The port mappings stay on the control-plane node',
  `--hpa-sync-period <d>   how often the HPA controller decides, e.g. 5s or 1m (default ${DEFAULT_HPA_SYNC_PERIOD}; Kubernetes’ own`,
  `                        default is ${KUBE_DEFAULT_HPA_SYNC_PERIOD}): kube-controller-manager --${HPA_SYNC_FLAG}, set through the`,
  '                        kind config’s kubeadmConfigPatches. A kind config that sets the flag itself wins (then',
  '                        passing --hpa-sync-period too is an error)',
  '--node-image <image>    the kind node image of every node, instead of the kind config’s: pinned by digest',
  '                        (kindest/node:vX.Y.Z@sha256:…), or an image you built, tagged with its Kubernetes',
  '                        version (e.g. hpa-lab.local/kind-node:v1.36.3 from `npm run real:build`, or',
  '                        `kind build node-image`). A built image is never pulled: Docker must have it',
];

/** A node image built here, tagged with its Kubernetes version (a pinned one: PINNED_NODE_IMAGE, kind-config.ts). */
const LOCAL_NODE_IMAGE = /^[a-z0-9][\w./-]*(?::\d+)?(?:\/[\w.-]+)*:v\d+\.\d+\.\d+[\w.+-]*$/;

/** Whether a node image is one built here (no digest: never pulled, Docker must have it). */
export const isLocalNodeImage = (image: string): boolean => !image.includes('@');

/** --node-image: a pinned or a local node image, or undefined when not given. */
export function parseNodeImage(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = scalarText(raw).trim();
  if (PINNED_NODE_IMAGE.test(text) || LOCAL_NODE_IMAGE.test(text)) return text;
  throw new InputError(`--node-image: expected a kind node image pinned by digest (kindest/node:vX.Y.Z@sha256:<64 hex>) or one built here and tagged with its Kubernetes version (e.g. hpa-lab.local/kind-node:v1.36.3), got "${text}"`, {
    fix: 'the tag’s vX.Y.Z tells hpa-lab which Kubernetes the node runs (the kubeadm API for its patches, the charts’ rendering)',
  });
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A scalar as YAML wrote it (a map or list as JSON, so a message can show it). */
const scalarText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** --workers: a whole number 0..MAX_WORKERS, or undefined when not given. */
export function parseWorkers(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = scalarText(raw);
  if (!/^\d+$/.test(text) || Number(text) > MAX_WORKERS) {
    throw new InputError(`--workers: expected a whole number from 0 to ${MAX_WORKERS} (worker nodes besides the control plane), got "${text}"`);
  }
  return Number(text);
}

/** A sync period: whole seconds written as Go durations the lab uses (5s, 1m, 1m30s), 1s..10m. */
export function parseSyncPeriod(text: string, where: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  const seconds = m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_SYNC_SECONDS) {
    throw new InputError(`${where}: expected a duration from 1s to 10m in whole seconds, e.g. 5s, 30s or 1m, got "${text}"`);
  }
  return seconds;
}

/** Go's Duration.String for whole seconds, as kube-controller-manager prints and takes them: 5s, 1m0s, 1m30s. */
export function formatSyncPeriod(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

/**
 * On a cgroup v1 host (`docker info`'s CgroupVersion "1"), the kubelet of Kubernetes ≥ 1.35 refuses to start:
 * failCgroupV1 defaults to true there (kubernetes#134298), and its validation says "kubelet is configured to not
 * run on a host using cgroup v1" (pkg/kubelet/apis/config/validation/validation_linux.go). kind v0.32.0 only
 * warns (pkg/cluster/internal/create/create.go). The lab runs anyway: a KubeletConfiguration merge patch (kind
 * matches it by kind and apiVersion to the kubelet.config.k8s.io/v1beta1 document of its kubeadm config,
 * pkg/cluster/internal/kubeadm/config.go). The field exists since Kubernetes 1.31.
 */
export const CGROUP_V1_PATCH = stringify({ kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', failCgroupV1: false });

/** Whether a node image's Kubernetes (from its vX.Y.Z tag) knows failCgroupV1 (1.31+); unknown versions are taken as new. */
export function kubeletHasFailCgroupV1(nodeImage: string): boolean {
  const m = /:v(\d+)\.(\d+)\./.exec(nodeImage);
  return !m || Number(m[1]) > 1 || Number(m[2]) >= 31;
}

/** The config kind gets on a host whose Docker runs cgroup v1: with the failCgroupV1 patch (unless the file sets it). */
export function forCgroupV1(config: KindConfig): KindConfig {
  if (!kubeletHasFailCgroupV1(config.nodeImage)) return config;
  const patches = Array.isArray(config.doc.kubeadmConfigPatches) ? (config.doc.kubeadmConfigPatches as unknown[]) : [];
  if (patches.some((p) => typeof p === 'string' && /^\s*failCgroupV1\s*:/m.test(p))) return config;
  const doc = { ...config.doc, kubeadmConfigPatches: [...patches, CGROUP_V1_PATCH] };
  return { ...config, doc, text: stringify(doc, { lineWidth: 0 }) };
}

/**
 * The sync period the file's kubeadmConfigPatches set, as kind v0.32.0 would apply them to the kubeadm config it
 * makes for the node image (`target`: v1beta4 for Kubernetes ≥ 1.36, v1beta3 before). kind applies a merge patch
 * only to a document of the same kind and, when the patch names one, the same apiVersion
 * (pkg/internal/patch/resource.go `matches`); on a v1beta4 config it merges extraArgs lists by name and turns a
 * map into that list only in a patch that names no apiVersion: a map in a patch that says v1beta4 is dropped
 * without a word (kubeadm_merge.go `mergeExtraArgs`). A patch that sets the flag but would be dropped is bad
 * input (exit 2): counted as set, hpa-lab would skip its own and the cluster would run at 15 s.
 */
function fileSyncPeriod(file: string, doc: Record<string, unknown>, target: string): string | undefined {
  const patches = Array.isArray(doc.kubeadmConfigPatches) ? doc.kubeadmConfigPatches : [];
  let found: string | undefined;
  patches.forEach((p, i) => {
    if (typeof p !== 'string') return;
    for (const part of p.split(/^---$/m)) {
      let d: unknown;
      try {
        d = parse(part);
      } catch {
        continue; // kind reports a patch that is not YAML
      }
      if (!isMap(d) || d.kind !== 'ClusterConfiguration' || !isMap(d.controllerManager)) continue;
      const args = d.controllerManager.extraArgs;
      let value: string | undefined;
      if (Array.isArray(args)) {
        for (const a of args) if (isMap(a) && a.name === HPA_SYNC_FLAG && a.value !== undefined) value = scalarText(a.value);
      } else if (isMap(args) && args[HPA_SYNC_FLAG] !== undefined) value = scalarText(args[HPA_SYNC_FLAG]);
      if (value === undefined) continue;
      const apiVersion = typeof d.apiVersion === 'string' ? d.apiVersion : '';
      const v1beta4 = target.endsWith('v1beta4');
      const dropped =
        apiVersion && apiVersion !== target
          ? `its apiVersion ${apiVersion} is not the ${target} kind makes for this node image, and kind applies a patch only to a document of the same apiVersion`
          : v1beta4 && apiVersion && !Array.isArray(args)
            ? `${target}'s extraArgs is a list of {name, value}: kind drops a map in a patch that says ${target} (it converts one only in a patch without apiVersion)`
            : !v1beta4 && Array.isArray(args)
              ? `${target}'s extraArgs is a map (name: value): a list would replace kind's own and kubeadm refuses it`
              : undefined;
      if (dropped) {
        throw new InputError(`${file}: kubeadmConfigPatches[${i}]: sets kube-controller-manager --${HPA_SYNC_FLAG}=${value}, but kind v0.32.0 would not apply it: ${dropped}`, {
          fix: v1beta4
            ? `write it as apiVersion: ${target} with extraArgs: [{name: ${HPA_SYNC_FLAG}, value: "${value}"}], or leave the patch out and pass --hpa-sync-period ${value}`
            : `write it as apiVersion: ${target} with extraArgs: {${HPA_SYNC_FLAG}: "${value}"}, or leave the patch out and pass --hpa-sync-period ${value}`,
        });
      }
      found = value;
    }
  });
  return found;
}

/** kind v0.32.0's choice of kubeadm API for a node image's Kubernetes version (see the header). */
export function kubeadmApiVersion(nodeImage: string): 'kubeadm.k8s.io/v1beta4' | 'kubeadm.k8s.io/v1beta3' {
  const m = /:v(\d+)\.(\d+)\./.exec(nodeImage);
  const minor = m ? Number(m[2]) : 36;
  return m && Number(m[1]) === 1 && minor < 36 ? 'kubeadm.k8s.io/v1beta3' : 'kubeadm.k8s.io/v1beta4';
}

/** The ClusterConfiguration merge patch that sets the sync period, in the shape of the kubeadm API kind uses. */
export function syncPeriodPatch(nodeImage: string, period: string): string {
  const apiVersion = kubeadmApiVersion(nodeImage);
  const extraArgs = apiVersion.endsWith('v1beta4') ? [{ name: HPA_SYNC_FLAG, value: period }] : { [HPA_SYNC_FLAG]: period };
  return stringify({ kind: 'ClusterConfiguration', apiVersion, controllerManager: { extraArgs } });
}

export interface ShapeInput {
  workers?: unknown;
  hpaSyncPeriod?: unknown;
  nodeImage?: unknown;
}

/**
 * The kind config hpa-lab gives kind: the file's, with --workers' worker nodes and the sync period patch.
 * Bad values are exit 2 (InputError), before anything runs.
 */
export function shapeKindConfig(file: KindConfig, input: ShapeInput): KindConfig {
  const workers = parseWorkers(input.workers);
  const nodeImage = parseNodeImage(input.nodeImage);
  // --node-image: every node of the file runs it (kind takes the image per node).
  const base: KindConfig = nodeImage === undefined ? file : { ...file, nodeImage, doc: { ...file.doc, nodes: (file.doc.nodes as unknown[]).map((n) => (isMap(n) ? { ...n, image: nodeImage } : n)) } };
  const nodes = (base.doc.nodes as unknown[]).filter(isMap);
  const listed = nodes.filter((n) => n.role === 'worker');
  let outNodes = nodes;
  if (workers !== undefined) {
    const controlPlanes = nodes.filter((n) => n.role !== 'worker');
    const template = listed.at(-1) ?? { role: 'worker', image: base.nodeImage };
    const kept = listed.slice(0, workers);
    const extra = Array.from({ length: workers - kept.length }, () => structuredClone(template));
    outNodes = [...controlPlanes, ...kept, ...extra];
  }
  const inFile = fileSyncPeriod(base.file, base.doc, kubeadmApiVersion(base.nodeImage));
  const given = input.hpaSyncPeriod === undefined ? undefined : scalarText(input.hpaSyncPeriod);
  if (inFile !== undefined && given !== undefined) {
    throw new InputError(`--hpa-sync-period: ${base.file} already sets kube-controller-manager --${HPA_SYNC_FLAG}=${inFile} in its kubeadmConfigPatches`, {
      fix: `drop --hpa-sync-period (the file's value is used), or remove the flag from ${base.file}`,
    });
  }
  let hpaSyncPeriod: string;
  const doc: Record<string, unknown> = { ...base.doc, nodes: outNodes };
  if (inFile !== undefined) {
    parseSyncPeriod(inFile, `${base.file}: kubeadmConfigPatches: controllerManager.extraArgs ${HPA_SYNC_FLAG}`);
    hpaSyncPeriod = inFile;
  } else {
    hpaSyncPeriod = formatSyncPeriod(parseSyncPeriod(given ?? DEFAULT_HPA_SYNC_PERIOD, '--hpa-sync-period'));
    const patches = Array.isArray(base.doc.kubeadmConfigPatches) ? (base.doc.kubeadmConfigPatches as unknown[]) : [];
    doc.kubeadmConfigPatches = [...patches, syncPeriodPatch(base.nodeImage, hpaSyncPeriod)];
  }
  return { ...base, doc, text: stringify(doc, { lineWidth: 0 }), workers: outNodes.filter((n) => n.role === 'worker').length, nodeCount: outNodes.length, hpaSyncPeriod };
}

/** The sync period a kube-controller-manager static pod runs with (its command), or Kubernetes' default. */
export function syncPeriodOfCommand(command: string[]): { value: string; explicit: boolean } {
  const prefix = `--${HPA_SYNC_FLAG}=`;
  const arg = command.findLast((a) => a.startsWith(prefix));
  return arg ? { value: arg.slice(prefix.length), explicit: true } : { value: KUBE_DEFAULT_HPA_SYNC_PERIOD, explicit: false };
}

/** Seconds of a Go duration as kube-controller-manager prints it (5s, 1m0s, 1m30s, 500ms), for comparing. */
export function goDurationSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || !(m[1] || m[2] || m[3] || m[4])) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0) / 1000;
}

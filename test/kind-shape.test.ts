// --workers and --hpa-sync-period on top of a kind config (scripts/lib/cluster/kind-shape.ts), and the simulation's
// kubeadm side of it (test/sim/lib/kubeadm.ts, the HPA controller's sync period).
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseKindConfig } from '../scripts/lib/cluster/kind-config.ts';
import { forCgroupV1, isLocalNodeImage, shapeKindConfig, syncPeriodPatch } from '../scripts/lib/cluster/kind-shape.ts';
import { InputError } from '../scripts/lib/errors.ts';
import { clusterConfiguration, controllerManagerCommand, controllerManagerExtraArgs } from './sim/lib/kubeadm.ts';
import { hpaSyncSeconds } from './sim/datapath/hpa.ts';

const IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';
const OLD_IMAGE = 'kindest/node:v1.35.0@sha256:' + 'a'.repeat(64);
const cp = `  - role: control-plane\n    image: ${IMAGE}\n    extraPortMappings:\n      - {containerPort: 30000, hostPort: 30000, listenAddress: 127.0.0.1, protocol: TCP}\n`;
const config = (extra = '', top = '') => parseKindConfig('my.yaml', `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n${top}nodes:\n${cp}${extra}`);
const nodesOf = (c: ReturnType<typeof shapeKindConfig>) => (parse(c.text) as { nodes: Array<Record<string, unknown>> }).nodes;
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error('not refused');
};

describe('--workers', () => {
  it('adds N workers with the control plane image and no port mappings; without it the file is kept', () => {
    const c = shapeKindConfig(config(), { workers: '2' });
    expect(nodesOf(c).map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(nodesOf(c)[1]).toEqual({ role: 'worker', image: IMAGE });
    expect(c).toMatchObject({ workers: 2, nodeCount: 3 });
    expect(shapeKindConfig(config(), {})).toMatchObject({ workers: 0, nodeCount: 1 });
  });

  it("overrides the file's count: keeps its first N workers as written, copies its last one for more", () => {
    const file = config(`  - role: worker\n    image: ${IMAGE}\n    labels: {tier: a}\n  - role: worker\n    image: ${IMAGE}\n    labels: {tier: b}\n`);
    expect(shapeKindConfig(file, {})).toMatchObject({ workers: 2 });
    expect(nodesOf(shapeKindConfig(file, { workers: '1' })).map((n) => n.labels)).toEqual([undefined, { tier: 'a' }]);
    expect(nodesOf(shapeKindConfig(file, { workers: '3' })).map((n) => n.labels)).toEqual([undefined, { tier: 'a' }, { tier: 'b' }, { tier: 'b' }]);
    expect(nodesOf(shapeKindConfig(file, { workers: '0' })).map((n) => n.role)).toEqual(['control-plane']);
  });

  it('refuses what is not a whole number from 0 to 10', () => {
    for (const bad of ['', 'x', '1.5', '-1', '11', ' 2']) {
      expect(refusal(() => shapeKindConfig(config(), { workers: bad }))).toBe(`--workers: expected a whole number from 0 to 10 (worker nodes besides the control plane), got "${bad}"`);
    }
  });
});

describe('--hpa-sync-period', () => {
  it('adds a v1beta4 ClusterConfiguration patch (5s by default), v1beta3 map form for nodes before v1.36', () => {
    const c = shapeKindConfig(config(), {});
    expect(c.hpaSyncPeriod).toBe('5s');
    expect(parse((c.doc.kubeadmConfigPatches as string[])[0] ?? '')).toEqual({ kind: 'ClusterConfiguration', apiVersion: 'kubeadm.k8s.io/v1beta4', controllerManager: { extraArgs: [{ name: 'horizontal-pod-autoscaler-sync-period', value: '5s' }] } });
    expect(parse(syncPeriodPatch(OLD_IMAGE, '1m0s'))).toEqual({ kind: 'ClusterConfiguration', apiVersion: 'kubeadm.k8s.io/v1beta3', controllerManager: { extraArgs: { 'horizontal-pod-autoscaler-sync-period': '1m0s' } } });
    expect(shapeKindConfig(config(), { hpaSyncPeriod: '90s' }).hpaSyncPeriod).toBe('1m30s');
  });

  it("a file that sets the flag itself wins; passing the option too is refused", () => {
    const patch = `kubeadmConfigPatches:\n  - |\n    kind: ClusterConfiguration\n    controllerManager:\n      extraArgs:\n        horizontal-pod-autoscaler-sync-period: 10s\n`;
    const file = config('', patch);
    const c = shapeKindConfig(file, {});
    expect(c.hpaSyncPeriod).toBe('10s');
    expect(c.doc.kubeadmConfigPatches).toHaveLength(1);
    expect(refusal(() => shapeKindConfig(file, { hpaSyncPeriod: '5s' }))).toBe('--hpa-sync-period: my.yaml already sets kube-controller-manager --horizontal-pod-autoscaler-sync-period=10s in its kubeadmConfigPatches');
    expect(refusal(() => shapeKindConfig(config('', patch.replace('10s', '0s')), {}))).toBe('my.yaml: kubeadmConfigPatches: controllerManager.extraArgs horizontal-pod-autoscaler-sync-period: expected a duration from 1s to 10m in whole seconds, e.g. 5s, 30s or 1m, got "0s"');
  });
});

describe('a sync period patch kind would drop (issue 18 item 9)', () => {
  const patchOf = (body: string) => `kubeadmConfigPatches:\n  - |\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const V1BETA3 = 'kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta3\ncontrollerManager:\n  extraArgs:\n    horizontal-pod-autoscaler-sync-period: 10s';
  const V1BETA4_MAP = 'kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\ncontrollerManager:\n  extraArgs:\n    horizontal-pod-autoscaler-sync-period: 10s';
  const V1BETA4_LIST = 'kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\ncontrollerManager:\n  extraArgs: [{name: horizontal-pod-autoscaler-sync-period, value: 10s}]';
  it('is refused at input, naming the patch, why kind drops it and the form it applies; the simulated kubeadm agrees it would not apply', () => {
    for (const body of [V1BETA3, V1BETA4_MAP]) {
      const msg = refusal(() => shapeKindConfig(config('', patchOf(body)), {}));
      expect(msg).toMatch(/^my\.yaml: kubeadmConfigPatches\[0\]: sets kube-controller-manager --horizontal-pod-autoscaler-sync-period=10s, but kind v0\.32\.0 would not apply it: /);
      // What kind (and the simulated kubeadm, held to kind's kubeadm_merge.go) really applies: not the flag.
      expect(controllerManagerExtraArgs(clusterConfiguration('v1.36.1', [body]))['horizontal-pod-autoscaler-sync-period']).toBeUndefined();
    }
    expect(refusal(() => shapeKindConfig(config('', patchOf(V1BETA3)), {}))).toMatch(/its apiVersion kubeadm\.k8s\.io\/v1beta3 is not the kubeadm\.k8s\.io\/v1beta4 kind makes/);
    expect(refusal(() => shapeKindConfig(config('', patchOf(V1BETA4_MAP)), {}))).toMatch(/kind drops a map in a patch that says kubeadm\.k8s\.io\/v1beta4/);
  });
  it('the forms kind applies are taken: v1beta4 lists, and maps in a patch without apiVersion; v1beta3 maps for nodes before v1.36', () => {
    expect(shapeKindConfig(config('', patchOf(V1BETA4_LIST)), {}).hpaSyncPeriod).toBe('10s');
    expect(controllerManagerExtraArgs(clusterConfiguration('v1.36.1', [V1BETA4_LIST]))['horizontal-pod-autoscaler-sync-period']).toBe('10s');
    expect(shapeKindConfig(config('', patchOf(V1BETA3)), { nodeImage: OLD_IMAGE }).hpaSyncPeriod).toBe('10s');
    expect(refusal(() => shapeKindConfig(config('', patchOf(V1BETA4_LIST)), { nodeImage: OLD_IMAGE }))).toMatch(/kubeadm\.k8s\.io\/v1beta4 is not the kubeadm\.k8s\.io\/v1beta3/);
  });
});

describe('simulated kubeadm: the controller manager flags from kind config patches', () => {
  const flags = (version: string, patches: string[]) => controllerManagerExtraArgs(clusterConfiguration(version, patches));

  it("merges v1beta4 extraArgs by name, keeping kind's own; ignores patches for another apiVersion or kind", () => {
    expect(flags('v1.36.1', [syncPeriodPatch(IMAGE, '5s')])).toEqual({ 'enable-hostpath-provisioner': 'true', 'horizontal-pod-autoscaler-sync-period': '5s' });
    expect(flags('v1.36.1', [syncPeriodPatch(OLD_IMAGE, '5s')])).toEqual({ 'enable-hostpath-provisioner': 'true' });
    expect(flags('v1.36.1', ['kind: InitConfiguration\ncontrollerManager:\n  extraArgs: [{name: x, value: "1"}]\n'])).toEqual({ 'enable-hostpath-provisioner': 'true' });
    // No apiVersion: the map form is converted to v1beta4's list (kind's kubeadm_merge.go).
    expect(flags('v1.36.1', ['kind: ClusterConfiguration\ncontrollerManager:\n  extraArgs:\n    horizontal-pod-autoscaler-sync-period: 3s\n'])).toEqual({ 'enable-hostpath-provisioner': 'true', 'horizontal-pod-autoscaler-sync-period': '3s' });
    // v1beta3 targets (Kubernetes before v1.36) take the map form as a plain merge patch.
    expect(flags('v1.35.0', [syncPeriodPatch(OLD_IMAGE, '5s')])).toEqual({ 'enable-hostpath-provisioner': 'true', 'horizontal-pod-autoscaler-sync-period': '5s' });
    // A later patch of the same name wins; one without value removes it.
    expect(flags('v1.36.1', [syncPeriodPatch(IMAGE, '5s'), syncPeriodPatch(IMAGE, '9s')])['horizontal-pod-autoscaler-sync-period']).toBe('9s');
    expect(flags('v1.36.1', ['kind: ClusterConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\ncontrollerManager:\n  extraArgs: [{name: enable-hostpath-provisioner}]\n'])).toEqual({});
  });

  it("the HPA controller's sync period: the env override, else the command's flag, else 15s", () => {
    const command = controllerManagerCommand('lab', { 'horizontal-pod-autoscaler-sync-period': '5s' });
    expect(command).toContain('--horizontal-pod-autoscaler-sync-period=5s');
    expect(command.slice(1)).toEqual([...command.slice(1)].sort());
    expect(hpaSyncSeconds(command, {})).toBe(5);
    expect(hpaSyncSeconds(controllerManagerCommand('lab', {}), {})).toBe(15);
    expect(hpaSyncSeconds(command, { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' })).toBe(2);
    expect(hpaSyncSeconds(controllerManagerCommand('lab', { 'horizontal-pod-autoscaler-sync-period': '1m30s' }), {})).toBe(90);
  });
});

describe('--node-image', () => {
  const LOCAL = 'hpa-lab.local/kind-node:v1.36.3';
  it('every node runs the given image (pinned, or built here with its version tag); the file is otherwise kept', () => {
    const c = shapeKindConfig(config(`  - role: worker\n    image: ${IMAGE}\n`), { nodeImage: LOCAL, workers: '2' });
    expect(nodesOf(c).map((n) => n.image)).toEqual([LOCAL, LOCAL, LOCAL]);
    expect(c.nodeImage).toBe(LOCAL);
    expect(shapeKindConfig(config(), { nodeImage: OLD_IMAGE }).nodeImage).toBe(OLD_IMAGE);
    // The kubeadm API kind uses follows the image's Kubernetes: v1beta3 below 1.36.
    expect(shapeKindConfig(config(), { nodeImage: OLD_IMAGE }).text).toMatch(/kubeadm\.k8s\.io\/v1beta3/);
    expect(shapeKindConfig(config(), {}).nodeImage).toBe(IMAGE);
  });
  it('refuses an image with neither a digest nor a vX.Y.Z tag', () => {
    for (const bad of ['kindest/node', 'kindest/node:latest', 'kindest/node:v1.36', 'Upper/node:v1.36.3', 'a b:v1.36.3', `kindest/node:v1.36.1@sha256:${'a'.repeat(10)}`]) {
      expect(refusal(() => shapeKindConfig(config(), { nodeImage: bad })), bad).toMatch(/^--node-image: expected a kind node image pinned by digest/);
    }
  });
  it('is local (never pulled) exactly when it has no digest', () => {
    expect(isLocalNodeImage(LOCAL)).toBe(true);
    expect(isLocalNodeImage(IMAGE)).toBe(false);
  });
});

describe('a cgroup v1 host (forCgroupV1)', () => {
  const patched = (c: ReturnType<typeof shapeKindConfig>) => ((parse(c.text) as { kubeadmConfigPatches?: string[] }).kubeadmConfigPatches ?? []).map((p) => parse(p) as Record<string, unknown>);
  it('adds a KubeletConfiguration patch failCgroupV1: false, once, beside the sync period patch', () => {
    const c = forCgroupV1(shapeKindConfig(config(), {}));
    expect(patched(c)).toContainEqual({ kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', failCgroupV1: false });
    expect(patched(c).map((p) => p.kind)).toEqual(['ClusterConfiguration', 'KubeletConfiguration']);
    expect(forCgroupV1(c).text).toBe(c.text);
  });
  it('leaves a config that sets failCgroupV1 itself, and Kubernetes older than 1.31 (no such field), alone', () => {
    const own = shapeKindConfig(config('', 'kubeadmConfigPatches:\n  - |\n    kind: KubeletConfiguration\n    apiVersion: kubelet.config.k8s.io/v1beta1\n    failCgroupV1: true\n'), {});
    expect(forCgroupV1(own).text).toBe(own.text);
    const old = shapeKindConfig(config(), { nodeImage: 'kindest/node:v1.30.0@sha256:' + 'b'.repeat(64) });
    expect(forCgroupV1(old).text).toBe(old.text);
  });
});

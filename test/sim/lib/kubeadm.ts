// kind's kubeadm ClusterConfiguration, its kubeadmConfigPatches, and the kube-controller-manager command kubeadm
// writes into the static pod from it — the part the simulation needs: the controller manager's flags.
//
// - kind v0.32.0 renders ConfigTemplateBetaV4 (kubeadm.k8s.io/v1beta4) for Kubernetes ≥ v1.36.0, BetaV3 below
//   (pkg/cluster/internal/kubeadm/config.go, Config()); its controllerManager.extraArgs is
//   enable-hostpath-provisioner=true (plus feature-gates / bind-address when set: not simulated).
// - Cluster-level kubeadmConfigPatches, then the node's own, are merge patches matched on kind and, when the
//   patch sets it, apiVersion (pkg/internal/patch/resource.go matches); for a v1beta4 target, extraArgs are
//   merged by name — a patch entry replaces the value of the same name, one without value deletes it, others
//   are appended; a map-shaped extraArgs in a patch without apiVersion is converted to the list
//   (pkg/internal/patch/kubeadm_merge.go). Everything else is an RFC 7386 merge patch.
// - kubeadm's getControllerManagerCommand (cmd/kubeadm/app/phases/controlplane/manifests.go): its default
//   arguments, overridden by extraArgs, as `--name=value` sorted by name (kubeadm's ArgumentsToCommand).
import { parseAllDocuments } from 'yaml';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem kind reports as `failed to create cluster: …` (the wording approximates kind's wrapping). */
export class KubeadmPatchError extends Error {}

export function kubeadmApiVersion(kubernetesVersion: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(kubernetesVersion);
  return m && Number(m[1]) === 1 && Number(m[2]) < 36 ? 'kubeadm.k8s.io/v1beta3' : 'kubeadm.k8s.io/v1beta4';
}

function kindClusterConfiguration(apiVersion: string): Json {
  const v4 = apiVersion.endsWith('v1beta4');
  return { apiVersion, kind: 'ClusterConfiguration', controllerManager: { extraArgs: v4 ? [{ name: 'enable-hostpath-provisioner', value: 'true' }] : { 'enable-hostpath-provisioner': 'true' } } };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return patch;
  const out: Json = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** kubeadm_merge.go's walk: extraArgs of a v1beta4 target merged by name and stripped from the patch. */
function mergeExtraArgs(target: Json, patch: Json, v4: boolean, patchVersion: string): void {
  for (const [k, pv] of Object.entries(patch)) {
    if (k === 'extraArgs' || k === 'kubeletExtraArgs') {
      if (!v4) continue;
      const items = Array.isArray(pv) ? pv : patchVersion === '' && isMap(pv) ? Object.entries(pv).map(([name, value]) => ({ name, value })) : [];
      const cur = target[k];
      const list: Json[] = Array.isArray(cur) ? cur.filter(isMap).map((x) => ({ ...x })) : isMap(cur) ? Object.entries(cur).map(([name, value]) => ({ name, value })) : [];
      for (const it of items) {
        if (!isMap(it) || typeof it.name !== 'string') continue;
        const i = list.findIndex((x) => x.name === it.name);
        if (i >= 0) {
          if (it.value === undefined || it.value === null) list.splice(i, 1);
          else (list[i] as Json).value = it.value;
        } else if (it.value !== undefined && it.value !== null) list.push({ name: it.name, value: it.value });
      }
      target[k] = list;
      delete patch[k];
    } else if (isMap(pv)) {
      if (!isMap(target[k])) target[k] = {};
      mergeExtraArgs(target[k] as Json, pv, v4, patchVersion);
    }
  }
}

/** The patches' documents (a patch may hold several, split on `---`). */
function patchDocuments(patches: string[]): Json[] {
  const out: Json[] = [];
  for (const raw of patches) {
    for (const d of parseAllDocuments(raw)) {
      if (d.errors.length) throw new KubeadmPatchError(`failed to parse patches: ${d.errors[0]?.message ?? 'invalid YAML'}`);
      const v: unknown = d.toJS();
      if (isMap(v)) out.push(v);
    }
  }
  return out;
}

/** The ClusterConfiguration kind gives kubeadm on the bootstrap control plane, patches applied. */
export function clusterConfiguration(kubernetesVersion: string, patches: string[]): Json {
  const apiVersion = kubeadmApiVersion(kubernetesVersion);
  let cfg = kindClusterConfiguration(apiVersion);
  for (const p of patchDocuments(patches)) {
    const pKind = typeof p.kind === 'string' ? p.kind : '';
    const pVersion = typeof p.apiVersion === 'string' ? p.apiVersion : '';
    if (pKind !== 'ClusterConfiguration' || (pVersion !== '' && pVersion !== apiVersion)) continue;
    const patch = structuredClone(p);
    const target = structuredClone(cfg);
    mergeExtraArgs(target, patch, apiVersion.endsWith('v1beta4'), pVersion);
    cfg = mergePatch(target, patch) as Json;
  }
  return cfg;
}

/** controllerManager.extraArgs as name → value (both API shapes). */
export function controllerManagerExtraArgs(cfg: Json): Record<string, string> {
  const args = isMap(cfg.controllerManager) ? cfg.controllerManager.extraArgs : undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(args)) for (const a of args) if (isMap(a) && typeof a.name === 'string') out[a.name] = typeof a.value === 'string' ? a.value : JSON.stringify(a.value);
  if (isMap(args)) for (const [k, v] of Object.entries(args)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** kubeadm's kube-controller-manager command for kind's defaults (pod subnet 10.244.0.0/16, services 10.96.0.0/16). */
export function controllerManagerCommand(clusterName: string, extraArgs: Record<string, string>): string[] {
  const kubeconfig = '/etc/kubernetes/controller-manager.conf';
  const defaults: Record<string, string> = {
    'allocate-node-cidrs': 'true',
    'authentication-kubeconfig': kubeconfig,
    'authorization-kubeconfig': kubeconfig,
    'bind-address': '127.0.0.1',
    'client-ca-file': '/etc/kubernetes/pki/ca.crt',
    'cluster-cidr': '10.244.0.0/16',
    'cluster-name': clusterName,
    'cluster-signing-cert-file': '/etc/kubernetes/pki/ca.crt',
    'cluster-signing-key-file': '/etc/kubernetes/pki/ca.key',
    controllers: '*,bootstrapsigner,tokencleaner',
    kubeconfig,
    'leader-elect': 'true',
    'requestheader-client-ca-file': '/etc/kubernetes/pki/front-proxy-ca.crt',
    'root-ca-file': '/etc/kubernetes/pki/ca.crt',
    'service-account-private-key-file': '/etc/kubernetes/pki/sa.key',
    'service-cluster-ip-range': '10.96.0.0/16',
    'use-service-account-credentials': 'true',
  };
  const all = { ...defaults, ...extraArgs };
  return ['kube-controller-manager', ...Object.keys(all).sort().map((k) => `--${k}=${all[k] ?? ''}`)];
}

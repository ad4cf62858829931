// Decodes a kind cluster config the way kind does: YAML -> JSON with duplicate-key detection, then Go's
// encoding/json with DisallowUnknownFields against the v1alpha4 types (field names match case-insensitively,
// like Go), then kind's defaulting and validation. Error texts follow kind's.
import { parseAllDocuments } from 'yaml';

export const DEFAULT_NODE_IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: string;
}

export interface KindNode {
  role: string;
  image: string;
  labels: Record<string, string>;
  extraPortMappings: PortMapping[];
}

export interface KindCluster {
  name: string;
  nodes: KindNode[];
  networking: { apiServerAddress: string; apiServerPort: number; ipFamily: string };
}

/** A decode/validation failure; the message is what follows "failed to create cluster: ". */
export class KindConfigError extends Error {}

// ---- the v1alpha4 schema, as Go would see it -------------------------------------------------------------

type Schema =
  | { t: 'scalar'; go: 'string' | 'int32' | 'bool'; goType?: string }
  | { t: 'struct'; go: string; fields: Record<string, Schema> }
  | { t: 'slice'; go: string; items: Schema }
  | { t: 'map'; go: string; values: Schema };

const str = (goType?: string): Schema => ({ t: 'scalar', go: 'string', goType });
const int32: Schema = { t: 'scalar', go: 'int32' };
const bool: Schema = { t: 'scalar', go: 'bool' };
const strings: Schema = { t: 'slice', go: '[]string', items: str() };
const stringMap: Schema = { t: 'map', go: 'map[string]string', values: str() };

const patchJSON6902: Schema = {
  t: 'slice',
  go: '[]v1alpha4.PatchJSON6902',
  items: { t: 'struct', go: 'PatchJSON6902', fields: { group: str(), version: str(), kind: str(), patch: str() } },
};

const portMapping: Schema = {
  t: 'struct',
  go: 'PortMapping',
  fields: { containerPort: int32, hostPort: int32, listenAddress: str(), protocol: str('v1alpha4.PortMappingProtocol') },
};

const mount: Schema = {
  t: 'struct',
  go: 'Mount',
  fields: { containerPath: str(), hostPath: str(), readOnly: bool, selinuxRelabel: bool, propagation: str('v1alpha4.MountPropagation') },
};

const node: Schema = {
  t: 'struct',
  go: 'Node',
  fields: {
    role: str('v1alpha4.NodeRole'),
    image: str(),
    labels: stringMap,
    extraMounts: { t: 'slice', go: '[]v1alpha4.Mount', items: mount },
    extraPortMappings: { t: 'slice', go: '[]v1alpha4.PortMapping', items: portMapping },
    kubeadmConfigPatches: strings,
    kubeadmConfigPatchesJSON6902: patchJSON6902,
  },
};

const networking: Schema = {
  t: 'struct',
  go: 'Networking',
  fields: {
    ipFamily: str('v1alpha4.ClusterIPFamily'),
    apiServerAddress: str(),
    apiServerPort: int32,
    podSubnet: str(),
    serviceSubnet: str(),
    disableDefaultCNI: bool,
    kubeProxyMode: str('v1alpha4.ProxyMode'),
    dnsSearch: strings,
  },
};

const cluster: Schema = {
  t: 'struct',
  go: 'Cluster',
  fields: {
    kind: str(),
    apiVersion: str(),
    name: str(),
    nodes: { t: 'slice', go: '[]v1alpha4.Node', items: node },
    networking,
    featureGates: { t: 'map', go: 'map[string]bool', values: bool },
    runtimeConfig: stringMap,
    kubeadmConfigPatches: strings,
    kubeadmConfigPatchesJSON6902: patchJSON6902,
    containerdConfigPatches: strings,
    containerdConfigPatchesJSON6902: strings,
  },
};

function jsonTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

interface Ctx {
  /** innermost Go struct type name, for json's "Go struct field X.path" messages */
  struct: string;
  path: string[];
}

/** encoding/json Unmarshal with DisallowUnknownFields; returns the value with Go's canonical field names. */
function decode(v: unknown, s: Schema, ctx: Ctx): unknown {
  const typeError = (goType: string) =>
    new KindConfigError(
      `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${ctx.struct}.${ctx.path.join('.')} of type ${goType}`,
    );
  if (v === null) return undefined; // JSON null leaves the Go zero value
  switch (s.t) {
    case 'scalar': {
      if (s.go === 'string' && typeof v !== 'string') throw typeError(s.goType ?? 'string');
      if (s.go === 'bool' && typeof v !== 'boolean') throw typeError('bool');
      if (s.go === 'int32') {
        if (typeof v !== 'number') throw typeError('int32');
        if (!Number.isInteger(v) || v >= 2 ** 31 || v < -(2 ** 31)) {
          throw new KindConfigError(`json: cannot unmarshal number ${v} into Go struct field ${ctx.struct}.${ctx.path.join('.')} of type int32`);
        }
      }
      return v;
    }
    case 'slice':
      if (!Array.isArray(v)) throw typeError(s.go);
      return v.map((item) => decode(item, s.items, ctx));
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) throw typeError(s.go);
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = decode(val, s.values, ctx);
      return out;
    }
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) throw typeError(`v1alpha4.${s.go}`);
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        // Go matches JSON keys to struct tags exactly first, then case-insensitively.
        const field = k in s.fields ? k : Object.keys(s.fields).find((f) => f.toLowerCase() === k.toLowerCase());
        if (field === undefined) throw new KindConfigError(`json: unknown field ${JSON.stringify(k)}`);
        const child = s.fields[field] as Schema;
        out[field] = decode(val, child, { struct: child.t === 'struct' ? child.go : s.go, path: [...ctx.path, field] });
      }
      return out;
    }
  }
}

/** sigs.k8s.io/yaml's YAMLToJSONStrict: YAML must be valid and have no duplicate keys. */
function yamlToJSON(raw: string): unknown {
  const docs = parseAllDocuments(raw, { uniqueKeys: true });
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (!doc) return null;
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? 0;
    const what = err.code === 'DUPLICATE_KEY' ? 'mapping key already defined' : err.message.split('\n')[0];
    throw new KindConfigError(`error converting YAML to JSON: yaml: line ${line}: ${what}`);
  }
  return doc.toJS() as unknown;
}

/** Loads and decodes a config file's contents (kind's encoding.Load + defaults + validation). */
export function decodeKindConfig(raw: string): KindCluster {
  const json = yamlToJSON(raw);
  const obj = (json && typeof json === 'object' && !Array.isArray(json) ? json : {}) as Record<string, unknown>;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (apiVersion !== 'kind.x-k8s.io/v1alpha4') {
    if (apiVersion === 'kind.sigs.k8s.io/v1alpha3' || apiVersion === 'kind.sigs.k8s.io/v1alpha2') {
      throw new KindConfigError(`kind v0.8.0+ no longer supports ${apiVersion} config`);
    }
    throw new KindConfigError(`unknown apiVersion: ${apiVersion}`);
  }
  if (kind !== 'Cluster') throw new KindConfigError(`unknown kind ${kind} for apiVersion: ${apiVersion}`);
  let decoded: Record<string, unknown>;
  try {
    decoded = decode(obj, cluster, { struct: 'Cluster', path: [] }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof KindConfigError) {
      throw new KindConfigError(`unable to decode config: error unmarshaling JSON: while decoding JSON: ${err.message}`);
    }
    throw err;
  }
  return withDefaults(decoded);
}

/** kind's v1alpha4 SetDefaults_*. */
function withDefaults(c: Record<string, unknown>): KindCluster {
  const rawNodes = (c.nodes as Record<string, unknown>[] | undefined) ?? [];
  const nodes: KindNode[] = (rawNodes.length ? rawNodes : [{}]).map((n) => ({
    role: (n.role as string | undefined) || 'control-plane',
    image: (n.image as string | undefined) || DEFAULT_NODE_IMAGE,
    labels: (n.labels as Record<string, string> | undefined) ?? {},
    extraPortMappings: ((n.extraPortMappings as Record<string, unknown>[] | undefined) ?? []).map((pm) => ({
      containerPort: (pm.containerPort as number | undefined) ?? 0,
      hostPort: (pm.hostPort as number | undefined) ?? 0,
      listenAddress: (pm.listenAddress as string | undefined) || '0.0.0.0',
      protocol: (pm.protocol as string | undefined) || 'TCP',
    })),
  }));
  const net = (c.networking as Record<string, unknown> | undefined) ?? {};
  return {
    name: (c.name as string | undefined) ?? '',
    nodes,
    networking: {
      apiServerAddress: (net.apiServerAddress as string | undefined) || '127.0.0.1',
      apiServerPort: (net.apiServerPort as number | undefined) ?? 0,
      ipFamily: (net.ipFamily as string | undefined) || 'ipv4',
    },
  };
}

/** The default config (no --config): one control-plane node. */
export function defaultKindConfig(): KindCluster {
  return withDefaults({});
}

const VALID_NAME = /^[a-z0-9.-]+$/;

function validatePort(port: number): string | undefined {
  return port < -1 || port > 65535 ? `invalid port number: ${port}` : undefined;
}

/** kind's PortMapping duplicate check (same listen address, port and protocol; 0.0.0.0 clashes with any address). */
function validatePortMappings(mappings: PortMapping[]): string | undefined {
  const msg = 'port mapping with same listen address, port and protocol already configured';
  const binds = new Map<string, Set<string>>();
  for (const pm of mappings) {
    const addr = pm.listenAddress === '::' ? '0.0.0.0' : pm.listenAddress;
    const portProto = `${pm.hostPort}/${pm.protocol}`.toLowerCase();
    const err = `${msg}: ${pm.listenAddress}/${portProto}`;
    const seen = binds.get(portProto);
    if (seen) {
      if (addr === '0.0.0.0' || seen.has(addr) || seen.has('0.0.0.0')) return err;
    } else binds.set(portProto, new Set());
    binds.get(portProto)?.add(addr);
  }
  return undefined;
}

/** kind's Cluster.Validate; throws with kind's aggregate error text. */
export function validateKindConfig(c: KindCluster): void {
  const errs: string[] = [];
  if (!VALID_NAME.test(c.name)) {
    errs.push(`'${c.name}' is not a valid cluster name, cluster names must match \`^[a-z0-9.-]+$\``);
  }
  if (c.networking.apiServerPort !== 0) {
    const e = validatePort(c.networking.apiServerPort);
    if (e) errs.push(`invalid apiServerPort: ${e}`);
  }
  let controlPlanes = 0;
  c.nodes.forEach((n, i) => {
    const nodeErrs: string[] = [];
    if (n.role === 'control-plane') controlPlanes++;
    else if (n.role !== 'worker') nodeErrs.push(`${JSON.stringify(n.role)} is not a valid node role`);
    const pmErr = validatePortMappings(n.extraPortMappings);
    if (pmErr) nodeErrs.push(`invalid portMapping: ${pmErr}`);
    for (const pm of n.extraPortMappings) {
      const hp = validatePort(pm.hostPort);
      if (hp) nodeErrs.push(`invalid hostPort: ${hp}`);
      const cp = validatePort(pm.containerPort);
      if (cp) nodeErrs.push(`invalid containerPort: ${cp}`);
    }
    if (nodeErrs.length) errs.push(`invalid configuration for node ${i}: ${aggregate(nodeErrs)}`);
  });
  if (controlPlanes < 1) errs.push('must have at least one control-plane node');
  if (errs.length) throw new KindConfigError(aggregate(errs));
  for (const n of c.nodes) {
    for (const pm of n.extraPortMappings) {
      // kind's docker provider rejects protocols it cannot translate for `docker run -p`.
      if (!['TCP', 'UDP', 'SCTP'].includes(pm.protocol)) throw new KindConfigError(`unknown port mapping protocol: ${pm.protocol}`);
    }
  }
}

/** k8s.io/apimachinery's utilerrors.NewAggregate formatting. */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? (errs[0] as string) : `[${errs.join(', ')}]`;
}

/** Node containers as kind names them: NAME-control-plane, NAME-control-plane2, NAME-worker, ... */
export function nodeContainers(clusterName: string, nodes: KindNode[]): Array<{ name: string; role: string; labels: Record<string, string> }> {
  const counts = new Map<string, number>();
  const out = nodes.map((n) => {
    const k = (counts.get(n.role) ?? 0) + 1;
    counts.set(n.role, k);
    return { name: `${clusterName}-${n.role}${k === 1 ? '' : k}`, role: n.role, labels: n.labels };
  });
  // More than one control plane: kind adds a load balancer container in front of them (not a Kubernetes node).
  if (nodes.filter((n) => n.role === 'control-plane').length > 1) out.push({ name: `${clusterName}-external-load-balancer`, role: 'external-load-balancer', labels: {} });
  return out;
}

/** "kindest/node:v1.36.1@sha256:..." -> "kindest/node:v1.36.1" (what kind shows while ensuring the image). */
export function friendlyImageName(image: string): string {
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(0, at);
}

/** Kubernetes version of a kindest/node image tag, falling back to the default node's version. */
export function kubernetesVersionOf(image: string): string {
  const m = /:(v\d+\.\d+\.\d+)/.exec(friendlyImageName(image));
  return m?.[1] ?? 'v1.36.1';
}

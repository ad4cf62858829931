// Decodes a kind cluster config the way kind v0.32.0 does (pkg/internal/apis/config/encoding/load.go):
//
//   1. yaml.Unmarshal(raw, &typeMeta{}) with go.yaml.in/yaml/v3 — only kind/apiVersion are read, but YAML
//      syntax errors and duplicate top-level keys already fail here ("could not determine kind / apiVersion
//      for config: …");
//   2. the apiVersion/kind switch ("unknown apiVersion: X", "unknown kind K for apiVersion: X");
//   3. yaml.v3's Decoder with KnownFields(true) into the v1alpha4 types ("unable to decode config: …").
//
// yaml.v3 (decode.go) matches keys against the `yaml:"…"` tags exactly — case-sensitively — and collects every
// problem of the document as "yaml: unmarshal errors:\n  line N: …": "field X not found in type v1alpha4.Y",
// "mapping key \"k\" already defined at line M", "cannot unmarshal !!str `abc` into int32". Scalars are typed
// by yaml.v3's resolver (resolve.go): any scalar fits a string field, a float is truncated into an int32 field,
// a bool field also takes y/yes/on/n/no/off. Then kind's defaulting (v1alpha4/default.go) and validation
// (pkg/internal/apis/config/validate.go). Error texts follow kind's; YAML *syntax* errors only approximate
// libyaml's wording.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode, type Scalar } from 'yaml';

export const DEFAULT_NODE_IMAGE = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  /** as written in the config ('' when unset); the docker provider defaults it to 0.0.0.0 */
  listenAddress: string;
  /** as written in the config ('' when unset); the docker provider defaults it to TCP */
  protocol: string;
}

export interface KindNode {
  role: string;
  image: string;
  labels: Record<string, string>;
  extraPortMappings: PortMapping[];
  /** merge patches for this node's kubeadm config (lib/kubeadm.ts applies them) */
  kubeadmConfigPatches: string[];
}

export interface KindCluster {
  name: string;
  nodes: KindNode[];
  /** merge patches for every node's kubeadm config (lib/kubeadm.ts applies them) */
  kubeadmConfigPatches: string[];
  networking: { apiServerAddress: string; apiServerPort: number; ipFamily: string; podSubnet: string; serviceSubnet: string; kubeProxyMode: string };
}

/** A decode/validation failure; the message is what follows "failed to create cluster: ". */
export class KindConfigError extends Error {}

// ---- the v1alpha4 types, as yaml.v3 sees them (pkg/apis/config/v1alpha4/types.go) ----------------------------

type GoType =
  | { k: 'string'; name: string }
  | { k: 'int32' }
  | { k: 'bool' }
  | { k: 'struct'; name: string; fields: Record<string, GoType> }
  | { k: 'slice'; name: string; elem: GoType }
  | { k: 'map'; name: string; elem: GoType };

const str = (name = 'string'): GoType => ({ k: 'string', name });
const int32: GoType = { k: 'int32' };
const bool: GoType = { k: 'bool' };
const strings: GoType = { k: 'slice', name: '[]string', elem: str() };
const stringMap: GoType = { k: 'map', name: 'map[string]string', elem: str() };
const struct = (name: string, fields: Record<string, GoType>): GoType => ({ k: 'struct', name: `v1alpha4.${name}`, fields });
const sliceOf = (t: GoType & { name: string }): GoType => ({ k: 'slice', name: `[]${t.name}`, elem: t });

const patchJSON6902 = struct('PatchJSON6902', { group: str(), version: str(), kind: str(), patch: str() }) as GoType & { name: string };
const portMapping = struct('PortMapping', { containerPort: int32, hostPort: int32, listenAddress: str(), protocol: str('v1alpha4.PortMappingProtocol') }) as GoType & { name: string };
const mount = struct('Mount', { containerPath: str(), hostPath: str(), readOnly: bool, selinuxRelabel: bool, propagation: str('v1alpha4.MountPropagation') }) as GoType & { name: string };
const node = struct('Node', {
  role: str('v1alpha4.NodeRole'),
  image: str(),
  labels: stringMap,
  extraMounts: sliceOf(mount),
  extraPortMappings: sliceOf(portMapping),
  kubeadmConfigPatches: strings,
  kubeadmConfigPatchesJSON6902: sliceOf(patchJSON6902),
}) as GoType & { name: string };
const networking = struct('Networking', {
  ipFamily: str('v1alpha4.ClusterIPFamily'),
  apiServerPort: int32,
  apiServerAddress: str(),
  podSubnet: str(),
  serviceSubnet: str(),
  disableDefaultCNI: bool,
  kubeProxyMode: str('v1alpha4.ProxyMode'),
  dnsSearch: strings, // *[]string: yaml.v3 dereferences the pointer, errors name []string
});
const cluster = struct('Cluster', {
  kind: str(), // TypeMeta, inlined
  apiVersion: str(),
  name: str(),
  nodes: sliceOf(node),
  networking,
  featureGates: { k: 'map', name: 'map[string]bool', elem: bool },
  runtimeConfig: stringMap,
  kubeadmConfigPatches: strings,
  kubeadmConfigPatchesJSON6902: sliceOf(patchJSON6902),
  containerdConfigPatches: strings,
  containerdConfigPatchesJSON6902: strings,
});
/** encoding.typeMeta: the first, lenient pass only reads these two */
const typeMeta: GoType = { k: 'struct', name: 'encoding.typeMeta', fields: { kind: str(), apiVersion: str() } };

// ---- yaml.v3's scalar resolution (resolve.go) -----------------------------------------------------------------

type Resolved = { tag: '!!null' } | { tag: '!!bool'; v: boolean } | { tag: '!!int'; v: bigint } | { tag: '!!float'; v: number } | { tag: '!!str' | '!!timestamp'; v: string };

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64): decimal, 0x, 0o, 0b, and 1.1-style leading-0 octal. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  let digits = m[2] as string;
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const v = sign * BigInt(digits.toLowerCase());
  return v >= -(2n ** 63n) && v < 2n ** 64n ? v : undefined;
}

function resolvePlain(text: string): Resolved {
  if (NULLS.has(text)) return { tag: '!!null' };
  if (['true', 'True', 'TRUE'].includes(text)) return { tag: '!!bool', v: true };
  if (['false', 'False', 'FALSE'].includes(text)) return { tag: '!!bool', v: false };
  if (['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].includes(text)) return { tag: '!!float', v: Infinity };
  if (['-.inf', '-.Inf', '-.INF'].includes(text)) return { tag: '!!float', v: -Infinity };
  if (['.nan', '.NaN', '.NAN'].includes(text)) return { tag: '!!float', v: NaN };
  const c = text[0] ?? '';
  if (/[0-9+\-.]/.test(c)) {
    if (/^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}.*)?$/.test(text)) return { tag: '!!timestamp', v: text };
    const plain = text.replace(/_/g, '');
    const i = parseGoInt(plain);
    if (i !== undefined) return { tag: '!!int', v: i };
    if (YAML_FLOAT.test(plain)) return { tag: '!!float', v: Number(plain) };
  }
  return { tag: '!!str', v: text };
}

// ---- yaml.v3's decoder, for the types above ---------------------------------------------------------------------

/** go-yaml's TypeError: every problem of the document, in document order. */
class YamlTypeError extends Error {
  constructor(problems: string[]) {
    super(`yaml: unmarshal errors:\n  ${problems.join('\n  ')}`);
  }
}

/** A failure yaml.v3 raises at once (failf): "yaml: …". */
class YamlFatal extends Error {}

const NONE = Symbol('not set');
type Decoded = unknown;

interface Decoder {
  doc: Document;
  lines: LineCounter;
  knownFields: boolean;
  errs: string[];
}

function lineOf(d: Decoder, n: YamlNode | null | undefined): number {
  const off = n?.range?.[0];
  return off === undefined ? 0 : d.lines.linePos(off).line;
}

/** node.Value as yaml.v3 keeps it: the scalar's text (unescaped for quoted scalars). */
function scalarText(n: Scalar): string {
  const v: unknown = n.value;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

function shortTag(n: YamlNode): string {
  if (isMap(n)) return '!!map';
  if (isSeq(n)) return '!!seq';
  return resolveScalar(n as Scalar).tag;
}

function resolveScalar(n: Scalar): Resolved {
  const text = scalarText(n);
  const explicit = n.tag?.replace(/^tag:yaml\.org,2002:/, '!!');
  if (explicit === '!!str' || (n.type !== undefined && n.type !== 'PLAIN')) return { tag: '!!str', v: text };
  return resolvePlain(text);
}

function deref(d: Decoder, n: unknown): YamlNode | null {
  if (n === null || n === undefined) return null;
  if (isAlias(n)) {
    const target = n.resolve(d.doc);
    if (!target) throw new YamlFatal(`yaml: unknown anchor '${n.source}' referenced`);
    return target;
  }
  return n as YamlNode;
}

/** d.terror: "line N: cannot unmarshal !!TAG `value` into TYPE". */
function terror(d: Decoder, n: YamlNode, into: string): void {
  const tag = shortTag(n);
  let value = '';
  if (tag !== '!!seq' && tag !== '!!map') {
    const text = scalarText(n as Scalar);
    value = Buffer.byteLength(text) > 10 ? ` \`${Buffer.from(text).subarray(0, 7).toString()}...\`` : ` \`${text}\``;
  }
  d.errs.push(`line ${lineOf(d, n)}: cannot unmarshal ${tag}${value} into ${into}`);
}

const typeName = (t: GoType): string => ('name' in t ? t.name : t.k);

function isNull(n: YamlNode | null): boolean {
  return n === null || (isScalar(n) && resolveScalar(n).tag === '!!null');
}

function decodeScalar(d: Decoder, n: Scalar, t: GoType): Decoded {
  const r = resolveScalar(n);
  if (r.tag === '!!null') return NONE;
  switch (t.k) {
    case 'string':
      return scalarText(n);
    case 'int32': {
      let v: bigint | undefined;
      if (r.tag === '!!int') v = r.v;
      else if (r.tag === '!!float' && Number.isFinite(r.v)) v = BigInt(Math.trunc(r.v));
      if (v !== undefined && v >= -(2n ** 31n) && v < 2n ** 31n) return Number(v);
      break;
    }
    case 'bool':
      if (r.tag === '!!bool') return r.v;
      if (r.tag === '!!str') {
        if (['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'].includes(r.v)) return true;
        if (['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'].includes(r.v)) return false;
      }
      break;
    default:
      break;
  }
  terror(d, n, typeName(t));
  return NONE;
}

/** A mapping key, unmarshalled into a string like mappingStruct's `name` (NONE: skipped). */
function decodeKey(d: Decoder, raw: unknown): string | typeof NONE {
  const k = deref(d, raw);
  if (isNull(k)) return NONE;
  if (k && isScalar(k)) return scalarText(k);
  if (k) terror(d, k, 'string');
  return NONE;
}

function decode(d: Decoder, raw: unknown, t: GoType): Decoded {
  const n = deref(d, raw);
  if (n === null) return NONE;
  if (isScalar(n)) return decodeScalar(d, n, t);
  if (isSeq(n)) {
    if (t.k !== 'slice') {
      terror(d, n, typeName(t));
      return NONE;
    }
    const out: unknown[] = [];
    for (const item of n.items) {
      const v = decode(d, item, t.elem);
      if (v !== NONE) out.push(v);
    }
    return out;
  }
  if (isMap(n)) {
    // mapping(): duplicate keys fail the whole mapping before anything in it is decoded.
    const before = d.errs.length;
    const keys = n.items.map((p) => deref(d, p.key));
    keys.forEach((ki, i) => {
      for (let j = i + 1; j < keys.length; j++) {
        const kj = keys[j];
        if (ki && kj && isScalar(ki) && isScalar(kj) && scalarText(ki) === scalarText(kj)) {
          d.errs.push(`line ${lineOf(d, kj)}: mapping key ${JSON.stringify(scalarText(kj))} already defined at line ${lineOf(d, ki)}`);
        }
      }
    });
    if (d.errs.length > before) return NONE;
    if (t.k === 'struct') {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        const key = decodeKey(d, pair.key);
        if (key === NONE) continue;
        const field = Object.hasOwn(t.fields, key) ? t.fields[key] : undefined;
        if (field) {
          const v = decode(d, pair.value, field);
          if (v !== NONE) out[key] = v;
        } else if (d.knownFields) d.errs.push(`line ${lineOf(d, deref(d, pair.key))}: field ${key} not found in type ${t.name}`);
      }
      return out;
    }
    if (t.k === 'map') {
      const out: Record<string, unknown> = {};
      for (const pair of n.items) {
        const key = decodeKey(d, pair.key);
        if (key === NONE) continue;
        const value = deref(d, pair.value);
        const v = decode(d, value, t.elem);
        if (v !== NONE) out[key] = v;
        else if (isNull(value)) out[key] = t.elem.k === 'bool' ? false : ''; // a null value stores the zero value
      }
      return out;
    }
    terror(d, n, typeName(t));
    return NONE;
  }
  return NONE;
}

/** libyaml-style text for the syntax errors the `yaml` package reports (an approximation). */
function syntaxMessage(code: string, message: string): string {
  switch (code) {
    case 'MISSING_CHAR':
      return /quote/.test(message) ? 'found unexpected end of stream' : "did not find expected ',' or ']'";
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'mapping values are not allowed in this context';
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
    case 'UNEXPECTED_TOKEN':
      return 'found character that cannot start any token';
    case 'BAD_INDENT':
      return /Flow/.test(message) ? "did not find expected ',' or ']'" : 'did not find expected key';
    default:
      return message.split(' at line ')[0] ?? message;
  }
}

interface Parsed {
  doc: Document | undefined;
  lines: LineCounter;
}

function parseFirstDocument(raw: string): Parsed {
  const lines = new LineCounter();
  const docs = parseAllDocuments(raw, { schema: 'failsafe', uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  const err = doc?.errors[0];
  if (err) throw new YamlFatal(`yaml: line ${err.linePos?.[0].line ?? 1}: ${syntaxMessage(err.code, err.message)}`);
  return { doc, lines };
}

function unmarshal(p: Parsed, t: GoType, knownFields: boolean): Record<string, unknown> {
  const d: Decoder = { doc: p.doc as Document, lines: p.lines, knownFields, errs: [] };
  const root = p.doc?.contents ?? null;
  const v = p.doc ? decode(d, root, t) : NONE;
  if (d.errs.length) throw new YamlTypeError(d.errs);
  return v === NONE || typeof v !== 'object' || v === null ? {} : (v as Record<string, unknown>);
}

/** Loads and decodes a config file's contents (kind's encoding.Parse + defaults). */
export function decodeKindConfig(raw: string): KindCluster {
  let parsed: Parsed;
  let tm: Record<string, unknown>;
  try {
    parsed = parseFirstDocument(raw);
    tm = unmarshal(parsed, typeMeta, false);
  } catch (err) {
    if (err instanceof YamlFatal || err instanceof YamlTypeError) throw new KindConfigError(`could not determine kind / apiVersion for config: ${err.message}`);
    throw err;
  }
  const apiVersion = typeof tm.apiVersion === 'string' ? tm.apiVersion : '';
  const kind = typeof tm.kind === 'string' ? tm.kind : '';
  if (apiVersion !== 'kind.x-k8s.io/v1alpha4') throw new KindConfigError(`unknown apiVersion: ${apiVersion}`);
  if (kind !== 'Cluster') throw new KindConfigError(`unknown kind ${kind} for apiVersion: ${apiVersion}`);
  let decoded: Record<string, unknown>;
  try {
    decoded = unmarshal(parsed, cluster, true);
  } catch (err) {
    if (err instanceof YamlFatal || err instanceof YamlTypeError) throw new KindConfigError(`unable to decode config: ${err.message}`);
    throw err;
  }
  return withDefaults(decoded);
}

/** kind's v1alpha4 SetDefaultsCluster / SetDefaultsNode. */
function withDefaults(c: Record<string, unknown>): KindCluster {
  const rawNodes = (c.nodes as Record<string, unknown>[] | undefined) ?? [];
  const nodes: KindNode[] = (rawNodes.length ? rawNodes : [{}]).map((n) => ({
    role: (n.role as string | undefined) || 'control-plane',
    image: (n.image as string | undefined) || DEFAULT_NODE_IMAGE,
    labels: (n.labels as Record<string, string> | undefined) ?? {},
    extraPortMappings: ((n.extraPortMappings as Record<string, unknown>[] | undefined) ?? []).map((pm) => ({
      containerPort: (pm.containerPort as number | undefined) ?? 0,
      hostPort: (pm.hostPort as number | undefined) ?? 0,
      listenAddress: (pm.listenAddress as string | undefined) ?? '',
      protocol: (pm.protocol as string | undefined) ?? '',
    })),
    kubeadmConfigPatches: (n.kubeadmConfigPatches as string[] | undefined) ?? [],
  }));
  const net = (c.networking as Record<string, unknown> | undefined) ?? {};
  const ipFamily = (net.ipFamily as string | undefined) || 'ipv4';
  const v6 = ipFamily === 'ipv6';
  const dual = ipFamily === 'dual';
  return {
    name: (c.name as string | undefined) ?? '',
    nodes,
    kubeadmConfigPatches: (c.kubeadmConfigPatches as string[] | undefined) ?? [],
    networking: {
      ipFamily,
      apiServerAddress: (net.apiServerAddress as string | undefined) || (v6 ? '::1' : '127.0.0.1'),
      apiServerPort: (net.apiServerPort as number | undefined) ?? 0,
      podSubnet: (net.podSubnet as string | undefined) || (v6 ? 'fd00:10:244::/56' : dual ? '10.244.0.0/16,fd00:10:244::/56' : '10.244.0.0/16'),
      serviceSubnet: (net.serviceSubnet as string | undefined) || (v6 ? 'fd00:10:96::/112' : dual ? '10.96.0.0/16,fd00:10:96::/112' : '10.96.0.0/16'),
      kubeProxyMode: (net.kubeProxyMode as string | undefined) || 'iptables',
    },
  };
}

/** The default config (no --config): one control-plane node. */
export function defaultKindConfig(): KindCluster {
  return withDefaults({});
}

/** The docker provider's defaulting of a port mapping (pkg/cluster/internal/providers/docker/provision.go). */
export function providerPortMapping(pm: PortMapping, ipFamily: string): PortMapping {
  return { ...pm, listenAddress: pm.listenAddress || (ipFamily === 'ipv6' ? '::' : '0.0.0.0'), protocol: pm.protocol || 'TCP' };
}

// ---- kind's validation (pkg/internal/apis/config/validate.go) --------------------------------------------------

const VALID_NAME = /^[a-z0-9.-]+$/;

function validatePort(port: number): string | undefined {
  return port < -1 || port > 65535 ? `invalid port number: ${port}` : undefined;
}

/** Go's net.ParseIP(...).String() for the addresses a config uses (undefined: not an IP). */
function normalizeIP(s: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && !(o.length > 1 && o.startsWith('0'))) ? v4.slice(1).map(Number).join('.') : undefined;
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  try {
    const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
    return host === '::ffff:0:0' ? '0.0.0.0' : host;
  } catch {
    return undefined;
  }
}

/** validatePortMappings: same listen address (0.0.0.0 and :: clash with any), host port and protocol. */
function validatePortMappings(mappings: PortMapping[]): string | undefined {
  const msg = 'port mapping with same listen address, port and protocol already configured';
  const binds = new Map<string, Set<string>>();
  for (const pm of mappings) {
    if (pm.hostPort === -1 || pm.hostPort === 0) continue; // random ports never clash
    let addr = pm.listenAddress === '' ? '0.0.0.0' : normalizeIP(pm.listenAddress);
    if (addr === undefined) return `invalid listen address: ${pm.listenAddress}`;
    const portProtocol = `${pm.hostPort}/${pm.protocol}`;
    const err = `${msg}: ${addr}:${portProtocol}`;
    if (addr === '::') addr = '0.0.0.0';
    const seen = binds.get(portProtocol);
    if (seen) {
      if (addr === '0.0.0.0' && seen.size > 0) return err;
      if (seen.has(addr) || seen.has('0.0.0.0')) return err;
    } else binds.set(portProtocol, new Set());
    binds.get(portProtocol)?.add(addr);
  }
  return undefined;
}

/** Cluster.Validate; throws with kind's aggregate error text. */
export function validateKindConfig(c: KindCluster): void {
  const errs: string[] = [];
  if (!VALID_NAME.test(c.name)) errs.push(`'${c.name}' is not a valid cluster name, cluster names must match \`^[a-z0-9.-]+$\``);
  if (c.networking.apiServerPort !== 0) {
    const e = validatePort(c.networking.apiServerPort);
    if (e) errs.push(`invalid apiServerPort: ${e}`);
  }
  if (!['ipv4', 'ipv6', 'dual'].includes(c.networking.ipFamily)) errs.push(`invalid ipFamily: ${c.networking.ipFamily}`);
  if (!['iptables', 'ipvs', 'none', 'nftables'].includes(c.networking.kubeProxyMode)) errs.push(`invalid kubeProxyMode: ${c.networking.kubeProxyMode}`);
  let controlPlanes = 0;
  c.nodes.forEach((n, i) => {
    const nodeErrs: string[] = [];
    if (n.role === 'control-plane') controlPlanes++;
    else if (n.role !== 'worker') nodeErrs.push(`${JSON.stringify(n.role)} is not a valid node role`);
    if (!n.image) nodeErrs.push('image is a required field');
    for (const pm of n.extraPortMappings) {
      const hp = validatePort(pm.hostPort);
      if (hp) nodeErrs.push(`invalid hostPort: ${hp}`);
      const cp = validatePort(pm.containerPort);
      if (cp) nodeErrs.push(`invalid containerPort: ${cp}`);
    }
    const pmErr = validatePortMappings(n.extraPortMappings);
    if (pmErr) nodeErrs.push(`invalid portMapping: ${pmErr}`);
    if (nodeErrs.length) errs.push(`invalid configuration for node ${i}: ${aggregate(nodeErrs)}`);
  });
  if (controlPlanes < 1) errs.push('must have at least one control-plane node');
  if (errs.length) throw new KindConfigError(aggregate(errs));
}

/** The docker provider refuses protocols `docker run -p` cannot express (while "Preparing nodes"). */
export function unknownProtocol(c: KindCluster): string | undefined {
  for (const n of c.nodes) {
    for (const pm of n.extraPortMappings) {
      const p = providerPortMapping(pm, c.networking.ipFamily).protocol;
      if (!['TCP', 'UDP', 'SCTP'].includes(p)) return `unknown port mapping protocol: ${p}`;
    }
  }
  return undefined;
}

/** kind's forked utilerrors aggregate: one error as is, several as "[a, b]" with duplicates dropped. */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return errs.length === 1 || unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

// ---- the kubelet's --node-labels rule -------------------------------------------------------------------------
//
// kind passes a node's `labels` to its kubelet as --node-labels (kubeletExtraArgs node-labels in the kubeadm
// Init/JoinConfiguration, pkg/cluster/internal/kubeadm/config.go). The kubelet validates them before it starts
// (cmd/kubelet/app/options/options.go ValidateKubeletFlags, called from cmd/kubelet/app/server.go as "failed to
// validate kubelet flags: %w"): a key in the kubernetes.io or k8s.io namespaces (or a subdomain of them) must be
// one of the kubelet labels or carry the kubelet.kubernetes.io / node.kubernetes.io prefix (k8s.io/kubelet/pkg/
// apis/well_known_labels.go, constants from k8s.io/api/core/v1/well_known_labels.go); then keys must be qualified
// names and values valid label values (k8s.io/apimachinery/pkg/util/validation/validation.go).

const KUBELET_LABELS = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
];
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => (key.includes('/') ? (key.split('/', 1)[0] as string) : '');
const inDomain = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.includes(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inDomain(ns, allowed));
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QN_FMT = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/** validation.IsQualifiedName */
function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = key;
  else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN.test(prefix)) errs.push("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
  } else {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME.test(name)) errs.push(QN_FMT);
  return errs;
}

/** validation.IsValidLabelValue */
function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  return errs;
}

/**
 * The kubelet's refusal of a node's labels (the text of its "failed to validate kubelet flags: …" error), or
 * undefined when its kubelet would start. kind joins the labels "k=v,…" and the kubelet splits them again.
 */
export function kubeletNodeLabelsError(labels: Record<string, string>): string | undefined {
  const unknown = Object.keys(labels)
    .filter((k) => inDomain(labelNamespace(k), 'kubernetes.io') || inDomain(labelNamespace(k), 'k8s.io'))
    .filter((k) => !isKubeletLabel(k))
    .sort();
  if (unknown.length) {
    return `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${unknown.join(' ')}]\n--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (${KUBELET_LABEL_NAMESPACES.join(', ')}) or be in the specifically allowed set (${KUBELET_LABELS.join(', ')})`;
  }
  const invalid: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const ke = qualifiedNameErrors(k);
    if (ke.length) invalid.push(`'${k}' - ${ke.join(', ')}`);
    const ve = labelValueErrors(v);
    if (ve.length) invalid.push(`'${v}' - ${ve.join(', ')}`);
  }
  return invalid.length ? `invalid node labels: ${invalid.join('; ')}` : undefined;
}

// ---- nodes and images -----------------------------------------------------------------------------------------

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

// Reads and checks a kind cluster config before kind sees it, so `plan`, `doctor` and `up` reject a bad
// file up front with the file, the field and what was expected. kind decodes its config strictly (an
// unknown field is an error); the field lists below mirror kind.x-k8s.io/v1alpha4 for that reason.
import { readRegularFile } from '../input/output-path.ts';
import { parse, parseAllDocuments } from 'yaml';
import { InputError } from '../errors.ts';

/** A kind node image pinned by digest, as kind publishes them (kindest/node:vX.Y.Z@sha256:…). */
export const PINNED_NODE_IMAGE = /^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/;

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: string;
}

export interface KindConfig {
  /** The file it came from (as given), for messages. */
  file: string;
  /** The config's text as given to kind (the file's, or derived from it by kind-shape.ts). */
  text: string;
  /** The parsed document. */
  doc: Record<string, unknown>;
  nodeImage: string;
  portMappings: PortMapping[];
  /** Worker nodes and all nodes the config makes (after --workers, kind-shape.ts). */
  workers: number;
  nodeCount: number;
  /** kube-controller-manager's --horizontal-pod-autoscaler-sync-period the config sets (kind-shape.ts). */
  hpaSyncPeriod?: string;
}

const TOP_FIELDS = ['kind', 'apiVersion', 'name', 'nodes', 'networking', 'featureGates', 'runtimeConfig', 'kubeadmConfigPatches', 'kubeadmConfigPatchesJSON6902', 'containerdConfigPatches', 'containerdConfigPatchesJSON6902'];
const NODE_FIELDS = ['role', 'image', 'labels', 'extraMounts', 'extraPortMappings', 'kubeadmConfigPatches', 'kubeadmConfigPatchesJSON6902'];
const MAPPING_FIELDS = ['containerPort', 'hostPort', 'listenAddress', 'protocol'];
const NETWORKING_FIELDS = ['ipFamily', 'apiServerAddress', 'apiServerPort', 'podSubnet', 'serviceSubnet', 'disableDefaultCNI', 'kubeProxyMode', 'dnsSearch'];

export const NODEPORT_MIN = 30000;

// The kubelet refuses --node-labels in the kubernetes.io and k8s.io namespaces (and their sub-domains) unless
// they are in its own allowed set, and kind passes a node's `labels` to the kubelet as --node-labels: such a
// label makes `kind create cluster` fail at "Starting control-plane" (kind issue #2932). The rule and the
// lists are the kubelet's: cmd/kubelet/app/options/options.go (ValidateKubeletFlags, isKubernetesLabel) and
// staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go (kubeletLabels, kubeletLabelNamespaces).
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const KUBELET_LABELS = [
  'beta.kubernetes.io/arch', 'beta.kubernetes.io/instance-type', 'beta.kubernetes.io/os', 'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone', 'kubernetes.io/arch', 'kubernetes.io/hostname', 'kubernetes.io/os',
  'node.kubernetes.io/instance-type', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone',
];

const labelNamespace = (key: string): string => (key.includes('/') ? (key.split('/')[0] as string) : '');
const inDomain = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** Whether the kubelet accepts `key` in --node-labels (the kubelet's own rule). */
export function kubeletAcceptsNodeLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (!inDomain(ns, 'kubernetes.io') && !inDomain(ns, 'k8s.io')) return true;
  return KUBELET_LABELS.includes(key) || KUBELET_LABEL_NAMESPACES.some((allowed) => inDomain(ns, allowed));
}
export const NODEPORT_MAX = 32767;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownFields(file: string, where: string, obj: Record<string, unknown>, known: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new InputError(`${file}: ${where}${where ? '.' : ''}${key}: unknown field (kind rejects unknown fields)`, {
        fix: `expected one of: ${known.join(', ')}`,
      });
    }
  }
}

export function loadKindConfig(file: string): KindConfig {
  let text: string;
  try {
    text = readRegularFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read the kind config (${(err as NodeJS.ErrnoException).code === 'ENOTREG' ? 'not a regular file: a FIFO, a device or a socket' : ((err as NodeJS.ErrnoException).code ?? String(err))})`, {
      fix: 'pass an existing file with --kind-config, or use the default kind/cluster.yaml',
    });
  }
  return parseKindConfig(file, text);
}

/**
 * kubeadmConfigPatches: a list of strings (kind's v1alpha4 `KubeadmConfigPatches []string`), each a YAML
 * stream of merge patches: kind splits it into documents and reads each as YAML (pkg/internal/patch/resource.go,
 * parseResources), so one that is not YAML, or not a map, fails `kind create` after the work began.
 */
function checkKubeadmPatches(file: string, at: string, patches: unknown): void {
  if (patches === undefined) return;
  if (!Array.isArray(patches)) throw new InputError(`${file}: ${at}: expected a list of strings, each a kubeadm config patch in YAML`);
  patches.forEach((p: unknown, i) => {
    if (typeof p !== 'string') throw new InputError(`${file}: ${at}[${i}]: expected a string holding a YAML patch (use "|" for a block), got ${JSON.stringify(p)}`);
    parseAllDocuments(p).forEach((d, j) => {
      const where = `${file}: ${at}[${i}]${j ? ` (document ${j + 1})` : ''}`;
      if (d.errors.length) throw new InputError(`${where}: not valid YAML: ${d.errors[0]?.message.split('\n')[0] ?? ''}`);
      const v: unknown = d.toJS();
      if (v !== null && !isMap(v)) throw new InputError(`${where}: expected a YAML map (a kubeadm object with kind: and the fields to merge), got ${JSON.stringify(v)}`);
    });
  });
}

export function parseKindConfig(file: string, text: string): KindConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!isMap(doc)) throw new InputError(`${file}: expected a kind Cluster object (a YAML map) at the top level`);
  unknownFields(file, '', doc, TOP_FIELDS);
  if (doc.apiVersion !== 'kind.x-k8s.io/v1alpha4') {
    throw new InputError(`${file}: apiVersion: expected "kind.x-k8s.io/v1alpha4", got ${JSON.stringify(doc.apiVersion)}`);
  }
  if (doc.kind !== 'Cluster') throw new InputError(`${file}: kind: expected "Cluster", got ${JSON.stringify(doc.kind)}`);
  if (doc.networking !== undefined) {
    if (!isMap(doc.networking)) throw new InputError(`${file}: networking: expected a map`);
    unknownFields(file, 'networking', doc.networking, NETWORKING_FIELDS);
  }
  checkKubeadmPatches(file, 'kubeadmConfigPatches', doc.kubeadmConfigPatches);
  const nodes = doc.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new InputError(`${file}: nodes: expected a list with one control-plane node (its image pinned by digest)`);
  }
  const portMappings: PortMapping[] = [];
  let nodeImage = '';
  nodes.forEach((node: unknown, i) => {
    const at = `nodes[${i}]`;
    if (!isMap(node)) throw new InputError(`${file}: ${at}: expected a map`);
    unknownFields(file, at, node, NODE_FIELDS);
    if (node.role !== 'control-plane' && node.role !== 'worker') {
      throw new InputError(`${file}: ${at}.role: expected "control-plane" or "worker", got ${JSON.stringify(node.role)}`);
    }
    if (typeof node.image !== 'string' || !PINNED_NODE_IMAGE.test(node.image)) {
      throw new InputError(`${file}: ${at}.image: expected a node image pinned by digest (kindest/node:vX.Y.Z@sha256:<64 hex>), got ${JSON.stringify(node.image)}`, {
        fix: 'a tag alone can be re-pushed; the digest makes every laptop and CI job run the same Kubernetes (a node image built here is given with --node-image)',
      });
    }
    if (node.role === 'control-plane' && !nodeImage) nodeImage = node.image;
    checkKubeadmPatches(file, `${at}.kubeadmConfigPatches`, node.kubeadmConfigPatches);
    if (node.labels !== undefined) {
      if (!isMap(node.labels)) throw new InputError(`${file}: ${at}.labels: expected a map of label keys to string values`);
      for (const [key, value] of Object.entries(node.labels)) {
        if (!kubeletAcceptsNodeLabel(key)) {
          throw new InputError(`${file}: ${at}.labels.${key}: the kubelet refuses node labels in the kubernetes.io and k8s.io namespaces (kind passes them as --node-labels and the cluster never starts)`, {
            fix: `use a prefix of your own (e.g. hpa-lab/${key.split('/').pop() ?? key}), or one the kubelet allows: the prefixes ${KUBELET_LABEL_NAMESPACES.join(', ')} or the keys ${KUBELET_LABELS.join(', ')}`,
          });
        }
        if (typeof value !== 'string') throw new InputError(`${file}: ${at}.labels.${key}: expected a string value, got ${JSON.stringify(value)}`);
      }
    }
    const maps = node.extraPortMappings ?? [];
    if (!Array.isArray(maps)) throw new InputError(`${file}: ${at}.extraPortMappings: expected a list`);
    maps.forEach((m: unknown, j) => {
      const mat = `${at}.extraPortMappings[${j}]`;
      if (!isMap(m)) throw new InputError(`${file}: ${mat}: expected a map`);
      unknownFields(file, mat, m, MAPPING_FIELDS);
      for (const key of ['containerPort', 'hostPort'] as const) {
        const v = m[key];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < NODEPORT_MIN || v > NODEPORT_MAX) {
          throw new InputError(`${file}: ${mat}.${key}: expected a NodePort number from ${NODEPORT_MIN} to ${NODEPORT_MAX}, got ${JSON.stringify(v)}`);
        }
      }
      if (m.containerPort !== m.hostPort) {
        throw new InputError(`${file}: ${mat}: containerPort (${String(m.containerPort)}) must equal hostPort (${String(m.hostPort)})`, {
          fix: 'the lab maps each NodePort to the same port on 127.0.0.1, so the article’s URLs (http://127.0.0.1:30000) work verbatim',
        });
      }
      if (m.listenAddress !== '127.0.0.1') {
        throw new InputError(`${file}: ${mat}.listenAddress: expected "127.0.0.1", got ${JSON.stringify(m.listenAddress ?? '')}`, {
          fix: 'an empty listenAddress makes kind bind 0.0.0.0, which exposes the lab on every network interface (café Wi-Fi included)',
        });
      }
      const protocol = m.protocol ?? 'TCP';
      if (protocol !== 'TCP') throw new InputError(`${file}: ${mat}.protocol: expected "TCP", got ${JSON.stringify(protocol)}`);
      const mapping: PortMapping = { containerPort: m.containerPort as number, hostPort: m.hostPort as number, listenAddress: '127.0.0.1', protocol: 'TCP' };
      if (portMappings.some((p) => p.hostPort === mapping.hostPort)) {
        throw new InputError(`${file}: ${mat}.hostPort: ${mapping.hostPort} is mapped twice`);
      }
      portMappings.push(mapping);
    });
  });
  if (!nodes.some((n) => isMap(n) && n.role === 'control-plane')) {
    throw new InputError(`${file}: nodes: expected one node with role "control-plane"`);
  }
  const workers = nodes.filter((n) => isMap(n) && n.role === 'worker').length;
  return { file, text, doc, nodeImage, portMappings, workers, nodeCount: nodes.length };
}

// The simulated container registries: the image references that exist "upstream", as data. The kubelet
// (kubelet.ts) pulls only these (and images already on the node: kind's preloaded ones, or ones `kind load`
// put there); anything else fails to pull with containerd's words, as on a real kind node.
//
// Where each entry comes from:
//   - REAL_RENDERS: every image the real charts name in ../shared/real-renders/*/*.yaml (`helm template` of the
//     pinned charts with a real Helm; see that folder's README): container images, the Prometheus resource's
//     spec.image, and the images the Prometheus Operator is told to use at run time by its arguments
//     (--prometheus-config-reloader: the operator adds it to every Prometheus pod as init-config-reloader and
//     config-reloader; --thanos-default-base-image: used only for a Thanos sidecar). test/sim-kubelet.test.ts
//     checks that every image of every real render is here.
//   - kindNodeImages(): what a kind node image ships preloaded (the kubelet lists them in the node's
//     status.images; seed.ts seeds the node with them): kubeadm's control-plane images at the node's Kubernetes
//     version, etcd, CoreDNS, pause, and kind's own kindnetd and local-path-provisioner/-helper, at the versions
//     the simulation has always seeded.
//   - OPERATOR_DEFAULTS: the Prometheus and Alertmanager images the operator uses for a resource that names no
//     image or version (pkg/operator/defaults.go, the versions charts/prometheus-operator.ts follows).
//   - WALKTHROUGH: `curlimages/curl` (docs/walkthrough.md: `kubectl run -it --rm q --image=curlimages/curl ...`).
//   - PROJECT_TESTS: published images the project's own tests run on the simulated cluster
//     (test/sim-datapath.test.ts: a stand-alone Prometheus and node-exporter).
//
// References are normalized the way containerd does (reference/docker ParseDockerRef): no domain means
// docker.io, a single path component on docker.io gets library/, index.docker.io is docker.io, no tag means
// :latest, and a reference with both tag and digest keeps only the digest.

export interface ImageRef {
  /** registry host, e.g. docker.io, quay.io, registry.k8s.io */
  domain: string;
  /** repository path on that host, e.g. library/nginx, prometheus/prometheus */
  path: string;
  tag?: string;
  digest?: string;
  /** domain/path */
  name: string;
  /** the fully qualified reference containerd pulls: name:tag, or name@digest */
  full: string;
}

/**
 * Why a reference does not parse, in the words of the distribution/reference parser the kubelet uses
 * (pkg/util/parsers ParseImageName wraps it as `couldn't parse image name "X": ...`); undefined when it parses.
 */
export function invalidImageRef(ref: string): string | undefined {
  const r = parseRef(ref);
  return 'error' in r ? r.error : undefined;
}

/** containerd's normalization of an image reference (undefined when it is not a valid reference). */
export function parseImageRef(ref: string): ImageRef | undefined {
  const r = parseRef(ref);
  return 'error' in r ? undefined : r;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function parseRef(ref: string): ImageRef | { error: string } {
  const invalid = { error: 'invalid reference format' };
  let rest = ref;
  if (!rest || /\s/.test(rest)) return invalid;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return invalid;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^\w[\w.-]{0,127}$/.test(tag)) return invalid;
  }
  const first = rest.split('/')[0] ?? '';
  const hasDomain = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? rest.slice(first.length + 1) : rest;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const components = path.split('/');
  if (!components.every((c) => PATH_COMPONENT.test(c))) {
    return components.every((c) => PATH_COMPONENT.test(c.toLowerCase())) ? { error: `invalid reference format: repository name (${path}) must be lowercase` } : invalid;
  }
  const name = `${domain}/${path}`;
  if (digest) tag = undefined;
  else tag ??= 'latest';
  return { domain, path, name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), full: digest ? `${name}@${digest}` : `${name}:${tag ?? 'latest'}` };
}

export interface RegistryImage {
  /** fully qualified reference (domain/path:tag) */
  ref: string;
  /** where this entry comes from (see the header) */
  source: string;
  /** the image's digest, when the source gives one */
  digest?: string;
}

const REAL_RENDERS: Array<[string, string]> = [
  ['registry.k8s.io/metrics-server/metrics-server:v0.8.1', 'metrics-server-3.13.1: Deployment metrics-server'],
  ['docker.io/grafana/grafana:13.2.0', 'kube-prometheus-stack-88.5.3 (grafana 12.11.1): Deployment prometheus-grafana'],
  ['quay.io/kiwigrid/k8s-sidecar:2.10.1', 'kube-prometheus-stack-88.5.3 (grafana 12.11.1): the dashboards and datasources sidecars'],
  ['registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0', 'kube-prometheus-stack-88.5.3 (kube-state-metrics 8.4.0)'],
  ['quay.io/prometheus-operator/prometheus-operator:v0.93.1', 'kube-prometheus-stack-88.5.3: Deployment prometheus-kube-prometheus-operator'],
  ['quay.io/prometheus/prometheus:v3.14.0-distroless', 'kube-prometheus-stack-88.5.3: the Prometheus resource spec.image'],
  ['quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1', 'kube-prometheus-stack-88.5.3: operator arg --prometheus-config-reloader (added to Prometheus pods at run time)'],
  ['quay.io/thanos/thanos:v0.42.4', 'kube-prometheus-stack-88.5.3: operator arg --thanos-default-base-image'],
  ['registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0', 'prometheus-adapter-5.3.0: Deployment prometheus-adapter'],
  ['ghcr.io/kedacore/keda:2.20.2', 'keda-2.20.2: Deployment keda-operator'],
  ['ghcr.io/kedacore/keda-metrics-apiserver:2.20.2', 'keda-2.20.2: Deployment keda-operator-metrics-apiserver'],
  ['ghcr.io/kedacore/keda-admission-webhooks:2.20.2', 'keda-2.20.2: Deployment keda-admission-webhooks'],
];

const WALKTHROUGH: Array<[string, string]> = [['docker.io/curlimages/curl:latest', 'docs/walkthrough.md: kubectl run -it --rm q --image=curlimages/curl']];

const OPERATOR_DEFAULTS: Array<[string, string]> = [
  ['quay.io/prometheus/prometheus:v3.13.1', 'prometheus-operator v0.93.1 pkg/operator/defaults.go (as charts/prometheus-operator.ts has it): the image of a Prometheus resource that names none'],
  ['quay.io/prometheus/alertmanager:v0.33.1', 'prometheus-operator v0.93.1 pkg/operator/defaults.go (as charts/prometheus-operator.ts has it): the image of an Alertmanager resource that names none'],
];

const PROJECT_TESTS: Array<[string, string]> = [
  ['quay.io/prometheus/prometheus:v3.7.3', 'test/sim-datapath.test.ts (a stand-alone Prometheus pod)'],
  ['quay.io/prometheus/node-exporter:v1.9.1', 'test/sim-datapath.test.ts (an exporter Deployment)'],
  ['docker.io/kindest/node:v1.24.17', 'test/e2e/context.test.ts (a foreign kind cluster older than a chart’s kubeVersion; a published kind node image)'],
];

/** The versions of the images a kind node image preloads besides kubeadm's control-plane images. */
export const KIND_IMAGES = {
  etcd: 'registry.k8s.io/etcd:3.6.4-0',
  coredns: 'registry.k8s.io/coredns/coredns:v1.12.1',
  pause: 'registry.k8s.io/pause:3.10',
  kindnetd: 'docker.io/kindest/kindnetd:v20250512-df8de77b',
  localPathProvisioner: 'docker.io/kindest/local-path-provisioner:v20250214-acbabc1a',
  localPathHelper: 'docker.io/kindest/local-path-helper:v20241212-8ac705d0',
} as const;

/** What a kind node image ships preloaded (names and sizes as the kubelet reports them in status.images). */
export function kindNodeImages(kubernetesVersion: string): Array<{ names: string[]; sizeBytes: number }> {
  const img = (names: string[], sizeBytes: number) => ({ names, sizeBytes });
  const k8s = (c: string, size: number) => img([`registry.k8s.io/${c}:${kubernetesVersion}`], size);
  return [
    k8s('kube-apiserver', 97_190_508),
    k8s('kube-controller-manager', 90_460_188),
    k8s('kube-proxy', 97_996_541),
    k8s('kube-scheduler', 70_576_418),
    img([KIND_IMAGES.etcd], 62_535_676),
    img([KIND_IMAGES.kindnetd], 44_375_501),
    img([KIND_IMAGES.coredns], 22_384_805),
    img([KIND_IMAGES.localPathProvisioner], 22_541_737),
    img([KIND_IMAGES.localPathHelper], 3_084_671),
    img([KIND_IMAGES.pause], 320_368),
  ];
}

/** Every image of the simulated registries (kind's at the given Kubernetes version). */
export function registryImages(kubernetesVersion = 'v1.36.1'): RegistryImage[] {
  const entry = (source: string) => ([ref, why]: [string, string]): RegistryImage => ({ ref, source: `${source}: ${why}` });
  return [
    ...REAL_RENDERS.map(entry('real render')),
    ...kindNodeImages(kubernetesVersion).flatMap((i) => i.names.map((ref) => ({ ref, source: `kind node image (${kubernetesVersion}) preload` }))),
    ...OPERATOR_DEFAULTS.map(entry('operator default')),
    ...WALKTHROUGH.map(entry('walkthrough')),
    ...PROJECT_TESTS.map(entry('project tests')),
  ];
}

/** Public registries that answer (an unknown repository there is a registry error, not a DNS failure). */
const KNOWN_HOSTS = /^(docker\.io|quay\.io|registry\.k8s\.io|k8s\.gcr\.io|ghcr\.io|gcr\.io|[a-z0-9-]+\.gcr\.io|[a-z0-9-]+\.pkg\.dev|public\.ecr\.aws|mcr\.microsoft\.com|registry\.gitlab\.com|nvcr\.io)$/;

export type Resolution = { ok: true; ref: ImageRef; image: RegistryImage } | { ok: false; ref?: ImageRef; error: string };

/**
 * Resolves a reference against the simulated registries. When it fails, `error` is the pull error exactly as
 * the kubelet receives it from containerd's CRI: gRPC NotFound keeps its "rpc error: code = NotFound desc = "
 * prefix, errors of code Unknown arrive without one (k8s.io/cri-client remote_image.go strips it).
 */
export function resolveImage(reference: string, kubernetesVersion?: string): Resolution {
  const ref = parseImageRef(reference);
  if (!ref) return { ok: false, error: `couldn't parse image name "${reference}": ${invalidImageRef(reference) ?? 'invalid reference format'}` };
  const images = registryImages(kubernetesVersion);
  const parsed = images.map((i) => ({ i, r: parseImageRef(i.ref) })).filter((x): x is { i: RegistryImage; r: ImageRef } => x.r !== undefined);
  const sameRepo = parsed.filter((x) => x.r.name === ref.name);
  const hit = sameRepo.find((x) => (ref.digest ? x.i.digest === ref.digest : x.r.tag === ref.tag));
  if (hit) return { ok: true, ref, image: hit.i };
  const head = `failed to pull and unpack image "${ref.full}": failed to resolve reference "${ref.full}"`;
  // A repository the registries know, an official Docker Hub image (library/...) or any repository of another
  // public registry: the registry answers 404 for the tag (digest), which containerd reports as NotFound. (What a
  // registry other than Docker Hub answers for a repository that does not exist depends on its auth; the
  // simulation uses the 404 form for all of them.)
  if (sameRepo.length || ref.path.startsWith('library/') || (KNOWN_HOSTS.test(ref.domain) && ref.domain !== 'docker.io')) {
    return { ok: false, ref, error: `rpc error: code = NotFound desc = ${head}: ${ref.full}: not found` };
  }
  // Docker Hub answers 401 insufficient_scope for a repository that does not exist (or is private).
  if (ref.domain === 'docker.io') {
    return { ok: false, ref, error: `${head}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed` };
  }
  const [host = ref.domain, port = '443'] = ref.domain.split(':');
  const target = `https://${ref.domain}/v2/${ref.path}/manifests/${ref.digest ?? ref.tag ?? 'latest'}`;
  if (host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    return { ok: false, ref, error: `${head}: failed to do request: Head "${target}": dial tcp ${host === 'localhost' ? '127.0.0.1' : host}:${port}: connect: connection refused` };
  }
  // A registry host that does not resolve (approximated: the resolver's address is left out of Go's message).
  return { ok: false, ref, error: `${head}: failed to do request: Head "${target}": dial tcp: lookup ${host}: no such host` };
}

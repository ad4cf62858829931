// What the real tier builds, as data: each Go part (module@version → binaries) and each image (the exact
// reference the renders, kubeadm or kind name → which part's binaries, where, run how). scripts/real/build.ts
// builds them; nothing here runs anything. Versions: ../shared/reference/real-tier.md says which are served by
// the Go module proxy; where the tag a render names is not served, the nearest served version sits behind it
// and `note` says so (docs/real-tier.md says what stands behind each tag).

export const KUBERNETES = 'v1.36.3';
/** Staging modules k8s.io/* at the same minor and patch (v1.36.3 ↔ v0.36.3: the pair real-tier.md calls safe). */
export const KUBERNETES_STAGING = 'v0.36.3';
export const NODE_IMAGE = `hpa-lab.local/kind-node:${KUBERNETES}`;
export const BASE_IMAGE = 'hpa-lab.local/kind-base:bookworm';

export interface GoPart {
  name: string;
  module: string;
  version: string;
  /**
   * copy: build inside a copy of the module (its go.mod and replaces apply; works for modules that vendor).
   * require: a generated module that requires `module` (and `also`) and builds its packages; for modules whose
   * own go.mod replaces nested modules the module zip leaves out (Kubernetes' staging, the operator's apis).
   */
  how: 'copy' | 'require';
  also?: string[];
  /** Main packages, relative to the module root ('.' for the root). */
  packages: string[];
  /** The binary each package gives (default: the package's last path element). */
  bins?: string[];
  cgo?: boolean;
  tags?: string[];
  /** Extra `go build` flags. */
  goFlags?: string[];
  /** -X flags: variable → value. */
  stamp?: Record<string, string>;
  /** An own main package (for `require`), e.g. etcd's server as a main calling etcdmain.Main. */
  main?: string;
  note?: string;
}

/** github.com/prometheus/common/version's -X variables, as the Prometheus projects' Makefile.common sets them. */
const promStamp = (version: string) => ({
  'github.com/prometheus/common/version.Version': version,
  'github.com/prometheus/common/version.Revision': '0000000000000000000000000000000000000000',
  'github.com/prometheus/common/version.Branch': 'HEAD',
  'github.com/prometheus/common/version.BuildUser': 'hpa-lab-real-build',
});

const k8sStamp = (pkg: string) => ({
  [`${pkg}.gitVersion`]: KUBERNETES,
  [`${pkg}.gitMajor`]: '1',
  [`${pkg}.gitMinor`]: '36',
  [`${pkg}.gitCommit`]: '0000000000000000000000000000000000000000',
  [`${pkg}.gitTreeState`]: 'clean',
});

export const GO_PARTS: GoPart[] = [
  {
    name: 'kubernetes', module: 'k8s.io/kubernetes', version: KUBERNETES, how: 'require',
    packages: ['cmd/kube-apiserver', 'cmd/kube-controller-manager', 'cmd/kube-scheduler', 'cmd/kube-proxy', 'cmd/kubelet', 'cmd/kubeadm', 'cmd/kubectl'],
    stamp: { ...k8sStamp('k8s.io/component-base/version'), ...k8sStamp('k8s.io/client-go/pkg/version') },
    note: 'kindest/node v1.36.1 is what kind v0.32.0 pins; v1.36.2 is not served, v1.36.3 (+ staging v0.36.3) is',
  },
  { name: 'kind', module: 'sigs.k8s.io/kind', version: 'v0.32.0', how: 'copy', packages: ['.'], bins: ['kind'] },
  {
    name: 'containerd', module: 'github.com/containerd/containerd/v2', version: 'v2.3.4', how: 'copy', cgo: true,
    packages: ['cmd/containerd', 'cmd/ctr', 'cmd/containerd-shim-runc-v2'], tags: ['no_aufs', 'no_zfs', 'no_btrfs', 'no_devmapper'],
    stamp: { 'github.com/containerd/containerd/v2/version.Version': 'v2.3.4' },
    note: 'kindest/base v20260601 has v2.3.1; the proxy serves v2.3.4 and later',
  },
  {
    name: 'runc', module: 'github.com/opencontainers/runc', version: 'v1.4.2', how: 'copy', cgo: true, packages: ['.'], bins: ['runc'],
    tags: ['seccomp'], stamp: { 'main.version': '1.4.2' },
  },
  {
    name: 'crictl', module: 'sigs.k8s.io/cri-tools', version: 'v1.37.0', how: 'copy', packages: ['cmd/crictl'],
    stamp: { 'sigs.k8s.io/cri-tools/pkg/version.Version': 'v1.37.0' }, note: 'kind has v1.36.0, which is not served',
  },
  {
    name: 'cni-plugins', module: 'github.com/containernetworking/plugins', version: 'v1.9.1', how: 'copy',
    packages: ['plugins/ipam/host-local', 'plugins/main/loopback', 'plugins/main/ptp', 'plugins/meta/portmap'],
  },
  {
    name: 'etcd', module: 'go.etcd.io/etcd/server/v3', version: 'v3.6.8', how: 'require', packages: ['.'], bins: ['etcd'],
    main: 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\n// etcd as its own main package does it: the server module\'s etcdmain.Main.\nfunc main() { etcdmain.Main(os.Args) }\n',
  },
  { name: 'coredns', module: 'github.com/coredns/coredns', version: 'v1.14.2', how: 'copy', packages: ['.'], bins: ['coredns'] },
  // The stack's Go components, at the versions the pinned charts' renders name.
  {
    name: 'prometheus', module: 'github.com/prometheus/prometheus', version: 'v0.314.0', how: 'copy', packages: ['cmd/prometheus'],
    stamp: promStamp('3.14.0'), note: 'v0.314.0 is Prometheus v3.14.0; built without the builtinassets tag (the module carries no built web UI): the API answers, the UI pages do not',
  },
  {
    name: 'prometheus-operator', module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.93.1', how: 'require',
    packages: ['cmd/operator', 'cmd/prometheus-config-reloader'], stamp: promStamp('0.93.1'),
  },
  { name: 'kube-state-metrics', module: 'k8s.io/kube-state-metrics/v2', version: 'v2.20.0', how: 'copy', packages: ['.'], bins: ['kube-state-metrics'], stamp: promStamp('v2.20.0') },
  {
    name: 'metrics-server', module: 'sigs.k8s.io/metrics-server', version: 'v0.8.1', how: 'copy', packages: ['cmd/metrics-server'],
    stamp: { 'k8s.io/component-base/version.gitVersion': 'v0.8.1', 'k8s.io/component-base/version.gitCommit': '0000000000000000000000000000000000000000', 'k8s.io/component-base/version.gitTreeState': 'clean' },
  },
  { name: 'prometheus-adapter', module: 'sigs.k8s.io/prometheus-adapter', version: 'v0.12.0', how: 'copy', packages: ['cmd/adapter'] },
  {
    name: 'keda', module: 'github.com/kedacore/keda/v2', version: 'v2.20.2', how: 'copy', packages: ['cmd/operator', 'cmd/adapter', 'cmd/webhooks'],
    bins: ['keda', 'keda-adapter', 'keda-admission-webhooks'], stamp: { 'github.com/kedacore/keda/v2/version.Version': '2.20.2' },
  },
  // The image cache's registry (CNCF Distribution), and the stand-in upstream registry the real e2e pushes to.
  { name: 'distribution', module: 'github.com/distribution/distribution/v3', version: 'v3.0.0', how: 'copy', packages: ['cmd/registry'],
    // The module zip keeps vendor/modules.txt but not the vendored code: build from the module cache instead.
    goFlags: ['-mod=mod'], stamp: { 'github.com/distribution/distribution/v3/version.version': 'v3.0.0' } },
];

/** Every output a part gives, by binary name. */
export function partBins(p: GoPart): string[] {
  return p.bins ?? p.packages.map((pkg) => pkg.split('/').pop()!);
}

export interface ImageSpec {
  /** The reference exactly as kubeadm, kind or a render names it. */
  ref: string;
  /** Binaries: part/bin → path in the image. */
  files: Record<string, string>;
  /** A Debian rootfs under it (iptables for kube-proxy) instead of a bare one. */
  debian?: boolean;
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  /** WORKDIR (made in the image, owned by the user). */
  workdir?: string;
  /** Files written into the image: path → content. */
  content?: Record<string, string>;
  note?: string;
}

const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const IMAGE_PATH_ENV = PATH_ENV;

/** The images inside the node image: what `kubeadm config images list` names for v1.36.3, and kind's sandbox. */
export const NODE_IMAGES: ImageSpec[] = [
  { ref: `registry.k8s.io/kube-apiserver:${KUBERNETES}`, files: { 'kubernetes/kube-apiserver': '/usr/local/bin/kube-apiserver' }, entrypoint: ['/usr/local/bin/kube-apiserver'] },
  { ref: `registry.k8s.io/kube-controller-manager:${KUBERNETES}`, files: { 'kubernetes/kube-controller-manager': '/usr/local/bin/kube-controller-manager' }, entrypoint: ['/usr/local/bin/kube-controller-manager'] },
  { ref: `registry.k8s.io/kube-scheduler:${KUBERNETES}`, files: { 'kubernetes/kube-scheduler': '/usr/local/bin/kube-scheduler' }, entrypoint: ['/usr/local/bin/kube-scheduler'] },
  { ref: `registry.k8s.io/kube-proxy:${KUBERNETES}`, files: { 'kubernetes/kube-proxy': '/usr/local/bin/kube-proxy' }, debian: true, entrypoint: ['/usr/local/bin/kube-proxy'] },
  { ref: 'registry.k8s.io/etcd:3.6.8-0', files: { 'etcd/etcd': '/usr/local/bin/etcd' }, entrypoint: ['/usr/local/bin/etcd'] },
  { ref: 'registry.k8s.io/coredns/coredns:v1.14.2', files: { 'coredns/coredns': '/coredns' }, entrypoint: ['/coredns'], user: '65532' },
  // kind's containerd config.toml names pause:3.10 as the sandbox; kubeadm lists 3.10.2 (kind drops that one).
  { ref: 'registry.k8s.io/pause:3.10', files: { 'pause/pause': '/pause' }, entrypoint: ['/pause'], user: '65535' },
];

/**
 * The stack's images, by the references the pinned charts' renders name (../shared/real-renders), each as its
 * upstream Dockerfile makes it: the binary at the same path, the same ENTRYPOINT, CMD and USER (read in each
 * module's Dockerfile at the version built). Grafana and its sidecar cannot be built here: the lab runs the
 * kube-prometheus-stack render without Grafana (the lab-no-grafana case).
 */
export const STACK_IMAGES: ImageSpec[] = [
  {
    ref: 'quay.io/prometheus/prometheus:v3.14.0-distroless', files: { 'prometheus/prometheus': '/bin/prometheus' }, entrypoint: ['/bin/prometheus'],
    cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'], user: '65532', workdir: '/prometheus',
  },
  { ref: 'quay.io/prometheus-operator/prometheus-operator:v0.93.1', files: { 'prometheus-operator/operator': '/bin/operator' }, entrypoint: ['/bin/operator'], user: '65534' },
  { ref: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1', files: { 'prometheus-operator/prometheus-config-reloader': '/bin/prometheus-config-reloader' }, entrypoint: ['/bin/prometheus-config-reloader'], user: '65534' },
  {
    ref: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0', files: { 'kube-state-metrics/kube-state-metrics': '/kube-state-metrics' },
    entrypoint: ['/kube-state-metrics', '--port=8080', '--telemetry-port=8081'], user: '65534',
  },
  { ref: 'registry.k8s.io/metrics-server/metrics-server:v0.8.1', files: { 'metrics-server/metrics-server': '/metrics-server' }, entrypoint: ['/metrics-server'], user: '65534' },
  { ref: 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0', files: { 'prometheus-adapter/adapter': '/adapter' }, entrypoint: ['/adapter'], user: '65534' },
];

/** KEDA's images, as its Dockerfiles (Dockerfile, .adapter, .webhooks at v2.20.2) make them. */
export const KEDA_IMAGES: ImageSpec[] = [
  { ref: 'ghcr.io/kedacore/keda:2.20.2', files: { 'keda/keda': '/keda' }, entrypoint: ['/keda', '--zap-log-level=info', '--zap-encoder=console'], user: '65532' },
  { ref: 'ghcr.io/kedacore/keda-metrics-apiserver:2.20.2', files: { 'keda/keda-adapter': '/keda-adapter' }, entrypoint: ['/keda-adapter', '--secure-port=6443', '--zap-log-level=info', '--zap-encoder=console'], user: '65532' },
  { ref: 'ghcr.io/kedacore/keda-admission-webhooks:2.20.2', files: { 'keda/keda-admission-webhooks': '/keda-admission-webhooks' }, entrypoint: ['/keda-admission-webhooks', '--zap-log-level=info', '--zap-encoder=console'], user: '65532' },
];

/**
 * The image cache's registry: Distribution v3.0.0's registry binary, run as the Docker library's registry:3
 * image runs it (`registry serve /etc/distribution/config.yml`, port 5000, storage /var/lib/registry). Built
 * here it has no digest, so an image cache file names it by tag (real-e2e's does).
 */
export const REGISTRY_IMAGE: ImageSpec = {
  // On the Debian rootfs: the library image is Alpine's, and hpa-lab reads the cache's storage with `docker exec
  // … find` (a bare image has no find: the first real `up --offline` saw an empty cache).
  ref: 'hpa-lab.local/registry:3.0.0', files: { 'distribution/registry': '/bin/registry' }, debian: true, entrypoint: ['registry'], cmd: ['serve', '/etc/distribution/config.yml'],
  content: {
    '/etc/distribution/config.yml': ['version: 0.1', 'log:', '  fields:', '    service: registry', 'storage:', '  cache:', '    blobdescriptor: inmemory', '  filesystem:', '    rootdirectory: /var/lib/registry', 'http:', '  addr: :5000', ''].join('\n'),
  },
};

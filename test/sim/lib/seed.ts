// What a fresh kind cluster contains right after `kind create cluster`: system namespaces, the node(s),
// the kube-system control plane pods, CoreDNS, kindnet, kube-proxy, local-path-provisioner, the kubernetes and
// kube-dns Services, and the built-in APIServices. Built twice from one plan: "not ready yet" (api-slow fault)
// and "ready", so the bootstrap controller can flip the status of the same objects later.
import os from 'node:os';
import type { SimNode } from './clusters.ts';
import { controllerManagerCommand } from './kubeadm.ts';
import { KIND_IMAGES, kindNodeImages } from './registries.ts';
import { randomSuffix } from './restapi.ts';
import type { ResourceRegistry, ResourceType } from './resources.ts';
import { STRATEGIES } from './strategies.ts';
import { nowTimestamp, type KubeObject, type Store } from './store.ts';
import { templateHash } from './workloads.ts';

const COREDNS_IMAGE = KIND_IMAGES.coredns;
const LOCAL_PATH_IMAGE = KIND_IMAGES.localPathProvisioner;
const KINDNET_IMAGE = KIND_IMAGES.kindnetd;

/** The pod templates of the seeded workloads (their hashes name the ReplicaSets, as on a real cluster). */
function deploymentTemplate(name: string, labels: Record<string, string>, image: string) {
  return { metadata: { labels }, spec: { containers: [{ name, image }] } };
}
function daemonTemplate(name: string, labels: Record<string, string>, image: string) {
  return { metadata: { labels }, spec: { containers: [{ name, image }], nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ operator: 'Exists' }] } };
}

/** Images a kind node image ships preloaded (the kubelet lists them in the node's status): registries.ts. */
const preloadedImages = kindNodeImages;

export interface SeedSpec {
  clusterName: string;
  /** node containers (the load balancer container of HA clusters is skipped: it is not a Kubernetes node) */
  nodes: SimNode[];
  kubernetesVersion: string;
  /** kube-controller-manager's command (lib/kubeadm.ts); default: kubeadm's without extra flags */
  controllerManagerCommand?: string[];
}

interface Plan extends SeedSpec {
  kubeNodes: Array<{ name: string; role: 'control-plane' | 'worker'; ip: string; labels: Record<string, string> }>;
  corednsHash: string;
  corednsPods: string[];
  localPathHash: string;
  localPathPod: string;
  /** per node: kindnet and kube-proxy pod names */
  daemonPods: Map<string, { kindnet: string; proxy: string }>;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'local-path-storage'];

function plan(spec: SeedSpec): Plan {
  const kubeNodes = spec.nodes
    .filter((n) => n.role === 'control-plane' || n.role === 'worker')
    .map((n, i) => ({ name: n.name, role: n.role === 'control-plane' ? ('control-plane' as const) : ('worker' as const), ip: `172.18.0.${i + 2}`, labels: n.labels }));
  const corednsHash = templateHash(deploymentTemplate('coredns', { 'k8s-app': 'kube-dns' }, COREDNS_IMAGE));
  const localPathHash = templateHash(deploymentTemplate('local-path-provisioner', { app: 'local-path-provisioner' }, LOCAL_PATH_IMAGE));
  return {
    ...spec,
    kubeNodes,
    corednsHash,
    corednsPods: [`coredns-${corednsHash}-${randomSuffix()}`, `coredns-${corednsHash}-${randomSuffix()}`],
    localPathHash,
    localPathPod: `local-path-provisioner-${localPathHash}-${randomSuffix()}`,
    daemonPods: new Map(kubeNodes.map((n) => [n.name, { kindnet: `kindnet-${randomSuffix()}`, proxy: `kube-proxy-${randomSuffix()}` }])),
  };
}

const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({ name, ...(namespace ? { namespace } : {}), ...extra });

function condition(type: string, status: boolean, reason: string, message: string) {
  const t = nowTimestamp();
  return { type, status: status ? 'True' : 'False', lastHeartbeatTime: t, lastTransitionTime: t, reason, message };
}

function nodeObject(p: Plan, n: Plan['kubeNodes'][number], ready: boolean): KubeObject {
  const labels: Record<string, string> = {
    ...n.labels,
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
  };
  if (n.role === 'control-plane') {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const capacity = { cpu: String(os.cpus().length || 2), 'ephemeral-storage': '102626232Ki', 'hugepages-2Mi': '0', memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' };
  const multiNode = p.kubeNodes.length > 1;
  const taints: unknown[] = [];
  if (n.role === 'control-plane' && multiNode) taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
  if (!ready) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(n.name, undefined, {
      labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    }),
    spec: { podCIDR: `10.244.${p.kubeNodes.indexOf(n)}.0/24`, podCIDRs: [`10.244.${p.kubeNodes.indexOf(n)}.0/24`], providerID: `kind://docker/${p.clusterName}/${n.name}`, ...(taints.length ? { taints } : {}) },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      allocatable: capacity,
      capacity,
      conditions: [
        condition('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? condition('Ready', true, 'KubeletReady', 'kubelet is posting ready status')
          : condition('Ready', false, 'KubeletNotReady', 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      images: preloadedImages(p.kubernetesVersion),
      nodeInfo: {
        architecture: 'amd64',
        bootID: '6b1c1f0e-3d4b-4c59-9f1a-2a1f5d2b7c11',
        containerRuntimeVersion: 'containerd://2.1.4',
        kernelVersion: os.release(),
        kubeProxyVersion: '',
        kubeletVersion: p.kubernetesVersion,
        machineID: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
      },
    },
  };
}

interface PodSpecLite {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  node: string;
  hostNetwork: boolean;
  ip: string;
  hostIP: string;
  containers: Array<{ name: string; image: string; command?: string[] }>;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
  /** pods that need the pod network stay Pending while the node is NotReady */
  needsNetwork: boolean;
}

function podObject(s: PodSpecLite, ready: boolean): KubeObject {
  const t = nowTimestamp();
  const running = ready || !s.needsNetwork;
  const status: Record<string, unknown> = running
    ? {
        phase: 'Running',
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t })),
        hostIP: s.hostIP,
        hostIPs: [{ ip: s.hostIP }],
        podIP: s.ip,
        podIPs: [{ ip: s.ip }],
        startTime: t,
        qosClass: 'Burstable',
        containerStatuses: s.containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: `sha256:${'0'.repeat(64)}`,
          containerID: `containerd://${'a'.repeat(64)}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: t } },
        })),
      }
    : {
        phase: 'Pending',
        qosClass: 'Burstable',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            lastProbeTime: null,
            lastTransitionTime: t,
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
          },
        ],
      };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(s.name, s.namespace, { labels: s.labels, ...(s.owner ? { ownerReferences: [{ ...s.owner, controller: true, blockOwnerDeletion: true }] } : {}) }),
    spec: {
      containers: s.containers.map((c) => ({ ...c, imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' })),
      ...(running ? { nodeName: s.node } : {}),
      hostNetwork: s.hostNetwork,
      priorityClassName: 'system-cluster-critical',
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    },
    status,
  };
}

function deploymentStatus(replicas: number, ready: boolean) {
  const t = nowTimestamp();
  return ready
    ? {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          { type: 'Available', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
          { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.' },
        ],
      }
    : {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        unavailableReplicas: replicas,
        conditions: [{ type: 'Available', status: 'False', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }],
      };
}

export interface Seeder {
  /** Creates everything (ready=false for the api-slow fault). */
  seed(ready: boolean): void;
  /** Flips node, pod and workload status to ready (the end of the api-slow period). */
  markReady(): void;
}

export function createSeeder(store: Store, registry: ResourceRegistry, spec: SeedSpec): Seeder {
  const p = plan(spec);
  const rt = (group: string, resource: string): ResourceType => {
    const r = registry.served().find((x) => x.group === group && x.resource === resource);
    if (!r) throw new Error(`seed: type ${group}/${resource} is not served`);
    return r;
  };
  const cp = p.kubeNodes.find((n) => n.role === 'control-plane') ?? p.kubeNodes[0];
  const cpName = cp?.name ?? `${spec.clusterName}-control-plane`;
  const cpIP = cp?.ip ?? '172.18.0.2';
  const image = (name: string) => `registry.k8s.io/${name}:${p.kubernetesVersion}`;
  const uids = new Map<string, string>();

  const workloads = (ready: boolean): Array<[ResourceType, KubeObject]> => {
    const out: Array<[ResourceType, KubeObject]> = [];
    const pod = (s: PodSpecLite) => out.push([rt('', 'pods'), podObject(s, ready)]);
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const command = c === 'kube-controller-manager' ? (spec.controllerManagerCommand ?? controllerManagerCommand(spec.clusterName, {})) : undefined;
      pod({ name: `${c}-${cpName}`, namespace: 'kube-system', labels: { component: c, tier: 'control-plane' }, node: cpName, hostNetwork: true, ip: cpIP, hostIP: cpIP, containers: [{ name: c, image: c === 'etcd' ? KIND_IMAGES.etcd : image(c), ...(command ? { command } : {}) }], needsNetwork: false });
    }
    for (const n of p.kubeNodes) {
      const d = p.daemonPods.get(n.name);
      if (!d) continue;
      pod({ name: d.kindnet, namespace: 'kube-system', labels: { app: 'kindnet', 'controller-revision-hash': templateHash(daemonTemplate('kindnet', { app: 'kindnet' }, KINDNET_IMAGE)), 'k8s-app': 'kindnet', 'pod-template-generation': '1', tier: 'node' }, node: n.name, hostNetwork: true, ip: n.ip, hostIP: n.ip, containers: [{ name: 'kindnet-cni', image: KINDNET_IMAGE }], owner: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kindnet', uid: uids.get('ds/kindnet') ?? '' }, needsNetwork: false });
      pod({ name: d.proxy, namespace: 'kube-system', labels: { 'controller-revision-hash': templateHash(daemonTemplate('kube-proxy', { 'k8s-app': 'kube-proxy' }, image('kube-proxy'))), 'k8s-app': 'kube-proxy', 'pod-template-generation': '1' }, node: n.name, hostNetwork: true, ip: n.ip, hostIP: n.ip, containers: [{ name: 'kube-proxy', image: image('kube-proxy') }], owner: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: uids.get('ds/kube-proxy') ?? '' }, needsNetwork: false });
    }
    p.corednsPods.forEach((name, i) =>
      pod({ name, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': p.corednsHash }, node: cpName, hostNetwork: false, ip: `10.244.0.${i + 2}`, hostIP: cpIP, containers: [{ name: 'coredns', image: COREDNS_IMAGE }], owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `coredns-${p.corednsHash}`, uid: uids.get('rs/coredns') ?? '' }, needsNetwork: true }),
    );
    pod({ name: p.localPathPod, namespace: 'local-path-storage', labels: { app: 'local-path-provisioner', 'pod-template-hash': p.localPathHash }, node: cpName, hostNetwork: false, ip: '10.244.0.4', hostIP: cpIP, containers: [{ name: 'local-path-provisioner', image: LOCAL_PATH_IMAGE }], owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `local-path-provisioner-${p.localPathHash}`, uid: uids.get('rs/local-path') ?? '' }, needsNetwork: true });
    for (const n of p.kubeNodes) out.push([rt('', 'nodes'), nodeObject(p, n, ready)]);
    return out;
  };

  const controllerObjects = (ready: boolean): Array<[ResourceType, KubeObject, string]> => {
    const dep = (name: string, ns: string, replicas: number, labels: Record<string, string>, img: string): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name, ns, { labels, annotations: { 'deployment.kubernetes.io/revision': '1' } }),
      spec: { replicas, selector: { matchLabels: labels }, template: deploymentTemplate(name, labels, img) },
      status: deploymentStatus(replicas, ready),
    });
    const rs = (name: string, ns: string, replicas: number, labels: Record<string, string>, owner: string, ownerKey: string, img: string): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta(name, ns, { labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: uids.get(ownerKey) ?? '', controller: true, blockOwnerDeletion: true }] }),
      spec: { replicas, selector: { matchLabels: labels }, template: { ...deploymentTemplate(owner, labels, img), metadata: { labels } } },
      status: ready ? { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 } : { replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
    });
    const ds = (name: string, labels: Record<string, string>, img: string): KubeObject => {
      const n = p.kubeNodes.length;
      return {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta(name, 'kube-system', { labels }),
        spec: { selector: { matchLabels: labels }, template: daemonTemplate(name, labels, img) },
        status: { currentNumberScheduled: n, desiredNumberScheduled: n, numberAvailable: n, numberMisscheduled: 0, numberReady: n, observedGeneration: 1, updatedNumberScheduled: n },
      };
    };
    return [
      [rt('apps', 'deployments'), dep('coredns', 'kube-system', 2, { 'k8s-app': 'kube-dns' }, COREDNS_IMAGE), 'deploy/coredns'],
      [rt('apps', 'replicasets'), rs(`coredns-${p.corednsHash}`, 'kube-system', 2, { 'k8s-app': 'kube-dns', 'pod-template-hash': p.corednsHash }, 'coredns', 'deploy/coredns', COREDNS_IMAGE), 'rs/coredns'],
      [rt('apps', 'deployments'), dep('local-path-provisioner', 'local-path-storage', 1, { app: 'local-path-provisioner' }, LOCAL_PATH_IMAGE), 'deploy/local-path'],
      [rt('apps', 'replicasets'), rs(`local-path-provisioner-${p.localPathHash}`, 'local-path-storage', 1, { app: 'local-path-provisioner', 'pod-template-hash': p.localPathHash }, 'local-path-provisioner', 'deploy/local-path', LOCAL_PATH_IMAGE), 'rs/local-path'],
      [rt('apps', 'daemonsets'), ds('kindnet', { app: 'kindnet' }, KINDNET_IMAGE), 'ds/kindnet'],
      [rt('apps', 'daemonsets'), ds('kube-proxy', { 'k8s-app': 'kube-proxy' }, image('kube-proxy')), 'ds/kube-proxy'],
    ];
  };

  const dnsEndpoints = (ready: boolean): KubeObject => {
    const addresses = p.corednsPods.map((name, i) => ({ ip: `10.244.0.${i + 2}`, nodeName: cpName, targetRef: { kind: 'Pod', namespace: 'kube-system', name } }));
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: meta('kube-dns', 'kube-system', { labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } }),
      subsets: [
        {
          [ready ? 'addresses' : 'notReadyAddresses']: addresses,
          ports: [
            { name: 'dns-tcp', port: 53, protocol: 'TCP' },
            { name: 'dns', port: 53, protocol: 'UDP' },
            { name: 'metrics', port: 9153, protocol: 'TCP' },
          ],
        },
      ],
    };
  };

  const create = (r: ResourceType, o: KubeObject) => store.create(r, o);

  return {
    seed(ready) {
      for (const ns of SYSTEM_NAMESPACES) {
        const o: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
        STRATEGIES.namespaces?.prepareForCreate?.(o, { store, rt: () => undefined });
        create(rt('', 'namespaces'), o);
      }
      for (const [r, o, key] of controllerObjects(ready)) uids.set(key, create(r, o).metadata.uid ?? '');
      // ReplicaSets were created before their owners' uids were known in the list above: fix the references.
      for (const [r, o] of controllerObjects(ready)) {
        const cur = store.get(r, o.metadata.namespace, o.metadata.name);
        if (cur && o.metadata.ownerReferences) store.update(r, { ...cur, metadata: { ...cur.metadata, ownerReferences: o.metadata.ownerReferences } });
      }
      for (const [r, o] of workloads(ready)) create(r, o);
      create(rt('', 'services'), {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('kubernetes', 'default', { labels: { component: 'apiserver', provider: 'kubernetes' } }),
        spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
        status: { loadBalancer: {} },
      });
      create(rt('', 'endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('kubernetes', 'default', { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }), subsets: [{ addresses: [{ ip: cpIP }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] });
      create(rt('', 'services'), {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('kube-dns', 'kube-system', { labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } }),
        spec: {
          type: 'ClusterIP',
          clusterIP: '10.96.0.10',
          clusterIPs: ['10.96.0.10'],
          ipFamilies: ['IPv4'],
          ipFamilyPolicy: 'SingleStack',
          internalTrafficPolicy: 'Cluster',
          sessionAffinity: 'None',
          selector: { 'k8s-app': 'kube-dns' },
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
          ],
        },
        status: { loadBalancer: {} },
      });
      create(rt('', 'endpoints'), dnsEndpoints(ready));
      create(rt('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('coredns', 'kube-system'), data: { Corefile: '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n' } });
      // The aggregator lists one Local APIService per built-in group/version.
      const apiservices = rt('apiregistration.k8s.io', 'apiservices');
      for (const gv of registry.groupVersions()) {
        for (const v of gv.versions) {
          const name = gv.group ? `${v}.${gv.group}` : `${v}.`;
          create(apiservices, {
            apiVersion: 'apiregistration.k8s.io/v1',
            kind: 'APIService',
            metadata: meta(name, undefined, { labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } }),
            spec: { group: gv.group, version: v, groupPriorityMinimum: 18000, versionPriority: 15 },
            status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: nowTimestamp(), reason: 'Local', message: 'Local APIServices are always available' }] },
          });
        }
      }
    },
    markReady() {
      const refresh = (r: ResourceType, o: KubeObject) => {
        const cur = store.get(r, o.metadata.namespace, o.metadata.name);
        if (!cur) return;
        store.update(r, { ...cur, spec: o.spec ?? cur.spec, status: o.status, metadata: { ...cur.metadata, resourceVersion: undefined } });
      };
      for (const [r, o] of workloads(true)) refresh(r, o);
      for (const [r, o] of controllerObjects(true)) refresh(r, o);
      const ep = dnsEndpoints(true);
      const epRt = rt('', 'endpoints');
      const cur = store.get(epRt, 'kube-system', 'kube-dns');
      if (cur) store.update(epRt, { ...cur, subsets: ep.subsets, metadata: { ...cur.metadata, resourceVersion: undefined } });
    },
  };
}

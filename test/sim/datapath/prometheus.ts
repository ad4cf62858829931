// Prometheus pods (the kube-prometheus-stack's StatefulSet pod for a `Prometheus` custom resource) run the REAL
// prometheus binary. Its configuration is generated the way the Prometheus Operator generates it: one scrape
// job per ServiceMonitor endpoint, named serviceMonitor/<ns>/<name>/<index>, with the operator's target labels.
// Targets come from file_sd (the simulated pods listen on loopback ports, not on their pod IPs): each target's
// __address__ is the real loopback address and its `instance` label is podIP:containerPort, as on a cluster.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { stringify } from 'yaml';
import { backends, runtimeFor, type Backend, type ContainerRuntime, type RuntimeHost } from '../lib/runtime.ts';
import type { KubeObject, Store } from '../lib/store.ts';
import { arr, obj, podIP, resolveTargetPort, selectorMatches, servicePorts, str, type ServicePort, type TypeLookup } from './kube.ts';
import type { ClusterNetwork } from './network.ts';
import { kubeStateMetricsAddress } from './kube-state-metrics.ts';
import { Container, freePort, httpStatus } from './procs.ts';

export const PROMETHEUS_BIN_DEFAULT = '/usr/bin/prometheus';

export function prometheusBinary(): string {
  return process.env.HPA_LAB_SIM_PROMETHEUS_BIN || PROMETHEUS_BIN_DEFAULT;
}

const MONITORING = 'monitoring.coreos.com';

/** Pods of a Prometheus CR's StatefulSet, as the operator labels them. */
export function isPrometheusPod(pod: KubeObject): boolean {
  const l = pod.metadata.labels ?? {};
  return l['app.kubernetes.io/name'] === 'prometheus' && Boolean(l['operator.prometheus.io/name'] || l.prometheus);
}

/** The name of the Prometheus CR a pod belongs to (labels first, then the StatefulSet owner prometheus-<cr>). */
export function prometheusCrName(pod: KubeObject): string | undefined {
  const l = pod.metadata.labels ?? {};
  if (l['operator.prometheus.io/name']) return l['operator.prometheus.io/name'];
  if (l.prometheus) return l.prometheus;
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.kind === 'StatefulSet');
  if (owner?.name.startsWith('prometheus-')) return owner.name.slice('prometheus-'.length);
  const m = /^prometheus-(.+)-\d+$/.exec(pod.metadata.name);
  return m?.[1];
}

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface ScrapeJob {
  name: string;
  /** file name (under targets/) of this job's file_sd targets */
  file: string;
  config: Record<string, unknown>;
  groups: TargetGroup[];
}

export interface PrometheusConfig {
  global: Record<string, unknown>;
  jobs: ScrapeJob[];
}

/** Address Prometheus gets for a target whose container is not listening anywhere (connection refused). */
const UNREACHABLE = '127.0.0.1:1';

/** An endpoint as Prometheus' Kubernetes SD sees it: an address and port, and the pod behind it if any. */
interface ScrapeEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  pod?: KubeObject;
  container?: string;
  backend?: Backend;
}

/**
 * The endpoints of one Service port: for a Service with a selector, the selected pods (what the endpoints
 * controller writes); without a selector, the addresses of its Endpoints object (e.g. the kubelet Service the
 * Prometheus Operator maintains with the nodes' IPs).
 */
function scrapeEndpoints(store: Store, rt: TypeLookup, net: ClusterNetwork, svc: KubeObject, sp: ServicePort): ScrapeEndpoint[] {
  if (Object.keys(obj(obj(svc.spec).selector)).length) {
    return net.endpoints(svc, sp).map((e) => ({ ip: e.ip, port: e.containerPort, ready: e.ready, pod: e.pod, container: e.container, backend: e.backend }));
  }
  const epType = rt('', 'endpoints');
  const podType = rt('', 'pods');
  const ep = epType ? store.get(epType, svc.metadata.namespace, svc.metadata.name) : undefined;
  const out: ScrapeEndpoint[] = [];
  for (const subset of arr(ep?.subsets).map(obj)) {
    const port = arr(subset.ports)
      .map(obj)
      .find((p) => (sp.name ? p.name === sp.name : true));
    if (!port || typeof port.port !== 'number') continue;
    const addrs = [...arr(subset.addresses).map((a) => ({ a: obj(a), ready: true })), ...arr(subset.notReadyAddresses).map((a) => ({ a: obj(a), ready: false }))];
    for (const { a, ready } of addrs) {
      const ref = obj(a.targetRef);
      const pod = ref.kind === 'Pod' && podType ? store.get(podType, str(ref.namespace, svc.metadata.namespace), str(ref.name)) : undefined;
      const ip = str(a.ip);
      out.push({ ip, port: port.port, ready, pod, container: pod ? resolveTargetPort(pod, port.port)?.container : undefined, backend: backends.lookup(ip, port.port) });
    }
  }
  return out;
}

/** Whether the port is declared by the pod's first container (the one a runtime runs for real). */
function mainContainerPort(pod: KubeObject, port: number): boolean {
  const first = obj(arr(obj(pod.spec).containers)[0]);
  return arr(first.ports).some((p) => obj(p).containerPort === port);
}

/**
 * A stand-in exporter for targets that are not real processes in the simulation (pods of charts' simulated
 * software, node kubelets): it answers every scrape with an empty exposition, so the target is up with no
 * samples, where on a real cluster it would be up with the component's metrics.
 */
class SimulatedExporter {
  private server: http.Server | undefined;
  private port = 0;

  address(): string {
    if (!this.server) {
      const server = http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end('# hpa-lab simulation: no real process behind this target, so no samples.\n');
      });
      server.listen(0, '127.0.0.1');
      server.unref();
      this.server = server;
    }
    const a = this.server.address();
    if (a && typeof a === 'object') this.port = a.port;
    return this.port ? `127.0.0.1:${this.port}` : UNREACHABLE;
  }
}

const simulatedExporter = new SimulatedExporter();

function camelToSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A ServiceMonitor RelabelConfig (camelCase) as Prometheus configuration (snake_case, lower-case action). */
function relabelConfig(r: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj(r))) out[camelToSnake(k)] = k === 'action' && typeof v === 'string' ? v.toLowerCase() : v;
  return out;
}

/** Jobs named and labelled as the Prometheus Operator does for the ServiceMonitors a Prometheus CR selects. */
export function buildPrometheusConfig(cr: KubeObject | undefined, podName: string, store: Store, rt: TypeLookup, net: ClusterNetwork, targetsDir: string): PrometheusConfig {
  const spec = obj(cr?.spec);
  const crNs = cr?.metadata.namespace ?? 'default';
  const scrapeInterval = str(spec.scrapeInterval, '30s');
  const global: Record<string, unknown> = {
    scrape_interval: scrapeInterval,
    evaluation_interval: str(spec.evaluationInterval, '30s'),
    external_labels: { ...(obj(spec.externalLabels) as Record<string, string>), prometheus: `${crNs}/${cr?.metadata.name ?? ''}`, prometheus_replica: podName },
  };
  if (typeof spec.scrapeTimeout === 'string') global.scrape_timeout = spec.scrapeTimeout;
  const jobs: ScrapeJob[] = [];
  const smType = rt(MONITORING, 'servicemonitors');
  const nsType = rt('', 'namespaces');
  const svcType = rt('', 'services');
  if (!cr || !smType || !svcType) return { global, jobs };

  const nsSel = spec.serviceMonitorNamespaceSelector;
  const allowedNs = (ns: string): boolean => {
    if (nsSel === undefined || nsSel === null) return ns === crNs;
    const nsObj = nsType ? store.get(nsType, undefined, ns) : undefined;
    return selectorMatches(nsSel, { 'kubernetes.io/metadata.name': ns, ...(nsObj?.metadata.labels ?? {}) });
  };
  const monitors = store.list(smType).filter((sm) => allowedNs(sm.metadata.namespace ?? '') && selectorMatches(spec.serviceMonitorSelector, sm.metadata.labels));

  for (const sm of monitors) {
    const smNs = sm.metadata.namespace ?? 'default';
    const smSpec = obj(sm.spec);
    const nsSelector = obj(smSpec.namespaceSelector);
    const svcNamespaces = (ns: string): boolean => (nsSelector.any === true ? true : Array.isArray(nsSelector.matchNames) ? (nsSelector.matchNames as unknown[]).includes(ns) : ns === smNs);
    const services = store.list(svcType).filter((s) => svcNamespaces(s.metadata.namespace ?? '') && selectorMatches(smSpec.selector ?? {}, s.metadata.labels));
    arr(smSpec.endpoints).forEach((epRaw, i) => {
      const ep = obj(epRaw);
      const name = `serviceMonitor/${smNs}/${sm.metadata.name}/${i}`;
      const file = `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
      const groups: TargetGroup[] = [];
      for (const svc of services) {
        const ports = servicePorts(svc).filter((p) => (typeof ep.port === 'string' ? p.name === ep.port : true));
        for (const sp of ports) {
          for (const e of scrapeEndpoints(store, rt, net, svc, sp)) {
            if (ep.port === undefined && ep.targetPort !== undefined) {
              const want = ep.targetPort;
              const declared = e.pod ? arr(obj(e.pod.spec).containers).flatMap((c) => arr(obj(c).ports).map(obj)) : [];
              const matches = typeof want === 'number' ? e.port === want : declared.some((p) => p.name === want && p.containerPort === e.port);
              if (!matches) continue;
            }
            const labels: Record<string, string> = {};
            for (const t of arr(smSpec.targetLabels)) {
              const v = svc.metadata.labels?.[str(t)];
              if (v !== undefined) labels[str(t).replace(/[^A-Za-z0-9_]/g, '_')] = v;
            }
            for (const t of arr(smSpec.podTargetLabels)) {
              const v = e.pod?.metadata.labels?.[str(t)];
              if (v !== undefined) labels[str(t).replace(/[^A-Za-z0-9_]/g, '_')] = v;
            }
            labels.namespace = svc.metadata.namespace ?? smNs;
            labels.service = svc.metadata.name;
            if (e.pod) labels.pod = e.pod.metadata.name;
            if (e.container) labels.container = e.container;
            labels.endpoint = typeof ep.port === 'string' ? ep.port : str(ep.targetPort);
            const jobLabel = typeof smSpec.jobLabel === 'string' ? svc.metadata.labels?.[smSpec.jobLabel] : undefined;
            labels.job = jobLabel ?? svc.metadata.name;
            labels.instance = `${e.ip}:${e.port}`;
            // Meta labels as the Kubernetes SD would attach them, for ServiceMonitor relabelings.
            labels.__meta_kubernetes_namespace = labels.namespace;
            labels.__meta_kubernetes_service_name = svc.metadata.name;
            labels.__meta_kubernetes_endpoint_ready = String(e.ready);
            if (sp.name) labels.__meta_kubernetes_endpoint_port_name = sp.name;
            if (e.pod) {
              labels.__meta_kubernetes_pod_name = e.pod.metadata.name;
              labels.__meta_kubernetes_pod_ip = e.ip;
              for (const [k, v] of Object.entries(e.pod.metadata.labels ?? {})) labels[`__meta_kubernetes_pod_label_${k.replace(/[^A-Za-z0-9_]/g, '_')}`] = v;
            }
            if (e.container) labels.__meta_kubernetes_pod_container_name = e.container;
            labels.__meta_kubernetes_pod_container_port_number = String(e.port);
            for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) labels[`__meta_kubernetes_service_label_${k.replace(/[^A-Za-z0-9_]/g, '_')}`] = v;
            let target: string;
            if (e.backend) target = `${e.backend.host}:${e.backend.port}`;
            else if (e.pod && runtimeFor(e.pod) && mainContainerPort(e.pod, e.port)) target = UNREACHABLE;
            else {
              // Nothing real listens there (a simulated pod, a node's kubelet): the stand-in exporter answers,
              // or for kube-state-metrics' main port the exporter of kube-state-metrics.ts.
              target = kubeStateMetricsAddress(store, rt, e.pod, e.port) ?? simulatedExporter.address();
              labels.__scheme__ = 'http';
            }
            groups.push({ targets: [target], labels });
          }
        }
      }
      const config: Record<string, unknown> = {
        job_name: name,
        honor_labels: ep.honorLabels === true,
        honor_timestamps: ep.honorTimestamps !== false,
        scrape_interval: str(ep.interval, scrapeInterval),
        metrics_path: str(ep.path, '/metrics'),
        scheme: str(ep.scheme, 'http'),
        file_sd_configs: [{ files: [path.join(targetsDir, file)], refresh_interval: '5s' }],
      };
      if (typeof ep.scrapeTimeout === 'string') config.scrape_timeout = ep.scrapeTimeout;
      if (ep.params && typeof ep.params === 'object') config.params = ep.params;
      const relabelings = arr(ep.relabelings).map(relabelConfig);
      if (relabelings.length) config.relabel_configs = relabelings;
      const metricRelabelings = arr(ep.metricRelabelings).map(relabelConfig);
      if (metricRelabelings.length) config.metric_relabel_configs = metricRelabelings;
      jobs.push({ name, file, config, groups });
    });
  }
  return { global, jobs };
}

export function renderPrometheusYaml(c: PrometheusConfig): string {
  return `# Generated by the hpa-lab simulation from the Prometheus CR and its ServiceMonitors (like the Prometheus Operator).\n${stringify({ global: c.global, scrape_configs: c.jobs.map((j) => j.config) }, { lineWidth: 0 })}`;
}

function writeIfChanged(file: string, content: string, cache: Map<string, string>): boolean {
  if (cache.get(file) === content && existsSync(file)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
  cache.set(file, content);
  return true;
}

interface Instance {
  ns: string;
  pod: string;
  podIP: string;
  containerPort: number;
  cr: string;
  dir: string;
  port: number;
  container: Container | undefined;
  written: Map<string, string>;
  host: RuntimeHost;
  ready: boolean;
  /** the configuration the running Prometheus has loaded (at start, or by the last successful reload) */
  loaded: string;
  reloading: boolean;
}

export interface PrometheusRuntime extends ContainerRuntime {
  /** Regenerates every running instance's configuration and targets (call on cluster changes). */
  sync(): void;
  /** Where a running Prometheus of a pod really listens. */
  address(ns: string, pod: string): { host: string; port: number } | undefined;
}

export function prometheusRuntime(store: Store, rt: TypeLookup, net: ClusterNetwork, log: (m: string) => void): PrometheusRuntime {
  const instances = new Map<string, Instance>();

  const crFor = (inst: Instance): KubeObject | undefined => {
    const t = rt(MONITORING, 'prometheuses');
    if (!t) return undefined;
    return store.get(t, inst.ns, inst.cr) ?? store.list(t).find((p) => p.metadata.name === inst.cr);
  };

  /** Writes the configuration and targets; reloads Prometheus when its loaded configuration is outdated. */
  const syncOne = (inst: Instance): void => {
    const targetsDir = path.join(inst.dir, 'targets');
    const cfg = buildPrometheusConfig(crFor(inst), inst.pod, store, rt, net, targetsDir);
    for (const j of cfg.jobs) writeIfChanged(path.join(targetsDir, j.file), `${JSON.stringify(j.groups, null, 2)}\n`, inst.written);
    const text = renderPrometheusYaml(cfg);
    writeIfChanged(path.join(inst.dir, 'prometheus.yml'), text, inst.written);
    if (!inst.ready || inst.reloading || text === inst.loaded) return;
    // What the operator's config-reloader sidecar does after it writes a new configuration.
    inst.reloading = true;
    fetch(`http://127.0.0.1:${inst.port}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(5000) })
      .then(
        async (r) => {
          const body = await r.text();
          if (r.status === 200) inst.loaded = text;
          else inst.host.log(inst.ns, inst.pod, `config-reloader: reload failed: HTTP ${r.status}: ${body.trim()}`);
        },
        (err: unknown) => inst.host.log(inst.ns, inst.pod, `config-reloader: reload failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        inst.reloading = false;
      });
  };

  /**
   * The pod's data folder lives on its node, as the `prometheus-<name>-db` volume (an emptyDir without a
   * storageSpec) does on a kind node: under nodes/<cluster>/, which `kind delete cluster` removes with the node.
   * The cluster is the node container's prefix (kind names nodes <cluster>-control-plane, <cluster>-worker[N]).
   */
  const dataDir = (stateDir: string, pod: KubeObject, cr: string): string => {
    const nodeName = obj(pod.spec).nodeName;
    const node = typeof nodeName === 'string' ? nodeName : '';
    const cluster = node.replace(/-(control-plane|worker)\d*$/, '');
    return cluster ? path.join(stateDir, 'nodes', cluster, 'volumes', 'prometheus', cr) : path.join(stateDir, 'prometheus', cr);
  };

  return {
    name: 'prometheus',
    claims: isPrometheusPod,
    start(pod, host) {
      const ns = pod.metadata.namespace ?? 'default';
      const key = `${ns}/${pod.metadata.name}`;
      if (instances.has(key)) return;
      const cr = prometheusCrName(pod) ?? pod.metadata.name;
      const promContainer =
        arr(obj(pod.spec).containers)
          .map(obj)
          .find((c) => c.name === 'prometheus') ?? obj(arr(obj(pod.spec).containers)[0]);
      const containerPort = Number(obj(arr(promContainer.ports)[0]).containerPort ?? 9090);
      const inst: Instance = { ns, pod: pod.metadata.name, podIP: podIP(pod) ?? '', containerPort, cr, dir: dataDir(host.stateDir, pod, cr), port: 0, container: undefined, written: new Map(), host, ready: false, loaded: '', reloading: false };
      instances.set(key, inst);
      const bin = prometheusBinary();
      const retention = str(obj(crFor(inst)?.spec).retention, '24h');
      const container = new Container({
        container: str(promContainer.name, 'prometheus'),
        podRef: `${inst.pod}_${ns}(${pod.metadata.uid ?? ''})`,
        command: bin,
        args: [],
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        prepare: async () => {
          if (!existsSync(bin)) {
            // Like a container whose entrypoint is missing: it fails at every start, the kubelet backs off.
            log(`prometheus runtime: ${bin} not found; pod ${key} cannot start`);
            throw new Error(
              `exec ${bin}: no such file or directory\nthe hpa-lab simulation runs Prometheus pods with the real prometheus binary: install Debian's prometheus package (sudo apt-get install prometheus), which provides ${PROMETHEUS_BIN_DEFAULT}`,
            );
          }
          inst.port = await freePort();
          inst.written.clear();
          inst.ready = false;
          mkdirSync(path.join(inst.dir, 'data'), { recursive: true });
          syncOne(inst);
          inst.loaded = inst.written.get(path.join(inst.dir, 'prometheus.yml')) ?? '';
          container.setArgs([
            `--config.file=${path.join(inst.dir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${path.join(inst.dir, 'data')}`,
            `--web.listen-address=127.0.0.1:${inst.port}`,
            '--web.enable-lifecycle',
            `--storage.tsdb.retention.time=${retention}`,
          ]);
          backends.set({ namespace: ns, pod: inst.pod, podIP: inst.podIP, containerPort, host: '127.0.0.1', port: inst.port });
        },
        probe: async () => {
          const ok = (await httpStatus('127.0.0.1', inst.port, '/-/ready')) === 200;
          if (ok && !inst.ready) {
            inst.ready = true;
            syncOne(inst);
          }
          if (!ok) inst.ready = false;
          return ok;
        },
        probePeriodMs: 5000,
        onLine: (line) => host.log(ns, inst.pod, line),
        onState: (s) => host.report(ns, inst.pod, s),
        graceMs: 3000,
      });
      inst.container = container;
      container.start();
    },
    stop(namespace, pod) {
      const key = `${namespace}/${pod}`;
      const inst = instances.get(key);
      instances.delete(key);
      backends.deletePod(namespace, pod);
      if (!inst) return;
      inst.container?.stop();
      // The StatefulSet's storage is an emptyDir: it goes with the pod (unless a new pod took the directory).
      setTimeout(() => {
        if (![...instances.values()].some((i) => i.dir === inst.dir)) rmSync(path.join(inst.dir, 'data'), { recursive: true, force: true });
      }, 3500).unref();
    },
    sync() {
      for (const inst of instances.values()) {
        if (!inst.container) continue;
        try {
          syncOne(inst);
        } catch (err) {
          log(`prometheus runtime: sync of ${inst.ns}/${inst.pod} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    },
    address(ns, pod) {
      const inst = instances.get(`${ns}/${pod}`);
      return inst?.container ? { host: '127.0.0.1', port: inst.port } : undefined;
    },
  };
}

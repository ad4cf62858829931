// A foreign cluster for `--context` tests: a simulated cluster someone made without hpa-lab, as a team's shared
// cluster looks from a laptop. In a Sim (test/helpers/sim.ts) it:
// - creates a cluster with the stand-in kind (no port mappings, no hpa-lab node label) and renames its kubeconfig
//   entries from kind-NAME to the context name given (as a cloud CLI names its own, e.g. "team");
// - installs the cluster's own metrics-server with the stand-in helm, as its admins would (no hpa-lab labels),
//   and waits for the metrics APIService to be Available;
// - adds a second user, CN=dev (O=devs), with a client certificate signed by the cluster's CA (as `kubeadm kubeconfig
//   user --client-name dev` issues one) and a context "<context>-dev" for it, bound by a ClusterRole that grants
//   everything hpa-lab's stacks need except what `withoutGroups` names (default: apiregistration.k8s.io, so
//   APIServices may not be created): the "user whose RBAC lacks something";
// - optionally (`monitoring`), the team's own kube-prometheus-stack, installed with the stand-in helm as its admins
//   would (release `monitoring` in namespace `monitoring`, their own values, no hpa-lab labels): its Prometheus
//   operator, CRDs, Grafana and a Prometheus that selects ServiceMonitors labelled release=monitoring (the chart's
//   serviceMonitorSelectorNilUsesHelmValues default), waited for until that Prometheus is Available; and
//   optionally (`adapter`) their own prometheus-adapter pointed at it (release prometheus-adapter in namespace
//   monitoring, the chart's default rules), waited for until v1beta1.custom.metrics.k8s.io is Available and the
//   adapter lists metrics of pods.
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { parse, stringify } from 'yaml';
import type { Sim } from '../helpers/sim.ts';
import { adminCredentials, apiBaseFor, tlsFetch } from './lib/apiclient.ts';
import { statePaths } from './lib/env.ts';
import { HOST_IMAGES } from './lib/upstream.ts';
import { execa } from 'execa';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface ForeignCluster {
  /** the kind cluster's name (its node is <name>-control-plane) */
  name: string;
  /** the admin's context in the sim's kubeconfig */
  context: string;
  /** the restricted user's context */
  devContext: string;
  /** GET/POST/DELETE as the cluster's admin: status and parsed JSON body */
  admin(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

type Named = { name: string; [k: string]: unknown };

async function issueClientCert(caCertPem: string, caKeyPem: string, subject: string): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(caCertPem);
  const caKeyDer = createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', caKeyDer, ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const serial = randomBytes(8);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 5 * 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.toString('pem') + '\n', key: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }).toString() };
}

/**
 * What the dev user may do: every group hpa-lab's stacks install into, except `withoutGroups`; with `coreRules`,
 * the core group ('') only as those rules say (RBAC only adds: a rule cannot take one verb away).
 */
function devRules(withoutGroups: string[], coreRules?: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const groups = ['', 'apps', 'batch', 'policy', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'admissionregistration.k8s.io', 'monitoring.coreos.com', 'autoscaling', 'networking.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'keda.sh'];
  const excluded = coreRules ? [...withoutGroups, ''] : withoutGroups;
  return [{ apiGroups: groups.filter((g) => !excluded.includes(g)), resources: ['*'], verbs: ['*'] }, ...(coreRules ?? [])];
}

/** Their kube-prometheus-stack: what its release and Prometheus are called there. */
export const THEIR_MONITORING = {
  release: 'monitoring',
  namespace: 'monitoring',
  /** the chart's Prometheus Service and resource for release "monitoring": <release>-kube-prometheus-prometheus */
  prometheus: 'monitoring-kube-prometheus-prometheus',
  url: 'http://monitoring-kube-prometheus-prometheus.monitoring.svc:9090',
};

// Their own values (not the lab's file): a lean stack without Alertmanager, node-exporter, default rules or the
// control-plane scrapes a kind-like cluster has no endpoints for; ClusterIP Services (the chart's default), the
// default ServiceMonitor selector (release=<release>). The operator's TLS and admission webhooks are off together,
// as the chart needs them (../shared/real-renders/README.md, the lab-without-tls-fix case).
const THEIR_KPS_VALUES = `alertmanager:
  enabled: false
defaultRules:
  create: false
nodeExporter:
  enabled: false
kubeEtcd:
  enabled: false
kubeControllerManager:
  enabled: false
kubeScheduler:
  enabled: false
kubeProxy:
  enabled: false
prometheusOperator:
  admissionWebhooks:
    enabled: false
  tls:
    enabled: false
grafana:
  adminPassword: their-own-password-0123456789
  sidecar:
    datasources:
      alertmanager:
        enabled: false
`;

export async function createForeignCluster(sim: Sim, opts: { name?: string; context?: string; withoutGroups?: string[]; coreRules?: Array<Record<string, unknown>>; metricsServer?: boolean; image?: string; monitoring?: boolean; adapter?: boolean } = {}): Promise<ForeignCluster> {
  const name = opts.name ?? 'team';
  const context = opts.context ?? 'team-admin';
  const devContext = `${context}-dev`;
  const cfg = path.join(sim.home, `${name}-kind.yaml`);
  writeFileSync(cfg, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
  const created = await sim.exec('kind', ['create', 'cluster', '--name', name, '--config', cfg, ...(opts.image ? ['--image', opts.image] : [])]);
  if (created.exitCode !== 0) throw new Error(`foreign cluster: kind create failed: ${created.stderr}`);

  // Rename kind-NAME to the team's own names, and add the dev user and context.
  const kubeconfigFile = sim.env.KUBECONFIG as string;
  const doc = parse(readFileSync(kubeconfigFile, 'utf8')) as { clusters: Named[]; users: Named[]; contexts: Named[]; 'current-context'?: string };
  const kindName = `kind-${name}`;
  for (const list of [doc.clusters, doc.users, doc.contexts]) for (const e of list) if (e.name === kindName) e.name = list === doc.contexts ? context : list === doc.clusters ? name : `${name}-admin`;
  const ctx = doc.contexts.find((c) => c.name === context) as Named;
  ctx.context = { cluster: name, user: `${name}-admin` };
  const pki = path.join(statePaths(sim.home).nodeDir(name), 'pki');
  const dev = await issueClientCert(readFileSync(path.join(pki, 'ca.crt'), 'utf8'), readFileSync(path.join(pki, 'ca.key'), 'utf8'), 'O=devs, CN=dev');
  doc.users.push({ name: `${name}-dev`, user: { 'client-certificate-data': Buffer.from(dev.cert).toString('base64'), 'client-key-data': Buffer.from(dev.key).toString('base64') } });
  doc.contexts.push({ name: devContext, context: { cluster: name, user: `${name}-dev` } });
  doc['current-context'] = context;
  writeFileSync(kubeconfigFile, stringify(doc), { mode: 0o600 });

  const base = apiBaseFor(sim.home, name);
  const creds = adminCredentials(sim.home, name);
  const admin = async (method: string, apiPath: string, body?: unknown) => {
    const res = await tlsFetch(`${base}${apiPath}`, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined }, creds);
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed };
  };
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const mustCreate = async (p: string, o: unknown) => {
    const r = await admin('POST', p, o);
    if (r.status !== 201) throw new Error(`foreign cluster: POST ${p}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };
  await mustCreate(`${rbac}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'team-dev' }, rules: devRules(opts.withoutGroups ?? ['apiregistration.k8s.io'], opts.coreRules) });
  await mustCreate(`${rbac}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'team-dev' }, subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'team-dev', apiGroup: 'rbac.authorization.k8s.io' } });

  if (opts.metricsServer !== false) {
    const values = path.join(sim.home, `${name}-metrics-server.yaml`);
    writeFileSync(values, 'args:\n  - --kubelet-insecure-tls\n');
    const r = await sim.exec('helm', ['upgrade', '--install', 'metrics-server', 'metrics-server', '--repo', 'https://kubernetes-sigs.github.io/metrics-server/', '--version', '3.13.1', '--namespace', 'kube-system', '--values', values, '--kube-context', context]);
    if (r.exitCode !== 0) throw new Error(`foreign cluster: its metrics-server: helm failed: ${r.stderr}`);
  }
  const f = { name, context, devContext, admin };
  if (opts.monitoring) await installTheirMonitoring(sim, f);
  if (opts.adapter) await installTheirAdapter(sim, f);
  return f;
}

const conditionTrue = (o: Record<string, unknown>, type: string) => ((o.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** Their kube-prometheus-stack (THEIR_MONITORING), until its Prometheus is Available. */
export async function installTheirMonitoring(sim: Sim, f: ForeignCluster): Promise<void> {
  const values = path.join(sim.home, `${f.name}-kube-prometheus-stack.yaml`);
  writeFileSync(values, THEIR_KPS_VALUES);
  const m = THEIR_MONITORING;
  const r = await sim.exec('helm', ['upgrade', '--install', m.release, 'kube-prometheus-stack', '--repo', 'https://prometheus-community.github.io/helm-charts', '--version', '88.5.3', '--namespace', m.namespace, '--create-namespace', '--values', values, '--kube-context', f.context], { timeoutMs: 240_000 });
  if (r.exitCode !== 0) throw new Error(`foreign cluster: its kube-prometheus-stack: helm failed: ${r.stderr}`);
  await until(`their Prometheus ${m.namespace}/${m.prometheus} to be Available`, async () => {
    const p = await f.admin('GET', `/apis/monitoring.coreos.com/v1/namespaces/${m.namespace}/prometheuses/${m.prometheus}`);
    return p.status === 200 && conditionTrue(p.body, 'Available') ? true : undefined;
  }, 180_000);
}

/**
 * Their prometheus-adapter (default rules) pointed at their Prometheus, until the custom metrics APIService is
 * Available and the adapter lists metrics of pods, as one that has run beside their Prometheus for a while does.
 * An adapter lists what its last relist found: one at its start, then one per --metrics-relist-interval (the
 * chart's 1m; prometheus-adapter v0.12.0 pkg/custom-provider/provider.go, cachingMetricsLister.RunUntil with
 * wait.Until, which runs at once). A first relist before their Prometheus has scraped a pod lists none for pods
 * (only series of targets without a pod label, such as the API server's) for that minute, so Available alone does
 * not say what their adapter lists.
 */
export async function installTheirAdapter(sim: Sim, f: ForeignCluster): Promise<void> {
  const m = THEIR_MONITORING;
  const r = await sim.exec('helm', ['upgrade', '--install', 'prometheus-adapter', 'prometheus-adapter', '--repo', 'https://prometheus-community.github.io/helm-charts', '--version', '5.3.0', '--namespace', m.namespace, '--set', `prometheus.url=http://${m.prometheus}.${m.namespace}.svc`, '--kube-context', f.context], { timeoutMs: 180_000 });
  if (r.exitCode !== 0) throw new Error(`foreign cluster: its prometheus-adapter: helm failed: ${r.stderr}`);
  await until('their custom metrics APIService to be Available', async () => {
    const a = await f.admin('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.custom.metrics.k8s.io');
    return a.status === 200 && conditionTrue(a.body, 'Available') ? true : undefined;
  }, 180_000);
  await until('their adapter to list metrics of pods (a relist after their Prometheus scraped a pod)', async () => {
    const d = await f.admin('GET', '/apis/custom.metrics.k8s.io/v1beta1');
    const resources = (d.body.resources as Array<{ name: string }> | undefined) ?? [];
    return d.status === 200 && resources.some((x) => x.name.startsWith('pods/')) ? true : undefined;
  }, 180_000);
}

/**
 * What the foreign cluster's admins run for kind's local registry (kind's site/static/examples/kind-with-registry.sh):
 * a registry:3 container published on 127.0.0.1:PORT, each node's containerd hosts.toml aliasing localhost:PORT to
 * http://kind-registry:5000, and the container connected to network kind. Returns the registry as hpa-lab names
 * it (localhost:PORT).
 */
export async function kindLocalRegistry(sim: Sim, f: ForeignCluster, port: number): Promise<string> {
  const registry = `localhost:${port}`;
  const image = HOST_IMAGES.registry.replace(/^docker\.io\/library\//, '');
  const docker = async (args: string[], input?: string) => {
    const r = await execa(path.join(sim.home, 'bin', 'docker'), args, { env: sim.env, extendEnv: false, reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
    if (r.exitCode !== 0) throw new Error(`kind's local registry: docker ${args.join(' ')}: ${String(r.stderr)}`);
  };
  const node = `${f.name}-control-plane`;
  const dir = `/etc/containerd/certs.d/${registry}`;
  await docker(['run', '-d', '--restart=always', '-p', `127.0.0.1:${port}:5000`, '--network', 'bridge', '--name', 'kind-registry', image]);
  await docker(['exec', node, 'mkdir', '-p', dir]);
  await docker(['exec', '-i', node, 'cp', '/dev/stdin', `${dir}/hosts.toml`], '[host."http://kind-registry:5000"]\n');
  await docker(['network', 'connect', 'kind', 'kind-registry']);
  return registry;
}

/** Polls until `check` holds (a condition, never a fixed wait), or throws with the last state after timeoutMs. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The simulated machine (test/sim) must behave like the real tools, strictness included, or the CLI's tests
// prove nothing. These tests pin that: flag and config strictness, the cluster lifecycle against the real
// kubectl and @kubernetes/client-node, and every fault the simulation offers.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, isAlive, KUBECTL_REASON, requireKubectl, simNodePids, type Sim } from './helpers/sim.ts';
import { adminCredentials, apiBaseFor, clusterApi, simFetch, tlsFetch } from './sim/lib/apiclient.ts';
import { createClusterPki } from './sim/lib/pki.ts';
import { knownCause } from '../scripts/lib/host/tool-help.ts';

interface ClusterState {
  pid: number | null;
  apiPort: number | null;
  hostPorts: Array<{ hostPort: number; containerPort: number }>;
  images: Array<{ name: string; id: string }>;
}

function state(sim: Sim, name: string): ClusterState {
  return JSON.parse(readFileSync(path.join(sim.home, 'clusters', `${name}.json`), 'utf8')) as ClusterState;
}

/** https://127.0.0.1:PORT; simFetch() then presents that cluster's admin client certificate. */
function apiBase(sim: Sim, name: string): string {
  return apiBaseFor(sim.home, name);
}

/** Resolves when something accepts connections on 127.0.0.1:port, false when refused. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.concurrent('stand-ins are as strict as the real tools', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await createSim();
  });
  afterAll(() => sim.cleanup());

  it('kind: unknown flags and commands, bad values, bool flags taking no separate value (cobra/pflag)', async () => {
    const cases: Array<[string[], string]> = [
      [['create', 'cluster', '--nmae', 'x'], 'ERROR: unknown flag: --nmae\n'],
      [['foo'], 'ERROR: unknown command "foo" for "kind"\n'],
      [['create', 'cluster', '--wait', 'abc'], 'ERROR: invalid argument "abc" for "--wait" flag: time: invalid duration "abc"\n'],
      [['delete', 'cluster', '--name'], 'ERROR: flag needs an argument: --name\n'],
      [['get', 'clusters', '-x'], "ERROR: unknown shorthand flag: 'x' in -x\n"],
      [['create', 'cluster', '--retain', 'false'], 'ERROR: unknown command "false" for "kind create cluster"\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await sim.exec('kind', args);
      expect({ args, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ args, exitCode: 1, stderr });
    }
    const v = await sim.exec('kind', ['version']);
    expect(v.stdout).toMatch(/^kind v0\.32\.0 go1\.25\.4 \w+\/\w+\n$/);
    const old = await sim.exec('kind', ['version'], { env: { HPA_LAB_SIM_KIND_VERSION: '0.20.0' } });
    expect(old.stdout).toMatch(/^kind v0\.20\.0 /);
  });

  it('helm: v4 has no --client on version, v3 accepts it; --short and --template', async () => {
    expect(await sim.exec('helm', ['version', '--client'])).toMatchObject({ exitCode: 1, stderr: 'Error: unknown flag: --client\n' });
    expect(await sim.exec('helm', ['version', '-c'])).toMatchObject({ exitCode: 1, stderr: "Error: unknown shorthand flag: 'c' in -c\n" });
    expect(await sim.exec('helm', ['install', '--foo'])).toMatchObject({ exitCode: 1, stderr: 'Error: "helm install" is not simulated yet\n' });
    expect(await sim.exec('helm', ['versoin'])).toMatchObject({ exitCode: 1, stderr: 'Error: unknown command "versoin" for "helm"\n\nDid you mean this?\n\tversion\n\nRun \'helm --help\' for usage.\n' });
    expect(await sim.exec('helm', ['version', '--short'])).toMatchObject({ exitCode: 0, stdout: 'v4.0.4+g8650e1d\n' });
    expect(await sim.exec('helm', ['version', '--template', '{{.Version}}'])).toMatchObject({ exitCode: 0, stdout: 'v4.0.4' });
    const h3 = { env: { HPA_LAB_SIM_HELM_VERSION: '3.19.0' } };
    expect(await sim.exec('helm', ['version', '--client', '--short'], h3)).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^v3\.19\.0\+g[0-9a-f]{7}\n$/) as unknown });
  });

  it('docker: flag errors exit 125 with a hint, templates outside the simulated set are refused', async () => {
    expect(await sim.exec('docker', ['version', '--foo'])).toMatchObject({ exitCode: 125, stderr: "unknown flag: --foo\nSee 'docker version --help'.\n" });
    expect(await sim.exec('docker', ['version', '--format', '{{.Server.Version}}'])).toMatchObject({ exitCode: 0, stdout: '28.2.2\n' });
    expect(await sim.exec('docker', ['info', '--format', '{{.ServerVersion}}'])).toMatchObject({ exitCode: 0, stdout: '28.2.2\n' });
    const json = await sim.exec('docker', ['version', '--format', '{{json .}}']);
    expect((JSON.parse(json.stdout) as { Client: { Version: string } }).Client.Version).toBe('28.2.2');
    expect(await sim.exec('docker', ['version', '--format', '{{if .Server}}x{{end}}'])).toMatchObject({ exitCode: 1, stderr: 'template: :1: unsupported in simulation\n' });
  });

  it('refuse to run without HPA_LAB_SIM_HOME, and reject unknown fault names', async () => {
    for (const tool of ['kind', 'helm', 'docker']) {
      const r = await sim.exec(tool, ['version'], { env: { HPA_LAB_SIM_HOME: '' } });
      expect(r).toMatchObject({ exitCode: 1, stderr: 'ERROR: HPA_LAB_SIM_HOME is not set (simulated cluster)\n' });
    }
    const r = await sim.exec('kind', ['get', 'clusters'], { env: { HPA_LAB_SIM_FAULTS: 'dokcer-down' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown simulation fault "dokcer-down"');
  });

  it('kind decodes its config like kind v0.32.0: go.yaml.in/yaml/v3, KnownFields, case-sensitive keys', async () => {
    const file = path.join(sim.home, 'bad.yaml');
    const attempt = async (yaml: string) => {
      writeFileSync(file, yaml);
      return sim.exec('kind', ['create', 'cluster', '--name', 'strict', '--config', file]);
    };
    const err = (msg: string) => `ERROR: failed to create cluster: ${msg}\n`;
    const head = 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n';
    const typo = await attempt(`${head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 30000\n    hostPort: 30000\n    listenAdress: 127.0.0.1\n`);
    expect(typo).toMatchObject({ exitCode: 1, stderr: err('unable to decode config: yaml: unmarshal errors:\n  line 8: field listenAdress not found in type v1alpha4.PortMapping') });
    // Keys match the yaml tags exactly: Go's encoding/json would have accepted these spellings.
    const cased = await attempt(`${head}Name: x\nnodes:\n- role: control-plane\n  ExtraPortMappings: []\n  labels: {a: b}\n`);
    expect(cased.stderr).toBe(err('unable to decode config: yaml: unmarshal errors:\n  line 3: field Name not found in type v1alpha4.Cluster\n  line 6: field ExtraPortMappings not found in type v1alpha4.Node'));
    // Type errors: yaml.v3's resolver, not JSON's (a quoted number is a string; any scalar fits a string field).
    const wrongType = await attempt(`${head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: "30000"\n    hostPort: 70000000000\n`);
    expect(wrongType.stderr).toBe(err('unable to decode config: yaml: unmarshal errors:\n  line 6: cannot unmarshal !!str `30000` into int32\n  line 7: cannot unmarshal !!int `7000000...` into int32'));
    expect((await attempt(`${head}networking: [a]\n`)).stderr).toBe(err('unable to decode config: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!seq into v1alpha4.Networking'));
    // Duplicate keys: top-level ones already fail the first (kind/apiVersion) pass, nested ones the strict one.
    expect((await attempt(`${head}kind: Cluster\n`)).stderr).toBe(err('could not determine kind / apiVersion for config: yaml: unmarshal errors:\n  line 3: mapping key "kind" already defined at line 1'));
    const dupKey = await attempt(`${head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 30000\n    containerPort: 30001\n`);
    expect(dupKey.stderr).toBe(err('unable to decode config: yaml: unmarshal errors:\n  line 7: mapping key "containerPort" already defined at line 6'));
    expect((await attempt('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n')).stderr).toBe(err('unknown apiVersion: kind.x-k8s.io/v1alpha3'));
    expect((await attempt('kind: Clutser\napiVersion: kind.x-k8s.io/v1alpha4\n')).stderr).toBe(err('unknown kind Clutser for apiVersion: kind.x-k8s.io/v1alpha4'));
    expect((await attempt('[a, b]\n')).stderr).toBe(err('could not determine kind / apiVersion for config: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into encoding.typeMeta'));
    expect((await attempt(`${head}nodes: [\n`)).stderr).toMatch(/^ERROR: failed to create cluster: could not determine kind \/ apiVersion for config: yaml: line \d+: /);
    // validate.go's port-mapping check: the normalised address, then hostPort/protocol as written.
    const dup = await attempt(`${head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 30000, hostPort: 30000, listenAddress: 127.0.0.1, protocol: TCP}\n  - {containerPort: 30001, hostPort: 30000, listenAddress: 127.0.0.1, protocol: TCP}\n`);
    expect(dup.stderr).toBe(err('invalid configuration for node 0: invalid portMapping: port mapping with same listen address, port and protocol already configured: 127.0.0.1:30000/TCP'));
    const wildcard = await attempt(`${head}nodes:\n- role: control-plane\n  extraPortMappings:\n  - {containerPort: 1, hostPort: 8080}\n  - {containerPort: 2, hostPort: 8080, listenAddress: "::"}\n  - {containerPort: 3, hostPort: 0}\n  - {containerPort: 4, hostPort: 0}\n`);
    expect(wildcard.stderr).toBe(err('invalid configuration for node 0: invalid portMapping: port mapping with same listen address, port and protocol already configured: :::8080/'));
    const many = await attempt(`${head}nodes:\n- role: master\n  extraPortMappings:\n  - {containerPort: 1, hostPort: 99999}\n`);
    expect(many.stderr).toBe(err('[invalid configuration for node 0: ["master" is not a valid node role, invalid hostPort: invalid port number: 99999], must have at least one control-plane node]'));
    const badName = await sim.exec('kind', ['create', 'cluster', '--name', 'Bad_Name']);
    expect(badName.stderr).toBe(err("'Bad_Name' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`"));
    expect(existsSync(path.join(sim.home, 'clusters', 'strict.json'))).toBe(false);
  });

  it("kind accepts what yaml.v3 converts: numbers and bools into strings, yes/no into bools", async () => {
    const file = path.join(sim.home, 'loose.yaml');
    writeFileSync(file, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  disableDefaultCNI: no\nnodes:\n- role: control-plane\n  labels:\n    hpa-lab/tier: 1\n    hpa-lab/on: true\n  extraPortMappings:\n  - {containerPort: 30000.0, hostPort: 0}\n');
    const r = await sim.exec('kind', ['create', 'cluster', '--name', 'loose', '--config', file]);
    try {
      expect(r.exitCode, r.stderr).toBe(0);
      const node = (await (await simFetch(`${apiBase(sim, 'loose')}/api/v1/nodes/loose-control-plane`)).json()) as { metadata: { labels: Record<string, string> } };
      expect(node.metadata.labels).toMatchObject({ 'hpa-lab/tier': '1', 'hpa-lab/on': 'true' });
    } finally {
      await sim.exec('kind', ['delete', 'cluster', '--name', 'loose']);
    }
  });
});

describe('a cluster from create to delete', () => {
  let sim: Sim;
  let cfg: string;
  const name = 'life';
  beforeAll(async () => {
    sim = await createSim();
    cfg = sim.writeKindConfig(sim.ports());
  });
  afterAll(() => sim.cleanup());

  it('creates it: progress like kind, listed, kubeconfig merged, host ports really bound', async () => {
    const r = await sim.exec('kind', ['create', 'cluster', '--name', name, '--config', cfg]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Creating cluster "${name}" ...\n`);
    expect(r.stderr).toContain(' ✓ Ensuring node image (kindest/node:v1.36.1) 🖼\n');
    expect(r.stderr).toContain(' ✓ Installing StorageClass 💾\n');
    expect(r.stderr).toContain(`Set kubectl context to "kind-${name}"\n`);
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toBe(`${name}\n`);
    expect((await sim.exec('kind', ['get', 'nodes', '--name', name])).stdout).toBe(`${name}-control-plane\n`);

    const kubeconfig = parse(readFileSync(sim.env.KUBECONFIG as string, 'utf8')) as { 'current-context': string; clusters: Array<{ name: string; cluster: { server: string } }> };
    expect(kubeconfig['current-context']).toBe(`kind-${name}`);
    expect(kubeconfig.clusters[0]?.cluster.server).toBe(apiBase(sim, name));

    const { app, prometheus, grafana } = sim.ports();
    expect(state(sim, name).hostPorts.map((p) => p.hostPort)).toEqual([app, prometheus, grafana]);
    const res = await fetch(`http://127.0.0.1:${app}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe(`no endpoints for NodePort ${app} (simulated)\n`);
  });

  it('serves the API to @kubernetes/client-node, with the config\'s node labels', async () => {
    const kc = new KubeConfig();
    kc.loadFromString((await sim.exec('kind', ['get', 'kubeconfig', '--name', name])).stdout);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    const node = nodes.items[0];
    expect(node?.metadata?.name).toBe(`${name}-control-plane`);
    expect(node?.metadata?.labels?.['hpa-lab/managed-by']).toBe('hpa-lab');
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('serves HTTPS with the cluster CA and client-certificate auth, as kind\'s kubeadm cluster does', async () => {
    const kc = parse((await sim.exec('kind', ['get', 'kubeconfig', '--name', name])).stdout) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ name: string; user: Record<string, string> }>;
    };
    const cluster = kc.clusters[0]?.cluster ?? {};
    const user = kc.users[0]?.user ?? {};
    expect(Object.keys(cluster).sort()).toEqual(['certificate-authority-data', 'server']);
    expect(cluster.server).toBe(`https://127.0.0.1:${state(sim, name).apiPort}`);
    expect(Object.keys(user).sort()).toEqual(['client-certificate-data', 'client-key-data']);
    const ca = new X509Certificate(Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64'));
    const client = new X509Certificate(Buffer.from(user['client-certificate-data'] ?? '', 'base64'));
    expect(ca.subject).toBe('CN=kubernetes');
    expect(client.subject.split('\n').sort()).toEqual(['CN=kubernetes-admin', 'O=kubeadm:cluster-admins']);
    expect(client.checkIssued(ca) && client.verify(ca.publicKey)).toBe(true);

    const base = apiBase(sim, name);
    const caPem = adminCredentials(sim.home, name).ca;
    const status = async (res: Response) => ({ code: res.status, body: (await res.json()) as Record<string, unknown> });
    // No client certificate: system:anonymous, which RBAC lets see only the public-info paths.
    expect((await tlsFetch(`${base}/readyz`, {}, { ca: caPem })).status).toBe(200);
    expect((await tlsFetch(`${base}/version`, {}, { ca: caPem })).status).toBe(200);
    expect(await status(await tlsFetch(`${base}/api/v1/nodes`, {}, { ca: caPem }))).toEqual({
      code: 403,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope', reason: 'Forbidden', details: { kind: 'nodes' }, code: 403 },
    });
    expect((await status(await tlsFetch(`${base}/apis/apps/v1/namespaces/default/deployments/x`, { method: 'DELETE' }, { ca: caPem }))).body.message).toBe('deployments.apps "x" is forbidden: User "system:anonymous" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
    expect((await status(await tlsFetch(`${base}/api`, {}, { ca: caPem }))).body).toMatchObject({ message: 'forbidden: User "system:anonymous" cannot get path "/api"', details: {} });
    // Bad credentials are never anonymous: 401.
    const unauthorized = { code: 401, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } };
    const stranger = await createClusterPki({ nodeName: 'other-control-plane', nodeIP: '172.18.0.2', apiServerAddress: '127.0.0.1' });
    expect(await status(await tlsFetch(`${base}/api/v1/nodes`, {}, { ca: caPem, cert: stranger.admin.cert, key: stranger.admin.key }))).toEqual(unauthorized);
    expect(await status(await tlsFetch(`${base}/api/v1/nodes`, {}, { ca: caPem, token: 'abc' }))).toEqual(unauthorized);
    // The serving certificate is signed by the cluster's own CA only; plain HTTP gets Go's 400.
    await expect(tlsFetch(`${base}/version`)).rejects.toMatchObject({ cause: { code: expect.stringMatching(/CERT|SIGNATURE/) as unknown } });
    const plain = await fetch(base.replace('https:', 'http:'));
    expect(plain.status).toBe(400);
    expect(await plain.text()).toBe('Client sent an HTTP request to an HTTPS server.\n');
    // The admin certificate is what every simulated client uses.
    expect((await simFetch(`${base}/api/v1/nodes`)).status).toBe(200);
  });

  it.skipIf(!requireKubectl())(`the real kubectl: TLS from the kubeconfig, Forbidden as system:anonymous, Unauthorized with a bad token${KUBECTL_REASON}`, async () => {
    expect((await sim.exec('kubectl', ['--context', `kind-${name}`, 'get', '--raw', '/api/v1/namespaces/default'])).exitCode).toBe(0);
    const ca = path.join(sim.home, 'cluster-ca.crt');
    writeFileSync(ca, adminCredentials(sim.home, name).ca ?? '');
    const bare = ['--kubeconfig', path.join(sim.home, 'none.yaml'), '--server', apiBase(sim, name), '--certificate-authority', ca];
    writeFileSync(path.join(sim.home, 'none.yaml'), 'apiVersion: v1\nkind: Config\n');
    // Basic auth is no authenticator any more (Kubernetes 1.19+): the request is anonymous. (Without any
    // credential kubectl would prompt for a username instead.)
    // (--raw: as anonymous even discovery is Forbidden, which kubectl's discovery client reports as "unknown".)
    const anonymous = [...bare, '--username', 'x', '--password', 'y'];
    const anon = await sim.exec('kubectl', [...anonymous, 'get', '--raw', '/api/v1/nodes']);
    expect(anon).toMatchObject({ exitCode: 1, stderr: 'Error from server (Forbidden): nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope\n' });
    expect(await sim.exec('kubectl', [...anonymous, 'get', '--raw', '/readyz'])).toMatchObject({ exitCode: 0, stdout: 'ok' });
    expect((await sim.exec('kubectl', [...anonymous, 'get', 'nodes'])).stderr).toMatch(/^Error from server \(Forbidden\)/m);
    const bad = await sim.exec('kubectl', [...bare, '--token', 'abc', 'get', '--raw', '/api/v1/nodes']);
    expect(bad).toMatchObject({ exitCode: 1, stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
  });

  it('answers REST calls with Kubernetes-shaped objects and Status errors', async () => {
    const base = apiBase(sim, name);
    const call = async (method: string, p: string, body?: unknown, type = 'application/json') => {
      const res = await simFetch(base + p, { method, headers: { 'Content-Type': type }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await call('GET', '/apis/apps/v1/namespaces/default/deployments/x')).toEqual({
      status: 404,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'deployments.apps "x" not found', reason: 'NotFound', details: { name: 'x', group: 'apps', kind: 'deployments' }, code: 404 },
    });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { tier: 'a' } }, data: { k: 'v' } };
    expect((await call('POST', '/api/v1/namespaces/nope/configmaps', cm)).body).toMatchObject({ code: 404, message: 'namespaces "nope" not found' });
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'c', namespace: 'default', uid: expect.any(String) as unknown, resourceVersion: expect.any(String) as unknown });
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm)).body).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "c" already exists' });
    expect((await call('PATCH', '/api/v1/namespaces/default/configmaps/c', { data: { k: null, m: 'n' } }, 'application/merge-patch+json')).body.data).toEqual({ m: 'n' });
    expect((await call('PATCH', '/api/v1/namespaces/default/configmaps/c', [{ op: 'add', path: '/data/j', value: '1' }], 'application/json-patch+json')).body.data).toEqual({ m: 'n', j: '1' });
    const applied = await call('PATCH', '/api/v1/namespaces/default/configmaps/d?fieldManager=test', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n  x: y\n', 'application/apply-patch+yaml');
    expect(applied.status).toBe(201);
    const list = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Da');
    expect((list.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name)).toEqual(['c']);
    expect((await call('DELETE', '/api/v1/namespaces/default/configmaps/c')).status).toBe(200);
    const table = await simFetch(`${base}/apis/apps/v1/namespaces/kube-system/deployments`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const t = (await table.json()) as { kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(t.rows[0]?.cells.slice(0, 4)).toEqual(['coredns', '2/2', 2, 2]);
  });

  it.skipIf(!requireKubectl())(`works with the real kubectl: get, --raw, apply (client- and server-side), delete${KUBECTL_REASON}`, async () => {
    const kubectl = (...args: string[]) => sim.exec('kubectl', ['--context', `kind-${name}`, ...args]);
    const nodes = await kubectl('get', 'nodes');
    expect(nodes.stdout).toMatch(new RegExp(`^NAME +STATUS +ROLES +AGE +VERSION\\n${name}-control-plane +Ready +control-plane +\\S+ +v1\\.36\\.1\\n$`));
    expect((await kubectl('get', 'pods', '-A')).stdout).toMatch(/kube-system +coredns-\S+ +1\/1 +Running +0 /);
    expect((await kubectl('get', 'deployment', 'coredns', '-n', 'kube-system')).stdout).toMatch(/^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\ncoredns +2\/2 +2 +2 /);
    expect(JSON.parse((await kubectl('get', '--raw', '/version')).stdout)).toMatchObject({ gitVersion: 'v1.36.1', major: '1', minor: '36' });
    const manifest = path.join(sim.home, 'cm.yaml');
    writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab\n  namespace: default\ndata:\n  a: "1"\n');
    expect((await kubectl('apply', '-f', manifest)).stdout).toBe('configmap/lab created\n');
    writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lab\n  namespace: default\ndata:\n  a: "2"\n');
    expect((await kubectl('apply', '-f', manifest)).stdout).toBe('configmap/lab configured\n');
    expect((await kubectl('apply', '--server-side', '-f', manifest)).stdout).toBe('configmap/lab serverside-applied\n');
    expect((await kubectl('get', 'configmap', 'lab', '-o', 'jsonpath={.data.a}')).stdout).toBe('2');
    // kubectl 1.35 adds the namespace; 1.32 does not
    expect((await kubectl('delete', '-f', manifest)).stdout).toMatch(/^configmap "lab" deleted( from default namespace)?\n$/);
    const gone = await kubectl('get', 'configmap', 'lab');
    expect(gone).toMatchObject({ exitCode: 1, stderr: 'Error from server (NotFound): configmaps "lab" not found\n' });
  });

  it.skipIf(!requireKubectl())(`serves ServiceMonitors only once their CRD is installed, as a real cluster does${KUBECTL_REASON}`, async () => {
    const kubectl = (...args: string[]) => sim.exec('kubectl', ['--context', `kind-${name}`, ...args]);
    const sm = path.join(sim.home, 'sm.yaml');
    writeFileSync(sm, 'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: app, namespace: default}\nspec:\n  selector: {matchLabels: {app: x}}\n  endpoints: [{port: http}]\n');
    const early = await kubectl('apply', '-f', sm);
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain('no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"\nensure CRDs are installed first');
    const crd = path.join(sim.home, 'crd.yaml');
    writeFileSync(
      crd,
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: servicemonitors.monitoring.coreos.com}\nspec:\n  group: monitoring.coreos.com\n  scope: Namespaced\n  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor, shortNames: [smon]}\n  versions:\n  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}\n',
    );
    expect((await kubectl('apply', '-f', crd)).exitCode).toBe(0);
    expect((await kubectl('apply', '-f', sm)).stdout).toBe('servicemonitor.monitoring.coreos.com/app created\n');
    expect((await kubectl('get', 'smon', '-n', 'default', '-o', 'name')).stdout).toBe('servicemonitor.monitoring.coreos.com/app\n');
  });

  it('refuses a second cluster of the same name', async () => {
    const r = await sim.exec('kind', ['create', 'cluster', '--name', name, '--config', cfg]);
    expect(r).toMatchObject({ exitCode: 1, stderr: `ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"\n` });
  });

  it('deletes it, twice without complaint, leaving no process, port or kubeconfig entry', async () => {
    const pid = state(sim, name).pid as number;
    expect(isAlive(pid)).toBe(true);
    expect(await sim.exec('kind', ['delete', 'cluster', '--name', name])).toMatchObject({ exitCode: 0, stderr: `Deleting cluster "${name}" ...\nDeleted nodes: ["${name}-control-plane"]\n` });
    expect(await sim.exec('kind', ['delete', 'cluster', '--name', name])).toMatchObject({ exitCode: 0, stderr: `Deleting cluster "${name}" ...\n` });
    expect(isAlive(pid)).toBe(false);
    expect(await canConnect(sim.ports().app)).toBe(false);
    const r = await sim.exec('kind', ['get', 'clusters']);
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: 'No kind clusters found.\n' });
    // kind's Encode omits empty lists and an empty current-context.
    expect(parse(readFileSync(sim.env.KUBECONFIG as string, 'utf8'))).toEqual({ apiVersion: 'v1', kind: 'Config', preferences: {} });
  });
});

describe.concurrent('faults', () => {
  it('a host port another process holds fails like Docker 28 ("failed to bind host port … address already in use") and leaves nothing behind', async () => {
    const sim = await createSim();
    try {
      const ports = sim.ports();
      const blocker = await listenOn(ports.prometheus);
      try {
        const r = await sim.exec('kind', ['create', 'cluster', '--name', 'clash', '--config', sim.writeKindConfig(ports)]);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toContain(' ✗ Preparing nodes 📦 \n');
        expect(r.stderr).toMatch(/^ERROR: failed to create cluster: command "docker run --name clash-control-plane .*" failed with error: exit status 125$/m);
        // moby v28.2.2 libnetwork/drivers/bridge/port_mapping_linux.go; the port allocator's "port is already
        // allocated" is only for a port another container publishes (below).
        expect(r.stderr).toMatch(new RegExp(`^Command Output: docker: Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint clash-control-plane \\([0-9a-f]+\\): failed to bind host port for 127\\.0\\.0\\.1:${ports.prometheus}:172\\.18\\.0\\.2:${ports.prometheus}/tcp: address already in use$`, 'm'));
        expect(r.stderr).toContain("\n\nRun 'docker run --help' for more information");
      } finally {
        blocker.close();
      }
      expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toBe('');
      expect(await canConnect(ports.app)).toBe(false);
      expect(existsSync(path.join(sim.home, 'nodes', 'clash'))).toBe(false);
    } finally {
      await sim.cleanup();
    }
  });

  it('a host port another kind node publishes fails like Docker’s port allocator ("port is already allocated"), diagnosed as a container’s', async () => {
    const sim = await createSim();
    try {
      const config = sim.writeKindConfig(sim.ports());
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'first', '--config', config])).exitCode).toBe(0);
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'second', '--config', config]);
      expect(r.exitCode).toBe(1);
      const m = /^Command Output: docker: Error response from daemon: driver failed programming external connectivity on endpoint second-control-plane \([0-9a-f]+\): Bind for 127\.0\.0\.1:(\d+) failed: port is already allocated$/m.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(knownCause('kind', ['create', 'cluster', '--name', 'second'], r.stderr)?.why).toBe(`host port ${m?.[1] ?? ''} of the kind config is already published by another Docker container`);
    } finally {
      await sim.cleanup();
    }
  });

  it('docker-down: docker and kind fail as with a stopped daemon', async () => {
    const sim = await createSim({ faults: ['docker-down'] });
    try {
      const down = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
      const v = await sim.exec('docker', ['version']);
      expect(v.exitCode).toBe(1);
      expect(v.stdout).toContain(' Version:           28.2.2');
      expect(v.stderr).toBe(`${down}\n`);
      // Docker 28.1+ still renders the template (over an empty server part), then fails.
      expect(await sim.exec('docker', ['info', '--format', '{{.ServerVersion}}'])).toMatchObject({ exitCode: 1, stdout: '\n', stderr: `${down}\n` });
      const info = await sim.exec('docker', ['info', '--format', '{{json .}}']);
      expect(info).toMatchObject({ exitCode: 1, stderr: `${down}\n` });
      expect(JSON.parse(info.stdout)).toMatchObject({ ServerVersion: '', CgroupDriver: '', ClientInfo: { Version: '28.2.2', Context: 'default' } });
      // kind's validateProvider runs that command first: "failed to get docker info", a blank line, its output.
      const k = await sim.exec('kind', ['create', 'cluster', '--name', 'd']);
      expect(k).toMatchObject({
        exitCode: 1,
        stderr: `ERROR: failed to create cluster: failed to get docker info: command "docker info --format '{{json .}}'" failed with error: exit status 1\n\nCommand Output: ${info.stdout}${down}\n`,
      });
      // A config error is reported before kind talks to Docker.
      const bad = path.join(sim.home, 'bad.yaml');
      writeFileSync(bad, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnode: []\n');
      expect((await sim.exec('kind', ['create', 'cluster', '--config', bad])).stderr).toContain('field node not found in type v1alpha4.Cluster');
      const ps = (name: string) => `command "docker ps -a --filter label=io.x-k8s.kind.cluster=${name} --format '{{.Names}}'" failed with error: exit status 1`;
      expect(await sim.exec('kind', ['delete', 'cluster', '--name', 'd'])).toMatchObject({
        exitCode: 1,
        stderr: `Deleting cluster "d" ...\nERROR: failed to delete cluster "d": error listing nodes: failed to list nodes: ${ps('d')}\n\nCommand Output: ${down}\n`,
      });
      expect(await sim.exec('kind', ['get', 'nodes', '--name', 'd'])).toMatchObject({ exitCode: 1, stderr: `ERROR: failed to list nodes: ${ps('d')}\n\nCommand Output: ${down}\n` });
    } finally {
      await sim.cleanup();
    }
  });

  it('api-slow=SECONDS: readyz fails and the node is NotReady, then both recover', async () => {
    const sim = await createSim({ faults: ['api-slow=2'] });
    try {
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'slow'])).exitCode).toBe(0);
      const base = apiBase(sim, 'slow');
      const readyz = await simFetch(`${base}/readyz`);
      expect(readyz.status).toBe(500);
      const text = await readyz.text();
      expect(text).toContain('[-]etcd failed: reason withheld\nreadyz check failed');
      const nodeReady = async () => {
        const node = (await (await simFetch(`${base}/api/v1/nodes/slow-control-plane`)).json()) as { status: { conditions: Array<{ type: string; status: string; reason: string; message: string }> } };
        return node.status.conditions.find((c) => c.type === 'Ready');
      };
      expect(await nodeReady()).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: expect.stringContaining('container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady') as unknown });
      await eventually(async () => ((await simFetch(`${base}/readyz`)).status === 200 ? true : undefined), 5000);
      expect(await nodeReady()).toMatchObject({ status: 'True' });
    } finally {
      await sim.cleanup();
    }
  });

  // Issue 18 item 23: kind prints kubeadm's combined output and nothing else (kind v0.32.0 kubeadminit/init.go wraps
  // it as "failed to init node with kubeadm", cmd/kind/app/main.go prints "ERROR: %v" and "\nCommand Output: %s");
  // kubeadm never prints the kubelet's own error, which stays in the node's journal.
  it('kind-create-fail: kubeadm init fails (the kubelet never healthy) with kubeadm\'s own words only, and nothing is left without --retain', async () => {
    const sim = await createSim({ faults: ['kind-create-fail'] });
    try {
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'wsl', '--config', sim.writeKindConfig(sim.ports())]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(' ✗ Starting control-plane 🕹️\n');
      expect(r.stderr).toContain('ERROR: failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged wsl-control-plane kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1\n\nCommand Output: ');
      const output = r.stderr.slice(r.stderr.indexOf('Command Output: ') + 'Command Output: '.length);
      // kubeadm's wait (cmd/kubeadm/app/util/apiclient/wait.go), its kubeletFailMsg, then the phase's error
      expect(output).toMatch(/\n\[kubelet-check\] The kubelet is not healthy after 4m0\.\d+s\n\nUnfortunately, an error has occurred, likely caused by:\n\t- The kubelet is not running\n/);
      expect(output).toContain("\t- 'journalctl -xeu kubelet'\n\nerror: error execution phase wait-control-plane: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned error: Get \"http://127.0.0.1:10248/healthz\": context deadline exceeded\n");
      // no line kubeadm does not print: no journal, no kubelet process lines, no cgroup error of the kubelet's
      expect(output).not.toMatch(/journal:|kubelet\[\d+\]|error adding pid|Main process exited/);
      expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toBe('');
      expect(await canConnect(sim.ports().app)).toBe(false);
      expect(existsSync(sim.env.KUBECONFIG as string)).toBe(false);
    } finally {
      await sim.cleanup();
    }
  });

  it('kind-create-fail with --retain keeps the broken node (ports held, no API) until deleted', async () => {
    const sim = await createSim({ faults: ['kind-create-fail'] });
    try {
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'kept', '--retain', '--config', sim.writeKindConfig(sim.ports())]);
      expect(r.exitCode).toBe(1);
      expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toBe('kept\n');
      expect(await canConnect(sim.ports().app)).toBe(true);
      // kubeadm's kubeconfig phase ran before the kubelet check failed: admin.conf is there, the API is not.
      const kc = await sim.exec('kind', ['get', 'kubeconfig', '--name', 'kept']);
      expect(kc.exitCode).toBe(0);
      const server = (parse(kc.stdout) as { clusters: Array<{ cluster: { server: string } }> }).clusters[0]?.cluster.server ?? '';
      expect(server).toBe(`https://127.0.0.1:${state(sim, 'kept').apiPort}`);
      await expect(tlsFetch(`${server}/version`, {}, adminCredentials(sim.home, 'kept'))).rejects.toThrow('fetch failed');
      // The retained node's kubelet journal (what kubeadm's fix, journalctl -xeu kubelet, reads) says it exited.
      const logs = path.join(sim.home, 'kept-logs');
      expect((await sim.exec('kind', ['export', 'logs', logs, '--name', 'kept'])).exitCode).toBe(0);
      const journal = readFileSync(path.join(logs, 'kept-control-plane', 'kubelet.log'), 'utf8');
      expect(journal).toMatch(/systemd\[1\]: kubelet\.service: Main process exited, code=exited, status=1\/FAILURE\n/);
      expect(journal).not.toMatch(/registered/);
      const [pid] = simNodePids(sim.home);
      expect((await sim.exec('kind', ['delete', 'cluster', '--name', 'kept'])).exitCode).toBe(0);
      expect(isAlive(pid as number)).toBe(false);
      expect(await canConnect(sim.ports().app)).toBe(false);
    } finally {
      await sim.cleanup();
    }
  });

  it('an API server whose state directory vanished exits by itself (safety net)', async () => {
    const sim = await createSim();
    try {
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'orphan'])).exitCode).toBe(0);
      const [pid] = simNodePids(sim.home);
      rmSync(path.join(sim.home, 'clusters'), { recursive: true });
      await eventually(() => Promise.resolve(isAlive(pid as number) ? undefined : true), 4000);
    } finally {
      await sim.cleanup();
    }
  });
});

describe.concurrent("the kubelet's --node-labels rule (kind passes node labels to the kubelet)", () => {
  const config = (sim: Sim, nodes: string) => {
    const file = path.join(sim.home, `labels-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n${nodes}`);
    return file;
  };
  const ALLOWED_SET = "--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set (beta.kubernetes.io/arch, beta.kubernetes.io/instance-type, beta.kubernetes.io/os, failure-domain.beta.kubernetes.io/region, failure-domain.beta.kubernetes.io/zone, kubernetes.io/arch, kubernetes.io/hostname, kubernetes.io/os, node.kubernetes.io/instance-type, topology.kubernetes.io/region, topology.kubernetes.io/zone)";

  it('a kubernetes.io label outside the allowed set: kubeadm init fails at "Starting control-plane", nothing is left', async () => {
    const sim = await createSim();
    try {
      const ports = sim.ports();
      const file = config(sim, `- role: control-plane\n  labels:\n    app.kubernetes.io/managed-by: hpa-lab\n  extraPortMappings:\n  - {containerPort: ${ports.app}, hostPort: ${ports.app}, listenAddress: 127.0.0.1}\n`);
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'lbl', '--config', file]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(' ✓ Writing configuration 📜\n • Starting control-plane 🕹️  ...\n ✗ Starting control-plane 🕹️\n');
      expect(r.stderr).toContain('ERROR: failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged lbl-control-plane kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1\n\nCommand Output: ');
      expect(r.stderr).toContain("[kubelet-check] The kubelet is not healthy after 4m0");
      expect(r.stderr).toMatch(/^error: error execution phase wait-control-plane: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http:\/\/127\.0\.0\.1:10248\/healthz' returned error: .*context deadline exceeded$/m);
      // kubeadm never shows the kubelet's own error (that is in its journal, see the --retain test).
      expect(r.stderr).not.toContain('--node-labels');
      expect(r.stderr).not.toContain('Set kubectl context');
      expect((await sim.exec('kind', ['get', 'clusters'])).stderr).toBe('No kind clusters found.\n');
      expect(simNodePids(sim.home)).toEqual([]);
      expect(await canConnect(ports.app)).toBe(false);
      expect(existsSync(sim.env.KUBECONFIG as string)).toBe(false);
    } finally {
      await sim.cleanup();
    }
  });

  it('with --retain the node stays; its kubelet journal (kind export logs) has the kubelet\'s error', async () => {
    const sim = await createSim();
    try {
      const file = config(sim, `- role: control-plane\n  labels:\n    node-role.kubernetes.io/control-plane: ""\n    app.kubernetes.io/part-of: testing\n    k8s.io/x: y\n`);
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'kept', '--retain', '--config', file])).exitCode).toBe(1);
      expect((await sim.exec('kind', ['get', 'nodes', '--name', 'kept'])).stdout).toBe('kept-control-plane\n');
      const dir = path.join(sim.home, 'logs');
      expect((await sim.exec('kind', ['export', 'logs', dir, '--name', 'kept'])).exitCode).toBe(0);
      const journal = readFileSync(path.join(dir, 'kept-control-plane', 'kubelet.log'), 'utf8');
      expect(journal).toContain(' run.go:72] "command failed" err=<\n');
      expect(journal).toContain(`\tfailed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [app.kubernetes.io/part-of k8s.io/x node-role.kubernetes.io/control-plane]\n`);
      expect(journal).toContain(`\t${ALLOWED_SET}\n`);
      expect(journal).toContain("kubelet.service: Failed with result 'exit-code'.");
      expect((await sim.exec('kind', ['delete', 'cluster', '--name', 'kept'])).exitCode).toBe(0);
      expect(simNodePids(sim.home)).toEqual([]);
    } finally {
      await sim.cleanup();
    }
  });

  it('allowed kubelet labels and labels with a prefix of your own start fine and label the Node', async () => {
    const sim = await createSim();
    try {
      const file = config(sim, `- role: control-plane\n  labels:\n    node.kubernetes.io/instance-type: sim\n    kubernetes.io/os: linux\n    topology.kubernetes.io/zone: a\n    kubelet.kubernetes.io/x: "1"\n    team.node.kubernetes.io/y: "2"\n    hpa-lab/managed-by: hpa-lab\n    plain: label\n`);
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'ok', '--config', file]);
      expect(r.exitCode, r.stderr).toBe(0);
      const node = (await (await simFetch(`${apiBase(sim, 'ok')}/api/v1/nodes/ok-control-plane`)).json()) as { metadata: { labels: Record<string, string> } };
      expect(node.metadata.labels).toMatchObject({ 'node.kubernetes.io/instance-type': 'sim', 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': 'a', 'kubelet.kubernetes.io/x': '1', 'team.node.kubernetes.io/y': '2', 'hpa-lab/managed-by': 'hpa-lab', plain: 'label' });
    } finally {
      await sim.cleanup();
    }
  });

  it("a worker's refused label fails \"Joining worker nodes\" (kubeadm join); an invalid label value is refused too", async () => {
    const sim = await createSim();
    try {
      const worker = config(sim, `- role: control-plane\n- role: worker\n  labels:\n    node-role.kubernetes.io/worker: ""\n`);
      const r = await sim.exec('kind', ['create', 'cluster', '--name', 'wk', '--config', worker]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(' ✓ Starting control-plane 🕹️\n');
      expect(r.stderr).toContain(' ✗ Joining worker nodes 🚜\n');
      expect(r.stderr).toContain('ERROR: failed to create cluster: failed to join node with kubeadm: command "docker exec --privileged wk-worker kubeadm join --config /kind/kubeadm.conf --v=6" failed with error: exit status 1\n\nCommand Output: ');
      expect(r.stderr).toMatch(/^error: error execution phase kubelet-start: failed while waiting for the kubelet to start: /m);
      expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toBe('');

      const value = config(sim, `- role: control-plane\n  labels:\n    hpa-lab/owner: "hpa lab"\n`);
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'val', '--retain', '--config', value])).exitCode).toBe(1);
      const dir = path.join(sim.home, 'logs-val');
      await sim.exec('kind', ['export', 'logs', dir, '--name', 'val']);
      expect(readFileSync(path.join(dir, 'val-control-plane', 'kubelet.log'), 'utf8')).toContain("failed to validate kubelet flags: invalid node labels: 'hpa lab' - a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n");
    } finally {
      await sim.cleanup();
    }
  });
});

describe('images', () => {
  it('docker build records a content-addressed image that kind can load', async () => {
    const sim = await createSim();
    try {
      const ctx = path.join(sim.home, 'app');
      mkdirSync(ctx);
      writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM node:24-alpine\nCOPY server.js .\n');
      writeFileSync(path.join(ctx, 'server.js'), 'console.log(1)\n');
      const b = await sim.exec('docker', ['build', '-t', 'hpa-lab-app:dev', '--label', 'a=b', ctx]);
      expect(b.exitCode, b.stderr).toBe(0);
      expect(b.stderr).toContain('naming to docker.io/library/hpa-lab-app:dev done');
      const id = (await sim.exec('docker', ['image', 'inspect', 'hpa-lab-app:dev', '--format', '{{.Id}}'])).stdout.trim();
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await sim.exec('docker', ['image', 'inspect', 'nope:dev'])).toMatchObject({ exitCode: 1, stderr: 'Error response from daemon: No such image: nope:dev\n' });
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'img'])).exitCode).toBe(0);
      const load = await sim.exec('kind', ['load', 'docker-image', 'hpa-lab-app:dev', '--name', 'img']);
      expect(load).toMatchObject({ exitCode: 0, stderr: `Image: "hpa-lab-app:dev" with ID "${id}" not yet present on node "img-control-plane", loading...\n` });
      expect(state(sim, 'img').images).toEqual([{ name: 'hpa-lab-app:dev', id }]);
      expect(await sim.exec('kind', ['load', 'docker-image', 'ghost:1', '--name', 'img'])).toMatchObject({ exitCode: 1, stderr: 'ERROR: image: "ghost:1" not present locally\n' });
    } finally {
      await sim.cleanup();
    }
  });

  // How kind itself asks a node for an image (kind v0.32.0 pkg/cluster/nodeutils/util.go ImageID: `crictl inspecti
  // IMAGE` in the node), answered as crictl v1.36.0 does (cmd/crictl/image.go: a missing image is
  // `no such image "X" present`, through logrus.Fatal: exit 1).
  const crictlMissing = (ref: string) => new RegExp(`^time="\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(Z|[+-]\\d\\d:\\d\\d)" level=fatal msg="no such image \\\\"${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\\\" present"\\n$`);
  const build = async (sim: Sim, tag: string) => {
    const ctx = path.join(sim.home, 'app');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM node:24-alpine\nCOPY server.js .\n');
    writeFileSync(path.join(ctx, 'server.js'), 'console.log(1)\n');
    expect((await sim.exec('docker', ['build', '-t', tag, ctx])).exitCode).toBe(0);
    return (await sim.exec('docker', ['image', 'inspect', tag, '--format', '{{.Id}}'])).stdout.trim();
  };

  it('docker exec NODE crictl inspecti IMAGE: the node’s image status (JSON), or crictl’s fatal "no such image" (exit 1)', async () => {
    const sim = await createSim();
    try {
      const id = await build(sim, 'hpa-lab/app:c1');
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'cri'])).exitCode).toBe(0);
      const before = await sim.exec('docker', ['exec', 'cri-control-plane', 'crictl', 'inspecti', 'hpa-lab/app:c1']);
      expect(before.exitCode).toBe(1);
      expect(before.stdout).toBe('');
      expect(before.stderr).toMatch(crictlMissing('hpa-lab/app:c1'));
      expect((await sim.exec('kind', ['load', 'docker-image', 'hpa-lab/app:c1', '--name', 'cri'])).exitCode).toBe(0);
      for (const ref of ['hpa-lab/app:c1', 'docker.io/hpa-lab/app:c1']) {
        const after = await sim.exec('docker', ['exec', 'cri-control-plane', 'crictl', 'inspecti', ref]);
        expect(after.exitCode, after.stderr).toBe(0);
        // what kind reads from it: status.id and status.repoTags
        expect(JSON.parse(after.stdout)).toMatchObject({ status: { id, repoTags: ['docker.io/hpa-lab/app:c1'] } });
      }
      // a preloaded image of the node image
      expect((await sim.exec('docker', ['exec', 'cri-control-plane', 'crictl', 'inspecti', 'registry.k8s.io/pause:3.10'])).exitCode).toBe(0);
      // several: crictl stops at the first it lacks
      const two = await sim.exec('docker', ['exec', 'cri-control-plane', 'crictl', 'inspecti', 'hpa-lab/app:c1', 'ghost:1']);
      expect(two).toMatchObject({ exitCode: 1, stdout: '' });
      expect(two.stderr).toMatch(crictlMissing('ghost:1'));
    } finally {
      await sim.cleanup();
    }
  });

  it('node-image-lost: kind load exits 0, but the last node it loads into does not list the image (crictl, the kubelet)', async () => {
    const sim = await createSim({ faults: ['node-image-lost'] });
    try {
      await build(sim, 'hpa-lab/app:c2');
      const cfg = path.join(sim.home, 'two.yaml');
      writeFileSync(cfg, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n');
      expect((await sim.exec('kind', ['create', 'cluster', '--name', 'lost', '--config', cfg])).exitCode).toBe(0);
      expect((await sim.exec('kind', ['load', 'docker-image', 'hpa-lab/app:c2', '--name', 'lost'])).exitCode).toBe(0);
      expect((await sim.exec('docker', ['exec', 'lost-control-plane', 'crictl', 'inspecti', 'hpa-lab/app:c2'])).exitCode).toBe(0);
      const worker = await sim.exec('docker', ['exec', 'lost-worker', 'crictl', 'inspecti', 'hpa-lab/app:c2']);
      expect(worker.exitCode).toBe(1);
      expect(worker.stderr).toMatch(crictlMissing('hpa-lab/app:c2'));
      // the kubelet's report agrees: the worker's status.images does not name it, the control plane's does
      const api = clusterApi(sim.home, 'lost');
      const names = async (node: string) => (((await (await api.fetch(`/api/v1/nodes/${node}`)).json()) as { status?: { images?: Array<{ names?: string[] }> } }).status?.images ?? []).flatMap((i) => i.names ?? []);
      expect(await names('lost-control-plane')).toContain('docker.io/hpa-lab/app:c2');
      expect(await names('lost-worker')).not.toContain('docker.io/hpa-lab/app:c2');
      // kind's own check (crictl inspecti per node) finds the worker without it and loads it there again
      const again = await sim.exec('kind', ['load', 'docker-image', 'hpa-lab/app:c2', '--name', 'lost']);
      expect(again.stderr).toMatch(/not yet present on node "lost-worker", loading\.\.\./);
      expect(again.stderr).not.toMatch(/lost-control-plane/);
    } finally {
      await sim.cleanup();
    }
  });
});

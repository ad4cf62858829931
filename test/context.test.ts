// --context's pieces on their own: chart kubeVersion constraints, the one-context private kubeconfig, the
// confirmation, and the simulated RBAC authorizer's answers (test/sim/lib/rbac.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { satisfies } from '../scripts/lib/kube/version.ts';
import { deniedPermissions, forwardNeeds, kubeVersionCheck, needLabel } from '../scripts/lib/context/access.ts';
import type { Kube } from '../scripts/lib/kube/api.ts';
import { resolveContext } from '../scripts/lib/context/resolve.ts';
import { confirm } from '../scripts/lib/context/on-context.ts';
import { InputError } from '../scripts/lib/errors.ts';
import type { Lab } from '../scripts/lib/lab.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { loadStack } from '../scripts/lib/stack/stack-file.ts';
import { authorizeRbac, selfSubjectAccessReview, type Attributes, type RbacObjects } from './sim/lib/rbac.ts';

describe('a chart’s kubeVersion against the cluster’s version (Masterminds semver constraints, as Helm reads them)', () => {
  it.each([
    ['v1.36.1', '>=1.25.0-0', true],
    ['v1.24.9', '>=1.25.0-0', false],
    ['v1.30.2-eks-4a1b2c', '>=1.25.0-0', true],
    ['v1.29.1+k3s1', '>=1.19.0-0 <1.30.0-0', true],
    ['v1.30.0', '>=1.19.0-0 <1.30.0-0', false],
    ['v1.30.5', '~1.30', true],
    ['v1.31.0', '~1.30', false],
    ['v1.27.3', '<1.20 || >=1.27', true],
    ['v1.22.0', '<1.20 || >=1.27', false],
    ['v1.28.4', '1.26 - 1.28', true],
    ['v1.28.4', '>= 1.25, < 1.29', true],
    ['v1.33.0', '1.33.x', true],
  ])('%s against "%s": %s', (version, constraint, want) => {
    expect(satisfies(version, constraint)).toBe(want);
  });

  it('an unreadable constraint or version is undefined (a warning, Helm checks it itself), never a pass', () => {
    expect(satisfies('v1.36.1', '>=banana')).toBeUndefined();
    expect(satisfies('devel', '>=1.25.0-0')).toBeUndefined();
    expect(kubeVersionCheck('c', '1.0.0', '>=banana', 'v1.36.1').level).toBe('warn');
  });

  it('a failing constraint names the chart, its constraint and the cluster’s version', () => {
    const c = kubeVersionCheck('kube-prometheus-stack', '88.5.3', '>=1.25.0-0', 'v1.24.9');
    expect(c).toMatchObject({ level: 'fail', summary: 'kube-prometheus-stack 88.5.3 needs Kubernetes >=1.25.0-0; the cluster runs v1.24.9' });
    expect(kubeVersionCheck('metrics-server', '3.13.1', undefined, 'v1.36.1').level).toBe('ok');
  });

  it('a permission reads as verb, resource.group and scope', () => {
    expect(needLabel({ verb: 'create', group: 'apiregistration.k8s.io', resource: 'apiservices', namespace: '', why: 'x' })).toBe('create apiservices.apiregistration.k8s.io (cluster-scoped)');
    expect(needLabel({ verb: 'patch', group: '', resource: 'services', namespace: 'kube-system', why: 'x' })).toBe('patch services in namespace kube-system');
  });
});

describe('resolveContext: one context of the user’s kubeconfig, self-contained', () => {
  const saved = process.env.KUBECONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  function kubeconfig(): { file: string; dir: string } {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-ctx-'));
    writeFileSync(path.join(dir, 'ca.crt'), 'CA-PEM');
    writeFileSync(path.join(dir, 'client.crt'), 'CERT-PEM');
    writeFileSync(path.join(dir, 'client.key'), 'KEY-PEM');
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: team
  cluster: {server: 'https://team.example:6443', certificate-authority: ${path.join(dir, 'ca.crt')}}
- name: other
  cluster: {server: 'https://other.example:6443'}
users:
- name: me
  user: {client-certificate: ${path.join(dir, 'client.crt')}, client-key: ${path.join(dir, 'client.key')}}
- name: other
  user: {token: secret-other}
contexts:
- name: team
  context: {cluster: team, user: me, namespace: apps}
- name: other
  context: {cluster: other, user: other}
`,
    );
    return { file, dir };
  }

  it('keeps exactly that context, its cluster and user, with every file inlined; the current context does not matter', async () => {
    process.env.KUBECONFIG = kubeconfig().file;
    const t = await resolveContext('team');
    expect(t).toMatchObject({ context: 'team', server: 'https://team.example:6443' });
    const doc = parse(t.kubeconfig) as { clusters: Array<{ name: string; cluster: Record<string, string> }>; users: Array<{ user: Record<string, string> }>; contexts: Array<{ name: string }>; 'current-context': string };
    expect(doc.clusters.map((c) => c.name)).toEqual(['team']);
    expect(doc.contexts.map((c) => c.name)).toEqual(['team']);
    expect(doc['current-context']).toBe('team');
    expect(doc.clusters[0]?.cluster['certificate-authority-data']).toBe(Buffer.from('CA-PEM').toString('base64'));
    expect(doc.users[0]?.user['client-certificate-data']).toBe(Buffer.from('CERT-PEM').toString('base64'));
    expect(doc.users[0]?.user['client-key-data']).toBe(Buffer.from('KEY-PEM').toString('base64'));
    expect(t.kubeconfig).not.toContain('secret-other');
  });

  it('no kubeconfig at all is exit 2 saying so (not client-node’s localhost fallback)', async () => {
    process.env.KUBECONFIG = path.join(os.tmpdir(), 'hpa-lab-no-such-kubeconfig');
    const err = await resolveContext('team').catch((e: unknown) => e);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toBe(`--context team: there is no kubeconfig to find it in (${process.env.KUBECONFIG} does not exist)`);
  });

  it('a KUBECONFIG list with a file that does not exist: skipped, as kubectl skips it (issue 18 item 21)', async () => {
    const { file } = kubeconfig();
    process.env.KUBECONFIG = [path.join(os.tmpdir(), 'hpa-lab-no-such-kubeconfig'), file].join(path.delimiter);
    const t = await resolveContext('team');
    expect(t).toMatchObject({ context: 'team', server: 'https://team.example:6443' });
    // Two files naming the same context: the first wins, as in kubectl.
    const second = kubeconfig().file;
    writeFileSync(second, readFileSync(second, 'utf8').replace('https://team.example:6443', 'https://elsewhere.example:6443'));
    process.env.KUBECONFIG = [file, second].join(path.delimiter);
    expect((await resolveContext('team')).server).toBe('https://team.example:6443');
  });

  it('a server that is not a URL is bad input (exit 2), naming the cluster, the value and the fix', async () => {
    const { file } = kubeconfig();
    writeFileSync(file, readFileSync(file, 'utf8').replace("server: 'https://team.example:6443'", "server: 'team.example:6443'"));
    process.env.KUBECONFIG = file;
    const err = await resolveContext('team').catch((e: unknown) => e);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toBe('--context team: its cluster "team" has server "team.example:6443", which is not a URL: expected https://HOST:PORT');
  });

  it('an unknown context is exit 2, naming it, the file and the contexts that exist', async () => {
    const { file } = kubeconfig();
    process.env.KUBECONFIG = file;
    const err = await resolveContext('tema').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toBe(`--context tema: no such context in ${file}`);
    expect((err as InputError).details).toEqual(['contexts there: team, other']);
  });
});

describe('confirm: --yes, a terminal’s y, or exit 2', () => {
  const lab = { target: { context: 'team', server: 'https://team.example:6443', kubeconfig: '' } } as unknown as Lab;
  const tty = (answer: string) => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.isTTY = true;
    setImmediate(() => s.write(`${answer}\n`));
    return s as unknown as NodeJS.ReadStream;
  };

  it('--yes asks nothing, even without a terminal', async () => {
    const notty = new PassThrough() as unknown as NodeJS.ReadStream;
    await expect(confirm(lab, 'Install?', true, notty)).resolves.toBeUndefined();
  });

  it('without a terminal and without --yes: refused, exit 2', async () => {
    const err = await confirm(lab, 'Install?', false, new PassThrough() as unknown as NodeJS.ReadStream).catch((e: unknown) => e);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(/there is no terminal to ask on, and --yes was not given/);
  });

  it('on a terminal: y goes on, anything else is refused (exit 2)', async () => {
    await expect(confirm(lab, 'Install?', false, tty('y'))).resolves.toBeUndefined();
    const err = await confirm(lab, 'Install?', false, tty('no')).catch((e: unknown) => e);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(/not confirmed \(answered "no"\)/);
  });
});

describe('the simulated RBAC authorizer answers as kube-apiserver’s does', () => {
  const objects = (over: Partial<RbacObjects> = {}): RbacObjects => ({ clusterRoles: () => [], clusterRoleBindings: () => [], roles: () => [], roleBindings: () => [], ...over });
  const dev = { name: 'dev', groups: ['devs', 'system:authenticated'] };
  const attrs = (a: Partial<Attributes>): Attributes => ({ user: dev, verb: 'get', resourceRequest: true, group: '', resource: 'pods', subresource: '', namespace: 'apps', name: '', path: '', ...a });

  it('kubeadm’s admin group is cluster-admin; everyone authenticated may review its own access and read discovery; nothing else', () => {
    const admin = { name: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
    expect(authorizeRbac(objects(), attrs({ user: admin, verb: 'create', group: 'apiregistration.k8s.io', resource: 'apiservices', namespace: '' }))).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"' });
    expect(authorizeRbac(objects(), attrs({ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '' })).allowed).toBe(true);
    expect(authorizeRbac(objects(), attrs({ resourceRequest: false, path: '/apis/apps/v1' })).allowed).toBe(true);
    expect(authorizeRbac(objects(), attrs({}))).toEqual({ allowed: false, reason: '' });
  });

  it('a RoleBinding grants only in its namespace; resourceNames and subresources must match', () => {
    const o = objects({
      clusterRoles: () => [{ metadata: { name: 'view-pods' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }] }],
      roles: (ns) => (ns === 'apps' ? [{ metadata: { name: 'one-cm', namespace: 'apps' }, rules: [{ verbs: ['patch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['lab-notes'] }] }] : []),
      roleBindings: (ns) =>
        ns === 'apps'
          ? [
              { kind: 'RoleBinding', metadata: { name: 'devs-view', namespace: 'apps' }, subjects: [{ kind: 'Group', name: 'devs' }], roleRef: { kind: 'ClusterRole', name: 'view-pods' } },
              { kind: 'RoleBinding', metadata: { name: 'dev-cm', namespace: 'apps' }, subjects: [{ kind: 'User', name: 'dev' }], roleRef: { kind: 'Role', name: 'one-cm' } },
            ]
          : [],
    });
    expect(authorizeRbac(o, attrs({})).reason).toBe('RBAC: allowed by RoleBinding "devs-view/apps" of ClusterRole "view-pods" to Group "devs"');
    expect(authorizeRbac(o, attrs({ namespace: 'other' })).allowed).toBe(false);
    expect(authorizeRbac(o, attrs({ subresource: 'log', name: 'p' })).allowed).toBe(true);
    expect(authorizeRbac(o, attrs({ subresource: 'exec', name: 'p' })).allowed).toBe(false);
    expect(authorizeRbac(o, attrs({ verb: 'patch', resource: 'configmaps', name: 'lab-notes' })).allowed).toBe(true);
    expect(authorizeRbac(o, attrs({ verb: 'patch', resource: 'configmaps', name: 'theirs' })).allowed).toBe(false);
  });

  it('SelfSubjectAccessReview: 201 with the decision; both or neither attribute set is 422 Invalid', () => {
    const r = selfSubjectAccessReview(objects(), dev, { spec: { resourceAttributes: { verb: 'create', group: 'apiregistration.k8s.io', resource: 'apiservices' } } });
    expect(r.status).toBe(201);
    expect((r.body as { status: unknown }).status).toEqual({ allowed: false });
    expect(selfSubjectAccessReview(objects(), dev, { spec: {} }).status).toBe(422);
    expect(selfSubjectAccessReview(objects(), dev, { spec: { resourceAttributes: {}, nonResourceAttributes: { path: '/x', verb: 'get' } } }).status).toBe(422);
  });
});

// Issue 18 item 8: since Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission, beta, on by default) a
// port-forward over WebSocket needs `create` on pods/portforward too; the permission review asks for it.
describe('the port-forwards’ permissions are reviewed, subresource included', () => {
  const dev = { name: 'dev', groups: ['devs', 'system:authenticated'] };
  /** A Kube whose only call here, the SelfSubjectAccessReview POST, is answered by the simulated RBAC authorizer. */
  const reviewer = (rules: Array<{ verbs: string[]; apiGroups: string[]; resources: string[] }>): Kube => {
    const objects: RbacObjects = {
      clusterRoles: () => [{ metadata: { name: 'dev' }, rules }],
      clusterRoleBindings: () => [{ kind: 'ClusterRoleBinding', metadata: { name: 'dev' }, subjects: [{ kind: 'User', name: 'dev' }], roleRef: { kind: 'ClusterRole', name: 'dev' } }],
      roles: () => [],
      roleBindings: () => [],
    };
    return {
      send: (_method: string, _path: string, body?: unknown) => {
        const r = selfSubjectAccessReview(objects, dev, body);
        return Promise.resolve({ status: r.status, body: JSON.stringify(r.body) });
      },
    } as unknown as Kube;
  };
  const needs = forwardNeeds([
    { namespace: 'default', name: 'test-prometheus' },
    { namespace: 'prometheus', name: 'prometheus-kube-prometheus-prometheus' },
  ]);

  it('asks, per namespace, to read the Service, list its pods, and get and create pods/portforward', () => {
    expect(needs.filter((n) => n.namespace === 'default').map(needLabel)).toEqual(['get services in namespace default', 'list pods in namespace default', 'get pods/portforward in namespace default', 'create pods/portforward in namespace default']);
    expect(needs.filter((n) => n.namespace === 'prometheus')).toHaveLength(4);
  });

  it('a user who may only `get` pods/portforward (enough before 1.35) is refused, naming create pods/portforward where each forward goes', async () => {
    const before135 = reviewer([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services', 'pods', 'pods/portforward'] }]);
    const denied = await deniedPermissions(before135, needs);
    expect(denied.map(needLabel)).toEqual(['create pods/portforward in namespace default', 'create pods/portforward in namespace prometheus']);
    expect(denied[0]?.why).toContain('Service default/test-prometheus');
    const granted = reviewer([{ verbs: ['get', 'list', 'create'], apiGroups: [''], resources: ['services', 'pods', 'pods/portforward'] }]);
    expect(await deniedPermissions(granted, needs)).toEqual([]);
  });
});

describe('a stack’s `existing:` (what an existing cluster may already have) is checked like every other field', () => {
  const write = (existing: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-existing-'));
    const file = path.join(dir, 'stack.yaml');
    writeFileSync(
      file,
      `apiVersion: hpa-lab/v1alpha1\nkind: Stack\nname: t\ncomponents:\n  - name: metrics-server\n    needs: [cluster]\n    helm: {release: metrics-server, namespace: kube-system, chart: metrics-server, repo: 'https://kubernetes-sigs.github.io/metrics-server/', version: 3.13.1, values: charts-values/metrics-server.yaml}\n    existing:\n${existing}`,
    );
    return file;
  };

  it('reads reuseApiService and conflicts', () => {
    const s = loadStack(REPO_ROOT, write('      reuseApiService: v1beta1.metrics.k8s.io\n      conflicts:\n        crds: [prometheuses.monitoring.coreos.com]\n'));
    expect(s.components[0]?.existing).toEqual({ reuseApiService: 'v1beta1.metrics.k8s.io', conflicts: { apiServices: [], crds: ['prometheuses.monitoring.coreos.com'] } });
  });

  it('reads reuseOptIn and reusePrometheus, whose settings must exist and whose facts are known', () => {
    const withSettings = (existing: string) => {
      const f = write(existing);
      writeFileSync(f, readFileSync(f, 'utf8').replace('name: t\n', 'name: t\nsettings:\n  p: { url: "", ns: x }\n  optIn: false\ntypes:\n  p.url: service-url\n  p.ns: namespace\n  optIn: boolean\n'));
      return f;
    };
    const ok = loadStack(REPO_ROOT, withSettings('      reuseApiService: v1beta1.metrics.k8s.io\n      reuseOptIn: optIn\n      reusePrometheus: { setting: p.url, fills: { p.ns: namespace } }\n'));
    expect(ok.components[0]?.existing).toEqual({ reuseApiService: 'v1beta1.metrics.k8s.io', reuseOptIn: 'optIn', reusePrometheus: { setting: 'p.url', fills: { 'p.ns': 'namespace' } }, conflicts: { apiServices: [], crds: [] } });
    const noSetting = withSettings('      reusePrometheus: { setting: p.nope }\n');
    expect(() => loadStack(REPO_ROOT, noSetting)).toThrow(`${noSetting}: components[0].existing.reusePrometheus.setting: expected a setting (a path under settings that holds a value), got "p.nope"`);
    const badFact = withSettings('      reusePrometheus: { setting: p.url, fills: { p.ns: colour } }\n');
    expect(() => loadStack(REPO_ROOT, badFact)).toThrow(`${badFact}: components[0].existing.reusePrometheus.fills.p.ns: expected one of namespace, service, port, resource, got "colour"`);
    const lonely = withSettings('      reuseOptIn: optIn\n');
    expect(() => loadStack(REPO_ROOT, lonely)).toThrow(`${lonely}: components[0].existing.reuseOptIn: expected reuseApiService beside it`);
  });

  it('an unknown field or a wrong type names the file, the field and what was expected (exit 2)', () => {
    const unknown = write('      reuse: v1beta1.metrics.k8s.io\n');
    expect(() => loadStack(REPO_ROOT, unknown)).toThrow(`${unknown}: components[0].existing.reuse: unknown field`);
    const wrong = write('      conflicts:\n        apiServices: v1beta1.custom.metrics.k8s.io\n');
    expect(() => loadStack(REPO_ROOT, wrong)).toThrow(`${wrong}: components[0].existing.conflicts.apiServices: expected a list of strings, got "v1beta1.custom.metrics.k8s.io"`);
  });

  it('the project’s stacks reuse a foreign metrics API and name their conflicts', () => {
    const cm = loadStack(REPO_ROOT, 'custom-metrics');
    const by = (n: string) => cm.components.find((c) => c.name === n)?.existing;
    expect(by('metrics-server')?.reuseApiService).toBe('v1beta1.metrics.k8s.io');
    expect(by('kube-prometheus-stack')?.conflicts.crds).toContain('prometheuses.monitoring.coreos.com');
    // someone else's adapter: reused only on the opt-in; the external metrics API is no conflict (the lab's values render none)
    expect(by('prometheus-adapter')).toEqual({ reuseApiService: 'v1beta1.custom.metrics.k8s.io', reuseOptIn: 'adapter.existing', conflicts: { apiServices: [], crds: [] } });
    expect(by('kube-prometheus-stack')?.reusePrometheus).toEqual({ setting: 'prometheus.existing', fills: { 'prometheus.namespace': 'namespace', 'prometheus.service': 'service', 'prometheus.port': 'port', 'prometheus.resource': 'resource' } });
    expect(loadStack(REPO_ROOT, 'keda').components.find((c) => c.name === 'kube-prometheus-stack')?.existing?.reusePrometheus?.setting).toBe('prometheus.existing');
    expect(loadStack(REPO_ROOT, 'keda').components.find((c) => c.name === 'keda')?.existing?.conflicts.apiServices).toEqual(['v1beta1.external.metrics.k8s.io']);
  });
});

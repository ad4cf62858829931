// The simulated kubelet and API server admission (test/sim/lib/{kubelet,workloads,strategies,registries}.ts)
// against a simulated cluster, through the real kubectl: what a real kind node does with a pod whose Secret or
// ConfigMap is missing (volumes: ContainerCreating + FailedMount; env: CreateContainerConfigError), with a
// ServiceAccount that does not exist (403 from the ServiceAccount admission plugin; FailedCreate and
// ReplicaFailure on the controllers' objects), and with an image no registry has (ErrImagePull, then
// ImagePullBackOff) — each with the real wording, each recovering once the missing thing exists.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from './helpers/sim.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';
import { parseImageRef, registryImages, resolveImage } from './sim/lib/registries.ts';
import { eventually as waitUntil } from './helpers/eventually.ts';

type Obj = Record<string, unknown>;
interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  state: { waiting?: { reason: string; message?: string }; running?: Obj };
}
interface Pod {
  metadata: Meta & { labels?: Record<string, string> };
  spec: { volumes?: Obj[]; containers: Array<{ name: string; volumeMounts?: Obj[] }>; serviceAccountName?: string };
  status: { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}
interface KEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  source: { component: string };
  involvedObject: { kind: string; name: string; fieldPath?: string };
}

const CLUSTER = 'kubelet';

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => waitUntil(what, fn, timeoutMs, 200);

const cond = (p: { status?: { conditions?: Condition[] } } | undefined, type: string) => (p?.status?.conditions ?? []).find((c) => c.type === type);
const waitingOf = (p: Pod | undefined, container?: string) => (p?.status.containerStatuses ?? []).find((c) => !container || c.name === container)?.state.waiting;

describe.skipIf(!requireKubectl())(`the simulated kubelet and admission, seen through kubectl${KUBECTL_REASON}`, () => {
  let sim: Sim;
  let files = 0;
  const k = (...args: string[]) => sim.exec('kubectl', ['--context', `kind-${CLUSTER}`, ...args]);

  /** kubectl apply of objects (written to a file: the harness gives commands no stdin). */
  async function apply(...objects: Obj[]) {
    const file = path.join(sim.home, `objects-${++files}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const r = await k('apply', '-f', file);
    return { ...r, file };
  }
  async function getJson<T>(...args: string[]): Promise<T> {
    const r = await k('get', ...args, '-o', 'json');
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as T;
  }
  const pod = (ns: string, name: string) => getJson<Pod>('pod', name, '-n', ns);
  async function events(ns: string, name: string): Promise<KEvent[]> {
    return (await getJson<{ items: KEvent[] }>('events', '-n', ns, '--field-selector', `involvedObject.name=${name}`)).items;
  }
  const find = (list: KEvent[], reason: string, message: string) => list.find((e) => e.reason === reason && e.message === message);
  const ns = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const bare = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { app: name } }, spec });
  const secret = (namespace: string, name: string, data: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: Object.fromEntries(Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')])) });
  const configMap = (namespace: string, name: string, data: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
  /** A container of an image kind's node has preloaded (no pull involved). */
  const PAUSE = 'registry.k8s.io/pause:3.10';

  async function running(namespace: string, name: string, timeoutMs = 40_000): Promise<Pod> {
    return eventually(`pod ${namespace}/${name} Running and Ready`, async () => {
      const p = await pod(namespace, name);
      return p.status.phase === 'Running' && cond(p, 'Ready')?.status === 'True' ? p : undefined;
    }, timeoutMs);
  }

  beforeAll(async () => {
    sim = await createSim();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER]);
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(() => sim.cleanup());

  it('a secret volume whose Secret does not exist: ContainerCreating with FailedMount, retried with back-off; starts once the Secret exists', async () => {
    const r = await apply(
      ns('vol'),
      bare('vol', 'needs-secret', { containers: [{ name: 'app', image: PAUSE, volumeMounts: [{ name: 'creds', mountPath: '/creds', readOnly: true }] }], volumes: [{ name: 'creds', secret: { secretName: 'app-creds' } }] }),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const message = 'MountVolume.SetUp failed for volume "creds" : secret "app-creds" not found';
    const failed = await eventually('FailedMount seen 3 times', async () => {
      const e = find(await events('vol', 'needs-secret'), 'FailedMount', message);
      return e && e.count >= 3 ? e : undefined;
    });
    expect(failed).toMatchObject({ type: 'Warning', source: { component: 'kubelet' }, involvedObject: { kind: 'Pod', name: 'needs-secret' } });
    expect(failed.involvedObject.fieldPath).toBeUndefined();
    const p = await pod('vol', 'needs-secret');
    expect(p.status.phase).toBe('Pending');
    expect(waitingOf(p)).toEqual({ reason: 'ContainerCreating' });
    expect(cond(p, 'PodReadyToStartContainers')?.status).toBe('False');
    expect(p.status.podIP).toBeUndefined(); // no sandbox before the volumes are mounted
    // The volume manager's back-off (500 ms doubling): not a flood.
    const age = (Date.now() - Date.parse(p.metadata.creationTimestamp ?? '')) / 1000;
    expect(failed.count).toBeLessThanOrEqual(3 + Math.ceil(Math.log2(age / 0.5 + 1)));

    expect((await k('get', 'pods', '-n', 'vol')).stdout).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE\nneeds-secret +0\/1 +ContainerCreating +0 +/);
    const described = (await k('describe', 'pod', 'needs-secret', '-n', 'vol')).stdout;
    expect(described).toMatch(/Status: +Pending/);
    expect(described).toMatch(/State: +Waiting\n +Reason: +ContainerCreating/);
    expect(described).toMatch(/Warning +FailedMount +\S+ \(x\d+ over \S+\) +kubelet +(?:\S+: )?MountVolume\.SetUp failed for volume "creds" : secret "app-creds" not found/);

    expect((await apply(secret('vol', 'app-creds', { token: 's3cret' }))).exitCode).toBe(0);
    const started = await running('vol', 'needs-secret');
    expect(started.status.podIP).toMatch(/^10\.244\.0\.\d+$/);
    expect(cond(started, 'PodReadyToStartContainers')?.status).toBe('True');
    expect(find(await events('vol', 'needs-secret'), 'Started', 'Started container app')).toBeDefined();
  });

  it('configMap and projected volumes: the plugins\' messages, optional sources never block, missing keys count as missing', async () => {
    const r = await apply(
      bare('vol', 'needs-config', {
        containers: [{ name: 'app', image: PAUSE }],
        volumes: [
          { name: 'settings', configMap: { name: 'app-settings' } },
          { name: 'extra', configMap: { name: 'nowhere', optional: true } },
          { name: 'bundle', projected: { sources: [{ secret: { name: 'bundle-secret' } }, { configMap: { name: 'bundle-config' } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
          { name: 'keyed', secret: { secretName: 'keyed', items: [{ key: 'tls.crt', path: 'cert' }] } },
        ],
      }),
      secret('vol', 'keyed', { 'ca.crt': 'x' }),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const expected = [
      'MountVolume.SetUp failed for volume "settings" : configmap "app-settings" not found',
      'MountVolume.SetUp failed for volume "bundle" : [secret "bundle-secret" not found, configmap "bundle-config" not found]',
      'MountVolume.SetUp failed for volume "keyed" : references non-existent secret key: tls.crt',
    ];
    const seen = await eventually('FailedMount for each volume that cannot be set up', async () => {
      const list = (await events('vol', 'needs-config')).filter((e) => e.reason === 'FailedMount');
      return expected.every((m) => list.some((e) => e.message === m)) ? list : undefined;
    });
    expect(seen.map((e) => e.message).sort()).toEqual([...expected].sort()); // nothing for the optional one
    expect(waitingOf(await pod('vol', 'needs-config'))?.reason).toBe('ContainerCreating');

    // One source of the projected volume appears: the other is still reported, alone.
    expect((await apply(secret('vol', 'bundle-secret', { a: 'b' }), configMap('vol', 'app-settings', { 'app.conf': 'x=1' }))).exitCode).toBe(0);
    await eventually('the projected volume now misses only its ConfigMap', async () => find(await events('vol', 'needs-config'), 'FailedMount', 'MountVolume.SetUp failed for volume "bundle" : configmap "bundle-config" not found'));
    expect((await apply(configMap('vol', 'bundle-config', { k: 'v' }), secret('vol', 'keyed', { 'ca.crt': 'x', 'tls.crt': 'y' }))).exitCode).toBe(0);
    await running('vol', 'needs-config');
  });

  it('env from a missing Secret, key or ConfigMap: CreateContainerConfigError with the kubelet\'s message; starts once it exists', async () => {
    const r = await apply(
      ns('cfg'),
      bare('cfg', 'needs-env', {
        containers: [
          {
            name: 'app',
            image: PAUSE,
            env: [
              { name: 'PLAIN', value: 'x' },
              { name: 'MAYBE', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
              { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            ],
          },
          { name: 'side', image: PAUSE, envFrom: [{ configMapRef: { name: 'side-env' } }, { secretRef: { name: 'optional-env', optional: true } }] },
        ],
      }),
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const both = await eventually('both containers in CreateContainerConfigError', async () => {
      const p = await pod('cfg', 'needs-env');
      return waitingOf(p, 'app')?.reason === 'CreateContainerConfigError' && waitingOf(p, 'side')?.reason === 'CreateContainerConfigError' ? p : undefined;
    });
    expect(waitingOf(both, 'app')).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "db" not found' });
    expect(waitingOf(both, 'side')).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "side-env" not found' });
    expect(both.status.phase).toBe('Pending');
    expect(cond(both, 'PodReadyToStartContainers')?.status).toBe('True'); // the sandbox exists: volumes were fine
    const failed = await eventually('the Failed event repeated on retries', async () => {
      const e = (await events('cfg', 'needs-env')).find((x) => x.reason === 'Failed' && x.message === 'Error: secret "db" not found');
      return e && e.count >= 2 ? e : undefined;
    });
    expect(failed).toMatchObject({ type: 'Warning', source: { component: 'kubelet' }, involvedObject: { fieldPath: 'spec.containers{app}' } });
    expect(find(await events('cfg', 'needs-env'), 'Pulled', `Container image "${PAUSE}" already present on machine and can be accessed by the pod`)?.count).toBeGreaterThanOrEqual(2);
    expect((await k('get', 'pods', '-n', 'cfg')).stdout).toMatch(/\nneeds-env +0\/2 +CreateContainerConfigError +0 +/);
    expect((await k('describe', 'pod', 'needs-env', '-n', 'cfg')).stdout).toMatch(/Warning +Failed +\S+ \(x\d+ over \S+\) +kubelet +(?:spec\.containers\{\w+\}: )?Error: secret "db" not found/);

    // The Secret without the key, then the ConfigMap: one container starts, the other names the missing key.
    expect((await apply(secret('cfg', 'db', { user: 'app' }), configMap('cfg', 'side-env', { MODE: 'side' }))).exitCode).toBe(0);
    const keyMissing = await eventually('the missing key reported, the other container started', async () => {
      const p = await pod('cfg', 'needs-env');
      return waitingOf(p, 'app')?.message === "couldn't find key password in Secret cfg/db" && (p.status.containerStatuses ?? []).find((c) => c.name === 'side')?.state.running ? p : undefined;
    });
    expect(keyMissing.status.phase).toBe('Pending'); // a container still waits to start
    expect((await k('get', 'pods', '-n', 'cfg')).stdout).toMatch(/\nneeds-env +1\/2 +CreateContainerConfigError +0 +/);
    expect((await apply(secret('cfg', 'db', { user: 'app', password: 'pw' }))).exitCode).toBe(0);
    await running('cfg', 'needs-env');
  });

  it('a pod whose ServiceAccount does not exist is refused like the ServiceAccount admission plugin refuses it', async () => {
    expect((await apply(ns('adm'))).exitCode).toBe(0); // (kubectl create namespace speaks protobuf: not simulated)
    const sa = await eventually('the namespace gets its default ServiceAccount', async () => (await k('get', 'serviceaccount', 'default', '-n', 'adm')).exitCode === 0);
    expect(sa).toBe(true);
    const r = await apply(bare('adm', 'lonely', { serviceAccountName: 'ghost', containers: [{ name: 'app', image: PAUSE }] }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`Error from server (Forbidden): error when creating "${r.file}": pods "lonely" is forbidden: error looking up service account adm/ghost: serviceaccount "ghost" not found\n`);
    expect((await k('get', 'pods', '-n', 'adm')).stderr).toBe('No resources found in adm namespace.\n');

    // The default ServiceAccount: deleted, it comes back (the ServiceAccount controller); pods get its token volume.
    expect((await k('delete', 'serviceaccount', 'default', '-n', 'adm')).exitCode).toBe(0);
    await eventually('default ServiceAccount recreated', async () => (await k('get', 'serviceaccount', 'default', '-n', 'adm')).exitCode === 0);
    expect((await apply(bare('adm', 'plain', { containers: [{ name: 'app', image: PAUSE }] }))).exitCode).toBe(0);
    const plain = await running('adm', 'plain');
    expect(plain.spec.serviceAccountName).toBe('default');
    const tokenVolume = (plain.spec.volumes ?? []).find((v) => /^kube-api-access-[a-z0-9]{5}$/.test(String(v.name)));
    expect(tokenVolume?.projected).toEqual({
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    expect(plain.spec.containers[0]?.volumeMounts).toEqual([{ name: tokenVolume?.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  it('controllers whose pods are refused: FailedCreate on the owner, ReplicaFailure on the ReplicaSet and Deployment, retried until the ServiceAccount exists', async () => {
    const template = (app: string) => ({ metadata: { labels: { app } }, spec: { serviceAccountName: 'robot', containers: [{ name: app, image: PAUSE }] } });
    const r = await apply(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'adm' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template('web') } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'adm' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'adm' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const refused = (name: string) => `pods "${name}" is forbidden: error looking up service account adm/robot: serviceaccount "robot" not found`;
    const rs = await eventually('the ReplicaSet with ReplicaFailure', async () => {
      const [one] = (await getJson<{ items: Array<{ metadata: Meta; status?: { conditions?: Condition[] } }> }>('replicasets', '-n', 'adm', '-l', 'app=web')).items;
      return one && cond(one, 'ReplicaFailure') ? one : undefined;
    });
    expect(cond(rs, 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: refused(`${rs.metadata.name}-`) });
    const rsEvent = await eventually('FailedCreate on the ReplicaSet, repeated', async () => {
      const e = find(await events('adm', rs.metadata.name), 'FailedCreate', `Error creating: ${refused(`${rs.metadata.name}-`)}`);
      return e && e.count >= 2 ? e : undefined;
    });
    expect(rsEvent).toMatchObject({ type: 'Warning', source: { component: 'replicaset-controller' }, involvedObject: { kind: 'ReplicaSet' } });
    const dep = await eventually('the Deployment shows ReplicaFailure', async () => {
      const d = await getJson<{ status?: { conditions?: Condition[] } }>('deployment', 'web', '-n', 'adm');
      return cond(d, 'ReplicaFailure') ? d : undefined;
    });
    expect(cond(dep, 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: refused(`${rs.metadata.name}-`) });
    const stsEvent = await eventually('FailedCreate on the StatefulSet', async () => find(await events('adm', 'db'), 'FailedCreate', `create Pod db-0 in StatefulSet db failed error: ${refused('db-0')}`));
    expect(stsEvent).toMatchObject({ type: 'Warning', source: { component: 'statefulset-controller' } });
    const dsEvent = await eventually('FailedCreate on the DaemonSet', async () => find(await events('adm', 'agent'), 'FailedCreate', `Error creating: ${refused('agent-')}`));
    expect(dsEvent).toMatchObject({ type: 'Warning', source: { component: 'daemonset-controller' } });
    expect((await k('get', 'pods', '-n', 'adm', '-l', 'app in (web,db,agent)')).stderr).toBe('No resources found in adm namespace.\n');
    expect((await k('describe', 'replicaset', rs.metadata.name, '-n', 'adm')).stdout).toMatch(new RegExp(`ReplicaFailure +True +FailedCreate[^]*Warning +FailedCreate +\\S+ \\(x\\d+ over \\S+\\) +replicaset-controller +Error creating: pods "${rs.metadata.name}-" is forbidden`));

    expect((await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'adm' } })).exitCode).toBe(0);
    const pods = await eventually('the three controllers create their pods, which run', async () => {
      const list = (await getJson<{ items: Pod[] }>('pods', '-n', 'adm', '-l', 'app in (web,db,agent)')).items;
      return list.length === 3 && list.every((p) => cond(p, 'Ready')?.status === 'True') ? list : undefined;
    }, 60_000);
    expect(pods.map((p) => p.metadata.labels?.app).sort()).toEqual(['agent', 'db', 'web']);
    await eventually('ReplicaFailure removed from the ReplicaSet and the Deployment', async () => {
      const again = await getJson<{ status?: { conditions?: Condition[] } }>('replicaset', rs.metadata.name, '-n', 'adm');
      const d = await getJson<{ status?: { conditions?: Condition[] } }>('deployment', 'web', '-n', 'adm');
      return !cond(again, 'ReplicaFailure') && !cond(d, 'ReplicaFailure');
    });
  });

  it('an image no simulated registry has: ErrImagePull, then ImagePullBackOff, with containerd\'s words; a fixed image runs', async () => {
    const bad = 'quay.io/prometheus/prometheus:v0.0.0-nope';
    const full = bad;
    const r = await apply(ns('img'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'prom', namespace: 'img' }, spec: { selector: { matchLabels: { app: 'prom' } }, template: { metadata: { labels: { app: 'prom' } }, spec: { containers: [{ name: 'prometheus', image: bad }] } } } });
    expect(r.exitCode, r.stderr).toBe(0);
    const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`;
    const podsOf = async () => (await getJson<{ items: Pod[] }>('pods', '-n', 'img', '-l', 'app=prom')).items;
    const pulled = await eventually('ErrImagePull', async () => {
      const [p] = await podsOf();
      return waitingOf(p)?.reason === 'ErrImagePull' ? p : undefined;
    });
    expect(waitingOf(pulled)).toEqual({ reason: 'ErrImagePull', message: notFound });
    const name = pulled?.metadata.name ?? '';
    const backOff = await eventually('ImagePullBackOff', async () => {
      const p = await pod('img', name);
      return waitingOf(p)?.reason === 'ImagePullBackOff' ? p : undefined;
    });
    expect(waitingOf(backOff)).toEqual({ reason: 'ImagePullBackOff', message: `Back-off pulling image "${bad}": ErrImagePull: ${notFound}` });
    await eventually('the pull retried after the back-off', async () => (find(await events('img', name), 'Pulling', `Pulling image "${bad}"`)?.count ?? 0) >= 2);
    const list = await events('img', name);
    for (const [reason, message] of [
      ['Failed', `Failed to pull image "${bad}": ${notFound}`],
      ['Failed', 'Error: ErrImagePull'],
      ['BackOff', `Back-off pulling image "${bad}"`],
      ['Failed', 'Error: ImagePullBackOff'],
    ] as const) {
      expect(find(list, reason, message), `${reason}: ${message}`).toMatchObject({ source: { component: 'kubelet' }, involvedObject: { fieldPath: 'spec.containers{prometheus}' } });
    }
    await eventually('kubectl get pods shows ErrImagePull', async () => /\nprom-\S+ +0\/1 +ErrImagePull +0 +/.test((await k('get', 'pods', '-n', 'img')).stdout));
    await eventually('kubectl get pods shows ImagePullBackOff', async () => /\nprom-\S+ +0\/1 +ImagePullBackOff +0 +/.test((await k('get', 'pods', '-n', 'img')).stdout));
    expect((await k('describe', 'pod', name, '-n', 'img')).stdout).toMatch(/Warning +Failed +\S+( \(x\d+ over \S+\))? +kubelet +(?:spec\.containers\{\w+\}: )?Failed to pull image "quay\.io\/prometheus\/prometheus:v0\.0\.0-nope": rpc error: code = NotFound desc = failed to pull and unpack image/);

    // The image the real kube-prometheus-stack render names: it pulls, the rollout replaces the broken pod.
    const good = 'quay.io/prometheus/prometheus:v3.14.0-distroless';
    expect((await k('set', 'image', 'deployment/prom', '-n', 'img', `prometheus=${good}`)).exitCode).toBe(0);
    const fixed = await eventually('the new pod runs the real image', async () => {
      const items = await podsOf();
      const [only] = items;
      return items.length === 1 && only && only.metadata.name !== name && cond(only, 'Ready')?.status === 'True' ? only : undefined;
    }, 40_000);
    expect(find(await events('img', fixed.metadata.name), 'Pulling', `Pulling image "${good}"`)).toBeDefined();
    const node = await getJson<{ status: { images: Array<{ names: string[] }> } }>('node', `${CLUSTER}-control-plane`);
    expect(node.status.images.some((i) => i.names.includes(good))).toBe(true);
  });

  it('short Docker Hub names are normalized like containerd does; the walkthrough\'s curlimages/curl pulls', async () => {
    const r = await apply(bare('img', 'short', { containers: [{ name: 'web', image: 'nginx:0.0.0-nope' }] }), bare('img', 'curl', { containers: [{ name: 'curl', image: 'curlimages/curl' }] }));
    expect(r.exitCode, r.stderr).toBe(0);
    const short = await eventually('ErrImagePull for nginx', async () => {
      const p = await pod('img', 'short');
      return waitingOf(p)?.reason === 'ErrImagePull' ? p : undefined;
    });
    const full = 'docker.io/library/nginx:0.0.0-nope';
    expect(waitingOf(short)?.message).toBe(`rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`);
    const curl = await running('img', 'curl');
    expect(curl.spec.containers[0]).toMatchObject({ image: 'curlimages/curl' });
    const pulledEvent = (await events('img', 'curl')).find((e) => e.reason === 'Pulled');
    expect(pulledEvent?.message).toMatch(/^Successfully pulled image "curlimages\/curl" in \d+ms \(\d+ms including waiting\)\. Image size: \d+ bytes\.$/);
  });

  describeWithShared(['real-renders'], 'the real kube-prometheus-stack render before the TLS fix (../shared/real-renders)', () => {
    it('its operator Deployment mounts a Secret nothing creates: the pod stays ContainerCreating with the real FailedMount until it exists', async () => {
      const docs = parseAllDocuments(readFileSync(sharedPath('real-renders', 'kube-prometheus-stack-88.5.3', 'lab-without-tls-fix.yaml'), 'utf8')).map((d) => d.toJSON() as Obj | null);
      const deployment = docs.find((d) => d?.kind === 'Deployment' && (d.metadata as Meta).name === 'prometheus-kube-prometheus-operator');
      const account = docs.find((d) => d?.kind === 'ServiceAccount' && (d.metadata as Meta).name === 'prometheus-kube-prometheus-operator');
      expect(deployment && account).toBeTruthy();
      const r = await apply(ns('prometheus'), account as Obj, deployment as Obj);
      expect(r.exitCode, r.stderr).toBe(0);
      const message = 'MountVolume.SetUp failed for volume "tls-secret" : secret "prometheus-kube-prometheus-admission" not found';
      const operatorPod = await eventually('the operator pod with FailedMount', async () => {
        const [p] = (await getJson<{ items: Pod[] }>('pods', '-n', 'prometheus', '-l', 'app=kube-prometheus-stack-operator')).items;
        if (!p) return undefined;
        return find(await events('prometheus', p.metadata.name), 'FailedMount', message) ? p : undefined;
      });
      expect(waitingOf(operatorPod)).toEqual({ reason: 'ContainerCreating' });
      expect((await k('get', 'pods', '-n', 'prometheus')).stdout).toMatch(/\nprometheus-kube-prometheus-operator-\S+ +0\/1 +ContainerCreating +0 +/);

      expect((await apply(secret('prometheus', 'prometheus-kube-prometheus-admission', { ca: 'c', cert: 'c', key: 'k' }))).exitCode).toBe(0);
      await running('prometheus', operatorPod.metadata.name);
      // This operator would reconcile every namespace's Prometheus resources: it goes before the next case.
      expect((await k('delete', 'namespace', 'prometheus')).exitCode).toBe(0);
    });

    it('helm with those values (the simulated chart): the same operator pod stuck in ContainerCreating, as on a real kind cluster', async () => {
      const values = sharedPath('real-renders', 'kube-prometheus-stack-88.5.3', 'lab-without-tls-fix.values.yaml');
      const r = await sim.exec('helm', ['upgrade', '--install', 'prometheus', 'kube-prometheus-stack', '--repo', 'https://prometheus-community.github.io/helm-charts', '--version', '88.5.3', '--namespace', 'tlsbug', '--create-namespace', '-f', values, '--kube-context', `kind-${CLUSTER}`]);
      expect(r.exitCode, r.stderr).toBe(0);
      const message = 'MountVolume.SetUp failed for volume "tls-secret" : secret "prometheus-kube-prometheus-admission" not found';
      const stuck = await eventually('the chart\'s operator pod with FailedMount', async () => {
        const [p] = (await getJson<{ items: Pod[] }>('pods', '-n', 'tlsbug', '-l', 'app=kube-prometheus-stack-operator')).items;
        const e = p && find(await events('tlsbug', p.metadata.name), 'FailedMount', message);
        return e && e.count >= 2 ? p : undefined;
      });
      expect(waitingOf(stuck)).toEqual({ reason: 'ContainerCreating' });
      expect((await k('get', 'pods', '-n', 'tlsbug', '-l', 'app=kube-prometheus-stack-operator')).stdout).toMatch(/\nprometheus-kube-prometheus-operator-\S+ +0\/1 +ContainerCreating +0 +/);
      // No operator, no Prometheus: the StatefulSet never appears.
      expect((await k('get', 'statefulsets', '-n', 'tlsbug')).stderr).toBe('No resources found in tlsbug namespace.\n');
    });
  });
});

describeWithShared(['real-renders'], 'the simulated registries hold every image of the real renders (../shared/real-renders)', () => {
  /** Every image a rendered object names: `image` fields (containers, the Prometheus resource) and image args. */
  function imagesIn(o: unknown, out: Set<string>): Set<string> {
    if (Array.isArray(o)) o.forEach((x) => imagesIn(x, out));
    else if (o && typeof o === 'object') {
      for (const [key, v] of Object.entries(o)) {
        if (key === 'image' && typeof v === 'string') out.add(v);
        else if (typeof v === 'string') {
          const m = /^--[a-z-]*(?:image|reloader)[a-z-]*=(.+)$/.exec(v);
          if (m?.[1] && /[/:]/.test(m[1])) out.add(m[1]);
        } else imagesIn(v, out);
      }
    }
    return out;
  }

  const root = sharedPath('real-renders');
  const renders = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(root, d.name)).filter((f) => f.endsWith('.yaml') && !f.endsWith('.values.yaml') && f !== 'crds.yaml').map((f) => path.join(d.name, f)));

  it('finds the renders and their images', () => {
    expect(renders.length).toBeGreaterThan(0);
  });

  for (const file of renders) {
    it(`${file}: every image it names pulls from the simulated registries`, () => {
      const images = imagesIn(parseAllDocuments(readFileSync(path.join(root, file), 'utf8')).map((d) => d.toJSON() as unknown), new Set());
      expect(images.size).toBeGreaterThan(0);
      const missing = [...images].filter((i) => !resolveImage(i).ok);
      expect(missing).toEqual([]);
    });
  }

  it('every registry entry is a valid, fully qualified reference (no duplicates)', () => {
    const refs = registryImages().map((i) => i.ref);
    expect(refs.filter((r) => parseImageRef(r)?.full !== r)).toEqual([]);
    expect(new Set(refs).size).toBe(refs.length);
  });
});

// The engine (scripts/lib/stack/engine.ts) in process: a fake runner answers helm, docker and kind, FakeKube is the
// API, and a fake clock makes every gate's wait instant. Each test runs a small stack (data, as stacks/*.yaml)
// through runStack and asserts what was called, in which order, which components ran, and the error text.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStack, type StackRun } from '../scripts/lib/stack/engine.ts';
import type { Lab } from '../scripts/lib/lab.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import type { KindConfig } from '../scripts/lib/cluster/kind-config.ts';
import type { Kube } from '../scripts/lib/kube/api.ts';
import { loadManifests, loadStack, makeResolver, parseStack, type StackFile } from '../scripts/lib/stack/stack-file.ts';
import { withBookkeeping, APPLIED_HASH } from '../scripts/lib/stack/actions/manifests.ts';
import { privateKubeconfig, removePrivateKubeconfigs } from '../scripts/lib/kube/private-kubeconfig.ts';
import { LabError } from '../scripts/lib/errors.ts';
import type { Step, StepContext } from '../scripts/lib/ui.ts';
import { writeChartArchive } from './helpers/chart-archive.ts';
import { FakeKube, fakeClock, fakeHost, fakeRunner, helmReleaseSecret, type FakeScript, type KObject } from './helpers/fakes.ts';

// What each step did, recorded around the real runSteps (listr2, plain renderer, its output silenced): its
// title changes, what it said, whether it was skipped (and why), or the error it failed with.
interface StepRecord {
  title: string;
  said: string[];
  outcome?: 'passed' | 'skipped' | 'failed';
  reason?: string;
  error?: unknown;
}
const recorded = vi.hoisted(() => ({ steps: [] as StepRecord[] }));
vi.mock('../scripts/lib/ui.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../scripts/lib/ui.ts')>();
  return {
    ...real,
    runSteps: (steps: Step[], opts: Parameters<typeof real.runSteps>[1]) => {
      recorded.steps = [];
      const wrapped = steps.map((s): Step => {
        const rec: StepRecord = { title: s.title, said: [] };
        recorded.steps.push(rec);
        return {
          title: s.title,
          run: async (ctx: StepContext) => {
            let skipped: string | undefined;
            try {
              await s.run({
                say: (l) => {
                  rec.said.push(l);
                  ctx.say(l);
                },
                retitle: (t) => {
                  rec.title = t;
                  ctx.retitle(t);
                },
                skip: (r) => {
                  skipped = r;
                  ctx.skip(r);
                },
              });
              rec.outcome = skipped === undefined ? 'passed' : 'skipped';
              rec.reason = skipped;
            } catch (err) {
              rec.outcome = 'failed';
              rec.error = err;
              throw err;
            }
          },
        };
      });
      // listr2's plain renderer writes to stdout and stderr; the records above say what happened (HPA_LAB_TEST_UI=1 shows it).
      if (process.env.HPA_LAB_TEST_UI) return real.runSteps(wrapped, opts);
      const quiet = [vi.spyOn(process.stdout, 'write').mockImplementation(() => true), vi.spyOn(process.stderr, 'write').mockImplementation(() => true)];
      return real.runSteps(wrapped, opts).finally(() => {
        for (const q of quiet) q.mockRestore();
      });
    },
  };
});

const step = (name: string): StepRecord => {
  const s = recorded.steps.find((r) => r.title === name || r.title.startsWith(`${name}:`));
  if (!s) throw new Error(`no step ${name} (steps: ${recorded.steps.map((r) => r.title).join(', ')})`);
  return s;
};
const outcomes = (): Record<string, StepRecord['outcome']> => Object.fromEntries(recorded.steps.map((r) => [r.title.split(':')[0] as string, r.outcome]));

// ---- fixtures -----------------------------------------------------------------------------------------------

// Made when the file loads: the stacks below name these files, and stack parsing checks that they exist.
const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-engine-test-'));
const stateDir = path.join(dir, 'state');
const IMAGE = 'hpa-lab/sample-app:t1';

beforeAll(() => {
  writeFileSync(path.join(dir, 'values-a.yaml'), 'replicas: 1\nimage:\n  tag: v1\n');
  writeFileSync(path.join(dir, 'values-b.yaml'), 'enabled: true\n');
  writeFileSync(
    path.join(dir, 'c.yaml'),
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c-config', namespace: 'ns-c' }, data: { greeting: '${greeting}' } }) +
      '---\n' +
      stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c-svc', namespace: 'ns-c' }, spec: { selector: { app: 'c' }, ports: [{ port: 80 }] } }),
  );
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removePrivateKubeconfigs();
});

const helmComponent = (name: string, needs: string[], extra: Record<string, unknown> = {}) => ({
  name,
  needs,
  helm: { release: name, namespace: `ns-${name}`, chart: `chart-${name}`, repo: 'https://charts.example.test', version: '1.2.3', values: path.join(dir, name === 'b' ? 'values-b.yaml' : 'values-a.yaml'), ...extra },
  gates: [{ type: 'apiServiceAvailable', name: `v1beta1.${name}`, deadline: '30s' }],
});

function testStack(components: unknown[]): StackFile {
  return parseStack('engine-test.yaml', { apiVersion: 'hpa-lab/v1alpha1', kind: 'Stack', name: 'engine-test', settings: { greeting: 'hello' }, types: { greeting: 'string' }, components }, REPO_ROOT);
}

function lab(runner: Lab['runner'], opts: { timeoutFactor?: number; onSleep?: (now: number) => void } = {}): Lab {
  return {
    name: 'lab',
    context: 'kind-lab',
    kindConfig: { file: 'kind/cluster.yaml' } as KindConfig,
    runner,
    host: fakeHost(),
    clock: fakeClock({ yieldToEventLoop: true, ...(opts.onSleep ? { onSleep: opts.onSleep } : {}) }),
    signal: new AbortController().signal,
    timeoutFactor: opts.timeoutFactor ?? 1,
    ui: { plain: true, verbose: false },
    stateDir,
    print: () => undefined,
  };
}

function run(stack: StackFile, runner: Lab['runner'], cluster: () => Promise<Kube>, opts: Parameters<typeof lab>[1] = {}): Promise<void> {
  const resolver = makeResolver(stack, { sets: [], secrets: {}, images: { img: IMAGE } });
  const r: StackRun = { lab: lab(runner, opts), stack, resolver, images: { img: IMAGE }, cluster: () => cluster() };
  return runStack(r);
}

const apiServicePath = (name: string) => `/apis/apiregistration.k8s.io/v1/apiservices/${name}`;
const apiService = (name: string, available: 'True' | 'False', reason?: string, message?: string): KObject => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name },
  status: { conditions: [{ type: 'Available', status: available, ...(reason ? { reason } : {}), ...(message ? { message } : {}) }] },
});

/** What helm says about releases: none installed unless given; records each upgrade's values file. */
function fakeHelm(releases: Record<string, { chart: string; status?: string; values: unknown }> = {}) {
  const upgrades: Array<{ args: string[]; values: unknown; mode: number; file: string }> = [];
  const script: FakeScript = (args) => {
    const flag = (f: string) => args[args.indexOf(f) + 1] as string;
    if (args[0] === 'list') {
      const name = flag('--filter').replace(/^\^|\$$/g, '');
      const r = releases[name];
      return { stdout: JSON.stringify(r ? [{ name, namespace: flag('--namespace'), status: r.status ?? 'deployed', chart: r.chart }] : []) };
    }
    if (args[0] === 'get' && args[1] === 'values') return { stdout: JSON.stringify(releases[args[2] as string]?.values ?? null) };
    if (args[0] === 'upgrade') {
      const file = flag('--values');
      upgrades.push({ args, values: parse(readFileSync(file, 'utf8')) as unknown, mode: statSync(file).mode & 0o777, file });
      return {};
    }
    throw new Error(`fake helm: unexpected ${args.join(' ')}`);
  };
  return { script, upgrades };
}

const allAvailable = (kube: FakeKube, ...names: string[]) => kube.put(...names.map((n) => apiService(n, 'True')));

// ---- the engine ---------------------------------------------------------------------------------------------

describe('engine: needs, concurrency, failures, skips', () => {
  it('starts a component only after all its needs passed, and runs independent components together', async () => {
    const log: string[] = [];
    const helm = fakeHelm();
    const runner = fakeRunner({ helm: helm.script }, { log });
    const kube = new FakeKube({ log });
    kube.put(apiService('v1beta1.a', 'False', 'MissingEndpoints'), apiService('v1beta1.b', 'True'));
    // a's API becomes Available only once b's install has run: a sequential engine would time a out.
    kube.onGet(apiServicePath('v1beta1.a'), () => {
      if (runner.calls.some((c) => c.startsWith('helm upgrade --install b '))) kube.put(apiService('v1beta1.a', 'True'));
    });
    const stack = testStack([helmComponent('a', ['cluster']), helmComponent('b', ['cluster']), { name: 'c', needs: ['a', 'b'], manifests: path.join(dir, 'c.yaml') }]);

    await run(stack, runner, () => Promise.resolve(kube));

    expect(outcomes()).toEqual({ cluster: 'passed', a: 'passed', b: 'passed', c: 'passed' });
    const firstOfC = log.indexOf('GET /api/v1/namespaces/ns-c/configmaps/c-config');
    expect(firstOfC).toBeGreaterThan(log.lastIndexOf(`GET ${apiServicePath('v1beta1.a')}`));
    expect(firstOfC).toBeGreaterThan(log.lastIndexOf(`GET ${apiServicePath('v1beta1.b')}`));
    // b was installed while a still waited on its gate
    expect(log.indexOf(log.find((l) => l.startsWith('$ helm upgrade --install b ')) as string)).toBeLessThan(log.lastIndexOf(`GET ${apiServicePath('v1beta1.a')}`));
    expect(kube.applied.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/c-config', 'Service/c-svc']);
    expect(step('a').title).toBe('a: release a installed, 1 gate passed');
    expect(step('c').title).toBe('c: applied 2 objects');
    expect(step('c').said[0]).toBe('waiting for a, b');
  });

  it("a failing component makes its dependents not started (skipped, not failed) and the run fails with that component's one error", async () => {
    const log: string[] = [];
    const runner = fakeRunner({ helm: fakeHelm().script }, { log });
    const kube = new FakeKube({ log });
    allAvailable(kube, 'v1beta1.b'); // a's APIService never appears
    const stack = testStack([
      helmComponent('a', ['cluster']),
      helmComponent('b', ['cluster']),
      { name: 'c', needs: ['a', 'b'], manifests: path.join(dir, 'c.yaml') },
      { name: 'd', needs: ['c'], manifests: path.join(dir, 'c.yaml') },
    ]);

    const err = await run(stack, runner, () => Promise.resolve(kube)).then(() => undefined, (e: unknown) => e);

    expect(err).toBeInstanceOf(LabError);
    const e = err as LabError;
    expect(e.message).toBe('a: gave up waiting 30s for APIService v1beta1.a Available');
    expect(e.details[0]).toBe('last observed: APIService v1beta1.a does not exist yet');
    const saved = e.details.find((d) => d.startsWith('diagnostics (pods, events, log tails): '))?.replace(/^diagnostics \(pods, events, log tails\): /, '') ?? '';
    expect(readFileSync(path.resolve(saved, 'gate.txt'), 'utf8')).toContain('component: a\ngate: APIService v1beta1.a Available');
    expect(outcomes()).toEqual({ cluster: 'passed', a: 'failed', b: 'passed', c: 'skipped', d: 'skipped' });
    expect(step('c').reason).toBe('c: not started: a failed');
    expect(step('d').reason).toMatch(/^d: not started: c /);
    expect(log.filter((l) => l.includes('ns-c'))).toEqual([]); // c and d touched nothing
    expect(kube.applied).toEqual([]);
  });

  it('two failing components: one error that counts them and keeps the first one’s text', async () => {
    const runner = fakeRunner({ helm: fakeHelm().script });
    const kube = new FakeKube();
    const stack = testStack([helmComponent('a', ['cluster']), helmComponent('b', ['cluster'])]);
    const err = (await run(stack, runner, () => Promise.resolve(kube)).catch((e: unknown) => e)) as LabError;
    expect(err.message).toMatch(/^2 components failed; the first: [ab]: gave up waiting 30s for APIService v1beta1\.[ab] Available$/);
    expect(outcomes()).toEqual({ cluster: 'passed', a: 'failed', b: 'failed' });
  });

  it('a failed cluster is reported once: the image component that waits for it and every dependent say not started', async () => {
    const runner = fakeRunner({ docker: { exitCode: 0, stdout: 'sha256:abc' }, helm: fakeHelm().script });
    const clusterError = new LabError('kind create cluster failed: port 6443 is in use', { fix: 'free the port' });
    const stack = testStack([{ name: 'img', image: { context: 'app', repository: 'hpa-lab/sample-app' } }, helmComponent('a', ['cluster']), { name: 'c', needs: ['img'], manifests: path.join(dir, 'c.yaml') }]);

    const err = await run(stack, runner, () => Promise.reject(clusterError)).catch((e: unknown) => e);

    expect(err).toBe(clusterError);
    expect(outcomes()).toEqual({ cluster: 'failed', img: 'skipped', a: 'skipped', c: 'skipped' });
    expect(step('img').reason).toBe('img: not started: cluster failed');
    expect(step('a').reason).toBe('a: not started: cluster failed');
    // the image was looked at (it does not need the cluster), nothing else ran
    expect(runner.calls).toEqual([`docker image inspect --format '{{.Id}}' ${IMAGE}`]);
  });
});

// ---- each action's convergence ------------------------------------------------------------------------------

describe('actions converge: nothing is done that is already so', () => {
  const A = helmComponent('a', ['cluster'], { set: { 'image.tag': 'v2' } });
  const wanted = { replicas: 1, image: { tag: 'v2' } };
  const target = (kube: FakeKube) => ['--kubeconfig', privateKubeconfig(kube.kubeconfig), '--kube-context', 'kind-lab'];

  it('helm release absent: helm upgrade --install with the exact arguments, the private kubeconfig and the context', async () => {
    const helm = fakeHelm();
    const runner = fakeRunner({ helm: helm.script });
    const kube = allAvailable(new FakeKube(), 'v1beta1.a');
    await run(testStack([A]), runner, () => Promise.resolve(kube));

    const kc = privateKubeconfig(kube.kubeconfig);
    expect(readFileSync(kc, 'utf8')).toBe(kube.kubeconfig);
    expect(statSync(kc).mode & 0o777).toBe(0o600);
    expect(runner.invocations.map((i) => i.args)).toEqual([
      ['list', '--namespace', 'ns-a', '--filter', '^a$', '--output', 'json', ...target(kube)],
      ['upgrade', '--install', 'a', 'chart-a', '--repo', 'https://charts.example.test', '--version', '1.2.3', '--namespace', 'ns-a', '--create-namespace', '--values', helm.upgrades[0]?.file, ...target(kube), '--timeout', '5m0s'],
    ]);
    expect(helm.upgrades[0]?.values).toEqual(wanted); // the values file, then the stack's set on top
    expect(helm.upgrades[0]?.mode).toBe(0o600);
    expect(existsSync(helm.upgrades[0]?.file as string)).toBe(false); // removed right after
    expect(step('a').title).toBe('a: release a installed, 1 gate passed');
  });

  it('helm release absent, its chart in the chart cache: upgrade --install from that file, no repository asked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-chart-cache-'));
    const before = process.env.HPA_LAB_CACHE_DIR;
    process.env.HPA_LAB_CACHE_DIR = dir;
    try {
      const file = writeChartArchive(path.join(dir, 'charts', 'chart-a-1.2.3.tgz'), 'chart-a', '1.2.3');
      const helm = fakeHelm();
      const runner = fakeRunner({ helm: helm.script });
      const kube = allAvailable(new FakeKube(), 'v1beta1.a');
      await run(testStack([A]), runner, () => Promise.resolve(kube));
      expect(runner.invocations.map((i) => i.args)[1]).toEqual(['upgrade', '--install', 'a', file, '--namespace', 'ns-a', '--create-namespace', '--values', helm.upgrades[0]?.file, ...target(kube), '--timeout', '5m0s']);
    } finally {
      if (before === undefined) delete process.env.HPA_LAB_CACHE_DIR;
      else process.env.HPA_LAB_CACHE_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('helm release current (same chart version, same values): no upgrade', async () => {
    const helm = fakeHelm({ a: { chart: 'chart-a-1.2.3', values: wanted } });
    const runner = fakeRunner({ helm: helm.script });
    await run(testStack([A]), runner, () => Promise.resolve(allAvailable(new FakeKube(), 'v1beta1.a')));
    expect(runner.invocations.map((i) => i.args.slice(0, 2))).toEqual([['list', '--namespace'], ['get', 'values']]);
    expect(helm.upgrades).toEqual([]);
    expect(step('a').title).toBe('a: release a unchanged, 1 gate passed');
  });

  it('helm values changed, chart version changed or release failed: upgrade, saying why', async () => {
    for (const [release, why] of [
      [{ chart: 'chart-a-1.2.3', values: { ...wanted, replicas: 2 } }, 'values changed'],
      [{ chart: 'chart-a-1.2.2', values: wanted }, 'chart chart-a-1.2.2 → chart-a-1.2.3'],
      [{ chart: 'chart-a-1.2.3', status: 'failed', values: wanted }, 'release status failed'],
    ] as const) {
      const helm = fakeHelm({ a: release });
      await run(testStack([A]), fakeRunner({ helm: helm.script }), () => Promise.resolve(allAvailable(new FakeKube(), 'v1beta1.a')));
      expect(helm.upgrades.map((u) => u.values)).toEqual([wanted]);
      expect(step('a').title).toBe(`a: release a upgraded (${why}), 1 gate passed`);
    }
  });

  const C = { name: 'c', needs: ['cluster'], manifests: '' };
  const desired = () => loadManifests(REPO_ROOT, path.join(dir, 'c.yaml'), makeResolver(testStack([]), { sets: [], secrets: {}, images: {} })).map((o) => withBookkeeping(o) as KObject);

  it('manifests whose applied hash matches the live object are not re-applied', async () => {
    const kube = new FakeKube();
    kube.put(...desired());
    await run(testStack([{ ...C, manifests: path.join(dir, 'c.yaml') }]), fakeRunner({}), () => Promise.resolve(kube));
    expect(kube.applied).toEqual([]);
    expect(kube.log).toEqual(['GET /api/v1/namespaces/ns-c/configmaps/c-config', 'GET /api/v1/namespaces/ns-c/services/c-svc']);
    expect(step('c').title).toBe('c: 2 objects unchanged');
  });

  it('a manifest whose desired state changed is applied (server-side), the others not', async () => {
    const [cm, svc] = desired() as [KObject, KObject];
    const kube = new FakeKube();
    kube.put({ ...cm, data: { greeting: 'hi' }, metadata: { ...cm.metadata, annotations: { [APPLIED_HASH]: '0000000000000000' } } }, svc);
    await run(testStack([{ ...C, manifests: path.join(dir, 'c.yaml') }]), fakeRunner({}), () => Promise.resolve(kube));
    expect(kube.applied).toEqual([cm]);
    expect(kube.get<KObject>('/api/v1/namespaces/ns-c/configmaps/c-config')?.data).toEqual({ greeting: 'hello' });
    expect(step('c').title).toBe('c: applied 1 object, 1 unchanged');
  });

  const node = (...images: string[]): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'lab-control-plane' }, status: { images: [{ names: images }] } });

  it('image present and on the node: no build, no load', async () => {
    for (const onNode of [IMAGE, `docker.io/${IMAGE}`]) {
      const runner = fakeRunner({ docker: { stdout: 'sha256:abc' } });
      await run(testStack([{ name: 'img', image: { context: 'app', repository: 'hpa-lab/sample-app' } }]), runner, () => Promise.resolve(new FakeKube().put(node('registry.k8s.io/pause:3.10', onNode))));
      expect(runner.invocations.map((i) => [i.cmd, ...i.args])).toEqual([['docker', 'image', 'inspect', '--format', '{{.Id}}', IMAGE]]);
      expect(step('img').title).toBe(`img: image ${IMAGE} present, already on the node`);
    }
  });

  // Docker's image store decides how the image is built and loaded (scripts/lib/stack/actions/image.ts).
  const STORE = { classic: '[["Backing Filesystem","extfs"]]', containerd: '[["driver-type","io.containerd.snapshotter.v1"]]' };
  const docker = (store: keyof typeof STORE): FakeScript => (args) => {
    if (args[0] === 'image' && args[1] === 'inspect') return { exitCode: 1, stderr: `Error response from daemon: No such image: ${IMAGE}` };
    if (args[0] === 'info') return { stdout: STORE[store] };
    // `docker version --format '{{json .}}'` (docker-version.ts): a 28.x client and daemon on arm64.
    if (args[0] === 'version') return { stdout: JSON.stringify({ Client: { Version: '28.3.0', ApiVersion: '1.51' }, Server: { Version: '28.3.0', Os: 'linux', Arch: 'arm64', ApiVersion: '1.51' } }) };
    if (args[0] === 'build' || (args[0] === 'image' && args[1] === 'save')) return {};
    // after the load, the node is asked for the image as kind asks (crictl inspecti): it has it
    if (args[0] === 'exec' && args[2] === 'crictl') return { stdout: `{"status": {"id": "sha256:0123", "repoTags": ["docker.io/${IMAGE}"]}}` };
    throw new Error(`fake docker: unexpected ${args.join(' ')}`);
  };
  const work = (runner: ReturnType<typeof fakeRunner>) => runner.invocations.filter((i) => !(i.cmd === 'docker' && ['info', 'version'].includes(i.args[0] as string))).map((i) => [i.cmd, ...i.args]);

  it('image absent (classic image store): docker build with its label, then kind load docker-image into the lab', async () => {
    const runner = fakeRunner({ docker: docker('classic'), kind: {} });
    await run(testStack([{ name: 'img', image: { context: 'app', repository: 'hpa-lab/sample-app' } }]), runner, () => Promise.resolve(new FakeKube().put(node('registry.k8s.io/pause:3.10'))));
    expect(work(runner)).toEqual([
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', IMAGE],
      ['docker', 'build', '--tag', IMAGE, '--label', 'app.kubernetes.io/managed-by=hpa-lab', path.join(REPO_ROOT, 'app')],
      ['kind', 'load', 'docker-image', IMAGE, '--name', 'lab'],
      ['docker', 'exec', 'lab-control-plane', 'crictl', 'inspecti', IMAGE],
    ]);
    expect(step('img').title).toBe(`img: built ${IMAGE}, loaded into the node`);
  });

  it('image absent (containerd image store): built without attestations, loaded as a single-platform archive', async () => {
    const runner = fakeRunner({ docker: docker('containerd'), kind: {} });
    await run(testStack([{ name: 'img', image: { context: 'app', repository: 'hpa-lab/sample-app' } }]), runner, () => Promise.resolve(new FakeKube().put(node('registry.k8s.io/pause:3.10'))));
    const calls = work(runner);
    expect(calls.slice(0, 2)).toEqual([
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', IMAGE],
      ['docker', 'build', '--tag', IMAGE, '--label', 'app.kubernetes.io/managed-by=hpa-lab', '--provenance=false', '--sbom=false', path.join(REPO_ROOT, 'app')],
    ]);
    const tar = calls[2]?.at(-1) as string;
    expect(calls.slice(2)).toEqual([
      ['docker', 'image', 'save', '--platform', 'linux/arm64', IMAGE, '-o', tar],
      ['kind', 'load', 'image-archive', tar, '--name', 'lab'],
      ['docker', 'exec', 'lab-control-plane', 'crictl', 'inspecti', IMAGE],
    ]);
    expect(existsSync(tar)).toBe(false); // the archive is removed after the load
  });
});

// ---- the rollout gate ---------------------------------------------------------------------------------------

describe('the rollout gate holds a component’s gates until what its install changed has rolled out', () => {
  const NS = 'ns-r';
  const depPath = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
  const podsPath = `/api/v1/namespaces/${NS}/pods`;
  const deployment = (generation: number, observedGeneration: number): KObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'dep-uid', generation, annotations: { 'deployment.kubernetes.io/revision': String(generation) } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
    status: { observedGeneration, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 },
  });
  const replicaSet = (hash: string, revision: number): KObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `web-${hash}`, namespace: NS, labels: { app: 'web', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'dep-uid' }] },
  });
  const pod = (hash: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${hash}-1`, namespace: NS, labels: { app: 'web', 'pod-template-hash': hash }, ownerReferences: [{ kind: 'ReplicaSet', name: `web-${hash}` }] }, status: { phase: 'Running' } });

  function setup() {
    const log: string[] = [];
    const helm = fakeHelm({ r: { chart: 'chart-r-1.2.3', values: { replicas: 9 } } }); // values changed: an upgrade
    const runner = fakeRunner({ helm: helm.script }, { log });
    const kube = new FakeKube({ log });
    const dep = deployment(2, 2);
    kube.put(helmReleaseSecret('r', NS, 2, [dep, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' } }]), apiService('v1beta1.r', 'True'));
    const stack = testStack([{ ...helmComponent('r', ['cluster']), rolloutDeadline: '1m' }]);
    return { log, runner, kube, stack, helm };
  }
  const firstGateGet = (log: string[]) => log.indexOf(`GET ${apiServicePath('v1beta1.r')}`);

  it('a Deployment whose observedGeneration lags: the gates wait, then pass once the controller has seen it', async () => {
    const { log, runner, kube, stack, helm } = setup();
    kube.put(deployment(2, 1));
    kube.onGet(depPath, (n) => {
      if (n === 3) kube.update(depPath, (d) => ((d.status as { observedGeneration: number }).observedGeneration = 2));
    });
    await run(stack, runner, () => Promise.resolve(kube));

    expect(helm.upgrades).toHaveLength(1);
    expect(kube.gets(depPath)).toBe(3);
    expect(log.indexOf(log.find((l) => l.startsWith('$ helm upgrade')) as string)).toBeLessThan(log.indexOf(`GET ${depPath}`));
    expect(firstGateGet(log)).toBeGreaterThan(log.lastIndexOf(`GET ${depPath}`));
    expect(step('r').said).toContain('waiting ≤1m for deployment/web rolled out: Waiting for deployment "web" spec update to be observed');
    expect(step('r').title).toBe('r: release r upgraded (values changed), 2 gates passed');
  });

  it("an old ReplicaSet's pod still there: the gates wait until it is gone", async () => {
    const { log, runner, kube, stack } = setup();
    kube.put(deployment(2, 2), replicaSet('aaa', 1), replicaSet('bbb', 2), pod('aaa'), pod('bbb'));
    // scripted in time this once (the fake clock's onSleep): the old pod terminates 3s into the wait
    let removedAt = -1;
    const onSleep = (now: number) => {
      if (now >= 3000 && removedAt < 0) {
        kube.remove(`${podsPath}/web-aaa-1`);
        removedAt = log.length;
      }
    };
    await run(stack, runner, () => Promise.resolve(kube), { onSleep });

    expect(kube.gets(podsPath)).toBe(4); // polls at 0s, 1s, 2s see the old pod; the one at 3s does not
    expect(log.slice(0, removedAt).filter((l) => l.startsWith(`GET ${podsPath}`))).toHaveLength(3);
    expect(firstGateGet(log)).toBeGreaterThan(log.lastIndexOf(`GET ${podsPath}?labelSelector=app%3Dweb`));
    expect(step('r').said).toContain('waiting ≤1m for deployment/web rolled out: Waiting for deployment "web" rollout to finish: pods of an older ReplicaSet still there (web-aaa-1)');
    expect(outcomes()).toEqual({ cluster: 'passed', r: 'passed' });
  });

  it('a rollout that never finishes fails the component before its gates, with what its pods say (a missing Secret, named)', async () => {
    const { log, runner, kube, stack } = setup();
    const stuck = { ...pod('bbb'), status: { phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } };
    kube.put({ ...deployment(2, 2), status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 } }, replicaSet('bbb', 2), stuck, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-bbb-1.1', namespace: NS },
      involvedObject: { kind: 'Pod', name: 'web-bbb-1' },
      reason: 'FailedMount',
      type: 'Warning',
      message: 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found',
    });
    const err = (await run(stack, runner, () => Promise.resolve(kube)).catch((e: unknown) => e)) as LabError;

    expect(err.message).toBe('r: gave up waiting 1m for deployment/web rolled out');
    expect(err.details[0]).toBe('last observed: Waiting for deployment "web" rollout to finish: 0 of 1 updated replicas are available');
    expect(err.why).toBe(`pod web-bbb-1 cannot start: its volume "tls" mounts Secret "web-tls", which does not exist in namespace ${NS} (FailedMount)`);
    expect(err.fix).toContain('find what should create Secret web-tls');
    expect(firstGateGet(log)).toBe(-1); // the component's own gate was never polled
  });

  // Issue 18 item 21: a pod whose image cannot come ends the wait at once (pod-diagnosis.ts finalImageFailure),
  // with the kubelet's reason and message; a pull that may still succeed is waited for to the deadline.
  const BAD = 'quay.io/prometheus/prometheus:v0.0.0-nope';
  const imageStuck = (message: string) => {
    const { log, runner, kube, stack } = setup();
    const dep = deployment(2, 2);
    kube.put(
      { ...dep, spec: { ...(dep.spec as object), template: { spec: { containers: [{ name: 'web', image: BAD }] } } }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 } },
      replicaSet('bbb', 2),
      { ...pod('bbb'), spec: { nodeName: 'lab-control-plane', containers: [{ name: 'web', image: BAD, imagePullPolicy: 'IfNotPresent' }] }, status: { phase: 'Pending', containerStatuses: [{ name: 'web', image: BAD, ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message } } }] } },
    );
    return { log, runner, kube, stack };
  };

  it('an image the registry does not have: the component fails at the first poll with the kubelet’s reason and message, not at the deadline', async () => {
    const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${BAD}": failed to resolve reference "${BAD}": ${BAD}: not found`;
    const { log, runner, kube, stack } = imageStuck(notFound);
    const slept: number[] = [];
    const err = (await run(stack, runner, () => Promise.resolve(kube), { onSleep: (now) => slept.push(now) }).catch((e: unknown) => e)) as LabError;

    expect(err.message).toBe('r: stopped waiting for deployment/web rolled out after 0ms: it cannot happen by waiting');
    expect(err.details[0]).toBe('last observed: Waiting for deployment "web" rollout to finish: 0 of 1 updated replicas are available');
    expect(err.why).toBe(`container web of pod web-bbb-1 cannot start: the registry has no image ${BAD} (ErrImagePull: ${notFound})`);
    expect(err.fix).toContain("check the image's repository and tag");
    expect(kube.gets(depPath)).toBe(2); // one poll: the rollout state, then the workload's template for the pods
    expect(slept).toEqual([]); // the fake clock never advanced: nothing was waited for
    expect(firstGateGet(log)).toBe(-1);
  });

  it('a pull that timed out may still succeed: waited for to the deadline, then the usual diagnosis', async () => {
    const timeout = `rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "${BAD}": failed to resolve reference "${BAD}": failed to do request: Head "https://quay.io/v2/prometheus/prometheus/manifests/v0.0.0-nope": dial tcp 3.224.150.202:443: i/o timeout`;
    const { runner, kube, stack } = imageStuck(timeout);
    const err = (await run(stack, runner, () => Promise.resolve(kube)).catch((e: unknown) => e)) as LabError;
    expect(err.message).toBe('r: gave up waiting 1m for deployment/web rolled out');
    expect(err.why).toBe(`the node cannot pull image ${BAD} for container web of pod web-bbb-1 (ErrImagePull: ${timeout})`);
  });
});

// ---- a stack's known signatures -----------------------------------------------------------------------------

describe("a stack's failure signatures (its pods' logs) explain a gate that gave up", () => {
  it("metrics-server's x509 log line gives the stack's cause and fix, over the gate's own guess", async () => {
    const real = loadStack(REPO_ROOT, 'custom-metrics');
    const ms = real.components.find((c) => c.name === 'metrics-server');
    if (!ms) throw new Error('custom-metrics has no metrics-server component');
    const stack = { ...real, components: [ms] };
    const resolver = makeResolver(real, { sets: [], secrets: { grafanaAdminPassword: 'x'.repeat(24) }, images: { 'sample-app-image': IMAGE } });
    const helm = fakeHelm();
    const kube = new FakeKube();
    const sel = { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' };
    const dep: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'metrics-server', namespace: 'kube-system', generation: 1 }, spec: { replicas: 1, selector: { matchLabels: sel } }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } };
    kube.put(
      helmReleaseSecret('metrics-server', 'kube-system', 1, [dep]),
      dep,
      apiService('v1beta1.metrics.k8s.io', 'False', 'FailedDiscoveryCheck', 'failing or missing response from https://10.96.12.3:443/apis/metrics.k8s.io/v1beta1: bad status from https://10.96.12.3:443/apis/metrics.k8s.io/v1beta1: 503'),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'metrics-server-6d94bc8694-x2x7q', namespace: 'kube-system', labels: sel }, status: { phase: 'Running', containerStatuses: [{ name: 'metrics-server', ready: false, restartCount: 0 }] } },
    );
    kube.setLog('kube-system', 'metrics-server-6d94bc8694-x2x7q', 'E0612 10:01:02.000000 1 scraper.go:149] "Failed to scrape node" err="Get \\"https://172.18.0.2:10250/metrics/resource\\": tls: failed to verify certificate: x509: cannot validate certificate for 172.18.0.2 because it doesn\'t contain any IP SANs" node="lab-control-plane"\n');
    const l = lab(fakeRunner({ helm: helm.script }), { timeoutFactor: 0.01 });

    const err = (await runStack({ lab: l, stack, resolver, images: {}, cluster: () => Promise.resolve(kube) }).catch((e: unknown) => e)) as LabError;

    expect(err.message).toBe('metrics-server: gave up waiting 1.8s for APIService v1beta1.metrics.k8s.io Available');
    expect(err.why).toBe(ms.signatures[0]?.cause);
    expect(err.fix).toBe(ms.signatures[0]?.fix);
    expect(err.why).toContain('--kubelet-insecure-tls');
    expect(helm.upgrades[0]?.values).toEqual({ args: ['--kubelet-insecure-tls'] });
  });
});

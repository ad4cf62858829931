// In-process fakes for unit tests: a runner keyed on argv (like ctlptl's FakeCmdRunner), a host whose
// files, memory and ports are plain data, a clock that advances only when slept on, and a Kubernetes API
// (FakeKube) that is an object store keyed by REST path, answering in the API's shapes.
import { gzipSync } from 'node:zlib';
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Runner, RunOptions, RunResult } from '../../scripts/lib/exec.ts';
import { MissingToolError, quoteArgs } from '../../scripts/lib/exec.ts';
import { ToolError } from '../../scripts/lib/errors.ts';
import type { Host } from '../../scripts/lib/host/host.ts';
import type { Clock } from '../../scripts/lib/gates/poll.ts';
import { ApiStatusError, type Kube, type RawResponse } from '../../scripts/lib/kube/api.ts';
import { contextName } from '../../scripts/lib/kube/api.ts';
import { resourcePath } from '../../scripts/lib/kube/resources.ts';

export type FakeAnswer = Partial<RunResult> | 'missing';
/** An answer computed from the call (e.g. helm's subcommand), or a fixed one. */
export type FakeScript = FakeAnswer | ((args: string[], opts: RunOptions) => FakeAnswer);

export interface FakeCall {
  cmd: string;
  args: string[];
  opts: RunOptions;
}

/**
 * Answers by the exact quoted command line first, then by the program name. `calls` holds each command line;
 * `invocations` the argv and options; `log`, when given, is a shared event log (FakeKube can write to it too).
 */
export function fakeRunner(answers: Record<string, FakeScript>, opts: { log?: string[] } = {}): Runner & { calls: string[]; invocations: FakeCall[] } {
  const calls: string[] = [];
  const invocations: FakeCall[] = [];
  return {
    calls,
    invocations,
    run(cmd, args, runOpts = {}) {
      const key = quoteArgs(cmd, args);
      calls.push(key);
      invocations.push({ cmd, args, opts: runOpts });
      opts.log?.push(`$ ${key}`);
      const script = answers[cmd] === 'missing' ? 'missing' : (answers[key] ?? answers[cmd]);
      let a: FakeAnswer | undefined;
      try {
        a = typeof script === 'function' ? script(args, runOpts) : script;
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      if (a === undefined) return Promise.reject(new Error(`fakeRunner: unexpected command: ${key}`));
      if (a === 'missing') return Promise.reject(new MissingToolError(cmd));
      const r: RunResult = { exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
      if (r.exitCode !== 0 && runOpts.check !== false) return Promise.reject(new ToolError(key, r.stderr, { exitCode: r.exitCode }));
      return Promise.resolve(r);
    },
  };
}

export const GiB = 1024 ** 3;

export function fakeHost(over: Partial<Host> & { files?: Record<string, string>; takenPorts?: number[] } = {}): Host {
  const files: Record<string, string> = {
    '/proc/sys/fs/inotify/max_user_watches': '524288\n',
    '/proc/sys/fs/inotify/max_user_instances': '512\n',
    '/proc/sys/kernel/osrelease': '6.1.0-18-amd64\n',
    ...over.files,
  };
  const taken = over.takenPorts ?? [];
  return {
    platform: 'linux',
    env: {},
    nodeVersion: '24.11.0',
    readFile: (p) => files[p],
    totalMemBytes: () => 16 * GiB,
    availableMemBytes: () => 12 * GiB,
    portFree: (port) => Promise.resolve(!taken.includes(port)),
    ...over,
  };
}

export interface FakeClockOptions {
  /** Called after each sleep with the new time: a test changes the world at a moment (state over time). */
  onSleep?: (now: number) => void;
  /**
   * Each sleep yields to the event loop (setImmediate) instead of resolving in the same microtask turn, so
   * concurrent pollers (the engine's components) interleave as they would with real time.
   */
  yieldToEventLoop?: boolean;
}

export function fakeClock(opts: FakeClockOptions = {}): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      opts.onSleep?.(t);
      return opts.yieldToEventLoop ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve();
    },
  };
}

/**
 * `docker version --format '{{json .}}'` as docker/cli prints it: the daemon's API version is `ApiVersion` up to
 * docker/cli 28 (api/types.Version's json tag) and `APIVersion` from v29.0.0 (moby/moby client's
 * ServerVersionResult, no json tags); the client's is `ApiVersion` in both (cli/command/system/version.go).
 */
export function dockerVersionJson(client: string, clientApi: string, server: string, serverApi: string): string {
  const cliMajor = Number(client.split('.')[0]);
  const serverApiKey = cliMajor >= 29 ? 'APIVersion' : 'ApiVersion';
  return JSON.stringify({
    Client: { Platform: { Name: 'Docker Engine - Community' }, Version: client, ApiVersion: clientApi, DefaultAPIVersion: clientApi, Os: 'linux', Arch: 'amd64', Context: 'default' },
    Server: { Platform: { Name: 'Docker Engine - Community' }, Version: server, [serverApiKey]: serverApi, MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' },
  });
}

/** The answers of a machine where everything preflight wants is present and current. */
export const HEALTHY_TOOLS: Record<string, FakeAnswer> = {
  "docker version --format '{{json .}}'": { stdout: dockerVersionJson('28.2.2', '1.50', '28.2.2', '1.50') },
  "docker info --format '{{.CgroupVersion}}'": { stdout: '2' },
  'kind version': { stdout: 'kind v0.32.0 go1.25.4 linux/amd64' },
  'helm version --short': { stdout: 'v4.0.4+g8650e1d' },
  'kubectl version --client -o json': { stdout: JSON.stringify({ clientVersion: { gitVersion: 'v1.36.0' } }) },
};

// ---- FakeKube ---------------------------------------------------------------------------------------------

/** An object's metadata, as loosely typed as a test writes it. */
export interface KMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string }>;
  deletionTimestamp?: string;
}
/** An object as the API holds it (any kind). */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KMeta;
  [field: string]: unknown;
}

interface Served {
  plural: string;
  namespaced: boolean;
}

/** Kinds every cluster serves (the rest, CRDs and aggregated APIs, are served once `serve`d or `put`). */
const BUILT_IN: Record<string, Record<string, Served>> = {
  v1: {
    Pod: { plural: 'pods', namespaced: true },
    Service: { plural: 'services', namespaced: true },
    ConfigMap: { plural: 'configmaps', namespaced: true },
    Secret: { plural: 'secrets', namespaced: true },
    ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
    Event: { plural: 'events', namespaced: true },
    Namespace: { plural: 'namespaces', namespaced: false },
    Node: { plural: 'nodes', namespaced: false },
  },
  'apps/v1': {
    Deployment: { plural: 'deployments', namespaced: true },
    ReplicaSet: { plural: 'replicasets', namespaced: true },
    StatefulSet: { plural: 'statefulsets', namespaced: true },
    DaemonSet: { plural: 'daemonsets', namespaced: true },
  },
  'autoscaling/v2': { HorizontalPodAutoscaler: { plural: 'horizontalpodautoscalers', namespaced: true } },
  'apiregistration.k8s.io/v1': { APIService: { plural: 'apiservices', namespaced: false } },
};
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'APIService', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);

const baseOf = (apiVersion: string): string => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
const clone = <T>(v: T): T => structuredClone(v);

interface ParsedPath {
  base: string;
  namespace?: string;
  plural?: string;
  name?: string;
  sub?: string;
  query: URLSearchParams;
}

function parsePath(full: string): ParsedPath {
  const [p = '', q = ''] = full.split('?', 2);
  const segs = p.split('/').filter(Boolean);
  const baseLen = segs[0] === 'api' ? 2 : segs[0] === 'apis' ? 3 : 0;
  const base = `/${segs.slice(0, baseLen).join('/')}`;
  const rest = segs.slice(baseLen);
  const query = new URLSearchParams(q);
  if (rest[0] === 'namespaces' && rest.length >= 3) return { base, namespace: rest[1], plural: rest[2], name: rest[3], sub: rest[4], query };
  return { base, plural: rest[0], name: rest[1], sub: rest[2], query };
}

/** Equality-based label selectors (`a=b,c==d,e!=f`, `g` exists): what hpa-lab uses. Set-based ones throw. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      if (/\s(in|notin)\s|\(/.test(term)) throw new Error(`FakeKube: set-based label selector not supported: ${term}`);
      const ne = /^([^!=]+)!=(.*)$/.exec(term);
      if (ne) return labels?.[ne[1] as string] !== ne[2];
      const eq = /^([^!=]+)==?(.*)$/.exec(term);
      if (eq) return labels?.[eq[1] as string] === eq[2];
      return labels?.[term] !== undefined;
    });
}

/**
 * A fake of the Kubernetes API's shapes, not a simulator: objects live in a map keyed by their REST path;
 * GET of an object path answers it or 404 (getJson: undefined), GET of a collection path answers a list
 * filtered by `?labelSelector=` (equality terms), GET of a group version answers its discovery
 * (APIResourceList), `apply` stores the object (server-side apply: the live status stays, generation moves
 * when the spec changes) and records it. Nothing changes by itself: a test scripts change over time with
 * `onGet(path, n => …)` (runs before the n-th GET of that path, e.g. a Deployment rolls out at the 3rd poll)
 * or with the fake clock's onSleep.
 */
export class FakeKube implements Kube {
  readonly context: string;
  readonly server = 'https://127.0.0.1:6443';
  readonly kubeconfig: string;
  /** Every request in order: `GET <path>`, `APPLY <path>` (shared with a fakeRunner when `log` is given). */
  readonly log: string[];
  /** Every object passed to apply, as passed. */
  readonly applied: KubernetesObject[] = [];
  private readonly objects = new Map<string, KObject>();
  private readonly served = new Map<string, Map<string, Served>>();
  private readonly raw = new Map<string, RawResponse>();
  private readonly logs = new Map<string, string>();
  private readonly hooks = new Map<string, { n: number; fn: (n: number) => void }>();
  private uid = 0;

  constructor(opts: { cluster?: string; log?: string[] } = {}) {
    const cluster = opts.cluster ?? 'lab';
    this.context = contextName(cluster);
    this.kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: ${this.context}\n  cluster: {server: '${this.server}'}\ncontexts:\n- name: ${this.context}\n  context: {cluster: ${this.context}, user: ${this.context}}\ncurrent-context: ${this.context}\nusers:\n- name: ${this.context}\n  user: {token: fake}\n`;
    this.log = opts.log ?? [];
    for (const [apiVersion, kinds] of Object.entries(BUILT_IN)) for (const [kind, s] of Object.entries(kinds)) this.serve(apiVersion, kind, s);
  }

  /** Serves a kind (a CRD installed, an aggregated API registered): its discovery entry and its collections. */
  serve(apiVersion: string, kind: string, s: Partial<Served> = {}): this {
    const base = baseOf(apiVersion);
    const kinds = this.served.get(base) ?? new Map<string, Served>();
    if (!kinds.has(kind)) {
      const lower = kind.toLowerCase();
      kinds.set(kind, { plural: s.plural ?? (lower.endsWith('s') ? `${lower}es` : `${lower}s`), namespaced: s.namespaced ?? !CLUSTER_SCOPED.has(kind) });
    }
    this.served.set(base, kinds);
    return this;
  }

  /** The REST path of an object of any kind (its kind is served from now on). */
  pathOf(o: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
    const apiVersion = o.apiVersion ?? 'v1';
    const kind = o.kind ?? '';
    this.serve(apiVersion, kind);
    const s = this.served.get(baseOf(apiVersion))?.get(kind) as Served;
    return `${baseOf(apiVersion)}${s.namespaced ? `/namespaces/${o.metadata?.namespace ?? 'default'}` : ''}/${s.plural}/${o.metadata?.name ?? ''}`;
  }

  /** DELETE removes a stored object (200, or 404); POST is not faked (501). */
  send(method: 'POST' | 'DELETE', path: string): Promise<RawResponse> {
    this.log.push(`${method} ${path}`);
    if (method === 'DELETE') return Promise.resolve(this.objects.delete(path.split('?')[0] ?? path) ? { status: 200, body: '{}' } : { status: 404, body: '{}' });
    return Promise.resolve({ status: 501, body: '{"message":"not faked"}' });
  }

  /** Stores objects as they are (status included), as if controllers had written them. */
  put(...objs: KObject[]): this {
    for (const o of objs) {
      const stored = clone(o);
      stored.metadata = { ...stored.metadata, uid: stored.metadata?.uid ?? `uid-${++this.uid}` };
      this.objects.set(this.pathOf(o), stored);
    }
    return this;
  }

  /** The stored object at a path (a copy), or undefined. */
  get<T = KObject>(path: string): T | undefined {
    const o = this.objects.get(path);
    return o === undefined ? undefined : (clone(o) as T);
  }

  /** Changes a stored object in place (a controller updating its status). */
  update(path: string, change: (o: KObject) => void): this {
    const o = this.objects.get(path);
    if (!o) throw new Error(`FakeKube.update: nothing at ${path}`);
    change(o);
    return this;
  }

  remove(path: string): this {
    this.objects.delete(path);
    return this;
  }

  /** A fixed answer for a path getRaw/getJson reads (readyz, an aggregated API's list). */
  setRaw(path: string, status: number, body: unknown): this {
    this.raw.set(path, { status, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return this;
  }

  /** The log tail a pod's container answers (GET …/pods/<pod>/log). */
  setLog(namespace: string, pod: string, text: string): this {
    this.logs.set(`${namespace}/${pod}`, text);
    return this;
  }

  /**
   * Runs `fn(n)` before the n-th GET of `path` (the query string is ignored when matching): the way a test makes
   * the world change over polls. A hook that throws makes that GET fail (a network error).
   */
  onGet(path: string, fn: (n: number) => void): this {
    this.hooks.set(path.split('?')[0] as string, { n: 0, fn });
    return this;
  }

  /** How many GETs of this path (query ignored) were made. */
  gets(path: string): number {
    const p = path.split('?')[0];
    return this.log.filter((l) => l.startsWith('GET ') && l.slice(4).split('?')[0] === p).length;
  }

  private answer(path: string): RawResponse {
    this.log.push(`GET ${path}`);
    const hook = this.hooks.get(path.split('?')[0] as string);
    if (hook) hook.fn(++hook.n);
    const fixed = this.raw.get(path) ?? this.raw.get(path.split('?')[0] as string);
    if (fixed) return fixed;
    const p = parsePath(path);
    const notFound = (what: string): RawResponse => ({ status: 404, body: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: `${what} not found` }) });
    const ok = (body: unknown): RawResponse => ({ status: 200, body: JSON.stringify(body) });
    const kinds = this.served.get(p.base);
    if (!p.plural) {
      if (!kinds) return notFound(`the server could not find the requested resource (${p.base})`);
      const groupVersion = p.base.replace(/^\/apis?\//, '');
      return ok({ kind: 'APIResourceList', groupVersion, resources: [...kinds].map(([kind, s]) => ({ name: s.plural, kind, namespaced: s.namespaced })) });
    }
    const entry = [...(kinds ?? [])].find(([, s]) => s.plural === p.plural);
    if (!entry) return notFound(`the server could not find the requested resource (${path})`);
    const [kind, s] = entry;
    if (p.name) {
      const objPath = `${p.base}${p.namespace ? `/namespaces/${p.namespace}` : ''}/${p.plural}/${p.name}`;
      const o = this.objects.get(objPath);
      if (!o) return notFound(`${p.plural} "${p.name}"`);
      if (p.sub === 'log') return { status: 200, body: this.logs.get(`${p.namespace ?? ''}/${p.name}`) ?? '' };
      if (p.sub) return notFound(`${p.plural} "${p.name}" ${p.sub}`);
      return ok(o);
    }
    const prefix = `${p.base}${p.namespace ? `/namespaces/${p.namespace}` : ''}/`;
    const selector = p.query.get('labelSelector') ?? '';
    const items = [...this.objects]
      .filter(([k]) => k.startsWith(prefix) && (s.namespaced || !p.namespace))
      .filter(([k]) => parsePath(k).plural === p.plural)
      .map(([, o]) => o)
      .filter((o) => matchesSelector(o.metadata?.labels, selector));
    return ok({ kind: `${kind}List`, apiVersion: p.base.replace(/^\/apis?\//, ''), metadata: {}, items });
  }

  getRaw(path: string): Promise<RawResponse> {
    try {
      return Promise.resolve(clone(this.answer(path)));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async getJson<T>(path: string): Promise<T | undefined> {
    const r = await this.getRaw(path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new ApiStatusError(`GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`, r.status);
    return JSON.parse(r.body) as T;
  }

  async listNodes(): Promise<V1Node[]> {
    return (await this.getJson<{ items: V1Node[] }>('/api/v1/nodes'))?.items ?? [];
  }

  /** Server-side apply: refuses kinds the product's path table does not know, as the real client does. */
  apply<T extends KubernetesObject>(obj: T): Promise<T> {
    let path: string;
    try {
      path = resourcePath(obj);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.log.push(`APPLY ${path}`);
    this.applied.push(clone(obj));
    const live = this.objects.get(path);
    const next = clone(obj) as unknown as KObject;
    const generation = live ? Number(live.metadata?.generation ?? 1) + (JSON.stringify(live.spec) === JSON.stringify(next.spec) ? 0 : 1) : 1;
    next.metadata = { ...next.metadata, uid: live?.metadata?.uid ?? `uid-${++this.uid}`, generation };
    if (live?.status !== undefined) next.status = live.status;
    this.serve(obj.apiVersion ?? 'v1', obj.kind ?? '');
    this.objects.set(path, next);
    return Promise.resolve(clone(next) as unknown as T);
  }
}

/**
 * Helm's record of a deployed release revision, as Helm 3/4 stores it: Secret sh.helm.release.v1.<release>.v<N>
 * (labels owner=helm, name, status, version) whose `release` key is base64(gzip(JSON)) of the release, the
 * rendered manifest inside (the API then base64-encodes the Secret's bytes once more).
 */
export function helmReleaseSecret(release: string, namespace: string, revision: number, objects: KObject[], status = 'deployed'): KObject {
  const manifest = objects.map((o) => `---\n${stringify(o)}`).join('');
  const helmBlob = gzipSync(Buffer.from(JSON.stringify({ name: release, namespace, version: revision, manifest }))).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: { name: `sh.helm.release.v1.${release}.v${revision}`, namespace, labels: { owner: 'helm', name: release, status, version: String(revision) } },
    data: { release: Buffer.from(helmBlob).toString('base64') },
  };
}

// The HTTP surface of the simulated API server: health, version, discovery, and the generic REST verbs
// (get, list, watch, create, update, patch, delete, deletecollection, status and scale subresources) for
// every type in the resource registry. Responses and errors have the shapes of a real kube-apiserver.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { aggregatedApi } from './aggregator.ts';
import { ApiError, errors } from './apierrors.ts';
import { openApiDiscovery, openApiForGroupVersion, openApiV2 } from './openapi.ts';
import { jsonPatch, mergePatch, serverSideApply, strategicMerge } from './patch.ts';
import { loadSchemas, undeclaredFields } from './schemas.ts';
import { apiVersionOf, STANDARD_VERBS, type ResourceRegistry, type ResourceType } from './resources.ts';
import { podLogs } from './podlogs.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { STRATEGIES, validateName, type StrategyContext } from './strategies.ts';
import { nowTimestamp, type KubeObject, type Store, type StoreEvent } from './store.ts';
import { toTable, type IncludeObject } from './tables.ts';

export interface HealthCheck {
  name: string;
  /** undefined when healthy, else the reason (shown as "reason withheld" like the real server) */
  failing: () => boolean;
}

export interface ApiOptions {
  store: Store;
  registry: ResourceRegistry;
  kubernetesVersion: string;
  /** Extra readiness checks (the api-slow fault adds a failing "etcd" check). */
  readyzChecks: HealthCheck[];
  log: (line: string) => void;
}

interface Reply {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(errors.badRequest('request entity too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** What the client asked for in Accept: a Table, metadata only, or plain JSON. */
function acceptMode(req: IncomingMessage): { table?: string; metadataOnly: boolean } {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') return { table: `meta.k8s.io/${params.get('v') ?? 'v1'}`, metadataOnly: false };
    if (params.get('as')?.startsWith('PartialObjectMetadata')) return { metadataOnly: true };
  }
  return { metadataOnly: false };
}

// ---- health, version, discovery ---------------------------------------------------------------------------

const BASE_CHECKS = ['ping', 'log', 'informer-sync', 'poststarthook/start-apiserver-admission-initializer', 'poststarthook/generic-apiserver-start-informers', 'poststarthook/start-apiextensions-controllers', 'poststarthook/crd-informer-synced', 'poststarthook/apiservice-registration-controller', 'shutdown'];

function health(kind: 'healthz' | 'livez' | 'readyz', url: URL, extra: HealthCheck[]): Reply {
  const failing = kind === 'readyz' ? extra.filter((c) => c.failing()) : [];
  const okChecks = [...BASE_CHECKS, ...(kind === 'readyz' ? extra.filter((c) => !c.failing()).map((c) => c.name) : [])];
  const lines = [...okChecks.map((c) => `[+]${c} ok`), ...failing.map((c) => `[-]${c.name} failed: reason withheld`)];
  if (failing.length) return { status: 500, body: `${lines.join('\n')}\n${kind} check failed\n`, contentType: 'text/plain; charset=utf-8' };
  if (url.searchParams.has('verbose')) return { status: 200, body: `${lines.join('\n')}\n${kind} check passed\n`, contentType: 'text/plain; charset=utf-8' };
  return { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' };
}

function versionInfo(gitVersion: string): Obj {
  const [major = '1', minor = '36'] = gitVersion.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    emulationMajor: major,
    emulationMinor: minor,
    minCompatibilityMajor: major,
    minCompatibilityMinor: String(Number(minor) - 1),
    gitVersion,
    gitCommit: 'c1e2f8a0a5f3b7c9d8e6f4a2b0c1d3e5f7a9b1c3',
    gitTreeState: 'clean',
    buildDate: '2026-05-14T12:00:00Z',
    goVersion: 'go1.25.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function resourceList(registry: ResourceRegistry, group: string, version: string): Obj | undefined {
  const types = registry.served().filter((r) => r.group === group && r.version === version);
  if (!types.length) return undefined;
  const resources: Obj[] = [];
  for (const r of types) {
    const main: Obj = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: STANDARD_VERBS };
    if (r.shortNames?.length) main.shortNames = r.shortNames;
    if (r.categories?.length) main.categories = r.categories;
    resources.push(main);
    for (const sub of r.subresources ?? []) {
      const entry: Obj = { name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] };
      if (sub === 'scale') Object.assign(entry, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
      resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function apiGroup(registry: ResourceRegistry, name: string): Obj | undefined {
  const g = registry.groupVersions().find((x) => x.group === name && name !== '');
  if (!g) return undefined;
  const versions = g.versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0] };
}

// ---- object helpers ---------------------------------------------------------------------------------------

function selectorString(sel: unknown): string {
  return Object.entries(obj(obj(sel).matchLabels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

function toScale(o: KubeObject): Obj {
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj(o.spec).replicas ?? 1 },
    status: { replicas: obj(o.status).replicas ?? 0, selector: selectorString(obj(o.spec).selector) },
  };
}

/** Records who wrote an object in metadata.managedFields (ownership is not enforced). */
function recordManager(o: KubeObject, manager: string, operation: 'Apply' | 'Update', subresource?: string): void {
  const entries = (o.metadata.managedFields ?? []) as Obj[];
  const entry: Obj = { manager, operation, apiVersion: o.apiVersion, time: nowTimestamp(), fieldsType: 'FieldsV1', fieldsV1: {} };
  if (subresource) entry.subresource = subresource;
  o.metadata.managedFields = [...entries.filter((e) => !(e.manager === manager && e.operation === operation && e.subresource === subresource)), entry];
}

function managerOf(url: URL, req: IncomingMessage): string {
  return url.searchParams.get('fieldManager') ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

// ---- the router -------------------------------------------------------------------------------------------

interface Target {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
  watchPath: boolean;
}

export class KubeApi {
  private readonly o: ApiOptions;
  private readonly sctx: StrategyContext;

  constructor(options: ApiOptions) {
    this.o = options;
    this.sctx = {
      store: options.store,
      rt: (group, resource) => options.registry.served().find((r) => r.group === group && r.resource === resource),
    };
  }

  /** Node http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://apiserver');
    res.on('finish', () => this.o.log(`${req.method} ${url.pathname}${url.search} ${res.statusCode} ${Date.now() - started}ms`));
    this.route(req, res, url).then(
      (reply) => {
        if (reply) this.send(res, reply);
      },
      (err: unknown) => {
        if (err instanceof ApiError) this.send(res, { status: err.status.code, body: err.status });
        else {
          this.o.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          const e = errors.internal(err instanceof Error ? err.message : String(err));
          this.send(res, { status: 500, body: e.status });
        }
      },
    );
  };

  private send(res: ServerResponse, r: Reply): void {
    if (res.headersSent) return;
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    res.writeHead(r.status, { 'Content-Type': r.contentType ?? 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text), ...r.headers });
    res.end(text);
  }

  /** Returns undefined when the handler already wrote the response (watch streams). */
  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<Reply | undefined> {
    const segs = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const [first, ...rest] = segs;
    if (method === 'GET' && (first === 'healthz' || first === 'livez' || first === 'readyz')) return health(first, url, this.o.readyzChecks);
    if (method === 'GET' && url.pathname === '/version') return { status: 200, body: versionInfo(this.o.kubernetesVersion) };
    if (method === 'GET' && url.pathname === '/openapi/v2') {
      const v2 = openApiV2(req.headers.accept ?? '', this.o.kubernetesVersion);
      return { status: 200, body: v2.body, contentType: v2.contentType };
    }
    if (method === 'GET' && first === 'openapi' && rest[0] === 'v3') {
      if (rest.length === 1) return { status: 200, body: openApiDiscovery(this.o.registry) };
      const doc = rest[1] === 'api' ? openApiForGroupVersion(this.o.registry, '', rest[2] ?? '') : openApiForGroupVersion(this.o.registry, rest[2] ?? '', rest[3] ?? '');
      if (!doc) throw errors.notFoundPath();
      return { status: 200, body: doc };
    }
    if (first === 'api') {
      if (rest.length === 0) return { status: 200, body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '172.18.0.2:6443' }] } };
      const [version = '', ...more] = rest;
      return this.groupVersion(req, res, url, '', version, more);
    }
    if (first === 'apis') {
      if (rest.length === 0) {
        const groups = this.o.registry.groupVersions().filter((g) => g.group !== '');
        const aggregated = this.aggregatedGroups().filter((g) => !groups.some((x) => x.group === g.name));
        return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups.map((g) => apiGroup(this.o.registry, g.group)), ...aggregated] } };
      }
      const [group = '', version, ...more] = rest;
      if (version === undefined) {
        const g = apiGroup(this.o.registry, group) ?? this.aggregatedGroups().find((x) => x.name === group);
        if (!g) throw errors.notFoundPath();
        return { status: 200, body: g };
      }
      if (!this.o.registry.served().some((r) => r.group === group && r.version === version) && this.serviceApiService(group, version)) {
        return this.aggregated(req, url, group, version, more);
      }
      return this.groupVersion(req, res, url, group, version, more);
    }
    throw errors.notFoundPath();
  }

  /** APIService VERSION.GROUP when it is backed by a Service (not Local). */
  private serviceApiService(group: string, version: string): KubeObject | undefined {
    const rt = this.sctx.rt('apiregistration.k8s.io', 'apiservices');
    const o = rt ? this.o.store.get(rt, undefined, `${version}.${group}`) : undefined;
    return o && obj(obj(o.spec).service).name ? o : undefined;
  }

  /** Groups that only aggregated APIServices provide (metrics.k8s.io, custom.metrics.k8s.io), as APIGroups. */
  private aggregatedGroups(): Obj[] {
    const rt = this.sctx.rt('apiregistration.k8s.io', 'apiservices');
    const byGroup = new Map<string, string[]>();
    for (const o of rt ? this.o.store.list(rt) : []) {
      const spec = obj(o.spec);
      if (!obj(spec.service).name || typeof spec.group !== 'string' || typeof spec.version !== 'string') continue;
      byGroup.set(spec.group, [...(byGroup.get(spec.group) ?? []), spec.version]);
    }
    return [...byGroup].map(([name, vs]) => {
      const versions = vs.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions, preferredVersion: versions[0] };
    });
  }

  /** kube-aggregator: proxy to the registered API while the APIService is Available, else 503. */
  private async aggregated(req: IncomingMessage, url: URL, group: string, version: string, segs: string[]): Promise<Reply> {
    const apisvc = this.serviceApiService(group, version);
    const available = arr(obj(apisvc?.status).conditions).map(obj).find((c) => c.type === 'Available')?.status === 'True';
    if (!available) throw errors.serviceUnavailable();
    const api = aggregatedApi(group, version);
    if (!api) {
      this.o.log(`aggregated API ${group}/${version} has no simulated server registered (lib/aggregator.ts): answering 503`);
      throw errors.serviceUnavailable();
    }
    const r = await api.handle({ method: req.method ?? 'GET', segments: segs, url, req }, this.sctx);
    return { status: r.status, body: r.body, contentType: r.contentType };
  }

  private async groupVersion(req: IncomingMessage, res: ServerResponse, url: URL, group: string, version: string, segs: string[]): Promise<Reply | undefined> {
    if (group === '' && segs.length === 5 && segs[0] === 'namespaces' && segs[2] === 'pods' && segs[4] === 'log') {
      return this.podLog(req, res, url, segs[1] ?? '', segs[3] ?? '');
    }
    if (segs.length === 0) {
      const list = resourceList(this.o.registry, group, version);
      if (!list) throw errors.notFoundPath();
      return { status: 200, body: list };
    }
    const t = this.target(group, version, segs);
    const method = req.method ?? 'GET';
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    if (t.rt.group === '' && t.rt.resource === 'endpoints') {
      const reply = await this.verb(req, res, url, t, method, dryRun);
      if (reply) reply.headers = { ...reply.headers, Warning: '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"' };
      return reply;
    }
    return this.verb(req, res, url, t, method, dryRun);
  }

  private async verb(req: IncomingMessage, res: ServerResponse, url: URL, t: Target, method: string, dryRun: boolean): Promise<Reply | undefined> {
    if (t.rt.namespaced && t.name !== undefined && t.namespace === undefined) throw errors.notFoundPath();
    switch (method) {
      case 'GET':
        if (t.name === undefined) {
          if (t.watchPath || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
            this.watch(req, res, url, t);
            return undefined;
          }
          return this.list(req, url, t);
        }
        return this.get(req, url, t);
      case 'POST':
        if (t.name !== undefined || (t.rt.namespaced && t.namespace === undefined)) throw errors.methodNotAllowed();
        return this.create(t, parseJsonBody(await readBody(req)), url, req, dryRun);
      case 'PUT':
        if (t.name === undefined) throw errors.methodNotAllowed();
        return this.put(t, parseJsonBody(await readBody(req)), url, req, dryRun);
      case 'PATCH':
        if (t.name === undefined) throw errors.methodNotAllowed();
        if ((req.headers['content-type'] ?? '').startsWith('application/apply-patch')) await loadSchemas();
        return this.patch(t, await readBody(req), url, req, dryRun);
      case 'DELETE':
        return this.delete(t, await readBody(req), url, dryRun);
      default:
        throw errors.methodNotAllowed();
    }
  }

  /**
   * GET /api/v1/namespaces/NS/pods/NAME/log: the container's log buffer (lib/podlogs.ts) with the kubelet's
   * errors for a container that has not started, `container`, `previous`, `tailLines`, `timestamps`,
   * `sinceSeconds`, `limitBytes` and `follow`.
   */
  private podLog(req: IncomingMessage, res: ServerResponse, url: URL, namespace: string, name: string): Reply | undefined {
    if ((req.method ?? 'GET') !== 'GET') throw errors.methodNotAllowed();
    const podsRt = this.sctx.rt('', 'pods');
    if (!podsRt) throw errors.notFoundPath();
    const pod = this.o.store.get(podsRt, namespace, name);
    if (!pod) throw errors.notFound(podsRt, name);
    const spec = obj(pod.spec);
    const names = arr(spec.containers).map((c) => String(obj(c).name));
    const initNames = arr(spec.initContainers).map((c) => String(obj(c).name));
    let container = url.searchParams.get('container') ?? '';
    if (!container) {
      if (names.length !== 1) {
        throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`);
      }
      container = names[0] ?? '';
    }
    if (!names.includes(container) && !initNames.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
    const previous = ['true', '1'].includes(url.searchParams.get('previous') ?? '');
    const statuses = [...arr(obj(pod.status).containerStatuses), ...arr(obj(pod.status).initContainerStatuses)].map(obj);
    const cs = statuses.find((c) => c.name === container);
    const lines = podLogs.lines(namespace, name, container, previous);
    if (previous && (!lines || !obj(obj(cs?.lastState).terminated).finishedAt)) {
      throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    const waiting = obj(obj(cs?.state).waiting);
    if (!previous && !obj(cs?.state).running && !obj(cs?.state).terminated) {
      const reason = typeof waiting.reason === 'string' ? waiting.reason : 'ContainerCreating';
      const why = reason === 'ErrImagePull' ? "image can't be pulled" : reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
      throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${why}`);
    }
    const timestamps = ['true', '1'].includes(url.searchParams.get('timestamps') ?? '');
    const fmt = (l: { at: number; text: string }) => `${timestamps ? `${new Date(l.at).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')} ` : ''}${l.text}\n`;
    let shown = [...(lines ?? [])];
    const since = Number(url.searchParams.get('sinceSeconds') ?? '0');
    if (since > 0) shown = shown.filter((l) => l.at >= Date.now() - since * 1000);
    const tail = url.searchParams.get('tailLines');
    if (tail !== null && Number(tail) >= 0) shown = Number(tail) === 0 ? [] : shown.slice(-Number(tail));
    let text = shown.map(fmt).join('');
    const limit = Number(url.searchParams.get('limitBytes') ?? '0');
    if (limit > 0) text = Buffer.from(text).subarray(0, limit).toString('utf8');
    if (!['true', '1'].includes(url.searchParams.get('follow') ?? '') || previous) return { status: 200, body: text, contentType: 'text/plain' };
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.write(text);
    const unfollow = podLogs.follow(namespace, name, container, (l) => res.write(fmt(l)));
    const off = this.o.store.on((ev) => {
      if (ev.type === 'DELETED' && ev.rt.resource === 'pods' && ev.object.metadata.namespace === namespace && ev.object.metadata.name === name) res.end();
    });
    const stop = () => {
      unfollow();
      off();
    };
    res.on('close', stop);
    req.on('close', stop);
    return undefined;
  }

  /** Maps the path segments after /api/v1 or /apis/G/V to a type, namespace, name and subresource. */
  private target(group: string, version: string, input: string[]): Target {
    let segs = input;
    const watchPath = segs[0] === 'watch';
    if (watchPath) segs = segs.slice(1);
    let namespace: string | undefined;
    let parts: string[];
    const namespaceSub = segs[0] === 'namespaces' && segs.length === 3 && (segs[2] === 'status' || segs[2] === 'finalize');
    if (segs[0] === 'namespaces' && segs.length >= 3 && !namespaceSub) {
      namespace = segs[1];
      parts = segs.slice(2);
    } else parts = segs;
    if (parts.length > 3) throw errors.notFoundPath();
    const [resource = '', name, sub] = parts;
    const rt = this.o.registry.find(group, version, resource);
    if (!rt || (namespace !== undefined && !rt.namespaced)) throw errors.notFoundPath();
    if (sub !== undefined && !(rt.subresources ?? []).includes(sub as 'status')) throw errors.notFoundPath();
    return { rt, namespace, name, sub, watchPath };
  }

  private present(req: IncomingMessage, url: URL, rt: ResourceType, items: KubeObject[], single: boolean): unknown {
    const mode = acceptMode(req);
    const rv = single ? (items[0]?.metadata.resourceVersion ?? '') : this.o.store.resourceVersion();
    if (mode.table) {
      const include = (url.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
      return toTable(rt, items, { resourceVersion: rv, include, apiVersion: mode.table });
    }
    if (mode.metadataOnly) {
      const meta = items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
      return single ? meta[0] : { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: rv }, items: meta };
    }
    if (single) return items[0];
    // Built-in list items carry no kind/apiVersion in real API responses; custom resources do.
    const shown = rt.custom ? items : items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: rv }, items: shown };
  }

  private mustGet(t: Target): KubeObject {
    const o = this.o.store.get(t.rt, t.namespace, t.name ?? '');
    if (!o) throw errors.notFound(t.rt, t.name ?? '');
    return o;
  }

  private get(req: IncomingMessage, url: URL, t: Target): Reply {
    const o = this.mustGet(t);
    if (t.sub === 'scale') return { status: 200, body: toScale(o) };
    return { status: 200, body: this.present(req, url, t.rt, [o], true) };
  }

  private matching(url: URL, t: Target): (o: KubeObject) => boolean {
    const label = parseLabelSelector(url.searchParams.get('labelSelector'));
    const field = parseFieldSelector(url.searchParams.get('fieldSelector'), t.rt.fieldSelectors);
    return (o) => label(o) && field(o);
  }

  private list(req: IncomingMessage, url: URL, t: Target): Reply {
    const match = this.matching(url, t);
    let items = this.o.store.list(t.rt, t.namespace).filter(match);
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const cont = url.searchParams.get('continue');
    const offset = cont ? Number(Buffer.from(cont, 'base64url').toString('utf8')) || 0 : 0;
    let next: string | undefined;
    if (offset) items = items.slice(offset);
    if (limit > 0 && items.length > limit) {
      next = Buffer.from(String(offset + limit)).toString('base64url');
      items = items.slice(0, limit);
    }
    const body = this.present(req, url, t.rt, items, false) as Obj;
    if (next) body.metadata = { ...obj(body.metadata), continue: next };
    return { status: 200, body };
  }

  /** Streams watch events (newline-delimited JSON) until timeoutSeconds or the client goes away. */
  private watch(req: IncomingMessage, res: ServerResponse, url: URL, t: Target): void {
    const match = this.matching(url, t);
    const mode = acceptMode(req);
    const include = (url.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
    const render = (o: KubeObject): unknown =>
      mode.table ? toTable(t.rt, [o], { resourceVersion: o.metadata.resourceVersion ?? '', include, apiVersion: mode.table }) : o;
    const inScope = (ev: StoreEvent) =>
      ev.rt.group === t.rt.group && ev.rt.resource === t.rt.resource && (t.namespace === undefined || ev.object.metadata.namespace === t.namespace) && match(ev.object);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // Node holds headers back until the first body write; a quiet watch must still look established to clients.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');
    const rvParam = url.searchParams.get('resourceVersion');
    const initial = url.searchParams.get('sendInitialEvents') === 'true';
    if (initial || !rvParam || rvParam === '0') {
      for (const o of this.o.store.list(t.rt, t.namespace).filter(match)) write('ADDED', render(o));
      if (initial) {
        write('BOOKMARK', { kind: t.rt.kind, apiVersion: apiVersionOf(t.rt), metadata: { resourceVersion: this.o.store.resourceVersion(), annotations: { 'k8s.io/initial-events-end': 'true' } } });
      }
    } else {
      const missed = this.o.store.eventsSince(Number(rvParam));
      if (!missed) {
        write('ERROR', errors.expired(`too old resource version: ${rvParam} (${this.o.store.resourceVersion()})`).status);
        res.end();
        return;
      }
      for (const ev of missed.filter(inScope)) write(ev.type, render({ ...ev.object, apiVersion: apiVersionOf(t.rt) }));
    }
    const off = this.o.store.on((ev) => {
      if (inScope(ev)) write(ev.type, render({ ...ev.object, apiVersion: apiVersionOf(t.rt) }));
    });
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => res.end(), Math.max(1, timeout) * 1000);
    const stop = () => {
      clearTimeout(timer);
      off();
    };
    res.on('close', stop);
    req.on('close', stop);
  }

  /** Checks apiVersion/kind of a request body against the URL's type. */
  private decodeObject(body: unknown, t: Target): KubeObject {
    const o = obj(body);
    const want = apiVersionOf(t.rt);
    if (typeof o.apiVersion === 'string' && o.apiVersion !== want) {
      throw errors.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`);
    }
    if (typeof o.kind === 'string' && o.kind !== t.rt.kind) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type ${t.rt.kind}): couldn't get version/kind; json parse error`);
    }
    const metadata = { ...obj(o.metadata) } as KubeObject['metadata'];
    if (t.rt.namespaced) {
      if (metadata.namespace && t.namespace && metadata.namespace !== t.namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      metadata.namespace = t.namespace;
    }
    return { ...o, apiVersion: want, kind: t.rt.kind, metadata };
  }

  private validate(t: Target, o: KubeObject): void {
    const causes = [...validateName(t.rt, o.metadata.name), ...(STRATEGIES[t.rt.resource]?.validate?.(o, this.sctx) ?? [])];
    if (causes.length) throw errors.invalid(t.rt.kind, t.rt, o.metadata.name, causes);
  }

  /** create: used by POST and by server-side apply of an absent object. */
  private createObject(t: Target, o: KubeObject, manager: string, operation: 'Apply' | 'Update', dryRun: boolean): KubeObject {
    STRATEGIES[t.rt.resource]?.admit?.(o, this.sctx); // mutating admission (e.g. ServiceAccount), before generateName
    if (!o.metadata.name && typeof o.metadata.generateName === 'string' && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomSuffix();
    delete o.metadata.resourceVersion;
    if ((t.rt.subresources ?? []).includes('status')) delete o.status;
    // The uid is given before the strategy runs (BeforeCreate's FillObjectMetaSystemFields): a Job's generated
    // selector and pod template labels carry it.
    const uid = randomUUID();
    o.metadata.uid = uid;
    STRATEGIES[t.rt.resource]?.prepareForCreate?.(o, this.sctx);
    this.validate(t, o);
    recordManager(o, manager, operation);
    return this.o.store.create(t.rt, o, { dryRun, uid });
  }

  private create(t: Target, body: unknown, url: URL, req: IncomingMessage, dryRun: boolean): Reply {
    const o = this.decodeObject(body, t);
    return { status: 201, body: this.createObject(t, o, managerOf(url, req), 'Update', dryRun) };
  }

  /** Shared tail of PUT and PATCH: subresource rules, defaults, validation, write. */
  private write(t: Target, old: KubeObject, next: KubeObject, manager: string, operation: 'Apply' | 'Update', dryRun: boolean): KubeObject {
    let o: KubeObject;
    if (t.sub === 'status') {
      // Writes to /status change only the status.
      o = { ...old, status: next.status, metadata: { ...old.metadata, resourceVersion: next.metadata.resourceVersion ?? old.metadata.resourceVersion } };
    } else {
      o = next;
      o.metadata.name = old.metadata.name;
      if (t.rt.namespaced) o.metadata.namespace = old.metadata.namespace;
      if ((t.rt.subresources ?? []).includes('status')) {
        if (old.status === undefined) delete o.status;
        else o.status = old.status;
      }
      STRATEGIES[t.rt.resource]?.prepareForUpdate?.(o, old, this.sctx);
      this.validate(t, o);
    }
    recordManager(o, manager, operation, t.sub);
    return this.o.store.update(t.rt, o, { dryRun });
  }

  private put(t: Target, body: unknown, url: URL, req: IncomingMessage, dryRun: boolean): Reply {
    const old = this.mustGet(t);
    if (t.sub === 'scale') {
      const replicas = obj(obj(body).spec).replicas;
      const next = structuredClone(old);
      next.spec = { ...obj(old.spec), replicas };
      return { status: 200, body: toScale(this.write({ ...t, sub: undefined }, old, next, managerOf(url, req), 'Update', dryRun)) };
    }
    const o = this.decodeObject(body, t);
    if (o.metadata.name && o.metadata.name !== t.name) {
      throw errors.badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${t.name})`);
    }
    return { status: 200, body: this.write(t, old, o, managerOf(url, req), 'Update', dryRun) };
  }

  private patch(t: Target, text: string, url: URL, req: IncomingMessage, dryRun: boolean): Reply {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const manager = managerOf(url, req);
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') {
      if (!url.searchParams.get('fieldManager')) throw errors.badRequest('fieldManager is required for apply requests');
      let applied: unknown;
      try {
        applied = parseYaml(text) as unknown;
      } catch (err) {
        throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
      const a = obj(applied);
      if (typeof a.apiVersion !== 'string' || typeof a.kind !== 'string') throw errors.badRequest('invalid object type: /, Kind=');
      const name = obj(a.metadata).name;
      if (name !== t.name) throw errors.badRequest(`the name of the object (${String(name)}) does not match the name on the URL (${t.name})`);
      // Server-side apply types the object against its kind's schema (see lib/schemas.ts): unless the client
      // asks fieldValidation=Ignore, a field the schema does not declare is refused.
      if (!t.rt.custom && url.searchParams.get('fieldValidation') !== 'Ignore') {
        const undeclared = undeclaredFields(a);
        if (undeclared.length) {
          const group = t.rt.group ? `${t.rt.group}/${t.rt.version}` : `/${t.rt.version}`;
          throw errors.unknown(`failed to create typed patch object (${t.namespace ?? ''}/${t.name ?? ''}; ${group}, Kind=${String(a.kind)}): ${undeclared[0] ?? ''}: field not declared in schema`);
        }
      }
      const decoded = this.decodeObject(applied, t);
      const old = this.o.store.get(t.rt, t.namespace, t.name ?? '');
      if (!old) {
        if (t.sub) throw errors.notFound(t.rt, t.name ?? '');
        return { status: 201, body: this.createObject(t, decoded, manager, 'Apply', dryRun) };
      }
      const merged = serverSideApply(old, decoded) as unknown as KubeObject;
      merged.metadata.resourceVersion = decoded.metadata.resourceVersion ?? old.metadata.resourceVersion;
      return { status: 200, body: this.write(t, old, merged, manager, 'Apply', dryRun) };
    }
    const old = this.mustGet(t);
    const patch = parseJsonBody(text);
    const base: unknown = t.sub === 'scale' ? toScale(old) : old;
    let patched: unknown;
    switch (type) {
      case 'application/merge-patch+json':
        patched = mergePatch(base, patch);
        break;
      case 'application/strategic-merge-patch+json':
        // Like Kubernetes: custom resources have no strategic-merge metadata.
        if (t.rt.custom) throw errors.unsupportedMediaType(type);
        patched = strategicMerge(base, patch);
        break;
      case 'application/json-patch+json':
        patched = jsonPatch(base, patch);
        break;
      default:
        throw errors.unsupportedMediaType(type);
    }
    if (t.sub === 'scale') {
      const next = structuredClone(old);
      next.spec = { ...obj(old.spec), replicas: obj(obj(patched).spec).replicas };
      return { status: 200, body: toScale(this.write({ ...t, sub: undefined }, old, next, manager, 'Update', dryRun)) };
    }
    const next = patched as KubeObject;
    next.metadata = { ...obj(next.metadata) } as KubeObject['metadata'];
    next.metadata.resourceVersion ??= old.metadata.resourceVersion;
    return { status: 200, body: this.write(t, old, next, manager, 'Update', dryRun) };
  }

  private delete(t: Target, text: string, url: URL, dryRunParam: boolean): Reply {
    const opts = text.trim() ? obj(parseJsonBody(text)) : {};
    const dryRun = dryRunParam || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
    const propagationPolicy = (opts.propagationPolicy as string | undefined) ?? url.searchParams.get('propagationPolicy') ?? undefined;
    if (t.name === undefined) {
      const match = this.matching(url, t);
      const deleted = this.o.store
        .list(t.rt, t.namespace)
        .filter(match)
        .map((o) => this.o.store.delete(t.rt, o.metadata.namespace, o.metadata.name, { dryRun, propagationPolicy }));
      return { status: 200, body: { kind: `${t.rt.kind}List`, apiVersion: apiVersionOf(t.rt), metadata: { resourceVersion: this.o.store.resourceVersion() }, items: deleted } };
    }
    const pre = obj(opts.preconditions);
    if (pre.uid || pre.resourceVersion) {
      const cur = this.mustGet(t);
      if ((pre.uid && pre.uid !== cur.metadata.uid) || (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)) {
        throw errors.conflict(t.rt, t.name);
      }
    }
    return { status: 200, body: this.o.store.delete(t.rt, t.namespace, t.name, { dryRun, propagationPolicy }) };
  }
}

// The in-memory object store of the simulated API server ("etcd" plus the generic registry semantics):
// uid, resourceVersion from one global counter, creationTimestamp, generation, and an event stream.
//
// Seam for controllers: `store.on(listener)` is called synchronously after every committed change with
// ADDED / MODIFIED / DELETED; controllers (controllers.ts) react there or in the tick loop.
import { randomUUID } from 'node:crypto';
import { errors } from './apierrors.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  rt: ResourceType;
  object: KubeObject;
  /** the global resourceVersion this change produced */
  rv: number;
  /** for DELETED: the client's propagationPolicy (the garbage collector leaves dependents alone on Orphan) */
  propagationPolicy?: string;
}

export type StoreListener = (ev: StoreEvent) => void;

/** Kubernetes timestamps have second precision: 2025-11-27T22:31:00Z */
export function nowTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const HISTORY_LIMIT = 5000;

export interface WriteOptions {
  /** dryRun=All: validate and compute the result, but do not persist or notify */
  dryRun?: boolean;
  /** DeleteOptions.propagationPolicy, passed on to the DELETED event */
  propagationPolicy?: string;
  /** create: the uid the API server gave the object before its strategy ran (a Job's selector names it) */
  uid?: string;
}

export class Store {
  private readonly objects = new Map<string, KubeObject>();
  private counter = 0;
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private readonly namespaceType: ResourceType;

  constructor(namespaceType: ResourceType) {
    this.namespaceType = namespaceType;
  }

  private key(rt: ResourceType, ns: string | undefined, name: string): string {
    return `${rt.group}/${rt.resource}/${rt.namespaced ? (ns ?? '') : ''}/${name}`;
  }

  /** Current global resourceVersion (for list metadata and watch starting points). */
  resourceVersion(): string {
    return String(this.counter);
  }

  /** Subscribes to committed changes; returns the unsubscribe function. */
  on(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(rt: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(this.key(rt, ns, name));
    return o ? this.present(rt, o) : undefined;
  }

  /** All objects of a type (in one namespace, or all when ns is undefined), sorted by namespace then name. */
  list(rt: ResourceType, ns?: string): KubeObject[] {
    const prefix = `${rt.group}/${rt.resource}/`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (rt.namespaced && ns !== undefined && o.metadata.namespace !== ns) continue;
      out.push(this.present(rt, o));
    }
    return out.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Events after `rv`, or undefined when that point is older than the kept history (watch gets 410 Gone). */
  eventsSince(rv: number): StoreEvent[] | undefined {
    const first = this.history[0];
    if (rv < this.counter && first && rv < first.rv - 1) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  create(rt: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = structuredClone(input);
    const ns = rt.namespaced ? obj.metadata.namespace : undefined;
    if (rt.namespaced) {
      if (!ns) throw errors.badRequest('the server could not find the requested resource');
      if (!this.objects.has(this.key(this.namespaceType, undefined, ns))) throw errors.namespaceNotFound(ns);
    } else {
      delete obj.metadata.namespace;
    }
    if (this.objects.has(this.key(rt, ns, obj.metadata.name))) throw errors.alreadyExists(rt, obj.metadata.name);
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    obj.metadata.uid = opts.uid ?? randomUUID();
    obj.metadata.creationTimestamp = nowTimestamp();
    delete obj.metadata.deletionTimestamp;
    if ('spec' in obj) obj.metadata.generation = 1;
    if (opts.dryRun) return this.present(rt, { ...obj, metadata: { ...obj.metadata, resourceVersion: this.resourceVersion() } });
    obj.metadata.resourceVersion = String(++this.counter);
    this.objects.set(this.key(rt, ns, obj.metadata.name), obj);
    this.emit('ADDED', rt, obj);
    return this.present(rt, obj);
  }

  /**
   * Replaces an existing object. Identity fields (uid, creationTimestamp) are kept; a stale
   * metadata.resourceVersion in the input is a 409 Conflict; generation grows when .spec changed.
   */
  update(rt: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const ns = rt.namespaced ? input.metadata.namespace : undefined;
    const key = this.key(rt, ns, input.metadata.name);
    const old = this.objects.get(key);
    if (!old) throw errors.notFound(rt, input.metadata.name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw errors.conflict(rt, input.metadata.name);
    const obj = structuredClone(input);
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    if (!rt.namespaced) delete obj.metadata.namespace;
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    if ('spec' in obj || 'spec' in old) {
      const changed = JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
      obj.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
    }
    if (JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }) === JSON.stringify({ ...old, metadata: { ...old.metadata, resourceVersion: undefined } })) {
      // A no-op write does not bump the resourceVersion or notify anyone (as in Kubernetes).
      return this.present(rt, old);
    }
    if (opts.dryRun) return this.present(rt, { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } });
    obj.metadata.resourceVersion = String(++this.counter);
    this.objects.set(key, obj);
    this.emit('MODIFIED', rt, obj);
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length) {
      // The last finalizer was removed from an object being deleted: now it goes away.
      return this.remove(rt, key, obj, {});
    }
    return this.present(rt, obj);
  }

  delete(rt: ResourceType, ns: string | undefined, name: string, opts: WriteOptions = {}): KubeObject {
    const key = this.key(rt, ns, name);
    const old = this.objects.get(key);
    if (!old) throw errors.notFound(rt, name);
    if (opts.dryRun) return this.present(rt, old);
    if (old.metadata.finalizers?.length) {
      // Finalizers hold the object: it only gets a deletionTimestamp until they are removed.
      if (old.metadata.deletionTimestamp) return this.present(rt, old);
      const marked = structuredClone(old);
      marked.metadata.deletionTimestamp = nowTimestamp();
      marked.metadata.resourceVersion = String(++this.counter);
      this.objects.set(key, marked);
      this.emit('MODIFIED', rt, marked);
      return this.present(rt, marked);
    }
    return this.remove(rt, key, old, opts);
  }

  private remove(rt: ResourceType, key: string, old: KubeObject, opts: WriteOptions): KubeObject {
    this.objects.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.counter);
    this.emit('DELETED', rt, gone, opts.propagationPolicy);
    return this.present(rt, gone);
  }

  /** A copy with apiVersion set to the version the caller addressed (CRDs may serve several versions). */
  private present(rt: ResourceType, o: KubeObject): KubeObject {
    const copy = structuredClone(o);
    copy.apiVersion = apiVersionOf(rt);
    return copy;
  }

  private emit(type: EventType, rt: ResourceType, obj: KubeObject, propagationPolicy?: string): void {
    const ev: StoreEvent = { type, rt, object: structuredClone(obj), rv: this.counter };
    if (propagationPolicy) ev.propagationPolicy = propagationPolicy;
    this.history.push(ev);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        // A broken controller must not break the write that triggered it; its failure goes to the log.
        console.error(`store listener failed on ${type} ${rt.resource}/${obj.metadata.name}:`, err);
      }
    }
  }
}

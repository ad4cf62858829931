// The four PATCH flavours of the Kubernetes API:
// - JSON merge patch (RFC 7386)
// - strategic merge patch: merge patch plus merging lists of named items by key and the $patch / $setElementOrder
//   / $retainKeys directives kubectl sends (covers the keys kubectl uses for the built-in types we serve)
// - JSON patch (RFC 6902)
// - server-side apply: create or deep-merge (field ownership is only recorded, not enforced; see report)
import { errors } from './apierrors.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** patchMergeKey of list fields in the built-in types (from the Kubernetes API's struct tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Primitive lists that strategic merge patch merges (set union) instead of replacing. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function mergeKeyFor(field: string, sample: unknown[]): string | undefined {
  if (field === 'ports') {
    // Container ports merge on containerPort, Service ports on port.
    return sample.some((p) => isObject(p) && 'containerPort' in p) ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(field: string, target: Json[], patch: Json[]): Json[] {
  if (MERGED_PRIMITIVE_LISTS.has(field) && patch.every((p) => !isObject(p))) {
    return [...target, ...patch.filter((p) => !target.includes(p))];
  }
  const key = mergeKeyFor(field, [...target, ...patch]);
  if (!key || !patch.every(isObject)) return structuredClone(patch);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => strategicMerge(undefined, p));
  }
  const out = structuredClone(target);
  for (const item of patch) {
    const i = out.findIndex((t) => isObject(t) && t[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = strategicMerge(out[i], item);
    else out.push(strategicMerge(undefined, item));
  }
  return out;
}

/** Strategic merge patch for the built-in types (approximation of apimachinery's strategicpatch). */
export function strategicMerge(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch as Json);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return strategicMerge(undefined, rest);
  }
  if (patch.$patch === 'delete') return null;
  let out: JsonObject = isObject(target) ? structuredClone(target) : {};
  const retainKeys = patch.$retainKeys;
  if (Array.isArray(retainKeys)) {
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retainKeys.includes(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k.startsWith('$setElementOrder/') || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(v)) out[field] = list.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, Array.isArray(out[k]) ? out[k] : [], v);
    else out[k] = strategicMerge(out[k], v);
  }
  return out;
}

/** RFC 6901 pointer -> path segments. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(doc: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let root = structuredClone(doc as Json);
  const fail = (op: JsonPatchOp, why: string) => errors.internal(`jsonpatch ${op.op} operation does not apply: ${why} for path ${op.path}`);
  const resolve = (segs: string[], op: JsonPatchOp): { parent: Json; key: string } => {
    let cur: Json = root;
    for (const s of segs.slice(0, -1)) {
      if (Array.isArray(cur)) cur = cur[Number(s)] as Json;
      else if (isObject(cur)) cur = cur[s] as Json;
      else throw fail(op, 'doc is missing path');
      if (cur === undefined) throw fail(op, 'doc is missing path');
    }
    return { parent: cur, key: segs[segs.length - 1] as string };
  };
  const get = (path: string, op: JsonPatchOp): Json => {
    const segs = pointer(path);
    if (segs.length === 0) return root;
    const { parent, key } = resolve(segs, op);
    const v = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
    if (v === undefined) throw fail(op, 'doc is missing key');
    return v;
  };
  const remove = (path: string, op: JsonPatchOp): Json => {
    const { parent, key } = resolve(pointer(path), op);
    if (Array.isArray(parent)) {
      const i = Number(key);
      if (!(i >= 0 && i < parent.length)) throw fail(op, 'index out of range');
      return parent.splice(i, 1)[0] as Json;
    }
    if (!isObject(parent) || !(key in parent)) throw fail(op, 'doc is missing key');
    const v = parent[key] as Json;
    delete parent[key];
    return v;
  };
  const add = (path: string, value: Json, op: JsonPatchOp, mustExist: boolean) => {
    const segs = pointer(path);
    if (segs.length === 0) {
      root = value;
      return;
    }
    const { parent, key } = resolve(segs, op);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!(i >= 0 && i <= parent.length) || (mustExist && i >= parent.length)) throw fail(op, 'index out of range');
      if (mustExist) parent[i] = value;
      else parent.splice(i, 0, value);
    } else if (isObject(parent)) {
      if (mustExist && !(key in parent)) throw fail(op, 'doc is missing key');
      parent[key] = value;
    } else throw fail(op, 'doc is missing path');
  };
  for (const raw of ops as JsonPatchOp[]) {
    switch (raw.op) {
      case 'add':
        add(raw.path, structuredClone(raw.value ?? null), raw, false);
        break;
      case 'replace':
        add(raw.path, structuredClone(raw.value ?? null), raw, true);
        break;
      case 'remove':
        remove(raw.path, raw);
        break;
      case 'move':
        add(raw.path, remove(raw.from ?? '', raw), raw, false);
        break;
      case 'copy':
        add(raw.path, structuredClone(get(raw.from ?? '', raw)), raw, false);
        break;
      case 'test':
        if (JSON.stringify(get(raw.path, raw)) !== JSON.stringify(raw.value)) throw fail(raw, 'testing value failed');
        break;
      default:
        throw errors.badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  return root;
}

/**
 * Server-side apply, simplified: the applied configuration is deep-merged (strategic rules) into the live object.
 * Real SSA also removes fields the same manager applied before and now omits, and detects conflicts between
 * managers; here ownership is only recorded in managedFields.
 */
export function serverSideApply(live: unknown, applied: unknown): Json {
  return strategicMerge(live, applied);
}

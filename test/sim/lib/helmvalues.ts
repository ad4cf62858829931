// The user-supplied values of a Helm command, merged as Helm's values.Options does: each -f/--values file
// (maps merged, later files win), then --set, --set-string, --set-json, --set-literal, --set-file in that
// order, with Helm's strvals syntax (a.b=c,d[0]=e, {x,y} lists, \, and \. escapes, typed scalars).
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export class ValuesError extends Error {}

/** Helm's mergeMaps: maps merge recursively, anything else replaces. */
export function mergeMaps(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(v) && isMap(out[k]) ? mergeMaps(out[k], v) : v;
  return out;
}

/** Splits on unescaped separators outside {...}. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + (s[i + 1] as string);
      i++;
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

type Mode = 'auto' | 'string' | 'json' | 'literal';

function typed(raw: string, mode: Mode): unknown {
  const s = raw.replace(/\\(.)/g, '$1');
  if (mode === 'string' || mode === 'literal') return s;
  if (s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?(0|[1-9]\d*)$/.test(s) && Number.isSafeInteger(Number(s))) return Number(s);
  return s;
}

function parseValue(raw: string, mode: Mode, key: string): unknown {
  if (mode === 'json') {
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new ValuesError(`failed parsing --set-json data ${key}=${raw}: ${(err as Error).message}`);
    }
  }
  if (mode !== 'literal' && raw.startsWith('{') && raw.endsWith('}')) {
    const inner = raw.slice(1, -1);
    return inner === '' ? [] : splitTop(inner, ',').map((x) => typed(x, mode));
  }
  return typed(raw, mode);
}

type Step = { key: string } | { index: number };

function parseKey(key: string): Step[] {
  const steps: Step[] = [];
  let cur = '';
  const push = () => {
    if (cur !== '') steps.push({ key: cur });
    cur = '';
  };
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] as string;
    if (ch === '\\' && i + 1 < key.length) {
      cur += key[i + 1] as string;
      i++;
    } else if (ch === '.') push();
    else if (ch === '[') {
      push();
      const end = key.indexOf(']', i);
      const idx = Number(key.slice(i + 1, end));
      if (end < 0 || !Number.isInteger(idx) || idx < 0) throw new ValuesError(`failed parsing --set data: invalid key index in ${key}`);
      steps.push({ index: idx });
      i = end;
    } else cur += ch;
  }
  push();
  return steps;
}

function assign(target: Obj, steps: Step[], value: unknown): void {
  let node: unknown = target;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    const last = i === steps.length - 1;
    const next = steps[i + 1];
    const fresh = () => (next && 'index' in next ? [] : {});
    if ('key' in step) {
      const m = node as Obj;
      if (last) m[step.key] = value;
      else {
        const want = next && 'index' in next ? Array.isArray(m[step.key]) : isMap(m[step.key]);
        if (!want) m[step.key] = fresh();
        node = m[step.key];
      }
    } else {
      const a = node as unknown[];
      while (a.length <= step.index) a.push(null);
      if (last) a[step.index] = value;
      else {
        const want = next && 'index' in next ? Array.isArray(a[step.index]) : isMap(a[step.index]);
        if (!want) a[step.index] = fresh();
        node = a[step.index];
      }
    }
  }
}

/** Applies one --set-style expression to `target`. */
export function applySet(target: Obj, expr: string, mode: Mode, flag = '--set'): void {
  const pairs = mode === 'literal' ? [expr] : splitTop(expr, ',');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = (() => {
      for (let i = 0; i < pair.length; i++) {
        if (pair[i] === '\\') i++;
        else if (pair[i] === '=') return i;
      }
      return -1;
    })();
    if (eq < 0) throw new ValuesError(`failed parsing ${flag} data: key "${pair.replace(/\\(.)/g, '$1')}" has no value`);
    const key = pair.slice(0, eq);
    const steps = parseKey(key);
    if (!steps.length) throw new ValuesError(`failed parsing ${flag} data: key "" has no value`);
    assign(target, steps, parseValue(pair.slice(eq + 1), mode, key));
  }
}

export interface ValueSources {
  files: string[];
  set: string[];
  setString: string[];
  setJson: string[];
  setLiteral: string[];
  setFile: string[];
}

/** The user-supplied values (null when none were given, as Helm stores them). */
export function userValues(src: ValueSources): Obj {
  let out: Obj = {};
  for (const f of src.files) {
    if (!existsSync(f)) throw new ValuesError(`open ${f}: no such file or directory`);
    let doc: unknown;
    try {
      doc = parse(readFileSync(f, 'utf8'));
    } catch (err) {
      throw new ValuesError(`failed to parse ${f}: error converting YAML to JSON: yaml: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isMap(doc)) throw new ValuesError(`failed to parse ${f}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(doc) ? 'array' : typeof doc} into Go value of type map[string]interface {}`);
    out = mergeMaps(out, doc);
  }
  for (const e of src.setJson) applySet(out, e, 'json', '--set-json');
  for (const e of src.set) applySet(out, e, 'auto');
  for (const e of src.setString) applySet(out, e, 'string', '--set-string');
  for (const e of src.setFile) {
    const eq = e.indexOf('=');
    const file = e.slice(eq + 1);
    if (eq < 0) throw new ValuesError(`failed parsing --set-file data: key "${e}" has no value`);
    if (!existsSync(file)) throw new ValuesError(`failed parsing --set-file data: open ${file}: no such file or directory`);
    assign(out, parseKey(e.slice(0, eq)), readFileSync(file, 'utf8'));
  }
  for (const e of src.setLiteral) applySet(out, e, 'literal', '--set-literal');
  return out;
}

/** Keys sorted recursively, as Go's encoding/json and sigs.k8s.io/yaml print maps. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isMap(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

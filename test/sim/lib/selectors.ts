// Label and field selectors as the API server understands them in ?labelSelector= and ?fieldSelector=.
import { errors } from './apierrors.ts';
import type { KubeObject } from './store.ts';

type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses ("a in (x,y),b" -> ["a in (x,y)", "b"]). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/** Parses a label selector (=, ==, !=, in, notin, exists, !exists, <, >); throws a 400 Status when malformed. */
export function parseLabelSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs = splitTopLevel(selector).map((req): Matcher => {
    const labels = (o: KubeObject) => o.metadata.labels ?? {};
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([\w./-]+)$/.exec(req))) {
      const k = m[1] as string;
      return (o) => !(k in labels(o));
    }
    if ((m = /^([\w./-]+)\s*(notin|in)\s*\(([^)]*)\)$/.exec(req))) {
      const [, k = '', op, list = ''] = m;
      const values = list.split(',').map((v) => v.trim());
      return op === 'in' ? (o) => values.includes(labels(o)[k] ?? '\0') : (o) => !values.includes(labels(o)[k] ?? '\0');
    }
    if ((m = /^([\w./-]+)\s*(==|=|!=|<|>)\s*([\w.-]*)$/.exec(req))) {
      const [, k = '', op, v = ''] = m;
      if (op === '!=') return (o) => labels(o)[k] !== v;
      if (op === '<' || op === '>') {
        const n = Number(v);
        return (o) => {
          const have = Number(labels(o)[k]);
          return k in labels(o) && Number.isFinite(have) && (op === '<' ? have < n : have > n);
        };
      }
      return (o) => labels(o)[k] === v;
    }
    if ((m = /^([\w./-]+)$/.exec(req))) {
      const k = m[1] as string;
      return (o) => k in labels(o);
    }
    throw errors.badRequest(`unable to parse requirement: invalid label selector: ${JSON.stringify(req)}`);
  });
  return (o) => reqs.every((r) => r(o));
}

/** Value of a dotted field path as a field selector compares it (strings; booleans as "true"/"false"). */
function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

/**
 * Parses a field selector; only metadata.name, metadata.namespace and the type's declared fields are supported,
 * anything else is rejected like Kubernetes does ("field label not supported").
 */
export function parseFieldSelector(selector: string | null, supported: string[] = []): Matcher {
  if (!selector) return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...supported]);
  const reqs = splitTopLevel(selector).map((req): Matcher => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(req);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${req}'`);
    const [, field = '', op, value = ''] = m;
    if (!allowed.has(field)) throw errors.badRequest(`field label not supported: ${field}`);
    return op === '!=' ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value;
  });
  return (o) => reqs.every((r) => r(o));
}

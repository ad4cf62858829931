// The custom-metrics rules of a prometheus-adapter values file (rules.custom: seriesQuery, name.matches/as,
// metricsQuery, as prometheus-adapter's docs/config.md describes them), and which of them yields a metric
// name: for a gate to say, when an adapter hpa-lab did not install serves no such metric, the rule hpa-lab's
// own values would have installed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface AdapterRule {
  seriesQuery?: string;
  name?: { matches?: string; as?: string };
  metricsQuery?: string;
  [k: string]: unknown;
}

/** The series names a seriesQuery's __name__ matcher spells out (its regular expression stripped of anchors and (.*)). */
function seriesNames(q: string): string[] {
  return [...q.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)].map((m) => (m[1] as string).replace(/\^|\$|\(\.\*\)|\.\*/g, '')).filter((n) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(n));
}

/** The metric names a rule yields: name.as, with its ${N} references filled from name.matches over the series names. */
export function ruleMetricNames(rule: AdapterRule): string[] {
  const names = seriesNames(rule.seriesQuery ?? '');
  const matches = rule.name?.matches;
  const as = rule.name?.as;
  if (!matches) return names;
  let re: RegExp;
  try {
    re = new RegExp(matches);
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).map((n) => (as ? n.replace(re, as.replace(/\$\{(\d+)\}/g, '$$$1')) : n));
}

/** The rules of `valuesFile` (relative to `root`) that yield `metric`; [] when the file has none. */
export function rulesFor(root: string, valuesFile: string, metric: string): AdapterRule[] {
  const doc = parse(readFileSync(path.resolve(root, valuesFile), 'utf8')) as { rules?: { custom?: AdapterRule[] } } | null;
  return (doc?.rules?.custom ?? []).filter((r) => ruleMetricNames(r).includes(metric));
}

/** A rule on one line, as the diagnosis shows it. */
export function formatRule(r: AdapterRule): string {
  return `seriesQuery: ${JSON.stringify(r.seriesQuery ?? '')}, name: {matches: ${JSON.stringify(r.name?.matches ?? '')}, as: ${JSON.stringify(r.name?.as ?? '')}}, metricsQuery: ${JSON.stringify(r.metricsQuery ?? '')}`;
}

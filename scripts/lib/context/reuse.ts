// On an existing cluster (--context): a Prometheus someone else runs with a Prometheus operator, reused instead
// of installing one (a component's `existing.reusePrometheus`, stack/stack-file.ts), when the person points its setting at
// it: http://<service>.<namespace>.svc:<port>. Read-only. What "fits":
// - that Service exists and has that port, and its selector selects the pods of exactly one
//   monitoring.coreos.com/v1 Prometheus in its namespace. The operator labels a Prometheus NAME's pods
//   app.kubernetes.io/name=prometheus, app.kubernetes.io/managed-by=prometheus-operator,
//   app.kubernetes.io/instance=NAME, prometheus=NAME, operator.prometheus.io/name=NAME and
//   operator.prometheus.io/shard=<0..shards-1>, over spec.podMetadata.labels (prometheus-operator
//   pkg/prometheus/server/statefulset.go, makeStatefulSetSpec's podSelectorLabels, as read at commit 018eadd7);
//   kube-prometheus-stack's Service
//   selects app.kubernetes.io/name=prometheus plus operator.prometheus.io/name (templates/prometheus/service.yaml,
//   as ../shared/real-renders/kube-prometheus-stack-88.5.3/lab.yaml shows);
// - that Prometheus selects every ServiceMonitor the stack applies: its serviceMonitorSelector (nil: none; {}:
//   all) over the ServiceMonitor's labels, its serviceMonitorNamespaceSelector (nil: its own namespace only;
//   else over the namespace's labels), as the operator selects them (pkg/prometheus/resource_selector.go,
//   selectObjects; kube/label-selector.ts).
// Every read names the permission it takes (reuseReads): a read the API refuses (HTTP 403) is a failed check naming
// that permission and the fix, never an error, and preflight's SelfSubjectAccessReviews check those reads too.
// When it fits, the component's `fills` settings take the Prometheus's namespace, Service, port and resource
// name, and the stack is resolved again with them: the gates, the forwards and the components that use the
// Prometheus (the adapter's URL) follow the reused one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isForbidden, type Kube } from '../kube/api.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { Check } from '../host/preflight.ts';
import { getPath, loadManifests, makeResolver, type Component, type PrometheusFact } from '../stack/stack-file.ts';
import { REPO_ROOT } from '../lab.ts';
import { parseServiceUrl } from '../stack/setting-types.ts';
import { describeSelector, selectorMatches, type LabelSelector } from '../kube/label-selector.ts';
import { labLabels } from '../cluster/ownership.ts';
import { listPath } from '../kube/resources.ts';
import { needLabel, type Need } from './access.ts';

type Obj = Record<string, unknown>;
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface PrometheusObj {
  metadata: Meta;
  spec?: { shards?: number; podMetadata?: { labels?: Record<string, string> }; serviceMonitorSelector?: LabelSelector | null; serviceMonitorNamespaceSelector?: LabelSelector | null };
}

/** A Prometheus found behind the URL: the facts the settings take. */
export interface FoundPrometheus {
  url: string;
  facts: Record<PrometheusFact, string | number>;
  prometheus: PrometheusObj;
}

/** A failed check about one component's reuse. */
export type ReuseProblem = Check & { component: string };

export interface ReuseResult {
  /** The stack resolved again with the reused Prometheus's facts (unchanged when nothing is reused). */
  prepared: PreparedStack;
  /** component → what is reused, for the preflight line and describeTarget. */
  reuse: Map<string, string>;
  /** Failed checks: what does not fit, or what the user may not read, named, with a fix. */
  problems: ReuseProblem[];
  /** The permissions the reads took (for preflight's SelfSubjectAccessReviews). */
  reads: Need[];
}

/** A read the API refused (HTTP 403): the permission it takes, and the API's own words. */
class ReadDenied extends Error {
  readonly need: Need;
  constructor(need: Need, message: string) {
    super(message);
    this.need = need;
  }
}

/** GET `path`, which takes permission `need`; a 403 becomes ReadDenied. */
async function read<T>(kube: Kube, path: string, need: Need): Promise<T | undefined> {
  try {
    return await kube.getJson<T>(path);
  } catch (err) {
    if (isForbidden(err)) throw new ReadDenied(need, (err as Error).message);
    throw err;
  }
}

/** What finding the Prometheus behind a Service URL reads: the Service, the Prometheus resources in its namespace. */
export function reuseReads(setting: string, url: string, why: string): Need[] {
  const parts = parseServiceUrl(url);
  if (!parts) return [];
  return [
    { verb: 'get', group: '', resource: 'services', namespace: parts.namespace, why: `${why}: ${setting}` },
    { verb: 'list', group: 'monitoring.coreos.com', resource: 'prometheuses', namespace: parts.namespace, why: `${why}: ${setting}` },
  ];
}

/** A namespace's labels, read only when a Prometheus selects ServiceMonitors by them. */
const namespaceRead = (why: string): Need => ({ verb: 'get', group: '', resource: 'namespaces', namespace: '', why: `${why}: the serviceMonitorNamespaceSelector` });

/** The pod labels the operator gives the pods of Prometheus `p` (shard 0 .. shards-1). */
export function operatorPodLabels(p: PrometheusObj, shard: number): Record<string, string> {
  const name = p.metadata.name;
  return {
    ...(p.spec?.podMetadata?.labels ?? {}),
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': name,
    prometheus: name,
    'operator.prometheus.io/name': name,
    'operator.prometheus.io/shard': String(shard),
  };
}

/** Whether a Service's selector (equality only) selects pods of `p`. */
export function serviceSelects(selector: Record<string, string>, p: PrometheusObj): boolean {
  const shards = Math.max(1, Number(p.spec?.shards ?? 1));
  for (let s = 0; s < shards; s++) {
    const labels = operatorPodLabels(p, s);
    if (Object.entries(selector).every(([k, v]) => labels[k] === v)) return true;
  }
  return false;
}

const fmtLabels = (l: Record<string, string>) => (Object.keys(l).length ? Object.entries(l).map(([k, v]) => `${k}=${v}`).join(', ') : 'none');

/**
 * The Prometheus behind an in-cluster Service URL, or why there is none (a failed check naming the setting).
 * A read the API refuses throws ReadDenied (reusePrometheus makes it a check).
 */
export async function findPrometheus(kube: Kube, setting: string, url: string): Promise<{ ok: true; found: FoundPrometheus } | { ok: false; problem: Check }> {
  const fail = (summary: string, fix: string, why?: string) => ({ ok: false as const, problem: { id: 'reuse-prometheus', level: 'fail' as const, summary: `${setting}=${url}: ${summary}`, fix, ...(why ? { why } : {}) } });
  const parts = parseServiceUrl(url);
  if (!parts) return fail('not an in-cluster Service URL', `--set ${setting}=http://<service>.<namespace>.svc:<port>`);
  const listFix = `kubectl --context ${kube.context} get services --all-namespaces -l app.kubernetes.io/name=prometheus shows operator-run Prometheus Services (kube-prometheus-stack's is <release>-kube-prometheus-prometheus, port 9090); then --set ${setting}=http://<service>.<namespace>.svc:9090`;
  const [svcRead, listRead] = reuseReads(setting, url, 'reusing a Prometheus') as [Need, Need];
  const svc = await read<{ spec?: { selector?: Record<string, string>; ports?: Array<{ port: number; name?: string }> } }>(kube, `/api/v1/namespaces/${parts.namespace}/services/${parts.service}`, svcRead);
  if (!svc) return fail(`there is no Service ${parts.namespace}/${parts.service}`, listFix);
  const ports = svc.spec?.ports ?? [];
  if (!ports.some((p) => p.port === parts.port)) return fail(`Service ${parts.namespace}/${parts.service} has no port ${parts.port} (its ports: ${ports.map((p) => p.port).join(', ') || 'none'})`, `give the URL one of its ports: --set ${setting}=http://${parts.service}.${parts.namespace}.svc:<port>`);
  const selector = svc.spec?.selector ?? {};
  if (!Object.keys(selector).length) return fail(`Service ${parts.namespace}/${parts.service} has no selector, so no pods of an operator-run Prometheus behind it`, listFix);
  const list = await read<{ items?: PrometheusObj[] }>(kube, listPath('monitoring.coreos.com/v1', 'prometheuses', parts.namespace), listRead);
  if (!list) return fail('the cluster serves no monitoring.coreos.com/v1 Prometheus resources (no Prometheus operator is installed)', 'point it at a Prometheus a Prometheus operator runs, or leave it empty (hpa-lab then installs kube-prometheus-stack)');
  const items = list.items ?? [];
  const matching = items.filter((p) => serviceSelects(selector, p));
  if (matching.length !== 1) {
    const there = items.length ? `there: ${items.map((p) => p.metadata.name).join(', ')}` : 'there is none in that namespace';
    return fail(
      matching.length === 0
        ? `Service ${parts.namespace}/${parts.service} selects pods ${fmtLabels(selector)}, and no monitoring.coreos.com/v1 Prometheus in namespace ${parts.namespace} has pods with those labels (${there})`
        : `Service ${parts.namespace}/${parts.service} selects the pods of ${matching.length} Prometheus resources (${matching.map((p) => p.metadata.name).join(', ')}); hpa-lab reuses exactly one`,
      listFix,
      'the operator labels the pods of Prometheus NAME operator.prometheus.io/name=NAME, prometheus=NAME, app.kubernetes.io/name=prometheus, app.kubernetes.io/instance=NAME, app.kubernetes.io/managed-by=prometheus-operator',
    );
  }
  const prometheus = matching[0] as PrometheusObj;
  return { ok: true, found: { url, prometheus, facts: { namespace: parts.namespace, service: parts.service, port: parts.port, resource: prometheus.metadata.name } } };
}

/** Why `p` would not scrape ServiceMonitor `sm` (undefined: it would), with a fix; `raw` is the unresolved manifest. */
export function serviceMonitorMismatch(p: PrometheusObj, sm: Obj, raw: Obj | undefined, nsLabels: Record<string, string>): { why: string; fix: string } | undefined {
  const meta = (sm.metadata ?? {}) as Meta;
  const labels = meta.labels ?? {};
  const ns = meta.namespace ?? 'default';
  const rawMeta = ((raw?.metadata ?? {}) as { labels?: Record<string, unknown>; namespace?: unknown });
  /** The setting a raw field is exactly `${setting}` of, if any. */
  const settingOf = (v: unknown) => (typeof v === 'string' ? /^\$\{([\w.-]+)\}$/.exec(v)?.[1] : undefined);
  const who = `Prometheus ${p.metadata.namespace ?? '?'}/${p.metadata.name}`;
  const what = `the lab's ServiceMonitor ${ns}/${meta.name} (labels ${fmtLabels(labels)})`;
  const sel = p.spec?.serviceMonitorSelector;
  let selects: boolean;
  try {
    selects = selectorMatches(sel, labels);
  } catch (err) {
    return { why: `${who}'s serviceMonitorSelector is not a valid label selector: ${(err as Error).message}`, fix: 'fix that Prometheus resource, or point at another Prometheus' };
  }
  if (!selects) {
    if (sel === null || sel === undefined) return { why: `${who} selects no ServiceMonitor at all (its serviceMonitorSelector is not set), so not ${what}`, fix: `give that Prometheus a serviceMonitorSelector that selects ${what} (e.g. {} for all), or point at another Prometheus` };
    const wanted = Object.entries(sel.matchLabels ?? {}).filter(([k, v]) => labels[k] !== v);
    const fixes = wanted.map(([k, v]) => {
      const s = settingOf(rawMeta.labels?.[k]);
      return s ? `--set ${s}=${v}` : undefined;
    });
    const setFix = wanted.length && fixes.every(Boolean) && !(sel.matchExpressions ?? []).length ? fixes.join(' ') : undefined;
    return {
      why: `${who} would not scrape ${what}: its serviceMonitorSelector is ${describeSelector(sel)}`,
      fix: setFix ? `${setFix} (the label that selector wants, on the lab's ServiceMonitor)` : `label the lab's ServiceMonitor as that selector wants, or widen that Prometheus's serviceMonitorSelector, or point at another Prometheus`,
    };
  }
  const nsSel = p.spec?.serviceMonitorNamespaceSelector;
  if (nsSel === null || nsSel === undefined) {
    if (ns === p.metadata.namespace) return undefined;
    const s = settingOf(rawMeta.namespace);
    return {
      why: `${who} selects ServiceMonitors only in its own namespace ${p.metadata.namespace ?? '?'} (its serviceMonitorNamespaceSelector is not set); ${what} is in namespace ${ns}`,
      fix: `${s ? `--set ${s}=${p.metadata.namespace ?? '?'}, or ` : ''}give that Prometheus a serviceMonitorNamespaceSelector ({} for all namespaces)`,
    };
  }
  let nsOk: boolean;
  try {
    nsOk = selectorMatches(nsSel, nsLabels);
  } catch (err) {
    return { why: `${who}'s serviceMonitorNamespaceSelector is not a valid label selector: ${(err as Error).message}`, fix: 'fix that Prometheus resource, or point at another Prometheus' };
  }
  if (nsOk) return undefined;
  return { why: `${who} selects ServiceMonitors in namespaces ${describeSelector(nsSel)}; ${what} is in namespace ${ns} (labels ${fmtLabels(nsLabels)})`, fix: `label namespace ${ns} as that selector wants (kubectl label namespace ${ns} …), or use another app namespace (--set), or point at another Prometheus` };
}

/** The stack's ServiceMonitors, resolved, each beside its unresolved manifest (for the settings its fields name). */
function serviceMonitors(prepared: PreparedStack): Array<{ component: Component; sm: Obj; raw: Obj | undefined }> {
  const out: Array<{ component: Component; sm: Obj; raw: Obj | undefined }> = [];
  for (const c of prepared.stack.components) {
    if (!c.manifests) continue;
    const raw = parseAllDocuments(readFileSync(path.resolve(REPO_ROOT, c.manifests), 'utf8')).map((d) => d.toJS() as unknown).filter((d): d is Obj => d !== null);
    loadManifests(REPO_ROOT, c.manifests, prepared.resolver).forEach((o, i) => {
      if (o.kind === 'ServiceMonitor' && String(o.apiVersion).startsWith('monitoring.coreos.com/')) out.push({ component: c, sm: o, raw: raw[i] });
    });
  }
  return out;
}

/** A read the API refused, as the failed check: the permission, the API's words, every read reuse takes, the fix. */
function deniedProblem(kube: Kube, component: string, setting: string, url: string, denied: ReadDenied, reads: Need[]): ReuseProblem {
  const scoped = reads.filter((n) => n.namespace);
  const cluster = reads.filter((n) => !n.namespace);
  const grants = [...(scoped.length ? [`a Role and a RoleBinding in namespace ${scoped[0]?.namespace ?? ''}`] : []), ...(cluster.length ? ['a ClusterRole and a ClusterRoleBinding'] : [])].join(', and ');
  return {
    id: 'reuse-prometheus-access',
    level: 'fail',
    component,
    summary: `${component}: ${setting}=${url}: the user of context ${kube.context} may not ${needLabel(denied.need)} (HTTP 403), which hpa-lab reads to find and check that Prometheus`,
    why: denied.message,
    fix: `ask the cluster’s admin to let your user ${reads.map(needLabel).join('; ')} (${grants} for your user), or use a context that may`,
  };
}

/**
 * Each component whose Prometheus the person points at (its `reusePrometheus.setting` not empty): found and
 * checked, its facts filled into the settings. Components whose setting is empty are left alone. Never throws
 * for what the cluster has or what the user may read: that is a problem (a failed check).
 */
export async function reusePrometheus(kube: Kube, prepared: PreparedStack, labName: string): Promise<ReuseResult> {
  const reuse = new Map<string, string>();
  const problems: ReuseProblem[] = [];
  const reads: Need[] = [];
  const sets: Array<[string, unknown]> = [];
  const found: Array<{ component: Component; found: FoundPrometheus; setting: string }> = [];
  for (const c of prepared.stack.components) {
    const rp = c.existing?.reusePrometheus;
    if (!rp) continue;
    const url = getPath(prepared.resolver.settings, rp.setting.split('.'));
    if (typeof url !== 'string' || url === '') continue;
    const mine = reuseReads(rp.setting, url, `${c.name} (reusing a Prometheus)`);
    reads.push(...mine);
    let r: Awaited<ReturnType<typeof findPrometheus>>;
    try {
      r = await findPrometheus(kube, rp.setting, url);
    } catch (err) {
      if (!(err instanceof ReadDenied)) throw err;
      problems.push(deniedProblem(kube, c.name, rp.setting, url, err, mine));
      continue;
    }
    if (!r.ok) {
      problems.push({ ...r.problem, component: c.name, summary: `${c.name}: ${r.problem.summary}` });
      continue;
    }
    for (const [s, fact] of Object.entries(rp.fills)) sets.push([s, r.found.facts[fact]]);
    found.push({ component: c, found: r.found, setting: rp.setting });
  }
  if (!found.length) return { prepared, reuse, problems, reads };
  const input = prepared.input ?? { sets: [], secrets: prepared.secrets, images: prepared.images };
  const resolver = makeResolver(prepared.stack, { ...input, sets: [...input.sets, ...sets] });
  const filled: PreparedStack = { ...prepared, resolver, input: { ...input, sets: [...input.sets, ...sets] } };
  const monitors = serviceMonitors(filled);
  for (const f of found) {
    const p = f.found.prometheus;
    let fits = true;
    // The namespace's labels matter only to a serviceMonitorNamespaceSelector (not set: its own namespace only).
    const bySelector = p.spec?.serviceMonitorNamespaceSelector !== null && p.spec?.serviceMonitorNamespaceSelector !== undefined;
    const nsRead = namespaceRead(`${f.component.name} (reusing a Prometheus)`);
    if (bySelector && monitors.length) reads.push(nsRead);
    for (const m of monitors) {
      const ns = String((m.sm.metadata as Meta).namespace ?? 'default');
      let nsLabels: Record<string, string> = {};
      if (bySelector) {
        let live: { metadata?: { labels?: Record<string, string> } } | undefined;
        try {
          live = await read(kube, `/api/v1/namespaces/${ns}`, nsRead);
        } catch (err) {
          if (!(err instanceof ReadDenied)) throw err;
          problems.push(deniedProblem(kube, f.component.name, f.setting, f.found.url, err, [...reuseReads(f.setting, f.found.url, nsRead.why), nsRead]));
          fits = false;
          break;
        }
        // A namespace hpa-lab will create carries the lab's labels and the one Kubernetes adds to every namespace.
        nsLabels = live ? (live.metadata?.labels ?? {}) : { ...labLabels(labName), 'kubernetes.io/metadata.name': ns };
      }
      const mismatch = serviceMonitorMismatch(p, m.sm, m.raw, nsLabels);
      if (mismatch) {
        fits = false;
        problems.push({ id: 'reuse-prometheus', level: 'fail', component: f.component.name, summary: `${f.component.name}: ${f.setting}=${f.found.url}: ${mismatch.why}`, why: `${m.component.name}'s gates need that Prometheus to scrape the app`, fix: mismatch.fix });
      }
    }
    if (fits) {
      const facts = f.found.facts;
      reuse.set(f.component.name, `Prometheus ${String(facts.namespace)}/${String(facts.resource)} behind Service ${String(facts.namespace)}/${String(facts.service)}:${String(facts.port)} (${f.setting}), run by a Prometheus operator hpa-lab did not install; it selects the lab's ServiceMonitor${monitors.length === 1 ? '' : 's'}`);
    }
  }
  return { prepared: filled, reuse, problems, reads };
}

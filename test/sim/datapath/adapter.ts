// prometheus-adapter (v0.12) emulated in-process, faithfully to its source (kubernetes-sigs/prometheus-adapter
// pkg/naming, pkg/custom-provider, pkg/client): the same config file, series discovery by periodic relist
// (/api/v1/series with each rule's seriesQuery), metric naming (name.matches/as with Go regexp expansion),
// resource association (resources.overrides/template), query building (<<.Series>>, <<.LabelMatchers>>,
// <<.GroupBy>>), value conversion (NewMilliQuantity(int64(v*1000))) and its error texts and klog lines.
// Prometheus itself is real: the adapter queries it over HTTP at the in-cluster URL of --prometheus-url.
import { parse as parseYaml } from 'yaml';
import { parseGoDuration } from '../lib/goduration.ts';
import type { ContainerRuntime, RuntimeHost } from '../lib/runtime.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import { nowTimestamp, type KubeObject, type Store } from '../lib/store.ts';
import type { ResourceRegistry } from '../lib/resources.ts';
import { arr, goEncodeQuery, goQuote, klogLine, obj, str, type TypeLookup } from './kube.ts';
import { goHttpGet, type ClusterNetwork } from './network.ts';
import { imageRepository } from './sample-app.ts';
import { formatMilli, sampleToMilli } from './quantity.ts';

// ---- configuration ---------------------------------------------------------------------------------------

export interface GroupResourceRef {
  group?: string;
  resource: string;
}

export interface DiscoveryRule {
  seriesQuery: string;
  seriesFilters: Array<{ is?: string; isNot?: string }>;
  resources: { overrides: Record<string, GroupResourceRef>; template?: string; namespaced?: boolean };
  name: { matches?: string; as?: string };
  metricsQuery: string;
}

/** The adapter's config.yaml (`rules:`; externalRules/resourceRules are not served by this emulation). */
export function parseAdapterConfig(text: string): DiscoveryRule[] {
  const doc = obj(parseYaml(text));
  return arr(doc.rules).map((raw) => {
    const r = obj(raw);
    const res = obj(r.resources);
    const overrides: Record<string, GroupResourceRef> = {};
    for (const [label, v] of Object.entries(obj(res.overrides))) overrides[label] = { group: str(obj(v).group) || undefined, resource: str(obj(v).resource) };
    return {
      seriesQuery: str(r.seriesQuery),
      seriesFilters: arr(r.seriesFilters).map((f) => ({ is: str(obj(f).is) || undefined, isNot: str(obj(f).isNot) || undefined })),
      resources: { overrides, template: str(res.template) || undefined, namespaced: typeof res.namespaced === 'boolean' ? res.namespaced : undefined },
      name: { matches: str(obj(r.name).matches) || undefined, as: str(obj(r.name).as) || undefined },
      metricsQuery: str(r.metricsQuery, 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'),
    };
  });
}

// ---- Go regexp --------------------------------------------------------------------------------------------

/** Compiles an RE2 pattern as a JavaScript RegExp ((?P<n>...) named groups, a leading (?i) flag). */
export function goRegexp(pattern: string): RegExp {
  let p = pattern.replace(/\(\?P</g, '(?<');
  let flags = '';
  const m = /^\(\?([imsU]+)\)/.exec(p);
  if (m) {
    p = p.slice(m[0].length);
    if (m[1]?.includes('i')) flags += 'i';
    if (m[1]?.includes('s')) flags += 's';
    if (m[1]?.includes('m')) flags += 'm';
  }
  return new RegExp(p, flags);
}

/** Go's Regexp.ExpandString: $1, ${1}, $name, ${name}, $$; unknown groups expand to nothing. */
export function goExpand(template: string, match: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    if (braced) {
      name = braced[1];
      len = braced[0].length;
    } else if (bare) {
      name = bare[0];
      len = bare[0].length;
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += len;
    if (/^\d+$/.test(name)) out += match[Number(name)] ?? '';
    else out += match.groups?.[name] ?? '';
  }
  return out;
}

// ---- Prometheus data ----------------------------------------------------------------------------------------

export interface Series {
  name: string;
  labels: Record<string, string>;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

function seriesFromApi(raw: unknown): Series[] {
  return arr(raw).map((s) => {
    const labels = { ...(obj(s) as Record<string, string>) };
    const name = labels.__name__ ?? '';
    delete labels.__name__;
    return { name, labels };
  });
}

// ---- naming and resources -------------------------------------------------------------------------------------

/** Resource name normalization as the adapter's RESTMapper does it ("pod" -> pods, "deployment" -> deployments.apps). */
export type ResourceNormalizer = (ref: GroupResourceRef) => { groupResource: string; singular: string } | undefined;

export function registryNormalizer(registry: ResourceRegistry): ResourceNormalizer {
  return (ref) => {
    const want = ref.resource.toLowerCase();
    const candidates = registry
      .served()
      .filter((t) => (ref.group === undefined || t.group === ref.group || t.group.replace(/[.-]/g, '_') === ref.group) && (t.resource === want || t.singular === want || t.kind.toLowerCase() === want || (t.shortNames ?? []).includes(want)));
    const t = candidates.find((c) => c.group === '') ?? candidates[0];
    if (!t) return undefined;
    return { groupResource: t.group ? `${t.resource}.${t.group}` : t.resource, singular: t.singular };
  };
}

const NAMESPACES = 'namespaces';
const ROOT_SCOPED = new Set([NAMESPACES, 'nodes', 'persistentvolumes']);

/** One rule compiled: what the adapter calls a MetricNamer (with its ResourceConverter and MetricsQuery). */
export class MetricNamer {
  readonly rule: DiscoveryRule;
  private readonly nameMatches: RegExp;
  private readonly nameAs: string;
  private readonly filters: Array<{ re: RegExp; positive: boolean }>;
  private readonly labelToResource = new Map<string, string>();
  private readonly resourceToLabel = new Map<string, string>();
  private readonly normalize: ResourceNormalizer;
  private readonly templateRe: RegExp | undefined;

  constructor(rule: DiscoveryRule, normalize: ResourceNormalizer) {
    this.rule = rule;
    this.normalize = normalize;
    for (const [label, ref] of Object.entries(rule.resources.overrides)) {
      const n = normalize(ref);
      if (!n) throw new Error(`unable to normalize group-resource ${ref.resource}${ref.group ? `.${ref.group}` : ''}: no matches for /, Resource=${ref.resource}`);
      this.labelToResource.set(label, n.groupResource);
      this.resourceToLabel.set(n.groupResource, label);
    }
    if (rule.resources.template) {
      const t = rule.resources.template;
      const src = t.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '<' || c === '>' ? c : `\\${c}`)).replace(/<<\s*\\\.Group\s*>>/g, '(?<group>.+?)').replace(/<<\s*\\\.Resource\s*>>/g, '(?<resource>.+?)');
      this.templateRe = new RegExp(`^${src}$`);
    }
    this.filters = rule.seriesFilters.map((f) => {
      if (f.is && f.isNot) throw new Error(`cannot have both an \`is\` (${goQuote(f.is)}) and \`isNot\` (${goQuote(f.isNot)}) expression in a single filter`);
      if (!f.is && !f.isNot) throw new Error('must have either an `is` or `isNot` expression in a filter');
      return { re: goRegexp(f.is ?? f.isNot ?? ''), positive: Boolean(f.is) };
    });
    if (rule.name.matches) this.filters.push({ re: goRegexp(rule.name.matches), positive: true });
    this.nameMatches = goRegexp(rule.name.matches ?? '.*');
    let as = rule.name.as;
    if (!as) {
      const groups = new RegExp(`${this.nameMatches.source}|`).exec('')?.length ?? 1;
      if (groups === 1) as = '$0';
      else if (groups === 2) as = '$1';
      else throw new Error(`must specify an 'as' value for name matcher ${goQuote(rule.name.matches ?? '')} associated with series query ${goQuote(rule.seriesQuery)}`);
    }
    this.nameAs = as;
  }

  get selector(): string {
    return this.rule.seriesQuery;
  }

  filterSeries(series: Series[]): Series[] {
    return series.filter((s) => this.filters.every((f) => f.re.test(s.name) === f.positive));
  }

  metricNameForSeries(s: Series): string {
    const m = this.nameMatches.exec(s.name);
    if (!m) throw new Error(`series name ${goQuote(s.name)} did not match expected pattern ${goQuote(this.nameMatches.source)}`);
    return goExpand(this.nameAs, m);
  }

  /** ResourcesForSeries: the resources of the series' labels, and whether it is namespaced (adapter quirks kept). */
  resourcesForSeries(s: Series): { resources: string[]; namespaced: boolean } {
    const resources: string[] = [];
    let namespaced = false;
    for (const label of Object.keys(s.labels)) {
      let gr = this.labelToResource.get(label);
      if (!gr && this.templateRe) {
        const m = this.templateRe.exec(label);
        if (m) {
          const n = this.normalize({ group: m.groups?.group, resource: m.groups?.resource ?? '' });
          if (n) {
            gr = n.groupResource;
            this.labelToResource.set(label, gr);
          }
        }
      }
      if (gr) resources.push(gr);
      if (!gr || !ROOT_SCOPED.has(gr)) namespaced = true;
    }
    return { resources, namespaced };
  }

  labelForResource(groupResource: string): string {
    const l = this.resourceToLabel.get(groupResource);
    if (l) return l;
    if (!this.rule.resources.template) throw new Error(`unable to convert resource ${groupResource} into label: no generic resource label form specified for this metric`);
    const [resource = '', ...group] = groupResource.split('.');
    const n = this.normalize({ resource, group: group.join('.') || undefined });
    const label = this.rule.resources.template
      .replace(/<<\s*\.Group\s*>>/g, group.join('.').replace(/[.-]/g, '_'))
      .replace(/<<\s*\.Resource\s*>>/g, n?.singular ?? resource);
    this.resourceToLabel.set(groupResource, label);
    this.labelToResource.set(label, groupResource);
    return label;
  }

  /** MetricsQuery.Build: template args from the metric selector, the namespace and the resource names. */
  queryForSeries(series: string, groupResource: string, namespace: string, metricSelector: Requirement[], names: string[]): string {
    const exprs: string[] = [];
    const valuesByName: Record<string, string> = {};
    for (const r of metricSelector) {
      const { expr, values } = requirementMatcher(r);
      exprs.push(expr);
      valuesByName[r.key] = values.join('|');
    }
    if (namespace && this.rule.resources.namespaced !== false) {
      const nsLabel = this.labelForResource(NAMESPACES);
      exprs.push(`${nsLabel}=${goQuote(namespace)}`);
      valuesByName[nsLabel] = namespace;
    }
    const resLabel = this.labelForResource(groupResource);
    const target = names.join('|');
    exprs.push(names.length > 1 ? `${resLabel}=~${goQuote(target)}` : `${resLabel}=${goQuote(target)}`);
    valuesByName[resLabel] = target;
    const q = renderTemplate(this.rule.metricsQuery, { Series: series, LabelMatchers: exprs.join(','), GroupBy: resLabel, GroupBySlice: [resLabel], LabelValuesByName: valuesByName });
    if (!q) throw new Error('empty query produced by metrics query template');
    return q;
  }
}

/** The `<< >>` Go templates of metricsQuery: field references (.Series, .LabelMatchers, .GroupBy, .LabelValuesByName.x). */
export function renderTemplate(tpl: string, args: Record<string, unknown>): string {
  return tpl.replace(/<<-?\s*(.*?)\s*-?>>/g, (whole, expr: string) => {
    const m = /^\.([A-Za-z]+)(?:\.([A-Za-z0-9_]+))?$/.exec(expr);
    if (!m) throw new Error(`unable to parse metrics query template ${goQuote(tpl)}: unsupported action ${whole}`);
    const v = args[m[1] ?? ''];
    if (v === undefined) throw new Error(`template: metrics-query:1: can't evaluate field ${m[1]}`);
    if (m[2] !== undefined) return str(obj(v)[m[2]], '<no value>');
    if (Array.isArray(v)) return `[${v.join(' ')}]`;
    return str(v);
  });
}

export interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** A metricLabelSelector as label requirements (the subset of the k8s selector syntax the adapter maps). */
export function parseRequirements(sel: string | null): Requirement[] {
  if (!sel) return [];
  const out: Requirement[] = [];
  for (const part of sel.match(/(?:[^,(]+|\([^)]*\))+/g) ?? []) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([\w./-]+)$/.exec(p))) out.push({ key: m[1] ?? '', op: '!', values: [] });
    else if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) out.push({ key: m[1] ?? '', op: m[2] as 'in' | 'notin', values: (m[3] ?? '').split(',').map((v) => v.trim()).sort() });
    else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*(.*)$/.exec(p))) out.push({ key: m[1] ?? '', op: m[2] === '!=' ? '!=' : '=', values: [m[3] ?? ''] });
    else if ((m = /^([\w./-]+)$/.exec(p))) out.push({ key: m[1] ?? '', op: 'exists', values: [] });
  }
  return out;
}

function requirementMatcher(r: Requirement): { expr: string; values: string[] } {
  const v = r.values;
  const target = v.join('|');
  let op: string;
  if (v.length === 0) op = r.op === 'exists' ? '!=' : '=';
  else if (v.length === 1) op = r.op === '=' ? '=' : r.op === '!=' ? '!=' : r.op === 'in' ? '=~' : '!~';
  else op = r.op === '=' || r.op === 'in' ? '=~' : '!~';
  return { expr: `${r.key}${op}${goQuote(target)}`, values: v };
}

// ---- the series registry ------------------------------------------------------------------------------------

export interface MetricInfo {
  groupResource: string;
  namespaced: boolean;
  metric: string;
}

const infoKey = (i: MetricInfo) => `${i.groupResource}|${i.namespaced}|${i.metric}`;

export class SeriesRegistry {
  private info = new Map<string, { seriesName: string; namer: MetricNamer; info: MetricInfo }>();

  setSeries(seriesByNamer: Series[][], namers: MetricNamer[], onError: (msg: string) => void): void {
    const next = new Map<string, { seriesName: string; namer: MetricNamer; info: MetricInfo }>();
    seriesByNamer.forEach((list, i) => {
      const namer = namers[i];
      if (!namer) return;
      for (const s of list) {
        const { resources, namespaced } = namer.resourcesForSeries(s);
        let name: string;
        try {
          name = namer.metricNameForSeries(s);
        } catch (err) {
          onError(`unable to name series ${goQuote(s.name)}, skipping: ${(err as Error).message}`);
          continue;
        }
        for (const gr of resources) {
          const info: MetricInfo = { groupResource: gr, namespaced: ROOT_SCOPED.has(gr) ? false : namespaced, metric: name };
          next.set(infoKey(info), { seriesName: s.name, namer, info });
        }
      }
    });
    this.info = next;
  }

  listAllMetrics(): MetricInfo[] {
    return [...this.info.values()].map((v) => v.info).sort((a, b) => `${a.groupResource}/${a.metric}`.localeCompare(`${b.groupResource}/${b.metric}`));
  }

  lookup(info: MetricInfo): { seriesName: string; namer: MetricNamer } | undefined {
    return this.info.get(infoKey(info));
  }
}

// ---- the Prometheus client ------------------------------------------------------------------------------------

/** In-cluster dialing: the real URL and the address the pod believes it talks to (ClusterIP:port), or Go's error. */
export type Dialer = (url: string, fromNs: string) => { ok: true; url: string; address: string } | { ok: false; error: string };

export class PrometheusClient {
  readonly baseUrl: string;
  private readonly fromNs: string;
  private readonly dial: Dialer;
  private readonly onRequest: (line: string) => void;

  constructor(baseUrl: string, fromNs: string, dial: Dialer, onRequest: (line: string) => void) {
    this.baseUrl = baseUrl;
    this.fromNs = fromNs;
    this.dial = dial;
    this.onRequest = onRequest;
  }

  /** GET base+endpoint?query; errors read like the adapter's Go client ("Get \"URL\": dial tcp: ..."). */
  async get(endpoint: string, params: Array<[string, string]>): Promise<unknown> {
    const base = new URL(this.baseUrl);
    const joined = `${base.pathname.replace(/\/+$/, '')}/${endpoint.replace(/^\/+/, '')}`.replace(/\/{2,}/g, '/');
    const query = goEncodeQuery(params);
    const shown = `${base.protocol}//${base.host}${joined}?${query}`;
    const d = this.dial(shown, this.fromNs);
    if (!d.ok) throw new Error(`Get ${goQuote(shown)}: ${d.error}`);
    const res = await goHttpGet(shown, d, { signal: AbortSignal.timeout(10_000) }, goQuote);
    this.onRequest(`GET ${shown} ${res.status} ${res.statusText}`);
    const text = await res.text();
    const code = res.status;
    if (Math.floor(code / 100) !== 2 && code !== 400 && code !== 422 && code !== 503) throw new Error(`bad_response: unknown response code ${code}`);
    let body: { status?: string; data?: unknown; errorType?: string; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      throw new Error(`bad_response: ${(err as Error).message}`, { cause: err });
    }
    if (body.status === 'error') throw new Error(`${str(body.errorType)}: ${str(body.error)}`);
    return body.data;
  }

  async series(start: number, selectors: string[]): Promise<Series[]> {
    const params: Array<[string, string]> = [['start', String(start / 1000)]];
    for (const s of selectors) params.push(['match[]', s]);
    return seriesFromApi(await this.get('/api/v1/series', params));
  }

  async query(time: number, query: string): Promise<{ resultType: string; result: Sample[] }> {
    const data = obj(await this.get('/api/v1/query', [['query', query], ['time', String(time / 1000)]]));
    const resultType = str(data.resultType);
    const result =
      resultType === 'vector'
        ? arr(data.result).map((r) => ({ metric: obj(obj(r).metric) as Record<string, string>, value: Number(str(arr(obj(r).value)[1], 'NaN')) }))
        : [];
    return { resultType, result };
  }
}

// ---- the adapter --------------------------------------------------------------------------------------------

export interface AdapterArgs {
  prometheusUrl: string;
  relistMs: number;
  maxAgeMs: number;
  verbosity: number;
  configPath: string;
}

/** The adapter container's flags (command + args), with the binary's defaults. */
export function parseAdapterArgs(argv: string[]): AdapterArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) continue;
    const name = m[1] ?? '';
    if (m[2] !== undefined) flags.set(name, m[2]);
    else if (i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('-')) flags.set(name, argv[++i] ?? '');
    else flags.set(name, 'true');
  }
  const duration = (flag: string, dflt: string): number => {
    const v = flags.get(flag) ?? dflt;
    try {
      return parseGoDuration(v);
    } catch (err) {
      throw new Error(`invalid argument ${goQuote(v)} for "--${flag}" flag: ${(err as Error).message}`, { cause: err });
    }
  };
  const relistMs = duration('metrics-relist-interval', '10m');
  return {
    prometheusUrl: flags.get('prometheus-url') ?? 'https://localhost',
    relistMs,
    maxAgeMs: flags.has('metrics-max-age') ? duration('metrics-max-age', '0') : relistMs,
    verbosity: Number(flags.get('v') ?? '0') || 0,
    configPath: flags.get('config') ?? '',
  };
}

export class NotFoundError extends Error {}
export class InternalError extends Error {}

export interface MetricValue {
  describedObject: { kind: string; namespace?: string; name: string; apiVersion: string };
  metricName: string;
  timestamp: string;
  value: string;
  selector: null;
}

/** One running adapter (one pod): its relist loop, its series registry and the custom metrics provider. */
export class Adapter {
  readonly args: AdapterArgs;
  readonly namespace: string;
  private readonly namers: MetricNamer[];
  private readonly registry = new SeriesRegistry();
  private readonly client: PrometheusClient;
  private readonly store: Store;
  private readonly rt: TypeLookup;
  private readonly normalize: ResourceNormalizer;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private relisting = false;
  relists = 0;

  constructor(opts: { args: AdapterArgs; rules: DiscoveryRule[]; namespace: string; store: Store; rt: TypeLookup; normalize: ResourceNormalizer; dial: Dialer; log: (line: string) => void }) {
    this.args = opts.args;
    this.namespace = opts.namespace;
    this.store = opts.store;
    this.rt = opts.rt;
    this.normalize = opts.normalize;
    this.log = opts.log;
    this.namers = opts.rules.map((r) => new MetricNamer(r, opts.normalize));
    this.client = new PrometheusClient(opts.args.prometheusUrl, opts.namespace, opts.dial, (line) => {
      if (this.args.verbosity >= 6) this.log(klogLine('I', 'api.go:92', line));
    });
  }

  start(): void {
    const loop = () => {
      void this.relist().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(loop, this.args.relistMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** cachingMetricsLister.updateMetrics: one /api/v1/series per distinct seriesQuery; on any error nothing changes. */
  async relist(): Promise<void> {
    if (this.relisting) return;
    this.relisting = true;
    try {
      const start = Date.now() - this.args.maxAgeMs;
      const cache = new Map<string, Series[]>();
      for (const namer of this.namers) {
        if (cache.has(namer.selector)) continue;
        try {
          cache.set(namer.selector, await this.client.series(start, [namer.selector]));
        } catch (err) {
          this.log(klogLine('E', 'provider.go:229', `unable to update list of all metrics: unable to fetch metrics for query ${goQuote(namer.selector)}: ${(err as Error).message}`));
          return;
        }
      }
      const perNamer = this.namers.map((n) => n.filterSeries(cache.get(n.selector) ?? []));
      this.registry.setSeries(perNamer, this.namers, (msg) => this.log(klogLine('E', 'series_registry.go:100', msg)));
      this.relists++;
      if (this.args.verbosity >= 10) this.log(klogLine('I', 'provider.go:235', `Set available metric list from Prometheus to: ${JSON.stringify(perNamer)}`));
    } finally {
      this.relisting = false;
    }
  }

  listAllMetrics(): MetricInfo[] {
    return this.registry.listAllMetrics();
  }

  normalizeResource(resource: string): string | undefined {
    const [r = '', ...g] = resource.split('.');
    return this.normalize({ resource: r, group: g.join('.') || undefined })?.groupResource;
  }

  private kindFor(groupResource: string): { kind: string; apiVersion: string } {
    const [resource = '', ...g] = groupResource.split('.');
    const group = g.join('.');
    // custom-metrics-apiserver's helpers.ReferenceFor: APIVersion is group + "/" + version ("/v1" for core).
    const t = this.rt(group, resource);
    if (t) return { kind: t.kind, apiVersion: `${t.group}/${t.version}` };
    return { kind: resource, apiVersion: `${group}/v1` };
  }

  private async buildQuery(info: MetricInfo, namespace: string, metricSelector: Requirement[], names: string[]): Promise<Sample[]> {
    const entry = this.registry.lookup(info);
    if (!entry || !names.length) throw new NotFoundError(`the server could not find the metric ${info.metric} for ${info.groupResource}`);
    let query: string;
    try {
      query = entry.namer.queryForSeries(entry.seriesName, info.groupResource, namespace, metricSelector, names);
    } catch (err) {
      this.log(klogLine('E', 'series_registry.go:134', `unable to construct query for metric ${info.groupResource}/${info.metric}: ${(err as Error).message}`));
      throw new NotFoundError(`the server could not find the metric ${info.metric} for ${info.groupResource}`);
    }
    let res: { resultType: string; result: Sample[] };
    try {
      res = await this.client.query(Date.now(), query);
    } catch (err) {
      this.log(klogLine('E', 'provider.go:152', `unable to fetch metrics from prometheus: ${(err as Error).message}`));
      throw new InternalError('unable to fetch metrics');
    }
    if (res.resultType !== 'vector') {
      this.log(klogLine('E', 'provider.go:158', `unexpected results from prometheus: expected vector, got ${res.resultType} on results ${JSON.stringify(res.result)}`));
      throw new InternalError('unable to fetch metrics');
    }
    return res.result;
  }

  private valuesByName(info: MetricInfo, samples: Sample[]): Map<string, number> {
    const entry = this.registry.lookup(info);
    const out = new Map<string, number>();
    if (!entry) return out;
    const label = entry.namer.labelForResource(info.groupResource);
    for (const s of samples) out.set(s.metric[label] ?? '', s.value);
    return out;
  }

  private metricValue(info: MetricInfo, namespace: string | undefined, name: string, value: number): MetricValue {
    const { kind, apiVersion } = this.kindFor(info.groupResource);
    return { describedObject: { kind, ...(namespace ? { namespace } : {}), name, apiVersion }, metricName: info.metric, timestamp: nowTimestamp(), value: formatMilli(sampleToMilli(value)), selector: null };
  }

  /** GetMetricBySelector: list the objects matching the selector, query them all, one item per object with a value. */
  async getMetricBySelector(groupResource: string, namespace: string, labelSelector: string | null, metric: string, metricSelector: Requirement[]): Promise<MetricValue[]> {
    const info: MetricInfo = { groupResource, namespaced: namespace !== '', metric };
    const [resource = '', ...g] = groupResource.split('.');
    const t = this.rt(g.join('.'), resource);
    let names: string[] = [];
    if (t) {
      const match = parseLabelSelector(labelSelector);
      names = this.store
        .list(t, namespace || undefined)
        .filter(match)
        .map((o: KubeObject) => o.metadata.name);
    }
    const samples = await this.buildQuery(info, namespace, metricSelector, names);
    const values = this.valuesByName(info, samples);
    if (!this.registry.lookup(info)) throw new NotFoundError(`the server could not find the metric ${metric} for ${groupResource}`);
    return names.filter((n) => values.has(n)).map((n) => this.metricValue(info, namespace || undefined, n, values.get(n) ?? 0));
  }

  /** GetMetricByName: one object; an empty result is a NotFound naming the object. */
  async getMetricByName(groupResource: string, namespace: string, name: string, metric: string, metricSelector: Requirement[]): Promise<MetricValue> {
    const info: MetricInfo = { groupResource, namespaced: namespace !== '', metric };
    const samples = await this.buildQuery(info, namespace, metricSelector, [name]);
    if (!samples.length) throw new NotFoundError(`the server could not find the metric ${metric} for ${groupResource} ${name}`);
    const values = this.valuesByName(info, samples);
    const v = values.get(name);
    if (v === undefined) {
      this.log(klogLine('E', 'provider.go:196', `None of the results returned by when fetching metric ${groupResource}/${metric}(namespaced=${info.namespaced}) for ${goQuote(namespace ? `${namespace}/${name}` : name)} matched the resource name`));
      throw new NotFoundError(`the server could not find the metric ${metric} for ${groupResource} ${name}`);
    }
    return this.metricValue(info, namespace || undefined, name, v);
  }
}

// ---- the adapter's pods --------------------------------------------------------------------------------------

export const ADAPTER_REPOSITORY_SUFFIX = 'prometheus-adapter';

function adapterContainer(pod: KubeObject): Record<string, unknown> | undefined {
  return arr(obj(pod.spec).containers)
    .map(obj)
    .find((c) => {
      const repo = imageRepository(str(c.image));
      return repo === ADAPTER_REPOSITORY_SUFFIX || repo.endsWith(`/${ADAPTER_REPOSITORY_SUFFIX}`) || repo.endsWith('/k8s-prometheus-adapter') || repo.endsWith('/k8s-prometheus-adapter-amd64');
    });
}

/** The config file's text, read from the ConfigMap volume that mounts it (the chart: /etc/adapter/config.yaml). */
function readConfigFile(pod: KubeObject, file: string, store: Store, rt: TypeLookup): string | undefined {
  const c = adapterContainer(pod) ?? {};
  const mounts = arr(c.volumeMounts).map(obj);
  const mount = mounts.filter((m) => file.startsWith(`${str(m.mountPath).replace(/\/+$/, '')}/`)).sort((a, b) => str(b.mountPath).length - str(a.mountPath).length)[0];
  if (!mount) return undefined;
  const key = file.slice(str(mount.mountPath).replace(/\/+$/, '').length + 1);
  const vol = arr(obj(pod.spec).volumes)
    .map(obj)
    .find((v) => v.name === mount.name);
  const cmName = str(obj(vol?.configMap).name);
  const cmType = rt('', 'configmaps');
  if (!cmName || !cmType) return undefined;
  const cm = store.get(cmType, pod.metadata.namespace, cmName);
  const data = obj(cm?.data);
  return typeof data[key] === 'string' ? data[key] : undefined;
}

export interface AdapterRuntime extends ContainerRuntime {
  /** The running adapter of a pod, if any. */
  adapter(ns: string, pod: string): Adapter | undefined;
  /** Appends a line to an adapter pod's log (its own request log). */
  podLog(ns: string, pod: string, line: string): void;
}

export function adapterRuntime(store: Store, rt: TypeLookup, normalize: ResourceNormalizer, net: ClusterNetwork, log: (m: string) => void): AdapterRuntime {
  const adapters = new Map<string, { adapter?: Adapter; host: RuntimeHost; timer?: NodeJS.Timeout; stopped: boolean }>();
  const dial: Dialer = (url, fromNs) => {
    const r = net.dial(url, fromNs);
    return r.ok ? { ok: true, url: r.url, address: r.address } : { ok: false, error: r.error };
  };
  return {
    name: 'prometheus-adapter',
    claims: (pod) => adapterContainer(pod) !== undefined,
    start(pod, host) {
      const ns = pod.metadata.namespace ?? 'default';
      const name = pod.metadata.name;
      const key = `${ns}/${name}`;
      if (adapters.has(key)) return;
      const entry: { adapter?: Adapter; host: RuntimeHost; timer?: NodeJS.Timeout; stopped: boolean } = { host, stopped: false };
      adapters.set(key, entry);
      const c = adapterContainer(pod) ?? {};
      const argv = [...arr(c.command).map((x) => str(x)), ...arr(c.args).map((x) => str(x))];
      let args: AdapterArgs;
      try {
        args = parseAdapterArgs(argv);
      } catch (err) {
        // The binary exits on a bad flag value, at every start.
        host.log(ns, name, `Error: ${(err as Error).message}`);
        host.report(ns, name, { ready: false, running: false, restartCount: 1, waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${str(c.name, 'prometheus-adapter')} pod=${name}_${ns}(${pod.metadata.uid ?? ''})` } });
        return;
      }
      const boot = (attempt: number) => {
        if (entry.stopped) return;
        const text = args.configPath ? readConfigFile(pod, args.configPath, store, rt) : '';
        if (text === undefined) {
          // The kubelet cannot mount the ConfigMap yet: the container is not created.
          host.report(ns, name, { ready: false, running: false, restartCount: 0, waiting: { reason: 'ContainerCreating' } });
          if (attempt === 0) log(`prometheus-adapter ${key}: config ${args.configPath} not found in a mounted ConfigMap; waiting`);
          entry.timer = setTimeout(() => boot(attempt + 1), 1000);
          return;
        }
        let adapter: Adapter;
        try {
          adapter = new Adapter({ args, rules: parseAdapterConfig(text), namespace: ns, store, rt, normalize, dial, log: (line) => host.log(ns, name, line) });
        } catch (err) {
          host.log(ns, name, klogLine('E', 'adapter.go:146', `unable to load metrics discovery config: ${(err as Error).message}`));
          host.report(ns, name, { ready: false, running: false, restartCount: attempt, waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=${str(c.name, 'prometheus-adapter')} pod=${name}_${ns}(${pod.metadata.uid ?? ''})` } });
          entry.timer = setTimeout(() => boot(attempt + 1), 10_000);
          return;
        }
        entry.adapter = adapter;
        host.log(ns, name, klogLine('I', 'dynamic_serving_content.go:113', 'Loaded a new cert/key pair for "serving-cert::/tmp/cert/apiserver.crt::/tmp/cert/apiserver.key"'));
        host.report(ns, name, { ready: false, running: true, restartCount: 0 });
        adapter.start();
        entry.timer = setTimeout(() => {
          host.log(ns, name, klogLine('I', 'secure_serving.go:213', 'Serving securely on [::]:6443'));
          host.report(ns, name, { ready: true, running: true, restartCount: 0 });
        }, 300);
      };
      boot(0);
    },
    stop(namespace, pod) {
      const key = `${namespace}/${pod}`;
      const e = adapters.get(key);
      adapters.delete(key);
      if (!e) return;
      e.stopped = true;
      if (e.timer) clearTimeout(e.timer);
      e.adapter?.stop();
    },
    adapter: (ns, pod) => adapters.get(`${ns}/${pod}`)?.adapter,
    podLog: (ns, pod, line) => adapters.get(`${ns}/${pod}`)?.host.log(ns, pod, line),
  };
}

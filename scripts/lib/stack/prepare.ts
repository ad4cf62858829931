// Turns the stack file and the command line (--stack, --set, --variant) into what the engine and
// `plan` use: resolved settings, image references and the lab's generated secrets.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lab.ts';
import type { Lab } from '../lab.ts';
import { contentTag, generateSecret, getPath, loadManifests, loadStack, makeResolver } from './stack-file.ts';
import type { ResolveInput, Resolver, StackFile } from './stack-file.ts';
import { InputError } from '../errors.ts';
import type { PortMapping } from '../cluster/kind-config.ts';
import { releaseValues } from './actions/helm.ts';
import { checkKeys } from './chart-keys.ts';
import { checkObjectSchemas } from './schema-check.ts';
import { allowedKeys } from './values-check.ts';

export interface StackChoice {
  stack: string;
  sets: Array<[string, unknown]>;
  variant?: string;
  /** --registry (with --context): image components are named REGISTRY/<repository>:<tag> and pushed there */
  registry?: string;
  /** --context: an existing cluster; without it (the lab's kind cluster) the settings that reuse are refused */
  onContext?: boolean;
}

export interface PreparedStack {
  stack: StackFile;
  resolver: Resolver;
  images: Record<string, string>;
  secretsFile: string;
  /** The lab's secrets: the kept ones, plus any generated now (kept only by `up`, after preflight). */
  secrets: Record<string, string>;
  generatedSecrets: string[];
  /** What the resolver was made from (--set, --variant): the stack is re-resolved with more (context/reuse.ts). */
  input?: ResolveInput;
}

export function secretsFile(stateDir: string): string {
  return path.join(stateDir, 'secrets.json');
}

/** The lab's secrets: read from its state folder, generated (not saved) when missing. */
function labSecrets(stack: StackFile, stateDir: string): { values: Record<string, string>; generated: string[] } {
  const file = secretsFile(stateDir);
  let saved: Record<string, string> = {};
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      throw new InputError(`${file}: not valid JSON`, { fix: `delete it to generate new secrets (Grafana's password changes on the next up)` });
    }
  }
  const values: Record<string, string> = {};
  const generated: string[] = [];
  for (const [name, spec] of Object.entries(stack.secrets)) {
    const existing = saved[name];
    if (existing) values[name] = existing;
    else {
      values[name] = generateSecret(spec.length);
      generated.push(name);
    }
  }
  return { values, generated };
}

/** The lab's kept secret values (for masking), [] when there are none. */
export function keptSecrets(stateDir: string): string[] {
  try {
    return Object.values(JSON.parse(readFileSync(secretsFile(stateDir), 'utf8')) as Record<string, string>);
  } catch {
    return [];
  }
}

export function saveSecrets(stateDir: string, values: Record<string, string>): void {
  mkdirSync(stateDir, { recursive: true });
  const file = secretsFile(stateDir);
  let saved: Record<string, string>;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    saved = {};
  }
  writeFileSync(file, JSON.stringify({ ...saved, ...values }, null, 2) + '\n', { mode: 0o600 });
}

export function prepareStack(choice: StackChoice, stateDir: string): PreparedStack {
  const stack = loadStack(REPO_ROOT, choice.stack);
  const { values: secrets, generated } = labSecrets(stack, stateDir);
  const images: Record<string, string> = {};
  for (const c of stack.components) {
    if (c.image) images[c.name] = `${choice.registry ? `${choice.registry}/` : ''}${c.image.repository}:${contentTag(REPO_ROOT, c.image.context)}`;
  }
  const input: ResolveInput = { sets: choice.sets, ...(choice.variant === undefined ? {} : { variant: choice.variant }), secrets, images };
  const resolver = makeResolver(stack, input);
  const prepared = { stack, resolver, images, secretsFile: secretsFile(stateDir), secrets, generatedSecrets: generated, input };
  // Every command on the kind path refuses them here, before any work.
  if (!choice.onContext) refuseReuseOnKind(prepared);
  return prepared;
}

/**
 * Where a setting's value comes from, as the person gave it: the last `--set` of it, else `--variant NAME` when
 * that variant sets it, else the stack file.
 */
export function settingSource(stack: StackFile, given: { sets: Array<[string, unknown]>; variant?: string | undefined } | undefined, setting: string): { from: 'set' | 'variant' | 'file'; text: string } {
  const set = [...(given?.sets ?? [])].reverse().find(([k]) => k === setting);
  if (set) return { from: 'set', text: `--set ${setting}=${String(set[1])}` };
  if (given?.variant !== undefined && stack.variants[given.variant]?.[setting] !== undefined) return { from: 'variant', text: `--variant ${given.variant}` };
  return { from: 'file', text: stack.file };
}

/** Every manifest object against the Kubernetes schemas (schema-check.ts), before any change. */
export async function checkStackObjects(prepared: PreparedStack): Promise<void> {
  for (const c of prepared.stack.components) {
    if (c.manifests) await checkObjectSchemas(c.manifests, loadManifests(REPO_ROOT, c.manifests, prepared.resolver));
  }
}

/** checkNodePorts over everything the stack installs (release values and manifests), before any change. */
export function checkStackNodePorts(prepared: PreparedStack, kindConfig: { file: string; portMappings: PortMapping[] }): void {
  const docs: unknown[] = [];
  for (const c of prepared.stack.components) {
    if (c.helm) docs.push(releaseValues(REPO_ROOT, prepared.resolver.resolve(c.helm, `${c.name}.helm`)));
    if (c.manifests) docs.push(...loadManifests(REPO_ROOT, c.manifests, prepared.resolver));
  }
  checkNodePorts(prepared, docs, kindConfig.portMappings, kindConfig.file);
}

/** Every nodePort the stack sets must be published by the kind config, or its URL leads nowhere. */
export function checkNodePorts(prepared: PreparedStack, docs: unknown[], mappings: PortMapping[], kindFile: string): void {
  const mapped = new Set(mappings.map((m) => m.containerPort));
  const found: number[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'nodePort' && typeof x === 'number') found.push(x);
        else walk(x);
      }
    }
  };
  docs.forEach(walk);
  const unmapped = [...new Set(found)].filter((p) => !mapped.has(p));
  if (unmapped.length) {
    throw new InputError(`${prepared.stack.file}: nodePort ${unmapped.join(', ')} is not published by ${kindFile} (it maps ${[...mapped].join(', ')})`, {
      fix: `add an extraPortMappings entry (containerPort = hostPort = ${unmapped[0]}, listenAddress 127.0.0.1) or change the setting with --set`,
    });
  }
}

/** Every chart and sub-chart version the project's stacks pin (stacks/*.yaml). */
export function pinnedCharts(): Array<{ chart: string; version: string }> {
  const out = new Map<string, { chart: string; version: string }>();
  for (const f of readdirSync(path.join(REPO_ROOT, 'stacks')).filter((x) => x.endsWith('.yaml'))) {
    for (const c of loadStack(REPO_ROOT, path.join('stacks', f)).components) {
      if (!c.helm) continue;
      out.set(`${c.helm.chart}-${c.helm.version}`, { chart: c.helm.chart, version: c.helm.version });
      for (const [key, sub] of Object.entries(c.helm.subcharts)) out.set(`${key}-${sub.version}`, { chart: key, version: sub.version });
    }
  }
  return [...out.values()];
}

/**
 * Every key the stack's releases set exists in the pinned chart (offline, from the key sets in
 * charts-values/keys/): an unknown key is bad input, named with its file and the nearest known key.
 */
export function checkReleaseKeys(prepared: PreparedStack): void {
  const allowed = allowedKeys();
  for (const c of prepared.stack.components) {
    if (!c.helm) continue;
    const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
    const rel = { chart: h.chart, version: h.version, subcharts: h.subcharts };
    const fromFile = checkKeys(releaseValues(REPO_ROOT, { ...h, set: {} }), rel, allowed[h.chart] ?? {});
    const fromSet = checkKeys(releaseValues(REPO_ROOT, { ...h, set: h.set }), rel, allowed[h.chart] ?? {}).filter((p) => !fromFile.some((q) => q.path === p.path));
    const first = fromFile[0] ?? fromSet[0];
    if (!first) continue;
    const where = fromFile.length ? h.values : `${prepared.stack.file}: components.${c.name}.helm.set`;
    const all = [...fromFile, ...fromSet];
    throw new InputError(`${where}: ${first.message.replace("not a key of the chart's default values", `not a key of ${h.chart} ${h.version}'s values (Helm would ignore it silently)`)}`, {
      details: all.length > 1 ? all.slice(1).map((p) => p.message) : undefined,
      fix: `correct the key, or, if the chart's templates read it without a default, add it to charts-values/allowed-keys.yaml with the reason`,
    });
  }
}

/**
 * The settings that reuse what an existing cluster already runs (a Prometheus, an adapter) belong to --context:
 * on the lab's own kind cluster there is nothing of anyone else's to reuse, and hpa-lab installs its own. The
 * refusal names where the value came from (--set, --variant, the stack file).
 */
export function refuseReuseOnKind(prepared: Pick<PreparedStack, 'stack' | 'resolver' | 'input'>): void {
  for (const c of prepared.stack.components) {
    const e = c.existing;
    const given = [e?.reusePrometheus?.setting, e?.reuseOptIn].filter((s): s is string => s !== undefined).filter((s) => {
      const v = getPath(prepared.resolver.settings, s.split('.'));
      return v !== '' && v !== false && v !== undefined;
    });
    for (const s of given) {
      const src = settingSource(prepared.stack, prepared.input, s);
      const leave = src.from === 'set' ? `leave out --set ${s}=…` : src.from === 'variant' ? `use another --variant than ${prepared.input?.variant ?? ''} (it sets ${s})` : `set ${s} back to its default in ${src.text}`;
      throw new InputError(`${src.from === 'file' ? `${src.text}: settings.${s}` : src.from === 'variant' ? `${src.text} (it sets ${s})` : `--set ${s}`}: only with --context (reusing what an existing cluster already runs); on the lab's own kind cluster hpa-lab installs ${c.name} itself`, {
        details: ['nothing was changed'],
        fix: `${leave}, or add --context NAME for an existing cluster that runs it`,
      });
    }
  }
}

/**
 * The stack `up` and `plan` act on, with every check of what the person typed that needs no tool and no cluster,
 * in this order: the stack file, --set and --variant (prepareStack), the chart keys the releases set, every manifest
 * object against the Kubernetes schemas, then what the target needs: on the lab's kind cluster, every NodePort the
 * stack sets published by the kind config; on an existing cluster, --registry when the stack builds an image.
 */
export async function checkedStack(choice: StackChoice, lab: Pick<Lab, 'stateDir' | 'kindConfig' | 'target'>): Promise<PreparedStack> {
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  if (lab.target) refuseImageComponents(prepared, lab.target.context, choice.registry);
  else checkStackNodePorts(prepared, lab.kindConfig);
  return prepared;
}

/** With --context an image component cannot be loaded into a node (kind load): it is pushed to --registry, which it needs. */
function refuseImageComponents(prepared: PreparedStack, context: string, registry: string | undefined): void {
  const images = prepared.stack.components.filter((c) => c.image);
  if (!images.length || registry !== undefined) return;
  throw new InputError(`--context ${context}: stack ${prepared.stack.name} builds an image (${images.map((c) => c.name).join(', ')}) and no --registry was given to push it to`, {
    details: ['on an existing cluster hpa-lab cannot kind load the image: it pushes it to a registry the cluster’s nodes pull from; nothing was changed'],
    fix: `npm run up -- --context ${context} --registry REGISTRY (host[:port][/path], e.g. localhost:5001 for kind's local registry), or a stack without image components`,
  });
}

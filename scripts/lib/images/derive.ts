// Every image a lab runs, derived (never typed): the containers of the charts as `helm template` renders them
// with the lab's values, the images the Prometheus Operator adds at run time (named from the rendered objects),
// the kind node image, the base images of the images hpa-lab builds and those images themselves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { Runner } from '../exec.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import { LabError } from '../errors.ts';
import { chartSource } from './chart-cache.ts';

export type ImageSource =
  | 'helm template'
  | 'operator: Prometheus resource'
  | 'operator: Alertmanager resource'
  | 'operator arg --prometheus-config-reloader'
  | 'kind config'
  | 'image cache config'
  | 'Dockerfile FROM'
  | 'built by hpa-lab';

export interface ImageEntry {
  component: string;
  image: string;
  source: ImageSource;
}

/**
 * Where an image has to be for `up`: in the host's Docker (kind's node image, the cache's own image and the bases
 * of what hpa-lab builds are pulled by Docker itself), in the cluster's reach (the charts' and operators' images:
 * the nodes pull them, through the cache), or nowhere (hpa-lab builds it and loads it into the nodes).
 */
export function imagePlace(e: ImageEntry): 'host' | 'cluster' | 'built' {
  if (e.source === 'built by hpa-lab') return 'built';
  return e.source === 'kind config' || e.source === 'image cache config' || e.source === 'Dockerfile FROM' ? 'host' : 'cluster';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The objects of a rendered manifest (a YAML stream; empty documents and comments left out). */
export function parseRendered(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Obj => isObj(o) && typeof o.kind === 'string');
}

/**
 * The `image` of every container, initContainer and ephemeralContainer anywhere in the objects: pod specs of
 * Pods, workloads (spec.template.spec), CronJobs (spec.jobTemplate…), and the containers a custom resource
 * adds to what its operator runs (a Prometheus resource's spec.containers).
 */
export function containerImages(objects: Obj[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isObj(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'containers' || k === 'initContainers' || k === 'ephemeralContainers') && Array.isArray(x)) {
        for (const c of x) if (isObj(c) && str(c.image)) out.push(str(c.image));
      }
      walk(x);
    }
  };
  objects.forEach(walk);
  return out;
}

const isKind = (o: Obj, kind: string) => o.kind === kind && str(o.apiVersion).startsWith('monitoring.coreos.com/');

/** A container's args that start with `--<flag>=`, across the Prometheus Operator's Deployments. */
function operatorArg(objects: Obj[], flag: string): string | undefined {
  for (const o of objects) {
    if (o.kind !== 'Deployment') continue;
    const spec = (o.spec as { template?: { spec?: { containers?: Array<{ args?: unknown[] }> } } } | undefined)?.template?.spec;
    for (const c of spec?.containers ?? []) {
      for (const a of c.args ?? []) {
        const s = str(a);
        if (s.startsWith(`--${flag}=`)) return s.slice(flag.length + 3);
      }
    }
  }
  return undefined;
}

/**
 * The image the operator runs for a Prometheus or Alertmanager resource, composed as prometheus-operator's
 * operator.BuildImagePath does: spec.image when set, else the base image (spec.baseImage, else the operator's
 * --<kind>-default-base-image, else its built-in default) with @sha256:spec.sha, else :spec.tag, else
 * :spec.version.
 */
export function operatorImage(resource: Obj, defaultBase: string): string {
  const spec = isObj(resource.spec) ? resource.spec : {};
  if (str(spec.image)) return str(spec.image);
  const base = str(spec.baseImage) || defaultBase;
  if (str(spec.sha)) return `${base}@sha256:${str(spec.sha)}`;
  if (str(spec.tag)) return `${base}:${str(spec.tag)}`;
  if (str(spec.version)) return `${base}:${str(spec.version)}`;
  const name = str((resource.metadata as Obj | undefined)?.name);
  throw new LabError(`${String(resource.kind)} "${name}": no image, tag or version in the rendered resource`, {
    why: "the operator then runs its built-in default version, which hpa-lab cannot name from the chart's render",
    fix: `set the resource's version in the chart's values (e.g. prometheus.prometheusSpec.version)`,
  });
}

/**
 * The images the Prometheus Operator adds at run time for the resources a release renders: each Prometheus's
 * (and Alertmanager's) own image, and the config reloader it puts beside them, named by the operator
 * Deployment's --prometheus-config-reloader arg (`operatorObjects`: every object the lab renders, since the
 * operator may come from another release). KEDA adds no image: its operator makes HPAs, not pods.
 */
export function operatorImages(rendered: Obj[], operatorObjects: Obj[]): Array<Omit<ImageEntry, 'component'>> {
  const out: Array<Omit<ImageEntry, 'component'>> = [];
  const prometheuses = rendered.filter((o) => isKind(o, 'Prometheus'));
  const alertmanagers = rendered.filter((o) => isKind(o, 'Alertmanager'));
  for (const p of prometheuses) {
    out.push({ image: operatorImage(p, operatorArg(operatorObjects, 'prometheus-default-base-image') ?? 'quay.io/prometheus/prometheus'), source: 'operator: Prometheus resource' });
  }
  for (const a of alertmanagers) {
    out.push({ image: operatorImage(a, operatorArg(operatorObjects, 'alertmanager-default-base-image') ?? 'quay.io/prometheus/alertmanager'), source: 'operator: Alertmanager resource' });
  }
  if (prometheuses.length + alertmanagers.length > 0) {
    const reloader = operatorArg(operatorObjects, 'prometheus-config-reloader');
    if (!reloader) {
      throw new LabError('a Prometheus resource is rendered, but no operator Deployment with --prometheus-config-reloader=', {
        why: 'the config reloader the operator adds to each Prometheus pod is named by that argument; without it hpa-lab cannot name it',
        fix: 'install the Prometheus Operator in the same stack (kube-prometheus-stack renders it)',
      });
    }
    out.push({ image: reloader, source: 'operator arg --prometheus-config-reloader' });
  }
  return out;
}

/**
 * The images a Dockerfile builds FROM: every stage's base, except `scratch` and earlier stages named with AS.
 * `${ARG}` in a FROM line takes the ARG's default declared before the first FROM (as Docker does).
 */
export function dockerfileBases(text: string): string[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const out: string[] = [];
  let seenFrom = false;
  for (const raw of lines) {
    const line = raw.trim();
    const argm = /^ARG\s+([A-Za-z_]\w*)(?:=(\S*))?/i.exec(line);
    if (argm && !seenFrom) args[argm[1] as string] = (argm[2] ?? '').replace(/^["']|["']$/g, '');
    const m = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    seenFrom = true;
    const image = (m[1] as string).replace(/\$\{?(\w+)\}?/g, (_, name: string) => args[name] ?? '');
    if (image !== 'scratch' && !stages.has(image.toLowerCase())) out.push(image);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return out;
}

export function dockerfileBasesOf(repoRoot: string, context: string): string[] {
  return dockerfileBases(readFileSync(path.resolve(repoRoot, context, 'Dockerfile'), 'utf8'));
}

/** The Kubernetes version of a kind node image (`kindest/node:v1.36.1@sha256:…` → v1.36.1), for --kube-version. */
export function nodeKubeVersion(nodeImage: string): string | undefined {
  return /:(v\d+\.\d+\.\d+)(?:@|$)/.exec(nodeImage)?.[1];
}

export function templateArgs(spec: HelmSpec, valuesFile: string, kubeVersion: string | undefined): string[] {
  return [
    'template', spec.release, ...chartSource(spec),
    '--namespace', spec.namespace,
    '--values', valuesFile,
    ...(kubeVersion ? ['--kube-version', kubeVersion] : []),
    // Test hooks run only under `helm test`, which the lab never runs: their images are not the lab's.
    '--skip-tests',
  ];
}

/** `helm template` of a release with these values (written to a private file, removed right after, as upgrade does). */
export async function renderRelease(runner: Runner, spec: HelmSpec, values: Record<string, unknown>, kubeVersion: string | undefined): Promise<Obj[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-values-'));
  const file = path.join(dir, `${spec.release}.yaml`);
  // The values may hold a generated password: the file is private.
  writeFileSync(file, stringify(values), { mode: 0o600 });
  try {
    return parseRendered((await runner.run('helm', templateArgs(spec, file, kubeVersion))).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each image once per component, in the order first seen. */
export function uniqueImages(entries: ImageEntry[]): ImageEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const k = `${e.component}\n${e.image}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function imagesTable(entries: ImageEntry[]): string {
  const rows = [['COMPONENT', 'IMAGE'], ...entries.map((e) => [e.component, e.image])];
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map((r) => `${(r[0] ?? '').padEnd(width)}  ${r[1] ?? ''}`).join('\n');
}

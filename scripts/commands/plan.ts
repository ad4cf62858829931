// `hpa-lab plan` (and `up --dry-run`): everything `up` would do, in order, as a YAML stream. Touches
// nothing: no tool is run and no file is written. Workshops read it; reviewers diff it. With --context it first
// runs up's read-only preflight there (what is reused depends on what the cluster has; its progress on stderr).
import { Document } from 'yaml';
import type { Lab } from '../lib/lab.ts';
import { displayPath, REPO_ROOT } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { checkNodePorts, checkReleaseKeys, checkStackObjects } from '../lib/stack/prepare.ts';
import { loadManifests } from '../lib/stack/stack-file.ts';
import { releaseValues } from '../lib/stack/actions/helm.ts';
import { withBookkeeping } from '../lib/stack/actions/manifests.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { hostsTomlPath } from '../lib/images/cache.ts';
import { chartFileName } from '../lib/images/chart-cache.ts';
import { clusterShape } from '../lib/cluster/shape-report.ts';
import { deadline } from '../lib/lab.ts';
import { contextPreflight, refuseImageComponents, targetOf } from '../lib/context/on-context.ts';
import { labLabels, labSelector } from '../lib/cluster/ownership.ts';
import { checkRegistryAnswers } from '../lib/images/registry-reach.ts';

export interface PlanStep {
  /** Said before the document: what `up` does with it. */
  comment: string;
  doc: unknown;
}

/** Replaces every generated secret in a document by a note saying where it is kept. */
function maskSecrets(doc: unknown, secrets: Record<string, string>, where: string): unknown {
  const values = new Set(Object.values(secrets));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return values.has(v) ? `<generated per lab, kept in ${where}>` : v;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc);
}

export function planSteps(lab: Lab, prepared: PreparedStack, cache?: ImageCacheConfig): PlanStep[] {
  // The name goes into the document so that it can be fed to `kind create cluster --config -` as is.
  const { kind, apiVersion, name: _ignored, ...rest } = lab.kindConfig.doc;
  const steps: PlanStep[] = [
    {
      comment: `cluster: kind create cluster --name ${lab.name} --config - (${clusterShape(lab)})   (reused when it exists and is hpa-lab's; then: API server and ${lab.kindConfig.nodeCount} node${lab.kindConfig.nodeCount === 1 ? '' : 's'} Ready)`,
      doc: { kind, apiVersion, name: lab.name, ...rest },
    },
  ];
  if (cache) {
    steps.push({
      comment: `image cache: ${cache.mirrors.length} pull-through registries from ${cache.file}, started when absent (--no-cache: none), the images they lack pulled into them beside the cluster's creation, each node's containerd pointed at them; kept by down (down --purge removes them)`,
      doc: {
        apiVersion: 'hpa-lab/v1alpha1',
        kind: 'ImageCache',
        metadata: { name: cache.volume },
        spec: { image: cache.image, volume: cache.volume, mirrors: cache.mirrors.map((m) => ({ registry: m.registry, remote: m.remote, container: m.container, listen: `127.0.0.1:${m.hostPort}`, hostsToml: hostsTomlPath(m) })) },
      },
    });
  }
  steps.push(...componentSteps(prepared, { action: 'docker build + kind load (skipped when present)' }));
  checkNodePorts(prepared, steps.slice(cache ? 2 : 1).map((s) => s.doc), lab.kindConfig.portMappings, lab.kindConfig.file);
  return steps.map((s) => ({ ...s, doc: maskSecrets(s.doc, prepared.secrets, displayPath(prepared.secretsFile)) }));
}

interface ComponentPlan {
  /** What happens to an image component's image. */
  action: string;
  /** --context: components the cluster's own thing stands in for (name → what is there). */
  reuse?: Map<string, string>;
  /** --context: the lab's labels on every release and object. */
  labels?: Record<string, string>;
  /** --context: said in each helm step. */
  helmTarget?: string;
}

/** Each component's step(s): its image, its Helm release, its manifests' objects as `up` applies them (or what is reused). */
function componentSteps(prepared: PreparedStack, opts: ComponentPlan): PlanStep[] {
  const { stack, resolver } = prepared;
  const steps: PlanStep[] = [];
  for (const c of stack.components) {
    const needs = `needs: ${c.needs.length ? c.needs.join(', ') : 'nothing (starts at once)'}`;
    const gates = c.gates.map((g) => g.type).join(', ');
    const reused = opts.reuse?.get(c.name);
    if (reused !== undefined) {
      steps.push({
        comment: `${c.name}: not installed, the cluster's own reused; its gates still run   ${needs}; gates: ${gates || 'none'}`,
        doc: { apiVersion: 'hpa-lab/v1alpha1', kind: 'Reused', metadata: { name: c.name }, spec: { reason: reused } },
      });
      continue;
    }
    if (c.image) {
      steps.push({
        comment: `${c.name}: ${opts.action}   ${needs}`,
        doc: { apiVersion: 'hpa-lab/v1alpha1', kind: 'Image', metadata: { name: c.name }, spec: { image: prepared.images[c.name], context: c.image.context } },
      });
    }
    if (c.helm) {
      const h = resolver.resolve(c.helm, `${c.name}.helm`);
      steps.push({
        comment: `${c.name}: helm upgrade --install ${h.release} ${chartFileName(h)} -n ${h.namespace}${opts.helmTarget ?? ''} (the chart pulled once from ${h.repo} into the chart cache)   ${needs}; gates: ${gates}`,
        doc: {
          apiVersion: 'hpa-lab/v1alpha1',
          kind: 'HelmRelease',
          metadata: { name: h.release, namespace: h.namespace, ...(opts.labels ? { labels: opts.labels } : {}) },
          spec: { chart: h.chart, repository: h.repo, version: h.version, valuesFile: h.values, values: releaseValues(REPO_ROOT, h) },
        },
      });
    }
    if (c.manifests) {
      const objects = loadManifests(REPO_ROOT, c.manifests, resolver);
      objects.forEach((o, i) => {
        steps.push({
          comment: i === 0 ? `${c.name}: server-side apply ${c.manifests} (${objects.length} objects)   ${needs}; gates: ${gates}` : `${c.name} (continued)`,
          doc: withBookkeeping(o, opts.labels),
        });
      });
    }
  }
  return steps;
}

/**
 * plan --context: what `up --context` would do there, after the same read-only preflight (the API, each chart's
 * kubeVersion, every permission, what is already there): the target, the namespaces it would create, then each
 * component (reused, pushed, installed or applied, with the lab's labels). No kind cluster, no image cache.
 */
async function contextPlanSteps(lab: Lab, given: PreparedStack, registry: string | undefined): Promise<PlanStep[]> {
  refuseImageComponents(given, lab, registry);
  if (registry && given.stack.components.some((c) => c.image)) await checkRegistryAnswers(registry, deadline(lab, 10));
  // The preflight's progress goes to stderr: stdout is the plan, as without --context.
  const target = await contextPreflight({ ...lab, ui: { ...lab.ui, toStderr: true } }, given);
  // the stack as it would run there (with what a reused Prometheus fills in)
  const prepared = target.prepared;
  const t = targetOf(lab);
  const labels = labLabels(lab.name);
  const components = componentSteps(prepared, { action: `docker build (skipped when present) + docker push to ${registry ?? '?'}; the nodes pull it from there`, reuse: target.reuse, labels, helmTarget: ` --kube-context ${t.context} --labels ${labSelector(lab.name)}` });
  const wanted = new Set<string>();
  for (const step of components) {
    const doc = step.doc as { kind?: string; metadata?: { namespace?: string } };
    if (doc.kind !== 'Reused' && doc.kind !== 'Image' && doc.metadata?.namespace) wanted.add(doc.metadata.namespace);
  }
  const missing: string[] = [];
  for (const ns of wanted) if (!(await target.kube.getJson(`/api/v1/namespaces/${ns}`))) missing.push(ns);
  return [
    {
      comment: `target: an existing cluster (--context ${t.context}); preflight passed (read-only). up --context creates and deletes no cluster, shows this and asks before any change (--yes: does not ask), and labels all it makes ${labSelector(lab.name)}`,
      doc: { apiVersion: 'hpa-lab/v1alpha1', kind: 'Target', metadata: { name: t.context }, spec: { context: t.context, server: t.server, kubernetesVersion: target.gitVersion, labels: labels, kubeconfig: 'a private copy holding this context alone' } },
    },
    ...missing.map((ns, i) => ({
      comment: i === 0 ? `namespaces the stack needs that ${t.context} does not have: created with the lab's labels (down --context removes them again)` : 'namespace (continued)',
      doc: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    })),
    ...components,
  ];
}

export function renderPlan(steps: PlanStep[]): string {
  return steps
    .map((s) => {
      const d = new Document(s.doc);
      d.commentBefore = ` ${s.comment}`;
      return `---\n${d.toString({ lineWidth: 0 })}`;
    })
    .join('');
}

export async function plan(lab: Lab, prepared: PreparedStack, cache?: ImageCacheConfig, registry?: string): Promise<void> {
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  const steps = lab.target ? await contextPlanSteps(lab, prepared, registry) : planSteps(lab, prepared, cache);
  lab.print(renderPlan(lab.target ? steps.map((s) => ({ ...s, doc: maskSecrets(s.doc, prepared.secrets, displayPath(prepared.secretsFile)) })) : steps).trimEnd());
}

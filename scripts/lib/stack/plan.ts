// What `plan` prints: the steps `up` would take, as a YAML stream, each document after a comment saying what up does
// with it. The steps of the stack's components are the same on either target (cluster/kind-target.ts,
// context/context-target.ts); each target adds its own before them.
import { Document } from 'yaml';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from './prepare.ts';
import { loadManifests } from './stack-file.ts';
import { releaseValues } from './actions/helm.ts';
import { withBookkeeping } from './actions/manifests.ts';
import { chartFileName } from '../images/chart-cache.ts';

export interface PlanStep {
  /** Said before the document: what `up` does with it. */
  comment: string;
  doc: unknown;
}

/** Replaces every generated secret in a document by a note saying where it is kept. */
export function maskPlanSecrets(doc: unknown, secrets: Record<string, string>, where: string): unknown {
  const values = new Set(Object.values(secrets));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return values.has(v) ? `<generated per lab, kept in ${where}>` : v;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc);
}

export interface ComponentPlan {
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
export function componentSteps(prepared: PreparedStack, opts: ComponentPlan): PlanStep[] {
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

export function renderPlan(steps: PlanStep[]): string {
  return steps
    .map((s) => {
      const d = new Document(s.doc);
      d.commentBefore = ` ${s.comment}`;
      return `---\n${d.toString({ lineWidth: 0 })}`;
    })
    .join('');
}

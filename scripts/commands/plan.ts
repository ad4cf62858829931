// `hpa-lab plan` (and `up --dry-run`): everything `up` would do, in order, as a YAML stream. Touches
// nothing: no tool is run and no file is written. Workshops read it; reviewers diff it.
import { Document } from 'yaml';
import type { Lab } from '../lib/lab.ts';
import { displayPath, REPO_ROOT } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/lab-stack.ts';
import { checkNodePorts, checkReleaseKeys, checkStackObjects } from '../lib/lab-stack.ts';
import { loadManifests } from '../lib/stack.ts';
import { releaseValues } from '../lib/actions/helm.ts';
import { withBookkeeping } from '../lib/actions/manifests.ts';
import type { ImageCacheConfig } from '../lib/image-cache.ts';
import { hostsTomlPath } from '../lib/image-cache.ts';
import { chartFileName } from '../lib/chart-cache.ts';
import { clusterShape } from '../lib/shape-report.ts';

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
  const { stack, resolver } = prepared;
  for (const c of stack.components) {
    const needs = `needs: ${c.needs.length ? c.needs.join(', ') : 'nothing (starts at once)'}`;
    const gates = c.gates.map((g) => g.type).join(', ');
    if (c.image) {
      steps.push({
        comment: `${c.name}: docker build + kind load (skipped when present)   ${needs}`,
        doc: { apiVersion: 'hpa-lab/v1alpha1', kind: 'Image', metadata: { name: c.name }, spec: { image: prepared.images[c.name], context: c.image.context } },
      });
    }
    if (c.helm) {
      const h = resolver.resolve(c.helm, `${c.name}.helm`);
      steps.push({
        comment: `${c.name}: helm upgrade --install ${h.release} ${chartFileName(h)} -n ${h.namespace} (the chart pulled once from ${h.repo} into the chart cache)   ${needs}; gates: ${gates}`,
        doc: {
          apiVersion: 'hpa-lab/v1alpha1',
          kind: 'HelmRelease',
          metadata: { name: h.release, namespace: h.namespace },
          spec: { chart: h.chart, repository: h.repo, version: h.version, valuesFile: h.values, values: releaseValues(REPO_ROOT, h) },
        },
      });
    }
    if (c.manifests) {
      const objects = loadManifests(REPO_ROOT, c.manifests, resolver);
      objects.forEach((o, i) => {
        steps.push({
          comment: i === 0 ? `${c.name}: server-side apply ${c.manifests} (${objects.length} objects)   ${needs}; gates: ${gates}` : `${c.name} (continued)`,
          doc: withBookkeeping(o),
        });
      });
    }
  }
  checkNodePorts(prepared, steps.slice(cache ? 2 : 1).map((s) => s.doc), lab.kindConfig.portMappings, lab.kindConfig.file);
  return steps.map((s) => ({ ...s, doc: maskSecrets(s.doc, prepared.secrets, displayPath(prepared.secretsFile)) }));
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

export async function plan(lab: Lab, prepared: PreparedStack, cache?: ImageCacheConfig): Promise<void> {
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  lab.print(renderPlan(planSteps(lab, prepared, cache)).trimEnd());
}

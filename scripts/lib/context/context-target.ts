// An existing cluster (--context NAME) as the target of `up` (stack/target.ts): preflight there (read-only), the
// target named and the person's yes, then the stack with the lab's labels, reusing what is already there; the
// image the stack builds pushed to --registry; the gates' URLs reached through port-forwards. And what `plan`
// shows of it. Never creates or deletes a cluster.
import type { Lab } from '../lab.ts';
import { deadline, displayPath } from '../lab.ts';
import { formatChecks } from '../host/preflight.ts';
import { checkRegistryAnswers } from '../images/registry-reach.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import { componentSteps, maskPlanSecrets, type PlanStep } from '../stack/plan.ts';
import type { Target } from '../stack/target.ts';
import { labLabels, labSelector } from '../cluster/ownership.ts';
import { confirm, contextExisting, contextPreflight, describeTarget, imagePusher, reachCluster, targetOf, type ContextPlan } from './on-context.ts';

export interface ContextOptions {
  /** --registry: where the image the stack builds is pushed, for the cluster's nodes to pull. */
  registry: string | undefined;
  /** --yes: no question asked. */
  yes: boolean;
}

/** The registry answers before anything is read from the cluster (only when the stack builds an image). */
async function registryAnswers(lab: Lab, prepared: PreparedStack, registry: string | undefined): Promise<void> {
  if (registry && prepared.stack.components.some((c) => c.image)) await checkRegistryAnswers(registry, deadline(lab, 10));
}

export function contextCluster(lab: Lab, opts: ContextOptions): Target {
  let plan: ContextPlan | undefined;
  const planned = (): ContextPlan => {
    if (!plan) throw new Error('the target was used before its preflight');
    return plan;
  };
  return {
    async preflight(prepared) {
      await registryAnswers(lab, prepared, opts.registry);
      // The stack as it runs there: with what a reused Prometheus fills in (its Service, namespace, port).
      plan = await contextPreflight(lab, prepared);
      return { prepared: plan.prepared, warnings: plan.warnings };
    },

    async prepare({ prepared }) {
      lab.print(describeTarget(lab, prepared, planned()));
      await confirm(lab, `Install into context ${planned().kube.context}?`, opts.yes);
    },

    engine({ prepared }) {
      const existing = { ...contextExisting(lab, prepared, planned()), ...(opts.registry ? { deliverImage: imagePusher(lab, opts.registry) } : {}) };
      return { cluster: (ctx) => reachCluster(lab, ctx), existing, close: () => existing.reach.close() };
    },

    sayUp({ prepared, warnings }) {
      if (warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(warnings)}`);
      lab.print(`\nThe lab is up on context ${planned().kube.context} (stack ${prepared.stack.name}); \`npm run down -- --context ${planned().kube.context}\` removes what it installed.`);
    },
  };
}

/**
 * `plan --context`: what `up --context` would do there, after the same read-only preflight (the API, each chart's
 * kubeVersion, every permission, what is already there): the target, the namespaces it would create, then each
 * component (reused, pushed, installed or applied, with the lab's labels). No kind cluster, no image cache.
 */
export async function contextPlan(lab: Lab, given: PreparedStack, registry: string | undefined): Promise<PlanStep[]> {
  await registryAnswers(lab, given, registry);
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
  const steps: PlanStep[] = [
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
  // Masked with the secrets as given (the ones a reused Prometheus fills in are not the lab's).
  return steps.map((s) => ({ ...s, doc: maskPlanSecrets(s.doc, given.secrets, displayPath(given.secretsFile)) }));
}

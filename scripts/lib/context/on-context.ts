// The lab on an existing cluster (--context NAME): the steps `up`, `down` and `status` take there instead of
// making, reusing or deleting the lab's own kind cluster. Nothing here creates or deletes a cluster. Before
// any change: preflight (access.ts), then the target named (context, API server, what will be installed) and
// a confirmation (a terminal's y, or --yes; without either, exit 2). What is installed carries the lab's
// labels (cluster/ownership.ts); `down` removes exactly that.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Lab } from '../lab.ts';
import { deadline, REPO_ROOT } from '../lab.ts';
import type { Kube } from '../kube/api.ts';
import { isForbidden, kubeForContext } from '../kube/api.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import { secretsFile } from '../stack/prepare.ts';
import type { Component } from '../stack/stack-file.ts';
import { getPath, loadManifests } from '../stack/stack-file.ts';
import { InputError, LabError } from '../errors.ts';
import { pushImage } from '../stack/actions/image.ts';
import type { StepContext } from '../ui.ts';
import { runSteps } from '../ui.ts';
import { waitFor } from '../gates/poll.ts';
import { apiServerReadyGate } from '../gates/api-gate.ts';
import { checkHelm, formatChecks, type Check } from '../host/preflight.ts';
import { chartKubeVersion, deniedPermissions, existingState, forwardNeeds, kubeVersionCheck, needLabel, permissionsNeeded, reachApi } from './access.ts';
import { isOurs, labelledOurs, labLabels, labReleases, labSelector } from '../cluster/ownership.ts';
import { privateKubeconfig } from '../kube/private-kubeconfig.ts';
import { collectionOf, resourcePath } from '../kube/resources.ts';
import type { KubernetesObject } from '@kubernetes/client-node';
import { forwardsReach, type Reach } from '../kube/reach.ts';
import { reusePrometheus, type ReuseProblem } from './reuse.ts';

export function targetOf(lab: Lab): NonNullable<Lab['target']> {
  if (!lab.target) throw new Error('no --context target');
  return lab.target;
}

export async function targetKube(lab: Lab): Promise<Kube> {
  const t = targetOf(lab);
  return kubeForContext(t.kubeconfig, t.context);
}

/** --registry: the built image pushed there (docker push); the stack's manifests name it REGISTRY/<repository>:<tag>. */
export function imagePusher(lab: Lab, registry: string) {
  return async (image: string, say: (l: string) => void): Promise<string> => {
    say(`docker push ${image}`);
    const digest = await pushImage(lab.runner, image, registry, (l) => say(l.trim()));
    return `pushed to ${registry}${digest ? ` (${digest.slice(0, 19)}…)` : ''}`;
  };
}

export interface ContextPlan {
  kube: Kube;
  /** The stack as it runs there: resolved again with what a reused Prometheus fills in (reuse.ts). */
  prepared: PreparedStack;
  gitVersion: string;
  reuse: Map<string, string>;
  warnings: Check[];
}

/** Preflight on the target: helm, the API (reachable, version vs each chart), what is there, every permission. */
export async function contextPreflight(lab: Lab, given: PreparedStack): Promise<ContextPlan> {
  const t = targetOf(lab);
  let prepared = given;
  let plan: ContextPlan | undefined;
  await runSteps(
    [
      {
        title: 'Preflight',
        run: async (ctx) => {
          const checks: Check[] = [await checkHelm(lab.runner)];
          ctx.say(`asking ${t.server} for /version`);
          const kube = await targetKube(lab);
          const api = await reachApi(kube, deadline(lab, 10));
          if (!api.ok) {
            checks.push({ id: 'api', level: 'fail', summary: `context ${t.context}: ${api.why}`, fix: api.fix });
            fail(checks, t.context);
          }
          checks.push({ id: 'api', level: 'ok', summary: `context ${t.context}: API server ${t.server} answers, Kubernetes ${api.gitVersion}` });
          if (checks.some((c) => c.level === 'fail')) fail(checks, t.context);
          ctx.say('reading what the cluster already has');
          const reused = await reusePrometheus(kube, given, lab.name);
          checks.push(...reused.problems);
          // What the person pointed at does not fit: that is the thing to fix (the conflicts it would lift follow from it).
          if (reused.problems.length) fail(checks, t.context);
          prepared = reused.prepared;
          const state = await existingState(kube, prepared, lab.name, reused.reuse);
          for (const [name, how] of state.reuse) checks.push({ id: `reuse-${name}`, level: 'ok', summary: `${name}: reused, not installed: ${how}` });
          for (const c of state.conflicts) checks.push({ id: 'conflict', level: 'fail', summary: c.summary, why: 'hpa-lab installs no second copy of what someone else runs there', fix: c.fix ?? 'remove it, or use another cluster' });
          const installs = prepared.stack.components.filter((c) => !state.reuse.has(c.name) && (c.helm || c.manifests));
          for (const c of installs) {
            if (!c.helm) continue;
            const spec = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
            ctx.say(`helm show chart ${spec.chart} ${spec.version}`);
            checks.push(kubeVersionCheck(spec.chart, spec.version, await chartKubeVersion(lab, spec), api.gitVersion));
          }
          ctx.say(`SelfSubjectAccessReview for every kind of object the stack installs${reused.reads.length ? ', and what reusing their Prometheus reads' : ''}`);
          const forwarded = prepared.resolver.resolve(prepared.stack.forwards, 'forwards').map((f) => ({ namespace: f.service.split('/')[0] ?? '', name: f.service.split('/')[1] ?? '' }));
          const needs = await permissionsNeeded(lab, kube, prepared, installs, api.gitVersion, [...reused.reads, ...forwardNeeds(forwarded)]);
          const denied = await deniedPermissions(kube, needs);
          if (denied.length) {
            checks.push({
              id: 'access',
              level: 'fail',
              summary: `the user of context ${t.context} may not do ${denied.length} of the ${needs.length} things the stack needs: ${denied.map(needLabel).join('; ')}`,
              why: denied.map((d) => `${needLabel(d)}: for ${d.why}`).join('; '),
              fix: 'ask the cluster’s admin for these permissions (a ClusterRole and a binding for your user), or use a context that has them',
            });
          } else checks.push({ id: 'access', level: 'ok', summary: `the user of context ${t.context} may do all ${needs.length} things the stack needs (SelfSubjectAccessReview)` });
          if (checks.some((c) => c.level === 'fail')) fail(checks, t.context);
          plan = { kube, prepared, gitVersion: api.gitVersion, reuse: state.reuse, warnings: checks.filter((c) => c.level === 'warn') };
          ctx.retitle(`Preflight on context ${t.context}: ${checks.filter((c) => c.level === 'ok').length} ok`);
        },
      },
    ],
    lab.ui,
  );
  return plan as unknown as ContextPlan;
}

function fail(checks: Check[], context: string): never {
  const failed = checks.filter((c) => c.level === 'fail');
  throw new LabError(`preflight on context ${context} failed: ${failed.map((c) => c.summary).join('; ')}`, {
    details: formatChecks(failed).split('\n'),
    why: 'nothing was changed in the cluster',
  });
}

/** What `up --context` will do there, as the person confirms it. */
export function describeTarget(lab: Lab, prepared: PreparedStack, plan: { reuse: Map<string, string>; gitVersion: string }): string {
  const t = targetOf(lab);
  const lines = [`hpa-lab will install into an existing cluster:`, `  context     ${t.context}`, `  API server  ${t.server} (Kubernetes ${plan.gitVersion})`, `  lab         ${lab.name} (stack ${prepared.stack.name}; everything labelled ${labSelector(lab.name)})`, '  installs:'];
  for (const c of prepared.stack.components) {
    const reused = plan.reuse.get(c.name);
    if (c.image) lines.push(`    ${c.name}: image ${String(prepared.images[c.name])}, built here and pushed there (docker push)`);
    if (reused) lines.push(`    ${c.name}: nothing (reused: ${reused})`);
    else if (c.helm) {
      const h = prepared.resolver.resolve(c.helm, `${c.name}.helm`);
      lines.push(`    ${c.name}: Helm release ${h.namespace}/${h.release} (${h.chart} ${h.version})`);
    } else if (c.manifests) {
      const objects = loadManifests(REPO_ROOT, c.manifests, prepared.resolver);
      lines.push(`    ${c.name}: ${objects.map((o) => `${String(o.kind)} ${(o.metadata as { namespace?: string }).namespace ? `${(o.metadata as { namespace?: string }).namespace}/` : ''}${String((o.metadata as { name?: string }).name)}`).join(', ')}`);
    }
  }
  lines.push('  and the namespaces they need that do not exist yet (removed again by down --context; nothing else is).');
  return lines.join('\n');
}

/**
 * The person's yes: --yes, or "y" typed on a terminal. Without a terminal and without --yes: exit 2, nothing
 * changed (a script must say --yes itself).
 */
export async function confirm(lab: Lab, question: string, yes: boolean, stdin: NodeJS.ReadStream = process.stdin): Promise<void> {
  if (yes) return;
  const t = targetOf(lab);
  if (!stdin.isTTY) {
    throw new InputError(`--context ${t.context}: refusing to change an existing cluster without a confirmation: there is no terminal to ask on, and --yes was not given`, {
      details: ['nothing was changed'],
      fix: 'pass --yes (in scripts and CI) after reading what it will do above, or run it on a terminal',
    });
  }
  const rl = createInterface({ input: stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new InputError(`--context ${t.context}: not confirmed (answered "${answer}"); nothing was changed`);
  } finally {
    rl.close();
  }
}

/** The stack's "cluster" step on an existing cluster: reachable, API ready, nodes Ready. Never creates one. */
export async function reachCluster(lab: Lab, ctx: StepContext): Promise<Kube> {
  const kube = await targetKube(lab);
  const ready = await waitFor(apiServerReadyGate(kube, deadline(lab, 60)), { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
  ctx.retitle(`cluster reachable: context ${kube.context}, ${kube.server}, Kubernetes ${ready.version}, ${ready.nodes.length} node${ready.nodes.length === 1 ? '' : 's'} Ready`);
  return kube;
}

/**
 * What the engine needs to run the stack on the target: what is reused, the lab's labels, the namespaces to
 * create, and port-forwards for the URLs its gates use (close `reach` when the command ends).
 */
export function contextExisting(lab: Lab, prepared: PreparedStack, plan: ContextPlan): { reuse: Map<string, string>; labels: Record<string, string>; prepare: ReturnType<typeof namespacePreparer>; reach: Reach } {
  return { reuse: plan.reuse, labels: labLabels(lab.name), prepare: namespacePreparer(lab, prepared), reach: forwardsReach(prepared.stack, prepared.resolver, plan.kube) };
}

/** The namespaces a component installs into. */
function namespacesOf(prepared: PreparedStack, c: Component): string[] {
  if (c.helm) return [String(prepared.resolver.resolve(c.helm.namespace, `${c.name}.helm.namespace`))];
  if (c.manifests) return [...new Set(loadManifests(REPO_ROOT, c.manifests, prepared.resolver).map((o) => String((o.metadata as { namespace?: string }).namespace ?? 'default')))];
  return [];
}

/** Before an install: each namespace it needs, created with the lab's labels when it is missing (so down knows it is the lab's). */
export function namespacePreparer(lab: Lab, prepared: PreparedStack) {
  return async (c: Component, kube: Kube, say: (l: string) => void): Promise<void> => {
    for (const ns of namespacesOf(prepared, c)) {
      if (await kube.getJson(`/api/v1/namespaces/${ns}`)) continue;
      say(`creating namespace ${ns}`);
      await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: labLabels(lab.name) } });
    }
  };
}

/**
 * `status` and `down` there: the stack as `up --context` ran it, with what a reused Prometheus fills in (its
 * namespace, where the lab put what goes beside it). When it no longer fits, or the user may not read it, the
 * settings as given and the problems (each names what and the fix): never a throw.
 */
export async function stackOnContext(lab: Lab, kube: Kube, prepared: PreparedStack): Promise<{ prepared: PreparedStack; problems: ReuseProblem[] }> {
  try {
    const r = await reusePrometheus(kube, prepared, lab.name);
    return { prepared: r.prepared, problems: r.problems };
  } catch (err) {
    // The API failed (not a refusal: reusePrometheus makes a 403 a problem): each reuse the stack asks for is unknown.
    const asked = prepared.stack.components.filter((c) => {
      const s = c.existing?.reusePrometheus?.setting;
      return s !== undefined && getPath(prepared.resolver.settings, s.split('.')) !== '';
    });
    const why = err instanceof Error ? err.message : String(err);
    return { prepared, problems: asked.map((c) => ({ id: 'reuse-prometheus', level: 'fail' as const, component: c.name, summary: `${c.name}: could not read the Prometheus it reuses: ${why}`, fix: `kubectl --context ${kube.context} get --raw /version; then run it again` })) };
  }
}

/** `status` rows for reuse problems: what the lab reused no longer fits (or may not be read), and the fix. */
export function reuseRows(problems: ReuseProblem[]): Array<{ component: string; gate: string; ok: false; detail: string }> {
  return problems.map((p) => ({ component: p.component, gate: 'reuses what the cluster runs', ok: false, detail: `${p.summary.replace(`${p.component}: `, '')}${p.fix ? ` (fix: ${p.fix})` : ''}` }));
}

/** A read down needs, refused (HTTP 403) or failed: nothing removed, the permission named. */
function refused(kube: Kube, what: string, finds: string) {
  return (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err);
    if (isForbidden(err)) {
      throw new LabError(`nothing removed: the user of context ${kube.context} may not ${what} (HTTP 403), which down needs to find ${finds}`, {
        details: [message],
        fix: `ask the cluster’s admin to let your user ${what}, or use a context that may (the one up --context ran with)`,
      });
    }
    throw new LabError(`nothing removed: reading ${finds} from context ${kube.context} failed: ${message}`, { fix: `kubectl --context ${kube.context} get --raw /version; then run it again` });
  };
}

/**
 * The lab's objects of each kind the stack's manifests hold: found by the lab's labels in every namespace
 * (authoritative: wherever the settings of the `up` put them), and where the manifests resolve to now; only
 * what carries the lab's labels, each once.
 */
export async function labObjects(kube: Kube, prepared: PreparedStack, labName: string): Promise<KubernetesObject[]> {
  const found = new Map<string, KubernetesObject>();
  const keep = (o: KubernetesObject) => {
    if (labelledOurs(o, labName)) found.set(resourcePath(o), o);
  };
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  const resolved: KubernetesObject[] = [];
  for (const c of prepared.stack.components) {
    if (!c.manifests) continue;
    for (const o of loadManifests(REPO_ROOT, c.manifests, prepared.resolver) as KubernetesObject[]) {
      kinds.set(`${o.apiVersion ?? ''}/${o.kind ?? ''}`, { apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? '' });
      resolved.push(o);
    }
  }
  for (const k of kinds.values()) {
    const c = collectionOf(k.apiVersion, k.kind, labSelector(labName));
    // 404: the cluster does not serve that kind (its CRD is gone), so nothing of it is there.
    const list = await kube.getJson<{ items?: KubernetesObject[] }>(c.path).catch(refused(kube, `list ${c.plural}${k.apiVersion.includes('/') ? `.${k.apiVersion.split('/')[0] ?? ''}` : ''} (all namespaces)`, `the lab's ${k.kind} objects`));
    for (const item of list?.items ?? []) keep({ ...item, apiVersion: k.apiVersion, kind: k.kind });
  }
  for (const o of resolved) {
    if (found.has(resourcePath(o))) continue;
    const live = await kube.getJson<KubernetesObject>(resourcePath(o)).catch(() => undefined);
    if (live) keep({ ...live, apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? '' });
  }
  return [...found.values()];
}

/** `down --context`: the lab's releases, its labelled objects, then the namespaces it created. Never the cluster. */
export async function downOnContext(lab: Lab, given: PreparedStack, yes: boolean): Promise<void> {
  const t = targetOf(lab);
  const kube = await targetKube(lab);
  const api = await reachApi(kube, deadline(lab, 10));
  if (!api.ok) throw new LabError(`nothing removed: context ${t.context}: ${api.why}`, { fix: api.fix });
  // Only what carries the lab's labels is removed: a reused Prometheus, its operator and CRDs never do.
  const { prepared, problems } = await stackOnContext(lab, kube, given);
  for (const p of problems) lab.print(`note: ${p.summary}; the lab's objects are found by their labels`);
  const releases = await labReleases(kube, lab.name).catch(refused(kube, 'list secrets (all namespaces)', 'its Helm releases'));
  const objects = await labObjects(kube, prepared, lab.name);
  const namespaces = ((await kube.getJson<{ items: KubernetesObject[] }>(`/api/v1/namespaces?labelSelector=${encodeURIComponent(labSelector(lab.name))}`).catch(refused(kube, 'list namespaces (cluster-scoped)', 'the namespaces it created')))?.items ?? []).map((n) => ({ ...n, apiVersion: 'v1', kind: 'Namespace' }));
  const what = [...releases.map((r) => `Helm release ${r.namespace}/${r.name}`), ...objects.map((o) => `${o.kind ?? '?'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`), ...namespaces.map((n) => `Namespace ${n.metadata?.name ?? '?'}`)];
  if (!what.length) {
    lab.print(`Nothing to do: context ${t.context} has nothing labelled ${labSelector(lab.name)}.`);
    return;
  }
  lab.print(`hpa-lab will remove from context ${t.context} (${t.server}) what lab ${lab.name} installed, and nothing else:\n${what.map((w) => `  ${w}`).join('\n')}`);
  await confirm(lab, `Remove these from context ${t.context}?`, yes);
  const target = { kubeconfig: privateKubeconfig(kube.kubeconfig), context: kube.context };
  await runSteps(
    [
      ...releases.map((r) => ({
        title: `Uninstall Helm release ${r.namespace}/${r.name}`,
        run: async () => {
          await lab.runner.run('helm', ['uninstall', r.name, '--namespace', r.namespace, '--kubeconfig', target.kubeconfig, '--kube-context', target.context]);
        },
      })),
      {
        title: 'Delete the lab’s objects and namespaces',
        run: async (ctx: StepContext) => {
          for (const o of [...objects, ...namespaces]) {
            if (!isOurs(o, lab.name, releases)) continue;
            ctx.say(`deleting ${o.kind ?? '?'} ${o.metadata?.name ?? '?'}`);
            const r = await kube.send('DELETE', resourcePath({ ...o, apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? 'Namespace' }));
            if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new LabError(`delete ${o.kind ?? '?'} ${o.metadata?.name ?? '?'}: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
          }
          ctx.retitle(`Deleted ${objects.length} object${objects.length === 1 ? '' : 's'} and ${namespaces.length} namespace${namespaces.length === 1 ? '' : 's'}`);
        },
      },
    ],
    lab.ui,
  );
  rmSync(secretsFile(lab.stateDir), { force: true });
  lab.print(`Removed lab ${lab.name} from context ${t.context}: ${what.length} item${what.length === 1 ? '' : 's'}; the cluster and everything else in it are untouched.`);
}

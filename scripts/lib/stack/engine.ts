// The one engine that runs any stack. Each component is a task that starts when the components it
// needs have passed their gates, so independent ones run concurrently; then it converges its install
// (an image, a Helm release or manifests) and waits on its gates. Nothing here knows a component by name.
import path from 'node:path';
import type { Lab } from '../lab.ts';
import { displayPath, REPO_ROOT } from '../lab.ts';
import type { Kube } from '../kube/api.ts';
import type { Component, Resolver, StackFile } from './stack-file.ts';
import { CLUSTER, loadManifests } from './stack-file.ts';
import { waitFor, GateError } from '../gates/poll.ts';
import { makeGate, rolloutGate, signatureDiagnosis, type StackGate } from '../gates/probes.ts';
import { releaseObjects, releaseState, releaseValues, upgradeRelease } from './actions/helm.ts';
import { applyManifests } from './actions/manifests.ts';
import { buildImage, imageExists, loadImage } from './actions/image.ts';
import { saveDiagnostics } from '../gates/diagnostics.ts';
import { LabError } from '../errors.ts';
import { runSteps } from '../ui.ts';
import { privateKubeconfig } from '../kube/private-kubeconfig.ts';
import { WORKLOAD_KINDS, type WorkloadRef } from '../gates/rollout.ts';
import type { Step, StepContext } from '../ui.ts';
import type { Reach } from '../kube/reach.ts';

export interface StackRun {
  lab: Lab;
  stack: StackFile;
  resolver: Resolver;
  /** Image reference per image component (content-tagged). */
  images: Record<string, string>;
  /** Creates or reuses the cluster and passes its gates; returns the client for it. */
  cluster: (ctx: StepContext) => Promise<Kube>;
  /**
   * An existing cluster (--context): components whose thing is already there (name → what is there) are not
   * installed, only gated; `labels` go on every release and object; `prepare` runs before each install.
   */
  existing?: {
    reuse: Map<string, string>;
    labels: Record<string, string>;
    prepare: (c: Component, kube: Kube, say: (l: string) => void) => Promise<void>;
    /** How the gates' URLs are reached there (port-forwards instead of NodePorts: kube/reach.ts). */
    reach: Reach;
    /** Puts a built image where the cluster pulls it from (--registry: docker push), instead of loading it into kind's nodes; says what it did. */
    deliverImage?: (image: string, say: (l: string) => void) => Promise<string>;
  };
}

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.promise.catch(() => undefined); // observed by dependents; never an unhandled rejection
  }
}

class NotStarted extends Error {}

export async function runStack(run: StackRun): Promise<void> {
  const { lab } = run;
  const done = new Map<string, Deferred<unknown>>();
  const kube = new Deferred<Kube>();
  done.set(CLUSTER, kube as Deferred<unknown>);
  for (const c of run.stack.components) done.set(c.name, new Deferred());
  const failures: Error[] = [];

  const step = (name: string, needs: string[], body: (ctx: StepContext) => Promise<void>): Step => ({
    title: name,
    run: async (ctx) => {
      const mine = done.get(name) as Deferred<unknown>;
      try {
        if (needs.length) {
          ctx.say(`waiting for ${needs.join(', ')}`);
          const results = await Promise.allSettled(needs.map((n) => (done.get(n) as Deferred<unknown>).promise));
          const failed = needs.filter((_n, i) => results[i]?.status === 'rejected' && !(results[i].reason instanceof NotStarted));
          const skipped = needs.filter((_n, i) => results[i]?.status === 'rejected' && results[i].reason instanceof NotStarted);
          if (failed.length || skipped.length) {
            throw new NotStarted(`not started: ${[failed.length ? `${failed.join(', ')} failed` : '', skipped.length ? `${skipped.join(', ')} did not start` : ''].filter(Boolean).join('; ')}`);
          }
        }
        await body(ctx);
        mine.resolve(undefined);
      } catch (err) {
        mine.reject(err);
        if (err instanceof NotStarted) {
          ctx.skip(`${name}: ${err.message}`);
          return;
        }
        failures.push(err as Error);
        throw err;
      }
    },
  });

  const steps: Step[] = [
    step(CLUSTER, [], async (ctx) => {
      kube.resolve(await run.cluster(ctx));
    }),
    ...run.stack.components.map((c) => step(c.name, c.needs, (ctx) => runComponent(run, c, kube.promise, ctx))),
  ];
  await runSteps(steps, { ...lab.ui, concurrent: true });
  if (failures.length === 1) throw failures[0] as Error;
  if (failures.length > 1) {
    const first = failures[0] as Error;
    if (first instanceof LabError) {
      throw new LabError(`${failures.length} components failed; the first: ${first.message}`, { details: first.details, why: first.why, fix: first.fix });
    }
    throw first;
  }
}

async function runComponent(run: StackRun, c: Component, kubeP: Promise<Kube>, ctx: StepContext): Promise<void> {
  const { lab, resolver } = run;
  const done: string[] = [];
  if (c.image) {
    const image = run.images[c.name] as string;
    if (await imageExists(lab.runner, image)) {
      done.push(`image ${image} present`);
    } else {
      ctx.say(`docker build ${image}`);
      await buildImage(lab.runner, image, path.resolve(REPO_ROOT, c.image.context), (l) => ctx.say(l.trim()));
      done.push(`built ${image}`);
    }
    if (run.existing?.deliverImage) done.push(await run.existing.deliverImage(image, (l) => ctx.say(l)));
    else {
      ctx.say('waiting for the cluster to load the image into');
      const kube = await clusterOf(kubeP);
      done.push((await loadImage(lab.runner, kube, lab.name, image)) ? 'loaded into the node' : 'already on the node');
    }
  }
  const kube = await clusterOf(kubeP);
  const reused = run.existing?.reuse.get(c.name);
  if (reused !== undefined) {
    const gates = await Promise.all(c.gates.map(async (g, i) => makeGate(await reachable(run, resolver.resolve(g, `${c.name}.gates[${i}]`)), kube)));
    for (const gate of gates) {
      gate.deadlineMs = Math.max(1, Math.round(gate.deadlineMs * lab.timeoutFactor));
      await waitFor(gate, { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
    }
    ctx.retitle(`${c.name}: not installed, the cluster's own reused (${reused})${gates.length ? `, ${gates.length} gate${gates.length === 1 ? '' : 's'} passed` : ''}`);
    return;
  }
  if (run.existing && (c.helm || c.manifests)) await run.existing.prepare(c, kube, (l) => ctx.say(l));
  const labels = run.existing?.labels;
  const labelArg = labels ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') : undefined;
  // What the install made that rolls out (Deployments, StatefulSets, DaemonSets): its gates wait for them first.
  const workloads: WorkloadRef[] = [];
  if (c.helm) {
    const spec = resolver.resolve(c.helm, `${c.name}.helm`);
    const values = releaseValues(REPO_ROOT, spec);
    const target = { kubeconfig: privateKubeconfig(kube.kubeconfig), context: kube.context };
    const state = await releaseState(lab.runner, target, spec, values);
    if (state.state === 'current') {
      done.push(`release ${spec.release} unchanged`);
    } else {
      ctx.say(`helm upgrade --install ${spec.release} ${spec.chart} ${spec.version} (${state.detail})`);
      // helm's own output (NOTES) is not streamed: the gates say what matters, and a failure shows helm's Error: line.
      await upgradeRelease(lab.runner, target, spec, values, undefined, labelArg);
      done.push(`release ${spec.release} ${state.state === 'absent' ? 'installed' : `upgraded (${state.detail})`}`);
    }
    workloads.push(...(await releaseObjects(kube, spec.release, spec.namespace)).filter(isWorkload));
  }
  if (c.manifests) {
    const objects = loadManifests(REPO_ROOT, c.manifests, resolver);
    const r = await applyManifests(kube, objects, (l) => ctx.say(l), labels);
    const count = (n: number) => `${n} object${n === 1 ? '' : 's'}`;
    done.push(r.applied.length ? `applied ${count(r.applied.length)}${r.unchanged.length ? `, ${r.unchanged.length} unchanged` : ''}` : `${count(r.unchanged.length)} unchanged`);
    workloads.push(...objects.map((o) => ({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: String((o.metadata as { namespace?: string }).namespace ?? 'default'), name: String((o.metadata as { name?: string }).name) })).filter(isWorkload));
  }
  const gates: StackGate<string>[] = [];
  // The images hpa-lab built and loaded into kind's nodes (in no registry); on --context they are pushed to one.
  const loaded = run.existing?.deliverImage ? [] : Object.values(run.images);
  if (workloads.length) gates.push(rolloutGate(workloads, kube, c.rolloutDeadlineMs, loaded));
  gates.push(...(await Promise.all(c.gates.map(async (g, i) => makeGate(await reachable(run, resolver.resolve(g, `${c.name}.gates[${i}]`)), kube)))));
  for (const gate of gates) {
    gate.deadlineMs = Math.max(1, Math.round(gate.deadlineMs * lab.timeoutFactor));
    try {
      await waitFor(gate, { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
    } catch (err) {
      if (!(err instanceof GateError)) throw err;
      const namespaces = gate.involved ? [gate.involved.namespace] : componentNamespaces(run, c);
      const dir = path.join(lab.stateDir, 'diagnostics', `${new Date().toISOString().replace(/[:.]/g, '-')}-${c.name}`);
      const saved = await saveDiagnostics(kube, dir, { component: c.name, gate: gate.what, lastState: err.lastState, namespaces, labelSelector: gate.involved?.labelSelector }).catch(() => undefined);
      const known = await signatureDiagnosis(kube, workloads, c.signatures);
      throw new LabError(`${c.name}: ${err.message}`, {
        details: [...err.details, ...(saved ? [`diagnostics (pods, events, log tails): ${displayPath(saved)}`] : [])],
        why: known?.cause ?? err.why,
        fix: known ? known.fix : err.fix,
      });
    }
  }
  ctx.retitle(`${c.name}: ${[...done, gates.length ? `${gates.length} gate${gates.length === 1 ? '' : 's'} passed` : ''].filter(Boolean).join(', ')}`);
}

/** A gate's data with its URLs as this cluster is reached: unchanged on kind, through port-forwards on --context. */
function reachable<T>(run: StackRun, data: T): Promise<T> {
  return run.existing ? run.existing.reach.rewrite(data) : Promise.resolve(data);
}

/** The cluster's client; if the cluster failed, this component did not start (the cluster's error is the one reported). */
async function clusterOf(kubeP: Promise<Kube>): Promise<Kube> {
  try {
    return await kubeP;
  } catch {
    throw new NotStarted(`not started: ${CLUSTER} failed`);
  }
}

function isWorkload(o: { apiVersion: string; kind: string }): o is WorkloadRef & { apiVersion: string } {
  return o.apiVersion === 'apps/v1' && (WORKLOAD_KINDS as readonly string[]).includes(o.kind);
}

function componentNamespaces(run: StackRun, c: Component): string[] {
  if (c.helm) return [String(run.resolver.resolve(c.helm.namespace, `${c.name}.helm.namespace`))];
  if (c.manifests) {
    const ns = new Set(loadManifests(REPO_ROOT, c.manifests, run.resolver).map((o) => String((o.metadata as { namespace?: string }).namespace ?? 'default')));
    return [...ns];
  }
  return [];
}

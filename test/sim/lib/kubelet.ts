// The scheduler and the kubelets of the simulated nodes.
//
// Scheduler: binds Pending pods to a Ready node whose taints they tolerate and whose labels match their
// nodeSelector / required node affinity (fewest pods first), or marks them Unschedulable with the scheduler's
// message. Kubelet: gives a bound pod its IP (10.244.<node>.0/24, the node's IP for hostNetwork), pulls its
// images, starts its containers and keeps its status: phase, conditions, containerStatuses, events.
//
// Images: a locally built image (repository hpa-lab/..., or any image of the simulated docker store) is not in
// any registry: it starts only after `kind load docker-image` put it into the node's status.images; otherwise
// ErrImagePull, then ImagePullBackOff with retries. Other images "pull" in a fraction of a second and join the
// node's image list. imagePullPolicy Always never uses a loaded image (the `:latest` trap); Never never pulls.
//
// Readiness: a ContainerRuntime (runtime.ts) that claims the pod runs it for real and reports its first
// container's state; otherwise a chart behaviour (podbehaviour.ts) decides; otherwise containers without a
// readiness probe are Ready when they start and the others after a short per-image delay (≤ 1.5 s; probe
// delays such as initialDelaySeconds: 20 are not waited for).
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Controller, ControllerContext } from './controllers.ts';
import { statePaths } from './env.ts';
import { recordEvent } from './events.ts';
import { imageNames, normalizeRef } from './images.ts';
import { behaviourFor, type BehaviourContext, type ContainerRun, type PodBehaviour } from './podbehaviour.ts';
import { podLogs } from './podlogs.ts';
import { backends, runtimeFor, type ContainerRuntime, type ContainerState, type RuntimeHost } from './runtime.ts';
import { nowTimestamp, type KubeObject } from './store.ts';
import { arr, condition, obj, onChanges, pinnedNode, selectorMatches, untoleratedTaints } from './workloads.ts';

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function hashNumber(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** 300–1500 ms, stable per image: how long a default container takes to pass its readiness probe. */
export function readyDelay(image: string): number {
  return 300 + (hashNumber(image) % 1200);
}

// ---- images -----------------------------------------------------------------------------------------------

function imageTag(ref: string): string {
  const last = ref.split('@')[0]?.slice(ref.lastIndexOf('/') + 1) ?? '';
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
}

/** Fake but stable image sizes and digests. */
function imageSize(ref: string): number {
  return 8_000_000 + (hashNumber(ref) % 120_000_000);
}
function imageDigest(ref: string): string {
  const h = (n: number) => hashNumber(`${ref}#${n}`).toString(16).padStart(8, '0');
  return `sha256:${[0, 1, 2, 3, 4, 5, 6, 7].map(h).join('')}`;
}

// ---- per-pod state ----------------------------------------------------------------------------------------

interface CState {
  name: string;
  image: string;
  phase: 'pulling' | 'pulled' | 'waiting' | 'running';
  waiting?: { reason: string; message?: string };
  pullStartedAt?: number;
  pullDoneAt?: number;
  attempts: number;
  nextAttemptAt: number;
  startedAt?: number;
  readyAt?: number;
  ready: boolean;
  restartCount: number;
  lastTerminated?: Obj;
  behaviour?: PodBehaviour;
  run?: ContainerRun;
  nextUnhealthyAt: number;
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  nodeIP: string;
  podIP: string;
  startTime: string;
  containers: CState[];
  runtime?: ContainerRuntime;
  runtimeState?: ContainerState;
  started: boolean;
  /** a pod the seed created already running (system pods): left as it is */
  adopted: boolean;
  /** the runtime reported a new state since the last status write */
  dirty: boolean;
}

export interface KubeletOptions {
  stateDir: string;
  log: (msg: string) => void;
}

export interface Kubelet {
  controllers: Controller[];
  /** Stops every runtime-run pod (the cluster is going away). */
  stopAll: () => void;
}

export function createKubelet(opts: KubeletOptions): Kubelet {
  const runs = new Map<string, PodRun>();
  const byName = new Map<string, PodRun>();
  const nextIP = new Map<string, number>();
  const localImages = { mtime: -1, names: new Set<string>() };

  /** Images built with the simulated docker (never in a registry). */
  function isLocalImage(ref: string): boolean {
    if (/^(docker\.io\/)?hpa-lab\//.test(ref)) return true;
    const file = statePaths(opts.stateDir).imagesFile;
    if (!existsSync(file)) return false;
    const m = statSync(file).mtimeMs;
    if (m !== localImages.mtime) {
      localImages.mtime = m;
      try {
        localImages.names = new Set(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Obj));
      } catch {
        localImages.names = new Set();
      }
    }
    return localImages.names.has(normalizeRef(ref));
  }

  const host: RuntimeHost = {
    report(namespace, pod, state) {
      const r = byName.get(`${namespace}/${pod}`);
      if (r) {
        r.runtimeState = { ...state };
        r.dirty = true;
      }
    },
    log(namespace, pod, line) {
      const r = byName.get(`${namespace}/${pod}`);
      podLogs.append(namespace, pod, r?.containers[0]?.name ?? 'main', line);
    },
    stateDir: opts.stateDir,
  };

  const ev = (ctx: ControllerContext, pod: KubeObject, node: string, type: 'Normal' | 'Warning', reason: string, message: string, container?: string) =>
    recordEvent(ctx.store, ctx.rt('', 'events'), { rt: ctx.rt('', 'pods'), object: pod, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) }, type, reason, message, { component: 'kubelet', host: node });

  function nodeImages(ctx: ControllerContext, node: string): Set<string> {
    const n = ctx.store.get(ctx.rt('', 'nodes'), undefined, node);
    return new Set(arr(obj(n?.status).images).flatMap((i) => arr(obj(i).names).map(String)));
  }

  function addNodeImage(ctx: ControllerContext, node: string, ref: string): void {
    const nodesRt = ctx.rt('', 'nodes');
    const n = ctx.store.get(nodesRt, undefined, node);
    if (!n) return;
    const names = imageNames(ref);
    const images = arr(obj(n.status).images).map(obj);
    if (images.some((i) => arr(i.names).some((x) => names.includes(String(x))))) return;
    const full = names[0] as string;
    const repo = full.replace(/[:@][^/]*$/, '');
    const entry = { names: [`${repo}@${imageDigest(ref)}`, full], sizeBytes: imageSize(ref) };
    ctx.store.update(nodesRt, { ...n, status: { ...obj(n.status), images: [...images, entry] }, metadata: { ...n.metadata, resourceVersion: undefined } });
  }

  function allocateIP(ctx: ControllerContext, node: KubeObject): string {
    const cidr = str(obj(node.spec).podCIDR) || '10.244.0.0/24';
    const prefix = cidr.split('.').slice(0, 3).join('.');
    const used = new Set(ctx.store.list(ctx.rt('', 'pods')).map((p) => str(obj(p.status).podIP)));
    let n = nextIP.get(prefix) ?? 2;
    for (let i = 0; i < 253; i++) {
      const ip = `${prefix}.${n}`;
      n = n >= 254 ? 2 : n + 1;
      if (!used.has(ip)) {
        nextIP.set(prefix, n);
        return ip;
      }
    }
    return `${prefix}.254`;
  }

  function nodeIPOf(node: KubeObject | undefined): string {
    return str(arr(obj(node?.status).addresses).map(obj).find((a) => a.type === 'InternalIP')?.address) || '172.18.0.2';
  }

  // ---- scheduler ------------------------------------------------------------------------------------------

  function nodeReady(n: KubeObject): boolean {
    return arr(obj(n.status).conditions).map(obj).some((c) => c.type === 'Ready' && c.status === 'True');
  }

  function affinityMatches(pod: KubeObject, n: KubeObject): boolean {
    const terms = arr(obj(obj(obj(obj(pod.spec).affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms).map(obj);
    if (!terms.length) return true;
    return terms.some((t) => {
      const fieldsOk = arr(t.matchFields)
        .map(obj)
        .every((f) => f.key !== 'metadata.name' || (f.operator === 'In' ? arr(f.values).includes(n.metadata.name) : !arr(f.values).includes(n.metadata.name)));
      return fieldsOk && selectorMatches({ matchExpressions: t.matchExpressions }, n.metadata.labels);
    });
  }

  function schedule(ctx: ControllerContext, pod: KubeObject): void {
    const spec = obj(pod.spec);
    if (spec.nodeName || pod.metadata.deletionTimestamp || (spec.schedulerName && spec.schedulerName !== 'default-scheduler')) return;
    const podsRt = ctx.rt('', 'pods');
    const nodes = ctx.store.list(ctx.rt('', 'nodes'));
    const reasons = new Map<string, number>();
    const note = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    const fits = nodes.filter((n) => {
      const taints = [...arr(obj(n.spec).taints)];
      if (!nodeReady(n) && !taints.some((t) => obj(t).key === 'node.kubernetes.io/not-ready')) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
      if (obj(n.spec).unschedulable) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
      const bad = untoleratedTaints(taints, spec.tolerations)[0];
      if (bad) {
        note(`node(s) had untolerated taint {${str(bad.key)}: ${str(bad.value)}}`);
        return false;
      }
      if (!selectorMatches({ matchLabels: spec.nodeSelector }, n.metadata.labels) || !affinityMatches(pod, n)) {
        note("node(s) didn't match Pod's node affinity/selector");
        return false;
      }
      return true;
    });
    const status = obj(pod.status);
    if (!fits.length) {
      const detail = [...reasons].map(([r, c]) => `${c} ${r}`).join(', ');
      const message = `0/${nodes.length} nodes are available: ${detail}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
      const prev = arr(status.conditions).map(obj).find((c) => c.type === 'PodScheduled');
      if (prev?.message === message) return;
      const cond = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: nowTimestamp(), reason: 'Unschedulable', message };
      ctx.store.update(podsRt, { ...pod, status: { ...status, phase: 'Pending', conditions: [cond] }, metadata: { ...pod.metadata, resourceVersion: undefined } });
      recordEvent(ctx.store, ctx.rt('', 'events'), { rt: podsRt, object: pod }, 'Warning', 'FailedScheduling', message, { component: 'default-scheduler' });
      return;
    }
    const load = (n: KubeObject) => ctx.store.list(podsRt).filter((p) => obj(p.spec).nodeName === n.metadata.name).length;
    const target = pinnedNode(pod) ?? [...fits].sort((a, b) => load(a) - load(b))[0]?.metadata.name;
    if (!target || !fits.some((n) => n.metadata.name === target)) return;
    const bound = ctx.store.update(podsRt, {
      ...pod,
      spec: { ...spec, nodeName: target },
      status: { ...status, phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() }] },
      metadata: { ...pod.metadata, resourceVersion: undefined },
    });
    recordEvent(ctx.store, ctx.rt('', 'events'), { rt: podsRt, object: bound }, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace ?? ''}/${pod.metadata.name} to ${target}`, { component: 'default-scheduler' });
  }

  // ---- kubelet --------------------------------------------------------------------------------------------

  function hasProbe(c: Obj): boolean {
    return Object.keys(obj(c.readinessProbe)).length > 0;
  }

  function startRun(ctx: ControllerContext, pod: KubeObject): PodRun | undefined {
    const spec = obj(pod.spec);
    const nodeName = str(spec.nodeName);
    const node = ctx.store.get(ctx.rt('', 'nodes'), undefined, nodeName);
    if (!node) return undefined;
    const status = obj(pod.status);
    const containers = arr(spec.containers).map(obj);
    const cs = arr(status.containerStatuses).map(obj);
    const adopted = status.phase === 'Running' && cs.length === containers.length && cs.length > 0;
    const now = Date.now();
    const run: PodRun = {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      node: nodeName,
      nodeIP: nodeIPOf(node),
      podIP: str(status.podIP) || (spec.hostNetwork ? nodeIPOf(node) : allocateIP(ctx, node)),
      startTime: str(status.startTime) || nowTimestamp(),
      containers: containers.map((c) => ({ name: str(c.name), image: str(c.image), phase: adopted ? 'running' : 'pulling', attempts: 0, nextAttemptAt: now + 100, ready: adopted, restartCount: 0, nextUnhealthyAt: 0, ...(adopted ? { startedAt: now } : {}) })),
      started: adopted,
      adopted,
      dirty: true,
    };
    runs.set(run.uid, run);
    byName.set(`${run.namespace}/${run.name}`, run);
    return run;
  }

  /** One attempt to get a container's image onto the node. */
  function pull(ctx: ControllerContext, pod: KubeObject, run: PodRun, c: CState, spec: Obj, now: number): void {
    const policy = str(spec.imagePullPolicy) || (imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent');
    const present = imageNames(c.image).some((n) => nodeImages(ctx, run.node).has(n));
    const local = isLocalImage(c.image);
    if (c.pullStartedAt !== undefined) {
      if (now < (c.pullDoneAt ?? 0)) return;
      const ms = (c.pullDoneAt ?? now) - c.pullStartedAt;
      ev(ctx, pod, run.node, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${ms}ms (${ms}ms including waiting). Image size: ${imageSize(c.image)} bytes.`, c.name);
      addNodeImage(ctx, run.node, c.image);
      c.phase = 'pulled';
      c.pullStartedAt = undefined;
      return;
    }
    if (present && policy !== 'Always') {
      ev(ctx, pod, run.node, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
      c.phase = 'pulled';
      return;
    }
    if (policy === 'Never') {
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      if (c.waiting?.reason !== 'ErrImageNeverPull') {
        c.waiting = { reason: 'ErrImageNeverPull', message };
        ev(ctx, pod, run.node, 'Warning', 'ErrImageNeverPull', message, c.name);
        ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ErrImageNeverPull', c.name);
      }
      c.nextAttemptAt = now + 1000;
      return;
    }
    ev(ctx, pod, run.node, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.name);
    if (local) {
      const full = imageNames(c.image)[0] ?? c.image;
      const reason = `failed to pull and unpack image "${full}": failed to resolve reference "${full}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
      c.attempts++;
      c.waiting = { reason: 'ErrImagePull', message: reason };
      ev(ctx, pod, run.node, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${reason}`, c.name);
      ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
      c.phase = 'waiting';
      c.nextAttemptAt = now + 1000;
      return;
    }
    c.pullStartedAt = now;
    c.pullDoneAt = now + 150 + (hashNumber(c.image) % 500);
  }

  function startContainer(ctx: ControllerContext, pod: KubeObject, run: PodRun, c: CState, spec: Obj, now: number): void {
    c.phase = 'running';
    c.waiting = undefined;
    c.startedAt = now;
    ev(ctx, pod, run.node, 'Normal', 'Created', `Created container: ${c.name}`, c.name);
    ev(ctx, pod, run.node, 'Normal', 'Started', `Started container ${c.name}`, c.name);
    const isFirst = run.containers[0] === c;
    if (run.runtime && isFirst) return;
    c.behaviour = behaviourFor(pod, spec);
    c.run = { pod, container: spec, startedAt: now, nodeName: run.node, nodeIP: run.nodeIP, scratch: {} };
    if (c.behaviour?.onStart) c.behaviour.onStart(c.run, behaviourCtx(ctx, run, c, now));
    else if (!c.behaviour) podLogs.append(run.namespace, run.name, c.name, `simulated container ${c.name} (${c.image}) started`, now);
    c.readyAt = hasProbe(spec) ? now + readyDelay(c.image) : now;
  }

  function behaviourCtx(ctx: ControllerContext, run: PodRun, c: CState, now: number): BehaviourContext {
    return { store: ctx.store, rt: ctx.rt, now, log: (line, at) => podLogs.append(run.namespace, run.name, c.name, line, at ?? Date.now()) };
  }

  function step(ctx: ControllerContext, pod: KubeObject, run: PodRun, now: number): void {
    const specs = arr(obj(pod.spec).containers).map(obj);
    for (const c of run.containers) {
      const spec = specs.find((s) => s.name === c.name) ?? {};
      if (c.phase === 'waiting') {
        if (c.waiting?.reason === 'ErrImagePull' && now >= c.nextAttemptAt) {
          // After the first failure the kubelet backs off (10 s doubling to 5 min on a real node; compressed here).
          c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}": ErrImagePull: ${c.waiting.message ?? ''}` };
          ev(ctx, pod, run.node, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, c.name);
          ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
          c.nextAttemptAt = now + Math.min(5000, 1000 * 2 ** Math.min(c.attempts, 3));
        } else if (c.waiting?.reason === 'ImagePullBackOff' && now >= c.nextAttemptAt) {
          c.phase = 'pulling';
          pull(ctx, pod, run, c, spec, now);
        }
      } else if (c.phase === 'pulling' && now >= c.nextAttemptAt) {
        pull(ctx, pod, run, c, spec, now);
      }
    }
    if (!run.started && run.containers.every((c) => c.phase === 'pulled' || c.phase === 'running')) {
      run.started = true;
      run.runtime = runtimeFor(pod);
      for (const c of run.containers) startContainer(ctx, pod, run, c, specs.find((s) => s.name === c.name) ?? {}, now);
      if (run.runtime) {
        const current = ctx.store.get(ctx.rt('', 'pods'), run.namespace, run.name) ?? pod;
        const withIP = { ...current, status: { ...obj(current.status), podIP: run.podIP, podIPs: [{ ip: run.podIP }], hostIP: run.nodeIP } };
        try {
          run.runtime.start(withIP, host);
        } catch (err) {
          opts.log(`runtime ${run.runtime.name} failed to start ${run.namespace}/${run.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    // Readiness of running containers.
    for (const c of run.containers) {
      if (c.phase !== 'running') continue;
      const isFirst = run.containers[0] === c;
      if (run.runtime && isFirst) {
        const st = run.runtimeState;
        c.ready = st?.ready ?? false;
        if (st && st.restartCount > c.restartCount) {
          c.lastTerminated = { exitCode: 1, reason: 'Error', startedAt: nowTimestamp(new Date(c.startedAt ?? now)), finishedAt: nowTimestamp(), containerID: containerID(run, c) };
          podLogs.rotate(run.namespace, run.name, c.name);
          c.restartCount = st.restartCount;
          c.startedAt = now;
        }
        c.waiting = st && !st.running ? (st.waiting ?? { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${run.name}_${run.namespace}(${run.uid})` }) : undefined;
        continue;
      }
      if (c.behaviour && c.run) {
        const p = c.behaviour.probe(c.run, behaviourCtx(ctx, run, c, now));
        c.ready = p.ready;
        if (!p.ready && p.failure && now >= c.nextUnhealthyAt) {
          ev(ctx, pod, run.node, 'Warning', 'Unhealthy', `Readiness probe failed: ${p.failure}`, c.name);
          c.nextUnhealthyAt = now + 1000 * Number(obj(containerSpec(specs, c.name).readinessProbe).periodSeconds ?? 10);
        }
        continue;
      }
      c.ready = now >= (c.readyAt ?? now);
    }
  }

  function containerSpec(specs: Obj[], name: string): Obj {
    return specs.find((s) => s.name === name) ?? {};
  }

  function containerID(run: PodRun, c: CState): string {
    const h = (n: number) => hashNumber(`${run.uid}/${c.name}/${c.restartCount}/${n}`).toString(16).padStart(8, '0');
    return `containerd://${[0, 1, 2, 3, 4, 5, 6, 7].map(h).join('')}`;
  }

  function writePodStatus(ctx: ControllerContext, pod: KubeObject, run: PodRun): void {
    const podsRt = ctx.rt('', 'pods');
    const prev = obj(pod.status);
    const prevConds = prev.conditions;
    const allRunning = run.containers.every((c) => c.phase === 'running');
    const allReady = allRunning && run.containers.every((c) => c.ready && !c.waiting);
    const unready = run.containers.filter((c) => !(c.phase === 'running' && c.ready && !c.waiting)).map((c) => c.name);
    const notReadyMsg = `containers with unready status: [${unready.join(' ')}]`;
    const conds = [
      condition(prevConds, 'PodReadyToStartContainers', true, '', ''),
      condition(prevConds, 'Initialized', true, '', ''),
      condition(prevConds, 'Ready', allReady, allReady ? '' : 'ContainersNotReady', allReady ? '' : notReadyMsg),
      condition(prevConds, 'ContainersReady', allReady, allReady ? '' : 'ContainersNotReady', allReady ? '' : notReadyMsg),
      condition(prevConds, 'PodScheduled', true, '', ''),
    ].map((c) => {
      const out: Obj = { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime };
      if (c.reason) out.reason = c.reason;
      if (c.message) out.message = c.message;
      return out;
    });
    const containerStatuses = run.containers.map((c) => {
      const started = c.phase === 'running' && !c.waiting;
      const state = started
        ? { running: { startedAt: nowTimestamp(new Date(c.startedAt ?? Date.now())) } }
        : { waiting: c.waiting ?? { reason: 'ContainerCreating' } };
      const full = imageNames(c.image)[0] ?? c.image;
      const s: Obj = {
        name: c.name,
        state,
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
        ready: started && c.ready,
        restartCount: c.restartCount,
        image: c.phase === 'running' ? full : c.image,
        imageID: c.phase === 'running' ? `${full.replace(/[:@][^/]*$/, '')}@${imageDigest(c.image)}` : '',
        started,
      };
      if (c.phase === 'running') s.containerID = containerID(run, c);
      return s;
    });
    const status: Obj = {
      phase: allRunning ? 'Running' : 'Pending',
      conditions: conds,
      hostIP: run.nodeIP,
      hostIPs: [{ ip: run.nodeIP }],
      podIP: run.podIP,
      podIPs: [{ ip: run.podIP }],
      startTime: run.startTime,
      containerStatuses,
      qosClass: prev.qosClass ?? 'BestEffort',
    };
    if (JSON.stringify(status) === JSON.stringify(prev)) return;
    ctx.store.update(podsRt, { ...pod, status, metadata: { ...pod.metadata, resourceVersion: undefined } });
  }

  function forget(run: PodRun): void {
    runs.delete(run.uid);
    byName.delete(`${run.namespace}/${run.name}`);
    if (run.runtime) {
      try {
        run.runtime.stop(run.namespace, run.name);
      } catch {
        // runtimes must not throw; the pod is gone either way
      }
    }
    backends.deletePod(run.namespace, run.name);
    podLogs.forget(run.namespace, run.name);
  }

  const scheduler: Controller = onChanges('scheduler', ['/pods', '/nodes'], (_now, ctx) => {
    for (const pod of ctx.store.list(ctx.rt('', 'pods'))) {
      try {
        schedule(ctx, pod);
      } catch (err) {
        ctx.log(`scheduler: ${pod.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  });

  /** Nothing left to do for this pod until something happens to it (its containers run, Ready, no probes). */
  function settled(run: PodRun, now: number): boolean {
    if (run.adopted) return true;
    if (!run.started || run.dirty) return false;
    return run.containers.every((c, i) => c.phase === 'running' && !c.waiting && c.ready && !c.behaviour && !(run.runtime && i === 0) && (c.readyAt ?? 0) <= now);
  }

  /** Pods bound to a node that the kubelet has not started yet (from store events; a full scan every 2 s). */
  const fresh = new Set<string>();
  let lastScan = 0;

  const kubelet: Controller = {
    name: 'kubelet',
    onEvent(e, ctx) {
      if (e.rt.group !== '' || e.rt.resource !== 'pods') return;
      if (e.type !== 'DELETED') {
        if (str(obj(e.object.spec).nodeName) && !runs.has(e.object.metadata.uid ?? '')) fresh.add(`${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`);
        return;
      }
      const run = runs.get(e.object.metadata.uid ?? '');
      if (!run) return;
      if (!run.adopted) for (const c of run.containers) if (c.phase === 'running') ev(ctx, e.object, run.node, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
      forget(run);
    },
    tick(now, ctx) {
      const podsRt = ctx.rt('', 'pods');
      let pods: KubeObject[];
      if (now - lastScan > 2000) {
        lastScan = now;
        fresh.clear();
        pods = ctx.store.list(podsRt).filter((p) => !settled(runs.get(p.metadata.uid ?? '') ?? ({ started: false } as PodRun), now));
      } else {
        const keys = new Set([...fresh, ...[...runs.values()].filter((r) => !settled(r, now)).map((r) => `${r.namespace}/${r.name}`)]);
        fresh.clear();
        pods = [...keys].map((k) => ctx.store.get(podsRt, k.split('/')[0], k.slice(k.indexOf('/') + 1))).filter((p): p is KubeObject => p !== undefined);
      }
      for (const pod of pods) {
        if (!str(obj(pod.spec).nodeName) || pod.metadata.deletionTimestamp) continue;
        try {
          let run = runs.get(pod.metadata.uid ?? '');
          if (!run) run = startRun(ctx, pod);
          if (!run || run.adopted) continue;
          step(ctx, pod, run, now);
          run.dirty = false;
          const cur = ctx.store.get(podsRt, run.namespace, run.name);
          if (cur) writePodStatus(ctx, cur, run);
        } catch (err) {
          ctx.log(`kubelet: ${pod.metadata.namespace ?? ''}/${pod.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
      }
    },
  };

  return {
    controllers: [scheduler, kubelet],
    stopAll() {
      for (const run of [...runs.values()]) forget(run);
    },
  };
}

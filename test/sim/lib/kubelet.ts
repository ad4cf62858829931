// The scheduler and the kubelets of the simulated nodes.
//
// Scheduler: binds Pending pods to a Ready node whose taints they tolerate and whose labels match their
// nodeSelector / required node affinity (fewest pods first), or marks them Unschedulable with the scheduler's
// message. Kubelet: mounts a bound pod's volumes, gives it its IP (10.244.<node>.0/24, the node's IP for
// hostNetwork) once they are mounted (the sandbox), pulls its images, starts its containers and keeps its
// status: phase, conditions, containerStatuses, events. The order and the words are the real kubelet's:
//
// Volumes (pkg/kubelet/volumemanager, pkg/volume/util/operationexecutor/operation_generator.go, the secret,
// configmap and projected plugins in pkg/volume/): a secret or configMap volume (or projected source) whose object
// does not exist, unless optional, fails MountVolume.SetUp; the pod stays ContainerCreating with a FailedMount
// event `MountVolume.SetUp failed for volume "V" : secret "S" not found` (the kubelet's secret and configmap
// managers report the resources as "secret" and "configmap": pkg/kubelet/util/manager/watch_based_manager.go),
// retried with the volume operations' exponential back-off (500 ms doubling to 2m2s:
// pkg/util/goroutinemap/exponentialbackoff), until the object appears.
//
// Images (pkg/kubelet/images/image_manager.go; the errors are containerd's as k8s.io/cri-client passes them on):
// only images of the simulated registries (registries.ts) pull; others fail with ErrImagePull, then
// ImagePullBackOff, and are retried. A locally built image (repository hpa-lab/..., or any image of the simulated
// docker store) is in no registry: it starts only after `kind load docker-image` put it into the node's
// status.images, unless it is named with a registry (localhost:5001/…, kind-registry:5000/…): then the node pulls
// it from there (`docker push`ed into a registry container: nodepull.ts). imagePullPolicy Always never uses a loaded image (the `:latest` trap); Never never pulls.
//
// Containers (pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer, pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables): each container is started on its own once its image is there; an env/envFrom
// reference to a missing Secret/ConfigMap (or key), unless optional, is CreateContainerConfigError with the
// event `Error: <message>`, retried until the object (key) appears.
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
import { nodePull, type NodePullResult } from './nodepull.ts';
import { invalidImageRef, parseImageRef } from './registries.ts';
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

/** The tag the API server's defaulting and the kubelet see: "latest" when there is neither tag nor digest. */
function imageTag(ref: string): string {
  const noDigest = ref.split('@')[0] ?? '';
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  if (last.includes(':')) return last.slice(last.indexOf(':') + 1);
  return ref.includes('@') ? '' : 'latest';
}

/** Fake but stable image sizes and digests. */
function imageSize(ref: string): number {
  return 8_000_000 + (hashNumber(ref) % 120_000_000);
}
function imageDigest(ref: string): string {
  const h = (n: number) => hashNumber(`${ref}#${n}`).toString(16).padStart(8, '0');
  return `sha256:${[0, 1, 2, 3, 4, 5, 6, 7].map(h).join('')}`;
}

// ---- retries ----------------------------------------------------------------------------------------------

/** Volume operations: 500 ms after the first failure, doubling, at most 2m2s (exponentialbackoff). */
function mountRetryMs(failures: number): number {
  return Math.min(122_000, 500 * 2 ** Math.max(0, failures - 1));
}

/**
 * A pod sync that failed (image pull, container config): the real kubelet re-syncs such a pod every 10–15 s
 * (the pod worker's back-off) and backs image pulls off from 10 s doubling to 5 min; compressed here to 1 s
 * doubling to 5 s, so a fix shows within seconds.
 */
function syncRetryMs(attempts: number): number {
  return Math.min(5000, 1000 * 2 ** Math.min(Math.max(0, attempts - 1), 3));
}

// ---- what a pod refers to ---------------------------------------------------------------------------------

interface Lookup {
  secret: (name: string) => KubeObject | undefined;
  configMap: (name: string) => KubeObject | undefined;
}

function hasKey(o: KubeObject, fields: string[], key: string): boolean {
  return fields.some((f) => Object.hasOwn(obj((o as Obj)[f]), key));
}

/**
 * Why MountVolume.SetUp of a volume fails, in the plugins' words (undefined: it mounts). Secret and configMap
 * volumes (pkg/volume/secret/secret.go, pkg/volume/configmap/configmap.go: the manager's NotFound, or a missing
 * item key); projected volumes collect the errors of their secret and configMap sources
 * (pkg/volume/projected/projected.go, utilerrors.NewAggregate: one error as is, several as "[a, b]").
 */
function volumeError(v: Obj, look: Lookup): string | undefined {
  const secretSource = (name: string, optional: boolean, items: unknown): string | undefined => {
    const o = look.secret(name);
    if (!o) return optional ? undefined : `secret "${name}" not found`;
    const missing = arr(items).map(obj).find((i) => !hasKey(o, ['data', 'stringData'], str(i.key)));
    return missing && !optional ? `references non-existent secret key: ${str(missing.key)}` : undefined;
  };
  const configMapSource = (name: string, optional: boolean, items: unknown): string | undefined => {
    const o = look.configMap(name);
    if (!o) return optional ? undefined : `configmap "${name}" not found`;
    const missing = arr(items).map(obj).find((i) => !hasKey(o, ['data', 'binaryData'], str(i.key)));
    return missing && !optional ? `configmap references non-existent config key: ${str(missing.key)}` : undefined;
  };
  if (v.secret) {
    const src = obj(v.secret);
    return secretSource(str(src.secretName), src.optional === true, src.items);
  }
  if (v.configMap) {
    const src = obj(v.configMap);
    return configMapSource(str(src.name), src.optional === true, src.items);
  }
  if (v.projected) {
    const errs: string[] = [];
    for (const source of arr(obj(v.projected).sources).map(obj)) {
      const sec = obj(source.secret);
      const cm = obj(source.configMap);
      const e = source.secret ? secretSource(str(sec.name), sec.optional === true, sec.items) : source.configMap ? configMapSource(str(cm.name), cm.optional === true, cm.items) : undefined;
      if (e && !errs.includes(e)) errs.push(e);
    }
    return errs.length === 0 ? undefined : errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
  }
  return undefined;
}

/** Volumes the kubelet has to set up from API objects (the others mount at once). */
function needsObjects(v: Obj): boolean {
  return !!(v.secret || v.configMap || v.projected);
}

/**
 * Why the container's environment cannot be made (makeEnvironmentVariables): envFrom first, then env in order;
 * a missing object is the manager's NotFound, a missing key `couldn't find key K in Secret NS/NAME`; optional
 * references are skipped. undefined: the environment is complete.
 */
function envError(container: Obj, namespace: string, look: Lookup): string | undefined {
  for (const from of arr(container.envFrom).map(obj)) {
    if (from.configMapRef) {
      const r = obj(from.configMapRef);
      if (!look.configMap(str(r.name)) && r.optional !== true) return `configmap "${str(r.name)}" not found`;
    } else if (from.secretRef) {
      const r = obj(from.secretRef);
      if (!look.secret(str(r.name)) && r.optional !== true) return `secret "${str(r.name)}" not found`;
    }
  }
  for (const e of arr(container.env).map(obj)) {
    if (str(e.value) || !e.valueFrom) continue;
    const from = obj(e.valueFrom);
    if (from.configMapKeyRef) {
      const r = obj(from.configMapKeyRef);
      const o = look.configMap(str(r.name));
      if (r.optional === true && (!o || !hasKey(o, ['data'], str(r.key)))) continue;
      if (!o) return `configmap "${str(r.name)}" not found`;
      if (!hasKey(o, ['data'], str(r.key))) return `couldn't find key ${str(r.key)} in ConfigMap ${namespace}/${str(r.name)}`;
    } else if (from.secretKeyRef) {
      const r = obj(from.secretKeyRef);
      const o = look.secret(str(r.name));
      if (r.optional === true && (!o || !hasKey(o, ['data', 'stringData'], str(r.key)))) continue;
      if (!o) return `secret "${str(r.name)}" not found`;
      if (!hasKey(o, ['data', 'stringData'], str(r.key))) return `couldn't find key ${str(r.key)} in Secret ${namespace}/${str(r.name)}`;
    }
  }
  return undefined;
}

// ---- per-pod state ----------------------------------------------------------------------------------------

interface CState {
  name: string;
  image: string;
  phase: 'pulling' | 'pulled' | 'waiting' | 'running';
  waiting?: { reason: string; message?: string };
  pullStartedAt?: number;
  pullDoneAt?: number;
  /** the node's containerd at work (nodepull.ts): its result once it is done */
  pullJob?: { result?: NodePullResult };
  /** failed pulls (image back-off) */
  attempts: number;
  /** failed syncs of this container other than pulls (config errors, never-pull, invalid names) */
  syncFailures: number;
  nextAttemptAt: number;
  startedAt?: number;
  readyAt?: number;
  ready: boolean;
  restartCount: number;
  lastTerminated?: Obj;
  /** the container exited for good (a runtime's process, restartPolicy Never/OnFailure): its terminated state */
  terminated?: Obj;
  behaviour?: PodBehaviour;
  run?: ContainerRun;
  nextUnhealthyAt: number;
}

interface VState {
  name: string;
  mounted: boolean;
  failures: number;
  nextAttemptAt: number;
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  node: string;
  nodeIP: string;
  /** assigned with the sandbox, once every volume is mounted */
  podIP: string;
  startTime: string;
  volumes: VState[];
  /** the pod sandbox exists (network set up): after the volumes */
  sandbox: boolean;
  containers: CState[];
  runtime?: ContainerRuntime;
  runtimeState?: ContainerState;
  /** every container has started */
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
    // An image named with a registry other than Docker Hub (localhost:5001/…, kind-registry:5000/…) is pulled from
    // that registry, even when the host's store has it too (it was pushed there): nodepull.ts decides.
    if ((parseImageRef(ref)?.domain ?? 'docker.io') !== 'docker.io') return false;
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
      podIP: str(status.podIP),
      startTime: str(status.startTime) || nowTimestamp(),
      volumes: arr(spec.volumes)
        .map(obj)
        .map((v) => ({ name: str(v.name), mounted: adopted || !needsObjects(v), failures: 0, nextAttemptAt: now })),
      sandbox: adopted,
      containers: containers.map((c) => ({ name: str(c.name), image: str(c.image), phase: adopted ? 'running' : 'pulling', attempts: 0, syncFailures: 0, nextAttemptAt: now + 100, ready: adopted, restartCount: 0, nextUnhealthyAt: 0, ...(adopted ? { startedAt: now } : {}) })),
      started: adopted,
      adopted,
      dirty: true,
    };
    runs.set(run.uid, run);
    byName.set(`${run.namespace}/${run.name}`, run);
    return run;
  }

  function lookup(ctx: ControllerContext, namespace: string): Lookup {
    return {
      secret: (name) => ctx.store.get(ctx.rt('', 'secrets'), namespace, name),
      configMap: (name) => ctx.store.get(ctx.rt('', 'configmaps'), namespace, name),
    };
  }

  /** The volume manager: one SetUp attempt per volume that is due; true once every volume is mounted. */
  function mountVolumes(ctx: ControllerContext, pod: KubeObject, run: PodRun, now: number): boolean {
    const specs = arr(obj(pod.spec).volumes).map(obj);
    const look = lookup(ctx, run.namespace);
    for (const v of run.volumes) {
      if (v.mounted || now < v.nextAttemptAt) continue;
      const err = volumeError(specs.find((x) => x.name === v.name) ?? {}, look);
      if (!err) {
        v.mounted = true;
        continue;
      }
      v.failures++;
      v.nextAttemptAt = now + mountRetryMs(v.failures);
      ev(ctx, pod, run.node, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${v.name}" : ${err}`);
    }
    return run.volumes.every((v) => v.mounted);
  }

  /** The node's kubelet version as a number of minor releases (1.36 -> 36); 0 when unknown. */
  function kubeletMinor(ctx: ControllerContext, node: string): number {
    const n = ctx.store.get(ctx.rt('', 'nodes'), undefined, node);
    const m = /^v?1\.(\d+)/.exec(str(obj(obj(n?.status).nodeInfo).kubeletVersion));
    return m ? Number(m[1]) : 0;
  }

  /** A container that failed to sync for another reason than a pull: waits, then starts over with its image. */
  function syncFailed(c: CState, reason: string, message: string, now: number): void {
    c.syncFailures++;
    c.phase = 'waiting';
    c.waiting = { reason, message };
    c.nextAttemptAt = now + syncRetryMs(c.syncFailures);
  }

  /**
   * The pull in flight per node and image. The kubelet pulls one image at a time by default (KubeletConfiguration
   * serializeImagePulls: true, pkg/kubelet/images/puller.go serialImagePuller) and syncs a pod's containers in
   * order, so a second container of the same image finds it present once the first pull ends: it never downloads
   * it again (Grafana's two k8s-sidecar containers).
   */
  const pulling = new Map<string, CState>();
  const pullKey = (node: string, image: string) => `${node}\n${image}`;

  /** One attempt to get a container's image onto the node (EnsureImageExists). */
  function pull(ctx: ControllerContext, pod: KubeObject, run: PodRun, c: CState, spec: Obj, now: number): void {
    if (c.pullJob) {
      const result = c.pullJob.result;
      if (!result) return;
      c.pullJob = undefined;
      if (!result.ok) {
        pullFailed(ctx, pod, run, c, result.error, now);
        return;
      }
      c.pullDoneAt = Math.max(now, (c.pullStartedAt ?? now) + 150 + (hashNumber(c.image) % 500));
    }
    if (c.pullStartedAt !== undefined) {
      if (now < (c.pullDoneAt ?? 0)) return;
      const ms = (c.pullDoneAt ?? now) - c.pullStartedAt;
      ev(ctx, pod, run.node, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${ms}ms (${ms}ms including waiting). Image size: ${imageSize(c.image)} bytes.`, c.name);
      addNodeImage(ctx, run.node, c.image);
      if (pulling.get(pullKey(run.node, c.image)) === c) pulling.delete(pullKey(run.node, c.image));
      c.phase = 'pulled';
      c.attempts = 0;
      c.pullStartedAt = undefined;
      return;
    }
    const invalid = invalidImageRef(c.image);
    if (invalid) {
      ev(ctx, pod, run.node, 'Warning', 'InspectFailed', `Failed to apply default image tag "${c.image}": couldn't parse image name "${c.image}": ${invalid}`, c.name);
      ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: InvalidImageName', c.name);
      syncFailed(c, 'InvalidImageName', `Failed to apply default image tag "${c.image}": couldn't parse image name "${c.image}": ${invalid}`, now);
      return;
    }
    const policy = str(spec.imagePullPolicy) || (imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent');
    const present = imageNames(c.image).some((n) => nodeImages(ctx, run.node).has(n));
    if (present && policy !== 'Always') {
      // KubeletEnsureSecretPulledImages (beta, on by default since 1.35) words it with the pod's access.
      const msg = kubeletMinor(ctx, run.node) >= 35 ? `Container image "${c.image}" already present on machine and can be accessed by the pod` : `Container image "${c.image}" already present on machine`;
      ev(ctx, pod, run.node, 'Normal', 'Pulled', msg, c.name);
      c.phase = 'pulled';
      return;
    }
    if (policy === 'Never') {
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      ev(ctx, pod, run.node, 'Warning', 'ErrImageNeverPull', message, c.name);
      ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ErrImageNeverPull', c.name);
      syncFailed(c, 'ErrImageNeverPull', message, now);
      return;
    }
    // Another container's pull of this image on this node is in flight: wait for it (then it is present).
    const other = pulling.get(pullKey(run.node, c.image));
    if (other && other !== c) return;
    ev(ctx, pod, run.node, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.name);
    if (isLocalImage(c.image)) {
      const full = imageNames(c.image)[0] ?? c.image;
      pullFailed(ctx, pod, run, c, `failed to pull and unpack image "${full}": failed to resolve reference "${full}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, now);
      return;
    }
    // The node's containerd pulls (its hosts.toml mirrors first, then the registry), asynchronously: the result is
    // picked up by a later tick.
    const n = ctx.store.get(ctx.rt('', 'nodes'), undefined, run.node);
    const job: NonNullable<CState['pullJob']> = {};
    c.pullJob = job;
    c.pullStartedAt = now;
    pulling.set(pullKey(run.node, c.image), c);
    nodePull(opts.stateDir, run.node, c.image, str(obj(obj(n?.status).nodeInfo).kubeletVersion) || undefined).then(
      (r) => {
        job.result = r;
      },
      (e: unknown) => {
        job.result = { ok: false, error: `failed to pull and unpack image "${c.image}": ${e instanceof Error ? e.message : String(e)}` };
      },
    );
  }

  function pullFailed(ctx: ControllerContext, pod: KubeObject, run: PodRun, c: CState, failure: string, now: number): void {
    if (pulling.get(pullKey(run.node, c.image)) === c) pulling.delete(pullKey(run.node, c.image));
    c.attempts++;
    c.pullStartedAt = undefined;
    c.waiting = { reason: 'ErrImagePull', message: failure };
    ev(ctx, pod, run.node, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${failure}`, c.name);
    ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
    c.phase = 'waiting';
    c.nextAttemptAt = now + 1000;
  }

  /** Creates and starts a container whose image is there, unless its configuration cannot be made. */
  function createContainer(ctx: ControllerContext, pod: KubeObject, run: PodRun, c: CState, spec: Obj, now: number): void {
    const err = envError(spec, run.namespace, lookup(ctx, run.namespace));
    if (err) {
      ev(ctx, pod, run.node, 'Warning', 'Failed', `Error: ${err}`, c.name);
      syncFailed(c, 'CreateContainerConfigError', err, now);
      return;
    }
    c.syncFailures = 0;
    startContainer(ctx, pod, run, c, spec, now);
    if (run.runtime && run.containers[0] === c) {
      const current = ctx.store.get(ctx.rt('', 'pods'), run.namespace, run.name) ?? pod;
      const withIP = { ...current, status: { ...obj(current.status), podIP: run.podIP, podIPs: [{ ip: run.podIP }], hostIP: run.nodeIP } };
      try {
        run.runtime.start(withIP, host);
      } catch (e) {
        opts.log(`runtime ${run.runtime.name} failed to start ${run.namespace}/${run.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
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

  /** The pod sandbox: the pod's IP, once its volumes are mounted. */
  function createSandbox(ctx: ControllerContext, pod: KubeObject, run: PodRun): void {
    const node = ctx.store.get(ctx.rt('', 'nodes'), undefined, run.node);
    if (!run.podIP) run.podIP = obj(pod.spec).hostNetwork || !node ? run.nodeIP : allocateIP(ctx, node);
    run.sandbox = true;
    run.runtime = runtimeFor(pod);
  }

  function step(ctx: ControllerContext, pod: KubeObject, run: PodRun, now: number): void {
    if (!run.sandbox) {
      if (!mountVolumes(ctx, pod, run, now)) return;
      createSandbox(ctx, pod, run);
    }
    const specs = arr(obj(pod.spec).containers).map(obj);
    for (const c of run.containers) {
      const spec = specs.find((s) => s.name === c.name) ?? {};
      if (c.phase === 'waiting' && now >= c.nextAttemptAt) {
        if (c.waiting?.reason === 'ErrImagePull') {
          // After a failed pull the kubelet backs off (10 s doubling to 5 min on a real node; compressed here).
          c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}": ErrImagePull: ${c.waiting.message ?? ''}` };
          ev(ctx, pod, run.node, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, c.name);
          ev(ctx, pod, run.node, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
          c.nextAttemptAt = now + syncRetryMs(c.attempts + 1);
        } else {
          // ImagePullBackOff over, or a container that could not be created: the next sync starts with the image.
          c.phase = 'pulling';
        }
      }
      if (c.phase === 'pulling' && now >= c.nextAttemptAt) pull(ctx, pod, run, c, spec, now);
      if (c.phase === 'pulled') createContainer(ctx, pod, run, c, spec, now);
    }
    run.started = run.containers.every((c) => c.phase === 'running');
    // Readiness of running containers.
    for (const c of run.containers) {
      if (c.phase !== 'running') continue;
      const isFirst = run.containers[0] === c;
      if (run.runtime && isFirst) {
        const st = run.runtimeState;
        if (st?.terminated) {
          // The process exited and is not restarted: the container is terminated (kuberuntime's
          // toKubeContainerStatus: exitCode, reason Completed or Error, the times).
          c.ready = false;
          c.waiting = undefined;
          c.terminated ??= { exitCode: st.terminated.exitCode, reason: st.terminated.reason, startedAt: nowTimestamp(new Date(st.terminated.startedAt || (c.startedAt ?? now))), finishedAt: nowTimestamp(new Date(st.terminated.finishedAt)), containerID: containerID(run, c) };
          continue;
        }
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
    // Every container exited for good: the pod is done (Succeeded when all exited 0, else Failed), and its Ready
    // and ContainersReady conditions say why (pkg/kubelet/status/generate.go, the terminal-phase conditions):
    // PodCompleted for Succeeded, PodFailed for Failed.
    const done = run.containers.length > 0 && run.containers.every((c) => c.terminated);
    const succeeded = done && run.containers.every((c) => obj(c.terminated).exitCode === 0);
    const doneReason = succeeded ? 'PodCompleted' : 'PodFailed';
    const allReady = allRunning && !done && run.containers.every((c) => c.ready && !c.waiting);
    const unready = run.containers.filter((c) => !(c.phase === 'running' && c.ready && !c.waiting)).map((c) => c.name);
    const notReadyMsg = `containers with unready status: [${unready.join(' ')}]`;
    const conds = [
      condition(prevConds, 'PodReadyToStartContainers', run.sandbox, '', ''),
      condition(prevConds, 'Initialized', true, '', ''),
      condition(prevConds, 'Ready', allReady, allReady ? '' : done ? doneReason : 'ContainersNotReady', allReady || done ? '' : notReadyMsg),
      condition(prevConds, 'ContainersReady', allReady, allReady ? '' : done ? doneReason : 'ContainersNotReady', allReady || done ? '' : notReadyMsg),
      condition(prevConds, 'PodScheduled', true, '', ''),
    ].map((c) => {
      const out: Obj = { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime };
      if (c.reason) out.reason = c.reason;
      if (c.message) out.message = c.message;
      return out;
    });
    const containerStatuses = run.containers.map((c) => {
      const started = c.phase === 'running' && !c.waiting && !c.terminated;
      const state = c.terminated
        ? { terminated: c.terminated }
        : started
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
      phase: done ? (succeeded ? 'Succeeded' : 'Failed') : allRunning ? 'Running' : 'Pending',
      conditions: conds,
      hostIP: run.nodeIP,
      hostIPs: [{ ip: run.nodeIP }],
      ...(run.podIP ? { podIP: run.podIP, podIPs: [{ ip: run.podIP }] } : {}),
      startTime: run.startTime,
      containerStatuses,
      qosClass: prev.qosClass ?? 'BestEffort',
    };
    if (JSON.stringify(status) === JSON.stringify(prev)) return;
    ctx.store.update(podsRt, { ...pod, status, metadata: { ...pod.metadata, resourceVersion: undefined } });
  }

  function forget(run: PodRun): void {
    runs.delete(run.uid);
    // A pod gone mid-pull: its pull no longer holds up the other containers of that image on the node.
    for (const c of run.containers) if (pulling.get(pullKey(run.node, c.image)) === c) pulling.delete(pullKey(run.node, c.image));
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

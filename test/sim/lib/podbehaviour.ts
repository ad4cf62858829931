// What the software in a simulated container does, when no ContainerRuntime (runtime.ts) runs it as a real
// process: its log lines, its readiness, and what its readiness probe reports while it fails. The kubelet
// (kubelet.ts) asks the behaviour that matches a container (by image, args) on every tick; containers that no
// behaviour matches become Ready after a short per-image delay.
//
// Behaviours of the charts' software live next to the charts (charts/*.ts) and are registered by
// charts/index.ts; e.g. metrics-server stays 0/1 Ready and logs x509 errors without --kubelet-insecure-tls.
import type { KubeObject, Store } from './store.ts';
import type { ResourceType } from './resources.ts';

type Obj = Record<string, unknown>;

export interface ContainerRun {
  pod: KubeObject;
  /** the container's spec */
  container: Obj;
  /** ms since the epoch when the container started */
  startedAt: number;
  /** the node's name and InternalIP */
  nodeName: string;
  nodeIP: string;
  /** free-form state a behaviour keeps between ticks (e.g. when it last logged) */
  scratch: Record<string, unknown>;
}

export interface BehaviourContext {
  store: Store;
  rt: (group: string, resource: string) => ResourceType;
  /** Appends a line to this container's log. */
  log: (line: string, at?: number) => void;
  now: number;
}

export interface Probe {
  ready: boolean;
  /** Why the readiness probe fails (an Unhealthy event "Readiness probe failed: <failure>"), when not ready. */
  failure?: string;
}

export interface PodBehaviour {
  name: string;
  matches: (pod: KubeObject, container: Obj) => boolean;
  /** Called once when the container starts (log its start-up lines here). */
  onStart?: (run: ContainerRun, ctx: BehaviourContext) => void;
  /** The readiness probe's result now; called on every tick while the container runs. */
  probe: (run: ContainerRun, ctx: BehaviourContext) => Probe;
}

const behaviours: PodBehaviour[] = [];

export function registerBehaviour(b: PodBehaviour): void {
  if (!behaviours.some((x) => x.name === b.name)) behaviours.push(b);
}

export function behaviourFor(pod: KubeObject, container: Obj): PodBehaviour | undefined {
  return behaviours.find((b) => b.matches(pod, container));
}

/** True once per `periodMs` (the first time immediately), tracked in the run's scratch under `key`. */
export function every(run: ContainerRun, key: string, periodMs: number, now: number, firstAfterMs = 0): boolean {
  const next = run.scratch[key] as number | undefined;
  if (next === undefined) {
    run.scratch[key] = run.startedAt + firstAfterMs;
    return every(run, key, periodMs, now, firstAfterMs);
  }
  if (now < next) return false;
  run.scratch[key] = now + periodMs;
  return true;
}

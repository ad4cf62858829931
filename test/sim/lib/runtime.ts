// The seams between the simulated cluster's workload controllers (pods, readiness, logs) and the parts
// of the simulation that run REAL processes for some pods (the sample app, Prometheus). Both sides code
// against this file only.
//
// - Workload controllers create Pod objects and drive their status. For a pod that a registered
//   ContainerRuntime claims, they do not decide readiness themselves: the runtime reports it.
// - Runtimes start a real process per claimed pod and publish where its container ports really listen
//   (podIP:containerPort → 127.0.0.1:realPort) in the Backends table, which NodePort forwarding,
//   Service lookups and Prometheus' targets use.
import type { KubeObject } from './store.ts';

export interface ContainerState {
  /** The container's readiness as its probe would see it. */
  ready: boolean;
  /** The process is running (false after it exited and before a restart). */
  running: boolean;
  restartCount: number;
  /** e.g. CrashLoopBackOff, with a message; undefined while running. */
  waiting?: { reason: string; message?: string };
  /**
   * The process exited and will not be restarted (restartPolicy Never, or OnFailure after exit code 0): the
   * kubelet reports the container terminated and the pod Succeeded (all exit codes 0) or Failed.
   */
  terminated?: { exitCode: number; reason: string; startedAt: number; finishedAt: number };
}

export interface RuntimeHost {
  /** Reports a claimed pod's container state; the pod controller writes it into pod.status. */
  report(namespace: string, pod: string, state: ContainerState): void;
  /** Appends lines to the pod's log (served at /api/v1/namespaces/NS/pods/NAME/log). */
  log(namespace: string, pod: string, line: string): void;
  /** The simulated machine's state dir (for data files, e.g. Prometheus' TSDB). */
  stateDir: string;
}

export interface ContainerRuntime {
  name: string;
  /** True when this runtime runs the pod as a real process. Called once per new pod. */
  claims(pod: KubeObject): boolean;
  /** Starts the pod's process (the pod has spec, metadata.name/namespace and status.podIP set). */
  start(pod: KubeObject, host: RuntimeHost): void;
  /** Stops it (pod deleted, or the cluster going away). Must not throw. */
  stop(namespace: string, pod: string): void;
}

const runtimes: ContainerRuntime[] = [];

export function registerRuntime(rt: ContainerRuntime): void {
  runtimes.push(rt);
}

/** The runtime that claims a pod, if any. */
export function runtimeFor(pod: KubeObject): ContainerRuntime | undefined {
  return runtimes.find((r) => r.claims(pod));
}

export function allRuntimes(): readonly ContainerRuntime[] {
  return runtimes;
}

/** Where a pod's container port really listens: podIP:containerPort → 127.0.0.1:realPort. */
export interface Backend {
  namespace: string;
  pod: string;
  podIP: string;
  containerPort: number;
  host: string;
  port: number;
}

class BackendTable {
  private readonly byKey = new Map<string, Backend>();
  set(b: Backend): void {
    this.byKey.set(`${b.podIP}:${b.containerPort}`, b);
  }
  deletePod(namespace: string, pod: string): void {
    for (const [k, b] of this.byKey) if (b.namespace === namespace && b.pod === pod) this.byKey.delete(k);
  }
  lookup(podIP: string, containerPort: number): Backend | undefined {
    return this.byKey.get(`${podIP}:${containerPort}`);
  }
  all(): Backend[] {
    return [...this.byKey.values()];
  }
}

export const backends = new BackendTable();

// Everything a command needs, passed in rather than global: the tool runner, the host, the clock, the
// interrupt signal. Tests and the simulated cluster swap any of them.
import { mkdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Runner } from './exec.ts';
import type { Host } from './host/host.ts';
import type { Clock } from './gates/poll.ts';
import type { KindConfig } from './cluster/kind-config.ts';
import type { UiOptions } from './ui.ts';
import { contextName } from './kube/api.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEFAULT_KIND_CONFIG = path.join('kind', 'cluster.yaml');

/** The cluster `--context` names, as hpa-lab acts on it. */
export interface ContextTarget {
  /** The context's name in the user's kubeconfig (and in hpa-lab's private copy). */
  context: string;
  /** Its API server URL. */
  server: string;
  /** A kubeconfig of that one context, self-contained (files inlined). */
  kubeconfig: string;
}

export interface Lab {
  name: string;
  context: string;
  kindConfig: KindConfig;
  runner: Runner;
  host: Host;
  clock: Clock;
  signal: AbortSignal;
  /** Multiplies every gate deadline (a slow laptop: 3; tests: less than 1). */
  timeoutFactor: number;
  ui: UiOptions;
  /** Where hpa-lab keeps what it knows about this lab (inside the project, git-ignored). */
  stateDir: string;
  /** --context: the existing cluster the lab goes into instead of its own kind cluster (context/resolve.ts). */
  target?: ContextTarget;
  print(text: string): void;
}

/**
 * Where labs keep their local state (secrets, markers, demo results, diagnostics): `.hpa-lab/` in the
 * project, or HPA_LAB_STATE_DIR. The simulation sets it per simulated machine, as each has its own clusters.
 */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.HPA_LAB_STATE_DIR ? path.resolve(env.HPA_LAB_STATE_DIR) : path.join(REPO_ROOT, '.hpa-lab');
}

/** A path as a person wants to read it: relative when under the current folder, else absolute. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

export function makeLabIdentity(name: string) {
  return { name, context: contextName(name), stateDir: path.join(stateRoot(), name) };
}

export function deadline(lab: Lab, seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000 * lab.timeoutFactor));
}

/**
 * A marker kept while `kind create` runs. If hpa-lab is killed mid-create, the next `up` finds the
 * marker next to a cluster that exists and knows the cluster is a half-made one of its own.
 */
export const createMarker = {
  file: (lab: Lab) => path.join(lab.stateDir, 'creating'),
  set(lab: Lab) {
    mkdirSync(lab.stateDir, { recursive: true });
    writeFileSync(this.file(lab), new Date().toISOString() + '\n');
  },
  present: (lab: Lab) => existsSync(path.join(lab.stateDir, 'creating')),
  clear(lab: Lab) {
    rmSync(this.file(lab), { force: true });
  },
};

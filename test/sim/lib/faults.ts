// Fault injection for the simulated machine, read from HPA_LAB_SIM_FAULTS (comma-separated).
// Unknown fault names are rejected: a typo in a test's fault list must not silently test the happy path.

/** Every fault the simulator understands. Add new ones here (with a one-line reason). */
export const KNOWN_FAULTS = {
  'docker-down': 'the Docker daemon is not reachable (docker, kind fail like on a laptop with Docker stopped)',
  'kind-create-fail': 'kubeadm init fails inside the node (the WSL cgroup failure) during `kind create cluster`',
  'api-slow': 'api-slow=SECONDS: /readyz fails and the node is NotReady for that long after the API server starts',
} as const;

export type FaultName = keyof typeof KNOWN_FAULTS;

export interface Faults {
  has(name: FaultName): boolean;
  /** The `=value` part of a fault, e.g. "20" for api-slow=20. */
  value(name: FaultName): string | undefined;
}

export class FaultSpecError extends Error {}

export function parseFaults(spec: string | undefined): Faults {
  const map = new Map<string, string | undefined>();
  for (const raw of (spec ?? '').split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!(name in KNOWN_FAULTS)) {
      throw new FaultSpecError(`unknown simulation fault "${name}" in HPA_LAB_SIM_FAULTS (known: ${Object.keys(KNOWN_FAULTS).join(', ')})`);
    }
    map.set(name, eq < 0 ? undefined : item.slice(eq + 1));
  }
  return {
    has: (name) => map.has(name),
    value: (name) => map.get(name),
  };
}

/** Faults of the current process; prints a clear error and exits 2 when the list is invalid. */
export function processFaults(env: NodeJS.ProcessEnv = process.env): Faults {
  try {
    return parseFaults(env.HPA_LAB_SIM_FAULTS);
  } catch (err) {
    if (err instanceof FaultSpecError) {
      process.stderr.write(`SIMULATOR: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Seconds of the api-slow fault (0 when absent). */
export function apiSlowSeconds(faults: Faults): number {
  if (!faults.has('api-slow')) return 0;
  const v = Number(faults.value('api-slow') ?? '10');
  if (!Number.isFinite(v) || v < 0) throw new FaultSpecError(`api-slow needs a number of seconds, got "${faults.value('api-slow')}"`);
  return v;
}

/** The message Docker prints when its daemon is down; shared by docker and kind. */
export const DOCKER_DOWN_MESSAGE = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

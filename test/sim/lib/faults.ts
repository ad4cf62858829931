// Fault injection for the simulated machine, read from HPA_LAB_SIM_FAULTS (comma-separated).
// Unknown fault names are rejected: a typo in a test's fault list must not silently test the happy path.

/** Every fault the simulator understands. Add new ones here (with a one-line reason). */
export const KNOWN_FAULTS = {
  'docker-down': 'the Docker daemon is not reachable (docker, kind fail like on a laptop with Docker stopped)',
  'kind-create-fail': 'kubeadm init fails inside the node during `kind create cluster`: the bootstrap kubelet exits and never becomes healthy (kind prints kubeadm\'s output only)',
  'kind-create-slow': 'kind-create-slow=SECONDS: `kind create cluster` waits that long in "Starting control-plane" (node container running)',
  'api-slow': 'api-slow=SECONDS: /readyz fails and the node is NotReady for that long after the API server starts',
  'api-freeze': 'the API server accepts connections but never answers (also per cluster: the file nodes/NAME/api-freeze)',
  'containerd-store': 'Docker uses the containerd image store (Docker 29 default): `kind load docker-image` of an index fails',
  'cgroup-v1': 'the host (Docker) runs cgroup v1, as old WSL2 kernels and RHEL 8-era hosts do: a Kubernetes ≥ 1.35 kubelet refuses it unless failCgroupV1: false',
  'node-image-lost': '`kind load` exits 0 but the last node it loads into does not hold the image afterwards (crictl inspecti and the kubelet do not list it there)',
  offline: 'no network: no upstream registry and no chart repository answers (docker/kind pulls, the cache containers, the nodes, helm)',
} as const;

/** What each fault's `=value` must be: none, or a number of seconds (≥ 0). */
const FAULT_VALUES: Record<FaultName, 'none' | 'seconds'> = {
  'docker-down': 'none',
  'kind-create-fail': 'none',
  'kind-create-slow': 'seconds',
  'api-slow': 'seconds',
  'api-freeze': 'none',
  'containerd-store': 'none',
  'cgroup-v1': 'none',
  'node-image-lost': 'none',
  offline: 'none',
};

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
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    const wants = FAULT_VALUES[name as FaultName];
    if (wants === 'none' && value !== undefined) {
      throw new FaultSpecError(`simulation fault "${name}" in HPA_LAB_SIM_FAULTS takes no value, got "${item}" (expected just ${name})`);
    }
    if (wants === 'seconds' && (value === undefined || !/^\d+(\.\d+)?$/.test(value))) {
      throw new FaultSpecError(`simulation fault "${name}" in HPA_LAB_SIM_FAULTS needs a number of seconds (${name}=SECONDS, e.g. ${name}=10), got ${value === undefined ? 'none' : `"${value}"`}`);
    }
    map.set(name, value);
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

/** Seconds of a SECONDS fault (api-slow, kind-create-slow; 0 when absent). parseFaults has checked the value. */
export function faultSeconds(faults: Faults, name: 'api-slow' | 'kind-create-slow'): number {
  return faults.has(name) ? Number(faults.value(name)) : 0;
}

/** Seconds of the api-slow fault (0 when absent). */
export function apiSlowSeconds(faults: Faults): number {
  return faultSeconds(faults, 'api-slow');
}

/** The message Docker prints when its daemon is down; shared by docker and kind. */
export const DOCKER_DOWN_MESSAGE = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';

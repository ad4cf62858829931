// The kind cluster and its lifecycle: created or reused (only when it is hpa-lab's), its API server gated,
// deleted. Every call names the cluster explicitly (--name), never relies on kind's default.
import type { Runner } from '../exec.ts';
import { MissingToolError } from '../exec.ts';
import type { KindConfig } from './kind-config.ts';
import { contextName, kubeFromKubeconfig } from '../kube/api.ts';
import type { Kube } from '../kube/api.ts';
import type { Lab } from '../lab.ts';
import { createMarker, deadline } from '../lab.ts';
import type { StepContext } from '../ui.ts';
import { waitFor } from '../gates/poll.ts';
import { apiServerReadyGate } from '../gates/api-gate.ts';
import { InputError, InterruptedError, LabError } from '../errors.ts';
import { shapeDifferences } from './shape.ts';
import { forCgroupV1 } from './kind-shape.ts';
import { dockerCgroupVersion } from '../host/preflight.ts';

/**
 * The node label that marks a cluster as made by hpa-lab (set in kind/cluster.yaml). Not
 * app.kubernetes.io/managed-by: the kubelet refuses node labels in the kubernetes.io namespace.
 */
export const MANAGED_BY_LABEL = 'hpa-lab/managed-by';
export const MANAGED_BY_VALUE = 'hpa-lab';

export async function listClusters(runner: Runner): Promise<string[]> {
  const r = await runner.run('kind', ['get', 'clusters']);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export async function clusterExists(runner: Runner, name: string): Promise<boolean> {
  return (await listClusters(runner)).includes(name);
}

export async function createCluster(runner: Runner, name: string, config: KindConfig, opts: { retain: boolean; onLine?: (l: string) => void }): Promise<void> {
  // The config as hpa-lab derived it from the file (--workers, the HPA sync period: kind-shape.ts), on stdin;
  // on a cgroup v1 host with the kubelet patch that lets it start there (preflight warns about it).
  const given = (await dockerCgroupVersion(runner)) === '1' ? forCgroupV1(config) : config;
  const args = ['create', 'cluster', '--name', name, '--config', '-'];
  if (opts.retain) args.push('--retain');
  await runner.run('kind', args, { input: given.text, onLine: opts.onLine });
}

/** afterInterrupt: the clean-up after Ctrl-C, which the interrupt must not cancel in turn. */
export async function deleteCluster(runner: Runner, name: string, opts: { afterInterrupt?: boolean } = {}): Promise<void> {
  await runner.run('kind', ['delete', 'cluster', '--name', name], { ignoreAbort: opts.afterInterrupt === true });
}

/** The cluster's kubeconfig, read from kind without touching any file. */
export async function kindKubeconfig(runner: Runner, name: string): Promise<string> {
  return (await runner.run('kind', ['get', 'kubeconfig', '--name', name])).stdout;
}

/** Whether the user's kubeconfig ($KUBECONFIG or ~/.kube/config) has the lab's context. */
export async function userKubeconfigHasContext(name: string): Promise<boolean> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch {
    return false;
  }
  return kc.getContextObject(contextName(name)) !== null;
}

export async function exportKubeconfig(runner: Runner, name: string): Promise<void> {
  await runner.run('kind', ['export', 'kubeconfig', '--name', name]);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the kind config asks of the (first) control-plane node: its published ports, image and labels. */
function configuredNode(config: KindConfig): { ports: string[]; image: string; labels: Record<string, string> } {
  const nodes = Array.isArray(config.doc.nodes) ? (config.doc.nodes as unknown[]) : [];
  const cp = nodes.find((n) => isMap(n) && n.role === 'control-plane');
  const node = isMap(cp) ? cp : {};
  const maps = Array.isArray(node.extraPortMappings) ? (node.extraPortMappings as unknown[]) : [];
  const ports = maps.filter(isMap).map((m) => `${typeof m.listenAddress === 'string' && m.listenAddress ? m.listenAddress : '0.0.0.0'}:${String(m.hostPort)}${m.containerPort === m.hostPort ? '' : `->${String(m.containerPort)}`}`);
  const labels = isMap(node.labels) ? Object.fromEntries(Object.entries(node.labels).map(([k, v]) => [k, String(v)])) : {};
  return { ports: ports.sort(), image: config.nodeImage, labels };
}

/**
 * `docker inspect --format '{{json .HostConfig.PortBindings}}'` of a kind node: {"30000/tcp":[{"HostIp":
 * "127.0.0.1","HostPort":"30000"}], "6443/tcp": [...]}. The API server's 6443 is kind's own mapping, not the config's.
 */
export function publishedPorts(bindingsJson: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bindingsJson);
  } catch {
    return [];
  }
  if (!isMap(parsed)) return [];
  const out: string[] = [];
  for (const [key, list] of Object.entries(parsed)) {
    const containerPort = Number(key.split('/')[0]);
    if (containerPort === 6443 || !Array.isArray(list)) continue;
    for (const b of list as Array<{ HostIp?: string; HostPort?: string }>) {
      const hostPort = Number(b.HostPort);
      out.push(`${b.HostIp || '0.0.0.0'}:${hostPort}${hostPort === containerPort ? '' : `->${containerPort}`}`);
    }
  }
  return out.sort();
}

/**
 * How the running cluster differs from the kind config given (ports, node image, labels), as kind and Docker
 * expose them: the node container's PortBindings and Config.Image (`docker inspect`), the Node's labels (API).
 * Empty when they match or cannot be read (then preflight or the API gate says why).
 */
export async function clusterConfigDifferences(lab: Lab): Promise<string[]> {
  const want = configuredNode(lab.kindConfig);
  const node = `${lab.name}-control-plane`;
  const file = lab.kindConfig.file;
  const diffs: string[] = [];
  let labels: Record<string, string> | undefined;
  try {
    const kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
    const nodes = await kube.listNodes(5000);
    // Not hpa-lab's cluster: that is the message (ensureCluster's ownership check), not its config.
    if (!nodes.some((n) => n.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)) return [];
    labels = nodes.find((n) => n.metadata?.name === node)?.metadata?.labels ?? nodes[0]?.metadata?.labels ?? {};
    diffs.push(...(await shapeDifferences(lab, kube, nodes)));
  } catch {
    // The API does not answer: the labels cannot be compared; the API gate reports it.
  }
  const inspect = async (format: string): Promise<string | undefined> => {
    const r = await lab.runner.run('docker', ['inspect', node, '--format', format], { check: false }).catch(() => undefined);
    return r && r.exitCode === 0 ? r.stdout.trim() : undefined;
  };
  const bindings = await inspect('{{json .HostConfig.PortBindings}}');
  if (bindings !== undefined) {
    const have = publishedPorts(bindings);
    if (have.join(',') !== want.ports.join(',')) {
      const extra = want.ports.filter((p) => !have.includes(p));
      const gone = have.filter((p) => !want.ports.includes(p));
      diffs.push(`${file} maps ${extra.length ? extra.join(', ') : 'no other ports'}, the running cluster ${lab.name} publishes ${gone.length ? gone.join(', ') : 'none of them'}`);
    }
  }
  const image = await inspect('{{.Config.Image}}');
  if (image !== undefined && want.image && image !== want.image) {
    diffs.push(`${file} runs the node image ${want.image}, the running cluster ${lab.name} runs ${image}`);
  }
  if (labels) {
    for (const [k, v] of Object.entries(want.labels)) {
      if (labels[k] !== v) diffs.push(`${file} labels the node ${k}=${v}, the running cluster's node ${node} has ${k in labels ? `${k}=${labels[k] ?? ''}` : `no label ${k}`}`);
    }
  }
  return diffs;
}

/** Bad input: the kind config no longer describes the running cluster (exit 2, nothing changed). */
export function configMismatchError(lab: Lab, diffs: string[]): InputError {
  return new InputError(`${lab.kindConfig.file}: the running cluster ${lab.name} was made from a different kind config (kind cannot change a node's ports, image or labels, add or remove nodes, or change kubeadm's flags)`, {
    details: diffs,
    fix: `npm run down, then npm run up   (or npm run up -- --recreate: deletes and recreates cluster ${lab.name}); or pass the config it was made with (--kind-config)`,
  });
}

/** The cluster node of the stack: created or reused, API server Ready, kubectl context present. */
export async function ensureCluster(lab: Lab, existed: boolean, opts: { retain: boolean; recreate?: string[] }, ctx: StepContext): Promise<Kube> {
  let exists = existed;
  let how = 'reused';
  if (exists && createMarker.present(lab)) {
    ctx.say('a previous `up` was interrupted while creating this cluster: deleting the half-made cluster');
    await deleteCluster(lab.runner, lab.name);
    exists = false;
  } else if (exists && opts.recreate?.length) {
    const old = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
    await assertOwnedIfReadable(lab, old, { unreadable: 'refuse' });
    ctx.say(`--recreate: ${opts.recreate.join('; ')}: deleting cluster ${lab.name}`);
    await deleteCluster(lab.runner, lab.name);
    exists = false;
    how = 'recreated';
  }
  let kube: Kube;
  if (exists) {
    kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
    await assertOwnedIfReadable(lab, kube);
  } else {
    createMarker.set(lab);
    try {
      await createCluster(lab.runner, lab.name, lab.kindConfig, { retain: opts.retain, onLine: (l) => ctx.say(l.trim()) });
    } catch (err) {
      if (lab.signal.aborted) {
        // kind deletes its nodes itself when a create fails, but not when it is interrupted.
        if (!opts.retain) await deleteCluster(lab.runner, lab.name, { afterInterrupt: true }).catch(() => undefined);
        createMarker.clear(lab);
        throw new InterruptedError();
      }
      createMarker.clear(lab);
      throw err;
    }
    createMarker.clear(lab);
    if (how !== 'recreated') how = 'created';
    kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
  }
  const ready = await waitFor(apiServerReadyGate(kube, deadline(lab, 120), lab.kindConfig.nodeCount), { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
  let context = 'context present';
  if (!(await userKubeconfigHasContext(lab.name))) {
    await exportKubeconfig(lab.runner, lab.name);
    context = 'context restored with kind export kubeconfig';
  }
  ctx.retitle(`cluster ${lab.name}: ${how}, Kubernetes ${ready.version}, ${ready.nodes.length} node${ready.nodes.length === 1 ? '' : 's'} Ready, ${context}`);
  return kube;
}

export async function clusterExistsOrFalse(lab: Lab): Promise<boolean> {
  try {
    return await clusterExists(lab.runner, lab.name);
  } catch (err) {
    // A missing kind or an unreachable Docker daemon is preflight's to report, with its fix.
    if (err instanceof MissingToolError || err instanceof LabError) return false;
    throw err;
  }
}

/**
 * Refuses to adopt or delete a cluster of that name that hpa-lab did not create. When its API server does
 * not answer (within a few seconds), `up` goes on (its API gate then says why, within its deadline), and
 * `down` refuses: it cannot tell whose cluster it is (`--force` deletes it anyway).
 */
export async function assertOwnedIfReadable(lab: Lab, kube: Kube, opts: { unreadable: 'continue' | 'refuse' } = { unreadable: 'continue' }): Promise<void> {
  let nodes;
  try {
    nodes = await kube.listNodes(5000);
  } catch (err) {
    if (opts.unreadable === 'continue') return;
    throw new LabError(`cannot tell whether kind cluster "${lab.name}" is hpa-lab's: its API server does not answer (${(err as Error).message})`, {
      why: 'hpa-lab deletes only clusters whose node carries its label, and it cannot read the node',
      fix: `npm run down -- --force deletes the cluster anyway (kind delete cluster --name ${lab.name}); or start its node again: docker start ${lab.name}-control-plane`,
    });
  }
  const ours = nodes.some((n) => n.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE);
  if (!ours) {
    throw new LabError(`a kind cluster named "${lab.name}" exists but was not created by hpa-lab (its node has no label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE})`, {
      why: 'hpa-lab only changes clusters it made, so it will not install into or delete this one',
      fix: `use another name (--name my-lab), or delete that cluster yourself: kind delete cluster --name ${lab.name}`,
    });
  }
}

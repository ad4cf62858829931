// `hpa-lab status`: every gate's current state, as a table or --json. Exit 0 only when all pass.
import type { Lab } from '../lib/lab.ts';
import { clusterExists, kindKubeconfig, userKubeconfigHasContext } from '../lib/cluster.ts';
import { kubeFromKubeconfig } from '../lib/kube.ts';
import { apiServerReadyGate } from '../lib/api-gate.ts';

export interface GateStatus {
  gate: string;
  ok: boolean;
  detail: string;
}

export async function status(lab: Lab, opts: { json: boolean }): Promise<number> {
  const gates: GateStatus[] = [];
  const exists = await clusterExists(lab.runner, lab.name);
  gates.push({ gate: 'cluster exists', ok: exists, detail: exists ? `kind cluster ${lab.name}` : `no kind cluster named ${lab.name} (npm run up)` });
  if (exists) {
    try {
      const kube = kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
      const probe = await apiServerReadyGate(kube, 0).probe().catch((err: unknown) => ({ ok: false as const, state: err instanceof Error ? err.message : String(err) }));
      gates.push(
        probe.ok
          ? { gate: 'API server ready', ok: true, detail: `Kubernetes ${probe.value.version}, nodes ${probe.value.nodes.join(', ')} Ready` }
          : { gate: 'API server ready', ok: false, detail: probe.state },
      );
    } catch (err) {
      gates.push({ gate: 'API server ready', ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
    const ctx = userKubeconfigHasContext(lab.name);
    gates.push({ gate: 'kubectl context', ok: ctx, detail: ctx ? lab.context : `${lab.context} missing from your kubeconfig (npm run up restores it)` });
  }
  const ok = gates.every((g) => g.ok);
  const ports = lab.kindConfig.portMappings.map((p) => `http://${p.listenAddress}:${p.hostPort}`);
  if (opts.json) {
    lab.print(JSON.stringify({ cluster: lab.name, context: lab.context, ok, gates, ports }, null, 2));
  } else {
    lab.print(`Lab ${lab.name} (context ${lab.context})\n`);
    const width = Math.max(...gates.map((g) => g.gate.length));
    for (const g of gates) lab.print(`${g.ok ? '✔' : '✖'} ${g.gate.padEnd(width)}  ${g.detail}`);
    if (exists) lab.print(`\nPorts on 127.0.0.1: ${ports.join('  ')}`);
  }
  return ok ? 0 : 1;
}

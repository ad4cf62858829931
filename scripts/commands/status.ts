// `hpa-lab status`: every gate's current state (probed once, no waiting), the lab's URLs and where its
// credentials are; a table, or --json. Exits 0 only when every gate passes.
import type { Lab } from '../lib/lab.ts';
import { clusterExists, kindKubeconfig, userKubeconfigHasContext } from '../lib/cluster/lifecycle.ts';
import { kubeFromKubeconfig } from '../lib/kube/api.ts';
import type { Kube } from '../lib/kube/api.ts';
import { apiServerReadyGate } from '../lib/gates/api-gate.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { makeGate } from '../lib/gates/probes.ts';
import { probeOnce, statusReport, type GateStatus } from '../lib/gates/status.ts';
import { contextHpaSyncRow, hpaSyncRow } from '../lib/cluster/shape-report.ts';
import { reuseRows, stackOnContext, targetKube } from '../lib/context/on-context.ts';
import { forwardsReach, NODE_PORTS, type Reach } from '../lib/kube/reach.ts';

export async function status(lab: Lab, given: PreparedStack, opts: { json: boolean }): Promise<number> {
  let prepared = given;
  const gates: GateStatus[] = [];
  // --context: no kind cluster; the existing one, through hpa-lab's private copy of that context.
  const exists = lab.target ? true : await clusterExists(lab.runner, lab.name);
  if (!lab.target) gates.push({ component: 'cluster', gate: 'kind cluster exists', ok: exists, detail: exists ? lab.name : `no kind cluster named ${lab.name} (npm run up)` });
  let kube: Kube | undefined;
  if (exists) {
    try {
      kube = lab.target ? await targetKube(lab) : await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
      const api = await probeOnce(async () => {
        const r = await apiServerReadyGate(kube as Kube, 0, lab.kindConfig.nodeCount).probe();
        return r.ok ? { ok: true as const, value: `Kubernetes ${r.value.version}, ${r.value.nodes.join(', ')} Ready` } : r;
      });
      gates.push({ component: 'cluster', gate: 'API server and nodes Ready', ...api });
    } catch (err) {
      gates.push({ component: 'cluster', gate: 'API server and nodes Ready', ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
    if (lab.target && kube && gates.at(-1)?.ok === true) {
      gates.push({ component: 'cluster', ...(await contextHpaSyncRow(kube)) });
      const onContext = await stackOnContext(lab, kube, prepared);
      prepared = onContext.prepared;
      gates.push(...reuseRows(onContext.problems));
    }
    if (!lab.target) {
      // Read only from an API that answered (a frozen one would cost the row's timeouts for nothing).
      const apiOk = gates.at(-1)?.ok === true;
      gates.push({ component: 'cluster', ...(await hpaSyncRow(lab, apiOk ? kube : undefined)) });
      const ctx = await userKubeconfigHasContext(lab.name);
      gates.push({ component: 'cluster', gate: 'kubectl context', ok: ctx, detail: ctx ? lab.context : `${lab.context} missing from your kubeconfig (npm run up restores it)` });
    }
  }
  // On --context the NodePort URLs are reached through port-forwards this command opens (and closes at its end).
  const reach: Reach = lab.target && kube ? forwardsReach(prepared.stack, prepared.resolver, kube) : NODE_PORTS;
  try {
    if (kube) {
      const k = kube;
      const rows = await Promise.all(
        prepared.stack.components.flatMap((c) =>
          c.gates.map(async (g, i) => {
            const gate = makeGate(await reach.rewrite(prepared.resolver.resolve(g, `${c.name}.gates[${i}]`)), k);
            return { component: c.name, gate: gate.what, ...(await probeOnce(gate.probe)) };
          }),
        ),
      );
      gates.push(...rows);
    }
    return statusReport(lab, prepared, gates, kube, exists, opts, lab.target && kube ? await reach.rewrite(prepared.resolver.resolve(prepared.stack.urls, 'urls')) : undefined);
  } finally {
    await reach.close();
  }
}

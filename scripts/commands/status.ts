// `hpa-lab status`: every gate's current state (probed once, no waiting), the lab's URLs and where its
// credentials are; a table, or --json. Exits 0 only when every gate passes.
import type { Lab } from '../lib/lab.ts';
import { displayPath } from '../lib/lab.ts';
import { clusterExists, kindKubeconfig, userKubeconfigHasContext } from '../lib/cluster/lifecycle.ts';
import { kubeFromKubeconfig } from '../lib/kube/api.ts';
import type { Kube } from '../lib/kube/api.ts';
import { apiServerReadyGate } from '../lib/gates/api-gate.ts';
import type { StackChoice } from '../lib/stack/prepare.ts';
import { prepareStack } from '../lib/stack/prepare.ts';
import { makeGate } from '../lib/gates/probes.ts';
import type { ProbeResult } from '../lib/gates/poll.ts';
import { contextHpaSyncRow, hpaSyncRow } from '../lib/cluster/shape-report.ts';
import { reuseRows, stackOnContext, targetKube } from '../lib/context/on-context.ts';
import { forwardsReach, NODE_PORTS, type Reach } from '../lib/kube/reach.ts';

export interface GateStatus {
  component: string;
  gate: string;
  ok: boolean;
  detail: string;
}

async function probeOnce<T>(probe: () => Promise<ProbeResult<T>>): Promise<{ ok: boolean; detail: string }> {
  try {
    const r = await probe();
    return r.ok ? { ok: true, detail: r.state ?? String(r.value) } : { ok: false, detail: r.state };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export async function status(lab: Lab, choice: StackChoice, opts: { json: boolean }): Promise<number> {
  let prepared = prepareStack(choice, lab.stateDir);
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
    return report(lab, prepared, gates, kube, exists, opts, lab.target && kube ? await reach.rewrite(prepared.resolver.resolve(prepared.stack.urls, 'urls')) : undefined);
  } finally {
    await reach.close();
  }
}

function report(lab: Lab, prepared: ReturnType<typeof prepareStack>, gates: GateStatus[], kube: Kube | undefined, exists: boolean, opts: { json: boolean }, forwarded: Record<string, string> | undefined): number {
  const ok = gates.every((g) => g.ok) && kube !== undefined;
  const urls = forwarded ?? prepared.resolver.resolve(prepared.stack.urls, 'urls');
  const credentials = prepared.generatedSecrets.length ? {} : prepared.resolver.resolve(prepared.stack.credentials, 'credentials');
  const secretsFile = displayPath(prepared.secretsFile);
  if (opts.json) {
    lab.print(JSON.stringify({ cluster: lab.name, context: lab.context, ok, gates, urls, ...(forwarded ? { urlsVia: 'port-forwards opened by this command (closed when it ends)' } : {}), credentials, credentialsFile: secretsFile }, null, 2));
    return ok ? 0 : 1;
  }
  lab.print(`Lab ${lab.name} (context ${lab.context}, stack ${prepared.stack.name})\n`);
  const cw = Math.max(...gates.map((g) => g.component.length));
  for (const g of gates) lab.print(`${g.ok ? '✔' : '✖'} ${g.component.padEnd(cw)}  ${g.gate}: ${g.detail}`);
  if (forwarded && Object.keys(urls).length) {
    lab.print('\nURLs, through port-forwards this command opened for its probes (closed now that it ends):');
    for (const [k, v] of Object.entries(urls)) lab.print(`  ${k.padEnd(11)} ${v}`);
    for (const f of prepared.resolver.resolve(prepared.stack.forwards, 'forwards')) lab.print(`  to keep one open: kubectl --context ${lab.context} port-forward -n ${f.service.split('/')[0] ?? ''} svc/${f.service.split('/')[1] ?? ''} 8080:${String(f.port)}`);
  }
  if (exists && !lab.target && Object.keys(urls).length) {
    lab.print('\nURLs (127.0.0.1 only):');
    for (const [k, v] of Object.entries(urls)) lab.print(`  ${k.padEnd(11)} ${v}`);
    if (Object.keys(credentials).length) {
      lab.print(`\nCredentials (kept in ${secretsFile}):`);
      for (const [k, v] of Object.entries(credentials)) lab.print(`  ${k.padEnd(11)} ${v}`);
    }
  }
  return ok ? 0 : 1;
}

// What `status` shows: each gate probed once (no waiting), then the lab's gates as a table or --json, with its
// URLs and where its credentials are kept. Exits 0 only when every gate passes.
import type { Lab } from '../lab.ts';
import { displayPath } from '../lab.ts';
import type { Kube } from '../kube/api.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { ProbeResult } from './poll.ts';

export interface GateStatus {
  component: string;
  gate: string;
  ok: boolean;
  detail: string;
}

export async function probeOnce<T>(probe: () => Promise<ProbeResult<T>>): Promise<{ ok: boolean; detail: string }> {
  try {
    const r = await probe();
    return r.ok ? { ok: true, detail: r.state ?? String(r.value) } : { ok: false, detail: r.state };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export function statusReport(lab: Lab, prepared: PreparedStack, gates: GateStatus[], kube: Kube | undefined, exists: boolean, opts: { json: boolean }, forwarded: Record<string, string> | undefined): number {
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

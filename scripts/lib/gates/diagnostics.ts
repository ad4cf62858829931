// When a gate fails: pod states, recent events and log tails of the failing component, saved to a
// folder whose path is printed. Collecting is best effort: a diagnosis must never hide the failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kube } from '../kube/api.ts';
import { describePods, podLogTail } from './probes.ts';
import { listPath } from '../kube/resources.ts';

interface Event {
  lastTimestamp?: string;
  eventTime?: string;
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
}

export async function saveDiagnostics(
  kube: Kube,
  dir: string,
  what: { component: string; gate: string; lastState: string; namespaces: string[]; labelSelector?: string },
): Promise<string> {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  writeFileSync(path.join(dir, 'gate.txt'), `component: ${what.component}\ngate: ${what.gate}\nlast observed: ${what.lastState}\n`);
  for (const ns of what.namespaces) {
    try {
      const pods = (await kube.getJson<{ items: Array<{ metadata: { name: string }; status?: object }> }>(listPath('v1', 'pods', ns, what.labelSelector)))?.items ?? [];
      writeFileSync(path.join(dir, `pods-${ns}.txt`), describePods(pods).split('; ').join('\n') + '\n');
      for (const p of pods) {
        const log = await podLogTail(kube, ns, p.metadata.name, 100).catch((e: unknown) => `(no log: ${String(e)})`);
        writeFileSync(path.join(dir, 'logs', `${ns}-${p.metadata.name}.log`), log);
      }
      const events = (await kube.getJson<{ items: Event[] }>(listPath('v1', 'events', ns)))?.items ?? [];
      const recent = events
        .sort((a, b) => (a.lastTimestamp ?? a.eventTime ?? '').localeCompare(b.lastTimestamp ?? b.eventTime ?? ''))
        .slice(-30)
        .map((e) => `${e.lastTimestamp ?? e.eventTime ?? ''} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`);
      writeFileSync(path.join(dir, `events-${ns}.txt`), recent.join('\n') + '\n');
    } catch (err) {
      writeFileSync(path.join(dir, `error-${ns}.txt`), String(err) + '\n');
    }
  }
  return dir;
}

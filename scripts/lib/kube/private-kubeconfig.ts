// Every tool hpa-lab runs against the cluster (helm) reads a kubeconfig hpa-lab wrote itself from
// `kind get kubeconfig --name <name>`: the lab's cluster and nothing else. The user's kubeconfig may call
// another cluster `kind-<name>` (a stale context, a copied file); hpa-lab never acts through it. The file
// is private (a 0700 folder, mode 0600) and removed when the command ends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const written = new Map<string, string>();
let hooked = false;

function removeAll(): void {
  for (const dir of written.values()) rmSync(dir, { recursive: true, force: true });
  written.clear();
}

/** The path of a private copy of `text` (one per text per process), removed at exit. */
export function privateKubeconfig(text: string): string {
  const known = written.get(text);
  if (known) return path.join(known, 'kubeconfig');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-kubeconfig-'));
  writeFileSync(path.join(dir, 'kubeconfig'), text, { mode: 0o600 });
  written.set(text, dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', removeAll);
  }
  return path.join(dir, 'kubeconfig');
}

/** Removes every private kubeconfig now (commands call it when they finish; exit does it too). */
export function removePrivateKubeconfigs(): void {
  removeAll();
}

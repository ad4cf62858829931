// apiserver.ts imports this module first: it starts generating the cluster's PKI (lib/pki.ts, ~250 ms with the
// X.509 library's import) on a worker thread at once, so it overlaps the node process's own start-up instead of
// adding to every simulated `kind create cluster`. Only types come from pki.ts here: the library stays off the
// main thread.
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ClusterPki, PkiSpec } from './pki.ts';

function specFromArgv(): PkiSpec {
  const { values } = parseArgs({ options: { name: { type: 'string' }, nodes: { type: 'string' }, 'api-address': { type: 'string' } }, strict: false });
  const name = typeof values.name === 'string' ? values.name : 'kind';
  const nodes = typeof values.nodes === 'string' ? (JSON.parse(values.nodes) as Array<{ name: string; role: string }>) : [];
  const address = values['api-address'];
  return {
    nodeName: nodes.find((n) => n.role === 'control-plane')?.name ?? `${name}-control-plane`,
    nodeIP: '172.18.0.2',
    apiServerAddress: typeof address === 'string' && address ? address : '127.0.0.1',
  };
}

/** The PKI for this node process's cluster (the same spec apiserver.ts is started with). */
export const earlyPki: Promise<ClusterPki> = new Promise((resolve, reject) => {
  const worker = new Worker(new URL('./pki-worker.ts', import.meta.url), { workerData: specFromArgv() });
  worker.once('message', (pki: ClusterPki) => {
    resolve(pki);
    void worker.terminate();
  });
  worker.once('error', reject);
  worker.once('exit', (code) => {
    if (code !== 0) reject(new Error(`PKI worker exited with code ${code}`));
  });
});

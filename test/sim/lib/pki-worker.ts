// Worker thread of lib/pki-early.ts: generates the cluster's PKI off the node process's main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createClusterPki, type PkiSpec } from './pki.ts';

parentPort?.postMessage(await createClusterPki(workerData as PkiSpec));

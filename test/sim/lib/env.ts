// Where the simulated machine keeps its state, and how a stand-in tool exits.
// Everything the stand-ins know lives under $HPA_LAB_SIM_HOME so that parallel tests never share a "machine".
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SharedMissingError } from './shared.ts';

/** Directory of the simulator sources (test/sim), used to start the API server and in help texts. */
export const SIM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Thrown to end a stand-in with a given exit code after it printed its own diagnostics. */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Returns $HPA_LAB_SIM_HOME, or ends the process the same way every stand-in does when it is missing. */
export function simHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HPA_LAB_SIM_HOME;
  if (!home) {
    process.stderr.write('ERROR: HPA_LAB_SIM_HOME is not set (simulated cluster)\n');
    process.exit(1);
  }
  const abs = path.resolve(home);
  mkdirSync(abs, { recursive: true });
  return abs;
}

/** Layout of the state directory. One place so kind, docker and the API server agree. */
export function statePaths(home: string) {
  return {
    home,
    clustersDir: path.join(home, 'clusters'),
    clusterFile: (name: string) => path.join(home, 'clusters', `${name}.json`),
    /** Per-cluster runtime directory of the simulated node: API server log and its "ready" report. */
    nodeDir: (name: string) => path.join(home, 'nodes', name),
    imagesFile: path.join(home, 'images.json'),
  };
}

/** The node binary used to start helper processes (the API server): the one running us. */
export function nodeBinary(): string {
  return process.execPath;
}

/** Runs a stand-in's main function and turns its result or ExitError into the process exit code. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof ExitError) {
        process.exitCode = err.exitCode;
        return;
      }
      if (err instanceof SharedMissingError) {
        process.stderr.write(`ERROR (simulation): ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      // A bug in the simulator itself: say so loudly, never pretend it is the real tool's error.
      process.stderr.write(`SIMULATOR BUG: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}

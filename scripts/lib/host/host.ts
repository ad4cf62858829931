// What preflight reads about the machine, behind one interface so checks can be tested with any host.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';

export interface Host {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  nodeVersion: string;
  /** A file's text, or undefined when it cannot be read (e.g. /proc on macOS). */
  readFile(path: string): string | undefined;
  totalMemBytes(): number;
  availableMemBytes(): number;
  /** True when nothing listens on address:port (we can bind it ourselves). */
  portFree(port: number, address: string): Promise<boolean>;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const realHost: Host = {
  platform: process.platform,
  env: process.env,
  nodeVersion: process.versions.node,
  readFile: readOrUndefined,
  totalMemBytes: () => os.totalmem(),
  availableMemBytes: () => {
    // MemAvailable counts reclaimable cache; os.freemem() alone under-reports on Linux.
    const m = /MemAvailable:\s+(\d+) kB/.exec(readOrUndefined('/proc/meminfo') ?? '');
    return m ? Number(m[1]) * 1024 : os.freemem();
  },
  portFree: (port, address) =>
    new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port, host: address, exclusive: true }, () => srv.close(() => resolve(true)));
    }),
};

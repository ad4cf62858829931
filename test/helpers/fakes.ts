// In-process fakes for unit tests: a runner keyed on argv (like ctlptl's FakeCmdRunner), a host whose
// files, memory and ports are plain data, and a clock that advances only when slept on.
import type { Runner, RunResult } from '../../scripts/lib/exec.ts';
import { MissingToolError, quoteArgs } from '../../scripts/lib/exec.ts';
import { ToolError } from '../../scripts/lib/errors.ts';
import type { Host } from '../../scripts/lib/host.ts';
import type { Clock } from '../../scripts/lib/gate.ts';

export type FakeAnswer = Partial<RunResult> | 'missing';

export function fakeRunner(answers: Record<string, FakeAnswer>): Runner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(cmd, args, opts = {}) {
      const key = quoteArgs(cmd, args);
      calls.push(key);
      const a = answers[cmd] === 'missing' ? 'missing' : (answers[key] ?? answers[cmd]);
      if (a === undefined) return Promise.reject(new Error(`fakeRunner: unexpected command: ${key}`));
      if (a === 'missing') return Promise.reject(new MissingToolError(cmd));
      const r: RunResult = { exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
      if (r.exitCode !== 0 && opts.check !== false) return Promise.reject(new ToolError(key, r.stderr, { exitCode: r.exitCode }));
      return Promise.resolve(r);
    },
  };
}

export const GiB = 1024 ** 3;

export function fakeHost(over: Partial<Host> & { files?: Record<string, string>; takenPorts?: number[] } = {}): Host {
  const files: Record<string, string> = {
    '/proc/sys/fs/inotify/max_user_watches': '524288\n',
    '/proc/sys/fs/inotify/max_user_instances': '512\n',
    '/proc/sys/kernel/osrelease': '6.1.0-18-amd64\n',
    ...over.files,
  };
  const taken = over.takenPorts ?? [];
  return {
    platform: 'linux',
    env: {},
    nodeVersion: '24.11.0',
    readFile: (p) => files[p],
    totalMemBytes: () => 16 * GiB,
    availableMemBytes: () => 12 * GiB,
    portFree: (port) => Promise.resolve(!taken.includes(port)),
    ...over,
  };
}

export function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

/** The answers of a machine where everything preflight wants is present and current. */
export const HEALTHY_TOOLS: Record<string, FakeAnswer> = {
  "docker version --format '{{.Server.Version}}'": { stdout: '28.2.2' },
  'kind version': { stdout: 'kind v0.32.0 go1.25.4 linux/amd64' },
  'helm version --short': { stdout: 'v4.0.4+g8650e1d' },
  'kubectl version --client -o json': { stdout: JSON.stringify({ clientVersion: { gitVersion: 'v1.36.0' } }) },
};

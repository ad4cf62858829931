// The one seam through which hpa-lab runs other programs (kind, helm, docker, kubectl). Everything that
// starts a process goes through a Runner, so tests and the simulated cluster can stand in for any tool.
import { execa } from 'execa';
import { ToolError } from './errors.ts';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** stdin for the child (e.g. a kind config). */
  input?: string;
  /** When false, a non-zero exit is returned instead of thrown. Default true. */
  check?: boolean;
  timeoutMs?: number;
  cwd?: string;
  /** Called with each output line as it arrives (live progress for long commands). */
  onLine?: (line: string) => void;
}

export interface Runner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** Thrown (as a cause inside ToolError or directly) when a program is not on PATH. */
export class MissingToolError extends Error {
  readonly tool: string;
  constructor(tool: string) {
    super(`${tool}: command not found`);
    this.tool = tool;
  }
}

export function quoteArgs(cmd: string, args: string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Runs real processes with execa. Every child is stopped when `signal` aborts (Ctrl-C). */
export function execaRunner(signal?: AbortSignal): Runner {
  return {
    async run(cmd, args, opts = {}) {
      const result = await execa(cmd, args, {
        reject: false,
        input: opts.input,
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        cancelSignal: signal,
        forceKillAfterDelay: 3000,
        stripFinalNewline: true,
        all: true,
        lines: false,
        env: { NO_COLOR: '1' },
        stdout: opts.onLine ? ['pipe', lineTap(opts.onLine)] : 'pipe',
        stderr: opts.onLine ? ['pipe', lineTap(opts.onLine)] : 'pipe',
      });
      if (result.code === 'ENOENT' || (result.failed && /ENOENT/.test(result.originalMessage ?? ''))) {
        throw new MissingToolError(cmd);
      }
      if (result.isCanceled || (signal?.aborted ?? false)) {
        throw new ToolError(quoteArgs(cmd, args), 'interrupted', { exitCode: result.exitCode });
      }
      const out: RunResult = { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
      if (result.timedOut) {
        throw new ToolError(quoteArgs(cmd, args), `${String(result.all ?? '')}\ntimed out after ${opts.timeoutMs}ms`);
      }
      if (out.exitCode !== 0 && opts.check !== false) {
        throw new ToolError(quoteArgs(cmd, args), String(result.all ?? ''), { exitCode: out.exitCode });
      }
      return out;
    },
  };
}

function lineTap(onLine: (line: string) => void) {
  return function* (line: unknown) {
    onLine(String(line));
    yield line;
  };
}

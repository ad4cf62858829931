// The one seam through which hpa-lab runs other programs (kind, helm, docker, kubectl). Everything that
// starts a process goes through a Runner, so tests and the simulated cluster can stand in for any tool.
import { execa } from 'execa';
import { LabError, ToolError } from './errors.ts';
import { knownCause, missingToolHelp } from './host/tool-help.ts';

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
  /** Not stopped by Ctrl-C: the clean-up that runs after an interrupt. */
  ignoreAbort?: boolean;
}

export interface Runner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A program is not on PATH: said with the same why/fix as preflight, whichever command ran into it. */
export class MissingToolError extends LabError {
  readonly tool: string;
  constructor(tool: string) {
    super(`${tool} is not installed (not on PATH)`, missingToolHelp(tool));
    this.name = 'MissingToolError';
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
        cancelSignal: opts.ignoreAbort ? undefined : signal,
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
      if (result.isCanceled || (!opts.ignoreAbort && (signal?.aborted ?? false))) {
        throw new ToolError(quoteArgs(cmd, args), 'interrupted', { exitCode: result.exitCode });
      }
      const out: RunResult = { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
      if (result.timedOut) {
        const limit = formatSeconds((opts.timeoutMs ?? 0) / 1000);
        throw new ToolError(quoteArgs(cmd, args), `${String(result.all ?? '')}\n(stopped: no result within ${limit})`, {
          why: `${cmd} did not finish within ${limit}, hpa-lab's deadline for this kind of call: the tool hangs (an API server or Docker daemon that accepts connections but does not answer), or the machine is very slow`,
          fix: `see whether \`${quoteArgs(cmd, args.slice(0, 2))}\` answers on its own; on a slow machine, --timeout-factor 3 gives every deadline three times as long`,
        });
      }
      if (out.exitCode !== 0 && opts.check !== false) {
        const all = String(result.all ?? '');
        throw new ToolError(quoteArgs(cmd, args), all, { exitCode: out.exitCode, ...knownCause(cmd, args, all) });
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

function formatSeconds(s: number): string {
  return s >= 60 && s % 60 === 0 ? `${s / 60}m` : `${Math.round(s)}s`;
}

/**
 * How long each kind of tool call may take before hpa-lab stops it (seconds, before --timeout-factor). Long
 * enough for a slow laptop's honest work (a cluster create, an image build), short enough that a hang ends
 * with a message naming the command.
 */
export const CALL_DEADLINES: Array<{ match: RegExp; seconds: number }> = [
  { match: /^kind create cluster\b/, seconds: 600 },
  { match: /^kind load\b/, seconds: 600 },
  { match: /^kind (delete|export)\b/, seconds: 180 },
  { match: /^kind\b/, seconds: 60 },
  { match: /^helm upgrade\b/, seconds: 600 },
  { match: /^helm\b/, seconds: 120 },
  { match: /^docker (buildx )?build\b/, seconds: 1200 },
  { match: /^docker (image )?(save|load)\b/, seconds: 600 },
  // A pull moves whole images over the person's link (the kind node image is ~440 MB: 70 s at 50 Mbit/s), a push
  // the built image to --registry: like a build, not like a question to the daemon.
  { match: /^docker (image )?(pull|push)\b/, seconds: 1200 },
  { match: /^docker\b/, seconds: 60 },
  { match: /.*/, seconds: 300 },
];

/** A call's deadline in ms: its kind's, scaled by the factor, never under 30 s (a deadline is for hangs). */
export function callDeadlineMs(cmd: string, args: string[], timeoutFactor: number): number {
  const line = [cmd, ...args].join(' ');
  const seconds = (CALL_DEADLINES.find((d) => d.match.test(line)) as { seconds: number }).seconds;
  return Math.max(30_000, Math.round(seconds * 1000 * timeoutFactor));
}

export interface LabRunnerOptions {
  timeoutFactor: number;
  /** With --verbose: each command, as it starts (secrets masked). */
  trace?: (line: string) => void;
  /** Values never to print (generated passwords). */
  secrets?: () => string[];
}

/** The lab's runner: every call gets its deadline, and --verbose shows it. */
export function labRunner(inner: Runner, opts: LabRunnerOptions): Runner {
  return {
    run(cmd, args, runOpts = {}) {
      const timeoutMs = runOpts.timeoutMs ?? callDeadlineMs(cmd, args, opts.timeoutFactor);
      if (opts.trace) {
        let line = quoteArgs(cmd, args);
        for (const secret of opts.secrets?.() ?? []) if (secret) line = line.split(secret).join('***');
        opts.trace(`$ ${line}`);
      }
      return inner.run(cmd, args, { ...runOpts, timeoutMs });
    },
  };
}

// Errors are data that format themselves. A user error (bad input, failed preflight, a gate that timed
// out) is printed without a stack trace; only an unexpected error shows one, and only with --verbose.

/** A problem the user can fix: prints `what`, then why it matters and the command that fixes it. */
export class LabError extends Error {
  readonly why: string | undefined;
  readonly fix: string | undefined;
  /** Extra lines shown after the message (command output, last observed state). */
  readonly details: string[];
  readonly exitCode: number;
  constructor(message: string, opts: { why?: string; fix?: string; details?: string[]; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LabError';
    this.why = opts.why;
    this.fix = opts.fix;
    this.details = opts.details ?? [];
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad input (a file or a flag): names the file or flag, the field and what was expected. Exit 2. */
export class InputError extends LabError {
  constructor(message: string, opts: { fix?: string; details?: string[] } = {}) {
    super(message, { ...opts, exitCode: 2 });
    this.name = 'InputError';
  }
}

/** A tool (kind, helm, docker) exited non-zero: keeps the command and the meaningful tail of its output. */
export class ToolError extends LabError {
  readonly command: string;
  readonly output: string;
  constructor(command: string, output: string, opts: { exitCode?: number | undefined; why?: string; fix?: string; cause?: unknown } = {}) {
    const summary = summarizeToolOutput(output);
    super(`command failed: ${command}${opts.exitCode === undefined ? '' : ` (exit ${opts.exitCode})`}`, {
      why: opts.why,
      fix: opts.fix,
      details: summary,
      cause: opts.cause,
    });
    this.name = 'ToolError';
    this.command = command;
    this.output = output;
  }
}

/** The user pressed Ctrl-C. */
/** What to do after Ctrl-C, per command: only `up` leaves something to converge; the others are simply run again. */
const AFTER_INTERRUPT: Record<string, string> = {
  up: 'npm run up   (converges from where it stopped)   or   npm run down   (removes the cluster)',
  down: 'npm run down   (removes what is left)',
  demo: 'npm run demo   (runs it again: its load is stopped, and the HPA scales back in by itself)',
  images: 'run it again   (save leaves no partial archive; load converges)',
};

export class InterruptedError extends LabError {
  constructor(command = 'up') {
    super('interrupted', {
      why: 'child processes were stopped; nothing is left half-applied that a re-run cannot finish',
      fix: AFTER_INTERRUPT[command] ?? `npm run ${command}   (run it again)`,
      exitCode: 130,
    });
    this.name = 'InterruptedError';
  }
}

const MEANINGFUL = /^(ERROR:|Error:|error:|Command Output:|fatal|FATAL)|\b(failed|cannot|could not|unable|denied|not found|no such|already|refused|timed out|timeout)\b/i;

/**
 * The lines of a tool's output worth showing: kind's `ERROR:` and `Command Output:` lines, helm's
 * `Error:` line, any line that says something failed, and the last lines for context. At most `max`.
 */
export function summarizeToolOutput(output: string, max = 20): string[] {
  const lines = output.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  if (lines.length <= max) return lines;
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (MEANINGFUL.test(l)) keep.add(i);
  });
  for (let i = Math.max(0, lines.length - 5); i < lines.length; i++) keep.add(i);
  let picked = [...keep].sort((a, b) => a - b);
  if (picked.length > max) picked = [...picked.slice(0, max - 5), ...picked.slice(-5)];
  const out: string[] = [];
  let prev = -1;
  for (const i of picked) {
    if (prev >= 0 && i > prev + 1) out.push('…');
    out.push(lines[i] ?? '');
    prev = i;
  }
  return out;
}

/** Renders any error for the terminal. Stack traces only for unexpected errors, and only when verbose. */
export function formatError(err: unknown, verbose: boolean): string {
  if (err instanceof LabError) {
    const out = [`✖ ${err.message}`];
    for (const d of err.details) out.push(`    ${d}`);
    if (err.why) out.push(`  why: ${err.why}`);
    if (err.fix) out.push(`  fix: ${err.fix}`);
    if (verbose && err.cause instanceof Error && err.cause.stack) out.push('', err.cause.stack);
    return out.join('\n');
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const lines = [`✖ unexpected error: ${e.message}`];
  lines.push(verbose && e.stack ? e.stack : '  (run again with --verbose for the stack trace; this is a bug in hpa-lab if it repeats)');
  return lines.join('\n');
}

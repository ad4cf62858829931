// A gate polls a probe until it passes or its deadline runs out, keeping the last observed state so a
// timeout can say what it saw and what that likely means. Polls rather than watches: client watches do
// not reconnect, and a poll with a deadline is easier to reason about for a person reading the output.
import { LabError } from '../errors.ts';

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface Diagnosis {
  cause: string;
  fix?: string;
}

/**
 * A probe's answer: passed, not yet (`state`), or not yet and never by waiting (`final`: what makes it impossible,
 * e.g. a pod whose image does not exist; the gate stops at once with that diagnosis instead of at its deadline).
 */
export type ProbeResult<T> = { ok: true; value: T; state?: string } | { ok: false; state: string; final?: Diagnosis };

export interface GateSpec<T> {
  /** What is awaited, as a person would say it: "API server ready". */
  what: string;
  deadlineMs: number;
  intervalMs?: number;
  probe: () => Promise<ProbeResult<T>>;
  /** The likely cause of a failure, from the last observed state (known failure signatures). */
  diagnose?: (lastState: string) => Diagnosis | undefined | Promise<Diagnosis | undefined>;
}

export interface GateContext {
  clock: Clock;
  signal?: AbortSignal;
  /** Live line: what the gate waits for, its deadline, and the latest state. */
  onWait?: (line: string) => void;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m}m${rest}s` : `${m}m`;
}

/** A gate that did not pass: its last observed state, and why (a diagnosis, when one is known). */
export class GateError extends LabError {
  readonly lastState: string;
  constructor(message: string, lastState: string, diagnosis?: Diagnosis) {
    super(message, {
      details: [`last observed: ${lastState}`],
      why: diagnosis?.cause,
      fix: diagnosis?.fix,
    });
    this.name = 'GateError';
    this.lastState = lastState;
  }
}

/** The deadline ran out. */
export class GateTimeoutError extends GateError {
  constructor(what: string, deadlineMs: number, lastState: string, diagnosis?: Diagnosis) {
    super(`gave up waiting ${formatDuration(deadlineMs)} for ${what}`, lastState, diagnosis);
    this.name = 'GateTimeoutError';
  }
}

/** The probe saw a state that waiting cannot change (ProbeResult.final): stopped before the deadline. */
export class GateFailedError extends GateError {
  constructor(what: string, elapsedMs: number, lastState: string, diagnosis: Diagnosis) {
    super(`stopped waiting for ${what} after ${formatDuration(elapsedMs)}: it cannot happen by waiting`, lastState, diagnosis);
    this.name = 'GateFailedError';
  }
}

export async function waitFor<T>(spec: GateSpec<T>, ctx: GateContext): Promise<T> {
  const start = ctx.clock.now();
  const interval = spec.intervalMs ?? 1000;
  let lastState: string;
  let lastShown = '';
  for (;;) {
    if (ctx.signal?.aborted) throw new LabError(`interrupted while waiting for ${spec.what}`, { exitCode: 130 });
    let result: ProbeResult<T>;
    try {
      result = await spec.probe();
    } catch (err) {
      result = { ok: false, state: err instanceof Error ? err.message : String(err) };
    }
    if (result.ok) return result.value;
    lastState = result.state;
    const elapsed = ctx.clock.now() - start;
    if (result.final) throw new GateFailedError(spec.what, elapsed, lastState, result.final);
    const line = `waiting ≤${formatDuration(spec.deadlineMs)} for ${spec.what}: ${lastState}`;
    if (line !== lastShown) {
      ctx.onWait?.(line);
      lastShown = line;
    }
    if (elapsed >= spec.deadlineMs) {
      let diagnosis: Diagnosis | undefined;
      try {
        diagnosis = await spec.diagnose?.(lastState);
      } catch {
        diagnosis = undefined; // a diagnosis must never hide the failure it explains
      }
      throw new GateTimeoutError(spec.what, spec.deadlineMs, lastState, diagnosis);
    }
    await ctx.clock.sleep(Math.min(interval, spec.deadlineMs - elapsed), ctx.signal);
  }
}

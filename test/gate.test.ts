import { describe, expect, it } from 'vitest';
import { waitFor, GateTimeoutError, formatDuration } from '../scripts/lib/gates/poll.ts';
import { fakeClock } from './helpers/fakes.ts';

describe('gates', () => {
  it('polls until the probe passes and reports each new state once', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    let n = 0;
    const value = await waitFor(
      {
        what: 'thing ready',
        deadlineMs: 10_000,
        probe: () => Promise.resolve(++n < 4 ? { ok: false as const, state: n < 3 ? 'starting' : 'almost' } : { ok: true as const, value: 42 }),
      },
      { clock, onWait: (l) => seen.push(l) },
    );
    expect(value).toBe(42);
    expect(clock.slept).toEqual([1000, 1000, 1000]);
    expect(seen).toEqual(['waiting ≤10s for thing ready: starting', 'waiting ≤10s for thing ready: almost']);
  });

  it('times out at its deadline with the last state and the diagnosis', async () => {
    const clock = fakeClock();
    const err = await waitFor(
      {
        what: 'API server ready',
        deadlineMs: 3_000,
        probe: () => Promise.reject(new Error('connection refused by 127.0.0.1:6443')),
        diagnose: (s) => (s.includes('refused') ? { cause: 'node container stopped', fix: 'docker start x' } : undefined),
      },
      { clock },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateTimeoutError);
    const g = err as GateTimeoutError;
    expect(g.message).toBe('gave up waiting 3s for API server ready');
    expect(g.details).toEqual(['last observed: connection refused by 127.0.0.1:6443']);
    expect(g.why).toBe('node container stopped');
    expect(g.fix).toBe('docker start x');
    expect(clock.now()).toBe(3000);
  });

  it('stops when interrupted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(waitFor({ what: 'x', deadlineMs: 1000, probe: () => Promise.resolve({ ok: false as const, state: 's' }) }, { clock: fakeClock(), signal: ctl.signal })).rejects.toThrow(/interrupted/);
  });

  it('formats durations for people', () => {
    expect([formatDuration(250), formatDuration(1500), formatDuration(60_000), formatDuration(150_000)]).toEqual(['250ms', '1.5s', '1m', '2m30s']);
  });
});

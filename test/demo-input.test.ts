// The demo's input, checked before anything is touched: each flag alone and how they combine (pure), the
// HPA's replica bounds against --expect-replicas, and negative numbers on the command line of any command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkExpectedReplicas, DEMO_LIMITS, formatSeconds, parseDemoFlags } from '../scripts/lib/demo/model.ts';
import type { DemoFlags, HpaBounds } from '../scripts/lib/demo/model.ts';
import { COMMANDS, joinNegativeValues, main } from '../scripts/cli.ts';
import { InputError } from '../scripts/lib/errors.ts';

const defaults = { rate: 30, connections: 8, duration: '3m', from: 'stacks/custom-metrics.yaml: demo.load' };
const parse = (flags: Partial<DemoFlags>) => parseDemoFlags({ scaleIn: true, ...flags }, defaults);
/** The InputError message a call throws (fails the test when it does not throw one). */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).message + ((err as InputError).fix ? `\nfix: ${(err as InputError).fix}` : '');
  }
  throw new Error('expected an InputError');
}

describe('demo flags', () => {
  it('defaults: the stack’s load, a 3s refresh, no expectation', () => {
    expect(parse({})).toEqual({ rate: 30, connections: 8, loadSeconds: 180, intervalSeconds: 3, scaleIn: true });
  });

  it('--expect-replicas with --within and --scale-in-within', () => {
    expect(parse({ expectReplicas: '3', within: '2m', scaleInWithin: '90s', interval: '2s' })).toEqual({
      rate: 30,
      connections: 8,
      loadSeconds: 180,
      intervalSeconds: 2,
      scaleIn: true,
      expect: { replicas: 3, withinSeconds: 120, scaleInWithinSeconds: 90 },
    });
    // --within defaults to 3m, or the whole load when it is shorter.
    expect(parse({ expectReplicas: '3' }).expect).toEqual({ replicas: 3, withinSeconds: 180 });
    expect(parse({ expectReplicas: '3', duration: '1m' }).expect).toEqual({ replicas: 3, withinSeconds: 60 });
  });

  it('--within and --scale-in-within need --expect-replicas (naming both flags)', () => {
    expect(inputError(() => parse({ within: '3m' }))).toMatch(/^--within needs --expect-replicas: .*\nfix: npm run demo -- --expect-replicas 3 --within 3m/);
    expect(inputError(() => parse({ scaleInWithin: '2m' }))).toMatch(/^--scale-in-within needs --expect-replicas/);
    expect(inputError(() => parse({ expectReplicas: '3', scaleInWithin: '2m', scaleIn: false }))).toMatch(/^--scale-in-within cannot be used with --no-scale-in/);
  });

  it('numbers: whole, at least 1, named with what they are', () => {
    expect(inputError(() => parse({ rate: '-5' }))).toBe('--rate: expected requests per second, a whole number of at least 1, got "-5"');
    expect(inputError(() => parse({ rate: '2.5' }))).toMatch(/^--rate: expected requests per second, a whole number/);
    expect(inputError(() => parse({ rate: '0' }))).toMatch(/^--rate: .* got "0"$/);
    expect(inputError(() => parse({ connections: 'many' }))).toBe('--connections: expected the number of concurrent connections, a whole number of at least 1, got "many"');
    expect(inputError(() => parse({ expectReplicas: '0' }))).toBe('--expect-replicas: expected the number of Ready replicas to reach, a whole number of at least 1, got "0"');
    // A stack default that is no good is named by its field, not as a flag the user did not give.
    expect(inputError(() => parseDemoFlags({ scaleIn: true }, { ...defaults, rate: 0.5 }))).toMatch(/^stacks\/custom-metrics\.yaml: demo\.load\.rate \(the default of --rate\): expected requests per second/);
  });

  it(`minimums: --interval ≥ ${DEMO_LIMITS.minIntervalSeconds}s; --duration ≥ ${DEMO_LIMITS.minDurationSeconds}s and ≥ ${DEMO_LIMITS.minDurationIntervals} intervals`, () => {
    expect(inputError(() => parse({ interval: '0s' }))).toBe('--interval: expected a duration of at least 1s (the view refreshes this often; default 3s), got "0s"');
    expect(inputError(() => parse({ interval: '-3s' }))).toBe('--interval: expected a duration like 90s, 3m or 1m30s, got "-3s"');
    expect(inputError(() => parse({ interval: '3' }))).toMatch(/^--interval: expected a duration like 90s/);
    expect(parse({ interval: '1s', duration: '10s' })).toMatchObject({ intervalSeconds: 1, loadSeconds: 10 });
    expect(inputError(() => parse({ duration: '9s', interval: '1s' }))).toBe('--duration: expected a duration of at least 10s (at least 10s and 2 × --interval 1s), got "9s"');
    expect(inputError(() => parse({ duration: '30s', interval: '20s' }))).toBe('--duration: expected a duration of at least 40s (at least 10s and 2 × --interval 20s), got "30s"');
    expect(inputError(() => parseDemoFlags({ scaleIn: true }, { ...defaults, duration: '5s' }))).toMatch(/^stacks\/custom-metrics\.yaml: demo\.load\.duration \(the default of --duration\): expected a duration of at least 10s/);
  });

  it('--within: at least one interval, at most the load; --scale-in-within: at least one interval', () => {
    expect(inputError(() => parse({ expectReplicas: '3', within: '1s' }))).toMatch(/^--within: expected a duration of at least one --interval \(3s\)/);
    expect(inputError(() => parse({ expectReplicas: '3', within: '5m' }))).toMatch(
      /^--within: expected at most the load's duration, 3m \(the default of --duration, stacks\/custom-metrics\.yaml: demo\.load\.duration\).*got "5m"\nfix: a --duration of 5m or more/,
    );
    expect(inputError(() => parse({ expectReplicas: '3', within: '2m', duration: '1m30s' }))).toMatch(/^--within: expected at most the load's duration, 1m30s \(--duration\)/);
    expect(inputError(() => parse({ expectReplicas: '3', scaleInWithin: '0s' }))).toMatch(/^--scale-in-within: expected a duration of at least one --interval/);
  });

  it('formats seconds as the flags are written', () => {
    expect([formatSeconds(20), formatSeconds(60), formatSeconds(90), formatSeconds(180)]).toEqual(['20s', '1m', '1m30s', '3m']);
  });
});

describe('--expect-replicas against the HPA', () => {
  const stack: HpaBounds = {
    hpa: 'default/test-prometheus-hpa',
    min: { value: 1, from: 'the stack setting hpa.minReplicas in stacks/custom-metrics.yaml' },
    max: { value: 10, from: 'the stack setting hpa.maxReplicas in stacks/custom-metrics.yaml' },
  };

  it('accepts minReplicas + 1 to maxReplicas', () => {
    for (const n of [2, 5, 10]) expect(() => checkExpectedReplicas(n, stack)).not.toThrow();
  });

  it('above maxReplicas: names the HPA, its maxReplicas and where that comes from', () => {
    expect(inputError(() => checkExpectedReplicas(11, stack))).toBe(
      '--expect-replicas 11: HPA default/test-prometheus-hpa scales to at most 10 replicas (maxReplicas: the stack setting hpa.maxReplicas in stacks/custom-metrics.yaml), so 11 Ready replicas can never be reached; expected 2 to 10 (minReplicas + 1 to maxReplicas)\nfix: --expect-replicas 2 to 10, or raise maxReplicas (then npm run up)',
    );
  });

  it('at or below minReplicas: met before any load, so it proves nothing', () => {
    expect(inputError(() => checkExpectedReplicas(1, stack))).toMatch(/^--expect-replicas 1: HPA default\/test-prometheus-hpa never runs fewer than 1 replica \(minReplicas: the stack setting hpa\.minReplicas in stacks\/custom-metrics\.yaml\), so reaching 1 replica Ready proves nothing about scaling/);
    expect(inputError(() => checkExpectedReplicas(2, { ...stack, min: { value: 2, from: 'x' }, max: { value: 3, from: 'y' } }))).toMatch(/; expected 3 \(minReplicas \+ 1, here also maxReplicas\)\nfix: --expect-replicas 3$/);
  });

  it('an HPA that cannot scale (maxReplicas = minReplicas)', () => {
    expect(inputError(() => checkExpectedReplicas(3, { ...stack, min: { value: 3, from: 'a' }, max: { value: 3, from: 'b' } }))).toMatch(/cannot scale: its maxReplicas 3 \(b\) is not above its minReplicas 3 \(a\)/);
  });
});

describe('negative numbers on the command line', () => {
  const options = COMMANDS.demo?.options ?? {};

  it('--flag -5 becomes --flag=-5 for options that take a value, and only those', () => {
    expect(joinNegativeValues(['--rate', '-5', '--interval', '-1s', '--verbose'], options)).toEqual(['--rate=-5', '--interval=-1s', '--verbose']);
    expect(joinNegativeValues(['--rate', '-0.5', '--within', '-.5'], options)).toEqual(['--rate=-0.5', '--within=-.5']);
    // Not a number: still a missing value. A boolean flag takes no value. After `--`, nothing changes.
    expect(joinNegativeValues(['--name', '--verbose'], options)).toEqual(['--name', '--verbose']);
    expect(joinNegativeValues(['--no-scale-in', '-5'], options)).toEqual(['--no-scale-in', '-5']);
    expect(joinNegativeValues(['--', '--rate', '-5'], options)).toEqual(['--', '--rate', '-5']);
    expect(joinNegativeValues(['-x', '-5'], { x: { type: 'string', short: 'x' } })).toEqual(['--x=-5']);
  });

  describe('in every command, the option’s own message instead of "argument is ambiguous"', () => {
    let state: string;
    const saved = process.env.HPA_LAB_STATE_DIR;
    beforeAll(() => {
      state = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-input-'));
      process.env.HPA_LAB_STATE_DIR = state;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.HPA_LAB_STATE_DIR;
      else process.env.HPA_LAB_STATE_DIR = saved;
      rmSync(state, { recursive: true, force: true });
    });
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };

    it.each([
      [['demo', '--rate', '-5'], /--rate: expected requests per second, a whole number of at least 1, got "-5"/],
      [['demo', '--expect-replicas', '-2'], /--expect-replicas: expected the number of Ready replicas to reach, a whole number of at least 1, got "-2"/],
      [['up', '--timeout-factor', '-3'], /--timeout-factor: expected a positive number, got "-3"/],
      // every command takes --timeout-factor (issue 18 item 15), so each checks it the same way
      [['status', '--timeout-factor', '-3'], /--timeout-factor: expected a positive number, got "-3"/],
    ])('%j', async (argv, message) => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/ambiguous|\n\s+at /);
    });
  });
});

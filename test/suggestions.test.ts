// Issue 18 item 15: a misspelled flag or setting is bad input that says what was probably meant, and every
// command takes the common options the README lists (--timeout-factor on images too).
import { describe, expect, it } from 'vitest';
import { main } from '../scripts/cli.ts';
import { nearestName } from '../scripts/lib/input/nearest.ts';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('nearest-match suggestions', () => {
  it('the same name in another case first, then the closest within two edits, else none', () => {
    expect(nearestName('hpa.averagevalue', ['hpa.averageValue', 'hpa.maxReplicas'])).toBe('hpa.averageValue');
    expect(nearestName('timout-factor', ['timeout-factor', 'name', 'verbose'])).toBe('timeout-factor');
    expect(nearestName('colour', ['name', 'verbose'])).toBeUndefined();
  });

  it('a misspelled flag: exit 2, naming the flag meant and how to pass it', async () => {
    const r = await run(['up', '--timout-factor', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("✖ hpa-lab up: Unknown option '--timout-factor' (did you mean --timeout-factor?)");
    expect(r.err).toContain('fix: npm run up -- --timeout-factor …');
    const none = await run(['status', '--colour']);
    expect(none.code).toBe(2);
    expect(none.err).not.toContain('did you mean');
  });

  it('a setting that differs in case only: exit 2, naming the setting and the --set to use', async () => {
    const r = await run(['plan', '--set', 'hpa.averagevalue=10']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--set hpa.averagevalue: hpa.averagevalue is not a setting of stacks/custom-metrics.yaml (did you mean hpa.averageValue?)');
    expect(r.err).toContain('fix: --set hpa.averageValue=10');
    expect(r.out).toBe('');
  });

  it('every command takes --timeout-factor (README: a common option), and checks it', async () => {
    for (const argv of [['images', 'list'], ['status'], ['down'], ['doctor'], ['plan'], ['demo'], ['check-values']]) {
      const r = await run([...argv, '--timeout-factor', '3', '--help']);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
      expect(r.out).toContain('--timeout-factor <x>');
    }
    const bad = await run(['images', 'list', '--timeout-factor', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--timeout-factor: expected a positive number, got "0"');
  });
});

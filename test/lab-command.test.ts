// Issue 18 item 14: the commands hpa-lab names in its fixes are the ones the person can type where they are:
// `npm run up -- …` (the package's `hpa-lab` bin is on no PATH), and `npm run sim -- up …` under the simulation
// (test/sim/shell.ts starts the CLI with HPA_LAB_SIM_CLI=1).
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../scripts/cli.ts';
import { asTyped, labCommand } from '../scripts/lib/lab-command.ts';

const SIM = { HPA_LAB_SIM_CLI: '1' };

describe('commands named as they are typed', () => {
  it('npm run, with its -- before the arguments; under the simulation npm run sim -- without a second --', () => {
    expect(labCommand('up', '--offline', {})).toBe('npm run up -- --offline');
    expect(labCommand('status', '', {})).toBe('npm run status');
    expect(labCommand('up', '--offline', SIM)).toBe('npm run sim -- up --offline');
    expect(asTyped('fix: npm run down, then npm run up   (or npm run up -- --recreate: deletes it)', SIM)).toBe('fix: npm run sim -- down, then npm run sim -- up   (or npm run sim -- up --recreate: deletes it)');
    expect(asTyped('npm run images -- load lab.tar, then npm run up -- --offline', SIM)).toBe('npm run sim -- images load lab.tar, then npm run sim -- up --offline');
    // not a CLI command, or already the simulation's: unchanged
    expect(asTyped('npm run bench; npm run sim -- up', SIM)).toBe('npm run bench; npm run sim -- up');
    expect(asTyped('npm run up -- --offline', {})).toBe('npm run up -- --offline');
  });

  describe('what the CLI prints', () => {
    const saved = process.env.HPA_LAB_SIM_CLI;
    afterEach(() => {
      if (saved === undefined) delete process.env.HPA_LAB_SIM_CLI;
      else process.env.HPA_LAB_SIM_CLI = saved;
    });
    const run = async (argv: string[]) => {
      const err: string[] = [];
      const code = await main(argv, { out: () => undefined, err: (s) => err.push(s) });
      return { code, err: err.join('\n') };
    };

    it('a fix that names --help says npm run up -- --help, never a hpa-lab binary that is not on PATH', async () => {
      delete process.env.HPA_LAB_SIM_CLI;
      const r = await run(['up', '--yes']);
      expect(r.code).toBe(2);
      expect(r.err).toContain('fix: npm run up -- --help');
      expect(r.err).not.toMatch(/fix: hpa-lab /);
    });

    it('under the simulation every fix names npm run sim -- …', async () => {
      process.env.HPA_LAB_SIM_CLI = '1';
      const help = await run(['up', '--yes']);
      expect(help.err).toContain('fix: npm run sim -- up --help');
      const offline = await run(['up', '--no-cache', '--offline']);
      expect(offline.code).toBe(2);
      expect(offline.err).toContain('fix: npm run sim -- up --offline');
      expect(offline.err).not.toMatch(/npm run up/);
    });

    // Issue 18 item 14 (leftover): the Usage lines of --help named `hpa-lab up …`, a binary on no PATH.
    const help = async (argv: string[]) => {
      const out: string[] = [];
      const code = await main(argv, { out: (s) => out.push(s), err: () => undefined });
      return { code, out: out.join('\n') };
    };
    const usageOf = (text: string) => text.split('\n').filter((l) => /^Usage: /.test(l));

    it('--help: each command’s Usage line is the command as typed (npm run up -- [options]), never hpa-lab up', async () => {
      delete process.env.HPA_LAB_SIM_CLI;
      for (const name of Object.keys(COMMANDS)) {
        const r = await help([name, '--help']);
        expect(r.code, name).toBe(0);
        const [usage, ...more] = usageOf(r.out);
        expect(more, name).toEqual([]);
        expect(usage, name).toMatch(new RegExp(`^Usage: npm run ${name} -- \\S`));
        // images lists its subcommands as alternatives: each one typed in full
        for (const alt of (usage ?? '').replace(/^Usage: /, '').split(/ \| (?=npm run )/)) expect(alt, name).toMatch(new RegExp(`^npm run ${name} -- `));
        expect((usage ?? '').match(/npm run /g)?.length, name).toBe(name === 'images' ? 3 : 1);
        expect(r.out, name).not.toMatch(/\bhpa-lab (up|down|status|doctor|plan|demo|check-values|images) \[|`hpa-lab /);
      }
      expect(usageOf((await help(['up', '--help'])).out)).toEqual([`Usage: npm run up -- ${COMMANDS.up?.usage.replace(/^hpa-lab up /, '')}`]);
      expect(usageOf((await help(['images', '--help'])).out)[0]).toMatch(/^Usage: npm run images -- list \[--json\] \| npm run images -- save FILE \| npm run images -- load FILE +\[--stack S\]/);
      const main_ = await help(['--help']);
      expect(usageOf(main_.out)).toEqual(['Usage: npm run <command> -- [options]']);
      expect(main_.out).toContain('Run `npm run <command> -- --help` for its options.');
      expect(main_.out).not.toMatch(/hpa-lab </);
    });

    it('--help under the simulation: npm run sim -- up [options], npm run sim -- <command> [options]', async () => {
      process.env.HPA_LAB_SIM_CLI = '1';
      expect(usageOf((await help(['up', '--help'])).out)[0]).toMatch(/^Usage: npm run sim -- up \[--name N\]/);
      expect(usageOf((await help(['images', '--help'])).out)[0]).toMatch(/^Usage: npm run sim -- images list \[--json\] \| npm run sim -- images save FILE \| npm run sim -- images load FILE/);
      const main_ = await help(['--help']);
      expect(usageOf(main_.out)).toEqual(['Usage: npm run sim -- <command> [options]']);
      expect(main_.out).toContain('Run `npm run sim -- <command> --help` for its options.');
    });
  });
});

// `npm run up --dry-run` (no `--`): npm takes the flag for itself and exports it as npm_config_dry_run; hpa-lab
// refuses (exit 2, before any work) with the command it meant. The environments below are what npm 11 exported
// to a script for each command line (observed with a script that prints its npm_* variables).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../scripts/cli.ts';
import { flagsNpmTook, refuseFlagsNpmTook } from '../scripts/lib/input/npm-flags.ts';
import { thrownInputError } from './helpers/errors.ts';
import { createSim, REPO_ROOT, type Sim } from './helpers/sim.ts';

type Options = Parameters<typeof refuseFlagsNpmTook>[1];
const opts = (command: string) => COMMANDS[command]?.options as Options;
// npm's own variables, there whatever the command line says
const NPM_BASE = { npm_lifecycle_event: 'up', npm_command: 'run', npm_config_cache: '/home/u/.npm', npm_config_user_agent: 'npm/11.19.1 node/v24.21.0 linux x64 workspaces/false', npm_config_userconfig: '/nonexistent/.npmrc', npm_config_local_prefix: '/nonexistent' };
const noFiles = () => undefined;

describe('flags npm takes for itself under npm run', () => {
  it('npm run up --dry-run: refused, naming the variable, with npm run up -- --dry-run', () => {
    const e = thrownInputError(() => refuseFlagsNpmTook('up', opts('up'), [], { ...NPM_BASE, npm_config_dry_run: 'true' }, noFiles));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/npm took --dry-run for itself/);
    expect(e.details.join('\n')).toContain('npm_config_dry_run=true');
    expect(e.fix).toBe('npm run up -- --dry-run');
  });

  it('npm run up --timeout-factor 3: the stray 3 is the flag’s value again', () => {
    const e = thrownInputError(() => refuseFlagsNpmTook('up', opts('up'), ['3'], { ...NPM_BASE, npm_config_timeout_factor: 'true' }, noFiles));
    expect(e.fix).toBe('npm run up -- --timeout-factor 3');
    const eq = thrownInputError(() => refuseFlagsNpmTook('up', opts('up'), [], { ...NPM_BASE, npm_config_timeout_factor: '3' }, noFiles));
    expect(eq.fix).toBe('npm run up -- --timeout-factor 3');
  });

  it('demo --no-report, --verbose (npm’s loglevel), --set with a stray value, and the simulation’s script', () => {
    const demo = { ...NPM_BASE, npm_lifecycle_event: 'demo' };
    expect(thrownInputError(() => refuseFlagsNpmTook('demo', opts('demo'), [], { ...demo, npm_config_report: '' }, noFiles)).fix).toBe('npm run demo -- --no-report');
    expect(thrownInputError(() => refuseFlagsNpmTook('demo', opts('demo'), [], { ...demo, npm_config_loglevel: 'verbose' }, noFiles)).fix).toBe('npm run demo -- --verbose');
    expect(thrownInputError(() => refuseFlagsNpmTook('up', opts('up'), ['hpa.averageValue=10'], { ...NPM_BASE, npm_config_set: 'true' }, noFiles)).fix).toBe('npm run up -- --set hpa.averageValue=10');
    // npm run sim up --context kind-x: the sim passes its arguments to hpa-lab, the command is among them
    expect(thrownInputError(() => refuseFlagsNpmTook('up', opts('up'), ['kind-x'], { ...NPM_BASE, npm_lifecycle_event: 'sim', npm_config_context: 'true' }, noFiles)).fix).toBe('npm run sim -- up --context kind-x');
  });

  it('npm’s own configs of the same name count only when no npmrc sets them; npm’s registry URL is npm’s', () => {
    const env = { ...NPM_BASE, npm_config_offline: 'true', npm_config_yes: '', npm_config_json: 'false', npm_config_registry: 'https://registry.example.com/' };
    expect(flagsNpmTook(opts('up'), env, noFiles).map((t) => t.flag)).toEqual(['offline']);
    const npmrc = (f: string) => (f === '/nonexistent/.npmrc' ? 'offline=true\n' : undefined);
    expect(flagsNpmTook(opts('up'), env, npmrc)).toEqual([]);
    expect(flagsNpmTook(opts('up'), { ...NPM_BASE, npm_config_registry: 'localhost:5001' }, noFiles).map((t) => t.flag)).toEqual(['registry']);
    // flags of another command are not this one's: --force is down's
    expect(flagsNpmTook(opts('up'), { ...NPM_BASE, npm_config_force: 'true' }, noFiles)).toEqual([]);
    expect(flagsNpmTook(opts('down'), { ...NPM_BASE, npm_config_force: 'true' }, noFiles).map((t) => t.flag)).toEqual(['force']);
  });

  it('not run by one of hpa-lab’s npm scripts (npm test, node scripts/hpa-lab.js): nothing refused', () => {
    expect(() => refuseFlagsNpmTook('up', opts('up'), [], { ...NPM_BASE, npm_lifecycle_event: 'test', npm_config_dry_run: 'true' }, noFiles)).not.toThrow();
    expect(() => refuseFlagsNpmTook('up', opts('up'), [], { npm_config_dry_run: 'true' }, noFiles)).not.toThrow();
  });
});

// The real npm, when there is one: `npm run up --dry-run` in the repository, on a simulated machine.
const npmCli = (() => {
  try {
    const bin = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
    return bin && existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
})();

describe.skipIf(!npmCli)('the real npm run (SKIPPED without npm on PATH)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await createSim();
  });
  afterAll(() => sim.cleanup());
  const npmRun = (args: string[]) => sim.exec(npmCli as string, ['run', ...args], { env: { PATH: [sim.env.PATH, path.dirname(npmCli as string)].join(path.delimiter), npm_config_update_notifier: 'false' }, cwd: REPO_ROOT });

  it('npm run up --dry-run and npm run up --timeout-factor 3 are refused (exit 2) with the corrected command; no cluster is made', async () => {
    const dry = await npmRun(['up', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(2);
    expect(dry.stderr).toContain('fix: npm run up -- --dry-run');
    const tf = await npmRun(['up', '--timeout-factor', '3']);
    expect(tf.exitCode, tf.stderr).toBe(2);
    expect(tf.stderr).toContain('fix: npm run up -- --timeout-factor 3');
    expect(tf.stderr).not.toMatch(/Unexpected argument|at .*\.ts:\d+/);
    expect((await sim.exec('kind', ['get', 'clusters'])).stderr).toContain('No kind clusters found.');
  });
});

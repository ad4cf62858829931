// The newcomer on an old Node: every entry point says, in one line, which Node is needed and how to get it,
// before anything else happens, and exits non-zero. scripts/require-node.js is the one check: every npm script
// starts with it, scripts/hpa-lab.js imports it first, and `npm install` is refused by npm itself
// (.npmrc engine-strict, package.json engines).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/lab.ts';

const CHECKER = path.join(REPO_ROOT, 'scripts', 'require-node.js');
const CHECK_PREFIX = 'node scripts/require-node.js && ';
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: Record<string, string> };

const ONE_LINE = (v: string) =>
  new RegExp(`^✖ Node v${v.replace(/\./g, '\\.')} is too old: hpa-lab needs Node ≥ 22\\.19 \\(24 recommended\\)\\. Get it with: nvm install 24 && nvm use 24 .*\\.nvmrc says 24.*, or without nvm: npm install --prefix \\.tools/node24 node@24 && export PATH=.*\\n$`);

function check(node: string, args: string[]) {
  const r = spawnSync(node, args, { cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The machine's own Node (/usr/bin/node) when it is older than 22.19, as a newcomer's would be. */
function oldNode(): { node?: string; version?: string; reason: string } {
  const node = '/usr/bin/node';
  if (!existsSync(node)) return { reason: ' (SKIPPED: no /usr/bin/node on this machine)' };
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return { reason: ` (SKIPPED: /usr/bin/node is v${version}, not older than 22.19)` };
  return { node, version, reason: ` (/usr/bin/node v${version})` };
}
const OLD = oldNode();

describe('scripts/require-node.js', () => {
  it.each(['20.20.2', '22.18.0', '18.0.0', '10.24.1'])('Node v%s: one line on stderr (what is needed, how to get it), exit 1', (v) => {
    const r = check(process.execPath, [CHECKER, '--as-version', `v${v}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ONE_LINE(v));
  });

  it.each(['22.19.0', '24.0.0', '26.1.0'])('Node v%s: says nothing, exit 0', (v) => {
    expect(check(process.execPath, [CHECKER, '--as-version', v])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('this Node (the one running the tests) passes', () => {
    expect(check(process.execPath, [CHECKER])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('is plain old JavaScript, neither CommonJS nor ES module syntax, so that any Node runs it', () => {
    const code = readFileSync(CHECKER, 'utf8')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/'(?:[^'\\]|\\.)*'/g, "''");
    for (const modern of [/\bconst\b/, /\blet\b/, /=>/, /`/, /\bimport\b/, /\bexport\b/, /\brequire\(/, /\bmodule\b/, /\?\?|\?\./]) expect(code).not.toMatch(modern);
  });

  it.skipIf(!OLD.node)(`on a real old Node: the checker and node scripts/hpa-lab.js say the one line, exit 1${OLD.reason}`, () => {
    const node = OLD.node as string;
    const v = OLD.version as string;
    for (const args of [[CHECKER], [path.join(REPO_ROOT, 'scripts', 'hpa-lab.js'), 'up'], [path.join(REPO_ROOT, 'scripts', 'hpa-lab.js')]]) {
      const r = check(node, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(ONE_LINE(v));
    }
  });

  it.skipIf(!OLD.node)(`on a real old Node, npm install refuses before installing anything, naming the Node needed and how to get it${OLD.reason}`, () => {
    const node = OLD.node as string;
    const npmCli = path.join(path.dirname(path.dirname(node)), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    if (!existsSync(npmCli)) return; // no npm beside it: nothing to check
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-npm-'));
    try {
      // The project's engines and .npmrc, without its dependencies: npm checks the root project first.
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'hpa-lab', version: '0.0.0', private: true, engines: pkg.engines }));
      writeFileSync(path.join(dir, '.npmrc'), readFileSync(path.join(REPO_ROOT, '.npmrc')));
      const r = spawnSync(node, [npmCli, 'install', '--offline', '--no-audit', '--no-fund'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: `${path.dirname(node)}:${process.env.PATH ?? ''}`, npm_config_cache: path.join(dir, 'cache'), npm_config_update_notifier: 'false' },
      });
      expect(r.status).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/EBADENGINE/);
      expect(out).toMatch(/Required: \{"node":">=22\.19\.0","get-node":"nvm install 24 && nvm use 24 \(\.nvmrc says 24\), or without nvm: npm install --prefix \.tools\/node24 node@24/);
      expect(out.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(8);
      expect(readdirSync(dir)).not.toContain('node_modules');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the entry points use it', () => {
  it.each(Object.entries(pkg.scripts))('npm run %s starts with the Node check', (_name, command) => {
    expect(command.startsWith(CHECK_PREFIX), `"${command}" must start with "${CHECK_PREFIX}"`).toBe(true);
  });

  it('scripts/hpa-lab.js imports the checker before anything else', () => {
    const lines = readFileSync(path.join(REPO_ROOT, 'scripts', 'hpa-lab.js'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !/^\s*\/\//.test(l));
    expect(lines.slice(0, 2)).toEqual(['#!/usr/bin/env node', "import('./require-node.js')"]);
  });

  it('npm refuses to install on an old Node (engine-strict), and the versions agree: engines, checker, .nvmrc', () => {
    expect(readFileSync(path.join(REPO_ROOT, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
    expect(pkg.engines.node).toBe('>=22.19.0');
    expect(pkg.engines['get-node']).toMatch(/nvm install 24 .*node@24/);
    expect(readFileSync(CHECKER, 'utf8')).toMatch(/var MIN_MAJOR = 22;\nvar MIN_MINOR = 19;/);
    expect(Number(readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim())).toBeGreaterThanOrEqual(22);
  });
});

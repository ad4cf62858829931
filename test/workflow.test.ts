// The CI workflow for users (.github/workflows/lab.yml) is linted with a workflow validator from the npm
// registry (@action-validator/cli: GitHub's workflow schema), its actions are pinned by commit SHA, and the
// commands it runs are the README's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'lab.yml');
const validate = (file: string) => execa(path.join(ROOT, 'node_modules', '.bin', 'action-validator'), [file], { reject: false });

interface Step {
  uses?: string;
  run?: string;
}

describe('.github/workflows/lab.yml', () => {
  const steps = (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: Step[] }> }).jobs.lab?.steps ?? [];

  it('is a valid workflow (and the validator refuses a broken one)', async () => {
    const r = await validate(WORKFLOW);
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-wf-')), 'lab.yml');
    writeFileSync(broken, readFileSync(WORKFLOW, 'utf8').replace('runs-on: ubuntu-24.04', 'runs-onn: ubuntu-24.04'));
    expect((await validate(broken)).exitCode).not.toBe(0);
  });

  it('pins every action by a full commit SHA', () => {
    const uses = steps.map((s) => s.uses).filter((u): u is string => !!u);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("runs the README's commands (with --stack for the matrix), and down always", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const npm = steps
      .flatMap((s) => (s.run ?? '').split('&&'))
      .map((c) => c.trim().replace(/\s+(-- )?--stack \$\{\{ matrix\.stack \}\}/, ''))
      .filter((c) => c.startsWith('npm '));
    expect(npm).toEqual(['npm install', 'npm run doctor', 'npm install', 'npm run up', 'npm run demo -- --expect-replicas 3 --within 3m', 'npm run down']);
    for (const c of npm) expect(readme, c).toContain(c);
    expect(readme).toContain('npm install && npm run up');
    const down = steps.find((s) => s.run === 'npm run down') as Step & { if?: string };
    expect(down.if).toBe('always()');
  });
});

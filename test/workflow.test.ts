// The CI workflow for users (.github/workflows/lab.yml) is linted with a workflow validator from the npm
// registry (@action-validator/cli: GitHub's workflow schema), its actions are pinned by commit SHA, and the
// commands it runs are the ones docs/ci.md (the CI page the README links) shows, and it sets up as the README says.
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
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  'continue-on-error'?: boolean;
}

/** The npm commands a job runs, `--stack ${{ matrix.stack }}` (the matrix) taken out. */
const npmCommands = (steps: Step[]) =>
  steps
    .flatMap((s) => (s.run ?? '').split('&&'))
    .map((c) => c.trim().replace(/\s+(-- )?--stack \$\{\{ matrix\.stack \}\}/, ''))
    .filter((c) => c.startsWith('npm '));

describe('.github/workflows/lab.yml', () => {
  const jobs = (parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, Job> }).jobs;
  const steps = jobs.lab?.steps ?? [];
  const contextSteps = jobs['lab-context']?.steps ?? [];
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const ciPage = readFileSync(path.join(ROOT, 'docs', 'ci.md'), 'utf8');

  it('is a valid workflow (and the validator refuses a broken one)', async () => {
    const r = await validate(WORKFLOW);
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-wf-')), 'lab.yml');
    writeFileSync(broken, readFileSync(WORKFLOW, 'utf8').replace('runs-on: ubuntu-24.04', 'runs-onn: ubuntu-24.04'));
    expect((await validate(broken)).exitCode).not.toBe(0);
  });

  it('uploads .hpa-lab/ (a hidden folder) with include-hidden-files: true, which upload-artifact ≥ v4.4 needs for it', () => {
    const uploads = [...steps, ...contextSteps].filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.length).toBe(2);
    for (const u of uploads) {
      const given = u.with?.path;
      expect(typeof given, 'with.path').toBe('string');
      const paths = (given as string).split('\n').map((l) => l.trim()).filter(Boolean);
      // a path with a part that starts with "." is dropped unless include-hidden-files is true (actions/upload-artifact#618)
      const hidden = paths.filter((p) => p.split('/').some((part) => part.startsWith('.')));
      expect(hidden.length, u.with?.name as string).toBeGreaterThan(0);
      expect(u.with?.['include-hidden-files'], String(u.with?.name)).toBe(true);
    }
  });

  it('pins every action by a full commit SHA', () => {
    const uses = [...steps, ...contextSteps].map((s) => s.uses).filter((u): u is string => !!u);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("runs docs/ci.md's commands (with --stack for the matrix), the README's set-up, and down always", () => {
    const npm = npmCommands(steps);
    expect(npm).toEqual(['npm install', 'npm run doctor', 'npm install', 'npm run up', 'npm run demo -- --expect-replicas 3 --within 3m', 'npm run down']);
    for (const c of npm) expect(ciPage, c).toContain(c);
    expect(readme).toContain('npm install && npm run up');
    expect(ciPage).toContain('npm install && npm run up');
    const down = steps.find((s) => s.run === 'npm run down') as Step & { if?: string };
    expect(down.if).toBe('always()');
  });

  it("a second job: a cluster made by helm/kind-action (the same pinned action), then docs/ci.md's --context commands, down always", () => {
    expect(contextSteps.length).toBeGreaterThan(0);
    const kindAction = (list: Step[]) => list.find((s) => s.uses?.startsWith('helm/kind-action@'));
    const made = kindAction(contextSteps);
    expect(made?.uses).toBe(kindAction(steps)?.uses);
    // kind-action's inputs (its action.yml): it creates the cluster here (no install_only), with its local registry
    expect(made?.with).toMatchObject({ version: 'v0.32.0', cluster_name: 'ci', registry: true, registry_image: 'registry:3', registry_name: 'kind-registry', registry_port: 5000 });
    expect(made?.with?.install_only).toBeUndefined();
    const context = `kind-${String(made?.with?.cluster_name)}`;
    const registry = `${String(made?.with?.registry_name)}:${String(made?.with?.registry_port)}`;
    const npm = npmCommands(contextSteps);
    expect(npm).toEqual(['npm install', `npm run up -- --context ${context} --yes --registry ${registry}`, `npm run status -- --context ${context}`, `npm run demo -- --context ${context} --expect-replicas 3 --within 3m`, `npm run demo -- --context ${context} --in-cluster-load --expect-replicas 3 --within 3m`, `npm run down -- --context ${context} --yes`]);
    for (const c of npm) expect(ciPage, c).toContain(c);
    const down = contextSteps.find((s) => s.run?.startsWith('npm run down')) as Step;
    expect(down.if).toBe('always()');
    expect(contextSteps.filter((s) => s.if === 'failure()').map((s) => s.uses ?? s.run)).toEqual([expect.stringContaining('kind export logs'), expect.stringMatching(/^actions\/upload-artifact@/)]);
    // a failure fails the workflow (port-forwards and --registry are built: nothing is expected to fail)
    expect(jobs['lab-context']?.['continue-on-error']).toBeUndefined();
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The simulated charts read the charts' published values.yaml from ../shared/upstream-values (never copied
// into the project). In a clone without ../shared, the test files that run the simulation are left out, and
// this says so; in CI (which always has ../shared) nothing is left out and a missing folder fails.
const shared = path.resolve(process.env.HPA_LAB_SHARED_DIR || path.join(import.meta.dirname, '..', 'shared'));
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const exclude: string[] = [];
if (!existsSync(path.join(shared, 'upstream-values'))) {
  if (inCi) throw new Error(`${shared}/upstream-values is missing: CI must have ../shared beside the clone`);
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []));
  for (const f of files(path.join(import.meta.dirname, 'test'))) {
    if (readFileSync(f, 'utf8').includes('createSim(')) exclude.push(path.relative(import.meta.dirname, f));
  }
  console.warn(`\n⚠ ${shared}/upstream-values is absent (a clone without the team's shared folder): ${exclude.length} test files that run the simulated cluster are skipped:\n  ${exclude.join('\n  ')}\n`);
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...exclude],
    // Each end-to-end file starts its own simulated cluster on its own ports; two workers fit a 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

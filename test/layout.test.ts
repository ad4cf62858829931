// The code's shape, as docs/architecture.md describes it: scripts/lib grouped by concern, no import cycle
// (type-only imports count too), no command importing another, and each command file one screen of steps (≤ 80 lines).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCRIPTS = path.join(ROOT, 'scripts');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a file: static, type-only, re-exports and dynamic import(). */
export function relativeImports(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
  return specs.map((s) => path.resolve(path.dirname(file), s));
}

/** The import cycles of a graph, each as the path that closes it (a → b → a). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const files = tsFiles(SCRIPTS);
const graph = new Map(files.map((f) => [f, relativeImports(f, readFileSync(f, 'utf8')).filter((d) => files.includes(d))]));
const rel = (p: string) => path.relative(ROOT, p);

describe('the layout of scripts/', () => {
  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(importCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(importCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
    expect(relativeImports('/x/y/f.ts', "import type { A } from '../a.ts';\nexport { B } from './b.ts';\nawait import('./c.ts');")).toEqual(['/x/a.ts', '/x/y/b.ts', '/x/y/c.ts']);
  });

  it('has no import cycle', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(importCycles(graph).map((c) => c.map(rel).join(' → '))).toEqual([]);
  });

  it('keeps at the top of scripts/lib only what every concern uses: the Lab, the process seam, errors, UI', () => {
    const top = readdirSync(path.join(SCRIPTS, 'lib'), { withFileTypes: true });
    expect(top.filter((e) => e.isFile()).map((e) => e.name).sort()).toEqual(['errors.ts', 'exec.ts', 'lab-command.ts', 'lab.ts', 'ui.ts']);
    expect(top.filter((e) => e.isDirectory()).map((e) => e.name).sort()).toEqual(['cluster', 'context', 'demo', 'gates', 'host', 'images', 'input', 'kube', 'stack']);
  });

  it('has no command importing another', () => {
    const commands = files.filter((f) => path.dirname(f) === path.join(SCRIPTS, 'commands'));
    expect(commands.length).toBeGreaterThan(5);
    const crossing = commands.flatMap((f) => (graph.get(f) ?? []).filter((d) => path.dirname(d) === path.dirname(f)).map((d) => `${rel(f)} → ${rel(d)}`));
    expect(crossing).toEqual([]);
  });

  it('keeps each command file to one screen of steps (about 80 lines)', () => {
    const commands = files.filter((f) => path.dirname(f) === path.join(SCRIPTS, 'commands'));
    const long = commands.map((f) => ({ file: rel(f), lines: readFileSync(f, 'utf8').split('\n').length })).filter((c) => c.lines > 80);
    expect(long).toEqual([]);
  });
});

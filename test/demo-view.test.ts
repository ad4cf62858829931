// The demo's terminal view (scripts/lib/demo/view.ts): the block is redrawn in place by moving the cursor up over
// exactly the lines it drew; a line printed between two draws (the in-cluster load's pod waiting, "Job … is
// running") is left where it is and the block is drawn again below it. Plain mode: one line per sample, the
// messages as they are.
import { describe, expect, it } from 'vitest';
import { makeView } from '../scripts/lib/demo/view.ts';
import type { Sample } from '../scripts/lib/demo/model.ts';

const sample = (t: number, ready: number): Sample => ({ t, phase: 'load', sentRate: 30, failedRate: 0, average: 4, target: 5, perPod: [{ pod: 'test-prometheus-6d4cf-abcde', value: 4 }], replicas: ready, ready });

/** A terminal that keeps its lines: cursor up N and clear to the end drop the last N lines. */
function terminal() {
  const lines: string[] = [];
  const write = (text: string) => {
    // ESC shown as § (a control character in a regular expression is the linter's no-control-regex)
    let rest = text.replaceAll('\x1b', '§');
    for (let m = /^§\[(\d+)A§\[0J/.exec(rest); m; m = /^§\[(\d+)A§\[0J/.exec(rest)) {
      const up = Number(m[1]);
      if (up > lines.length) throw new Error(`cursor up ${up} over ${lines.length} lines`);
      lines.splice(lines.length - up, up);
      rest = rest.slice(m[0].length);
    }
    if (rest.includes('§')) throw new Error(`unexpected escape sequence in ${JSON.stringify(rest)}`);
    lines.push(...rest.replace(/\n$/, '').split('\n'));
  };
  return { lines, write, print: (text: string) => write(text + '\n') };
}

describe('the demo view', () => {
  it('a line printed between two draws stays, and the block is redrawn below it, whole', () => {
    const term = terminal();
    const view = makeView({ plain: false, print: term.print, write: term.write }, 'myapp_processed_ops_per_second');
    view.draw([sample(0, 1)], 'Load on: 30 req/s');
    const block = term.lines.length;
    view.say('waiting for the in-cluster load pod (Job default/demo-load-x) to run: pod demo-load-x-abcde Pending (ContainerCreating)');
    view.say('In-cluster load: Job default/demo-load-x is running');
    view.draw([sample(0, 1), sample(3000, 2)], 'Load on: 30 req/s');
    // the first block, the two lines, the new block: nothing of the lines overwritten, one header in the new block
    expect(term.lines.slice(block, block + 2)).toEqual([
      'waiting for the in-cluster load pod (Job default/demo-load-x) to run: pod demo-load-x-abcde Pending (ContainerCreating)',
      'In-cluster load: Job default/demo-load-x is running',
    ]);
    const after = term.lines.slice(block + 2);
    expect(after.filter((l) => l === 'Load on: 30 req/s')).toHaveLength(1);
    expect(after.some((l) => l.includes('Ready 2'))).toBe(true);
    // and later redraws replace that block only
    const before = term.lines.length;
    view.draw([sample(0, 1), sample(3000, 2), sample(6000, 3)], 'Load on: 30 req/s');
    expect(term.lines[block + 1]).toBe('In-cluster load: Job default/demo-load-x is running');
    expect(term.lines.length).toBe(before);
    expect(term.lines.some((l) => l.includes('Ready 3'))).toBe(true);
    expect(term.lines.some((l) => l.includes('Ready 2'))).toBe(false);
  });

  it('plain mode: a timestamped line per sample and the messages as printed, no escape sequences', () => {
    const out: string[] = [];
    const writes: string[] = [];
    const view = makeView({ plain: true, print: (t) => out.push(t), write: (t) => writes.push(t), now: () => '2026-12-01T17:00:05.000Z' }, 'm');
    view.draw([sample(0, 1)], 'Load on: 30 req/s');
    view.say('In-cluster load: Job default/demo-load-x is running');
    view.draw([sample(0, 1), sample(3000, 2)], 'Load on: 30 req/s');
    expect(writes).toEqual([]);
    expect(out).toEqual([
      '[17:00:05]   +0s load     sent 30/s | m avg 4/5 [abcde=4] | replicas 1 (1 Ready)',
      'In-cluster load: Job default/demo-load-x is running',
      '[17:00:05]   +3s load     sent 30/s | m avg 4/5 [abcde=4] | replicas 2 (2 Ready)',
    ]);
  });
});

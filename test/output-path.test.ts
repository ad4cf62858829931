// Output paths (`images save FILE`, `demo --report FILE`) are bad input when they cannot be written: exit 2,
// naming the path and why, before any work (issue 18, item 17).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputFile } from '../scripts/lib/input/output-path.ts';
import { loadKindConfig } from '../scripts/lib/cluster/kind-config.ts';
import { loadImageCacheConfig } from '../scripts/lib/images/cache.ts';
import { loadStack } from '../scripts/lib/stack/stack-file.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { main } from '../scripts/cli.ts';
import { thrownInputError } from './helpers/errors.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const save = { flag: 'images save', what: 'the archive', example: 'lab-images.tar', makeFolders: false, cwd: dir };
const report = { flag: '--report', what: 'the HTML report', example: 'demo.html', makeFolders: true, cwd: dir };
const asRoot = process.getuid?.() === 0;

describe('an output path is checked when the input is read', () => {
  it('a file in a folder that exists, or (for the report) in folders still to make: its absolute path', () => {
    expect(checkOutputFile('a.tar', save)).toBe(path.join(dir, 'a.tar'));
    expect(checkOutputFile('new/sub/demo.html', report)).toBe(path.join(dir, 'new', 'sub', 'demo.html'));
  });

  it('a folder that does not exist, a path under a file, a folder, an empty path: exit 2 naming the path and why', () => {
    writeFileSync(path.join(dir, 'plain'), '');
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    const cases: Array<[string, typeof save, RegExp]> = [
      ['missing/a.tar', save, new RegExp(`^images save: missing/a\\.tar cannot be written: the folder ${dir}/missing does not exist$`)],
      ['plain/a.tar', save, new RegExp(`^images save: plain/a\\.tar cannot be written: ${dir}/plain is a file, not a folder$`)],
      ['plain/x/demo.html', report, new RegExp(`^--report: plain/x/demo\\.html cannot be written: ${dir}/plain is a file, not a folder$`)],
      ['folder', save, /^images save: folder is a folder; expected a file to write the archive to$/],
      ['', save, /^images save: expected a file to write the archive to, e.g. images save lab-images\.tar, got ""$/],
    ];
    for (const [given, o, want] of cases) {
      const e = thrownInputError(() => checkOutputFile(given, o));
      expect(e.exitCode).toBe(2);
      expect(e.message, given).toMatch(want);
    }
    expect(thrownInputError(() => checkOutputFile('folder', save)).fix).toBe('images save folder/lab-images.tar');
  });

  it('a FIFO is neither written nor read (opening one blocks until a reader comes, and Ctrl-C with it): exit 2 at once', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(thrownInputError(() => checkOutputFile('pipe', report)).message).toBe('--report: pipe cannot be written: it is not a regular file (a FIFO, a device or a socket); expected a file to write the HTML report to');
    expect(thrownInputError(() => checkOutputFile('pipe', save)).message).toMatch(/^images save: pipe cannot be written: it is not a regular file/);
    expect(thrownInputError(() => loadKindConfig(fifo)).message).toBe(`${fifo}: cannot read the kind config (not a regular file: a FIFO, a device or a socket)`);
    const fifoYaml = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifoYaml]);
    expect(thrownInputError(() => loadStack(REPO_ROOT, fifoYaml)).message).toBe(`--stack: cannot read ${fifoYaml}: not a regular file (a FIFO, a device or a socket)`);
    expect(thrownInputError(() => loadImageCacheConfig(fifo)).message).toBe(`${fifo}: not a regular file (a FIFO, a device or a socket): expected the image cache's YAML file`);
    // the demo's --report onto it: refused before the cluster is looked for (the demo used to run, then block)
    const err: string[] = [];
    const code = await main(['demo', '--report', fifo], { out: () => undefined, err: (s) => err.push(s) });
    expect(err.join('\n')).toMatch(/--report: .*pipe cannot be written: it is not a regular file/);
    expect(code).toBe(2);
  });

  it.skipIf(asRoot)('an unwritable folder or file (not as root: root may write anywhere)', () => {
    const ro = path.join(dir, 'ro');
    mkdirSync(ro);
    writeFileSync(path.join(ro, 'kept.tar'), '');
    chmodSync(path.join(ro, 'kept.tar'), 0o444);
    chmodSync(ro, 0o555);
    try {
      expect(thrownInputError(() => checkOutputFile('ro/a.tar', save)).message).toBe(`images save: ro/a.tar cannot be written: ${ro} is not writable`);
      expect(thrownInputError(() => checkOutputFile('ro/kept.tar', save)).message).toBe('images save: ro/kept.tar cannot be written: the file exists and is not writable');
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('images save into a folder that does not exist: exit 2 from the CLI, before any chart or image is fetched', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const code = await main(['images', 'save', path.join(dir, 'nowhere', 'lab-images.tar')], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/images save: .*nowhere\/lab-images\.tar cannot be written: the folder .*nowhere does not exist/);
    expect(out.join('\n')).not.toMatch(/Charts|Images/);
  });
});

// images load checks an archive against its manifest before anything is loaded (issue 18 item 18): every file
// manifest.json lists is there with its size and sha256, and nothing else is. The archive is made and read with
// the system's tar, as hpa-lab does; no Docker is needed because nothing gets that far.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { execaRunner } from '../scripts/lib/exec.ts';
import { InputError } from '../scripts/lib/errors.ts';
import type { Lab } from '../scripts/lib/lab.ts';
import { ARCHIVE_FORMAT, openArchive } from '../scripts/lib/images/offline-archive.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const lab = { runner: execaRunner() } as unknown as Lab;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const CONTENT: Record<string, string> = {
  'host-images.tar': 'the host images',
  'cache/docker/registry/v2/blobs/sha256/ab/abc/data': 'a cached blob',
  'charts/metrics-server-3.13.1.tgz': 'a chart',
};

/** An archive as images save writes it, after `change` has had its way with the staged files and the manifest. */
async function archive(name: string, change: (dir: string, manifest: Record<string, unknown>) => void = () => undefined): Promise<string> {
  const dir = path.join(work, `${name}.d`);
  for (const [p, text] of Object.entries(CONTENT)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  const manifest: Record<string, unknown> = {
    hpaLabImageArchive: ARCHIVE_FORMAT,
    created: '2025-01-01T00:00:00.000Z',
    stack: 'custom-metrics',
    images: [],
    charts: ['metrics-server-3.13.1.tgz'],
    cache: { image: 'registry:3.0.0', volume: 'hpa-lab-image-cache', registries: ['docker.io'] },
    files: Object.entries(CONTENT).map(([p, text]) => ({ path: p, size: Buffer.byteLength(text), sha256: sha(text) })).sort((a, b) => a.path.localeCompare(b.path)),
  };
  change(dir, manifest);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const file = path.join(work, `${name}.tar`);
  await execa('tar', ['-cf', file, '-C', dir, '.']);
  return file;
}

/** openArchive's refusal: an InputError (exit 2), and no staging folder left beside the archive. */
async function refusal(file: string): Promise<InputError> {
  const err = await openArchive(lab, file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).exitCode).toBe(2);
  expect(readdirSync(work).filter((n) => n.startsWith('.hpa-lab-images-'))).toEqual([]);
  return err as InputError;
}

describe('images load: the archive against its manifest, before anything is loaded', () => {
  it('an archive as saved opens, its manifest listing each file with its size and sha256', async () => {
    const opened = await openArchive(lab, await archive('as-saved'));
    try {
      expect(opened.manifest.files.map((f) => f.path)).toEqual(['cache/docker/registry/v2/blobs/sha256/ab/abc/data', 'charts/metrics-server-3.13.1.tgz', 'host-images.tar']);
    } finally {
      rmSync(opened.dir, { recursive: true, force: true });
    }
  });

  it('an entry missing: names the archive, the entry, and the size and sha256 the manifest lists', async () => {
    const file = await archive('chart-missing', (dir) => rmSync(path.join(dir, 'charts', 'metrics-server-3.13.1.tgz')));
    const err = await refusal(file);
    expect(err.message).toBe(`${file}: charts/metrics-server-3.13.1.tgz: missing; manifest.json lists it with 7 bytes, sha256 ${sha('a chart')}`);
    expect(err.details).toEqual([expect.stringMatching(/^nothing was loaded: the archive changed after npm run images -- save wrote it/) as unknown]);
    expect(err.fix).toMatch(/copy the archive again from the machine that saved it, or save it again there/);
  });

  it('an entry’s bytes changed, with its size or without: what it holds and what the manifest expects', async () => {
    const longer = await archive('longer', (dir) => writeFileSync(path.join(dir, 'host-images.tar'), 'the host images!'));
    expect((await refusal(longer)).message).toBe(`${longer}: host-images.tar: 16 bytes with sha256 ${sha('the host images!')}; manifest.json expects 15 bytes with sha256 ${sha('the host images')}`);
    const same = await archive('same-size', (dir) => writeFileSync(path.join(dir, 'cache/docker/registry/v2/blobs/sha256/ab/abc/data'), 'A cached blob'));
    expect((await refusal(same)).message).toBe(`${same}: cache/docker/registry/v2/blobs/sha256/ab/abc/data: 13 bytes with sha256 ${sha('A cached blob')}; manifest.json expects 13 bytes with sha256 ${sha('a cached blob')}`);
  });

  it('a file the manifest does not list, and several problems at once: each named in the details', async () => {
    const extra = await archive('extra', (dir) => writeFileSync(path.join(dir, 'charts', 'other-1.0.0.tgz'), 'x'));
    expect((await refusal(extra)).message).toBe(`${extra}: charts/other-1.0.0.tgz: not in manifest.json's files; expected only the files it lists`);
    // a whole part gone is said as before the check
    const noHostImages = await archive('no-host-images', (dir) => rmSync(path.join(dir, 'host-images.tar')));
    expect((await refusal(noHostImages)).message).toBe(`${noHostImages}: host-images.tar missing inside the archive`);
    const two = await archive('two', (dir) => {
      writeFileSync(path.join(dir, 'host-images.tar'), '');
      writeFileSync(path.join(dir, 'charts', 'metrics-server-3.13.1.tgz'), 'another chart');
    });
    const both = await refusal(two);
    expect(both.message).toBe(`${two}: 2 files do not match manifest.json`);
    expect(both.details.slice(0, 2)).toEqual([
      `charts/metrics-server-3.13.1.tgz: 13 bytes with sha256 ${sha('another chart')}; manifest.json expects 7 bytes with sha256 ${sha('a chart')}`,
      `host-images.tar: 0 bytes with sha256 ${sha('')}; manifest.json expects 15 bytes with sha256 ${sha('the host images')}`,
    ]);
  });

  it('a manifest without the file list (format 1), or with a bad entry, is refused naming the field', async () => {
    const old = await archive('format-1', (_dir, m) => {
      m.hpaLabImageArchive = 1;
      delete m.files;
    });
    expect((await refusal(old)).message).toBe(`${old}: manifest.json: hpaLabImageArchive: expected 2, got 1 (format 1 records no size and sha256 of its files, so its content cannot be checked before loading)`);
    const escape = await archive('escape', (_dir, m) => {
      (m.files as unknown[]).push({ path: '../outside', size: 1, sha256: sha('x') });
    });
    expect((await refusal(escape)).message).toBe(`${escape}: manifest.json: files[3]: expected {path (inside the archive), size (bytes), sha256 (64 hex digits)}, got {"path":"../outside","size":1,"sha256":"${sha('x')}"}`);
  });
});

// Offline rooms: `images save FILE` writes everything a lab needs into one tar archive, and `images load FILE`
// puts it onto a machine without network, after which `up --offline` needs nothing from the internet.
//
// The archive (a plain tar, made and read by the system's tar):
//   manifest.json      what is inside: the images per component and where each goes, the charts, the cache, and
//                      every other file of the archive with its size and sha256 (checked before anything loads)
//   host-images.tar    `docker image save` of the host images: kind's node image, the cache's registry image,
//                      the bases of the images hpa-lab builds
//   cache/             the cache's storage as the registries keep it (distribution's filesystem layout), copied
//                      out of the volume with `docker cp` (the proxies cannot be pushed to: they are read-only)
//   charts/*.tgz       the pinned charts, as `helm pull` wrote them
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab.ts';
import type { ImageCacheConfig } from './cache.ts';
import { cachedImages, CACHE_STORAGE, inCache } from './cache.ts';
import type { ImageEntry } from './derive.ts';
import { imagePlace } from './derive.ts';
import { chartArchivePath, chartFileName, chartsDir } from './chart-cache.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import { InputError, LabError } from '../errors.ts';

/** 2: manifest.json lists every file with its size and sha256 (format 1 did not, so its archives cannot be checked). */
export const ARCHIVE_FORMAT = 2;

/** A file of the archive as `images save` wrote it: its path inside the archive (with /), its size and sha256. */
export interface ArchiveFile {
  path: string;
  size: number;
  sha256: string;
}

export interface ArchiveManifest {
  hpaLabImageArchive: number;
  created: string;
  stack: string;
  images: Array<ImageEntry & { place: 'host' | 'cluster' | 'built' }>;
  charts: string[];
  cache: { image: string; volume: string; registries: string[] };
  /** every file of the archive but manifest.json, sorted by path */
  files: ArchiveFile[];
}

/** A staging folder beside the archive (the same filesystem: the final rename is atomic). */
function stagingDir(file: string): string {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new InputError(`${file}: the folder ${dir} does not exist`);
  return mkdtempSync(path.join(dir, '.hpa-lab-images-'));
}

/** Writes the archive; the cache must hold every cluster image and Docker every host image (the caller pulled them). */
export async function writeArchive(lab: Lab, file: string, opts: { stack: string; entries: ImageEntry[]; charts: HelmSpec[]; cache: ImageCacheConfig; say: (l: string) => void }): Promise<ArchiveManifest> {
  const staging = stagingDir(file);
  try {
    const images = opts.entries.map((e) => ({ ...e, place: imagePlace(e) }));
    const cached = await cachedImages(lab.runner, opts.cache);
    const notCached = images.filter((i) => i.place === 'cluster' && !inCache(cached, i.image)).map((i) => i.image);
    if (notCached.length) throw new LabError(`the cache does not hold ${notCached.join(', ')}: the archive would be incomplete`, { fix: 'run npm run images -- save again on a machine with network' });
    // The images hpa-lab builds go in too: their Dockerfiles fetch from the network (app/Dockerfile: apk add, npm
    // ci), so an offline room cannot build them even with their bases.
    const hostImages = [...new Set(images.filter((i) => i.place === 'host' || i.place === 'built').map((i) => i.image))];
    opts.say(`docker image save of ${hostImages.length} host and built images`);
    await lab.runner.run('docker', ['image', 'save', '--output', path.join(staging, 'host-images.tar'), ...hostImages]);
    const first = opts.cache.mirrors[0];
    if (!first) throw new LabError(`${opts.cache.file}: no mirrors`);
    opts.say('copying the cache’s storage out of its volume (docker cp)');
    await lab.runner.run('docker', ['cp', `${first.container}:${CACHE_STORAGE}`, path.join(staging, 'cache')]);
    mkdirSync(path.join(staging, 'charts'));
    for (const c of opts.charts) copyFileSync(chartArchivePath(c), path.join(staging, 'charts', chartFileName(c)));
    opts.say('sha256 of every file of the archive');
    const manifest: ArchiveManifest = {
      hpaLabImageArchive: ARCHIVE_FORMAT,
      created: new Date().toISOString(),
      stack: opts.stack,
      images,
      charts: opts.charts.map((c) => chartFileName(c)),
      cache: { image: opts.cache.image, volume: opts.cache.volume, registries: opts.cache.mirrors.map((m) => m.registry) },
      files: await archiveFiles(staging),
    };
    writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    opts.say(`tar of the archive into ${file}`);
    const tmp = `${path.resolve(file)}.partial`;
    await lab.runner.run('tar', ['-cf', tmp, '-C', staging, '.']);
    renameSync(tmp, path.resolve(file));
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Unpacks an archive into a staging folder and reads its manifest; bad input is an InputError naming the file. */
export async function openArchive(lab: Lab, file: string): Promise<{ dir: string; manifest: ArchiveManifest }> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`${file}: no such file (expected an archive made by npm run images -- save)`);
  const dir = stagingDir(file);
  try {
    const r = await lab.runner.run('tar', ['-xf', path.resolve(file), '-C', dir], { check: false });
    if (r.exitCode !== 0) throw new InputError(`${file}: not a tar archive (${r.stderr.split('\n')[0] ?? ''}); expected one made by npm run images -- save`);
    const mf = path.join(dir, 'manifest.json');
    if (!existsSync(mf)) throw new InputError(`${file}: no manifest.json inside: not an archive made by npm run images -- save`);
    let manifest: ArchiveManifest;
    try {
      manifest = JSON.parse(readFileSync(mf, 'utf8')) as ArchiveManifest;
    } catch {
      throw new InputError(`${file}: manifest.json is not valid JSON`);
    }
    if (manifest.hpaLabImageArchive !== ARCHIVE_FORMAT) {
      const old = manifest.hpaLabImageArchive === 1 ? ' (format 1 records no size and sha256 of its files, so its content cannot be checked before loading)' : '';
      throw new InputError(`${file}: manifest.json: hpaLabImageArchive: expected ${ARCHIVE_FORMAT}, got ${JSON.stringify(manifest.hpaLabImageArchive)}${old}`, { fix: 'save the archive again with this version of hpa-lab' });
    }
    for (const part of ['host-images.tar', 'cache', 'charts']) {
      if (!existsSync(path.join(dir, part))) throw new InputError(`${file}: ${part} missing inside the archive`);
    }
    // Its content as its manifest says, before anything is loaded: docker image load would take in the images
    // before a missing or changed one and then fail with its own words (or, on the containerd store, make them
    // without their content).
    await checkArchiveFiles(file, dir, manifest);
    return { dir, manifest };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The sha256 of a file, read as a stream (an archive's host images are gigabytes). */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every entry under a folder (paths with /, relative to it, sorted), and whether each is a regular file. */
function walk(dir: string): Array<{ path: string; file: boolean }> {
  const out: Array<{ path: string; file: boolean }> = [];
  const visit = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, r));
      if (st.isDirectory()) visit(r);
      else out.push({ path: r, file: st.isFile() });
    }
  };
  visit('');
  return out;
}

/** What manifest.json records of the staged archive's files: every one but manifest.json itself. */
async function archiveFiles(dir: string): Promise<ArchiveFile[]> {
  const out: ArchiveFile[] = [];
  for (const e of walk(dir)) {
    if (e.path === 'manifest.json') continue;
    if (!e.file) throw new LabError(`the archive's staging folder holds ${e.path}, which is not a regular file: the archive could not be checked when loaded`);
    const full = path.join(dir, e.path);
    out.push({ path: e.path, size: statSync(full).size, sha256: await fileSha256(full) });
  }
  return out;
}

const isArchiveFile = (f: unknown): f is ArchiveFile => {
  const x = f as Partial<ArchiveFile> | null;
  return typeof x === 'object' && x !== null && typeof x.path === 'string' && typeof x.size === 'number' && Number.isInteger(x.size) && x.size >= 0 && typeof x.sha256 === 'string' && /^[a-f0-9]{64}$/.test(x.sha256);
};

/**
 * The unpacked archive against manifest.json's files: each one there with its size and sha256, and no file it
 * does not list. An InputError (exit 2) naming the archive, each entry that differs and what was expected.
 */
async function checkArchiveFiles(file: string, dir: string, manifest: ArchiveManifest): Promise<void> {
  const files: unknown = manifest.files;
  if (!Array.isArray(files)) throw new InputError(`${file}: manifest.json: files: expected the list of the archive's files ({path, size, sha256} each), got ${JSON.stringify(files) ?? 'nothing'}`, { fix: 'save the archive again with this version of hpa-lab' });
  const bad = files.findIndex((f) => !isArchiveFile(f) || f.path.split('/').some((p) => p === '..' || p === '') || path.isAbsolute(f.path));
  if (bad >= 0) throw new InputError(`${file}: manifest.json: files[${bad}]: expected {path (inside the archive), size (bytes), sha256 (64 hex digits)}, got ${JSON.stringify(files[bad])}`);
  const listed = new Map((files as ArchiveFile[]).map((f) => [f.path, f]));
  const problems: string[] = [];
  for (const f of listed.values()) {
    const full = path.join(dir, f.path);
    const st = existsSync(full) ? lstatSync(full) : undefined;
    if (!st?.isFile()) {
      problems.push(`${f.path}: missing; manifest.json lists it with ${f.size} bytes, sha256 ${f.sha256}`);
      continue;
    }
    const sha256 = st.size === f.size ? await fileSha256(full) : undefined;
    if (sha256 !== f.sha256) problems.push(`${f.path}: ${st.size} bytes with sha256 ${sha256 ?? (await fileSha256(full))}; manifest.json expects ${f.size} bytes with sha256 ${f.sha256}`);
  }
  for (const e of walk(dir)) if (e.path !== 'manifest.json' && !listed.has(e.path)) problems.push(`${e.path}: not in manifest.json's files; expected only the files it lists`);
  for (const c of Array.isArray(manifest.charts) ? manifest.charts : []) if (!listed.has(`charts/${c}`)) problems.push(`charts/${c}: manifest.json's charts names it, its files do not`);
  if (problems.length === 0) return;
  const why = 'nothing was loaded: the archive changed after npm run images -- save wrote it (a partial copy, a damaged disk, an edit)';
  const fix = 'copy the archive again from the machine that saved it, or save it again there (npm run images -- save FILE)';
  if (problems.length === 1) throw new InputError(`${file}: ${problems[0]}`, { details: [why], fix });
  const shown = problems.slice(0, 10);
  throw new InputError(`${file}: ${problems.length} files do not match manifest.json`, { details: [...shown, ...(problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : []), why], fix });
}

/** Puts an opened archive's host images into Docker, its storage into the (started) cache, its charts into the chart cache. */
export async function loadArchive(lab: Lab, opened: { dir: string; manifest: ArchiveManifest }, cache: ImageCacheConfig, say: (l: string) => void): Promise<void> {
  const first = cache.mirrors[0];
  if (!first) throw new LabError(`${cache.file}: no mirrors`);
  say('copying the archive’s cache storage into the cache volume (docker cp)');
  await lab.runner.run('docker', ['cp', `${path.join(opened.dir, 'cache')}/.`, `${first.container}:${CACHE_STORAGE}`]);
  // The registries read their storage as they serve; restarting them drops anything they held in memory.
  await lab.runner.run('docker', ['restart', ...cache.mirrors.map((m) => m.container)]);
  mkdirSync(chartsDir(), { recursive: true });
  for (const f of readdirSync(path.join(opened.dir, 'charts')).filter((x) => x.endsWith('.tgz'))) {
    const target = path.join(chartsDir(), f);
    copyFileSync(path.join(opened.dir, 'charts', f), `${target}.partial`);
    renameSync(`${target}.partial`, target);
  }
}

/** `docker image load` of the archive's host images (before the cache starts: its own image is among them). */
export async function loadHostImages(lab: Lab, opened: { dir: string }): Promise<string[]> {
  const r = await lab.runner.run('docker', ['image', 'load', '--input', path.join(opened.dir, 'host-images.tar')]);
  return r.stdout.split('\n').map((l) => /^Loaded image(?: ID)?: (.+)$/.exec(l.trim())?.[1]).filter((x): x is string => !!x);
}

// Offline rooms: `images save FILE` writes everything a lab needs into one tar archive, and `images load FILE`
// puts it onto a machine without network, after which `up --offline` needs nothing from the internet.
//
// The archive (a plain tar, made and read by the system's tar):
//   manifest.json      what is inside: the images per component and where each goes, the charts, the cache
//   host-images.tar    `docker image save` of the host images: kind's node image, the cache's registry image,
//                      the bases of the images hpa-lab builds
//   cache/             the cache's storage as the registries keep it (distribution's filesystem layout), copied
//                      out of the volume with `docker cp` (the proxies cannot be pushed to: they are read-only)
//   charts/*.tgz       the pinned charts, as `helm pull` wrote them
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab.ts';
import type { ImageCacheConfig } from './cache.ts';
import { cachedImages, CACHE_STORAGE, inCache } from './cache.ts';
import type { ImageEntry } from './derive.ts';
import { imagePlace } from './derive.ts';
import { chartArchivePath, chartFileName, chartsDir } from './chart-cache.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import { InputError, LabError } from '../errors.ts';

export const ARCHIVE_FORMAT = 1;

export interface ArchiveManifest {
  hpaLabImageArchive: number;
  created: string;
  stack: string;
  images: Array<ImageEntry & { place: 'host' | 'cluster' | 'built' }>;
  charts: string[];
  cache: { image: string; volume: string; registries: string[] };
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
    const manifest: ArchiveManifest = {
      hpaLabImageArchive: ARCHIVE_FORMAT,
      created: new Date().toISOString(),
      stack: opts.stack,
      images,
      charts: opts.charts.map((c) => chartFileName(c)),
      cache: { image: opts.cache.image, volume: opts.cache.volume, registries: opts.cache.mirrors.map((m) => m.registry) },
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
      throw new InputError(`${file}: manifest.json: hpaLabImageArchive: expected ${ARCHIVE_FORMAT}, got ${JSON.stringify(manifest.hpaLabImageArchive)}`, { fix: 'save the archive again with this version of hpa-lab' });
    }
    for (const part of ['host-images.tar', 'cache', 'charts']) {
      if (!existsSync(path.join(dir, part))) throw new InputError(`${file}: ${part} missing inside the archive`);
    }
    return { dir, manifest };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
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

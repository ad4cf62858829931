// The steps of `images save` and `images load` (lib/images/offline-archive.ts is the archive itself): every image
// the archive carries made present, the archive written; then, on the room's machine, its host images into
// Docker (present by name afterwards), its cache storage and charts into the caches.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab.ts';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import type { StepContext } from '../ui.ts';
import { LabError } from '../errors.ts';
import { buildImage } from '../stack/actions/image.ts';
import type { ImageCacheConfig } from './cache.ts';
import { cachedImages, inCache } from './cache.ts';
import { ensureImageCache, labImagePresence, missingClusterImages } from './downloads.ts';
import { listImages } from './per-component.ts';
import { humanBytes, prePull } from './prepull.ts';
import type { ArchiveManifest } from './offline-archive.ts';
import { loadArchive, loadHostImages, writeArchive } from './offline-archive.ts';

/** images save: every image the archive carries present, host images in Docker (pulled or built), cluster images in the cache. */
export async function gatherArchiveImages(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig, ctx: StepContext): Promise<void> {
  const rows = await labImagePresence(lab, prepared, cache, true);
  // The archive needs every host image in Docker itself, a build's base too (even when no build needs it here).
  for (const r of rows.filter((x) => x.place === 'host' && (x.where === 'missing' || x.where === 'not needed'))) {
    ctx.say(`docker pull ${r.image}`);
    await lab.runner.run('docker', ['pull', r.image]);
  }
  // The images hpa-lab builds: built now when absent (the archive carries them: offline, nothing can build them).
  for (const r of rows.filter((x) => x.place === 'built' && x.present === false)) {
    const c = prepared.stack.components.find((x) => x.name === r.component);
    if (!c?.image) continue;
    ctx.say(`docker build ${r.image}`);
    await buildImage(lab.runner, r.image, path.resolve(REPO_ROOT, c.image.context));
  }
  const missing = missingClusterImages(rows);
  const pulled = await prePull(cache, missing, { signal: lab.signal, say: (l) => ctx.say(l) });
  if (pulled.failed.length) throw new LabError(`could not pull into the cache: ${pulled.failed.map((f) => f.image).join(', ')}`, { details: pulled.failed.map((f) => `${f.image}: ${f.error}`), fix: 'check the network, then run the same command again (what was pulled stays in the cache)' });
  const notCached = rows.filter((r) => r.where === 'not cached').map((r) => r.image);
  if (notCached.length) throw new LabError(`no mirror in ${cache.file} for ${notCached.join(', ')}: an offline room could not pull them`, { fix: `add their registries to ${cache.file}` });
  ctx.retitle(`Images: ${rows.filter((r) => r.place !== 'built').length} present (${missing.length} pulled into the cache now)`);
}

/** images save: the archive written; what it holds, in a few words. */
export async function saveArchive(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig, charts: HelmSpec[], file: string, ctx: StepContext): Promise<string> {
  const manifest = await writeArchive(lab, file, { stack: prepared.stack.name, entries: await listImages(lab, prepared, cache), charts, cache, say: (l) => ctx.say(l) });
  const summary = `${manifest.images.filter((i) => i.place === 'host').length} host images, ${manifest.images.filter((i) => i.place === 'cluster').length} cluster images, ${manifest.charts.length} charts`;
  ctx.retitle(`Archive ${file}: ${summary}, ${humanBytes(statSync(file).size)}`);
  return summary;
}

/** The images `docker image inspect` does not find, by the reference the lab uses. */
async function absentImages(lab: Lab, images: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const i of images) if ((await lab.runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', i], { check: false })).exitCode !== 0) out.push(i);
  return out;
}

/**
 * Loaded, yet not there by name: Docker's classic image store keeps neither the name nor the digest of an image
 * saved by digest (`docker save NAME:TAG@sha256:…` writes no RepoTags or RepoDigests on overlay2), so kind, the
 * cache and the build would look for them upstream. The containerd image store keeps both.
 */
function classicStoreError(absent: string[]): LabError {
  return new LabError(`after docker image load, Docker does not find ${absent.join(', ')} by name`, {
    why: 'Docker’s classic image store drops the name and digest of an image saved by digest; the lab pins these by digest, so they would be pulled again (and offline, fail)',
    fix: 'use Docker’s containerd image store (Docker 29’s default; Docker Desktop: Settings → General → "Use containerd for pulling and storing images"; Docker Engine: "features": {"containerd-snapshotter": true} in /etc/docker/daemon.json, then restart Docker), then load again',
  });
}

/** images load: the archive's host images into Docker, each then present by the name the lab uses. */
export async function loadArchiveHostImages(lab: Lab, opened: { dir: string; manifest: ArchiveManifest }, ctx: StepContext): Promise<void> {
  ctx.say('docker image load');
  const loaded = await loadHostImages(lab, opened);
  const host = [...new Set(opened.manifest.images.filter((i) => i.place === 'host' || i.place === 'built').map((i) => i.image))];
  const absent = await absentImages(lab, host);
  if (absent.length) throw classicStoreError(absent);
  ctx.retitle(`Host images: ${loaded.length} loaded into Docker, all ${host.length} present by name`);
}

/** images load: the archive's storage into the (started) cache and its charts into the chart cache; what the cache then holds. */
export async function loadCacheAndCharts(lab: Lab, opened: { dir: string; manifest: ArchiveManifest }, cache: ImageCacheConfig, ctx: StepContext): Promise<string> {
  await loadArchive(lab, opened, cache, (l) => ctx.say(l));
  await ensureImageCache(lab, cache, ctx);
  const cached = await cachedImages(lab.runner, cache);
  const cluster = opened.manifest.images.filter((i) => i.place === 'cluster');
  const absent = cluster.filter((i) => !inCache(cached, i.image)).map((i) => i.image);
  if (absent.length) throw new LabError(`after loading, the cache does not hold ${absent.join(', ')}`, { why: 'the archive’s cache storage did not have them, or the cache’s registries differ from the archive’s', fix: `compare ${cache.file} with the machine that saved the archive (registries ${opened.manifest.cache.registries.join(', ')})` });
  const summary = `${cluster.length} cluster images in the cache, ${opened.manifest.charts.length} charts`;
  ctx.retitle(`Cache and charts: ${summary}`);
  return summary;
}

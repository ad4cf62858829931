// `hpa-lab images list | save FILE | load FILE`: every image a lab needs, per component (derived from what the
// lab runs, never typed); everything a lab downloads, into one archive; and that archive onto a machine without
// network, into the host's Docker, the image cache and the chart cache.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { imagesTable } from '../lib/images/derive.ts';
import { listImages } from '../lib/images/per-component.ts';
import { runSteps } from '../lib/ui.ts';
import { ensureCharts, ensureImageCache, labImagePresence, missingClusterImages, releaseSpecs } from '../lib/images/downloads.ts';
import { prePull, humanBytes } from '../lib/images/prepull.ts';
import { loadArchive, loadHostImages, openArchive, writeArchive } from '../lib/images/offline-archive.ts';
import { cachedImages, inCache } from '../lib/images/cache.ts';
import { LabError } from '../lib/errors.ts';
import { ensureChart } from '../lib/images/chart-cache.ts';
import { checkOutputFile } from '../lib/input/output-path.ts';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/lab.ts';
import { buildImage } from '../lib/stack/actions/image.ts';

export interface ImagesOptions {
  sub: 'list' | 'save' | 'load';
  file?: string;
  json: boolean;
  imageCache: ImageCacheConfig;
}

export async function images(lab: Lab, prepared: PreparedStack, opts: ImagesOptions): Promise<number> {
  if (opts.sub === 'list') {
    // The images are named by rendering the charts: from the chart cache, filled first (nothing downloaded twice).
    await Promise.all(releaseSpecs(prepared).map((s) => ensureChart(lab.runner, s)));
    const list = await listImages(lab, prepared, opts.imageCache);
    lab.print(opts.json ? JSON.stringify(list, null, 2) : imagesTable(list));
    return 0;
  }
  // Where the archive goes is checked before any download (exit 2).
  if (opts.sub === 'save') checkOutputFile(opts.file as string, { flag: 'images save', what: 'the archive', example: 'lab-images.tar', makeFolders: false });
  return opts.sub === 'save' ? save(lab, prepared, opts.imageCache, opts.file as string) : load(lab, opts.imageCache, opts.file as string);
}

async function save(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig, file: string): Promise<number> {
  const charts = releaseSpecs(prepared);
  let summary = '';
  await runSteps(
    [
      { title: 'Charts', run: (ctx) => ensureCharts(lab, charts, ctx) },
      { title: 'Image cache', run: async (ctx) => void (await ensureImageCache(lab, cache, ctx)) },
      {
        title: 'Images',
        run: async (ctx) => {
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
        },
      },
      {
        title: `Archive ${file}`,
        run: async (ctx) => {
          const manifest = await writeArchive(lab, file, { stack: prepared.stack.name, entries: await listImages(lab, prepared, cache), charts, cache, say: (l) => ctx.say(l) });
          summary = `${manifest.images.filter((i) => i.place === 'host').length} host images, ${manifest.images.filter((i) => i.place === 'cluster').length} cluster images, ${manifest.charts.length} charts`;
          ctx.retitle(`Archive ${file}: ${summary}, ${humanBytes(statSync(file).size)}`);
        },
      },
    ],
    lab.ui,
  );
  lab.print(`\nWrote ${file} (${summary}, stack ${prepared.stack.name}).\nOn a machine without network: npm run images -- load ${file}, then npm run up -- --offline`);
  return 0;
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

async function load(lab: Lab, cache: ImageCacheConfig, file: string): Promise<number> {
  // Bad input (no file, not an archive, another format) is refused before anything changes.
  const opened = await openArchive(lab, file);
  let summary = '';
  try {
    await runSteps(
      [
        {
          title: 'Host images',
          run: async (ctx) => {
            ctx.say('docker image load');
            const loaded = await loadHostImages(lab, opened);
            const host = [...new Set(opened.manifest.images.filter((i) => i.place === 'host' || i.place === 'built').map((i) => i.image))];
            const absent = await absentImages(lab, host);
            if (absent.length) throw classicStoreError(absent);
            ctx.retitle(`Host images: ${loaded.length} loaded into Docker, all ${host.length} present by name`);
          },
        },
        { title: 'Image cache', run: async (ctx) => void (await ensureImageCache(lab, cache, ctx)) },
        {
          title: 'Cache and charts',
          run: async (ctx) => {
            await loadArchive(lab, opened, cache, (l) => ctx.say(l));
            await ensureImageCache(lab, cache, ctx);
            const cached = await cachedImages(lab.runner, cache);
            const cluster = opened.manifest.images.filter((i) => i.place === 'cluster');
            const absent = cluster.filter((i) => !inCache(cached, i.image)).map((i) => i.image);
            if (absent.length) throw new LabError(`after loading, the cache does not hold ${absent.join(', ')}`, { why: 'the archive’s cache storage did not have them, or the cache’s registries differ from the archive’s', fix: `compare ${cache.file} with the machine that saved the archive (registries ${opened.manifest.cache.registries.join(', ')})` });
            summary = `${cluster.length} cluster images in the cache, ${opened.manifest.charts.length} charts`;
            ctx.retitle(`Cache and charts: ${summary}`);
          },
        },
      ],
      lab.ui,
    );
  } finally {
    rmSync(opened.dir, { recursive: true, force: true });
  }
  lab.print(`\nLoaded ${file} (stack ${opened.manifest.stack}, saved ${opened.manifest.created}): ${summary}.\nnpm run up -- --offline now needs no network.`);
  return 0;
}

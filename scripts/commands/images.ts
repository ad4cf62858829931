// `hpa-lab images list | save FILE | load FILE`: every image a lab needs, per component (derived from what the
// lab runs, never typed); everything a lab downloads, into one archive; and that archive onto a machine without
// network, into the host's Docker, the image cache and the chart cache.
import { rmSync } from 'node:fs';
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { imagesTable } from '../lib/images/derive.ts';
import { listImages } from '../lib/images/per-component.ts';
import { runSteps } from '../lib/ui.ts';
import { ensureCharts, ensureImageCache, releaseSpecs } from '../lib/images/downloads.ts';
import { openArchive } from '../lib/images/offline-archive.ts';
import { gatherArchiveImages, loadArchiveHostImages, loadCacheAndCharts, saveArchive } from '../lib/images/offline-steps.ts';
import { ensureChart } from '../lib/images/chart-cache.ts';

export interface ImagesOptions {
  sub: 'list' | 'save' | 'load';
  file?: string;
  json: boolean;
  imageCache: ImageCacheConfig;
}

export async function images(lab: Lab, prepared: PreparedStack, opts: ImagesOptions): Promise<number> {
  if (opts.sub === 'list') return list(lab, prepared, opts);
  return opts.sub === 'save' ? save(lab, prepared, opts.imageCache, opts.file as string) : load(lab, opts.imageCache, opts.file as string);
}

async function list(lab: Lab, prepared: PreparedStack, opts: ImagesOptions): Promise<number> {
  // The images are named by rendering the charts: from the chart cache, filled first (nothing downloaded twice).
  await Promise.all(releaseSpecs(prepared).map((s) => ensureChart(lab.runner, s)));
  const list = await listImages(lab, prepared, opts.imageCache);
  lab.print(opts.json ? JSON.stringify(list, null, 2) : imagesTable(list));
  return 0;
}

async function save(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig, file: string): Promise<number> {
  const charts = releaseSpecs(prepared);
  let summary = '';
  await runSteps(
    [
      { title: 'Charts', run: (ctx) => ensureCharts(lab, charts, ctx) },
      { title: 'Image cache', run: async (ctx) => void (await ensureImageCache(lab, cache, ctx)) },
      { title: 'Images', run: (ctx) => gatherArchiveImages(lab, prepared, cache, ctx) },
      { title: `Archive ${file}`, run: async (ctx) => void (summary = await saveArchive(lab, prepared, cache, charts, file, ctx)) },
    ],
    lab.ui,
  );
  lab.print(`\nWrote ${file} (${summary}, stack ${prepared.stack.name}).\nOn a machine without network: npm run images -- load ${file}, then npm run up -- --offline`);
  return 0;
}

async function load(lab: Lab, cache: ImageCacheConfig, file: string): Promise<number> {
  // Bad input (no file, not an archive, another format, content other than its manifest lists) is refused before anything changes.
  const opened = await openArchive(lab, file);
  let summary = '';
  try {
    await runSteps(
      [
        { title: 'Host images', run: (ctx) => loadArchiveHostImages(lab, opened, ctx) },
        { title: 'Image cache', run: async (ctx) => void (await ensureImageCache(lab, cache, ctx)) },
        { title: 'Cache and charts', run: async (ctx) => void (summary = await loadCacheAndCharts(lab, opened, cache, ctx)) },
      ],
      lab.ui,
    );
  } finally {
    rmSync(opened.dir, { recursive: true, force: true });
  }
  lab.print(`\nLoaded ${file} (stack ${opened.manifest.stack}, saved ${opened.manifest.created}): ${summary}.\nnpm run up -- --offline now needs no network.`);
  return 0;
}

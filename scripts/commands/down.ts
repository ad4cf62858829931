// `hpa-lab down`: removes what `up` made, and nothing else: the lab's kind cluster, the images hpa-lab built
// (they carry its label), and the lab's generated secrets. Demo results and diagnostics stay (they are
// reports). The image cache and the chart cache stay too (they are downloads, for the next up), unless
// --purge. Succeeds when everything is already gone. With --context: what the lab installed there, and nothing
// else (never the cluster, never the machine's caches).
import type { Lab } from '../lib/lab.ts';
import { runSteps } from '../lib/ui.ts';
import { noKindError, removeLabCluster } from '../lib/cluster/remove.ts';
import { labImages, removeImages } from '../lib/stack/actions/image.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { purgeDownloads } from '../lib/images/purge.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { downOnContext } from '../lib/context/on-context.ts';

export interface DownOptions {
  force: boolean;
  keepImages: boolean;
  purge: boolean;
  imageCache: ImageCacheConfig;
  prepared?: PreparedStack;
  yes?: boolean;
}

export async function down(lab: Lab, opts: DownOptions): Promise<void> {
  if (lab.target && opts.prepared) return downOnContext(lab, opts.prepared, opts.yes === true);
  const found: { cluster?: 'deleted' | 'gone' | 'no kind' } = {};
  let images: string[] = [];
  let purge = { purged: [] as string[], kept: [] as string[] };
  await runSteps(
    [
      { title: `Delete cluster ${lab.name}`, run: async (ctx) => void (found.cluster = await removeLabCluster(lab, opts.force, ctx)) },
      {
        title: 'Remove the images hpa-lab built',
        run: async (ctx) => {
          if (opts.keepImages) return ctx.skip('kept (--keep-images)');
          images = await labImages(lab.runner);
          if (images.length === 0) return ctx.skip('none left');
          await removeImages(lab.runner, images);
          ctx.retitle(`Removed ${images.join(', ')}`);
        },
      },
      {
        title: 'Image cache',
        run: async (ctx) => {
          if (!opts.purge) return ctx.skip('kept for the next up (--purge removes it)');
          purge = await purgeDownloads(lab, opts.imageCache, opts.prepared);
          if (purge.purged.length === 0) ctx.skip('nothing cached');
          else ctx.retitle(`Removed ${purge.purged.join(', ')}`);
        },
      },
    ],
    lab.ui,
  );
  if (found.cluster === 'no kind') throw noKindError(lab, [...(images.length ? [`${images.join(', ')}`] : []), ...purge.purged]);
  lab.print(downSummary(lab, found.cluster === 'gone', images, opts.purge, purge));
}

function downSummary(lab: Lab, gone: boolean, removedImages: string[], purging: boolean, { purged, kept }: { purged: string[]; kept: string[] }): string {
  const images = removedImages.length ? ` and ${removedImages.length} image${removedImages.length === 1 ? '' : 's'}` : '';
  const cache = purged.length ? ` Purged ${purged.join(', ')}.` : purging ? '' : ' The image and chart caches stay for the next up (--purge removes them).';
  const keptIn = kept.length ? ` Kept, in use: ${kept.join('; ')}.` : '';
  return `${gone ? `Nothing to do: cluster ${lab.name} is already gone${images ? `; removed${images}` : ''}.` : `Removed cluster ${lab.name} (context ${lab.context})${images}.`}${cache}${keptIn}`;
}

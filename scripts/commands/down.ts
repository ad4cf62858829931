// `hpa-lab down`: removes what `up` made, and nothing else: the lab's kind cluster, the images hpa-lab built
// (they carry its label), and the lab's generated secrets. Demo results and diagnostics stay (they are
// reports). The image cache and the chart cache stay too (they are downloads, for the next up), unless
// --purge. Succeeds when everything is already gone.
import type { Lab } from '../lib/lab.ts';
import { createMarker } from '../lib/lab.ts';
import { runSteps } from '../lib/ui.ts';
import { assertOwnedIfReadable, clusterExists, deleteCluster, kindKubeconfig } from '../lib/cluster.ts';
import { kubeFromKubeconfig } from '../lib/kube.ts';
import { labImages, removeImages } from '../lib/actions/image.ts';
import { secretsFile } from '../lib/lab-stack.ts';
import { existsSync, rmSync } from 'node:fs';
import type { ImageCacheConfig } from '../lib/image-cache.ts';
import { removeCache } from '../lib/image-cache.ts';
import { chartsDir } from '../lib/chart-cache.ts';
import type { PreparedStack } from '../lib/lab-stack.ts';
import { downOnContext } from '../lib/on-context.ts';
import { MissingToolError } from '../lib/exec.ts';
import { LabError } from '../lib/errors.ts';
import { missingToolHelp } from '../lib/tool-help.ts';

/** Whether the cluster exists; without kind there is nothing down can list or delete, and it says so. */
async function clusterExistsOrExplain(lab: Lab): Promise<boolean> {
  try {
    return await clusterExists(lab.runner, lab.name);
  } catch (err) {
    if (err instanceof MissingToolError && err.tool === 'kind') {
      throw new LabError(`nothing removed: kind is not installed, so hpa-lab can neither list nor delete kind clusters`, {
        why: `a lab is a kind cluster; one made before kind was removed would still run as the Docker container ${lab.name}-control-plane`,
        fix: `${missingToolHelp('kind').fix}; then npm run down   (or remove the node yourself: docker rm -f ${lab.name}-control-plane)`,
      });
    }
    throw err;
  }
}

export async function down(lab: Lab, opts: { force: boolean; keepImages: boolean; purge: boolean; imageCache: ImageCacheConfig; prepared?: PreparedStack; yes?: boolean }): Promise<void> {
  // --context: what the lab installed there, and nothing else (never the cluster, never the machine's caches).
  if (lab.target && opts.prepared) return downOnContext(lab, opts.prepared, opts.yes === true);
  let gone = false;
  let removedImages: string[] = [];
  let purged: string[] = [];
  await runSteps(
    [
      {
        title: `Delete cluster ${lab.name}`,
        run: async (ctx) => {
          if (!(await clusterExistsOrExplain(lab))) {
            gone = true;
            createMarker.clear(lab);
            ctx.skip(`cluster ${lab.name} does not exist: nothing to remove`);
            return;
          }
          if (!opts.force) {
            const kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
            await assertOwnedIfReadable(lab, kube, { unreadable: 'refuse' });
          }
          ctx.say(`kind delete cluster --name ${lab.name}`);
          await deleteCluster(lab.runner, lab.name);
          createMarker.clear(lab);
          rmSync(secretsFile(lab.stateDir), { force: true });
        },
      },
      {
        title: 'Remove the images hpa-lab built',
        run: async (ctx) => {
          if (opts.keepImages) {
            ctx.skip('kept (--keep-images)');
            return;
          }
          removedImages = await labImages(lab.runner);
          if (removedImages.length === 0) {
            ctx.skip('none left');
            return;
          }
          await removeImages(lab.runner, removedImages);
          ctx.retitle(`Removed ${removedImages.join(', ')}`);
        },
      },
      {
        title: 'Image cache',
        run: async (ctx) => {
          if (!opts.purge) return ctx.skip('kept for the next up (--purge removes it)');
          const { removed, volume } = await removeCache(lab.runner, opts.imageCache);
          const charts = existsSync(chartsDir());
          rmSync(chartsDir(), { recursive: true, force: true });
          purged = [...(removed.length ? [`${removed.length} cache registries`] : []), ...(volume ? [`volume ${opts.imageCache.volume}`] : []), ...(charts ? ['the chart cache'] : [])];
          if (purged.length === 0) ctx.skip('nothing cached');
          else ctx.retitle(`Removed ${purged.join(', ')}`);
        },
      },
    ],
    lab.ui,
  );
  const images = removedImages.length ? ` and ${removedImages.length} image${removedImages.length === 1 ? '' : 's'}` : '';
  const cache = purged.length ? ` Purged ${purged.join(', ')}.` : opts.purge ? '' : ' The image and chart caches stay for the next up (--purge removes them).';
  lab.print(`${gone ? `Nothing to do: cluster ${lab.name} is already gone${images ? `; removed${images}` : ''}.` : `Removed cluster ${lab.name} (context ${lab.context})${images}.`}${cache}`);
}

// `hpa-lab down`: removes what `up` made, and nothing else: the lab's kind cluster, the images hpa-lab built
// (they carry its label), and the lab's generated secrets. Demo results and diagnostics stay (they are
// reports). The image cache and the chart cache stay too (they are downloads, for the next up), unless
// --purge. Succeeds when everything is already gone.
import type { Lab } from '../lib/lab.ts';
import { createMarker } from '../lib/lab.ts';
import { runSteps } from '../lib/ui.ts';
import { assertOwnedIfReadable, clusterExists, deleteCluster, kindKubeconfig } from '../lib/cluster/lifecycle.ts';
import { kubeFromKubeconfig } from '../lib/kube/api.ts';
import { labImages, removeImages } from '../lib/stack/actions/image.ts';
import { secretsFile } from '../lib/stack/prepare.ts';
import { existsSync, rmSync } from 'node:fs';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { removeCache } from '../lib/images/cache.ts';
import { chartsDir } from '../lib/images/chart-cache.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { downOnContext } from '../lib/context/on-context.ts';
import { MissingToolError } from '../lib/exec.ts';
import { LabError } from '../lib/errors.ts';
import { missingToolHelp } from '../lib/host/tool-help.ts';
import { REPO_ROOT } from '../lib/lab.ts';
import { dockerfileBasesOf } from '../lib/images/derive.ts';

/** Whether the cluster exists; 'no kind' when kind is not installed (then only what needs Docker alone is removed). */
async function clusterExistsOrNoKind(lab: Lab): Promise<boolean | 'no kind'> {
  try {
    return await clusterExists(lab.runner, lab.name);
  } catch (err) {
    if (err instanceof MissingToolError && err.tool === 'kind') return 'no kind';
    throw err;
  }
}

function noKindError(lab: Lab, removed: string[]): LabError {
  return new LabError(`cluster ${lab.name} not removed: kind is not installed, so hpa-lab can neither list nor delete kind clusters${removed.length ? ` (removed what needs Docker alone: ${removed.join('; ')})` : ''}`, {
    why: `a lab is a kind cluster; one made before kind was removed would still run as the Docker container ${lab.name}-control-plane`,
    fix: `${missingToolHelp('kind').fix}; then npm run down   (or remove the node yourself: docker rm -f ${lab.name}-control-plane)`,
  });
}

/**
 * --purge: the images up pulled for the lab by digest (the cache's registry, the kind node image, the app's
 * build bases). On Docker's classic store an image pulled by digest has no tag (`<none>` in `docker images`), so
 * it is removed by its pinned reference. An image a container still uses (another kind cluster on the same node
 * image) is kept and said; a node image built here (no digest) is the user's own and stays.
 */
async function removePulledImages(lab: Lab, refs: string[]): Promise<{ removed: string[]; kept: string[] }> {
  const removed: string[] = [];
  const kept: string[] = [];
  for (const ref of [...new Set(refs)].filter((r) => r.includes('@sha256:'))) {
    const there = await lab.runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { check: false });
    if (there.exitCode !== 0) continue;
    // By name@digest: the tag beside a digest is not part of what Docker stored for a pull by digest.
    const r = await lab.runner.run('docker', ['image', 'rm', ref.replace(/:[^/@]+@/, '@')], { check: false });
    if (r.exitCode === 0) removed.push(ref);
    else kept.push(`${ref} (${(r.stderr.split('\n')[0] ?? '').replace(/^Error response from daemon: /, '').trim() || `exit ${r.exitCode}`})`);
  }
  return { removed, kept };
}

export async function down(lab: Lab, opts: { force: boolean; keepImages: boolean; purge: boolean; imageCache: ImageCacheConfig; prepared?: PreparedStack; yes?: boolean }): Promise<void> {
  // --context: what the lab installed there, and nothing else (never the cluster, never the machine's caches).
  if (lab.target && opts.prepared) return downOnContext(lab, opts.prepared, opts.yes === true);
  let gone = false;
  let noKind = false;
  let removedImages: string[] = [];
  let purged: string[] = [];
  let keptPulled: string[] = [];
  await runSteps(
    [
      {
        title: `Delete cluster ${lab.name}`,
        run: async (ctx) => {
          const exists = await clusterExistsOrNoKind(lab);
          if (exists === 'no kind') {
            noKind = true;
            ctx.skip('kind is not installed: the cluster can be neither listed nor deleted (what needs Docker alone is still removed)');
            return;
          }
          if (!exists) {
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
          const bases = (opts.prepared?.stack.components ?? []).flatMap((c) => (c.image ? dockerfileBasesOf(REPO_ROOT, c.image.context) : []));
          const pulled = await removePulledImages(lab, [opts.imageCache.image, lab.kindConfig.nodeImage, ...bases]);
          keptPulled = pulled.kept;
          purged = [...(removed.length ? [`${removed.length} cache registries`] : []), ...(volume ? [`volume ${opts.imageCache.volume}`] : []), ...(charts ? ['the chart cache'] : []), ...(pulled.removed.length ? [`${pulled.removed.length} pulled image${pulled.removed.length === 1 ? '' : 's'} (${pulled.removed.map((r) => r.split('@')[0]).join(', ')})`] : [])];
          if (purged.length === 0) ctx.skip('nothing cached');
          else ctx.retitle(`Removed ${purged.join(', ')}`);
        },
      },
    ],
    lab.ui,
  );
  if (noKind) throw noKindError(lab, [...(removedImages.length ? [`${removedImages.join(', ')}`] : []), ...purged]);
  const images = removedImages.length ? ` and ${removedImages.length} image${removedImages.length === 1 ? '' : 's'}` : '';
  const cache = purged.length ? ` Purged ${purged.join(', ')}.` : opts.purge ? '' : ' The image and chart caches stay for the next up (--purge removes them).';
  const kept = keptPulled.length ? ` Kept, in use: ${keptPulled.join('; ')}.` : '';
  lab.print(`${gone ? `Nothing to do: cluster ${lab.name} is already gone${images ? `; removed${images}` : ''}.` : `Removed cluster ${lab.name} (context ${lab.context})${images}.`}${cache}${kept}`);
}

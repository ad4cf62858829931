// `down --purge`: what hpa-lab downloaded for the lab, removed: the image cache (its registries and their
// volume), the chart cache, and the images `up` pulled by digest.
import { existsSync, rmSync } from 'node:fs';
import type { Lab } from '../lab.ts';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { ImageCacheConfig } from './cache.ts';
import { removeCache } from './cache.ts';
import { chartsDir } from './chart-cache.ts';
import { dockerfileBasesOf } from './derive.ts';

/**
 * The images up pulled for the lab by digest (the cache's registry, the kind node image, the app's build bases).
 * On Docker's classic store an image pulled by digest has no tag (`<none>` in `docker images`), so it is removed
 * by its pinned reference. An image a container still uses (another kind cluster on the same node image) is kept
 * and said; a node image built here (no digest) is the user's own and stays.
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

/** Removes the caches and the pulled images; what was removed, each said as a person reads it, and what was kept. */
export async function purgeDownloads(lab: Lab, cache: ImageCacheConfig, prepared: PreparedStack | undefined): Promise<{ purged: string[]; kept: string[] }> {
  const { removed, volume } = await removeCache(lab.runner, cache);
  const charts = existsSync(chartsDir());
  rmSync(chartsDir(), { recursive: true, force: true });
  const bases = (prepared?.stack.components ?? []).flatMap((c) => (c.image ? dockerfileBasesOf(REPO_ROOT, c.image.context) : []));
  const pulled = await removePulledImages(lab, [cache.image, lab.kindConfig.nodeImage, ...bases]);
  const purged = [
    ...(removed.length ? [`${removed.length} cache registries`] : []),
    ...(volume ? [`volume ${cache.volume}`] : []),
    ...(charts ? ['the chart cache'] : []),
    ...(pulled.removed.length ? [`${pulled.removed.length} pulled image${pulled.removed.length === 1 ? '' : 's'} (${pulled.removed.map((r) => r.split('@')[0]).join(', ')})`] : []),
  ];
  return { purged, kept: pulled.kept };
}

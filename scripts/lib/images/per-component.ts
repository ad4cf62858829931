// Every image a lab needs, per component, derived from what the lab runs (never typed): the kind node image,
// the image cache's own image, the base and built image of each image component, each release's containers as
// `helm template` renders the pinned chart with the values `up` installs, and what the operators add at run time.
import type { Lab } from '../lab.ts';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import { releaseValues } from '../stack/actions/helm.ts';
import type { ImageEntry } from './derive.ts';
import { imagePlace } from './derive.ts';
import { containerImages, dockerfileBasesOf, nodeKubeVersion, operatorImages, renderRelease, uniqueImages } from './derive.ts';
import type { ImageCacheConfig } from './cache.ts';
import { cachedImages, cacheState, inCache, mirrorFor } from './cache.ts';
import type { Runner } from '../exec.ts';

export async function listImages(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig): Promise<ImageEntry[]> {
  const nodeImage = lab.kindConfig.nodeImage;
  // 1. Every release rendered as the pinned chart renders it with the lab's values (for the cluster's Kubernetes version).
  const releases = prepared.stack.components.filter((c) => c.helm);
  const rendered = new Map(
    await Promise.all(
      releases.map(async (c) => {
        const h = prepared.resolver.resolve(c.helm as NonNullable<typeof c.helm>, `${c.name}.helm`);
        return [c.name, await renderRelease(lab.runner, h, releaseValues(REPO_ROOT, h), nodeKubeVersion(nodeImage))] as const;
      }),
    ),
  );
  const everything = [...rendered.values()].flat();
  // 2. The list, component by component: the node image first, then each component in the stack's order.
  const out: ImageEntry[] = [
    { component: 'cluster', image: nodeImage, source: 'kind config' },
    { component: 'image-cache', image: cache.image, source: 'image cache config' },
  ];
  for (const c of prepared.stack.components) {
    if (c.image) {
      for (const base of dockerfileBasesOf(REPO_ROOT, c.image.context)) out.push({ component: c.name, image: base, source: 'Dockerfile FROM' });
      out.push({ component: c.name, image: prepared.images[c.name] as string, source: 'built by hpa-lab' });
    }
    const objects = rendered.get(c.name);
    if (!objects) continue;
    for (const image of containerImages(objects)) out.push({ component: c.name, image, source: 'helm template' });
    for (const e of operatorImages(objects, everything)) out.push({ component: c.name, ...e });
  }
  return uniqueImages(out);
}

export type ImageWhere = 'host' | 'cache' | 'missing' | 'built' | 'not cached' | 'not needed';

export interface ImagePresence extends ImageEntry {
  place: ReturnType<typeof imagePlace>;
  /** host: in the host's Docker; cache: in the pull-through cache; built: hpa-lab builds it; missing: nowhere yet;
   *  not cached: a cluster image when the cache is not used (--no-cache, or a registry without a mirror);
   *  not needed: a build's base while the image built from it is present (no build runs; on Docker's classic
   *  store BuildKit keeps the bases it pulled in its own cache, not among Docker's images) */
  where: ImageWhere;
  /** An image hpa-lab builds: whether Docker has it already (then no build runs). */
  present?: boolean;
}

/**
 * Where each image is now: host images by `docker image inspect`, cluster images by the cache's own storage
 * (nothing is asked upstream). `cache` undefined: the lab runs without the cache.
 */
export async function imagePresence(runner: Runner, entries: ImageEntry[], cache: ImageCacheConfig | undefined): Promise<ImagePresence[]> {
  const states = cache ? await cacheState(runner, cache) : [];
  const cached = cache ? await cachedImages(runner, cache, states) : new Set<string>();
  const inDocker = async (image: string) => (await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { check: false })).exitCode === 0;
  const builtPresent = new Map<string, boolean>();
  for (const e of entries) if (e.source === 'built by hpa-lab') builtPresent.set(e.component, await inDocker(e.image));
  return Promise.all(
    entries.map(async (e): Promise<ImagePresence> => {
      const place = imagePlace(e);
      if (place === 'built') return { ...e, place, where: 'built', present: builtPresent.get(e.component) === true };
      if (place === 'host') {
        if (await inDocker(e.image)) return { ...e, place, where: 'host' };
        return { ...e, place, where: e.source === 'Dockerfile FROM' && builtPresent.get(e.component) ? 'not needed' : 'missing' };
      }
      if (!cache || !mirrorFor(cache, e.image)) return { ...e, place, where: 'not cached' };
      return { ...e, place, where: inCache(cached, e.image) ? 'cache' : 'missing' };
    }),
  );
}

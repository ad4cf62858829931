// `hpa-lab images list`: every image a lab needs, per component, derived from what the lab runs (never typed):
// the kind node image, the base and built image of each image component, each release's containers as
// `helm template` renders the pinned chart with the values `up` installs, and what the operators add at run time.
import type { Lab } from '../lib/lab.ts';
import { REPO_ROOT } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/lab-stack.ts';
import { releaseValues } from '../lib/actions/helm.ts';
import type { ImageEntry } from '../lib/images.ts';
import { containerImages, dockerfileBasesOf, imagesTable, nodeKubeVersion, operatorImages, renderRelease, uniqueImages } from '../lib/images.ts';

export async function listImages(lab: Lab, prepared: PreparedStack): Promise<ImageEntry[]> {
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
  const out: ImageEntry[] = [{ component: 'cluster', image: nodeImage, source: 'kind config' }];
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

export async function images(lab: Lab, prepared: PreparedStack, opts: { json: boolean }): Promise<number> {
  const list = await listImages(lab, prepared);
  lab.print(opts.json ? JSON.stringify(list, null, 2) : imagesTable(list));
  return 0;
}

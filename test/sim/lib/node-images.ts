// What a simulated kind node's containerd holds: the images its node image preloads (registries.ts
// kindNodeImages) and those `kind load` put into it (the cluster record's images, per node). Used by the
// simulated kind (which node lacks an image, before it loads) and by `docker exec NODE crictl inspecti`.
import { createHash } from 'node:crypto';
import type { ClusterRecord, LoadedImage } from './clusters.ts';
import { imageNames } from './images.ts';
import { kindNodeImages } from './registries.ts';

/** Whether two references name the same image as containerd resolves them ("app:1" = "docker.io/library/app:1"). */
function sameImage(a: string, b: string): boolean {
  const names = new Set(imageNames(a));
  return imageNames(b).some((n) => names.has(n));
}

/** The image `kind load` put into this node under the reference `ref`, if any. */
export function loadedOnNode(rec: ClusterRecord, node: string, ref: string): LoadedImage | undefined {
  return rec.images.find((i) => sameImage(i.name, ref) && (i.nodes === undefined || i.nodes.includes(node)));
}

/**
 * A node's image by reference or id: its id, the names containerd lists (fully qualified) and its size (as the
 * kubelet reports it in status.images: kind.ts reportNodeImages for loaded images), or undefined.
 */
export function nodeImage(rec: ClusterRecord, node: string, ref: string): { id: string; repoTags: string[]; size: number } | undefined {
  const loaded = rec.images.filter((i) => i.nodes === undefined || i.nodes.includes(node));
  const hit = loaded.find((i) => sameImage(i.name, ref) || i.id === ref);
  if (hit) {
    const tags = loaded.filter((i) => i.id === hit.id).map((i) => imageNames(i.name)[0] ?? i.name);
    return { id: hit.id, repoTags: [...new Set(tags)], size: 50_000_000 + (parseInt(hit.id.slice(7, 13), 16) % 100_000_000) };
  }
  const pre = kindNodeImages(rec.kubernetesVersion).find((i) => i.names.some((n) => sameImage(n, ref)));
  return pre ? { id: `sha256:${createHash('sha256').update(pre.names[0] ?? '').digest('hex')}`, repoTags: pre.names, size: pre.sizeBytes } : undefined;
}

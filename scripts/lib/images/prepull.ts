// Pre-pulling: the cluster images the cache does not hold yet are pulled into it side by side (through each
// image's mirror on 127.0.0.1) while kind creates the cluster, so the components' pods start from a warm
// cache. A failed pre-pull is not fatal: the node pulls the image itself later (through the same mirror), and
// a gate's diagnosis names what failed there.
import type { ImageCacheConfig } from './cache.ts';
import { mirrorFor, mirrorUrl } from './cache.ts';
import { parseImageRef } from './ref.ts';
import { eachLimited, pullThrough, type PullProgress } from './registry-pull.ts';

/** How many images are pulled at once (blobs of one image come one after the other, as containerd's default). */
export const PREPULL_PARALLEL = 4;

export interface PrePullResult {
  pulled: Array<{ image: string; bytes: number; seconds: number }>;
  failed: Array<{ image: string; error: string }>;
}

export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

const shortName = (image: string): string => image.replace(/^(docker\.io\/(library\/)?)/, '').replace(/@sha256:[a-f0-9]{12}[a-f0-9]*/, '@…');

/**
 * Pulls `images` into the cache, PREPULL_PARALLEL at a time. `say` gets one line with every image in flight
 * (its blobs and bytes so far), and a line per image as it finishes.
 */
export async function prePull(cfg: ImageCacheConfig, images: string[], opts: { signal: AbortSignal; say: (line: string) => void; log?: (line: string) => void }): Promise<PrePullResult> {
  const inFlight = new Map<string, PullProgress>();
  let done = 0;
  const show = () => {
    const parts = [...inFlight.values()].map((p) => `${shortName(p.image)} ${p.blobsDone}/${p.blobsTotal} (${humanBytes(p.bytes)})`);
    opts.say(`pulling into the cache, ${done}/${images.length} done${parts.length ? `: ${parts.join(', ')}` : ''}`);
  };
  const result: PrePullResult = { pulled: [], failed: [] };
  const results = await eachLimited(images, PREPULL_PARALLEL, async (image) => {
    const ref = parseImageRef(image);
    const mirror = mirrorFor(cfg, image);
    if (!ref || !mirror) throw new Error(`no mirror for ${image}`);
    const started = Date.now();
    const got = await pullThrough(mirrorUrl(mirror), ref, {
      signal: opts.signal,
      onProgress: (p) => {
        inFlight.set(image, p);
        show();
      },
    });
    inFlight.delete(image);
    done += 1;
    const seconds = (Date.now() - started) / 1000;
    opts.log?.(`pulled ${shortName(image)} into the cache: ${got.blobsTotal} blobs, ${humanBytes(got.bytes)} in ${seconds.toFixed(1)}s`);
    show();
    return { bytes: got.bytes, seconds };
  });
  for (const r of results) {
    if (r.ok) result.pulled.push({ image: r.item, ...r.value });
    else result.failed.push({ image: r.item, error: r.error instanceof Error ? r.error.message : String(r.error) });
  }
  return result;
}

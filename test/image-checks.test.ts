// Preflight's account of the host's images (scripts/lib/image-checks.ts): what counts as missing, and when.
import { describe, expect, it } from 'vitest';
import { imageChecks } from '../scripts/lib/image-checks.ts';
import type { ImagePresence } from '../scripts/lib/lab-images.ts';

const row = (over: Partial<ImagePresence> & Pick<ImagePresence, 'image' | 'source'>): ImagePresence => ({ component: 'cluster', place: 'host', where: 'missing', ...over });
const NODE = row({ image: 'kindest/node:v1.36.1@sha256:' + 'a'.repeat(64), source: 'kind config', where: 'host' });
const REGISTRY = row({ component: 'image-cache', image: 'registry:3.0.0@sha256:' + 'b'.repeat(64), source: 'image cache config' });

describe('host images', () => {
  it('the cache’s registry image counts only when the cache is used', () => {
    const withCache = imageChecks([NODE, REGISTRY], { offline: false, cacheUsed: true }).find((c) => c.id === 'images-host');
    expect(withCache).toMatchObject({ level: 'warn', summary: expect.stringMatching(/1 of 2 not in Docker: registry:3\.0\.0/) as unknown });
    const noCache = imageChecks([NODE, REGISTRY], { offline: false, cacheUsed: false }).find((c) => c.id === 'images-host');
    expect(noCache).toMatchObject({ level: 'ok', summary: 'host images: all 1 in Docker or not needed (kind node, cache, build bases)' });
  });
  it('a node image built here (no digest) is left to preflight’s node-image check: never listed as to pull', () => {
    const local = row({ image: 'hpa-lab.local/kind-node:v1.36.3', source: 'kind config' });
    const c = imageChecks([local], { offline: true, cacheUsed: true }).find((x) => x.id === 'images-host');
    expect(c?.level).toBe('ok');
    const pinned = imageChecks([{ ...NODE, where: 'missing' }], { offline: true, cacheUsed: true }).find((x) => x.id === 'images-host');
    expect(pinned?.level).toBe('fail');
  });
});

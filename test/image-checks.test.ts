// Preflight's account of the host's images (scripts/lib/images/checks.ts): what counts as missing, and when.
import { describe, expect, it } from 'vitest';
import { imageChecks } from '../scripts/lib/images/checks.ts';
import type { ImagePresence } from '../scripts/lib/images/per-component.ts';

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

describe('an image cache whose registry image is built here', () => {
  const local = row({ component: 'image-cache', image: 'hpa-lab.local/registry:3.0.0', source: 'image cache config' });
  it('missing from Docker: a failure (nothing pulls it), not a download', () => {
    const checks = imageChecks([NODE, local], { offline: false, cacheUsed: true });
    expect(checks.find((c) => c.id === 'images-built-here')).toMatchObject({ level: 'fail', summary: 'built here, not in Docker: hpa-lab.local/registry:3.0.0' });
    expect(checks.find((c) => c.id === 'images-host')?.level).toBe('ok');
  });
  it('present, or the cache not used: nothing to say', () => {
    expect(imageChecks([NODE, { ...local, where: 'host' }], { offline: false, cacheUsed: true }).some((c) => c.id === 'images-built-here')).toBe(false);
    expect(imageChecks([NODE, local], { offline: false, cacheUsed: false }).some((c) => c.id === 'images-built-here')).toBe(false);
  });
});

describe('an image hpa-lab builds (the app), offline', () => {
  const app = (present: boolean): ImagePresence => ({ component: 'sample-app-image', image: 'hpa-lab/sample-app:0123456789ab', source: 'built by hpa-lab', place: 'built', where: 'built', present });
  it('not built yet: a failure under --offline (its build needs the network), nothing to say online or once built', () => {
    const offline = imageChecks([NODE, app(false)], { offline: true, cacheUsed: true }).find((c) => c.id === 'images-built');
    expect(offline).toMatchObject({ level: 'fail', summary: 'not built yet: hpa-lab/sample-app:0123456789ab' });
    expect(offline?.why).toMatch(/apk add, npm ci/);
    expect(imageChecks([NODE, app(false)], { offline: false, cacheUsed: true }).some((c) => c.id === 'images-built')).toBe(false);
    expect(imageChecks([NODE, app(true)], { offline: true, cacheUsed: true }).some((c) => c.id === 'images-built')).toBe(false);
  });
});

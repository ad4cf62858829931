// Preflight's (and doctor's) account of the downloads a lab needs: the pinned charts in hpa-lab's chart cache,
// the host images in Docker, the cluster images in the pull-through cache, and what is missing. Missing things
// are downloaded by `up`: a warning; with --offline (a room without network) they are a failure, before any
// work, with the command that brings them from another machine.
import type { Check } from '../host/preflight.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import { chartArchivePath, chartArchiveProblem, chartCached, chartFileName } from './chart-cache.ts';
import { displayPath } from '../lab.ts';
import type { ImagePresence } from './per-component.ts';
import { isLocalNodeImage } from '../cluster/kind-shape.ts';

const LOAD_FIX = 'on a machine with network: npm run images -- save lab-images.tar; here: npm run images -- load lab-images.tar';

const list = (xs: string[], max = 6): string => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);

export function chartChecks(charts: HelmSpec[], opts: { offline: boolean }): Check[] {
  const missing = charts.filter((c) => !chartCached(c));
  if (missing.length === 0) {
    return [{ id: 'charts', level: 'ok', summary: `charts: all ${charts.length} pinned charts in the cache (${displayPath(chartArchivePath(charts[0] ?? { chart: '', version: '' }).replace(/\/[^/]*$/, ''))})` }];
  }
  const names = missing.map((c) => {
    const problem = chartArchiveProblem(chartArchivePath(c), c);
    return `${c.chart}-${c.version}${problem === 'not downloaded yet' ? '' : ` (the cached ${chartFileName(c)} is ${problem?.startsWith('it holds') ? 'not that chart: ' : ''}${problem ?? ''})`}`;
  });
  return [
    {
      id: 'charts',
      level: opts.offline ? 'fail' : 'warn',
      summary: `charts: ${missing.length} of ${charts.length} not downloaded yet: ${list(names)}`,
      why: opts.offline ? '--offline: nothing is downloaded, and helm cannot install a chart it does not have' : 'up downloads each once (helm pull) into the chart cache; later runs use the file',
      ...(opts.offline ? { fix: LOAD_FIX } : {}),
    },
  ];
}

/** The images' presence as checks: one for the host's Docker, one for the cache (or for the nodes without it). */
export function imageChecks(rows: ImagePresence[], opts: { offline: boolean; cacheUsed: boolean }): Check[] {
  const out: Check[] = [];
  // A node image built here (--node-image without a digest) is never pulled: preflight's node-image check has it.
  // Without the cache (--no-cache) its registry image is not needed either.
  const needed = rows.filter((r) => r.place === 'host' && !(r.source === 'image cache config' && !opts.cacheUsed));
  // An image built here (a node image or a cache registry without a digest) is never pulled: missing, it is a
  // failure (the node image has preflight's node-image check of its own).
  const builtHere = needed.filter((r) => r.source === 'image cache config' && isLocalNodeImage(r.image) && r.where === 'missing');
  if (builtHere.length) {
    out.push({ id: 'images-built-here', level: 'fail', summary: `built here, not in Docker: ${list(builtHere.map((r) => r.image))}`, why: 'an image without a digest is one built on this machine: nothing pulls it', fix: 'build or load it (npm run real:build; docker image load -i FILE), or name a pinned image in the image cache file' });
  }
  const host = needed.filter((r) => !((r.source === 'kind config' || r.source === 'image cache config') && isLocalNodeImage(r.image)));
  const hostMissing = host.filter((r) => r.where === 'missing').map((r) => r.image);
  out.push(
    hostMissing.length === 0
      ? { id: 'images-host', level: 'ok', summary: `host images: all ${host.length} in Docker or not needed (kind node, cache, build bases)` }
      : {
          id: 'images-host',
          level: opts.offline ? 'fail' : 'warn',
          summary: `host images: ${hostMissing.length} of ${host.length} not in Docker: ${list(hostMissing)}`,
          why: opts.offline ? '--offline: Docker cannot pull them without network' : 'Docker pulls them during up (for the kind node, the cache’s registries, the app’s build): once, they stay',
          ...(opts.offline ? { fix: LOAD_FIX } : {}),
        },
  );
  // An image hpa-lab builds needs the network to build (app/Dockerfile: apk add, npm ci): offline it must be there.
  const unbuilt = rows.filter((r) => r.place === 'built' && r.present === false).map((r) => r.image);
  if (opts.offline && unbuilt.length) {
    out.push({ id: 'images-built', level: 'fail', summary: `not built yet: ${list(unbuilt)}`, why: '--offline: its build fetches from the network (the Dockerfile’s RUN steps: apk add, npm ci), which an offline room cannot', fix: LOAD_FIX });
  }
  const cluster = rows.filter((r) => r.place === 'cluster');
  if (!opts.cacheUsed) {
    out.push({
      id: 'images-cluster',
      level: opts.offline ? 'fail' : 'warn',
      summary: `cluster images: ${cluster.length}, pulled by the nodes themselves (--no-cache): every up downloads them again`,
      ...(opts.offline ? { why: '--offline needs the cache: the nodes cannot pull without network', fix: 'run without --no-cache' } : { fix: 'leave out --no-cache: the cache keeps them for the next up' }),
    });
    return out;
  }
  const uncached = cluster.filter((r) => r.where === 'not cached').map((r) => r.image);
  const missing = cluster.filter((r) => r.where === 'missing').map((r) => r.image);
  const present = cluster.length - missing.length - uncached.length;
  if (missing.length === 0 && uncached.length === 0) {
    out.push({ id: 'images-cluster', level: 'ok', summary: `cluster images: all ${cluster.length} in the cache` });
  } else {
    const parts = [
      ...(missing.length ? [`missing ${list(missing)}`] : []),
      ...(uncached.length ? [`no mirror for ${list(uncached)} (the nodes pull those themselves)`] : []),
    ];
    out.push({
      id: 'images-cluster',
      level: opts.offline ? 'fail' : 'warn',
      summary: `cluster images: ${present} of ${cluster.length} in the cache; ${parts.join('; ')}`,
      why: opts.offline ? '--offline: the cache cannot download them without network' : 'up pulls the missing ones into the cache while the cluster is created; they stay for the next up',
      ...(opts.offline ? { fix: LOAD_FIX } : {}),
    });
  }
  return out;
}

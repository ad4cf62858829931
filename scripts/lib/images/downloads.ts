// What `up` does about downloads, step by step, so that nothing is downloaded twice: the pinned charts into the
// chart cache, the image cache started and reachable, the images' presence, the pre-pull beside the cluster's
// creation, and the nodes pointed at the cache once the cluster exists.
import path from 'node:path';
import type { Lab } from '../lab.ts';
import { deadline, displayPath, REPO_ROOT } from '../lab.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import type { StepContext } from '../ui.ts';
import { chartCached, ensureChart } from './chart-cache.ts';
import { chartChecks, imageChecks } from './checks.ts';
import type { ImageCacheConfig } from './cache.ts';
import { cacheAnswers, cacheState, configureNodes, connectCache, DEFAULT_IMAGE_CACHE_CONFIG, loadImageCacheConfig, startCache } from './cache.ts';
import type { Check } from '../host/preflight.ts';
import { imagePresence, listImages, type ImagePresence } from './per-component.ts';
import { waitFor } from '../gates/poll.ts';
import { prePull, type PrePullResult } from './prepull.ts';

/** The image cache's file: --image-cache, else HPA_LAB_IMAGE_CACHE_CONFIG, else kind/image-cache.yaml. */
export function imageCacheConfig(arg: string | undefined, env: NodeJS.ProcessEnv = process.env): ImageCacheConfig {
  const given = arg ?? env.HPA_LAB_IMAGE_CACHE_CONFIG ?? DEFAULT_IMAGE_CACHE_CONFIG;
  const file = path.isAbsolute(given) ? given : path.resolve(REPO_ROOT, given);
  return loadImageCacheConfig(file, displayPath(file));
}

/** The stack's Helm releases, their specs resolved (settings substituted). */
export function releaseSpecs(prepared: PreparedStack): HelmSpec[] {
  return prepared.stack.components.filter((c) => c.helm).map((c) => prepared.resolver.resolve(c.helm as HelmSpec, `${c.name}.helm`));
}

/** Every pinned chart in the chart cache; pulls what is missing, side by side. */
export async function ensureCharts(lab: Lab, specs: HelmSpec[], ctx: StepContext): Promise<void> {
  ctx.say(`helm pull of the charts not in the cache yet (${specs.map((s) => `${s.chart}-${s.version}`).join(', ')})`);
  const got = await Promise.all(specs.map((s) => ensureChart(lab.runner, s)));
  const pulled = got.filter((g) => g === 'pulled').length;
  if (pulled === 0) ctx.skip(`charts: all ${specs.length} in the cache`);
  else ctx.retitle(`Charts: ${pulled} downloaded, ${specs.length - pulled} already in the cache`);
}

/** The cache's registries running and answering on 127.0.0.1, within a deadline. */
export async function ensureImageCache(lab: Lab, cfg: ImageCacheConfig, ctx: StepContext): Promise<string[]> {
  const { started } = await startCache(lab.runner, cfg, (l) => ctx.say(l));
  await waitFor(
    {
      what: `image cache answering on 127.0.0.1 (${cfg.mirrors.map((m) => m.hostPort).join(', ')})`,
      deadlineMs: deadline(lab, 60),
      probe: async () => {
        const down = await cacheAnswers(cfg, lab.signal);
        return down.length ? { ok: false, state: down.join('; ') } : { ok: true, value: undefined };
      },
      diagnose: () => ({ cause: 'a cache registry did not start or does not answer', fix: `docker logs ${cfg.mirrors[0]?.container ?? ''}   (and the others in ${cfg.file})` }),
    },
    { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) },
  );
  return started;
}

/** Preflight of the cache itself: a container of a mirror's name that is not hpa-lab's, a mirror's port taken. */
export async function cacheChecks(lab: Lab, cfg: ImageCacheConfig): Promise<Check[]> {
  const states = await cacheState(lab.runner, cfg).catch(() => undefined);
  // Docker does not answer: the docker check of preflight says so.
  if (!states) return [];
  const out: Check[] = [];
  for (const s of states) {
    const m = s.mirror;
    if (s.state !== 'absent' && !s.owned) {
      out.push({ id: `cache-${m.registry}`, level: 'fail', summary: `image cache: a container named ${m.container} exists and is not hpa-lab's`, why: `the cache for ${m.registry} uses that name (${cfg.file})`, fix: `remove or rename it, change mirrors[].container in ${cfg.file}, or --no-cache` });
    } else if (s.state === 'absent' && !(await lab.host.portFree(m.hostPort, '127.0.0.1'))) {
      out.push({ id: `cache-${m.registry}`, level: 'fail', summary: `image cache: 127.0.0.1:${m.hostPort} (the ${m.registry} mirror's port) is already in use`, why: `the cache publishes its ${m.registry} registry there (${cfg.file})`, fix: `find the process: ss -ltnp 'sport = :${m.hostPort}'; or change mirrors[].hostPort in ${cfg.file}; or --no-cache` });
    }
  }
  const running = states.filter((s) => s.state === 'running' && s.owned).length;
  if (out.length === 0) out.push({ id: 'cache', level: 'ok', summary: running === states.length ? `image cache: ${running} registries running` : `image cache: ${states.length - running} of ${states.length} registries to start, ports free` });
  return out;
}

/** What a lab would download, as doctor's checks: the charts, the image cache, the images (each present or not). */
export async function downloadChecks(lab: Lab, prepared: PreparedStack, opts: { offline: boolean; imageCache: ImageCacheConfig }): Promise<Check[]> {
  const charts = releaseSpecs(prepared);
  const checks = [...chartChecks(charts, opts), ...(await cacheChecks(lab, opts.imageCache))];
  return [...checks, ...(await imagePresenceChecks(lab, prepared, opts, charts.every((c) => chartCached(c))))];
}

/** The images' presence; naming them needs the charts (rendered from the cache, or from the repositories). */
async function imagePresenceChecks(lab: Lab, prepared: PreparedStack, opts: { offline: boolean; imageCache: ImageCacheConfig }, chartsCached: boolean): Promise<Check[]> {
  try {
    return imageChecks(await labImagePresence(lab, prepared, opts.imageCache, true), { offline: opts.offline, cacheUsed: true });
  } catch (err) {
    return [
      {
        id: 'images',
        level: opts.offline ? 'fail' : 'warn',
        summary: `images: cannot name them${chartsCached ? '' : ' (the charts are not in the cache, and helm could not fetch them)'}: ${(err as Error).message.split('\n')[0] ?? ''}`,
        fix: chartsCached ? 'npm run images -- list --verbose' : 'npm run up downloads the charts; offline: npm run images -- load FILE',
      },
    ];
  }
}

/** The images of the lab and where each is now. */
export async function labImagePresence(lab: Lab, prepared: PreparedStack, cfg: ImageCacheConfig, useCache: boolean): Promise<ImagePresence[]> {
  return imagePresence(lab.runner, await listImages(lab, prepared, cfg), useCache ? cfg : undefined);
}

/** The cluster images the cache does not hold. */
export function missingClusterImages(rows: ImagePresence[]): string[] {
  return [...new Set(rows.filter((r) => r.place === 'cluster' && r.where === 'missing').map((r) => r.image))];
}

/**
 * After the cluster exists: the cache on kind's network and every node's containerd pointed at it. Before any
 * component's pod pulls, so that every pull goes through the cache.
 */
export async function pointNodesAtCache(lab: Lab, cfg: ImageCacheConfig): Promise<{ connected: string[]; written: string[] }> {
  const connected = await connectCache(lab.runner, cfg);
  const nodes = (await lab.runner.run('kind', ['get', 'nodes', '--name', lab.name])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const written = await configureNodes(lab.runner, cfg, nodes);
  return { connected, written };
}

/** Runs the cluster's creation and the pre-pull side by side; the cluster's result, and the pre-pull's. */
export async function withPrePull<T>(lab: Lab, cfg: ImageCacheConfig, missing: string[], ctx: StepContext, cluster: (ctx: StepContext) => Promise<T>): Promise<{ value: T; pull: PrePullResult }> {
  let clusterLine = '';
  let pullLine = '';
  const show = () => ctx.say([clusterLine, pullLine].filter(Boolean).join(' | '));
  const pulling = missing.length
    ? prePull(cfg, missing, {
        signal: lab.signal,
        say: (l) => {
          pullLine = l;
          show();
        },
      })
    : Promise.resolve({ pulled: [], failed: [] });
  const inner: StepContext = {
    ...ctx,
    say: (l) => {
      clusterLine = l;
      show();
    },
  };
  const [value, pull] = await Promise.all([cluster(inner), pulling]);
  return { value, pull };
}

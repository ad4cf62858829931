// `hpa-lab doctor`: preflight on its own, as a table or JSON, with what a lab would download: the charts,
// the host images, the cluster images in the image cache. Exits 1 when a blocking check fails.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { formatChecks, runPreflight } from '../lib/host/preflight.ts';
import type { Check } from '../lib/host/preflight.ts';
import { clusterExists } from '../lib/cluster/lifecycle.ts';
import { chartChecks, imageChecks } from '../lib/images/checks.ts';
import { chartCached } from '../lib/images/chart-cache.ts';
import { cacheChecks, labImagePresence, releaseSpecs } from '../lib/images/downloads.ts';
import { hpaSyncCheck } from '../lib/cluster/shape-report.ts';

export async function doctor(lab: Lab, prepared: PreparedStack, opts: { json: boolean; offline: boolean; imageCache: ImageCacheConfig }): Promise<number> {
  const exists = await clusterExists(lab.runner, lab.name).catch(() => false);
  const checks = [...(await runPreflight({ host: lab.host, runner: lab.runner, portMappings: lab.kindConfig.portMappings, clusterExists: exists, workers: lab.kindConfig.workers, nodeImage: lab.kindConfig.nodeImage })), await hpaSyncCheck(lab, exists)];
  const charts = releaseSpecs(prepared);
  checks.push(...chartChecks(charts, opts), ...(await cacheChecks(lab, opts.imageCache)));
  checks.push(...(await downloadChecks(lab, prepared, opts, charts.every((c) => chartCached(c)))));
  const failed = checks.filter((c) => c.level === 'fail').length;
  if (opts.json) {
    lab.print(JSON.stringify({ cluster: lab.name, clusterExists: exists, ok: failed === 0, checks }, null, 2));
  } else {
    lab.print(formatChecks(checks));
    lab.print(failed === 0 ? '\nReady for `npm run up`.' : `\n${failed} blocking problem${failed === 1 ? '' : 's'}: \`npm run up\` would stop before creating anything.`);
  }
  return failed === 0 ? 0 : 1;
}

/** The images' presence; naming them needs the charts (rendered from the cache, or from the repositories). */
async function downloadChecks(lab: Lab, prepared: PreparedStack, opts: { offline: boolean; imageCache: ImageCacheConfig }, chartsCached: boolean): Promise<Check[]> {
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

// `hpa-lab doctor`: preflight on its own, as a table or JSON, with what a lab would download: the charts,
// the host images, the cluster images in the image cache. Exits 1 when a blocking check fails.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { formatChecks, runPreflight } from '../lib/host/preflight.ts';
import { clusterExists } from '../lib/cluster/lifecycle.ts';
import { downloadChecks } from '../lib/images/downloads.ts';
import { hpaSyncCheck } from '../lib/cluster/shape-report.ts';

export async function doctor(lab: Lab, prepared: PreparedStack, opts: { json: boolean; offline: boolean; imageCache: ImageCacheConfig }): Promise<number> {
  const exists = await clusterExists(lab.runner, lab.name).catch(() => false);
  const checks = [
    // this machine: the tools and their versions, Docker, the ports, memory, the cluster's shape
    ...(await runPreflight({ host: lab.host, runner: lab.runner, portMappings: lab.kindConfig.portMappings, clusterExists: exists, workers: lab.kindConfig.workers, nodeImage: lab.kindConfig.nodeImage })),
    await hpaSyncCheck(lab, exists),
    // what a lab would download: the charts, the image cache, the images
    ...(await downloadChecks(lab, prepared, opts)),
  ];
  const failed = checks.filter((c) => c.level === 'fail').length;
  if (opts.json) {
    lab.print(JSON.stringify({ cluster: lab.name, clusterExists: exists, ok: failed === 0, checks }, null, 2));
  } else {
    lab.print(formatChecks(checks));
    lab.print(failed === 0 ? '\nReady for `npm run up`.' : `\n${failed} blocking problem${failed === 1 ? '' : 's'}: \`npm run up\` would stop before creating anything.`);
  }
  return failed === 0 ? 0 : 1;
}

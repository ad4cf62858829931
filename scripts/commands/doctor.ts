// `hpa-lab doctor`: preflight on its own, as a table or JSON. Exits 1 when a blocking check fails.
import type { Lab } from '../lib/lab.ts';
import { formatChecks, runPreflight } from '../lib/preflight.ts';
import { clusterExists } from '../lib/cluster.ts';
import { hpaSyncCheck } from '../lib/shape-report.ts';

export async function doctor(lab: Lab, opts: { json: boolean }): Promise<number> {
  const exists = await clusterExists(lab.runner, lab.name).catch(() => false);
  const checks = [...(await runPreflight({ host: lab.host, runner: lab.runner, portMappings: lab.kindConfig.portMappings, clusterExists: exists })), await hpaSyncCheck(lab, exists)];
  const failed = checks.filter((c) => c.level === 'fail').length;
  if (opts.json) {
    lab.print(JSON.stringify({ cluster: lab.name, clusterExists: exists, ok: failed === 0, checks }, null, 2));
  } else {
    lab.print(formatChecks(checks));
    lab.print(failed === 0 ? '\nReady for `npm run up`.' : `\n${failed} blocking problem${failed === 1 ? '' : 's'}: \`npm run up\` would stop before creating anything.`);
  }
  return failed === 0 ? 0 : 1;
}

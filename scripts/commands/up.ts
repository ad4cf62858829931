// `hpa-lab up`: preflight, then the stack: the kind cluster (created, or reused when it is hpa-lab's and
// healthy) and every component, each behind its gates. Re-running converges: what is current is skipped.
import type { Lab } from '../lib/lab.ts';
import type { StackChoice } from '../lib/lab-stack.ts';
import { checkReleaseKeys, checkStackNodePorts, checkStackObjects, prepareStack, saveSecrets } from '../lib/lab-stack.ts';
import { runStack } from '../lib/engine.ts';
import { runSteps } from '../lib/ui.ts';
import { formatChecks, runPreflight } from '../lib/preflight.ts';
import { clusterConfigDifferences, clusterExistsOrFalse, configMismatchError, ensureCluster } from '../lib/cluster.ts';
import { createMarker } from '../lib/lab.ts';
import { LabError } from '../lib/errors.ts';
import type { Check } from '../lib/preflight.ts';
import { confirm, contextPreflight, describeTarget, namespacePreparer, reachCluster, refuseImageComponents } from '../lib/on-context.ts';
import { labLabels } from '../lib/ownership.ts';

export async function up(lab: Lab, choice: StackChoice, opts: { retain: boolean; recreate?: boolean; yes?: boolean }): Promise<void> {
  if (lab.target) return upOnContext(lab, choice, opts.yes === true);
  // Bad input (stack, --set, --variant, ports) fails here, before preflight and before anything changes.
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  checkStackNodePorts(prepared, lab.kindConfig);
  let exists = false;
  let warnings: Check[] = [];
  let differences: string[] = [];
  await runSteps(
    [
      {
        title: 'Preflight',
        run: async (ctx) => {
          exists = await clusterExistsOrFalse(lab);
          ctx.say('checking docker, kind, helm, kubectl, ports, inotify, memory');
          const checks = await runPreflight({ host: lab.host, runner: lab.runner, portMappings: lab.kindConfig.portMappings, clusterExists: exists });
          warnings = checks.filter((c) => c.level === 'warn');
          const failed = checks.filter((c) => c.level === 'fail');
          if (failed.length > 0) {
            throw new LabError(`preflight failed: ${failed.map((c) => c.summary.split(': ')[0]).join('; ')}`, {
              details: formatChecks([...failed, ...warnings]).split('\n'),
              why: 'nothing was created; fix the problems above and run `npm run up` again (`npm run doctor` re-checks)',
            });
          }
          // A reused cluster must match the kind config given (a half-made one is recreated anyway).
          if (exists && !createMarker.present(lab)) {
            differences = await clusterConfigDifferences(lab);
            if (differences.length && !opts.recreate) throw configMismatchError(lab, differences);
          }
          ctx.retitle(`Preflight: ${checks.filter((c) => c.level === 'ok').length} ok, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`);
        },
      },
    ],
    lab.ui,
  );
  // Generated secrets are kept only once preflight passed: a failed preflight leaves nothing behind.
  if (prepared.generatedSecrets.length) saveSecrets(lab.stateDir, prepared.secrets);
  await runStack({ lab, ...prepared, cluster: (ctx) => ensureCluster(lab, exists, { retain: opts.retain, recreate: differences }, ctx) });
  if (warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(warnings)}`);
  const urls = Object.entries(prepared.resolver.resolve(prepared.stack.urls, 'urls')).map(([k, v]) => `  ${k.padEnd(11)} ${v}`);
  lab.print(`\nThe lab is up (stack ${prepared.stack.name}, context ${lab.context}).${urls.length ? `\n${urls.join('\n')}` : ''}\n\`npm run status\` shows every gate${Object.keys(prepared.stack.credentials).length ? ' and the credentials' : ''}; \`npm run down\` removes the lab.`);
}


/** `up --context NAME`: the same stack into an existing cluster: preflight there, the target named, a yes, then the stack. */
async function upOnContext(lab: Lab, choice: StackChoice, yes: boolean): Promise<void> {
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  refuseImageComponents(prepared, lab);
  const plan = await contextPreflight(lab, prepared);
  lab.print(describeTarget(lab, prepared, plan));
  await confirm(lab, `Install into context ${plan.kube.context}?`, yes);
  if (prepared.generatedSecrets.length) saveSecrets(lab.stateDir, prepared.secrets);
  await runStack({ lab, ...prepared, cluster: (ctx) => reachCluster(lab, ctx), existing: { reuse: plan.reuse, labels: labLabels(lab.name), prepare: namespacePreparer(lab, prepared) } });
  if (plan.warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(plan.warnings)}`);
  lab.print(`\nThe lab is up on context ${plan.kube.context} (stack ${prepared.stack.name}); \`npm run down -- --context ${plan.kube.context}\` removes what it installed.`);
}

// `hpa-lab up`: preflight, the downloads (the charts, the image cache), then the stack: the kind cluster
// (created, or reused when it is hpa-lab's and healthy; missing images pulled into the cache beside it) and every
// component, each behind its gates. Re-running converges: what is current is skipped, nothing is downloaded twice.
import type { Lab } from '../lib/lab.ts';
import type { StackChoice } from '../lib/stack/prepare.ts';
import { checkReleaseKeys, checkStackNodePorts, checkStackObjects, prepareStack, saveSecrets } from '../lib/stack/prepare.ts';
import { runStack } from '../lib/stack/engine.ts';
import { runSteps } from '../lib/ui.ts';
import { formatChecks, runPreflight } from '../lib/host/preflight.ts';
import { clusterConfigDifferences, clusterExistsOrFalse, configMismatchError, ensureCluster } from '../lib/cluster/lifecycle.ts';
import { createMarker, deadline } from '../lib/lab.ts';
import { LabError } from '../lib/errors.ts';
import type { Check } from '../lib/host/preflight.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { chartChecks, imageChecks } from '../lib/images/checks.ts';
import { chartCached } from '../lib/images/chart-cache.ts';
import { cacheChecks, ensureCharts, ensureImageCache, labImagePresence, missingClusterImages, pointNodesAtCache, releaseSpecs, withPrePull } from '../lib/images/downloads.ts';
import type { ImagePresence } from '../lib/images/per-component.ts';
import { confirm, contextExisting, contextPreflight, describeTarget, imagePusher, reachCluster, refuseImageComponents } from '../lib/context/on-context.ts';
import { checkRegistryAnswers } from '../lib/images/registry-reach.ts';

export interface UpOptions {
  retain: boolean;
  recreate?: boolean;
  /** --context: --yes answers the confirmation */
  yes?: boolean;
  imageCache: ImageCacheConfig;
  /** --no-cache: no image cache; the nodes pull from the registries themselves */
  useCache: boolean;
  /** --offline: download nothing; stop in preflight when something is missing */
  offline: boolean;
}

export async function up(lab: Lab, choice: StackChoice, opts: UpOptions): Promise<void> {
  if (lab.target) return upOnContext(lab, choice, opts.yes === true);
  // Bad input (stack, --set, --variant, ports) fails here, before preflight and before anything changes.
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  checkStackNodePorts(prepared, lab.kindConfig);
  let exists = false;
  let warnings: Check[] = [];
  let differences: string[] = [];
  let presence: ImagePresence[] | undefined;
  await runSteps(
    [
      {
        title: 'Preflight',
        run: async (ctx) => {
          exists = await clusterExistsOrFalse(lab);
          ctx.say('checking docker, kind, helm, kubectl, ports, inotify, memory');
          const checks = await runPreflight({ host: lab.host, runner: lab.runner, portMappings: lab.kindConfig.portMappings, clusterExists: exists, workers: lab.kindConfig.workers, nodeImage: lab.kindConfig.nodeImage });
          const charts = releaseSpecs(prepared);
          checks.push(...chartChecks(charts, opts));
          if (opts.useCache) checks.push(...(await cacheChecks(lab, opts.imageCache)));
          // The images are named by rendering the charts: known here once the charts are in the cache.
          if (!checks.some((c) => c.level === 'fail') && charts.every((c) => chartCached(c))) {
            presence = await labImagePresence(lab, prepared, opts.imageCache, opts.useCache);
            checks.push(...imageChecks(presence, { offline: opts.offline, cacheUsed: opts.useCache }));
          }
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
      { title: 'Charts', run: (ctx) => ensureCharts(lab, releaseSpecs(prepared), ctx) },
      {
        title: 'Image cache',
        run: async (ctx) => {
          if (!opts.useCache) return ctx.skip('not used (--no-cache): the nodes pull from the registries');
          const started = await ensureImageCache(lab, opts.imageCache, ctx);
          if (started.length || !presence) presence = await labImagePresence(lab, prepared, opts.imageCache, true);
          const missing = missingClusterImages(presence);
          ctx.retitle(`Image cache: ${started.length ? `started ${started.length} registries` : 'running'}; ${presence.filter((p) => p.where === 'cache').length} images cached, ${missing.length} to pull`);
        },
      },
    ],
    lab.ui,
  );
  const toPull = opts.useCache && presence ? missingClusterImages(presence) : [];
  // Generated secrets are kept only once preflight passed: a failed preflight leaves nothing behind.
  if (prepared.generatedSecrets.length) saveSecrets(lab.stateDir, prepared.secrets);
  let pullFailures: string[] = [];
  await runStack({
    lab,
    ...prepared,
    cluster: async (ctx) => {
      const { value: kube, pull } = await withPrePull(lab, opts.imageCache, toPull, ctx, (c) => ensureCluster(lab, exists, { retain: opts.retain, recreate: differences }, c));
      pullFailures = pull.failed.map((f) => `${f.image}: ${f.error}`);
      if (opts.useCache) await pointNodesAtCache(lab, opts.imageCache);
      return kube;
    },
  });
  if (pullFailures.length) warnings.push({ id: 'prepull', level: 'warn', summary: `pre-pull into the cache failed for ${pullFailures.length} image(s); the nodes pulled them themselves`, why: pullFailures.join('\n') });
  if (warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(warnings)}`);
  const urls = Object.entries(prepared.resolver.resolve(prepared.stack.urls, 'urls')).map(([k, v]) => `  ${k.padEnd(11)} ${v}`);
  lab.print(`\nThe lab is up (stack ${prepared.stack.name}, context ${lab.context}).${urls.length ? `\n${urls.join('\n')}` : ''}\n\`npm run status\` shows every gate${Object.keys(prepared.stack.credentials).length ? ' and the credentials' : ''}; \`npm run down\` removes the lab.`);
}


/** `up --context NAME`: the same stack into an existing cluster: preflight there, the target named, a yes, then the stack. */
async function upOnContext(lab: Lab, choice: StackChoice, yes: boolean): Promise<void> {
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  await checkStackObjects(prepared);
  refuseImageComponents(prepared, lab, choice.registry);
  if (choice.registry && prepared.stack.components.some((c) => c.image)) await checkRegistryAnswers(choice.registry, deadline(lab, 10));
  // The stack as it runs there: with what a reused Prometheus fills in (its Service, namespace, port).
  const plan = await contextPreflight(lab, prepared);
  const there = plan.prepared;
  lab.print(describeTarget(lab, there, plan));
  await confirm(lab, `Install into context ${plan.kube.context}?`, yes);
  if (there.generatedSecrets.length) saveSecrets(lab.stateDir, there.secrets);
  const existing = { ...contextExisting(lab, there, plan), ...(choice.registry ? { deliverImage: imagePusher(lab, choice.registry) } : {}) };
  try {
    await runStack({ lab, ...there, cluster: (ctx) => reachCluster(lab, ctx), existing });
  } finally {
    await existing.reach.close();
  }
  if (plan.warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(plan.warnings)}`);
  lab.print(`\nThe lab is up on context ${plan.kube.context} (stack ${there.stack.name}); \`npm run down -- --context ${plan.kube.context}\` removes what it installed.`);
}

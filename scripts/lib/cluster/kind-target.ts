// The lab's own kind cluster as the target of `up` (stack/target.ts): preflight of this machine, the charts and
// the image cache, then the cluster created (or reused when it is hpa-lab's and healthy) with the missing images
// pulled into the cache beside it, and every node pointed at the cache. And what `plan` shows of it.
import type { Lab } from '../lab.ts';
import { createMarker, displayPath } from '../lab.ts';
import { LabError } from '../errors.ts';
import { runSteps } from '../ui.ts';
import type { Check } from '../host/preflight.ts';
import { formatChecks, runPreflight } from '../host/preflight.ts';
import type { ImageCacheConfig } from '../images/cache.ts';
import { hostsTomlPath } from '../images/cache.ts';
import { chartCached } from '../images/chart-cache.ts';
import { chartChecks, imageChecks } from '../images/checks.ts';
import { cacheChecks, ensureCharts, ensureImageCache, labImagePresence, missingClusterImages, pointNodesAtCache, releaseSpecs, withPrePull } from '../images/downloads.ts';
import type { ImagePresence } from '../images/per-component.ts';
import type { PreparedStack } from '../stack/prepare.ts';
import { componentSteps, maskPlanSecrets, type PlanStep } from '../stack/plan.ts';
import type { Ready, Target } from '../stack/target.ts';
import { clusterConfigDifferences, clusterExistsOrFalse, configMismatchError, ensureCluster } from './lifecycle.ts';
import { clusterShape } from './shape-report.ts';

export interface KindOptions {
  imageCache: ImageCacheConfig;
  /** --no-cache: false; the nodes pull from the registries themselves. */
  useCache: boolean;
  /** --offline: download nothing; stop in preflight when something is missing. */
  offline: boolean;
  /** --retain: keep the node when kind create fails. */
  retain: boolean;
  /** --recreate: a cluster that differs from the kind config is deleted and made again. */
  recreate: boolean;
}

export function kindCluster(lab: Lab, opts: KindOptions): Target {
  let exists = false;
  let differences: string[] = [];
  let presence: ImagePresence[] | undefined;
  let pullFailures: string[] = [];
  return {
    async preflight(prepared) {
      const ready: Ready = { prepared, warnings: [] };
      await runSteps([{ title: 'Preflight', run: async (ctx) => {
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
        ready.warnings = checks.filter((c) => c.level === 'warn');
        const failed = checks.filter((c) => c.level === 'fail');
        if (failed.length > 0) {
          throw new LabError(`preflight failed: ${failed.map((c) => c.summary.split(': ')[0]).join('; ')}`, {
            details: formatChecks([...failed, ...ready.warnings]).split('\n'),
            why: 'nothing was created; fix the problems above and run `npm run up` again (`npm run doctor` re-checks)',
          });
        }
        // A reused cluster must match the kind config given (a half-made one is recreated anyway).
        if (exists && !createMarker.present(lab)) {
          differences = await clusterConfigDifferences(lab);
          if (differences.length && !opts.recreate) throw configMismatchError(lab, differences);
        }
        ctx.retitle(`Preflight: ${checks.filter((c) => c.level === 'ok').length} ok, ${ready.warnings.length} warning${ready.warnings.length === 1 ? '' : 's'}`);
      } }], lab.ui);
      return ready;
    },

    async prepare({ prepared }) {
      await runSteps([
        { title: 'Charts', run: (ctx) => ensureCharts(lab, releaseSpecs(prepared), ctx) },
        { title: 'Image cache', run: async (ctx) => {
          if (!opts.useCache) return ctx.skip('not used (--no-cache): the nodes pull from the registries');
          const started = await ensureImageCache(lab, opts.imageCache, ctx);
          if (started.length || !presence) presence = await labImagePresence(lab, prepared, opts.imageCache, true);
          const missing = missingClusterImages(presence);
          ctx.retitle(`Image cache: ${started.length ? `started ${started.length} registries` : 'running'}; ${presence.filter((p) => p.where === 'cache').length} images cached, ${missing.length} to pull`);
        } },
      ], lab.ui);
    },

    engine() {
      const toPull = opts.useCache && presence ? missingClusterImages(presence) : [];
      return {
        cluster: async (ctx) => {
          const { value: kube, pull } = await withPrePull(lab, opts.imageCache, toPull, ctx, (c) => ensureCluster(lab, exists, { retain: opts.retain, recreate: differences }, c));
          pullFailures = pull.failed.map((f) => `${f.image}: ${f.error}`);
          if (opts.useCache) await pointNodesAtCache(lab, opts.imageCache);
          return kube;
        },
        close: () => Promise.resolve(),
      };
    },

    sayUp({ prepared, warnings }) {
      const all: Check[] = [...warnings, ...(pullFailures.length ? [{ id: 'prepull', level: 'warn' as const, summary: `pre-pull into the cache failed for ${pullFailures.length} image(s); the nodes pulled them themselves`, why: pullFailures.join('\n') }] : [])];
      if (all.length > 0) lab.print(`\nWarnings:\n${formatChecks(all)}`);
      const urls = Object.entries(prepared.resolver.resolve(prepared.stack.urls, 'urls')).map(([k, v]) => `  ${k.padEnd(11)} ${v}`);
      lab.print(`\nThe lab is up (stack ${prepared.stack.name}, context ${lab.context}).${urls.length ? `\n${urls.join('\n')}` : ''}\n\`npm run status\` shows every gate${Object.keys(prepared.stack.credentials).length ? ' and the credentials' : ''}; \`npm run down\` removes the lab.`);
    },
  };
}

/** `plan` on the kind lab: the cluster's config as kind gets it, the image cache (unless --no-cache), then each component (the stack's NodePorts are checked against the kind config with the rest of the input: stack/prepare.ts checkedStack). */
export function kindPlan(lab: Lab, prepared: PreparedStack, cache: ImageCacheConfig | undefined): PlanStep[] {
  // The name goes into the document so that it can be fed to `kind create cluster --config -` as is.
  const { kind, apiVersion, name: _ignored, ...rest } = lab.kindConfig.doc;
  const steps: PlanStep[] = [
    {
      comment: `cluster: kind create cluster --name ${lab.name} --config - (${clusterShape(lab)})   (reused when it exists and is hpa-lab's; then: API server and ${lab.kindConfig.nodeCount} node${lab.kindConfig.nodeCount === 1 ? '' : 's'} Ready)`,
      doc: { kind, apiVersion, name: lab.name, ...rest },
    },
  ];
  if (cache) {
    steps.push({
      comment: `image cache: ${cache.mirrors.length} pull-through registries from ${cache.file}, started when absent (--no-cache: none), the images they lack pulled into them beside the cluster's creation, each node's containerd pointed at them; kept by down (down --purge removes them)`,
      doc: {
        apiVersion: 'hpa-lab/v1alpha1',
        kind: 'ImageCache',
        metadata: { name: cache.volume },
        spec: { image: cache.image, volume: cache.volume, mirrors: cache.mirrors.map((m) => ({ registry: m.registry, remote: m.remote, container: m.container, listen: `127.0.0.1:${m.hostPort}`, hostsToml: hostsTomlPath(m) })) },
      },
    });
  }
  steps.push(...componentSteps(prepared, { action: 'docker build + kind load (skipped when present)' }));
  return steps.map((s) => ({ ...s, doc: maskPlanSecrets(s.doc, prepared.secrets, displayPath(prepared.secretsFile)) }));
}

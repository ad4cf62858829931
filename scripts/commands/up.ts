// `hpa-lab up`: preflight, then the stack: the kind cluster (created, or reused when it is hpa-lab's and
// healthy) and every component, each behind its gates. Re-running converges: what is current is skipped.
import type { Lab } from '../lib/lab.ts';
import { createMarker, deadline } from '../lib/lab.ts';
import type { StackChoice } from '../lib/lab-stack.ts';
import { checkReleaseKeys, prepareStack, saveSecrets } from '../lib/lab-stack.ts';
import { runStack } from '../lib/engine.ts';
import { planSteps } from './plan.ts';
import { runSteps } from '../lib/ui.ts';
import type { StepContext } from '../lib/ui.ts';
import { runPreflight } from '../lib/preflight.ts';
import type { Check } from '../lib/preflight.ts';
import { clusterExists, createCluster, deleteCluster, exportKubeconfig, kindKubeconfig, MANAGED_BY_LABEL, MANAGED_BY_VALUE, userKubeconfigHasContext } from '../lib/cluster.ts';
import { kubeFromKubeconfig } from '../lib/kube.ts';
import type { Kube } from '../lib/kube.ts';
import { waitFor } from '../lib/gate.ts';
import { apiServerReadyGate } from '../lib/api-gate.ts';
import { InterruptedError, LabError } from '../lib/errors.ts';
import { execaRunner, MissingToolError } from '../lib/exec.ts';
import { formatChecks } from './doctor.ts';

export interface UpOptions {
  retain: boolean;
}

export async function up(lab: Lab, choice: StackChoice, opts: UpOptions): Promise<void> {
  // Bad input (stack, --set, --variant, ports) fails here, before preflight and before anything changes.
  const prepared = prepareStack(choice, lab.stateDir);
  checkReleaseKeys(prepared);
  planSteps(lab, prepared);
  let exists = false;
  let warnings: Check[] = [];
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
          ctx.retitle(`Preflight: ${checks.filter((c) => c.level === 'ok').length} ok, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`);
        },
      },
    ],
    lab.ui,
  );
  // Generated secrets are kept only once preflight passed: a failed preflight leaves nothing behind.
  if (prepared.generatedSecrets.length) saveSecrets(lab.stateDir, prepared.secrets);
  await runStack({ lab, ...prepared, cluster: (ctx) => ensureCluster(lab, exists, opts, ctx) });
  if (warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(warnings)}`);
  const urls = Object.entries(prepared.resolver.resolve(prepared.stack.urls, 'urls')).map(([k, v]) => `  ${k.padEnd(11)} ${v}`);
  lab.print(`\nThe lab is up (stack ${prepared.stack.name}, context ${lab.context}).${urls.length ? `\n${urls.join('\n')}` : ''}\n\`npm run status\` shows every gate${Object.keys(prepared.stack.credentials).length ? ' and the credentials' : ''}; \`npm run down\` removes the lab.`);
}

/** The cluster node of the stack: created or reused, API server Ready, kubectl context present. */
async function ensureCluster(lab: Lab, existed: boolean, opts: UpOptions, ctx: StepContext): Promise<Kube> {
  let exists = existed;
  let how = 'reused';
  if (exists && createMarker.present(lab)) {
    ctx.say('a previous `up` was interrupted while creating this cluster: deleting the half-made cluster');
    await deleteCluster(lab.runner, lab.name);
    exists = false;
  }
  let kube: Kube;
  if (exists) {
    kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
    await assertOwnedIfReadable(lab, kube);
  } else {
    createMarker.set(lab);
    try {
      await createCluster(lab.runner, lab.name, lab.kindConfig, { retain: opts.retain, onLine: (l) => ctx.say(l.trim()) });
    } catch (err) {
      if (lab.signal.aborted) {
        // kind deletes its nodes itself when a create fails, but not when it is interrupted.
        if (!opts.retain) await deleteCluster(execaRunner(), lab.name).catch(() => undefined);
        createMarker.clear(lab);
        throw new InterruptedError();
      }
      createMarker.clear(lab);
      throw err;
    }
    createMarker.clear(lab);
    how = 'created';
    kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
  }
  const ready = await waitFor(apiServerReadyGate(kube, deadline(lab, 120)), { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
  let context = 'context present';
  if (!(await userKubeconfigHasContext(lab.name))) {
    await exportKubeconfig(lab.runner, lab.name);
    context = 'context restored with kind export kubeconfig';
  }
  ctx.retitle(`cluster ${lab.name}: ${how}, Kubernetes ${ready.version}, ${ready.nodes.length} node${ready.nodes.length === 1 ? '' : 's'} Ready, ${context}`);
  return kube;
}

async function clusterExistsOrFalse(lab: Lab): Promise<boolean> {
  try {
    return await clusterExists(lab.runner, lab.name);
  } catch (err) {
    // A missing kind or an unreachable Docker daemon is preflight's to report, with its fix.
    if (err instanceof MissingToolError || err instanceof LabError) return false;
    throw err;
  }
}

/** Refuses to adopt a cluster of that name that hpa-lab did not create. */
export async function assertOwnedIfReadable(lab: Lab, kube: Kube): Promise<void> {
  let nodes;
  try {
    nodes = await kube.listNodes();
  } catch {
    return; // unreadable: the API gate reports why
  }
  const ours = nodes.some((n) => n.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE);
  if (!ours) {
    throw new LabError(`a kind cluster named "${lab.name}" exists but was not created by hpa-lab (its node has no label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE})`, {
      why: 'hpa-lab only changes clusters it made, so it will not install into or delete this one',
      fix: `use another name (--name my-lab), or delete that cluster yourself: kind delete cluster --name ${lab.name}`,
    });
  }
}

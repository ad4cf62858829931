// `hpa-lab up`: preflight, then the kind cluster (created, or reused when it is already ours and healthy),
// then the API server gate. Re-running converges: a healthy cluster is reused, not recreated.
import type { Lab } from '../lib/lab.ts';
import { createMarker, deadline } from '../lib/lab.ts';
import { runSteps } from '../lib/ui.ts';
import type { Step } from '../lib/ui.ts';
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

export async function up(lab: Lab, opts: UpOptions): Promise<void> {
  let exists = false;
  let warnings: Check[] = [];
  let kube: Kube | undefined;
  const steps: Step[] = [
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
    {
      title: `Cluster ${lab.name}`,
      run: async (ctx) => {
        if (exists && createMarker.present(lab)) {
          ctx.say('a previous `up` was interrupted while creating this cluster: deleting the half-made cluster');
          await deleteCluster(lab.runner, lab.name);
          exists = false;
        }
        if (exists) {
          kube = kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
          await assertOwnedIfReadable(lab, kube);
          ctx.retitle(`Cluster ${lab.name}: exists, reused`);
          return;
        }
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
        kube = kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
        ctx.retitle(`Cluster ${lab.name}: created`);
      },
    },
    {
      title: 'API server ready',
      run: async (ctx) => {
        if (!kube) throw new Error('internal: no cluster client');
        const ready = await waitFor(apiServerReadyGate(kube, deadline(lab, 120)), { clock: lab.clock, signal: lab.signal, onWait: (l) => ctx.say(l) });
        ctx.retitle(`API server ready: Kubernetes ${ready.version}, ${ready.nodes.length} node${ready.nodes.length === 1 ? '' : 's'} Ready`);
      },
    },
    {
      title: `kubectl context ${lab.context}`,
      run: async (ctx) => {
        if (userKubeconfigHasContext(lab.name)) {
          ctx.retitle(`kubectl context ${lab.context}: present`);
          return;
        }
        await exportKubeconfig(lab.runner, lab.name);
        ctx.retitle(`kubectl context ${lab.context}: written by kind export kubeconfig (now current)`);
      },
    },
  ];
  await runSteps(steps, lab.ui);
  if (warnings.length > 0) lab.print(`\nWarnings:\n${formatChecks(warnings)}`);
  lab.print(`\nThe lab is up: kubectl --context ${lab.context} get nodes`);
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

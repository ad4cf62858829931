// `down`'s removal of the lab's kind cluster: only a cluster hpa-lab made (its node's label), unless --force;
// nothing to do when it is gone; and when kind itself is missing, what that means for the rest of `down`.
import { rmSync } from 'node:fs';
import type { Lab } from '../lab.ts';
import { createMarker } from '../lab.ts';
import { LabError } from '../errors.ts';
import { MissingToolError } from '../exec.ts';
import { missingToolHelp } from '../host/tool-help.ts';
import { kubeFromKubeconfig } from '../kube/api.ts';
import { secretsFile } from '../stack/prepare.ts';
import type { StepContext } from '../ui.ts';
import { assertOwnedIfReadable, clusterExists, deleteCluster, kindKubeconfig } from './lifecycle.ts';

/** Whether the cluster exists; 'no kind' when kind is not installed (then only what needs Docker alone is removed). */
async function clusterExistsOrNoKind(lab: Lab): Promise<boolean | 'no kind'> {
  try {
    return await clusterExists(lab.runner, lab.name);
  } catch (err) {
    if (err instanceof MissingToolError && err.tool === 'kind') return 'no kind';
    throw err;
  }
}

/** Deletes the lab's cluster (and its create marker and generated secrets); says what it found. */
export async function removeLabCluster(lab: Lab, force: boolean, ctx: StepContext): Promise<'deleted' | 'gone' | 'no kind'> {
  const exists = await clusterExistsOrNoKind(lab);
  if (exists === 'no kind') {
    ctx.skip('kind is not installed: the cluster can be neither listed nor deleted (what needs Docker alone is still removed)');
    return 'no kind';
  }
  if (!exists) {
    createMarker.clear(lab);
    ctx.skip(`cluster ${lab.name} does not exist: nothing to remove`);
    return 'gone';
  }
  if (!force) {
    const kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
    await assertOwnedIfReadable(lab, kube, { unreadable: 'refuse' });
  }
  ctx.say(`kind delete cluster --name ${lab.name}`);
  await deleteCluster(lab.runner, lab.name);
  createMarker.clear(lab);
  rmSync(secretsFile(lab.stateDir), { force: true });
  return 'deleted';
}

export function noKindError(lab: Lab, removed: string[]): LabError {
  return new LabError(`cluster ${lab.name} not removed: kind is not installed, so hpa-lab can neither list nor delete kind clusters${removed.length ? ` (removed what needs Docker alone: ${removed.join('; ')})` : ''}`, {
    why: `a lab is a kind cluster; one made before kind was removed would still run as the Docker container ${lab.name}-control-plane`,
    fix: `${missingToolHelp('kind').fix}; then npm run down   (or remove the node yourself: docker rm -f ${lab.name}-control-plane)`,
  });
}

// `hpa-lab down`: deletes the lab's kind cluster, and nothing else. Succeeds when it is already gone.
import type { Lab } from '../lib/lab.ts';
import { createMarker } from '../lib/lab.ts';
import { runSteps } from '../lib/ui.ts';
import { clusterExists, deleteCluster, kindKubeconfig } from '../lib/cluster.ts';
import { kubeFromKubeconfig } from '../lib/kube.ts';
import { assertOwnedIfReadable } from './up.ts';

export async function down(lab: Lab, opts: { force: boolean }): Promise<void> {
  let gone = false;
  await runSteps(
    [
      {
        title: `Delete cluster ${lab.name}`,
        run: async (ctx) => {
          if (!(await clusterExists(lab.runner, lab.name))) {
            gone = true;
            createMarker.clear(lab);
            ctx.skip(`cluster ${lab.name} does not exist: nothing to remove`);
            return;
          }
          if (!opts.force) {
            const kube = await kubeFromKubeconfig(await kindKubeconfig(lab.runner, lab.name), lab.name);
            await assertOwnedIfReadable(lab, kube);
          }
          ctx.say(`kind delete cluster --name ${lab.name}`);
          await deleteCluster(lab.runner, lab.name);
          createMarker.clear(lab);
        },
      },
    ],
    lab.ui,
  );
  lab.print(gone ? `Nothing to do: cluster ${lab.name} is already gone.` : `Removed cluster ${lab.name} (context ${lab.context}).`);
}

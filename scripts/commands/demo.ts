// `hpa-lab demo`: drives a steady request rate at the app's NodePort, shows the chain load → metric →
// desired replicas → Ready pods as it happens, then (unless told not to) stops the load and waits for the
// scale back in. Ends with a summary, a JSON record for CI and an HTML report of the same data (charts, summary,
// settings), and with --expect-replicas a verdict.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import type { DemoInputChecked, DemoOptions, DemoRun } from '../lib/demo/input.ts';
import { demoKube, readHpa } from '../lib/demo/cluster.ts';
import { forwardsReach, NODE_PORTS } from '../lib/kube/reach.ts';
import { imageInCluster } from '../lib/demo/in-cluster-load.ts';
import { planDemo } from '../lib/demo/expectation.ts';
import { announceDemo, driveLoad } from '../lib/demo/run.ts';
import { demoResults, printResults, writeResults } from '../lib/demo/results.ts';
import { judgeRun } from '../lib/demo/verdict.ts';

export type { DemoOptions };

/** `checked`: every flag, alone and together, and the stack's own HPA bounds, checked with the rest of the input (scripts/cli.ts). */
export async function demo(lab: Lab, prepared: PreparedStack, checked: DemoInputChecked): Promise<number> {
  const kube = await demoKube(lab);
  // On --context the app is reached through a port-forward (lib/kube/reach.ts); on the lab's kind cluster, its NodePort;
  // with --in-cluster-load, by its Service's DNS name from a Job in the cluster (no forward).
  const reach = lab.target && !checked.inCluster ? forwardsReach(prepared.stack, prepared.resolver, kube) : NODE_PORTS;
  try {
    return await runDemo(lab, prepared, { ...checked, kube, url: checked.inCluster ? checked.inCluster.spec.url : await reach.rewrite(checked.spec.url) });
  } finally {
    await reach.close();
  }
}

async function runDemo(lab: Lab, prepared: PreparedStack, run: DemoRun): Promise<number> {
  const { view: hpa } = await readHpa(run.kube, run.spec);
  // The in-cluster load runs the image the demo's pods run (what up loaded or pushed), read before any load.
  const loadImage = run.inCluster ? await imageInCluster(run.kube, run.spec.pods, run.inCluster.repository, run.inCluster.spec.image) : undefined;
  // --expect-replicas against the cluster's HPA too (before any load), and whether to wait for the scale-in.
  const plan = planDemo(lab, run, hpa);
  announceDemo(lab, run, hpa, plan, loadImage);
  const observed = await driveLoad(lab, run, hpa, plan, loadImage);
  const results = demoResults(lab, prepared, run, hpa, plan, observed);
  const files = writeResults(lab, results, run.reportTo);
  printResults(lab, results, plan, files);
  return judgeRun(lab, results, observed);
}

// --expect-replicas against the HPA the cluster has (before any load), and whether the demo waits for the
// scale back in.
import type { Lab } from '../lab.ts';
import { InputError } from '../errors.ts';
import { checkExpectedReplicas } from './model.ts';
import type { Expectation, HpaView } from './model.ts';
import type { DemoRun } from './input.ts';

/** What a run does besides the load: the scale-in phase (or why not) and the expectation it is judged by. */
export interface DemoPlan {
  /** The HPA averages a counter's total: it never falls, so there is no scale-in to wait for. */
  counterTotal: boolean;
  scaleIn: boolean;
  expectation: Expectation | undefined;
}

/** The run's plan; --expect-replicas checked against the HPA read from the cluster (InputError, before any load). */
export function planDemo(lab: Lab, run: DemoRun, hpa: HpaView): DemoPlan {
  const { spec, input, fromStack } = run;
  // The article's HPA averages a counter's total: it never falls while pods live, so there is no scale-in to wait for.
  const counterTotal = /_total$/.test(hpa.metric);
  const scaleIn = input.scaleIn && !counterTotal;
  let expectation: Expectation | undefined;
  if (input.expect) {
    // The HPA the cluster has is the one that scales: checked too, before any load (it may have been made
    // with other settings than this demo's, or by something else than the stack).
    const ref = `${spec.hpa.namespace}/${spec.hpa.name}`;
    const inCluster = `the HPA object read from the cluster (context ${lab.context})`;
    const differs = fromStack && (fromStack.min.value !== hpa.min || fromStack.max.value !== hpa.max);
    const stackSays = differs
      ? `the stack says minReplicas ${fromStack.min.value} (${fromStack.min.from}) and maxReplicas ${fromStack.max.value} (${fromStack.max.from}): the lab was brought up with other settings than this demo's`
      : undefined;
    checkExpectedReplicas(
      input.expect.replicas,
      { hpa: ref, min: { value: hpa.min, from: inCluster }, max: { value: hpa.max, from: inCluster } },
      stackSays ? { details: [stackSays], fix: `npm run up with the same --stack, --set and --variant as the demo, then the demo again` } : {},
    );
    if (stackSays) lab.print(`note: HPA ${ref} in the cluster has minReplicas ${hpa.min} and maxReplicas ${hpa.max}; ${stackSays}`);
    if (input.expect.scaleInWithinSeconds !== undefined && counterTotal) {
      throw new InputError(`--scale-in-within: HPA ${ref} scales on ${hpa.metric}, a counter's total, which never falls: it scales out but never back in, so there is no scale-in to time`, {
        fix: 'drop --scale-in-within (the demo skips the scale-in for this HPA)',
      });
    }
    expectation = {
      replicas: input.expect.replicas,
      withinSeconds: input.expect.withinSeconds,
      scaleInWithinSeconds: scaleIn ? (input.expect.scaleInWithinSeconds ?? hpa.scaleDownWindowSeconds + 120) : undefined,
    };
  }
  return { counterTotal, scaleIn, expectation };
}

// Where a lab's stack runs: the lab's own kind cluster (cluster/kind-target.ts), or an existing cluster named
// with --context (context/context-target.ts). `up` takes the same steps on either, in the same order; what each
// step does there is the target's.
import type { Check } from '../host/preflight.ts';
import type { StackRun } from './engine.ts';
import type { PreparedStack } from './prepare.ts';

export interface Ready {
  /** The stack as it runs there (on an existing cluster, with what a reused Prometheus fills in). */
  prepared: PreparedStack;
  /** What preflight warned of, said again once the lab is up. */
  warnings: Check[];
}

export interface Target {
  /** Read-only checks there; when one fails, up stops with nothing changed. */
  preflight(prepared: PreparedStack): Promise<Ready>;
  /** What is put in place before the stack: the kind lab's charts and image cache; on an existing cluster, the person's yes. */
  prepare(ready: Ready): Promise<void>;
  /** How the engine gets the cluster (made, reused or reached) and what else it needs there; closed when the run ends. */
  engine(ready: Ready): Pick<StackRun, 'cluster' | 'existing'> & { close(): Promise<void> };
  /** What up says once the lab is up: the warnings, the URLs, the commands that come next. */
  sayUp(ready: Ready): void;
}

// `hpa-lab up`: the lab on its target, the lab's own kind cluster or an existing one (--context), in the same
// steps: preflight (read-only), what must be in place first (the kind lab's charts and image cache; on an existing
// cluster, the person's yes), then every component of the stack, each behind its gates. The stack comes checked
// (scripts/cli.ts: bad input is exit 2 before any work). Re-running converges: what is current is skipped.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { saveSecrets } from '../lib/stack/prepare.ts';
import { runStack } from '../lib/stack/engine.ts';
import type { Target } from '../lib/stack/target.ts';
import { kindCluster, type KindOptions } from '../lib/cluster/kind-target.ts';
import { contextCluster, type ContextOptions } from '../lib/context/context-target.ts';

export type UpOptions = KindOptions & ContextOptions;

export async function up(lab: Lab, prepared: PreparedStack, opts: UpOptions): Promise<void> {
  const target: Target = lab.target ? contextCluster(lab, opts) : kindCluster(lab, opts);
  const ready = await target.preflight(prepared);
  await target.prepare(ready);
  // Generated secrets are kept only once preflight passed: a failed preflight leaves nothing behind.
  if (ready.prepared.generatedSecrets.length) saveSecrets(lab.stateDir, ready.prepared.secrets);
  const engine = target.engine(ready);
  try {
    await runStack({ lab, ...ready.prepared, ...engine });
  } finally {
    await engine.close();
  }
  target.sayUp(ready);
}

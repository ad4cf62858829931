// `hpa-lab plan` (and `up --dry-run`): everything `up` would do, in order, as a YAML stream. Touches
// nothing: no tool is run and no file is written. Workshops read it; reviewers diff it. With --context it first
// runs up's read-only preflight there (what is reused depends on what the cluster has; its progress on stderr).
// The stack comes checked (scripts/cli.ts), as for up.
import type { Lab } from '../lib/lab.ts';
import type { PreparedStack } from '../lib/stack/prepare.ts';
import { renderPlan } from '../lib/stack/plan.ts';
import type { ImageCacheConfig } from '../lib/images/cache.ts';
import { kindPlan } from '../lib/cluster/kind-target.ts';
import { contextPlan } from '../lib/context/context-target.ts';

export async function plan(lab: Lab, prepared: PreparedStack, cache?: ImageCacheConfig, registry?: string): Promise<void> {
  const steps = lab.target ? await contextPlan(lab, prepared, registry) : kindPlan(lab, prepared, cache);
  lab.print(renderPlan(steps).trimEnd());
}

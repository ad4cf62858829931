// The demo's input, checked before the cluster is touched (exit 2): the stack's demo section, every flag alone
// and together, the --report file, --in-cluster-load's image, and --expect-replicas against the bounds of the
// lab's own HPA as the stack makes it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../lab.ts';
import type { PreparedStack, StackChoice } from '../stack/prepare.ts';
import { settingSource } from '../stack/prepare.ts';
import type { Kube } from '../kube/api.ts';
import { InputError } from '../errors.ts';
import type { DemoSpec, InClusterLoadSpec } from '../stack/stack-file.ts';
import { checkExpectedReplicas, parseDemoFlags } from './model.ts';
import type { DemoFlags, HpaBounds, ReplicaBound } from './model.ts';
import { checkReportFlag } from './report.ts';

/** The flags as typed, and the --stack/--set/--variant choice (to say where an HPA bound comes from). */
export interface DemoOptions extends DemoFlags {
  choice?: StackChoice;
  /** --report FILE: where the HTML report goes (default: next to the JSON); --no-report: none. */
  report?: string;
  noReport?: boolean;
}

/** The demo's input once checked: what checkDemoInput returns. */
export interface DemoInputChecked {
  spec: DemoSpec;
  input: ReturnType<typeof parseDemoFlags>;
  reportTo: ReturnType<typeof checkReportFlag>;
  fromStack: HpaBounds | undefined;
  /** --in-cluster-load */
  inCluster?: { spec: InClusterLoadSpec; repository: string };
}

/** A demo run: its checked input, the cluster it watches and where its load goes. */
export interface DemoRun extends DemoInputChecked {
  kube: Kube;
  /** where the load goes: the stack's URL, the forward that stands for it, or the in-cluster URL */
  url: string;
}

/** Every input of the demo, before anything is touched (InputError, exit 2). */
export function checkDemoInput(prepared: PreparedStack, opts: DemoOptions): DemoInputChecked {
  const raw = prepared.stack.demo;
  if (!raw) throw new InputError(`--stack: stack ${prepared.stack.name} (${prepared.stack.file}) has no demo section: the demo needs its url, hpa, pods and load`);
  const spec = prepared.resolver.resolve(raw, 'demo');
  // Every flag, alone and together, before anything is touched (exit 2).
  const input = parseDemoFlags(opts, { ...spec.load, from: `${prepared.stack.file}: demo.load` });
  const reportTo = checkReportFlag(opts);
  const inCluster = opts.inClusterLoad ? inClusterSpec(prepared, spec) : undefined;
  // The lab's own HPA: its replica bounds are known from the stack, before the cluster is asked anything.
  const fromStack = input.expect ? stackHpaBounds(prepared, spec, opts.choice) : undefined;
  if (input.expect && fromStack) checkExpectedReplicas(input.expect.replicas, fromStack);
  return { spec, input, reportTo, fromStack, ...(inCluster ? { inCluster } : {}) };
}

/** A stack setting, and where its value comes from: a --set, the --variant, or the stack file. */
function describeSetting(prepared: PreparedStack, setting: string, choice: StackChoice | undefined): string {
  const src = settingSource(prepared.stack, choice, setting);
  return src.from === 'file' ? `the stack setting ${setting} in ${src.text}` : `the stack setting ${setting}, from ${src.text}`;
}

/**
 * The demo's HPA as the stack makes it, when one of its manifests is that HPA (the lab's own): its
 * minReplicas and maxReplicas and where each comes from (a stack setting, or the manifest). Undefined for an
 * HPA the stack does not write itself (a chart's, or one made by hand): the cluster's is read instead.
 */
function stackHpaBounds(prepared: PreparedStack, spec: DemoSpec, choice: StackChoice | undefined): HpaBounds | undefined {
  for (const c of prepared.stack.components) {
    if (!c.manifests) continue;
    const raws = parseAllDocuments(readFileSync(path.resolve(REPO_ROOT, c.manifests), 'utf8'))
      .map((d) => d.toJS() as unknown)
      .filter((d): d is { kind?: unknown; spec?: Record<string, unknown> } => typeof d === 'object' && d !== null);
    for (const [i, raw] of raws.entries()) {
      if (raw.kind !== 'HorizontalPodAutoscaler') continue;
      const obj = prepared.resolver.resolve(raw, `${c.manifests}#${i + 1}`) as { metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };
      if ((obj.metadata?.namespace ?? 'default') !== spec.hpa.namespace || obj.metadata?.name !== spec.hpa.name) continue;
      const bound = (field: 'minReplicas' | 'maxReplicas', fallback?: number): ReplicaBound => {
        const written = raw.spec?.[field];
        const setting = typeof written === 'string' ? /^\$\{\s*([\w.-]+)\s*\}$/.exec(written)?.[1] : undefined;
        const from =
          written === undefined
            ? `the Kubernetes default: ${c.manifests} sets no spec.${field}`
            : setting
              ? describeSetting(prepared, setting, choice)
              : `spec.${field} in ${c.manifests}`;
        const value = written === undefined ? fallback : obj.spec?.[field];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
          throw new InputError(`HPA ${spec.hpa.namespace}/${spec.hpa.name}: ${field} is ${JSON.stringify(value)} (${from}): expected a whole number`);
        }
        return { value, from };
      };
      return { hpa: `${spec.hpa.namespace}/${spec.hpa.name}`, min: bound('minReplicas', 1), max: bound('maxReplicas') };
    }
  }
  return undefined;
}

/** --in-cluster-load: the stack's demo.inCluster and the repository of the image it names (exit 2 without one). */
function inClusterSpec(prepared: PreparedStack, spec: DemoSpec): { spec: InClusterLoadSpec; repository: string } {
  if (!spec.inCluster) {
    throw new InputError(`--in-cluster-load: stack ${prepared.stack.name} (${prepared.stack.file}) has no demo.inCluster: expected the in-cluster load generator there (image: a component with image:, command, url)`, {
      fix: 'drop --in-cluster-load (the load then comes from this machine), or add demo.inCluster to the stack',
    });
  }
  const component = prepared.stack.components.find((c) => c.name === spec.inCluster?.image);
  return { spec: spec.inCluster, repository: component?.image?.repository ?? spec.inCluster.image };
}

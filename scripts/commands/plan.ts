// `hpa-lab plan` (and `up --dry-run`): what `up` would do, in order, as a YAML stream. Touches nothing:
// no tool is run and no file is written. Workshops read it; reviewers diff it.
import { Document } from 'yaml';
import type { Lab } from '../lib/lab.ts';

export interface PlanStep {
  /** One line said before the document: what `up` does with it. */
  comment: string;
  doc: unknown;
}

export function planSteps(lab: Lab): PlanStep[] {
  // The name goes into the document so that it can be fed to `kind create cluster --config -` as is.
  const { kind, apiVersion, name: _ignored, ...rest } = lab.kindConfig.doc;
  const cluster = { kind, apiVersion, name: lab.name, ...rest };
  return [
    {
      comment: `step 1: kind create cluster --name ${lab.name} --config ${lab.kindConfig.file}   (skipped when the cluster exists and is hpa-lab's)`,
      doc: cluster,
    },
  ];
}

export function renderPlan(steps: PlanStep[]): string {
  return steps
    .map((s) => {
      const d = new Document(s.doc);
      d.commentBefore = ` ${s.comment}`;
      return d.toString({ lineWidth: 0 });
    })
    .map((text) => `---\n${text}`)
    .join('');
}

export function plan(lab: Lab): void {
  lab.print(renderPlan(planSteps(lab)).trimEnd());
}

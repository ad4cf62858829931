// The real renders in ../shared/real-renders/ were made with the values of their `lab` cases. This test says
// when the lab's values (charts-values/ plus what the stack sets, the generated password replaced by the
// renders' placeholder) drift from those cases: the renders then no longer show what `up` installs, and
// the README's list of what is checked against real charts stops being true until they are refreshed.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { releaseValues } from '../scripts/lib/actions/helm.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { makeResolver, loadStack, contentTag } from '../scripts/lib/stack.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

const PLACEHOLDER = 'placeholder-password-0123456789';

describeWithShared(['real-renders'], "the lab's values are the values of the real renders' lab cases", () => {
  const stack = loadStack(REPO_ROOT, 'custom-metrics');
  const images = Object.fromEntries(stack.components.filter((c) => c.image).map((c) => [c.name, `${c.image?.repository}:${contentTag(REPO_ROOT, c.image?.context ?? '')}`]));
  const resolver = makeResolver(stack, { sets: [], secrets: { grafanaAdminPassword: PLACEHOLDER }, images });
  for (const c of stack.components.filter((x) => x.helm)) {
    it(`${c.name}: the values up installs = ${c.helm?.chart}-${c.helm?.version}/lab.values.yaml`, () => {
      if (!c.helm) throw new Error("unreachable: filtered on helm");
      const h = resolver.resolve(c.helm, `${c.name}.helm`);
      const caseFile = sharedPath('real-renders', `${h.chart}-${h.version}`, 'lab.values.yaml');
      const caseText = readFileSync(caseFile, 'utf8');
      expect(caseText).toContain(`(release ${h.release}, namespace ${h.namespace})`);
      expect(releaseValues(REPO_ROOT, h)).toEqual(parse(caseText));
    });
  }
});

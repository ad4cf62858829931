// The real renders in ../shared/real-renders/ were made with the values of their `lab` cases. This test says
// when the lab's values (charts-values/ plus what the stack sets, the generated password replaced by the
// renders' placeholder) drift from those cases: the renders then no longer show what `up` installs, and
// docs/testing.md's list of what is checked against real charts stops being true until they are refreshed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { releaseValues } from '../scripts/lib/stack/actions/helm.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { makeResolver, loadStack, contentTag } from '../scripts/lib/stack/stack-file.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

const PLACEHOLDER = 'placeholder-password-0123456789';

describeWithShared(['real-renders'], "the lab's values are the values of the real renders' cases", () => {
  const seen = new Set<string>();
  for (const stackName of ['custom-metrics', 'keda']) {
    const stack = loadStack(REPO_ROOT, stackName);
    const images = Object.fromEntries(stack.components.filter((c) => c.image).map((c) => [c.name, `${c.image?.repository}:${contentTag(REPO_ROOT, c.image?.context ?? '')}`]));
    const resolver = makeResolver(stack, { sets: [], secrets: { grafanaAdminPassword: PLACEHOLDER }, images });
    for (const c of stack.components.filter((x) => x.helm)) {
      if (!c.helm) throw new Error('unreachable: filtered on helm');
      const h = resolver.resolve(c.helm, `${c.name}.helm`);
      const key = `${h.chart}-${h.version} ${JSON.stringify(releaseValues(REPO_ROOT, h))}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // A chart the lab trims has a `lab` case; one it installs with its defaults is the `defaults` case.
      const folder = sharedPath('real-renders', `${h.chart}-${h.version}`);
      const caseName = existsSync(path.join(folder, 'lab.values.yaml')) ? 'lab' : 'defaults';
      it(`${stackName}/${c.name}: the values up installs = ${h.chart}-${h.version}/${caseName}.values.yaml`, () => {
        const caseText = readFileSync(path.join(folder, `${caseName}.values.yaml`), 'utf8');
        expect(caseText).toContain(`(release ${h.release}, namespace ${h.namespace})`);
        expect(releaseValues(REPO_ROOT, h)).toEqual(parse(caseText) ?? {});
      });
    }
  }
});

// The cases of ../shared/real-renders/ and what the simulated chart renders for each (shared by the
// conformance test and `node test/conformance/report.ts`, which prints every divergence).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CHARTS } from '../sim/charts/index.ts';
import { coalesce, defaults, type Obj } from '../sim/charts/common.ts';
import { sharedPath } from '../sim/lib/shared.ts';
import type { K8sObject } from './compare.ts';

export interface Case {
  folder: string;
  name: string;
  release: string;
  namespace: string;
  values: Obj;
  real: K8sObject[];
}

export function cases(): Case[] {
  const root = sharedPath('real-renders');
  const out: Case[] = [];
  for (const folder of readdirSync(root).filter((f) => /-\d+\.\d+\.\d+$/.test(f)).sort()) {
    const dir = path.join(root, folder);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.values.yaml')).sort()) {
      const name = f.slice(0, -'.values.yaml'.length);
      const text = readFileSync(path.join(dir, f), 'utf8');
      // Each values file says, in its first line, the release and namespace it was rendered for.
      const m = text.match(/\(release (\S+), namespace (\S+)\)/);
      if (!m) throw new Error(`${path.join(dir, f)}: no "(release R, namespace N)" line`);
      const real = parseAllDocuments(readFileSync(path.join(dir, `${name}.yaml`), 'utf8'))
        .map((d) => d.toJSON() as K8sObject | null)
        .filter((o): o is K8sObject => !!o && typeof o === 'object' && 'kind' in o);
      out.push({ folder, name, release: m[1] as string, namespace: m[2] as string, values: (parse(text) as Obj | null) ?? {}, real });
    }
  }
  return out;
}

export const chartOf = (folder: string) => CHARTS.find((c) => `${c.name}-${c.version}` === folder);

export function simRender(c: Case): { objects: K8sObject[]; crds: K8sObject[] } {
  const chart = chartOf(c.folder);
  if (!chart) throw new Error(`no simulated chart for ${c.folder}`);
  const values = coalesce(defaults(chart.valuesFile), c.values) as Obj;
  const r = chart.render({ release: c.release, namespace: c.namespace, values, revision: 1, isInstall: true, kubeVersion: 'v1.36.1' });
  // Charts that ship CRDs in templates/ (KEDA) render them as objects; the real renders index CRDs apart.
  const isCrd = (o: K8sObject) => o.kind === 'CustomResourceDefinition';
  const objects = r.objects as unknown as K8sObject[];
  return { objects: objects.filter((o) => !isCrd(o)), crds: [...(r.crds as unknown as K8sObject[]), ...objects.filter(isCrd)] };
}


// The real tier's recipes (scripts/real/): how a Go part's generated module is written, when an artifact counts
// as built, and that the images it builds are exactly the ones the real renders name (so a chart bump that
// names another image makes the real tier incomplete instead of silently pulling nothing).
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { relativeReplaces, wrapperGoMod } from '../scripts/real/go.ts';
import { GO_PARTS, KEDA_IMAGES, NODE_IMAGES, STACK_IMAGES } from '../scripts/real/parts.ts';
import { CHART_CASES } from '../scripts/real/steps.ts';
import { containerImages, operatorImages, parseRendered } from '../scripts/lib/images/derive.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

const ETCD_LIKE = `module go.etcd.io/etcd/server/v3

require (
\tgo.etcd.io/etcd/api/v3 v3.6.8
\tgo.etcd.io/etcd/client/v3 v3.6.8 // indirect
)

replace (
\tgo.etcd.io/etcd/api/v3 => ../api
\tgo.etcd.io/etcd/client/v3 => ../client/v3
)

replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
`;

describe('Go parts', () => {
  it('replaces the nested modules a module requires (the zip leaves them out), not a guard for one it does not', () => {
    expect(relativeReplaces(ETCD_LIKE)).toEqual(['go.etcd.io/etcd/api/v3', 'go.etcd.io/etcd/client/v3']);
    const etcd = GO_PARTS.find((p) => p.name === 'etcd');
    if (!etcd) throw new Error('no etcd part');
    const mod = wrapperGoMod(etcd, ETCD_LIKE, 'v3.6.8');
    expect(mod).toContain('require (\n\tgo.etcd.io/etcd/server/v3 v3.6.8\n)');
    expect(mod).toContain('\tgo.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.8');
    expect(mod).not.toContain('FORBIDDEN_DEPENDENCY');
  });
});

describe('the build cache', () => {
  it('an artifact is built only with its outputs on disk and the same recipe', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-real-cache-'));
    const saved = process.env.HPA_LAB_REAL_CACHE;
    process.env.HPA_LAB_REAL_CACHE = dir;
    try {
      // cache.ts reads HPA_LAB_REAL_CACHE when it is loaded: a fresh copy of the module for this cache.
      vi.resetModules();
      const { isBuilt } = await import('../scripts/real/cache.ts');
      mkdirSync(path.join(dir, 'parts'), { recursive: true });
      writeFileSync(path.join(dir, 'parts', 'kind'), 'binary');
      const m = { go: 'go1.26.8', parts: { 'go:kind': { from: 'sigs.k8s.io/kind@v0.32.0', outputs: { 'parts/kind': 'abc' }, seconds: 1, at: '' } } };
      expect(isBuilt(m, 'go:kind', 'sigs.k8s.io/kind@v0.32.0')).toBe(true);
      expect(isBuilt(m, 'go:kind', 'sigs.k8s.io/kind@v0.33.0')).toBe(false);
      expect(isBuilt(m, 'go:other')).toBe(false);
      rmSync(path.join(dir, 'parts', 'kind'));
      expect(isBuilt(m, 'go:kind', 'sigs.k8s.io/kind@v0.32.0')).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.HPA_LAB_REAL_CACHE;
      else process.env.HPA_LAB_REAL_CACHE = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithShared(['real-renders'], 'the real tier’s images are the ones the real renders name', () => {
  it('every image of each installed render (and the operator’s) is built, and nothing else', () => {
    const named = new Set<string>();
    for (const c of CHART_CASES) {
      const objects = parseRendered(readFileSync(sharedPath('real-renders', `${c.chart}-${c.version}`, `${c.case}.yaml`), 'utf8'));
      for (const i of containerImages(objects)) named.add(i);
      for (const e of operatorImages(objects, objects)) named.add(e.image);
    }
    const built = new Set([...STACK_IMAGES, ...KEDA_IMAGES].map((i) => i.ref));
    expect([...named].sort()).toEqual([...built].sort());
    // The node's own images are kubeadm's and kind's, not a chart's.
    for (const n of NODE_IMAGES) expect(named.has(n.ref)).toBe(false);
  });
});

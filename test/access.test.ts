// The --context preflight's reading of a pinned chart (scripts/lib/context/access.ts chartKubeVersion): from the chart
// cache when the chart is there. The first real `up --context` asked the chart's repository in preflight even
// with the chart cached, and failed where no repository answers (an offline room).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartKubeVersion } from '../scripts/lib/context/access.ts';
import type { Lab } from '../scripts/lib/lab.ts';
import { gzipSync } from 'node:zlib';
import { fakeRunner } from './helpers/fakes.ts';
import { tarFiles } from './sim/lib/tar.ts';

const spec = { release: 'm', namespace: 'kube-system', chart: 'metrics-server', repo: 'https://kubernetes-sigs.github.io/metrics-server/', version: '3.13.1', values: [] } as unknown as Parameters<typeof chartKubeVersion>[1];
const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-access-'));
const saved = process.env.HPA_LAB_CACHE_DIR;
afterAll(() => {
  if (saved === undefined) delete process.env.HPA_LAB_CACHE_DIR;
  else process.env.HPA_LAB_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('chartKubeVersion', () => {
  it('reads the cached archive when there is one, and asks the repository only when there is none', async () => {
    process.env.HPA_LAB_CACHE_DIR = dir;
    const answer = { stdout: 'apiVersion: v2\nname: metrics-server\nversion: 3.13.1\nkubeVersion: ">=1.21.0-0"\n' };
    const runner = fakeRunner({ helm: answer });
    const lab = { runner } as unknown as Lab;
    expect(await chartKubeVersion(lab, spec)).toBe('>=1.21.0-0');
    expect(runner.calls.at(-1)).toMatch(/^helm show chart metrics-server --repo https:\/\/kubernetes-sigs\.github\.io\/metrics-server\/ --version 3\.13\.1$/);
    mkdirSync(path.join(dir, 'charts'), { recursive: true });
    // A chart archive as helm package writes one (gzipped tar, <chart>/Chart.yaml first): the cache checks that.
    writeFileSync(path.join(dir, 'charts', 'metrics-server-3.13.1.tgz'), gzipSync(tarFiles([{ name: 'metrics-server/Chart.yaml', data: answer.stdout }])));
    expect(await chartKubeVersion(lab, spec)).toBe('>=1.21.0-0');
    expect(runner.calls.at(-1)).toBe(`helm show chart ${path.join(dir, 'charts', 'metrics-server-3.13.1.tgz')}`);
  });
});

// `hpa-lab images list` against the simulated machine: it must name every image the real charts run with the
// lab's values (every `image:` of ../shared/real-renders/<chart>-<version>/<case>.yaml, the case the lab's values
// are: `lab` where it exists, else `defaults`; test/lab-values.test.ts holds the values to those cases), the
// config reloader the Prometheus Operator adds (its --prometheus-config-reloader arg in the same render), the kind
// node image, the image cache's own image (kind/image-cache.yaml), the app's base image and the app's own
// image, and nothing else.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerfileBases, operatorImage } from '../scripts/lib/images/derive.ts';
import { loadKindConfig } from '../scripts/lib/cluster/kind-config.ts';
import { loadImageCacheConfig } from '../scripts/lib/images/cache.ts';
import { DEFAULT_KIND_CONFIG } from '../scripts/lib/lab.ts';
import { loadStack } from '../scripts/lib/stack/stack-file.ts';
import { createSim, REPO_ROOT, type Sim } from './helpers/sim.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';

interface Entry {
  component: string;
  image: string;
  source: string;
}

/** Every `image:` value of a rendered YAML stream, read as text (containers and the Prometheus resource alike). */
function imagesIn(text: string): string[] {
  return [...text.matchAll(/^\s*(?:- )?image:\s*["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1] as string);
}

/** The chart, version and real-render case of each Helm component of a stack. */
function renderCases(stackName: string): Array<{ component: string; file: string }> {
  const stack = loadStack(REPO_ROOT, stackName);
  return stack.components.flatMap((c) => {
    if (!c.helm) return [];
    const folder = sharedPath('real-renders', `${c.helm.chart}-${c.helm.version}`);
    const caseName = existsSync(path.join(folder, 'lab.values.yaml')) ? 'lab' : 'defaults';
    return [{ component: c.name, file: path.join(folder, `${caseName}.yaml`) }];
  });
}

describeWithShared(['real-renders'], 'images list: every image the real charts run, the operator’s, the node image and the app’s', () => {
  let sim: Sim;
  const lists: Record<string, Entry[]> = {};
  beforeAll(async () => {
    sim = await createSim();
    for (const stack of ['custom-metrics', 'keda']) {
      const r = await sim.run(['images', 'list', '--json', '--stack', stack]);
      expect(r.exitCode, r.stderr).toBe(0);
      lists[stack] = JSON.parse(r.stdout) as Entry[];
    }
  }, 180_000);
  afterAll(() => sim?.cleanup());

  const nodeImage = loadKindConfig(path.join(REPO_ROOT, DEFAULT_KIND_CONFIG)).nodeImage;
  const cacheImage = loadImageCacheConfig(path.join(REPO_ROOT, 'kind', 'image-cache.yaml')).image;
  const baseImage = /^FROM\s+(\S+)/m.exec(readFileSync(path.join(REPO_ROOT, 'app', 'Dockerfile'), 'utf8'))?.[1];

  for (const stack of ['custom-metrics', 'keda']) {
    it(`${stack}: the kind node image, the image cache's image, the app's base image (app/Dockerfile FROM) and the app's image`, () => {
      const list = lists[stack] ?? [];
      expect(nodeImage).toMatch(/^kindest\/node:v[\d.]+@sha256:/);
      expect(list[0]).toEqual({ component: 'cluster', image: nodeImage, source: 'kind config' });
      expect(cacheImage).toMatch(/^registry:3\.[\d.]+@sha256:[a-f0-9]{64}$/);
      expect(list[1]).toEqual({ component: 'image-cache', image: cacheImage, source: 'image cache config' });
      expect(list).toContainEqual({ component: 'sample-app-image', image: baseImage, source: 'Dockerfile FROM' });
      const built = list.filter((e) => e.source === 'built by hpa-lab');
      expect(built).toHaveLength(1);
      expect(built[0]?.image).toMatch(/^hpa-lab\/sample-app:[0-9a-f]{12}$/);
    });

    for (const { component, file } of renderCases(stack)) {
      it(`${stack}/${component}: every image: of ${path.relative(sharedPath(), file)}, plus the config reloader the operator adds, and nothing else`, () => {
        const text = readFileSync(file, 'utf8');
        const reloader = /--prometheus-config-reloader=(\S+)/.exec(text)?.[1];
        const want = new Set([...imagesIn(text), ...(reloader ? [reloader] : [])]);
        expect(want.size).toBeGreaterThan(0);
        const got = (lists[stack] ?? []).filter((e) => e.component === component);
        expect(new Set(got.map((e) => e.image))).toEqual(want);
        if (component === 'kube-prometheus-stack') {
          const prometheus = /^kind: Prometheus\n[\s\S]*?^ {2}image: (\S+)$/m.exec(text)?.[1];
          expect(got).toContainEqual({ component, image: prometheus, source: 'operator: Prometheus resource' });
          expect(got).toContainEqual({ component, image: reloader, source: 'operator arg --prometheus-config-reloader' });
        }
        for (const e of got) expect(['helm template', 'operator: Prometheus resource', 'operator arg --prometheus-config-reloader'], e.image).toContain(e.source);
      });
    }
  }

  it('the table: a COMPONENT IMAGE header and one row per entry of --json, in the same order', async () => {
    const r = await sim.run(['images', 'list']);
    expect(r.exitCode, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['COMPONENT', 'IMAGE']);
    expect(rows.slice(1)).toEqual((lists['custom-metrics'] ?? []).map((e) => [e.component, e.image]));
  }, 60_000);

  it('images takes one subcommand and its FILE: anything else is exit 2, before any work', async () => {
    for (const [args, words] of [
      [['images'], /expected a subcommand \(one of: list, save, load\)/],
      [['images', 'lst'], /unknown subcommand "lst"/],
      [['images', 'list', 'extra'], /images list: unexpected argument "extra"/],
      [['images', 'save'], /images save: expected FILE/],
      [['images', 'load', 'a', 'b'], /images load: unexpected argument "b"/],
      [['images', 'load', 'no-such.tar'], /no-such\.tar: no such file \(expected an archive made by npm run images -- save\)/],
      [['images', 'save', 'x.tar', '--json'], /--json is for images list/],
    ] as const) {
      const r = await sim.run([...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr + r.stdout).toMatch(words);
    }
  }, 60_000);
});

describe('composing what is not rendered', () => {
  it('the operator’s image for a Prometheus resource: spec.image, else the base with @sha256:sha, :tag or :version', () => {
    const p = (spec: Record<string, unknown>) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'p' }, spec });
    expect(operatorImage(p({ image: 'a/b:1', version: 'v3' }), 'quay.io/prometheus/prometheus')).toBe('a/b:1');
    expect(operatorImage(p({ version: 'v3.1.0' }), 'quay.io/prometheus/prometheus')).toBe('quay.io/prometheus/prometheus:v3.1.0');
    expect(operatorImage(p({ baseImage: 'x/p', tag: 't', version: 'v3' }), 'quay.io/prometheus/prometheus')).toBe('x/p:t');
    expect(operatorImage(p({ sha: 'abc', tag: 't' }), 'b')).toBe('b@sha256:abc');
    expect(() => operatorImage(p({}), 'b')).toThrow(/no image, tag or version/);
  });

  it('the bases of a Dockerfile: every stage’s FROM, ARG defaults substituted, earlier stages and scratch left out', () => {
    const text = 'ARG NODE=24\nFROM --platform=$BUILDPLATFORM node:${NODE}-alpine AS build\nRUN x\nFROM build AS test\nFROM scratch\nFROM gcr.io/distroless/nodejs24 \\\n  AS run\n';
    expect(dockerfileBases(text)).toEqual(['node:24-alpine', 'gcr.io/distroless/nodejs24']);
  });
});

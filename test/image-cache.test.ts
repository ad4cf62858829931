// The image cache's pieces on their own: its config file (every bad field named), image references as
// containerd reads them, the hosts.toml a node gets, the pull of an image over the registry API (against a
// small registry served here, by digest, index resolved to the platform), and the chart cache's paths.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hostsToml, inCache, loadImageCacheConfig, mirrorFor, mirrorRunArgs } from '../scripts/lib/images/cache.ts';
import { parseImageRef } from '../scripts/lib/images/ref.ts';
import { eachLimited, pullThrough, RegistryError } from '../scripts/lib/images/registry-pull.ts';
import { cacheRoot, chartArchivePath, chartArchiveProblem, chartCached, chartSource, ensureChart } from '../scripts/lib/images/chart-cache.ts';
import { chartChecks } from '../scripts/lib/images/checks.ts';
import { writeChartArchive } from './helpers/chart-archive.ts';
import { REPO_ROOT } from './helpers/sim.ts';

const CONFIG = path.join(REPO_ROOT, 'kind', 'image-cache.yaml');

describe('kind/image-cache.yaml', () => {
  const cfg = loadImageCacheConfig(CONFIG);

  it('pins the registry by digest, one mirror per upstream registry the lab pulls from, on 127.0.0.1 only', () => {
    expect(cfg.image).toMatch(/^registry:3\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
    expect(cfg.mirrors.map((m) => m.registry).sort()).toEqual(['docker.io', 'ghcr.io', 'quay.io', 'registry.k8s.io']);
    expect(cfg.mirrors.find((m) => m.registry === 'docker.io')?.remote).toBe('https://registry-1.docker.io');
    for (const m of cfg.mirrors) {
      const args = mirrorRunArgs(cfg, m);
      expect(args).toContain(`127.0.0.1:${m.hostPort}:5000`);
      expect(args).toContain(`REGISTRY_PROXY_REMOTEURL=${m.remote}`);
      expect(args).toContain('REGISTRY_PROXY_TTL=0');
      expect(args).toContain(`${cfg.volume}:/var/lib/registry`);
      expect(args).toContain(`REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/var/lib/registry/${m.registry}`);
      expect(args[args.length - 1]).toBe(cfg.image);
    }
  });

  it('a node’s hosts.toml: the cache by container name for pull and resolve, the upstream as the server', () => {
    const m = cfg.mirrors.find((x) => x.registry === 'quay.io');
    expect(m).toBeDefined();
    const toml = hostsToml(m as NonNullable<typeof m>);
    expect(toml).toMatch(/^server = "https:\/\/quay\.io"$/m);
    expect(toml).toMatch(/^\[host\."http:\/\/hpa-lab-cache-quay-io:5000"\]\n {2}capabilities = \["pull", "resolve"\]$/m);
  });

  it('each image goes through the mirror of its registry (docker.io for short names)', () => {
    expect(mirrorFor(cfg, 'node:24-alpine')?.registry).toBe('docker.io');
    expect(mirrorFor(cfg, 'grafana/grafana:13.2.0')?.registry).toBe('docker.io');
    expect(mirrorFor(cfg, 'registry.k8s.io/metrics-server/metrics-server:v0.8.1')?.registry).toBe('registry.k8s.io');
    expect(mirrorFor(cfg, 'ghcr.io/kedacore/keda:2.20.2')?.registry).toBe('ghcr.io');
    expect(mirrorFor(cfg, 'example.com/x:1')).toBeUndefined();
    expect(inCache(new Set(['docker.io/library/node:24']), 'node:24')).toBe(true);
    expect(inCache(new Set(['docker.io/library/node:24']), 'node:25')).toBe(false);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-cache-cfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const withChange = (change: (doc: Record<string, unknown>) => void): string => {
    const doc = parse(loadText()) as Record<string, unknown>;
    change(doc);
    const f = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const mirrors = (d: Record<string, unknown>) => d.mirrors as Array<Record<string, unknown>>;
  const cases: Array<[string, (d: Record<string, unknown>) => void, RegExp]> = [
    ['an image without a digest', (d) => void (d.image = 'registry:3'), /: image: expected an image reference pinned by digest/],
    ['an image without a digest outside hpa-lab.local/', (d) => void (d.image = 'example.com/registry:3.0.0'), /: image: expected an image reference pinned by digest .*or one built here under hpa-lab\.local\//],
    ['an http remote on a public name', (d) => void ((mirrors(d)[0] as Record<string, unknown>).remote = 'http://8.8.8.8:5000'), /: mirrors\[0\]\.remote: expected the upstream registry’s https:\/\/ URL/],
    ['an unknown field', (d) => void (d.imag = 'x'), /: imag: expected one of image, volume, mirrors \(unknown field\)/],
    ['a bad volume name', (d) => void (d.volume = 'a b'), /: volume: expected a Docker volume name/],
    ['no mirrors', (d) => void (d.mirrors = []), /: mirrors: expected a list of \{registry, remote, container, hostPort\}/],
    ['an http remote', (d) => void ((mirrors(d)[0] as Record<string, unknown>).remote = 'http://x.io'), /: mirrors\[0\]\.remote: expected the upstream registry’s https:\/\/ URL/],
    ['a port below 1024', (d) => void ((mirrors(d)[1] as Record<string, unknown>).hostPort = 80), /: mirrors\[1\]\.hostPort: expected a port from 1024 to 65535/],
    ['two mirrors on one port', (d) => void ((mirrors(d)[1] as Record<string, unknown>).hostPort = (mirrors(d)[0] as Record<string, unknown>).hostPort), /: mirrors\[1\]\.hostPort: expected a hostPort no other mirror has/],
    ['an unknown mirror field', (d) => void ((mirrors(d)[2] as Record<string, unknown>).port = 1), /: mirrors\[2\]\.port: expected one of registry, remote, container, hostPort/],
  ];
  it('takes a registry image built here and an http:// upstream on a private address (a room’s own registry)', () => {
    const f = withChange((d) => {
      d.image = 'hpa-lab.local/registry:3.0.0';
      (mirrors(d)[0] as Record<string, unknown>).remote = 'http://172.17.0.1:5100';
    });
    const cfg = loadImageCacheConfig(f, 'my-cache.yaml');
    expect(cfg.image).toBe('hpa-lab.local/registry:3.0.0');
    expect(cfg.mirrors[0]?.remote).toBe('http://172.17.0.1:5100');
  });
  for (const [what, change, words] of cases) {
    it(`refuses ${what}, naming the file and the field`, () => {
      const f = withChange(change);
      expect(() => loadImageCacheConfig(f, 'my-cache.yaml')).toThrow(words);
      expect(() => loadImageCacheConfig(f, 'my-cache.yaml')).toThrow(/^my-cache\.yaml: /);
    });
  }
  it('a missing file and a file that is not YAML', () => {
    expect(() => loadImageCacheConfig(path.join(dir, 'none.yaml'), 'none.yaml')).toThrow(/^none\.yaml: no such file$/);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'image: [\n');
    expect(() => loadImageCacheConfig(bad, 'bad.yaml')).toThrow(/^bad\.yaml: not valid YAML/);
  });
});

function loadText(): string {
  return JSON.stringify(parse(readFileSync(CONFIG, 'utf8')));
}

describe('image references as containerd reads them', () => {
  it('docker.io and library/ for short names, :latest without a tag, the digest when both are given', () => {
    expect(parseImageRef('node:24-alpine')).toMatchObject({ domain: 'docker.io', path: 'library/node', tag: '24-alpine', reference: '24-alpine', full: 'docker.io/library/node:24-alpine' });
    expect(parseImageRef('grafana/grafana')).toMatchObject({ path: 'grafana/grafana', tag: 'latest', full: 'docker.io/grafana/grafana:latest' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`kindest/node:v1.36.1@${d}`)).toMatchObject({ domain: 'docker.io', path: 'kindest/node', digest: d, reference: d, full: `docker.io/kindest/node@${d}` });
    expect(parseImageRef('index.docker.io/library/busybox:1')?.full).toBe('docker.io/library/busybox:1');
    expect(parseImageRef('localhost:5000/app:1')).toMatchObject({ domain: 'localhost:5000', path: 'app' });
    expect(parseImageRef('Upper/case:1')).toBeUndefined();
    expect(parseImageRef('a:b:c')).toBeUndefined();
    expect(parseImageRef('x@sha256:short')).toBeUndefined();
  });
});

describe('pulling an image through a registry over its HTTP API', () => {
  // A registry of one image: an index (amd64 and arm64), a manifest per platform, a config and two layers.
  const blob = (s: string) => ({ data: Buffer.from(s), digest: `sha256:${createHash('sha256').update(s).digest('hex')}` });
  const blobs = new Map<string, Buffer>();
  const put = (s: string) => {
    const b = blob(s);
    blobs.set(b.digest, b.data);
    return { digest: b.digest, size: b.data.length };
  };
  const manifests = new Map<string, { type: string; body: string }>();
  const manifestFor = (arch: string) => {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(`config-${arch}`) }, layers: [put(`layer1-${arch}`), put(`layer2-${arch}-longer`)].map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })) });
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    manifests.set(digest, { type: 'application/vnd.oci.image.manifest.v1+json', body });
    return { digest, size: body.length };
  };
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: ['amd64', 'arm64'].map((arch) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestFor(arch), platform: { os: 'linux', architecture: arch } })),
  });
  manifests.set('1.0', { type: 'application/vnd.oci.image.index.v1+json', body: index });
  let corrupt = false;
  const requests: string[] = [];
  let base = '';
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
      const m = /^\/v2\/demo\/app\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      const found = m?.[1] === 'manifests' ? manifests.get(m[2] ?? '') : undefined;
      if (found) {
        res.writeHead(200, { 'Content-Type': found.type });
        return res.end(found.body);
      }
      const data = m?.[1] === 'blobs' ? blobs.get(m[2] ?? '') : undefined;
      if (data) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        return res.end(corrupt ? Buffer.concat([data, Buffer.from('x')]) : data);
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: m?.[1] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('resolves the index to the platform, then reads the config and each layer once, by digest', async () => {
    requests.length = 0;
    const seen: number[] = [];
    const ref = parseImageRef('example.test/demo/app:1.0');
    const got = await pullThrough(base, ref as NonNullable<typeof ref>, { signal: AbortSignal.timeout(10_000), arch: 'arm64', onProgress: (p) => seen.push(p.blobsDone) });
    expect(got.blobsTotal).toBe(3);
    expect(got.blobsDone).toBe(3);
    expect(got.bytes).toBe(Buffer.byteLength('config-arm64') + Buffer.byteLength('layer1-arm64') + Buffer.byteLength('layer2-arm64-longer'));
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(requests.filter((r) => r.includes('/manifests/'))).toHaveLength(2);
    expect(requests.filter((r) => r.includes('/blobs/'))).toHaveLength(3);
  });

  it('a blob whose content does not match its digest, an unknown tag, a platform the index lacks: each a RegistryError naming it', async () => {
    const ref = parseImageRef('example.test/demo/app:1.0') as NonNullable<ReturnType<typeof parseImageRef>>;
    corrupt = true;
    await expect(pullThrough(base, ref, { signal: AbortSignal.timeout(10_000), arch: 'amd64' })).rejects.toThrow(/content has digest sha256:/);
    corrupt = false;
    const missing = parseImageRef('example.test/demo/app:2.0') as NonNullable<ReturnType<typeof parseImageRef>>;
    const err = await pullThrough(base, missing, { signal: AbortSignal.timeout(10_000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).status).toBe(404);
    expect((err as Error).message).toMatch(/GET \/v2\/demo\/app\/manifests\/2\.0: 404 MANIFEST_UNKNOWN: manifest unknown/);
    await expect(pullThrough(base, ref, { signal: AbortSignal.timeout(10_000), arch: 's390x' })).rejects.toThrow(/no linux\/s390x image in its index/);
  });

  it('eachLimited: never more than the limit at once, every item tried, failures collected', async () => {
    let running = 0;
    let most = 0;
    const out = await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      if (n === 5) throw new Error('five');
      return n * 2;
    });
    expect(most).toBe(3);
    expect(out).toHaveLength(7);
    expect(out.filter((r) => !r.ok).map((r) => r.item)).toEqual([5]);
  });
});

describe('the chart cache', () => {
  it('lives under HPA_LAB_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache; installs from the file once it is there', () => {
    expect(cacheRoot({ HPA_LAB_CACHE_DIR: '/tmp/c' })).toBe('/tmp/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x/cache', HOME: '/h' })).toBe('/x/cache/hpa-lab');
    expect(cacheRoot({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/hpa-lab');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-charts-'));
    try {
      const env = { HPA_LAB_CACHE_DIR: tmp };
      const spec = { release: 'r', namespace: 'n', chart: 'metrics-server', repo: 'https://example.test/charts', version: '3.13.1', values: 'v.yaml', set: {}, subcharts: {} };
      expect(chartSource(spec, env)).toEqual(['metrics-server', '--repo', 'https://example.test/charts', '--version', '3.13.1']);
      const file = chartArchivePath(spec, env);
      expect(file).toBe(path.join(tmp, 'charts', 'metrics-server-3.13.1.tgz'));
      writeChartArchive(file, 'metrics-server', '3.13.1');
      expect(chartSource(spec, env)).toEqual([file]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('holds the pinned chart, not only a file of its name: a stand-in\'s archive, another version or a truncated file is not cached', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-charts-'));
    try {
      const env = { HPA_LAB_CACHE_DIR: tmp };
      const spec = { release: 'r', namespace: 'n', chart: 'metrics-server', repo: 'https://example.test/charts', version: '3.13.1', values: 'v.yaml', set: {}, subcharts: {} };
      const file = chartArchivePath(spec, env);
      const fromRepo = ['metrics-server', '--repo', 'https://example.test/charts', '--version', '3.13.1'];
      mkdirSync(path.dirname(file), { recursive: true });
      // what the simulated helm pull wrote before: gzip of a JSON record (~130 bytes)
      writeFileSync(file, gzipSync(JSON.stringify({ simulatedChartArchive: 1, repo: 'https://example.test/charts', name: 'metrics-server', version: '3.13.1' })));
      expect(chartCached(spec, env)).toBe(false);
      expect(chartArchiveProblem(file, spec)).toBe('not a tar archive');
      expect(chartSource(spec, env)).toEqual(fromRepo);
      writeFileSync(file, 'x');
      expect(chartArchiveProblem(file, spec)).toBe('not a gzipped archive');
      writeChartArchive(file, 'metrics-server', '3.12.2');
      expect(chartArchiveProblem(file, spec)).toBe('it holds metrics-server 3.12.2, not metrics-server 3.13.1');
      writeChartArchive(file, 'prometheus-adapter', '3.13.1');
      expect(chartArchiveProblem(file, spec)).toMatch(/^not a chart archive \(its first entry is "prometheus-adapter\/Chart\.yaml", not metrics-server\/Chart\.yaml\)$/);
      // an archive made by GNU tar (another writer than the tests' own), Chart.yaml first as Helm packages it
      const src = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-chart-src-'));
      mkdirSync(path.join(src, 'metrics-server'));
      writeFileSync(path.join(src, 'metrics-server', 'Chart.yaml'), 'apiVersion: v2\nname: metrics-server\nversion: 3.13.1\nappVersion: 0.8.0\n');
      writeFileSync(path.join(src, 'metrics-server', 'values.yaml'), 'args: []\n');
      execFileSync('tar', ['-czf', file, '-C', src, 'metrics-server/Chart.yaml', 'metrics-server/values.yaml']);
      expect(chartArchiveProblem(file, spec)).toBeUndefined();
      expect(chartSource(spec, env)).toEqual([file]);
      // what preflight and doctor say of a wrong file: the chart and why it does not count
      writeChartArchive(file, 'metrics-server', '3.12.2');
      const before = process.env.HPA_LAB_CACHE_DIR;
      process.env.HPA_LAB_CACHE_DIR = tmp;
      const summary = chartChecks([spec], { offline: true })[0]?.summary;
      if (before === undefined) delete process.env.HPA_LAB_CACHE_DIR;
      else process.env.HPA_LAB_CACHE_DIR = before;
      expect(summary).toBe('charts: 1 of 1 not downloaded yet: metrics-server-3.13.1 (the cached metrics-server-3.13.1.tgz is not that chart: it holds metrics-server 3.12.2, not metrics-server 3.13.1)');
      // ensureChart pulls it again, and refuses what a pull wrote that is not the chart
      const pulls: string[][] = [];
      const runner = { run: (cmd: string, args: string[]) => {
        pulls.push([cmd, ...args]);
        writeChartArchive(path.join(args[args.indexOf('--destination') + 1] as string, 'metrics-server-3.13.1.tgz'), 'metrics-server', pulls.length === 1 ? '3.13.1' : '9.9.9');
        return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
      } };
      expect(await ensureChart(runner, spec, env)).toBe('pulled');
      expect(chartCached(spec, env)).toBe(true);
      rmSync(file);
      await expect(ensureChart(runner, spec, env)).rejects.toThrow(/wrote metrics-server-3\.13\.1\.tgz, which is not that chart: it holds metrics-server 9\.9\.9/);
      expect(chartCached(spec, env)).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('npm run sim keeps the chart cache under its own state (.sim/cache), never the user\'s', () => {
    const out = execFileSync(process.execPath, [path.join(REPO_ROOT, 'test/sim/shell.ts'), 'env'], { encoding: 'utf8' });
    const env: Record<string, string> = { HOME: '/home/someone' };
    for (const m of out.matchAll(/^export (\w+)='([^']*)'$/gm)) env[m[1] as string] = m[2] as string;
    expect(cacheRoot(env)).toBe(path.join(REPO_ROOT, '.sim', 'cache'));
  });
});

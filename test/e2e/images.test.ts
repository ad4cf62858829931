// Nothing downloaded twice, and a workshop room without network, end to end on simulated machines: the real CLI,
// the stand-in docker/kind/helm, the simulated registries (test/sim/lib/upstream.ts: every download from
// "the internet" is a line of $HPA_LAB_SIM_HOME/upstream.jsonl) and the cache's registries serving HTTP.
//   machine A (network): the first up downloads every chart and image once; down then up downloads nothing;
//                        images save writes the room's archive; down --purge removes the cache.
//   machine B (no network): images load of that archive, then up --offline passes every gate, downloading nothing.
//   machine C (no network): an archive missing one image: up --offline stops in preflight naming it, changing nothing.
//   machine D (no network, Docker's classic image store): images load says the digest-pinned images lost their names.
//   machine F (no network, Docker's classic image store): an archive whose content does not match its manifest (an
//                        entry missing, an entry's bytes changed) is refused before anything is loaded.
// A, B and C use Docker's containerd image store (the `containerd-store` fault: Docker 29's default), which keeps an
// image's name and digest through `docker save`/`load`; the classic store does not (D).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createSim, KUBECTL_REASON, requireKubectl, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { readUpstreamLog, type UpstreamLogEntry } from '../sim/lib/upstream.ts';
import { tarFiles, untarFiles } from '../sim/lib/tar.ts';

const SIM_ENV = { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' };

interface Entry {
  component: string;
  image: string;
  source: string;
}

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});
const work = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-room-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A simulated machine and a `lab` that runs hpa-lab there with its ports. */
async function machine(faults: string[] = ['containerd-store']) {
  const sim = await createSim({ env: SIM_ENV, faults });
  sims.push(sim);
  const cfg = sim.writeKindConfig(sim.ports());
  const p = sim.ports();
  const sets = ['--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
  const lab = (cmd: string[], ...extra: string[]) => sim.run([...cmd, '--kind-config', cfg, ...sets, ...extra], { timeoutMs: 300_000 });
  return { sim, lab };
}

const byWho = (log: UpstreamLogEntry[], who: RegExp) => log.filter((e) => who.test(e.by));

describe.skipIf(!requirePrometheus() || !requireKubectl())(`images: nothing downloaded twice, and an offline room ${PROMETHEUS_REASON} ${KUBECTL_REASON}`, { timeout: 600_000 }, () => {
  let a: Awaited<ReturnType<typeof machine>>;
  let list: Entry[] = [];
  const archive = path.join(work, 'room.tar');

  beforeAll(async () => {
    a = await machine();
    const r = await a.lab(['images', 'list', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    list = JSON.parse(r.stdout) as Entry[];
  });
  const clusterImages = () => [...new Set(list.filter((e) => e.source === 'helm template' || e.source.startsWith('operator')).map((e) => e.image))];

  it('machine A, images list then the first up: every chart, every cluster image (by the cache, none by a node) and every host image downloaded once', async () => {
    const r = await a.lab(['up']);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const log = readUpstreamLog(a.sim.home);
    const cluster = clusterImages();
    // The eight images of the custom-metrics stack, from three registries (the count), each pulled once.
    expect(cluster).toHaveLength(8);
    const viaCache = byWho(log, /^cache /);
    expect(viaCache.map((e) => e.ref).sort()).toEqual(cluster.map((i) => (i.includes('/') && i.split('/')[0]?.includes('.') ? i : `docker.io/${i}`)).sort());
    expect(byWho(log, /^node /)).toEqual([]);
    expect(byWho(log, /^(docker|kind)$/).map((e) => e.ref.split(/[:@]/)[0]).sort()).toEqual(['docker.io/kindest/node', 'docker.io/library/node', 'docker.io/library/registry']);
    expect(byWho(log, /^helm$/).map((e) => e.ref.split('/').pop()).sort()).toEqual(['kube-prometheus-stack-88.5.3.tgz', 'metrics-server-3.13.1.tgz', 'prometheus-adapter-5.3.0.tgz']);
    expect(r.stdout).toMatch(/Image cache: started 4 registries; 0 images cached, 8 to pull/);
  });

  it('machine A, down then up: the cache and the charts stay, and the second up downloads nothing at all', async () => {
    const before = readUpstreamLog(a.sim.home).length;
    const down = await a.lab(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/The image and chart caches stay for the next up/);
    const running = await a.sim.exec('docker', ['container', 'inspect', '--format', '{{.State.Running}}', 'hpa-lab-cache-quay-io']);
    expect(running.stdout.trim()).toBe('true');
    const up = await a.lab(['up']);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/Image cache: running; 8 images cached, 0 to pull/);
    expect(readUpstreamLog(a.sim.home).slice(before)).toEqual([]);
  });

  it('machine A, images save: one archive with a manifest, the host images, the cache’s storage and the charts', async () => {
    const r = await a.lab(['images', 'save', archive]);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const t = await execa('tar', ['-tf', archive]);
    const names = t.stdout.split('\n');
    for (const want of ['./manifest.json', './host-images.tar', './charts/kube-prometheus-stack-88.5.3.tgz']) expect(names).toContain(want);
    expect(names.some((n) => /^\.\/cache\/quay\.io\/docker\/registry\/v2\/repositories\/prometheus\/prometheus\/_manifests\/tags\/v3\.14\.0-distroless\/current\/link$/.test(n))).toBe(true);
    const mf = JSON.parse((await execa('tar', ['-xOf', archive, './manifest.json'])).stdout) as { images: Array<{ image: string; place: string }> };
    expect(mf.images.filter((i) => i.place === 'host').map((i) => i.image.split(/[:@]/)[0]).sort()).toEqual(['kindest/node', 'node', 'registry']);
    // The app image rides along (its build needs the network): saved with the host images.
    const built = mf.images.filter((i) => i.place === 'built').map((i) => i.image);
    expect(built).toEqual([expect.stringMatching(/^hpa-lab\/sample-app:/) as unknown]);
    expect((await execa('tar', ['-xOf', archive, './host-images.tar'])).stdout).toContain(built[0]);
    expect(new Set(mf.images.filter((i) => i.place === 'cluster').map((i) => i.image))).toEqual(new Set(clusterImages()));
  });

  it('machine A, down --purge: the cluster, the cache’s registries, their volume and the chart cache are gone', async () => {
    const r = await a.lab(['down', '--purge']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Purged 4 cache registries, volume hpa-lab-image-cache, the chart cache, 3 pulled images \(registry:3\.0\.0, kindest\/node:v1\.36\.1, node:24-alpine\)\./);
    const c = await a.sim.exec('docker', ['container', 'inspect', 'hpa-lab-cache-docker-io']);
    expect(c.exitCode).toBe(1);
    const v = await a.sim.exec('docker', ['volume', 'inspect', 'hpa-lab-image-cache']);
    expect(v.exitCode).toBe(1);
    expect(readdirSync(path.join(a.sim.env.HOME as string, '.cache')).includes('hpa-lab') ? readdirSync(path.join(a.sim.env.HOME as string, '.cache', 'hpa-lab')) : []).not.toContain('charts');
  });

  it('machine B, no network: images load, then up --offline passes every gate and downloads nothing', async () => {
    const b = await machine(['containerd-store', 'offline']);
    const load = await b.lab(['images', 'load', archive]);
    expect(load.exitCode, load.stderr + load.stdout).toBe(0);
    expect(load.stdout).toMatch(/8 cluster images in the cache, 3 charts/);
    const up = await b.lab(['up', '--offline']);
    expect(up.exitCode, up.stderr + up.stdout).toBe(0);
    expect(up.stdout).toMatch(/hpa: applied 1 object, 1 gate passed/);
    expect(up.stdout).toMatch(/The lab is up/);
    expect(readUpstreamLog(b.sim.home)).toEqual([]);
  });

  it('machine C, no network, an archive without one image: up --offline stops in preflight naming it, and creates nothing', async () => {
    const c = await machine(['containerd-store', 'offline']);
    // The room's archive as it would be had it been saved before the chart named that image.
    const dir = path.join(work, 'partial');
    await execa('mkdir', ['-p', dir]);
    await execa('tar', ['-xf', archive, '-C', dir]);
    rmSync(path.join(dir, 'cache', 'quay.io', 'docker', 'registry', 'v2', 'repositories', 'prometheus', 'prometheus'), { recursive: true, force: true });
    // saved so, its manifest would not list those files either (an archive that differs from its manifest is refused: machine F)
    const mfFile = path.join(dir, 'manifest.json');
    const mf = JSON.parse(readFileSync(mfFile, 'utf8')) as { files: Array<{ path: string }> };
    mf.files = mf.files.filter((f) => !f.path.startsWith('cache/quay.io/docker/registry/v2/repositories/prometheus/prometheus/'));
    writeFileSync(mfFile, JSON.stringify(mf, null, 2));
    const partial = path.join(work, 'partial.tar');
    await execa('tar', ['-cf', partial, '-C', dir, '.']);
    const load = await c.lab(['images', 'load', partial]);
    expect(load.exitCode).toBe(1);
    expect(load.stderr).toMatch(/the cache does not hold quay\.io\/prometheus\/prometheus:v3\.14\.0-distroless/);
    const up = await c.lab(['up', '--offline']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toMatch(/preflight failed/);
    expect(up.stderr).toMatch(/cluster images: 7 of 8 in the cache; missing quay\.io\/prometheus\/prometheus:v3\.14\.0-distroless/);
    expect(up.stderr).toMatch(/npm run images -- load/);
    const clusters = await c.sim.exec('kind', ['get', 'clusters']);
    expect(clusters.stdout.trim()).toBe('');
    const doctor = await c.lab(['doctor', '--offline']);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(/missing quay\.io\/prometheus\/prometheus:v3\.14\.0-distroless/);
    expect(readUpstreamLog(c.sim.home)).toEqual([]);
  });

  it('machine E, no network, the app image not built (an archive from before it was carried): up --offline stops in preflight, since the build needs the network', async () => {
    const e = await machine(['containerd-store', 'offline']);
    const load = await e.lab(['images', 'load', archive]);
    expect(load.exitCode, load.stderr + load.stdout).toBe(0);
    const app = list.find((x) => x.source === 'built by hpa-lab')?.image ?? '';
    expect(app).toMatch(/^hpa-lab\/sample-app:[0-9a-f]{12}$/);
    expect((await e.sim.exec('docker', ['image', 'rm', app])).exitCode).toBe(0);
    // What Docker does with the app's Dockerfile there: its first RUN (apk add) cannot fetch.
    const build = await e.sim.exec('docker', ['build', '--tag', 'try/app:1', path.join(REPO_ROOT, 'app')]);
    expect(build.exitCode).toBe(1);
    expect(build.stderr).toMatch(/ERROR: failed to build: failed to solve: process "\/bin\/sh -c apk add --no-cache curl" did not complete successfully: exit code: 1/);
    const up = await e.lab(['up', '--offline']);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toMatch(new RegExp(`not built yet: ${app.replace(/[/.]/g, '\\$&')}`));
    expect(up.stderr).toMatch(/its build fetches from the network/);
    expect((await e.sim.exec('kind', ['get', 'clusters'])).stdout.trim()).toBe('');
  });

  it('machine D, no network, Docker’s classic image store: images load stops, naming the images that lost their names and the fix', async () => {
    const d = await machine(['offline']);
    const load = await d.lab(['images', 'load', archive]);
    expect(load.exitCode).toBe(1);
    expect(load.stderr).toMatch(/after docker image load, Docker does not find .*kindest\/node:v[\d.]+@sha256:[a-f0-9]{64}/);
    expect(load.stderr).toMatch(/containerd-snapshotter/);
  });

  it('machine F, no network: an archive whose content does not match its manifest (an entry missing, an entry’s bytes changed) is exit 2 naming the file, the entry and what was expected, and nothing is loaded', async () => {
    // Docker's classic store would load the host images before the changed one, then fail with its own words.
    const f = await machine(['offline']);
    const imagesFile = path.join(f.sim.home, 'images.json');
    const state = () => (existsSync(imagesFile) ? readFileSync(imagesFile, 'utf8') : undefined);
    const before = state();
    /** The room's archive unpacked, changed, and packed again as another file. */
    const tampered = async (name: string, change: (dir: string) => void) => {
      const dir = path.join(work, name);
      await execa('mkdir', ['-p', dir]);
      await execa('tar', ['-xf', archive, '-C', dir]);
      change(dir);
      const file = path.join(work, `${name}.tar`);
      await execa('tar', ['-cf', file, '-C', dir, '.']);
      return file;
    };
    const noChart = await tampered('no-chart', (dir) => rmSync(path.join(dir, 'charts', 'metrics-server-3.13.1.tgz')));
    const changedLayer = await tampered('changed-layer', (dir) => {
      // the last image's layer inside docker's own archive, a byte longer
      const host = path.join(dir, 'host-images.tar');
      const inner = untarFiles(readFileSync(host));
      const items = JSON.parse((inner.get('manifest.json') as Buffer).toString('utf8')) as Array<{ Layers: string[] }>;
      const layer = items.at(-1)?.Layers[0] as string;
      inner.set(layer, Buffer.concat([inner.get(layer) as Buffer, Buffer.from('x')]));
      writeFileSync(host, tarFiles([...inner].map(([n, data]) => ({ name: n, data }))));
    });
    for (const [file, words] of [
      [noChart, /no-chart\.tar: charts\/metrics-server-3\.13\.1\.tgz: missing; manifest\.json lists it with \d+ bytes, sha256 [a-f0-9]{64}/],
      [changedLayer, /changed-layer\.tar: host-images\.tar: (\d+) bytes with sha256 [a-f0-9]{64}; manifest\.json expects (\d+) bytes with sha256 [a-f0-9]{64}/],
    ] as const) {
      const load = await f.lab(['images', 'load', file]);
      expect(load.stderr).toMatch(words);
      expect(load.exitCode, load.stderr).toBe(2);
      expect(load.stderr).not.toMatch(/unexpected|\n\s+at |no such file or directory|invalid diffID/);
      // nothing changed: no image in Docker, no cache volume, no chart cache
      expect(state()).toBe(before);
      expect((await f.sim.exec('docker', ['volume', 'inspect', 'hpa-lab-image-cache'])).exitCode).toBe(1);
      expect(existsSync(path.join(f.sim.env.HOME as string, '.cache', 'hpa-lab', 'charts'))).toBe(false);
    }
  });
});

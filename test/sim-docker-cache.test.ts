// The stand-in docker's volumes, networks, containers, cp and save/load (test/sim/docker.ts, lib/containers.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, readUpstreamLog, type Sim } from './helpers/sim.ts';
import { HOST_IMAGES } from './sim/lib/upstream.ts';
import { tarFiles, untarFiles } from './sim/lib/tar.ts';

const REGISTRY = HOST_IMAGES.registry.replace(/^docker\.io\/library\//, '');

describe('docker volumes, containers, networks, cp, save/load', () => {
  let sim: Sim;
  const d = (...args: string[]) => sim.exec('docker', args);
  beforeAll(async () => {
    sim = await createSim();
  });
  afterAll(() => sim.cleanup());

  it('volume create is idempotent, inspect and rm answer like the daemon', async () => {
    expect((await d('volume', 'create', '--label', 'hpa-lab/managed-by=hpa-lab', 'v1')).stdout).toBe('v1\n');
    expect((await d('volume', 'create', 'v1')).exitCode).toBe(0);
    expect((await d('volume', 'inspect', '--format', '{{json .Labels}}', 'v1')).stdout).toBe('{"hpa-lab/managed-by":"hpa-lab"}\n');
    const missing = await d('volume', 'inspect', 'nope');
    expect([missing.exitCode, missing.stdout, missing.stderr]).toEqual([1, '[]\n', 'Error response from daemon: get nope: no such volume\n']);
    expect((await d('volume', 'rm', 'nope')).stderr).toBe('Error response from daemon: get nope: no such volume\n');
  });

  it('runs a registry container; name conflicts, in-use volumes and networks fail with Docker\'s words', async () => {
    const run = (name: string) => d('run', '-d', '--name', name, '-p', '127.0.0.1::5000', '-v', 'v1:/var/lib/registry', REGISTRY);
    const first = await run('c1');
    expect(first.exitCode, first.stderr).toBe(0);
    const id = first.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const again = await run('c1');
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toBe(`docker: Error response from daemon: Conflict. The container name "/c1" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.\n\nRun 'docker run --help' for more information\n`);
    expect((await d('volume', 'rm', 'v1')).stderr).toBe(`Error response from daemon: remove v1: volume is in use - [${id}]\n`);
    expect((await d('network', 'connect', 'kind', 'c1')).stderr).toBe('Error response from daemon: network kind not found\n');
    const [info] = JSON.parse((await d('container', 'inspect', 'c1')).stdout) as Array<{ State: { Running: boolean }; Mounts: Array<{ Type: string; Name: string; Destination: string }>; Config: { Image: string } }>;
    expect(info?.State.Running).toBe(true);
    expect(info?.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: 'v1', Destination: '/var/lib/registry' })]);
    expect(info?.Config.Image).toBe(REGISTRY);
    // the image was pulled once, by docker run
    expect(readUpstreamLog(sim.home).map((e) => [e.by, e.ref])).toEqual([['docker', 'docker.io/library/registry:3.0.0']]);
  });

  it('cp copies a container directory out and a directory\'s contents in; exec cat speaks busybox', async () => {
    const src = path.join(sim.home, 'seed');
    mkdirSync(path.join(src, 'docker'), { recursive: true });
    writeFileSync(path.join(src, 'docker', 'x'), 'hello');
    const into = await d('cp', `${src}/.`, 'c1:/var/lib/registry');
    expect(into.stderr).toMatch(/^Successfully copied [\d.]+kB to c1:\/var\/lib\/registry\n$/);
    const out = path.join(sim.home, 'out');
    mkdirSync(out);
    const back = await d('cp', 'c1:/var/lib/registry', out);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'registry', 'docker', 'x'), 'utf8')).toBe('hello');
    expect((await d('exec', 'c1', 'cat', '/nope')).stderr).toBe("cat: can't open '/nope': No such file or directory\n");
    expect((await d('rm', '-f', 'c1', 'gone')).stdout).toBe('c1\n');
    expect((await d('volume', 'rm', 'v1')).stdout).toBe('v1\n');
  });

  it('save and load: pulled and built images; an image saved by digest loads without a name (classic store)', async () => {
    expect((await d('pull', 'quay.io/prometheus/node-exporter:v1.9.1')).stdout).toContain('Status: Downloaded newer image for quay.io/prometheus/node-exporter:v1.9.1\nquay.io/prometheus/node-exporter:v1.9.1\n');
    const file = path.join(sim.home, 'images.archive');
    const save = await d('image', 'save', '-o', file, 'quay.io/prometheus/node-exporter:v1.9.1', REGISTRY);
    expect(save.exitCode, save.stderr).toBe(0);
    const other = await createSim({ faults: ['offline'] });
    try {
      const offlinePull = await other.exec('docker', ['pull', 'quay.io/prometheus/node-exporter:v1.9.1']);
      expect([offlinePull.exitCode, offlinePull.stderr]).toEqual([1, 'Error response from daemon: Get "https://quay.io/v2/": dial tcp: lookup quay.io: no such host\n']);
      const load = await other.exec('docker', ['load', '-i', file]);
      expect(load.stdout).toMatch(/^Loaded image: quay\.io\/prometheus\/node-exporter:v1\.9\.1\nLoaded image ID: sha256:[a-f0-9]{64}\n$/);
      expect((await other.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', 'quay.io/prometheus/node-exporter:v1.9.1'])).exitCode).toBe(0);
      // the classic store's archive carried no RepoDigests: the digest reference is unknown after the load
      expect((await other.exec('docker', ['image', 'inspect', REGISTRY])).exitCode).toBe(1);
      expect(readUpstreamLog(other.home)).toEqual([]);
      expect(existsSync(path.join(other.home, 'upstream.jsonl'))).toBe(false);
    } finally {
      await other.cleanup();
    }
  });
});

// `docker image save` writes the docker-save layout (moby v28.2.2 image/tarexport/save.go), and `docker load`
// reads it as each image store does: the classic store entry by entry (image/tarexport/load.go), the containerd
// store by content digest (containerd's archive import with WithSkipMissing).
describe('docker image save and load: the docker-save layout, and an archive whose content does not match it', () => {
  const sims: Sim[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.cleanup()));
  });
  const machine = async (faults: string[] = []) => {
    const s = await createSim({ faults });
    sims.push(s);
    return s;
  };
  const NODE_EXPORTER = 'quay.io/prometheus/node-exporter:v1.9.1';

  /** Two images saved on a machine with network: the archive's files, and its path. */
  async function saved(faults: string[] = []) {
    const a = await machine(faults);
    for (const i of [NODE_EXPORTER, REGISTRY.replace(/@.*$/, '')]) expect((await a.exec('docker', ['pull', i])).exitCode).toBe(0);
    const file = path.join(a.home, 'two.tar');
    const save = await a.exec('docker', ['image', 'save', '--output', file, NODE_EXPORTER, REGISTRY.replace(/@.*$/, '')]);
    expect(save.exitCode, save.stderr).toBe(0);
    const files = untarFiles(readFileSync(file));
    const manifest = JSON.parse((files.get('manifest.json') as Buffer).toString('utf8')) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    return { a, file, files, manifest };
  }
  const rewrite = (file: string, files: Map<string, Buffer>) => writeFileSync(file, tarFiles([...files].map(([name, data]) => ({ name, data }))));

  it('save: manifest.json, index.json, oci-layout, repositories, and every blob under the sha256 of its bytes', async () => {
    const { files, manifest } = await saved();
    expect([...files.keys()].filter((n) => !n.startsWith('blobs/')).sort()).toEqual(['index.json', 'manifest.json', 'oci-layout', 'repositories']);
    for (const [name, data] of files) if (name.startsWith('blobs/sha256/')) expect(createHash('sha256').update(data).digest('hex')).toBe(name.slice('blobs/sha256/'.length));
    expect(manifest.map((m) => m.RepoTags)).toEqual([[NODE_EXPORTER], [REGISTRY.replace(/@.*$/, '')]]);
    for (const m of manifest) {
      const config = JSON.parse((files.get(m.Config) as Buffer).toString('utf8')) as { rootfs: { diff_ids: string[] } };
      expect(config.rootfs.diff_ids).toEqual(m.Layers.map((l) => `sha256:${l.slice('blobs/sha256/'.length)}`));
    }
    expect((files.get('oci-layout') as Buffer).toString('utf8')).toBe('{"imageLayoutVersion": "1.0.0"}');
  });

  it('classic store, the second image’s layer missing: the first image is loaded, then moby’s own error, exit 1', async () => {
    const { file, files, manifest } = await saved();
    files.delete(manifest[1]?.Layers[0] as string);
    rewrite(file, files);
    const b = await machine(['offline']);
    const load = await b.exec('docker', ['load', '-i', file]);
    expect(load.exitCode).toBe(1);
    expect(load.stdout).toBe(`Loaded image: ${NODE_EXPORTER}\n`);
    expect(load.stderr).toMatch(new RegExp(`^open /var/lib/docker/tmp/docker-import-\\d+/${manifest[1]?.Layers[0]}: no such file or directory\\n$`));
    expect((await b.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', NODE_EXPORTER])).exitCode).toBe(0);
  });

  it('classic store, the second image’s layer changed: the first image is loaded, then "invalid diffID", exit 1', async () => {
    const { file, files, manifest } = await saved();
    const layer = manifest[1]?.Layers[0] as string;
    files.set(layer, Buffer.concat([files.get(layer) as Buffer, Buffer.from('x')]));
    rewrite(file, files);
    const b = await machine(['offline']);
    const load = await b.exec('docker', ['load', '-i', file]);
    expect(load.exitCode).toBe(1);
    expect(load.stdout).toBe(`Loaded image: ${NODE_EXPORTER}\n`);
    expect(load.stderr).toMatch(/^invalid diffID for layer 0: expected "sha256:[a-f0-9]{64}", got "sha256:[a-f0-9]{64}"\n$/);
  });

  it('containerd store, a layer changed: every image is made, the one without its content cannot be unpacked, exit 0', async () => {
    const { file, files, manifest } = await saved(['containerd-store']);
    const layer = manifest[0]?.Layers[0] as string;
    files.set(layer, Buffer.from('not the layer'));
    rewrite(file, files);
    const b = await machine(['offline', 'containerd-store']);
    const load = await b.exec('docker', ['load', '-i', file]);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(load.stdout).toBe(`Loaded image: ${NODE_EXPORTER}\nError unpacking image ${NODE_EXPORTER}: content digest sha256:${layer.slice('blobs/sha256/'.length)}: not found\nLoaded image: ${REGISTRY.replace(/@.*$/, '')}\n`);
  });
});

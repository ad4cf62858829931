// The stand-in docker's volumes, networks, containers, cp and save/load (test/sim/docker.ts, lib/containers.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, readUpstreamLog, type Sim } from './helpers/sim.ts';
import { HOST_IMAGES } from './sim/lib/upstream.ts';

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

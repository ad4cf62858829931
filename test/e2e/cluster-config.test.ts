// The reused cluster must match its kind config (exit 2 otherwise, or --recreate), a SIGKILL during a slow
// `kind create` leaves a half-made cluster the next up replaces, and the containerd image store's load path.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:net';
import { execa } from 'execa';
import { simPool, REPO_ROOT } from '../helpers/sim.ts';

const STACK = ['--stack', 'cluster'];
/** Every simulated machine this file makes, cleaned up after it. */
const newSim = simPool();

/** A free loopback port in the NodePort range (the lab maps a NodePort to the same host port). */
async function freePort(avoid: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    if (avoid.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 30000-32767');
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the cluster matches its kind config', () => {
  it('a changed port: exit 2 naming the file and both ports, nothing changed; --recreate makes the new mapping', async () => {
    const sim = await newSim();
    const cfg = sim.writeKindConfig(sim.ports());
    expect((await sim.run(['up', '--kind-config', cfg, ...STACK])).exitCode).toBe(0);
    const before = readFileSync(path.join(sim.home, 'clusters', 'hpa-lab.json'), 'utf8');
    const inspect = await sim.exec('docker', ['inspect', 'hpa-lab-control-plane', '--format', '{{json .HostConfig.PortBindings}}']);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ [`${sim.ports().prometheus}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(sim.ports().prometheus) }] });

    const old = sim.ports().prometheus;
    const moved = await freePort([sim.ports().app, sim.ports().prometheus, sim.ports().grafana]);
    const changed = path.join(sim.home, 'changed.yaml');
    writeFileSync(changed, readFileSync(cfg, 'utf8').replaceAll(`: ${old}`, `: ${moved}`));
    const r = await sim.run(['up', '--kind-config', changed, ...STACK]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${changed}: the running cluster hpa-lab was made from a different kind config`);
    expect(r.stderr).toContain(`${changed} maps 127.0.0.1:${moved}, the running cluster hpa-lab publishes 127.0.0.1:${old}`);
    expect(r.stderr).toMatch(/npm run down, then npm run up +\(or npm run up -- --recreate/);
    expect(readFileSync(path.join(sim.home, 'clusters', 'hpa-lab.json'), 'utf8')).toBe(before);

    const re = await sim.run(['up', '--kind-config', changed, ...STACK, '--recreate']);
    expect(re.exitCode, re.stderr).toBe(0);
    expect(re.stdout).toMatch(/cluster hpa-lab: recreated/);
    const after = await sim.exec('docker', ['container', 'inspect', 'hpa-lab-control-plane', '--format', '{{json .HostConfig.PortBindings}}']);
    const bindings = JSON.parse(after.stdout) as Record<string, unknown>;
    expect(bindings[`${moved}/tcp`]).toEqual([{ HostIp: '127.0.0.1', HostPort: String(moved) }]);
    expect(bindings[`${old}/tcp`]).toBeUndefined();
    expect((await sim.run(['up', '--kind-config', changed, ...STACK])).stdout).toMatch(/cluster hpa-lab: reused/);
  }, 180_000);
});

describe('SIGKILL during kind create', () => {
  it('the next up deletes the half-made cluster (its node still holds the ports) and succeeds', async () => {
    const sim = await newSim();
    const cfg = sim.writeKindConfig(sim.ports());
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'scripts', 'hpa-lab.js'), 'up', '--kind-config', cfg, ...STACK], {
      env: { ...sim.env, HPA_LAB_SIM_FAULTS: 'kind-create-slow=30' },
      extendEnv: false,
      reject: false,
      all: true,
      detached: true, // its own process group: the CLI, kind and the tools it runs are killed together
    });
    let out = '';
    child.all?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    // The node container exists (its pid recorded) and kind sits in "Starting control-plane".
    await until('kind to reach "Starting control-plane"', () => out.includes('Starting control-plane'), 30_000);
    await until('the node process', () => (JSON.parse(readFileSync(path.join(sim.home, 'clusters', 'hpa-lab.json'), 'utf8')) as { pid: number | null }).pid !== null, 10_000);
    process.kill(-(child.pid as number), 'SIGKILL');
    await child;
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout).toContain('hpa-lab');

    const again = await sim.run(['up', '--kind-config', cfg, ...STACK]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/interrupted while creating this cluster: deleting the half-made cluster/);
    expect(again.stdout).toMatch(/cluster hpa-lab: created/);
    expect(again.stderr).not.toMatch(/port is already allocated/);
  }, 180_000);
});

describe('the containerd image store (simulated docker)', () => {
  it('kind load docker-image of a default build fails as kind #3795; a single-platform archive loads', async () => {
    const sim = await newSim({ faults: ['containerd-store'] });
    const cfg = sim.writeKindConfig(sim.ports());
    expect((await sim.run(['up', '--kind-config', cfg, ...STACK])).exitCode).toBe(0);
    const info = await sim.exec('docker', ['info', '--format', '{{json .DriverStatus}}']);
    expect(info.stdout.trim()).toBe('[["driver-type","io.containerd.snapshotter.v1"]]');
    const doctor = await sim.run(['doctor', '--kind-config', cfg]);
    expect(doctor.stdout).toMatch(/Docker image store: containerd \(io\.containerd\.snapshotter\.v1\)/);

    const ctx = path.join(REPO_ROOT, 'app');
    expect((await sim.exec('docker', ['build', '-t', 'hpa-lab/app:t1', ctx])).exitCode).toBe(0);
    const naive = await sim.exec('kind', ['load', 'docker-image', 'hpa-lab/app:t1', '--name', 'hpa-lab']);
    expect(naive.exitCode).toBe(1);
    expect(naive.stderr).toMatch(/ERROR: failed to load image: command "docker exec --privileged -i hpa-lab-control-plane ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1\n\nCommand Output: ctr: content digest sha256:[0-9a-f]{64}: not found/);

    const tar = path.join(sim.home, 'app.tar');
    expect((await sim.exec('docker', ['image', 'save', '--platform', `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`, 'hpa-lab/app:t1', '-o', tar])).exitCode).toBe(0);
    const load = await sim.exec('kind', ['load', 'image-archive', tar, '--name', 'hpa-lab']);
    expect(load.exitCode, load.stderr).toBe(0);
    const nodes = await sim.exec('docker', ['inspect', 'hpa-lab-control-plane', '--format', '{{.Config.Image}}']);
    expect(nodes.stdout).toMatch(/^kindest\/node:v1\.36\.1@sha256:/);

    // Built without attestations, even the plain load works.
    expect((await sim.exec('docker', ['build', '-t', 'hpa-lab/app:t2', '--provenance=false', '--sbom=false', ctx])).exitCode).toBe(0);
    expect((await sim.exec('kind', ['load', 'docker-image', 'hpa-lab/app:t2', '--name', 'hpa-lab'])).exitCode).toBe(0);
  }, 180_000);
});

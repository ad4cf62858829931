// The host and the node image, as a real first run meets them: a cgroup v1 Docker host (old WSL2 kernels,
// RHEL 8-era hosts, our own CI machines), where a Kubernetes ≥ 1.35 kubelet refuses to start unless told
// failCgroupV1: false; and a kind node image built on this machine (--node-image, no digest), never pulled.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simPool } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';

const STACK = ['--stack', 'cluster'];
const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const LOCAL_IMAGE = 'hpa-lab.local/kind-node:v1.36.3';

/** Every simulated machine this file makes, cleaned up after it. */
const newSim = simPool();

async function clusters(sim: Sim): Promise<string[]> {
  return (await sim.exec('kind', ['get', 'clusters'])).stdout.split('\n').filter(Boolean);
}

describe('a cgroup v1 host', () => {
  it('the kubelet refuses it without the patch (the simulated kind holds the real refusal)', async () => {
    const sim = await newSim({ faults: ['cgroup-v1'] });
    const cfg = sim.writeKindConfig(sim.ports());
    const r = await sim.exec('kind', ['create', 'cluster', '--name', 'bare', '--config', cfg, '--retain']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cgroup v1 is deprecated in Kubernetes and will not be supported in a future kind release/);
    const logs = path.join(sim.home, 'kind-logs');
    expect((await sim.exec('kind', ['export', 'logs', logs, '--name', 'bare'])).exitCode).toBe(0);
    expect(readFileSync(path.join(logs, 'bare-control-plane', 'kubelet.log'), 'utf8')).toMatch(/kubelet is configured to not run on a host using cgroup v1/);
    await sim.exec('kind', ['delete', 'cluster', '--name', 'bare']);
  });

  it('up runs there: kind gets failCgroupV1: false, preflight warns with the way to cgroup v2; doctor says the same', async () => {
    const sim = await newSim({ faults: ['cgroup-v1'] });
    const cfg = sim.writeKindConfig(sim.ports());
    const r = await sim.run(['up', '--kind-config', cfg, ...STACK]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Docker runs on cgroup v1: the lab’s kubelet gets failCgroupV1: false/);
    expect(r.stdout).toMatch(/systemd\.unified_cgroup_hierarchy=1/);
    expect(await clusters(sim)).toEqual(['hpa-lab']);
    // The config on disk stays the user's: the patch goes to kind only.
    expect(readFileSync(cfg, 'utf8')).not.toMatch(/failCgroupV1/);
    const doctor = await sim.run(['doctor', '--kind-config', cfg]);
    expect(doctor.stdout).toMatch(/cgroup v1/);
    expect((await sim.run(['down'])).exitCode).toBe(0);
  });

  it('on a cgroup v2 host nothing is patched and preflight says v2', async () => {
    const sim = await newSim();
    const r = await sim.run(['doctor', '--kind-config', sim.writeKindConfig(sim.ports())]);
    expect(r.stdout).toMatch(/Docker runs on cgroup v2/);
  });
});

describe('--node-image', () => {
  it('bad input: exit 2, naming the flag and what it takes, before any work', async () => {
    const sim = await newSim();
    for (const bad of ['kindest/node', 'kindest/node:latest', 'my node:v1.36.3']) {
      const r = await sim.run(['up', '--kind-config', sim.writeKindConfig(sim.ports()), ...STACK, '--node-image', bad]);
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toMatch(/--node-image: expected a kind node image pinned by digest .* or one built here and tagged with its Kubernetes version/);
      expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    }
    expect(await clusters(sim)).toEqual([]);
  });

  it('a built image Docker does not have: preflight fails (nothing pulls it), no cluster is made', async () => {
    const sim = await newSim();
    const r = await sim.run(['up', '--kind-config', sim.writeKindConfig(sim.ports()), ...STACK, '--node-image', LOCAL_IMAGE]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr + r.stdout).toMatch(new RegExp(`node image ${LOCAL_IMAGE.replace(/[./]/g, '\\$&')} is not in Docker`));
    expect(r.stderr + r.stdout).toMatch(/npm run real:build, or kind build node-image/);
    expect(await clusters(sim)).toEqual([]);
  });

  it('plan shows every node running the given image, and the kubeadm API of its Kubernetes', async () => {
    const sim = await newSim();
    const cfg = path.join(sim.home, 'two-nodes.yaml');
    writeFileSync(cfg, readFileSync(sim.writeKindConfig(sim.ports()), 'utf8'));
    const r = await sim.run(['plan', '--kind-config', cfg, ...STACK, '--workers', '1', '--node-image', LOCAL_IMAGE]);
    expect(r.exitCode, r.stderr).toBe(0);
    const images = [...r.stdout.matchAll(/image: (\S+)/g)].map((m) => m[1]).filter((i) => /kind-node|kindest\/node/.test(i ?? ''));
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(new Set(images)).toEqual(new Set([LOCAL_IMAGE]));
    expect(r.stdout).toMatch(/kubeadm\.k8s\.io\/v1beta4/);
  });
});

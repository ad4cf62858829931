// `--workers N` and `--hpa-sync-period D` end to end: the real CLI against the simulated kind, which makes one
// node per config entry and hands kube-controller-manager the flags kubeadm derives from the kind config.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import type { Sim } from '../helpers/sim.ts';

const STACK = ['--stack', 'cluster'];
let sim: Sim | undefined;
afterAll(async () => {
  await sim?.cleanup();
});

interface NodeList {
  items: Array<{ metadata: { name: string; labels: Record<string, string> }; spec: { taints?: Array<{ key: string; effect: string }> }; status: { conditions: Array<{ type: string; status: string }> } }>;
}
interface PodList {
  items: Array<{ metadata: { name: string }; spec: { nodeName?: string; containers: Array<{ command?: string[] }> }; status: { phase: string; conditions?: Array<{ type: string; status: string }> } }>;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('--workers and --hpa-sync-period on the command line', () => {
  it('plan --workers 2 shows the two workers (without port mappings) and the sync period patch; up --help documents both', async () => {
    sim ??= await createSim();
    const plan = await sim.run(['plan', '--workers', '2', ...STACK]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('# cluster: kind create cluster --name hpa-lab --config - (kind/cluster.yaml with 2 worker nodes; kube-controller-manager --horizontal-pod-autoscaler-sync-period=5s)   (reused when it exists and is hpa-lab\'s; then: API server and 3 nodes Ready)');
    const worker = '  - role: worker\n    image: kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5\n';
    expect(plan.stdout).toContain(`${worker}${worker}kubeadmConfigPatches:`);
    expect(plan.stdout).toContain('    kind: ClusterConfiguration\n    apiVersion: kubeadm.k8s.io/v1beta4\n    controllerManager:\n      extraArgs:\n        - name: horizontal-pod-autoscaler-sync-period\n          value: 5s\n');
    const help = await sim.run(['up', '--help']);
    expect(help.stdout).toMatch(/--workers <n> {11}worker nodes besides the control plane, 0 to 10/);
    expect(help.stdout).toMatch(/--hpa-sync-period <d> {3}how often the HPA controller decides, e.g. 5s or 1m \(default 5s; Kubernetes’ own\n {26}default is 15s\)/);
  });

  it('bad values are exit 2 naming the flag and what it expects, before anything runs', async () => {
    sim ??= await createSim();
    for (const [args, message] of [
      [['--workers', 'two'], '✖ --workers: expected a whole number from 0 to 10 (worker nodes besides the control plane), got "two"'],
      [['--workers', '-1'], '✖ --workers: expected a whole number from 0 to 10 (worker nodes besides the control plane), got "-1"'],
      [['--workers', '11'], '✖ --workers: expected a whole number from 0 to 10 (worker nodes besides the control plane), got "11"'],
      [['--hpa-sync-period', '0s'], '✖ --hpa-sync-period: expected a duration from 1s to 10m in whole seconds, e.g. 5s, 30s or 1m, got "0s"'],
      [['--hpa-sync-period', '5'], '✖ --hpa-sync-period: expected a duration from 1s to 10m in whole seconds, e.g. 5s, 30s or 1m, got "5"'],
    ] as const) {
      const r = await sim.run(['up', ...STACK, ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).not.toContain('Preflight');
    }
    expect((await sim.exec('kind', ['get', 'clusters'])).stderr).toContain('No kind clusters found.');
  });
});

describe('up --workers 2 --hpa-sync-period 7s (simulated kind)', () => {
  it('makes three Ready nodes, kube-controller-manager runs the sync period, pods land on the workers; a different shape is exit 2', async () => {
    sim ??= await createSim();
    const s = sim;
    const cfg = s.writeKindConfig(s.ports());
    const up = await s.run(['up', '--kind-config', cfg, ...STACK, '--workers', '2', '--hpa-sync-period', '7s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/cluster hpa-lab: created, Kubernetes v1\.36\.1, 3 nodes Ready/);

    const nodes = JSON.parse((await s.exec('kubectl', ['--context', 'kind-hpa-lab', 'get', 'nodes', '-o', 'json'])).stdout) as NodeList;
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(['hpa-lab-control-plane', 'hpa-lab-worker', 'hpa-lab-worker2']);
    for (const n of nodes.items) expect(n.status.conditions.find((c) => c.type === 'Ready')?.status, n.metadata.name).toBe('True');
    // The port mappings stay on the control-plane node (kind publishes only its container's ports).
    const inspect = await s.exec('docker', ['inspect', 'hpa-lab-control-plane', '--format', '{{json .HostConfig.PortBindings}}']);
    expect(Object.keys(JSON.parse(inspect.stdout) as Record<string, unknown>)).toContain(`${s.ports().app}/tcp`);

    const kcm = JSON.parse((await s.exec('kubectl', ['--context', 'kind-hpa-lab', '-n', 'kube-system', 'get', 'pod', 'kube-controller-manager-hpa-lab-control-plane', '-o', 'json'])).stdout) as PodList['items'][number];
    const command = kcm.spec.containers[0]?.command ?? [];
    expect(command).toContain('--horizontal-pod-autoscaler-sync-period=7s');
    expect(command).toContain('--enable-hostpath-provisioner=true'); // kind's own extraArgs survive the patch (merged by name)

    const status = await s.run(['status', '--kind-config', cfg, ...STACK, '--workers', '2', '--hpa-sync-period', '7s', '--json']);
    expect(status.exitCode, status.stdout + status.stderr).toBe(0);
    const gates = (JSON.parse(status.stdout) as { gates: Array<{ gate: string; ok: boolean; detail: string }> }).gates;
    expect(gates.find((g) => g.gate === 'API server and nodes Ready')?.detail).toMatch(/hpa-lab-control-plane, hpa-lab-worker, hpa-lab-worker2 Ready/);
    expect(gates.find((g) => g.gate === 'HPA sync period')).toMatchObject({ ok: true, detail: '7s, from kube-controller-manager-hpa-lab-control-plane' });

    const doctor = await s.run(['doctor', '--kind-config', cfg, '--workers', '2', '--hpa-sync-period', '7s', '--json']);
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; level: string; summary: string }> }).checks;
    expect(checks.find((c) => c.id === 'hpa-sync-period')).toMatchObject({ level: 'ok', summary: 'HPA sync period: cluster hpa-lab runs 7s, from kube-controller-manager-hpa-lab-control-plane' });

    // The scheduler spreads a Deployment's pods over the workers (the control plane of a multi-node kind
    // cluster is tainted NoSchedule).
    const cp = nodes.items.find((n) => n.metadata.name === 'hpa-lab-control-plane');
    expect(cp?.spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    const dep = `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec: {containers: [{name: pause, image: registry.k8s.io/pause:3.10}]}
`;
    const file = path.join(s.home, 'spread.yaml');
    writeFileSync(file, dep);
    const applied = await s.exec('kubectl', ['--context', 'kind-hpa-lab', 'apply', '--server-side', '-f', file]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const placed = await waitUntil('4 scheduled pods', async () => {
      const pods = JSON.parse((await s.exec('kubectl', ['--context', 'kind-hpa-lab', 'get', 'pods', '-l', 'app=spread', '-o', 'json'])).stdout) as PodList;
      const names = pods.items.map((p) => p.spec.nodeName).filter((n): n is string => Boolean(n));
      return names.length === 4 ? names : undefined;
    });
    expect(placed.filter((n) => n === 'hpa-lab-worker')).toHaveLength(2);
    expect(placed.filter((n) => n === 'hpa-lab-worker2')).toHaveLength(2);

    // The same cluster asked for with another shape: exit 2, naming both, nothing changed.
    const other = await s.run(['up', '--kind-config', cfg, ...STACK]);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain('makes 0 worker nodes, the running cluster hpa-lab has 2 (hpa-lab-worker, hpa-lab-worker2)');
    expect(other.stderr).toContain('runs kube-controller-manager with --horizontal-pod-autoscaler-sync-period=5s, the running cluster hpa-lab with 7s');
    expect((JSON.parse((await s.exec('kubectl', ['--context', 'kind-hpa-lab', 'get', 'nodes', '-o', 'json'])).stdout) as NodeList).items).toHaveLength(3);
  }, 240_000);
});

describe.skipIf(!requirePrometheus())(`the lab on three nodes: the demo's pods run on the workers ${PROMETHEUS_REASON}`, () => {
  let lab: Sim | undefined;
  afterAll(async () => {
    await lab?.cleanup();
  });

  it('up --workers 2 (custom-metrics stack), demo --expect-replicas 3: the app pods run on both workers, reached through the control plane', async () => {
    lab = await createSim();
    const s = lab;
    const p = s.ports();
    const args = ['--kind-config', s.writeKindConfig(p), '--set', `app.nodePort=${p.app}`, '--set', `prometheus.nodePort=${p.prometheus}`, '--set', `grafana.nodePort=${p.grafana}`];
    const up = await s.run(['up', ...args, '--workers', '2'], { timeoutMs: 300_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/3 nodes Ready/);
    // The HPA decides every 5s (the lab's default sync period), so the demo needs no test-speed override.
    const demo = await s.run(['demo', ...args, '--expect-replicas', '3', '--within', '2m', '--no-scale-in', '--interval', '2s', '--no-report'], { timeoutMs: 300_000 });
    expect(demo.exitCode, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/✔ expectation met: ≥ 3 Ready replicas within 120s/);
    const pods = JSON.parse((await s.exec('kubectl', ['--context', 'kind-hpa-lab', '-n', 'default', 'get', 'pods', '-l', 'app=test-prometheus', '-o', 'json'])).stdout) as PodList;
    const nodesOfPods = new Set(pods.items.map((x) => x.spec.nodeName));
    expect(pods.items.length).toBeGreaterThanOrEqual(3);
    expect([...nodesOfPods].sort()).toEqual(['hpa-lab-worker', 'hpa-lab-worker2']);
  }, 600_000);
});

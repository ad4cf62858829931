// What a careful user (or a hostile tester) meets first: bad input refused before anything changes, and
// a user kubeconfig whose kind-<name> context points at another cluster that hpa-lab must never touch.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim, KUBECTL_REASON, requireKubectl } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

describe('bad input: exit 2 before preflight, naming the setting, the value and what was expected; nothing left behind', () => {
  it('each bad --set, and an unknown key in a values file', async () => {
    const sim = await createSim();
    sims.push(sim);
    const cfg = sim.writeKindConfig(sim.ports());
    const valuesCopy = path.join(sim.home, 'values');
    cpSync(path.join(REPO_ROOT, 'charts-values'), valuesCopy, { recursive: true });
    writeFileSync(path.join(valuesCopy, 'metrics-server.yaml'), 'argz:\n  - --kubelet-insecure-tls\n');
    const stack = path.join(sim.home, 'custom-metrics.yaml');
    writeFileSync(stack, readFileSync(path.join(REPO_ROOT, 'stacks/custom-metrics.yaml'), 'utf8').replaceAll(' charts-values/', ` ${valuesCopy}/`).replaceAll(' stacks/custom-metrics/', ` ${REPO_ROOT}/stacks/custom-metrics/`));
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'hpa.averageValue=abc'], /--set hpa\.averageValue: expected a Kubernetes quantity/],
      [['--set', 'app.nodePort=30000x'], /--set app\.nodePort: expected a NodePort number from 30000 to 32767, got "30000x"/],
      [['--set', 'hpa.maxReplicas=0'], /--set hpa\.maxReplicas: expected a whole number from 1 to 1000, got 0/],
      [['--set', 'hpa.minReplicas=7', '--set', 'hpa.maxReplicas=3'], /hpa\.minReplicas must not be greater than hpa\.maxReplicas/],
      [['--set', 'app.name=Bad_Name'], /--set app\.name: expected a DNS-1123 label/],
      [['--set', 'hpa.averageValue=-3'], /--set hpa\.averageValue: expected a Kubernetes quantity greater than zero/],
      [['--set', 'prometheus.url=http://prom.example/'], /--set prometheus\.url: expected http:\/\/HOST or https:\/\/HOST/],
      [['--stack', stack], /metrics-server\.yaml: argz: not a key of metrics-server 3\.13\.1's values .*did you mean args\?/],
    ];
    for (const [extra, want] of cases) {
      // the ports come first so that a case's own --set of a port wins
      const r = await sim.run(['up', '--kind-config', cfg, ...sim.portSets(), ...extra], { timeoutMs: 60_000 });
      expect(r.exitCode, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stdout).not.toMatch(/Preflight/);
      expect(r.stderr).not.toMatch(/unexpected/);
    }
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout.trim()).toBe('');
    expect(existsSync(path.join(sim.env.HPA_LAB_STATE_DIR as string, 'hpa-lab', 'secrets.json'))).toBe(false);
    // a lab's kept password: a --set naming it stays literal, and no message prints it
    const password = 'Kept7SecretPassw0rdX';
    mkdirSync(path.join(sim.env.HPA_LAB_STATE_DIR as string, 'hpa-lab'), { recursive: true });
    writeFileSync(path.join(sim.env.HPA_LAB_STATE_DIR as string, 'hpa-lab', 'secrets.json'), JSON.stringify({ grafanaAdminPassword: password }));
    const leak = await sim.run(['plan', '--kind-config', cfg, ...sim.portSets(), '--set', 'prometheus.url=${secrets.grafanaAdminPassword}'], { timeoutMs: 60_000 });
    expect(leak.exitCode, leak.stderr).toBe(2);
    expect(leak.stderr).toMatch(/--set prometheus\.url: expected http:\/\/HOST.*got "\$\{secrets\.grafanaAdminPassword\}"/);
    expect(leak.stdout + leak.stderr).not.toContain(password);
  });
});

describe.skipIf(!requirePrometheus() || !requireKubectl())(`a user kubeconfig whose kind-hpa-lab context points at another cluster ${PROMETHEUS_REASON}${KUBECTL_REASON}`, { timeout: 300_000 }, () => {
  it('a second up changes nothing outside the lab: no release, no namespace in the other cluster; the current context untouched', async () => {
    const sim = await createSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    sims.push(sim);
    // a cluster someone made without hpa-lab, on no host port
    const otherCfg = path.join(sim.home, 'other.yaml');
    writeFileSync(otherCfg, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    expect((await sim.exec('kind', ['create', 'cluster', '--name', 'other', '--config', otherCfg])).exitCode).toBe(0);
    const lab = (cmd: string) => sim.run([cmd, '--kind-config', sim.writeKindConfig(sim.ports()), ...sim.portSets()], { timeoutMs: 300_000 });
    const first = await lab('up');
    expect(first.exitCode, first.stderr).toBe(0);
    // the lab's context now leads to the other cluster (a stale context, a copied kubeconfig)
    const k = (...args: string[]) => sim.exec('kubectl', args);
    expect((await k('config', 'set-context', 'kind-hpa-lab', '--cluster=kind-other', '--user=kind-other')).exitCode).toBe(0);
    expect((await k('config', 'use-context', 'kind-other')).exitCode).toBe(0);
    const second = await lab('up');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/kube-prometheus-stack: release prometheus unchanged/);
    expect((await sim.exec('helm', ['list', '-A', '-o', 'json', '--kube-context', 'kind-other'])).stdout.trim()).toBe('[]');
    expect((await k('--context', 'kind-other', 'get', 'namespaces', '-o', 'name')).stdout).not.toMatch(/namespace\/prometheus/);
    expect((await k('config', 'current-context')).stdout.trim()).toBe('kind-other');
    // and the lab itself still answers through its own cluster
    const status = await sim.run(['status', '--json', ...sim.portSets()], { timeoutMs: 60_000 });
    expect((JSON.parse(status.stdout) as { ok: boolean }).ok, status.stdout).toBe(true);
  });
});

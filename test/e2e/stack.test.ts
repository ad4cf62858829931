// The whole lab in simulation: `up` with every component and gate (real Prometheus scraping the real app,
// the adapter's rules answered from that Prometheus, the HPA reading them), a converging second `up`, a
// changed values file, the walkthrough's commands, and each broken configuration failing at its gate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim, KUBECTL_REASON, requireKubectl } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { REPO_ROOT } from '../../scripts/lib/lab.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { hasShared, sharedPath } from '../helpers/shared.ts';

const SIM_ENV = { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' };

/** A copy of the stack whose files can be edited, for the broken-configuration tests. */
function stackCopy(sim: Sim, edit: (dir: string) => void): string {
  const dir = path.join(sim.home, 'stack');
  cpSync(path.join(REPO_ROOT, 'stacks'), path.join(dir, 'stacks'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'charts-values'), path.join(dir, 'charts-values'), { recursive: true });
  const file = path.join(dir, 'stacks', 'custom-metrics.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(' charts-values/', ` ${dir}/charts-values/`).replaceAll(' stacks/custom-metrics/', ` ${dir}/stacks/custom-metrics/`));
  edit(dir);
  return file;
}

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

describe.skipIf(!requirePrometheus())(`the lab in simulation ${PROMETHEUS_REASON}`, { timeout: 300_000 }, () => {
  let sim: Sim;
  let lab: (cmd: string, ...extra: string[]) => ReturnType<Sim['run']>;
  beforeAll(async () => {
    sim = await createSim({ env: SIM_ENV });
    sims.push(sim);
    const cfg = sim.writeKindConfig(sim.ports());
    lab = (cmd, ...extra) => sim.run([cmd, '--kind-config', cfg, ...sim.portSets(), ...extra], { timeoutMs: 300_000 });
  });

  it('up reaches an HPA that reads its custom metric', async () => {
    const r = await lab('up');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    for (const line of [
      // each count includes the rollout of what the component installed, before its own gates
      /metrics-server: release metrics-server installed, 3 gates passed/,
      /kube-prometheus-stack: release prometheus installed, 3 gates passed/,
      /sample-app-image: built hpa-lab\/sample-app:[0-9a-f]{12}, loaded into the node/,
      /sample-app: applied 3 objects, 4 gates passed/,
      /prometheus-adapter: release prometheus-adapter installed, 3 gates passed/,
      /hpa: applied 1 object, 1 gate passed/,
    ]) {
      expect(r.stdout).toMatch(line);
    }
    const status = JSON.parse((await lab('status', '--json')).stdout) as { ok: boolean; gates: Array<{ component: string; ok: boolean; detail: string }>; credentials: Record<string, string> };
    expect(status.gates.filter((g) => !g.ok)).toEqual([]);
    expect(status.ok).toBe(true);
    expect(status.credentials.grafana).toMatch(/^admin \/ [A-Za-z0-9]{24}$/);
  });

  it('answers the article on the app port', async () => {
    const app = await fetch(`http://127.0.0.1:${sim.ports().app}/`);
    expect(await app.text()).toBe('Hello, World!');
  });

  it.skipIf(!requireKubectl())(`the walkthrough’s kubectl commands work${KUBECTL_REASON}`, async () => {
    const k = (...args: string[]) => sim.exec('kubectl', args);
    expect((await k('get', 'deployment', 'metrics-server', '-n', 'kube-system')).stdout).toMatch(/metrics-server\s+1\/1/);
    const disc = JSON.parse((await k('get', '--raw', '/apis/custom.metrics.k8s.io/v1beta1')).stdout) as { resources: Array<{ name: string }> };
    expect(disc.resources.map((x) => x.name)).toEqual(expect.arrayContaining(['pods/myapp_processed_ops_total', 'pods/myapp_processed_ops_per_second']));
    const values = JSON.parse((await k('get', '--raw', '/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/myapp_processed_ops_total')).stdout) as { kind: string; items: Array<{ describedObject: { kind: string } }> };
    expect(values.kind).toBe('MetricValueList');
    expect(values.items.length).toBeGreaterThan(0);
    expect((await k('get', 'hpa')).stdout).toMatch(/test-prometheus-hpa\s+Deployment\/test-prometheus\s+\S+\/5\s+1\s+10\s+\d+/);
  });

  it('a second up changes nothing: no release upgraded, no image rebuilt, nothing re-applied', async () => {
    const before = (await sim.exec('helm', ['list', '-A', '-o', 'json'])).stdout;
    const r = await lab('up');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/cluster hpa-lab: reused/);
    expect(r.stdout).toMatch(/metrics-server: release metrics-server unchanged/);
    expect(r.stdout).toMatch(/kube-prometheus-stack: release prometheus unchanged/);
    expect(r.stdout).toMatch(/prometheus-adapter: release prometheus-adapter unchanged/);
    expect(r.stdout).toMatch(/sample-app-image: image hpa-lab\/sample-app:\w+ present, already on the node/);
    expect(r.stdout).toMatch(/sample-app: 3 objects unchanged/);
    expect(r.stdout).toMatch(/hpa: 1 object unchanged/);
    expect(r.stdout).not.toMatch(/helm upgrade|docker build|applying /);
    expect((await sim.exec('helm', ['list', '-A', '-o', 'json'])).stdout).toBe(before);
  });

  it('a changed values file upgrades only that release, and the adapter restarts on new rules', async () => {
    const podsBefore = (await sim.exec('kubectl', ['get', 'pods', '-n', 'prometheus', '-l', 'app.kubernetes.io/name=prometheus-adapter', '-o', 'name'])).stdout.trim();
    const stack = stackCopy(sim, (dir) => {
      const f = path.join(dir, 'charts-values', 'prometheus-adapter.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('[30s]', '[40s]'));
    });
    const r = await lab('up', '--stack', stack);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/prometheus-adapter: release prometheus-adapter upgraded \(values changed\)/);
    expect(r.stdout).toMatch(/metrics-server: release metrics-server unchanged/);
    expect(r.stdout).toMatch(/kube-prometheus-stack: release prometheus unchanged/);
    const podsAfter = (await sim.exec('kubectl', ['get', 'pods', '-n', 'prometheus', '-l', 'app.kubernetes.io/name=prometheus-adapter', '-o', 'name'])).stdout.trim();
    expect(podsAfter).not.toBe(podsBefore);
  });
});

// Each broken lab is its own simulated machine; they run side by side (gates mostly wait).
describe.skipIf(!requirePrometheus())(`down removes what up made ${PROMETHEUS_REASON}`, { timeout: 300_000 }, () => {
  it('the cluster, the image it built and the generated secrets; then down again is a no-op', async () => {
    const sim = await createSim({ env: SIM_ENV });
    sims.push(sim);
    const cfg = sim.writeKindConfig(sim.ports());
    const run = (cmd: string, ...extra: string[]) => sim.run([cmd, '--name', 'gone', ...extra], { timeoutMs: 300_000 });
    expect((await run('up', '--kind-config', cfg, ...sim.portSets())).exitCode).toBe(0);
    const secrets = path.join(sim.env.HPA_LAB_STATE_DIR as string, 'gone', 'secrets.json');
    expect(existsSync(secrets)).toBe(true);
    expect((await sim.exec('docker', ['image', 'ls', '--format', '{{json .}}'])).stdout).toMatch(/"Repository":"hpa-lab\/sample-app"/);
    const down = await run('down');
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toMatch(/Removed cluster gone \(context kind-gone\) and 1 image\./);
    expect((await sim.exec('kind', ['get', 'clusters'])).stdout.trim()).toBe('');
    expect((await sim.exec('docker', ['image', 'ls', '--format', '{{json .}}'])).stdout.trim()).toBe('');
    expect(existsSync(secrets)).toBe(false);
    const again = await run('down');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already gone/);
  });
});

describe.skipIf(!requirePrometheus())(`broken configurations fail at their gate with a diagnosis ${PROMETHEUS_REASON}`, { concurrent: true, timeout: 300_000 }, () => {
  async function brokenUp(edit: (dir: string) => void, ...extra: string[]) {
    const sim = await createSim({ env: SIM_ENV });
    sims.push(sim);
    const cfg = sim.writeKindConfig(sim.ports());
    const stack = stackCopy(sim, edit);
    const r = await sim.run(['up', '--kind-config', cfg, '--stack', stack, ...sim.portSets(), '--timeout-factor', '0.2', ...extra], { timeoutMs: 300_000 });
    return { sim, r };
  }
  const diagnosticsOf = (r: { stderr: string }) => {
    const m = /diagnostics \(pods, events, log tails\): (\S+)/.exec(r.stderr);
    return m ? path.resolve(REPO_ROOT, m[1] as string) : undefined;
  };

  it('metrics-server without --kubelet-insecure-tls: x509 in its log', async () => {
    const { r } = await brokenUp((dir) => writeFileSync(path.join(dir, 'charts-values', 'metrics-server.yaml'), 'args: []\n'), '--name', 'ms');
    expect(r.exitCode).toBe(1);
    // its Deployment never rolls out (0/1 Ready); the stack's log signature says why
    expect(r.stderr).toMatch(/metrics-server: gave up waiting .* for deployment\/metrics-server rolled out/);
    expect(r.stderr).toMatch(/why: metrics-server cannot verify the kubelets' serving certificates \(x509: no IP SANs\)/);
    const diag = diagnosticsOf(r);
    expect(diag && existsSync(diag)).toBe(true);
    const logs = readdirSync(path.join(diag as string, 'logs'));
    expect(logs.some((f) => f.startsWith('kube-system-metrics-server'))).toBe(true);
  });

  it.skipIf(!hasShared('real-renders'))(`kube-prometheus-stack with the values before the TLS fix (../shared/real-renders case lab-without-tls-fix): the operator never starts, and the diagnosis names the Secret nobody creates${hasShared('real-renders') ? '' : ' (skipped: ../shared/real-renders is absent)'}`, async () => {
    const caseValues = sharedPath('real-renders', 'kube-prometheus-stack-88.5.3', 'lab-without-tls-fix.values.yaml');
    const { r } = await brokenUp((dir) => {
      const f = path.join(dir, 'stacks', 'custom-metrics.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(`${dir}/charts-values/kube-prometheus-stack.yaml`, caseValues));
    }, '--name', 'tls');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/kube-prometheus-stack: gave up waiting .* for \d+ workloads rolled out/);
    expect(r.stderr).toMatch(/last observed: Waiting for deployment "prometheus-kube-prometheus-operator" rollout to finish: 0 of 1 updated replicas are available/);
    expect(r.stderr).toMatch(/why: pod prometheus-kube-prometheus-operator-\S+ cannot start: its volume "tls-secret" mounts Secret "prometheus-kube-prometheus-admission", which does not exist in namespace prometheus \(FailedMount\)/);
    expect(r.stderr).toMatch(/fix: .*prometheus-kube-prometheus-admission/);
  });

  it('a ServiceMonitor without the release label: names the missing label', async () => {
    const { r } = await brokenUp((dir) => {
      const f = path.join(dir, 'stacks', 'custom-metrics', 'sample-app.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('    release: ${prometheus.release}\n', '    team: demo\n'));
    }, '--name', 'sm');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/sample-app: gave up waiting .* for Prometheus scraping serviceMonitor\/default\/test-prometheus\/0/);
    expect(r.stderr).toMatch(/why: Prometheus prometheus\/prometheus-kube-prometheus-prometheus selects ServiceMonitors by label release: prometheus, and ServiceMonitor default\/test-prometheus lacks it/);
  });

  it('a wrong adapter URL: names the Service that does not exist', async () => {
    const { r } = await brokenUp(() => undefined, '--set', 'prometheus.url=http://prometheus.default.svc', '--name', 'url');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/prometheus-adapter: gave up waiting .* for custom metrics API serving/);
    expect(r.stderr).toMatch(/why: the metrics adapter queries http:\/\/prometheus\.default\.svc:9090, but there is no Service prometheus in namespace default/);
  });

  it('an HPA in the wrong namespace: says an HPA must live with its Deployment', async () => {
    const { r } = await brokenUp(() => undefined, '--set', 'hpa.namespace=prometheus', '--name', 'ns');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/hpa: gave up waiting .* for HPA prometheus\/test-prometheus-hpa reading its metric/);
    expect(r.stderr).toMatch(/why: the HPA is in namespace prometheus, but its target Deployment test-prometheus is not there/);
  });
});

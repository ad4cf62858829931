// Issue 18 item 6: a release an interrupted run left pending-install/-upgrade makes every later upgrade fail
// with Helm's errPending (pkg/action/action.go, the same in Helm 3 and 4). It is diagnosed with the command
// that frees it, chosen from `helm history`.
import { describe, expect, it } from 'vitest';
import { upgradeRelease } from '../scripts/lib/stack/actions/helm.ts';
import { LabError } from '../scripts/lib/errors.ts';
import { fakeRunner } from './helpers/fakes.ts';
import type { HelmSpec } from '../scripts/lib/stack/stack-file.ts';

// helm v4.1.4 pkg/cmd/testdata/output/upgrade-with-pending-install.txt (Helm 3 prints the same line).
const HELM_PENDING = 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress';
const spec = { release: 'prometheus', namespace: 'prometheus', chart: 'kube-prometheus-stack', repo: 'https://prometheus-community.github.io/helm-charts', version: '88.5.3', values: 'charts-values/kube-prometheus-stack.yaml' } as unknown as HelmSpec;
const target = { kubeconfig: '/tmp/private-kubeconfig', context: 'kind-hpa-lab' };

async function upgradeWith(history: Array<{ revision: number; status: string }>): Promise<LabError> {
  const runner = fakeRunner({
    helm: (args) => (args[0] === 'upgrade' ? { exitCode: 1, stderr: HELM_PENDING } : args[0] === 'history' ? { stdout: JSON.stringify(history.map((h) => ({ ...h, chart: 'kube-prometheus-stack-88.5.3', app_version: 'v0.93.1', description: 'Install complete', updated: '2026-01-01T00:00:00Z' }))) } : { exitCode: 1, stderr: `unexpected: helm ${args.join(' ')}` }),
  });
  const err = await upgradeRelease(runner, target, spec, {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(runner.calls.some((c) => c.startsWith('helm history prometheus --namespace prometheus --output json'))).toBe(true);
  expect(err).toBeInstanceOf(LabError);
  return err as LabError;
}

describe('a Helm release left pending by an interrupted run', () => {
  it('pending-install (no revision ever deployed): names the release and its state; fix: helm uninstall, then up', async () => {
    const err = await upgradeWith([{ revision: 1, status: 'pending-install' }]);
    expect(err.message).toBe('Helm release prometheus/prometheus is locked by an unfinished operation: revision 1 is pending-install');
    expect(err.why).toContain('interrupted');
    expect(err.why).toContain('helm list --pending');
    expect(err.fix).toMatch(/^helm uninstall prometheus --namespace prometheus --kube-context kind-hpa-lab .*then npm run up again, with the same options$/);
  });

  it('pending-upgrade over a deployed revision: fix: helm rollback to that revision, then up', async () => {
    const err = await upgradeWith([
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'deployed' },
      { revision: 3, status: 'pending-upgrade' },
    ]);
    expect(err.message).toContain('revision 3 is pending-upgrade');
    expect(err.fix).toMatch(/^helm rollback prometheus 2 --namespace prometheus --kube-context kind-hpa-lab /);
  });
});

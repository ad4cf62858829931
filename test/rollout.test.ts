// The rollout rules (kubectl rollout status's, scripts/lib/gates/rollout.ts) and the generic pod diagnosis
// (scripts/lib/gates/pod-diagnosis.ts), on objects shaped as the API returns them.
import { describe, expect, it } from 'vitest';
import { rolloutState, statusRule } from '../scripts/lib/gates/rollout.ts';
import { FakeKube } from './helpers/fakes.ts';
import { explainFrom } from '../scripts/lib/gates/pod-diagnosis.ts';

const deployment = (generation: number, spec: Record<string, unknown>, status: Record<string, unknown>) => ({ metadata: { name: 'web', generation }, spec, status });

describe('rollout status rules', () => {
  it('a Deployment whose new generation the controller has not seen yet is not rolled out (the race after an upgrade)', () => {
    const r = statusRule('Deployment', deployment(2, { replicas: 1 }, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }));
    expect(r).toMatchObject({ done: false, state: 'Waiting for deployment "web" spec update to be observed' });
  });

  it('counts updated, old and available replicas as kubectl does', () => {
    expect(statusRule('Deployment', deployment(2, { replicas: 3 }, { observedGeneration: 2, replicas: 4, updatedReplicas: 2, availableReplicas: 3 })).state).toBe('Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated');
    expect(statusRule('Deployment', deployment(2, { replicas: 3 }, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 })).state).toBe('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination');
    expect(statusRule('Deployment', deployment(2, { replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).state).toBe('Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available');
    expect(statusRule('Deployment', deployment(2, { replicas: 3 }, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })).done).toBe(true);
    // spec.replicas absent (an HPA owns it) means 1, as the API defaults it
    expect(statusRule('Deployment', deployment(1, {}, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 })).done).toBe(true);
  });

  it('a Deployment past its progress deadline is a failure, not a wait', () => {
    const r = statusRule('Deployment', deployment(1, { replicas: 1 }, { observedGeneration: 1, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }));
    expect(r).toMatchObject({ done: false, failed: true });
  });

  it('StatefulSets wait for ready pods and for the update revision to become current', () => {
    const sts = (status: Record<string, unknown>) => ({ metadata: { name: 'prometheus-x', generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, ...status } });
    expect(statusRule('StatefulSet', sts({ readyReplicas: 0 })).state).toBe('Waiting for 1 pods of statefulset "prometheus-x" to be ready');
    expect(statusRule('StatefulSet', sts({ readyReplicas: 1, currentRevision: 'a', updateRevision: 'b', updatedReplicas: 0 })).done).toBe(false);
    expect(statusRule('StatefulSet', sts({ readyReplicas: 1, currentRevision: 'b', updateRevision: 'b' })).done).toBe(true);
    expect(statusRule('StatefulSet', { metadata: { name: 's', generation: 1 }, spec: { replicas: 1 }, status: {} }).done).toBe(false);
  });

  it('DaemonSets wait for every scheduled pod to be updated and available', () => {
    const ds = (status: Record<string, unknown>) => ({ metadata: { name: 'd', generation: 1 }, spec: {}, status: { observedGeneration: 1, desiredNumberScheduled: 2, ...status } });
    expect(statusRule('DaemonSet', ds({ updatedNumberScheduled: 1, numberAvailable: 2 })).done).toBe(false);
    expect(statusRule('DaemonSet', ds({ updatedNumberScheduled: 2, numberAvailable: 1 })).done).toBe(false);
    expect(statusRule('DaemonSet', ds({ updatedNumberScheduled: 2, numberAvailable: 2 })).done).toBe(true);
  });
});

// Issue 18 item 7: an evicted pod of an older ReplicaSet stays (phase Failed) until deleted; kubectl rollout
// status reads no pods, so it does not block there, and it must not block the gate to its deadline.
describe('pods of an older ReplicaSet', () => {
  const world = (oldPod: Record<string, unknown>) => {
    const labels = { app: 'web' };
    const rs = (hash: string, revision: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `web-${hash}`, namespace: 'default', labels: { ...labels, 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd-1' }] } });
    const pod = (name: string, hash: string, status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { ...labels, 'pod-template-hash': hash }, ...extra }, status });
    return new FakeKube().put(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd-1', generation: 2, annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas: 1, selector: { matchLabels: labels } }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } },
      rs('old111', '1'),
      rs('new222', '2'),
      pod('web-new222-aaaaa', 'new222', { phase: 'Running' }),
      pod('web-old111-zzzzz', 'old111', (oldPod.status ?? {}) as Record<string, unknown>, (oldPod.metadata ?? {}) as Record<string, unknown>),
    );
  };
  const ref = { kind: 'Deployment' as const, namespace: 'default', name: 'web' };

  it('an evicted (Failed) or completed (Succeeded) old pod does not hold the rollout up', async () => {
    expect(await rolloutState(world({ status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }), ref)).toMatchObject({ done: true });
    expect(await rolloutState(world({ status: { phase: 'Succeeded' } }), ref)).toMatchObject({ done: true });
  });

  it('an old pod that still runs, or is being deleted while it runs, does', async () => {
    const running = await rolloutState(world({ status: { phase: 'Running' } }), ref);
    expect(running).toMatchObject({ done: false });
    expect(running.state).toContain('web-old111-zzzzz');
    expect((await rolloutState(world({ status: { phase: 'Running' }, metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }), ref)).done).toBe(false);
  });
});

describe('why pods do not start, from their states and events', () => {
  const pod = (name: string, waiting?: { reason: string; message?: string }, image = 'quay.io/prometheus-operator/prometheus-operator:v0.93.1') => ({
    metadata: { name, ownerReferences: [{ kind: 'ReplicaSet', name: 'op-5d8f' }] },
    status: { containerStatuses: [{ name: 'main', image, ...(waiting ? { state: { waiting } } : {}) }] },
  });

  it("names the Secret a volume mounts and nothing creates (the kubelet's FailedMount event)", () => {
    const d = explainFrom('prometheus', [pod('op-5d8f-abcde', { reason: 'ContainerCreating' })], [
      { involvedObject: { kind: 'Pod', name: 'op-5d8f-abcde' }, reason: 'FailedMount', type: 'Warning', message: 'MountVolume.SetUp failed for volume "tls-secret" : secret "prometheus-kube-prometheus-admission" not found' },
    ]);
    expect(d?.cause).toContain('Secret "prometheus-kube-prometheus-admission"');
    expect(d?.cause).toContain('volume "tls-secret"');
    expect(d?.fix).toContain('prometheus-kube-prometheus-admission');
  });

  it('names a missing ConfigMap volume, and a missing env source', () => {
    expect(explainFrom('ns', [pod('p')], [{ involvedObject: { kind: 'Pod', name: 'p' }, reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "cfg" : configmap "rules" not found' }])?.cause).toContain('ConfigMap "rules"');
    expect(explainFrom('ns', [pod('p', { reason: 'CreateContainerConfigError', message: 'secret "grafana" not found' })], [])?.cause).toContain('Secret "grafana"');
    expect(explainFrom('ns', [pod('p', { reason: 'CreateContainerConfigError', message: "couldn't find key admin-user in Secret ns/grafana" })], [])?.cause).toContain('key admin-user of Secret ns/grafana');
  });

  it('names an image that cannot be pulled, with the pull error', () => {
    const d = explainFrom('ns', [pod('p', { reason: 'ImagePullBackOff', message: 'Back-off pulling image' }, 'docker.io/grafana/grafana:12.3.1')], [
      { involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Failed', message: 'Failed to pull image "docker.io/grafana/grafana:12.3.1": not found' },
    ]);
    expect(d?.cause).toContain('image docker.io/grafana/grafana:12.3.1');
    expect(d?.cause).toContain('Failed to pull image');
  });

  it("names a missing ServiceAccount from the ReplicaSet's FailedCreate event, even with no pod at all", () => {
    const d = explainFrom('ns', [], [{ involvedObject: { kind: 'ReplicaSet', name: 'op-5d8f' }, reason: 'FailedCreate', message: 'Error creating: pods "op-5d8f-" is forbidden: error looking up service account ns/op: serviceaccount "op" not found' }], ['op-5d8f']);
    expect(d?.cause).toContain('ServiceAccount "op" does not exist in namespace ns');
  });

  it('says nothing when nothing explains it (the gate keeps its own last state)', () => {
    expect(explainFrom('ns', [pod('p')], [{ involvedObject: { kind: 'Pod', name: 'other' }, reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "x" : secret "y" not found' }])).toBeUndefined();
  });
});

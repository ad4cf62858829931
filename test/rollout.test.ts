// The rollout rules (kubectl rollout status's, scripts/lib/gates/rollout.ts) and the generic pod diagnosis
// (scripts/lib/gates/pod-diagnosis.ts), on objects shaped as the API returns them.
import { describe, expect, it } from 'vitest';
import { rolloutState, statusRule } from '../scripts/lib/gates/rollout.ts';
import { FakeKube } from './helpers/fakes.ts';
import { explainFrom, finalImageFailure } from '../scripts/lib/gates/pod-diagnosis.ts';

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

// Issue 18 item 21: which image failures end the rollout wait at once (pod-diagnosis.ts finalImageFailure), from the
// kubelet's real reasons and messages (kubernetes pkg/kubelet/images: image_manager.go, types.go) and containerd
// 2.x's CRI errors (core/remotes/docker/resolver.go), as kubelet v1.32+ words the back-off (the last pull's error
// after `Back-off pulling image "X": ErrImagePull: `).
describe('an image that cannot come: final, or worth waiting for', () => {
  const QUAY = 'quay.io/prometheus/prometheus:v0.0.0-nope';
  const NOT_FOUND = `rpc error: code = NotFound desc = failed to pull and unpack image "${QUAY}": failed to resolve reference "${QUAY}": ${QUAY}: not found`;
  const APP = 'hpa-lab/sample-app:0123456789ab';
  const DENIED = `failed to pull and unpack image "docker.io/${APP}": failed to resolve reference "docker.io/${APP}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
  const TIMEOUT = 'rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "docker.io/library/busybox:1.36.1": failed to resolve reference "docker.io/library/busybox:1.36.1": failed to do request: Head "https://registry-1.docker.io/v2/library/busybox/manifests/1.36.1": dial tcp 202.53.137.209:443: i/o timeout';
  const RESET = 'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/busybox:1.36.1": failed to resolve reference "docker.io/library/busybox:1.36.1": failed to do request: Head "https://registry-1.docker.io/v2/library/busybox/manifests/1.36.1": read tcp 10.2.0.49:42728->23.20.95.219:443: read: connection reset by peer';
  const RATE = 'failed to pull and unpack image "docker.io/library/nginx:1.27": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:0123: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.';
  const p = (image: string, waiting?: { reason: string; message?: string }, pullPolicy = 'IfNotPresent') => ({
    metadata: { name: 'web-5d8f-abcde' },
    spec: { nodeName: 'hpa-lab-worker', containers: [{ name: 'web', image, imagePullPolicy: pullPolicy }] },
    status: { containerStatuses: [{ name: 'web', image, ...(waiting ? { state: { waiting } } : {}) }] },
  });
  const failedEvent = (image: string, error: string) => ({ involvedObject: { kind: 'Pod', name: 'web-5d8f-abcde' }, reason: 'Failed', type: 'Warning', message: `Failed to pull image "${image}": ${error}` });
  const template = (image: string) => [{ name: 'web', image }];
  const final = (image: string, waiting: { reason: string; message?: string }, events: Array<ReturnType<typeof failedEvent>> = [], loaded: string[] = [], pullPolicy?: string) =>
    finalImageFailure('ns', [p(image, waiting, pullPolicy)], events, template(image), loaded);

  it('the registry has no such image (containerd: "REF: not found", gRPC NotFound): final, with the kubelet’s reason and message', () => {
    const d = final(QUAY, { reason: 'ErrImagePull', message: NOT_FOUND }, [failedEvent(QUAY, NOT_FOUND)]);
    expect(d?.cause).toBe(`container web of pod web-5d8f-abcde cannot start: the registry has no image ${QUAY} (ErrImagePull: ${NOT_FOUND})`);
    expect(d?.fix).toMatch(/^check the image's repository and tag in the values or manifests \(the registry answered "not found"\); kubectl describe pod -n ns web-5d8f-abcde$/);
    // the back-off that follows says the same (kubelet ≥ 1.32 keeps the last pull's error in the message)
    expect(final(QUAY, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${QUAY}": ErrImagePull: ${NOT_FOUND}` })?.cause).toContain('the registry has no image');
    // an older kubelet's back-off message names no error: the Failed event does
    const old = final(QUAY, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${QUAY}"` }, [failedEvent(QUAY, NOT_FOUND)]);
    expect(old?.cause).toBe(`container web of pod web-5d8f-abcde cannot start: the registry has no image ${QUAY} (ImagePullBackOff: Back-off pulling image "${QUAY}" (event: Failed to pull image "${QUAY}": ${NOT_FOUND}))`);
  });

  it('access denied (Docker Hub’s answer for a repository that does not exist, 401/403): final', () => {
    const image = 'docker.io/someone/nothing:1';
    const msg = DENIED.replaceAll(`docker.io/${APP}`, image);
    const d = final(image, { reason: 'ErrImagePull', message: msg });
    expect(d?.cause).toBe(`container web of pod web-5d8f-abcde cannot start: the registry refuses image ${image} (ErrImagePull: ${msg})`);
    expect(d?.fix).toContain('imagePullSecrets');
    expect(final(image, { reason: 'ErrImagePull', message: 'failed to pull and unpack image "docker.io/someone/nothing:1": failed to resolve reference "docker.io/someone/nothing:1": unexpected status from HEAD request to https://registry.example/v2/someone/nothing/manifests/1: 403 Forbidden' })?.cause).toContain('refuses');
  });

  it('an image hpa-lab built and loaded into the nodes: any pull of it is final (it is in no registry); the fix depends on why the kubelet pulls', () => {
    const always = final(APP, { reason: 'ErrImagePull', message: DENIED }, [], [APP], 'Always');
    expect(always?.cause).toBe(`container web of pod web-5d8f-abcde cannot start: its image ${APP} is one hpa-lab built and loaded into the nodes, it is in no registry, and imagePullPolicy Always makes the kubelet pull it anyway (ErrImagePull: ${DENIED})`);
    expect(always?.fix).toBe('set imagePullPolicy: IfNotPresent on container web (a pull can never find an image hpa-lab built), then npm run up');
    const lost = final(APP, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${APP}": ErrImagePull: ${DENIED}` }, [], [`docker.io/${APP}`]);
    expect(lost?.cause).toMatch(/^container web of pod web-5d8f-abcde cannot start: its image hpa-lab\/sample-app:0123456789ab is one hpa-lab built, in no registry, and node hpa-lab-worker does not hold it/);
    expect(lost?.fix).toBe('npm run up (it loads the image into the nodes that lack it)');
    // even when the error text is one that alone would be waited for
    expect(final(APP, { reason: 'ErrImagePull', message: TIMEOUT }, [], [APP], 'Always')?.cause).toContain('hpa-lab built');
  });

  it('pull policy Never without the image, and a reference that does not parse: final', () => {
    const never = final(APP, { reason: 'ErrImageNeverPull', message: `Container image "${APP}" is not present with pull policy of Never` }, [], [APP], 'Never');
    expect(never?.cause).toBe(`container web of pod web-5d8f-abcde cannot start: image ${APP} is not on node hpa-lab-worker and its imagePullPolicy is Never, so the kubelet will not pull it (ErrImageNeverPull: Container image "${APP}" is not present with pull policy of Never)`);
    expect(never?.fix).toBe('npm run up (it loads the image into the nodes that lack it)');
    const bad = 'Web:Latest';
    expect(final(bad, { reason: 'InvalidImageName', message: `Failed to apply default image tag "${bad}": couldn't parse image name "${bad}": invalid reference format: repository name must be lowercase` })?.cause).toMatch(/its image reference "Web:Latest" does not parse \(InvalidImageName: /);
  });

  it('worth waiting for: a pull in progress, a timeout, a reset connection, a rate limit, an unavailable registry', () => {
    const image = 'docker.io/library/busybox:1.36.1';
    expect(final(image, { reason: 'ContainerCreating' })).toBeUndefined();
    expect(final(image, { reason: 'ErrImagePull', message: TIMEOUT }, [failedEvent(image, TIMEOUT)])).toBeUndefined();
    expect(final(image, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${RESET}` })).toBeUndefined();
    expect(final('docker.io/library/nginx:1.27', { reason: 'ErrImagePull', message: RATE })).toBeUndefined();
    expect(final(image, { reason: 'RegistryUnavailable', message: `image pull failed for ${image} because the registry is unavailable: dial tcp: lookup registry-1.docker.io: no such host` })).toBeUndefined();
    // an older kubelet's bare back-off with no event left to say why: not known to be final
    expect(final(image, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` })).toBeUndefined();
  });

  it('the rollout states that wait on the current template’s pods (where the gate looks at their images), and those that do not', () => {
    const dep = (spec: Record<string, unknown>, status: Record<string, unknown>) => statusRule('Deployment', deployment(2, spec, { observedGeneration: 2, ...status }));
    expect(dep({ replicas: 3 }, { replicas: 3, updatedReplicas: 3, availableReplicas: 2 }).waitsOnPods).toBe(true);
    // an upgrade whose new pods cannot start: the old ones stay (maxUnavailable) and are "pending termination"
    expect(dep({ replicas: 1 }, { replicas: 2, updatedReplicas: 1, availableReplicas: 1 }).waitsOnPods).toBe(true);
    expect(statusRule('Deployment', deployment(2, { replicas: 1 }, { observedGeneration: 1 })).waitsOnPods).toBeUndefined();
    expect(statusRule('StatefulSet', { metadata: { name: 's', generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, readyReplicas: 0 } }).waitsOnPods).toBe(true);
    expect(statusRule('DaemonSet', { metadata: { name: 'd', generation: 1 }, spec: {}, status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 } }).waitsOnPods).toBe(true);
  });

  it('a pod of an older revision whose image the template no longer names is not the rollout’s failure (the rollout replaces it)', () => {
    expect(finalImageFailure('ns', [p(QUAY, { reason: 'ErrImagePull', message: NOT_FOUND })], [], template('quay.io/prometheus/prometheus:v3.14.0'))).toBeUndefined();
  });
});

// The image hpa-lab builds, on its way to the pods (issue 18 item 21): after `kind load`, every node is asked for it
// the way kind asks (crictl inspecti in the node), and a pod whose image cannot come fails the rollout at once
// with the kubelet's reason and message instead of waiting out the deadline. A stack of just the app's image and a
// Deployment of it, on the simulated machine.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim, type Sim } from '../helpers/sim.ts';

const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

/**
 * A stack file: a Deployment with `pullPolicy` and the rollout deadline `rollout`, of the app's image (built and
 * loaded by hpa-lab), or of `image` (pulled by the node) when given.
 */
function appStack(sim: Sim, pullPolicy: string, rollout: string, image?: string): string {
  const manifest = path.join(sim.home, 'app.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: app, namespace: default, labels: { app: app } }',
      'spec:',
      '  selector: { matchLabels: { app: app } }',
      '  template:',
      '    metadata: { labels: { app: app } }',
      '    spec:',
      '      containers:',
      '        - name: app',
      `          image: ${image ?? '${images.app-image}'}`,
      `          imagePullPolicy: ${pullPolicy}`,
      '',
    ].join('\n'),
  );
  const stack = path.join(sim.home, 'app-stack.yaml');
  writeFileSync(
    stack,
    [
      'apiVersion: hpa-lab/v1alpha1',
      'kind: Stack',
      'name: app-only',
      'description: The app image and a Deployment of it',
      'components:',
      ...(image ? [] : ['  - name: app-image', '    image: { context: app, repository: hpa-lab/sample-app }']),
      '  - name: app',
      `    needs: [cluster${image ? '' : ', app-image'}]`,
      `    rolloutDeadline: ${rollout}`,
      `    manifests: ${manifest}`,
      '',
    ].join('\n'),
  );
  return stack;
}

async function newSim(opts: Parameters<typeof createSim>[0] = {}): Promise<Sim> {
  const sim = await createSim(opts);
  sims.push(sim);
  return sim;
}

describe('the app image on the nodes', { timeout: 180_000 }, () => {
  it('a node that does not hold the image after kind load (node-image-lost): up fails there, naming the node, in crictl’s words', async () => {
    const sim = await newSim({ faults: ['node-image-lost'] });
    const r = await sim.run(['up', '--kind-config', sim.writeKindConfig(sim.ports()), '--stack', appStack(sim, 'IfNotPresent', '20s')], { timeoutMs: 120_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✖ kind loaded hpa-lab\/sample-app:[0-9a-f]{12}, but node hpa-lab-control-plane does not have it\n/);
    expect(r.stderr).toMatch(/\n {4}docker exec hpa-lab-control-plane crictl inspecti hpa-lab\/sample-app:[0-9a-f]{12}: no such image "hpa-lab\/sample-app:[0-9a-f]{12}" present\n/);
    expect(r.stderr).toMatch(/\n {2}why: kind load docker-image exited 0, yet the node's container runtime \(containerd\) does not list the image/);
    expect(r.stderr).toMatch(/\n {2}fix: npm run up \(it loads the image again into the nodes that lack it\)/);
    // it stopped there: the Deployment was never applied, no rollout was waited for
    expect(r.stdout + r.stderr).not.toMatch(/rolled out|gave up waiting/);
  });

  // The rollout deadline is 10 minutes: only the fail-fast ends these runs within the test's time.
  it('the app’s image with imagePullPolicy Always: the kubelet pulls it and cannot (it is in no registry); the rollout stops at once, in the kubelet’s words', async () => {
    const sim = await newSim();
    const r = await sim.run(['up', '--kind-config', sim.writeKindConfig(sim.ports()), '--stack', appStack(sim, 'Always', '10m')], { timeoutMs: 120_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✖ app: stopped waiting for deployment\/app rolled out after \S+: it cannot happen by waiting\n/);
    expect(r.stderr).not.toMatch(/gave up waiting/);
    expect(r.stderr).toMatch(
      /\n {2}why: container app of pod app-\S+ cannot start: its image (hpa-lab\/sample-app:[0-9a-f]{12}) is one hpa-lab built and loaded into the nodes, it is in no registry, and imagePullPolicy Always makes the kubelet pull it anyway \((ErrImagePull: |ImagePullBackOff: Back-off pulling image "\1": ErrImagePull: )failed to pull and unpack image "docker\.io\/\1": failed to resolve reference "docker\.io\/\1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed\)\n/,
    );
    expect(r.stderr).toContain('\n  fix: set imagePullPolicy: IfNotPresent on container app (a pull can never find an image hpa-lab built), then npm run up\n');
    // the diagnostics of a failed gate are saved as for a timeout
    expect(r.stderr).toMatch(/diagnostics \(pods, events, log tails\): /);
  });

  it('an image tag the registry does not have: the rollout stops at the first ErrImagePull, with containerd’s "not found"', async () => {
    const sim = await newSim();
    const bad = 'quay.io/prometheus/prometheus:v0.0.0-nope';
    const r = await sim.run(['up', '--kind-config', sim.writeKindConfig(sim.ports()), '--stack', appStack(sim, 'IfNotPresent', '10m', bad)], { timeoutMs: 120_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✖ app: stopped waiting for deployment\/app rolled out after \S+: it cannot happen by waiting\n/);
    expect(r.stderr).toContain(`cannot start: the registry has no image ${bad} (`);
    expect(r.stderr).toContain(`rpc error: code = NotFound desc = failed to pull and unpack image "${bad}": failed to resolve reference "${bad}": ${bad}: not found`);
    expect(r.stderr).toMatch(/\n {2}fix: check the image's repository and tag in the values or manifests \(the registry answered "not found"\); kubectl describe pod -n default app-\S+\n/);
  });
});

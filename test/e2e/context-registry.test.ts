// `up --context NAME --registry REGISTRY`: the real CLI against a foreign simulated cluster (test/sim/foreign.ts)
// whose admins set up kind's local registry (kind's site/static/examples/kind-with-registry.sh: a registry:3
// container published on 127.0.0.1:PORT, each node's containerd hosts.toml aliasing localhost:PORT to
// http://kind-registry:5000, the container on network kind). The stack is a small one written here: the sample
// app's image and a Deployment of it (the custom-metrics stack's gates reach NodePorts, which an existing cluster
// does not publish: port-forwards are built separately). What is asserted is this part: the image pushed, the
// Deployment naming REGISTRY/<repository>:<tag>, its pod pulled from the registry and Running.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';
import { createForeignCluster, kindLocalRegistry, until } from '../sim/foreign.ts';

const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

function writeStack(sim: Sim): string {
  const manifests = path.join(sim.home, 'app.yaml');
  writeFileSync(
    manifests,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: reg-app
  namespace: hpa-lab-reg
spec:
  replicas: 1
  selector:
    matchLabels: { app: reg-app }
  template:
    metadata:
      labels: { app: reg-app }
    spec:
      containers:
        - name: app
          image: \${images.app-image}
          imagePullPolicy: IfNotPresent
`,
  );
  const stack = path.join(sim.home, 'reg-stack.yaml');
  writeFileSync(
    stack,
    `apiVersion: hpa-lab/v1alpha1
kind: Stack
name: reg-test
description: the sample app's image and a Deployment of it
components:
  - name: app-image
    image:
      context: app
      repository: hpa-lab/sample-app
  - name: app
    needs: [cluster, app-image]
    manifests: ${manifests}
`,
  );
  return stack;
}

describe('--context with --registry: the app image pushed to a registry the cluster pulls from', { timeout: 240_000 }, () => {
  it('bad --registry values and --registry without --context are exit 2 naming the flag, before any work', async () => {
    const sim = await createSim();
    sims.push(sim);
    const f = await createForeignCluster(sim, { metricsServer: false });
    const stack = writeStack(sim);
    const cases: Array<[string[], RegExp]> = [
      [['--context', f.context, '--registry', 'http://localhost:5001'], /--registry: expected a registry as host\[:port\]\[\/path\].*without a scheme; got "http:\/\/localhost:5001"/],
      [['--context', f.context, '--registry', 'myregistry'], /--registry: .*Docker reads "myregistry" as a Docker Hub namespace, not a registry host/],
      [['--context', f.context, '--registry', 'localhost:5001/Team'], /--registry: .*the path part "Team" is not a repository path component/],
      [['--context', f.context, '--registry', 'localhost:5001/app:v1'], /--registry: .*has a tag or digest/],
      [['--context', f.context, '--registry', 'bad_host:5000'], /--registry: .*"bad_host:5000" is not a host\[:port\]/],
      [['--registry', 'localhost:5001'], /--registry localhost:5001: only with --context/],
    ];
    for (const [args, message] of cases) {
      const r = await sim.run(['up', ...(args.includes('--context') ? ['--yes'] : []), ...args, '--stack', stack]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/Preflight/);
      expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    }
    const help = await sim.run(['up', '--help']);
    expect(help.stdout).toMatch(/--registry <registry> +with --context: host\[:port\]\[\/path\]/);
  });

  it('up --context --yes --registry localhost:PORT pushes the image, the Deployment names it, its pod pulls it and runs; a registry nobody answers at is exit 1 with the fix', async () => {
    const sim = await createSim();
    sims.push(sim);
    const f = await createForeignCluster(sim, { metricsServer: false });
    const port = sim.ports().app;
    const registry = await kindLocalRegistry(sim, f, port);
    const stack = writeStack(sim);

    // nothing answers at another port: exit 1 before preflight and before any change
    const wrong = `localhost:${sim.ports().grafana}`;
    const bad = await sim.run(['up', '--context', f.context, '--yes', '--registry', wrong, '--stack', stack]);
    expect(bad.exitCode, bad.stderr).toBe(1);
    expect(bad.stderr).toContain(`--registry ${wrong}: nothing answers at http://${wrong}/v2/ (ECONNREFUSED`);
    expect(bad.stderr).toMatch(/nothing was changed/);
    expect(bad.stderr).toMatch(/pass the --registry the cluster pulls from/);
    expect(bad.stdout).not.toMatch(/Preflight/);
    expect(bad.stderr).not.toMatch(NO_STACK_TRACE);
    expect((await f.admin('GET', '/apis/apps/v1/namespaces/hpa-lab-reg/deployments/reg-app')).status).toBe(404);

    const r = await sim.run(['up', '--context', f.context, '--yes', '--registry', registry, '--stack', stack]);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const ref = new RegExp(`${registry}/hpa-lab/sample-app:([0-9a-f]{12,})`).exec(r.stdout);
    expect(ref, r.stdout).not.toBeNull();
    const image = ref?.[0] ?? '';
    expect(r.stdout).toContain(`app-image: image ${image}, built here and pushed there (docker push)`);
    expect(r.stdout).toMatch(new RegExp(`pushed to ${registry}`));
    // the registry has it, under the content tag
    const manifest = await fetch(`http://127.0.0.1:${port}/v2/hpa-lab/sample-app/manifests/${ref?.[1] ?? ''}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(200);
    // the Deployment names it, and its pod pulled it from the registry (through the alias) and runs
    const dep = await f.admin('GET', '/apis/apps/v1/namespaces/hpa-lab-reg/deployments/reg-app');
    expect(dep.status).toBe(200);
    const containers = ((dep.body.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers);
    expect(containers[0]?.image).toBe(image);
    const pod = await until('the app pod Running', async () => {
      const pods = await f.admin('GET', '/api/v1/namespaces/hpa-lab-reg/pods?labelSelector=app%3Dreg-app');
      const items = (pods.body.items as Array<{ status?: { phase?: string; containerStatuses?: Array<{ image?: string }> } }> | undefined) ?? [];
      return items.find((p) => p.status?.phase === 'Running');
    });
    expect(pod.status?.containerStatuses?.[0]?.image).toBe(image);
    const events = await f.admin('GET', '/api/v1/namespaces/hpa-lab-reg/events');
    const messages = ((events.body.items as Array<{ reason?: string; message?: string }> | undefined) ?? []).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
    expect(messages).toContain(`Pulling: Pulling image "${image}"`);

    // the custom-metrics stack names the same reference (its image setting resolves to it): shown before the
    // question, which without a terminal and without --yes is refused, nothing changed
    const cm = await sim.run(['up', '--context', f.context, '--registry', registry]);
    expect(cm.exitCode, cm.stderr).toBe(2);
    expect(cm.stdout).toContain(`sample-app-image: image ${image}, built here and pushed there (docker push)`);
    expect(cm.stderr).toMatch(/refusing to change an existing cluster without a confirmation/);

    // down --context removes what it installed (the registry and its image are the admins')
    const down = await sim.run(['down', '--context', f.context, '--yes', '--stack', stack]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect((await f.admin('GET', '/apis/apps/v1/namespaces/hpa-lab-reg/deployments/reg-app')).status).toBe(404);
  });
});

// The stand-in `docker push` into a plain simulated registry (registry:3 without proxy config: test/sim/registry.ts,
// lib/hostpush.ts), and a simulated kind node pulling the pushed image (lib/nodepull.ts): kind's local-registry
// recipe (a registry published on 127.0.0.1:PORT, the nodes' hosts.toml aliasing localhost:PORT to the container's
// name on network kind). What the stand-ins do, not what the product does with them.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, REPO_ROOT, type Sim } from './helpers/sim.ts';
import { clusterApi } from './sim/lib/apiclient.ts';
import { HOST_IMAGES } from './sim/lib/upstream.ts';

const REGISTRY = HOST_IMAGES.registry.replace(/^docker\.io\/library\//, '');
const CLUSTER = 'pushes';
const NODE = `${CLUSTER}-control-plane`;
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function docker(sim: Sim, args: string[], input?: string) {
  return execa(path.join(sim.home, 'bin', 'docker'), args, { env: sim.env, extendEnv: false, reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('docker push into a plain registry container, and a node pulling it', () => {
  let sim: Sim;
  let port: number;
  let image: string;
  beforeAll(async () => {
    sim = await createSim();
    port = sim.ports().app;
    image = `localhost:${port}/hpa-lab/sample-app:t1`;
    const cfg = path.join(sim.home, 'plain-kind.yaml');
    writeFileSync(cfg, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');
    const kind = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER, '--config', cfg]);
    expect(kind.exitCode, kind.stderr).toBe(0);
    const reg = await sim.exec('docker', ['run', '-d', '--restart=always', '-p', `127.0.0.1:${port}:5000`, '--network', 'bridge', '--name', 'kind-registry', REGISTRY]);
    expect(reg.exitCode, reg.stderr).toBe(0);
    const build = await sim.exec('docker', ['build', '--tag', image, '--tag', 'hpa-lab/sample-app:t1', path.join(REPO_ROOT, 'app')]);
    expect(build.exitCode, build.stderr).toBe(0);
  }, 120_000);
  afterAll(() => sim.cleanup());

  it('pushes layers and the manifest over the registry API; a second push finds the layers there', async () => {
    const r = await docker(sim, ['push', image]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`The push refers to repository [localhost:${port}/hpa-lab/sample-app]`);
    expect(lines.filter((l) => /^[0-9a-f]{12}: Preparing$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^[0-9a-f]{12}: Pushed$/.test(l))).toHaveLength(2);
    const last = /^t1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/.exec(lines.at(-1) ?? '');
    expect(last, r.stdout).not.toBeNull();
    // the registry serves what was pushed, under the tag and the digest docker printed
    const m = await fetch(`http://127.0.0.1:${port}/v2/hpa-lab/sample-app/manifests/t1`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(m.status).toBe(200);
    expect(m.headers.get('docker-content-digest')).toBe(last?.[1]);
    const body = await m.text();
    expect(String(body.length)).toBe(last?.[2]);
    const manifest = JSON.parse(body) as { layers: Array<{ digest: string }> };
    for (const l of manifest.layers) {
      const blob = await fetch(`http://127.0.0.1:${port}/v2/hpa-lab/sample-app/blobs/${l.digest}`);
      expect(sha(await blob.text())).toBe(l.digest);
    }
    // docker records the RepoDigest
    const inspect = await docker(sim, ['image', 'inspect', '--format', '{{json .RepoDigests}}', image]);
    expect(inspect.stdout).toContain(`localhost:${port}/hpa-lab/sample-app@${last?.[1] ?? ''}`);
    const again = await docker(sim, ['push', image]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.endsWith(': Layer already exists'))).toHaveLength(2);
    expect(again.stdout).toContain(`t1: digest: ${last?.[1] ?? ''}`);
  });

  it('fails as the daemon does: nothing on the port, a name the host cannot resolve, Docker Hub without login, no such tag', async () => {
    // (each reference must be a tag of the image first: docker build --tag)
    const tagged = await sim.exec('docker', ['build', '--tag', `localhost:${sim.ports().grafana}/hpa-lab/sample-app:t1`, '--tag', 'kind-registry:5000/hpa-lab/sample-app:t1', '--tag', 'docker.io/someone/sample-app:t1', path.join(REPO_ROOT, 'app')]);
    expect(tagged.exitCode, tagged.stderr).toBe(0);
    const refused = await docker(sim, ['push', `localhost:${sim.ports().grafana}/hpa-lab/sample-app:t1`]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim()).toBe(`Get "http://localhost:${sim.ports().grafana}/v2/": dial tcp [::1]:${sim.ports().grafana}: connect: connection refused`);
    const byName = await docker(sim, ['push', 'kind-registry:5000/hpa-lab/sample-app:t1']);
    expect(byName.exitCode).toBe(1);
    expect(byName.stderr.trim()).toBe('Get "https://kind-registry:5000/v2/": dial tcp: lookup kind-registry: no such host');
    const hub = await docker(sim, ['push', 'someone/sample-app:t1']);
    expect(hub.exitCode).toBe(1);
    expect(hub.stdout).toContain('The push refers to repository [docker.io/someone/sample-app]');
    expect(hub.stderr.trim()).toBe('denied: requested access to the resource is denied');
    const missing = await docker(sim, ['push', `localhost:${port}/hpa-lab/other:t1`]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim()).toBe(`An image does not exist locally with the tag: localhost:${port}/hpa-lab/other`);
  });

  it('the registry checks what is pushed: a wrong digest, a manifest naming a blob it lacks', async () => {
    const base = `http://127.0.0.1:${port}/v2/hpa-lab/checks`;
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    expect(start.status).toBe(202);
    const loc = new URL(start.headers.get('location') ?? '', base);
    const patch = await fetch(loc, { method: 'PATCH', body: 'abc' });
    expect([patch.status, patch.headers.get('range')]).toEqual([202, '0-2']);
    loc.searchParams.set('digest', sha('not abc'));
    const bad = await fetch(loc, { method: 'PUT' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe('DIGEST_INVALID');
    loc.searchParams.set('digest', sha('abc'));
    expect((await fetch(loc, { method: 'PUT' })).status).toBe(201);
    const unknown = sha('never pushed');
    const put = await fetch(`${base}/manifests/v1`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: sha('abc'), size: 3 }, layers: [{ digest: unknown, size: 1 }] }) });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: unknown }] });
  });

  it('a node pulls it only through a hosts.toml alias to the registry container on network kind', async () => {
    const api = clusterApi(sim.home, CLUSTER);
    const runPod = async (name: string) => {
      const r = await api.fetch('/api/v1/namespaces/default/pods', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }] } }) });
      expect(r.status).toBe(201);
      return eventually(`pod ${name} pulled or failed`, async () => {
        const p = (await (await api.fetch(`/api/v1/namespaces/default/pods/${name}`)).json()) as { status?: { phase?: string; containerStatuses?: Array<{ state: { waiting?: { reason: string; message?: string } } }> } };
        const w = p.status?.containerStatuses?.[0]?.state.waiting;
        return p.status?.phase === 'Running' ? 'Running' : w?.reason === 'ErrImagePull' ? (w.message ?? '') : undefined;
      });
    };
    // localhost on the node is the node itself: nothing listens there
    expect(await runPod('no-alias')).toBe(`failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://localhost:${port}/v2/hpa-lab/sample-app/manifests/t1": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    const dir = `/etc/containerd/certs.d/localhost:${port}`;
    expect((await docker(sim, ['exec', NODE, 'mkdir', '-p', dir])).exitCode).toBe(0);
    expect((await docker(sim, ['exec', '-i', NODE, 'cp', '/dev/stdin', `${dir}/hosts.toml`], '[host."http://kind-registry:5000"]\n')).exitCode).toBe(0);
    // the alias, but the container is not on network kind yet: its name does not resolve from the node
    expect(await runPod('not-connected')).toMatch(/failed to do request: Head "http:\/\/kind-registry:5000\/v2\/hpa-lab\/sample-app\/manifests\/t1\?ns=localhost:\d+": dial tcp: lookup kind-registry: no such host/);
    expect((await sim.exec('docker', ['network', 'connect', 'kind', 'kind-registry'])).exitCode).toBe(0);
    expect(await runPod('aliased')).toBe('Running');
  }, 90_000);
});

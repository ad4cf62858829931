// The simulated registries (test/sim/lib/upstream.ts, registry.ts) and the node's pulls through a mirror
// (lib/nodepull.ts): what the stand-ins do, not what the product does with them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, readUpstreamLog, REPO_ROOT, type Sim } from './helpers/sim.ts';
import { clusterApi } from './sim/lib/apiclient.ts';
import { readDockerState } from './sim/lib/containers.ts';
import { findUpstream, HOST_IMAGES, synthesize, upstreamImages } from './sim/lib/upstream.ts';
import { createHash } from 'node:crypto';
import { eventually as waitUntil } from './helpers/eventually.ts';

const REGISTRY = HOST_IMAGES.registry.replace(/^docker\.io\/library\//, '');
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';

const eventually = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => waitUntil(what, fn, timeoutMs, 100);

/** docker with stdin (the harness's exec gives commands none). */
function docker(sim: Sim, args: string[], input?: string) {
  return execa(path.join(sim.home, 'bin', 'docker'), args, { env: sim.env, extendEnv: false, reject: false, stripFinalNewline: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
}

async function startCache(sim: Sim, name: string, port: number | '', remote: string, dir: string) {
  await sim.exec('docker', ['volume', 'create', 'cache-vol']);
  return sim.exec('docker', ['run', '-d', '--name', name, '--restart=always', '-p', `127.0.0.1:${port}:5000`, '-v', 'cache-vol:/var/lib/registry', '-e', `REGISTRY_PROXY_REMOTEURL=${remote}`, '-e', 'REGISTRY_PROXY_TTL=0', '-e', `REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/var/lib/registry/${dir}`, REGISTRY]);
}

describe('the upstream model', () => {
  it('synthesizes every image as index -> platform manifests -> content-addressed config and layers', () => {
    const images = upstreamImages();
    expect(images.map((i) => i.ref)).toEqual(expect.arrayContaining(['docker.io/grafana/grafana:13.2.0', 'docker.io/kindest/node:v1.36.1', 'docker.io/library/registry:3.0.0', 'docker.io/library/node:24-alpine']));
    for (const img of images) {
      const s = synthesize(img);
      expect(s.platforms.map((p) => p.platform.architecture)).toEqual(['amd64', 'arm64']);
      for (const p of s.platforms) for (const b of [p.manifest, p.config, ...p.layers]) expect(`sha256:${createHash('sha256').update(b.content).digest('hex')}`).toBe(b.digest);
      expect(s.platforms[0]?.layers.reduce((n, l) => n + l.modelledBytes, 0)).toBe(img.sizeBytes);
    }
    // a reference pinned by its real digest resolves under that digest; a wrong digest does not
    expect(findUpstream(HOST_IMAGES.kindNode)?.index.digest).toBe(HOST_IMAGES.kindNode.split('@')[1]);
    expect(findUpstream(`kindest/node:v1.36.1@sha256:${'0'.repeat(64)}`)).toBeUndefined();
  });
});

describe('a registry container (distribution v3.0.0 in proxy mode)', () => {
  let sim: Sim;
  let port: number;
  beforeAll(async () => {
    sim = await createSim();
    port = sim.ports().app;
    const r = await startCache(sim, 'cache-docker-io', port, 'https://registry-1.docker.io', 'docker.io');
    expect(r.stderr).toContain(`Unable to find image '${REGISTRY}' locally`);
    expect(r.exitCode, r.stderr).toBe(0);
  }, 60_000);
  afterAll(() => sim.cleanup());

  const get = (p: string, accept = ACCEPT, method = 'GET') => fetch(`http://127.0.0.1:${port}${p}`, { method, headers: { Accept: accept } });

  it('serves /v2/ and logs the docker pull of its own image', async () => {
    const r = await get('/v2/');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{}');
    expect(readUpstreamLog(sim.home).map((e) => [e.by, e.ref])).toEqual([['docker', 'docker.io/library/registry:3.0.0']]);
  });

  it('pulls an image through once: one upstream download, none the second time', async () => {
    const pull = async () => {
      const idx = await get('/v2/grafana/grafana/manifests/13.2.0');
      expect(idx.status).toBe(200);
      const index = (await idx.json()) as { manifests: Array<{ digest: string; platform: { architecture: string } }> };
      const m = await get(`/v2/grafana/grafana/manifests/${index.manifests[0]?.digest ?? ''}`);
      expect(m.headers.get('docker-content-digest')).toBe(index.manifests[0]?.digest);
      const manifest = (await m.json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const b of [manifest.config, ...manifest.layers]) {
        const blob = await get(`/v2/grafana/grafana/blobs/${b.digest}`);
        expect(`sha256:${createHash('sha256').update(Buffer.from(await blob.arrayBuffer())).digest('hex')}`).toBe(b.digest);
      }
    };
    await pull();
    const after1 = readUpstreamLog(sim.home).filter((e) => e.by === 'cache cache-docker-io');
    expect(after1.map((e) => e.ref)).toEqual(['docker.io/grafana/grafana:13.2.0']);
    expect(after1[0]?.bytes).toBeGreaterThan(150_000_000);
    await pull();
    expect(readUpstreamLog(sim.home).filter((e) => e.by === 'cache cache-docker-io')).toHaveLength(1);
    // distribution's layout in the volume, seen from inside the container (busybox find)
    const find = await sim.exec('docker', ['exec', 'cache-docker-io', 'find', '/var/lib/registry', '-path', '*/_manifests/tags/*/current/link']);
    expect(find.stdout).toBe('/var/lib/registry/docker.io/docker/registry/v2/repositories/grafana/grafana/_manifests/tags/13.2.0/current/link\n');
  });

  it('answers a client that accepts no OCI index as distribution does, and unknown tags with MANIFEST_UNKNOWN', async () => {
    const r = await get('/v2/grafana/grafana/manifests/13.2.0', 'application/vnd.docker.distribution.manifest.v2+json');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'OCI index found, but accept header does not support OCI indexes' }] });
    const u = await get('/v2/grafana/grafana/manifests/0.0.0-nope');
    expect(u.status).toBe(404);
    expect(await u.json()).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '0.0.0-nope' } }] });
  });

  it('offline: a cached image is still served, an uncached one fails with distribution\'s errors', async () => {
    writeFileSync(path.join(sim.home, 'network-off'), '');
    const cached = await get('/v2/grafana/grafana/manifests/13.2.0');
    expect(cached.status).toBe(200);
    const tag = await get('/v2/curlimages/curl/manifests/latest');
    expect(tag.status).toBe(404);
    expect(await tag.json()).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'latest' } }] });
    const curl = synthesize(upstreamImages().find((i) => i.ref === 'docker.io/curlimages/curl:latest')!);
    const dig = await get(`/v2/curlimages/curl/manifests/${curl.index.digest}`);
    expect(dig.status).toBe(500);
    const body = (await dig.json()) as { errors: Array<{ code: string; message: string; detail: { URL: string; Err: { Err: { Err: string; Name: string } } } }> };
    expect(body.errors[0]).toMatchObject({ code: 'UNKNOWN', message: 'unknown error', detail: { Op: 'Get', Err: { Op: 'dial', Net: 'tcp', Err: { Err: 'no such host', Name: 'registry-1.docker.io' } } } });
    expect(readUpstreamLog(sim.home).filter((e) => e.ref.includes('curl'))).toEqual([]);
  });

  it('is stopped by docker rm -f (its port is free when that returns)', async () => {
    const pid = readDockerState(sim.home).containers[Object.keys(readDockerState(sim.home).containers)[0] ?? '']?.pid;
    expect(pid).toBeGreaterThan(0);
    const r = await sim.exec('docker', ['rm', '-f', 'cache-docker-io']);
    expect(r.stdout).toBe('cache-docker-io\n');
    await expect(get('/v2/')).rejects.toThrow();
  });
});

describe('node pulls: through a mirror (hosts.toml) or from upstream', () => {
  let sim: Sim;
  const CLUSTER = 'pulls';
  beforeAll(async () => {
    sim = await createSim();
    const cfg = sim.writeKindConfig(sim.ports());
    const r = await sim.exec('kind', ['create', 'cluster', '--name', CLUSTER, '--config', cfg]);
    expect(r.exitCode, r.stderr).toBe(0);
  }, 120_000);
  afterAll(() => sim.cleanup());

  async function runPod(name: string, image: string) {
    const api = clusterApi(sim.home, CLUSTER);
    const r = await api.fetch('/api/v1/namespaces/default/pods', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }] } }) });
    expect(r.status).toBe(201);
    return eventually(`pod ${name} pulled or failed`, async () => {
      const p = (await (await api.fetch(`/api/v1/namespaces/default/pods/${name}`)).json()) as { status?: { phase?: string; containerStatuses?: Array<{ state: { waiting?: { reason: string; message?: string } } }> } };
      const w = p.status?.containerStatuses?.[0]?.state.waiting;
      return p.status?.phase === 'Running' ? { ok: true as const } : w && w.reason === 'ErrImagePull' ? { ok: false as const, message: w.message ?? '' } : undefined;
    });
  }

  it('the kind create pulled the node image (logged by kind)', () => {
    expect(readUpstreamLog(sim.home).filter((e) => e.by === 'kind').map((e) => e.ref)).toEqual(['docker.io/kindest/node:v1.36.1']);
  });

  it('without a mirror the node downloads from upstream', async () => {
    expect(await runPod('direct', 'quay.io/prometheus/node-exporter:v1.9.1')).toEqual({ ok: true });
    expect(readUpstreamLog(sim.home).filter((e) => e.ref === 'quay.io/prometheus/node-exporter:v1.9.1').map((e) => e.by)).toEqual([`node ${CLUSTER}-control-plane`]);
  });

  it('through a mirror the cache downloads once; offline the cached image still pulls and an uncached one fails', async () => {
    const node = `${CLUSTER}-control-plane`;
    // the sim's ports are the kind node's (it holds them, as docker-proxy would): a random host port here
    const r = await startCache(sim, 'cache-quay-io', '', 'https://quay.io', 'quay.io');
    expect(r.exitCode, r.stderr).toBe(0);
    // not yet on network kind: the host name does not resolve, containerd falls back to the server
    expect((await docker(sim, ['exec', node, 'mkdir', '-p', '/etc/containerd/certs.d/quay.io'])).exitCode).toBe(0);
    const toml = 'server = "https://quay.io"\n\n[host."http://cache-quay-io:5000"]\n  capabilities = ["pull", "resolve"]\n';
    expect((await docker(sim, ['exec', '-i', node, 'cp', '/dev/stdin', '/etc/containerd/certs.d/quay.io/hosts.toml'], toml)).exitCode).toBe(0);
    expect((await docker(sim, ['exec', node, 'cat', '/etc/containerd/certs.d/quay.io/hosts.toml'])).stdout).toBe(toml);
    expect(await runPod('fallback', 'quay.io/prometheus/alertmanager:v0.33.1')).toEqual({ ok: true });
    expect(readUpstreamLog(sim.home).filter((e) => e.ref.endsWith('alertmanager:v0.33.1')).map((e) => e.by)).toEqual([`node ${node}`]);

    expect((await sim.exec('docker', ['network', 'connect', 'kind', 'cache-quay-io'])).exitCode).toBe(0);
    expect(await runPod('mirrored', 'quay.io/prometheus/prometheus:v3.13.1')).toEqual({ ok: true });
    expect(readUpstreamLog(sim.home).filter((e) => e.ref.endsWith('prometheus:v3.13.1')).map((e) => e.by)).toEqual(['cache cache-quay-io']);

    writeFileSync(path.join(sim.home, 'network-off'), '');
    expect(await runPod('mirrored-again', 'quay.io/prometheus/prometheus:v3.13.1')).toEqual({ ok: true });
    expect(readUpstreamLog(sim.home).filter((e) => e.ref.endsWith('prometheus:v3.13.1'))).toHaveLength(1);
    // uncached, offline: the cache answers 404 for the tag (its local tag store), the server does not resolve:
    // containerd keeps the 404 (priority over a failed request): NotFound
    const miss = await runPod('uncached', 'quay.io/thanos/thanos:v0.42.4');
    expect(miss).toEqual({ ok: false, message: 'rpc error: code = NotFound desc = failed to pull and unpack image "quay.io/thanos/thanos:v0.42.4": failed to resolve reference "quay.io/thanos/thanos:v0.42.4": quay.io/thanos/thanos:v0.42.4: not found' });
    // without a mirror (another registry), offline: the DNS failure
    const hub = await runPod('hub', 'docker.io/curlimages/curl:8.0.0');
    expect(hub).toEqual({ ok: false, message: 'failed to pull and unpack image "docker.io/curlimages/curl:8.0.0": failed to resolve reference "docker.io/curlimages/curl:8.0.0": failed to do request: Head "https://registry-1.docker.io/v2/curlimages/curl/manifests/8.0.0": dial tcp: lookup registry-1.docker.io: no such host' });
  }, 90_000);

  it('kind create with no network and no node image fails like kind', async () => {
    const fresh = await createSim({ faults: ['offline'], env: { HPA_LAB_SIM_TIME_SCALE: '0' } });
    try {
      const r = await fresh.exec('kind', ['create', 'cluster', '--name', 'off', '--config', fresh.writeKindConfig(fresh.ports())]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`ERROR: failed to create cluster: failed to pull image "${HOST_IMAGES.kindNode.replace('docker.io/', '')}": command "docker pull ${HOST_IMAGES.kindNode.replace('docker.io/', '')}" failed with error: exit status 1\n\nCommand Output: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n`);
      expect(readUpstreamLog(fresh.home)).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  });
});

void REPO_ROOT;

// `docker push` by the host's Docker daemon into a simulated registry container, over the registry HTTP API.
//
// Wording (docker/cli cli/command/image/push.go RunPush, read; the daemon's per-layer messages as a non-terminal
// shows them in public CI logs, e.g. docker/build-push-action#1176, not from moby's source): without a tag
// "Using default tag: latest"; "The push refers to repository [NAME]"; per layer "ID: Preparing", then "ID: Pushed" or "ID: Layer already exists" (a HEAD of the blob answered 200); then
// "TAG: digest: sha256:… size: N" (the manifest's digest and length). Errors (exit 1, on stderr): a tag the store
// lacks "An image does not exist locally with the tag: NAME"; nothing listening on a localhost port
// `Get "http://localhost:P/v2/": dial tcp [::1]:P: connect: connection refused` (as docker/docs#13915 shows it);
// a host the daemon cannot resolve (a container's name: the daemon uses the host's DNS, not a network's)
// `Get "https://HOST/v2/": dial tcp: lookup HOST: no such host`; a public registry without `docker login` (not
// simulated) "denied: requested access to the resource is denied"; a registry's error envelope as
// "<code in lower case, _ as space>: <message>" (distribution's errcode.Error.Error()).
//
// Reachability from the daemon: localhost:P / 127.0.0.1:P is a running registry container publishing host port P
// (dockerd's documented default: registries on 127.0.0.0/8 are insecure, so plain HTTP is allowed).
// Nothing else is modelled (no /etc/hosts entries, no remote registries with TLS).
//
// What is pushed: the image record holds no layers (the stand-in build makes none), so the pushed content is a
// stand-in: a config (OCI image config JSON naming the image's labels) and two small layers derived from the
// image id, content-addressed as distribution checks them; a Docker v2 manifest on the classic store, an OCI
// manifest on the containerd store. After the push the image has the RepoDigest NAME@digest (as docker records).
import { createHash } from 'node:crypto';
import { findImage, storeImage } from './images.ts';
import { isRunning, readDockerState } from './containers.ts';
import { parseImageRef } from './registries.ts';
import { dnsError, domainOfHost } from './upstream.ts';

export type PushResult = { ok: true; lines: string[]; digest: string } | { ok: false; lines: string[]; message: string };

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MEDIA = {
  docker: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  oci: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** The registry's base URL as the daemon reaches it, or the daemon's error. */
function reach(home: string, domain: string): { base: string } | { error: string } {
  const [host = '', portText] = domain.split(':');
  if (host === 'localhost' || host === '127.0.0.1') {
    const port = Number(portText ?? 80);
    const c = Object.values(readDockerState(home).containers).find((x) => isRunning(x) && x.ports.some((p) => p.hostPort === port && ['0.0.0.0', '127.0.0.1', ''].includes(p.hostIp)));
    if (!c) return { error: `Get "http://${domain}/v2/": dial tcp ${host === 'localhost' ? '[::1]' : '127.0.0.1'}:${port}: connect: connection refused` };
    return { base: `http://127.0.0.1:${port}` };
  }
  if (domain === 'docker.io' || domainOfHost(host) !== undefined) return { error: 'denied: requested access to the resource is denied' };
  // A container's name (kind-registry:5000) resolves on a Docker network, not on the host where the daemon runs.
  return { error: `Get "https://${domain}/v2/": ${dnsError(host)}` };
}

async function registryError(r: Response): Promise<string> {
  const text = await r.text();
  try {
    const e = (JSON.parse(text) as { errors?: Array<{ code: string; message: string }> }).errors?.[0];
    if (e) return `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message}`;
  } catch {
    // not an error envelope
  }
  return `unexpected status from ${r.url}: ${r.status} ${r.statusText}`;
}

/** Pushes `reference` (a tag of the host store) to its registry; the caller checked that it parses. */
export async function hostPush(home: string, reference: string, containerdStore: boolean): Promise<PushResult> {
  const ref = parseImageRef(reference);
  if (!ref) return { ok: false, lines: [], message: 'invalid reference format' };
  const tag = ref.tag ?? 'latest';
  const lines: string[] = [];
  if (!/:[^/]*$/.test(reference.split('@')[0] ?? '')) lines.push('Using default tag: latest');
  lines.push(`The push refers to repository [${ref.name}]`);
  const image = findImage(home, `${ref.name}:${tag}`);
  if (!image) return { ok: false, lines, message: `An image does not exist locally with the tag: ${ref.name}` };
  const where = reach(home, ref.domain);
  if ('error' in where) return { ok: false, lines, message: where.error };
  const repo = ref.path;
  const layers = [0, 1].map((i) => Buffer.from(`hpa-lab simulated layer ${i} of ${image.id}\n`));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: image.labels }, rootfs: { type: 'layers', diff_ids: layers.map(sha256) }, created: image.created }));
  const ids = layers.map((l) => sha256(l).slice(7, 19));
  for (const id of ids) lines.push(`${id}: Preparing`);
  const blob = async (content: Buffer): Promise<'Pushed' | 'Layer already exists' | { error: string }> => {
    const digest = sha256(content);
    const head = await fetch(`${where.base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    if (head.status === 200) return 'Layer already exists';
    const start = await fetch(`${where.base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) return { error: await registryError(start) };
    const location = new URL(start.headers.get('location') ?? '', where.base);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', body: content, headers: { 'Content-Type': 'application/octet-stream' } });
    if (put.status !== 201) return { error: await registryError(put) };
    return 'Pushed';
  };
  try {
    for (const [i, l] of layers.entries()) {
      const r = await blob(l);
      if (typeof r !== 'string') return { ok: false, lines, message: r.error };
      lines.push(`${ids[i] ?? ''}: ${r}`);
    }
    const c = await blob(config);
    if (typeof c !== 'string') return { ok: false, lines, message: c.error };
    const m = containerdStore ? MEDIA : { ...MEDIA, oci: MEDIA.docker, ociConfig: MEDIA.dockerConfig, ociLayer: MEDIA.dockerLayer };
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: m.oci, config: { mediaType: m.ociConfig, digest: sha256(config), size: config.length }, layers: layers.map((l) => ({ mediaType: m.ociLayer, digest: sha256(l), size: l.length })) }),
    );
    const put = await fetch(`${where.base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': m.oci } });
    if (put.status !== 201) return { ok: false, lines, message: await registryError(put) };
    const digest = sha256(manifest);
    lines.push(`${tag}: digest: ${digest} size: ${manifest.length}`);
    storeImage(home, { ...image, repoTags: [], repoDigests: [`${ref.name.replace(/^docker\.io\/(library\/)?/, '')}@${digest}`] });
    return { ok: true, lines, digest };
  } catch (e) {
    return { ok: false, lines, message: `Put "${where.base}/v2/${repo}/": ${e instanceof Error ? e.message : String(e)}` };
  }
}

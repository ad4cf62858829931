// Pulls an image into a pull-through cache over the registry HTTP API (OCI distribution spec): the manifest
// (an index is resolved to this machine's linux platform, as a kind node's containerd does), then the config
// and every layer blob. The proxy stores what it serves, so reading an image through it is what fills it; the
// bytes are counted and checked against their digests, then dropped.
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { ImageRef } from './ref.ts';

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];
const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface PullProgress {
  image: string;
  blobsDone: number;
  blobsTotal: number;
  bytes: number;
  /** the sum of the blobs' sizes as the manifest gives them */
  bytesTotal: number;
}

export class RegistryError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'RegistryError';
    this.status = status;
  }
}

/** The node's platform as an OCI index names it (Node's os.arch → GOARCH). */
export function nodePlatformArch(arch: string = os.arch()): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** The registry's own words for a failed request: its errors[0] code and message (distribution's JSON). */
async function registryWords(r: Response): Promise<string> {
  const text = await r.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const e = body.errors?.[0];
    if (e) return `${e.code ?? ''}: ${e.message ?? ''}`.replace(/^: /, '');
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200) || r.statusText;
}

async function get(url: string, accept: string | undefined, signal: AbortSignal): Promise<Response> {
  const r = await fetch(url, { headers: accept ? { Accept: accept } : {}, signal });
  if (!r.ok) throw new RegistryError(`GET ${new URL(url).pathname}: ${r.status} ${await registryWords(r)}`, r.status);
  return r;
}

/** Reads a blob to its end, counting bytes, and checks its sha256 against the digest. */
async function readBlob(base: string, repo: string, d: Descriptor, signal: AbortSignal, onBytes: (n: number) => void): Promise<number> {
  const r = await get(`${base}/v2/${repo}/blobs/${d.digest}`, undefined, signal);
  const hash = createHash('sha256');
  let n = 0;
  if (r.body) {
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      n += chunk.length;
      onBytes(chunk.length);
    }
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (d.digest.startsWith('sha256:') && got !== d.digest) throw new RegistryError(`blob ${d.digest} of ${repo}: content has digest ${got}`, 0);
  return n;
}

/**
 * Pulls one image through the registry at `base` (http://127.0.0.1:PORT). Resolves with the bytes read;
 * rejects with a RegistryError naming the request and the registry's answer.
 */
export async function pullThrough(base: string, ref: ImageRef, opts: { signal: AbortSignal; arch?: string; onProgress?: (p: PullProgress) => void }): Promise<PullProgress> {
  const arch = opts.arch ?? nodePlatformArch();
  let r = await get(`${base}/v2/${ref.path}/manifests/${ref.reference}`, ACCEPT, opts.signal);
  let body = (await r.json()) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  const type = (r.headers.get('content-type') ?? body.mediaType ?? '').split(';')[0]?.trim() ?? '';
  if (INDEX_TYPES.includes(type) || Array.isArray(body.manifests)) {
    const pick = (body.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
    if (!pick) throw new RegistryError(`${ref.full}: no linux/${arch} image in its index`, 0);
    r = await get(`${base}/v2/${ref.path}/manifests/${pick.digest}`, ACCEPT, opts.signal);
    body = (await r.json()) as typeof body;
  }
  const blobs = [...(body.config ? [body.config] : []), ...(body.layers ?? [])];
  const progress: PullProgress = { image: ref.full, blobsDone: 0, blobsTotal: blobs.length, bytes: 0, bytesTotal: blobs.reduce((n, b) => n + (b.size ?? 0), 0) };
  opts.onProgress?.({ ...progress });
  for (const b of blobs) {
    await readBlob(base, ref.path, b, opts.signal, (n) => {
      progress.bytes += n;
    });
    progress.blobsDone += 1;
    opts.onProgress?.({ ...progress });
  }
  return progress;
}

/** Runs `work` over `items`, at most `limit` at a time; every item is tried (failures are collected). */
export async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<Array<{ item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }>> {
  const results: Array<{ item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        results.push({ item, ok: true, value: await work(item) });
      } catch (error) {
        results.push({ item, ok: false, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

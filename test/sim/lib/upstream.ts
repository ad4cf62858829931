// The upstream registries of the simulated machine: every image they hold, each with a modelled compressed size,
// synthesized deterministically as a multi-platform OCI index -> per-platform OCI manifest -> config + layers,
// a transfer rate, the "no network" switch and the upstream log ($HPA_LAB_SIM_HOME/upstream.jsonl).
//
// Content: blobs are small stub texts whose sha256 is their digest (content addressed, as a registry checks), and
// descriptors carry the stub's true size; the MODELLED compressed size of a layer is its annotation
// `io.hpa-lab.sim.modelled-size` and is what the log records and the transfer time is computed from. One exception:
// an index whose digest the real world fixes (a reference pinned by digest: the kind node image, the app's base
// image, the cache's registry image) is served under that digest although its stub content does not hash to it
// (no content can be made to hash to a given digest).
//
// Sizes: every figure below is an ESTIMATE of the linux/amd64 compressed size (sum of the compressed layers, what
// a registry transfers) unless marked otherwise; none was measured against a registry from here. The kind node's
// preloaded images use the sizes the simulated node's status.images has always reported (registries.ts
// kindNodeImages; containerd reports the compressed content size there).
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFaults } from './faults.ts';
import { sleepSync } from './procs.ts';
import { kindNodeImages, parseImageRef, registryImages, type ImageRef } from './registries.ts';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const MB = 1_000_000;

/** The images that are only on the host (pulled by docker/kind, or run as the cache), pinned as the project pins them. */
export const HOST_IMAGES = {
  /** kind/cluster.yaml (kind v0.32.0's default node image) */
  kindNode: 'docker.io/kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5',
  /** app/Dockerfile's FROM */
  appBase: 'docker.io/library/node:24-alpine@sha256:d32cdf619f63fe0471182d08996dd516c6275bb5fd31ae06e55a570bd9e1ad43',
  /** the pull-through cache (distribution v3.0.0) */
  registry: 'docker.io/library/registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e',
} as const;

/** Modelled linux/amd64 compressed sizes in bytes, all ESTIMATES (see the header), by repository:tag. */
const ESTIMATED_SIZES: Record<string, number> = {
  'registry.k8s.io/metrics-server/metrics-server:v0.8.1': 19 * MB,
  'docker.io/grafana/grafana:13.2.0': 190 * MB,
  'quay.io/kiwigrid/k8s-sidecar:2.10.1': 42 * MB,
  'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0': 17 * MB,
  'quay.io/prometheus-operator/prometheus-operator:v0.93.1': 16 * MB,
  'quay.io/prometheus/prometheus:v3.14.0-distroless': 105 * MB,
  'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1': 6 * MB,
  'quay.io/thanos/thanos:v0.42.4': 45 * MB,
  'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0': 27 * MB,
  'ghcr.io/kedacore/keda:2.20.2': 36 * MB,
  'ghcr.io/kedacore/keda-metrics-apiserver:2.20.2': 32 * MB,
  'ghcr.io/kedacore/keda-admission-webhooks:2.20.2': 27 * MB,
  'docker.io/curlimages/curl:latest': 10 * MB,
  'quay.io/prometheus/prometheus:v3.13.1': 118 * MB,
  'quay.io/prometheus/alertmanager:v0.33.1': 31 * MB,
  'quay.io/prometheus/prometheus:v3.7.3': 115 * MB,
  'quay.io/prometheus/node-exporter:v1.9.1': 11 * MB,
  'docker.io/kindest/node:v1.36.1': 440 * MB,
  'docker.io/kindest/node:v1.24.17': 330 * MB,
  'docker.io/library/node:24-alpine': 52 * MB,
  'docker.io/library/registry:3.0.0': 17 * MB,
};

export interface UpstreamImage {
  /** domain/path:tag */
  ref: string;
  parsed: ImageRef;
  /** the real index digest, when the project pins this image by digest */
  pinnedDigest?: string;
  /** modelled compressed size of the linux/amd64 image (arm64: 97 % of it) */
  sizeBytes: number;
  sizeSource: string;
}

let cached: UpstreamImage[] | undefined;

/** Every image of the simulated upstream registries (the kubelet's registries plus the host images). */
export function upstreamImages(): UpstreamImage[] {
  if (cached) return cached;
  const preload = new Map(kindNodeImages('v1.36.1').flatMap((i) => i.names.map((n) => [n, i.sizeBytes] as const)));
  const out: UpstreamImage[] = [];
  const add = (ref: string, pinned?: string) => {
    const parsed = parseImageRef(ref);
    if (!parsed || out.some((o) => o.ref === parsed.full)) return;
    const pre = preload.get(ref);
    const est = ESTIMATED_SIZES[parsed.full];
    const sizeBytes = pre ?? est ?? 30 * MB + (hash(ref).readUInt32BE(0) % (100 * MB));
    const sizeSource = pre !== undefined ? 'kind node preload size as the simulated node reports it (registries.ts)' : est !== undefined ? 'estimate' : 'estimate (generic)';
    out.push({ ref: parsed.full, parsed, ...(pinned ? { pinnedDigest: pinned } : {}), sizeBytes, sizeSource });
  };
  for (const img of registryImages()) add(img.ref, img.digest);
  for (const ref of Object.values(HOST_IMAGES)) {
    const [name, digest] = ref.split('@') as [string, string];
    add(name, digest);
  }
  cached = out;
  return out;
}

// ---- synthesis ----

export interface Blob {
  digest: string;
  mediaType: string;
  content: Buffer;
  /** modelled compressed size (layers); 0 for manifests and configs' share is their stub size */
  modelledBytes: number;
}

export interface PlatformImage {
  platform: { os: string; architecture: string };
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  /** sum of the layers' modelled sizes plus the config */
  modelledBytes: number;
}

export interface SynthesizedImage {
  image: UpstreamImage;
  index: Blob;
  platforms: PlatformImage[];
}

function hash(s: string | Buffer): Buffer {
  return createHash('sha256').update(s).digest();
}

function sha(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

function blob(mediaType: string, content: string, modelledBytes = 0): Blob {
  const buf = Buffer.from(content);
  return { digest: sha(buf), mediaType, content: buf, modelledBytes };
}

const synthCache = new Map<string, SynthesizedImage>();

/** The image's index, platform manifests, configs and layers, always the same for the same image. */
export function synthesize(image: UpstreamImage): SynthesizedImage {
  const hit = synthCache.get(image.ref);
  if (hit) return hit;
  const h = hash(image.ref);
  const layerCount = 2 + (h[0] as number) % 5;
  const platforms: PlatformImage[] = (['amd64', 'arm64'] as const).map((architecture) => {
    const total = architecture === 'amd64' ? image.sizeBytes : Math.round(image.sizeBytes * 0.97);
    // Split the modelled size over the layers: the first (the base) is the largest.
    const weights = Array.from({ length: layerCount }, (_, i) => (i === 0 ? 6 : 1 + ((h[i + 1] as number) % 4)));
    const sum = weights.reduce((a, b) => a + b, 0);
    const sizes = weights.map((w) => Math.floor((total * w) / sum));
    sizes[0] = (sizes[0] as number) + total - sizes.reduce((a, b) => a + b, 0);
    const layers = sizes.map((size, i) => blob(MEDIA.layer, `hpa-lab simulated layer ${i + 1}/${layerCount} of ${image.ref} linux/${architecture} (modelled ${size} bytes compressed)\n`, size));
    const config = blob(
      MEDIA.config,
      JSON.stringify({ architecture, os: 'linux', config: { Labels: { 'io.hpa-lab.sim.image': image.ref } }, rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(Buffer.concat([l.content, Buffer.from('diff')]))) } }),
    );
    const manifest = blob(
      MEDIA.manifest,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.manifest,
        config: { mediaType: MEDIA.config, digest: config.digest, size: config.content.length },
        layers: layers.map((l) => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.content.length, annotations: { 'io.hpa-lab.sim.modelled-size': String(l.modelledBytes) } })),
      }),
    );
    return { platform: { os: 'linux', architecture }, manifest, config, layers, modelledBytes: total + config.content.length };
  });
  const indexContent = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: platforms.map((p) => ({ mediaType: MEDIA.manifest, digest: p.manifest.digest, size: p.manifest.content.length, platform: p.platform })),
    ...(image.pinnedDigest ? { annotations: { 'io.hpa-lab.sim.pinned-digest': `the real index digest is ${image.pinnedDigest}; this stub does not hash to it` } } : {}),
  });
  const index = blob(MEDIA.index, indexContent);
  if (image.pinnedDigest) index.digest = image.pinnedDigest;
  const s = { image, index, platforms };
  synthCache.set(image.ref, s);
  return s;
}

/** The platform the simulated machine runs (host and nodes). */
export function hostPlatform(): string {
  return process.arch === 'arm64' ? 'arm64' : 'amd64';
}

export function platformOf(s: SynthesizedImage, arch = hostPlatform()): PlatformImage {
  return s.platforms.find((p) => p.platform.architecture === arch) ?? (s.platforms[0] as PlatformImage);
}

/** The registry host a domain's default endpoint is (containerd and docker: docker.io is registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

/** The domain a registry host serves (the reverse of registryHost); undefined for hosts that are not simulated. */
export function domainOfHost(host: string): string | undefined {
  const h = host.replace(/:443$/, '');
  if (h === 'registry-1.docker.io' || h === 'index.docker.io' || h === 'docker.io') return 'docker.io';
  const domains = new Set(upstreamImages().map((i) => i.parsed.domain));
  return domains.has(h) ? h : undefined;
}

export type UpstreamObject = { kind: 'index'; image: SynthesizedImage; blob: Blob } | { kind: 'manifest'; image: SynthesizedImage; platform: PlatformImage; blob: Blob } | { kind: 'blob'; image: SynthesizedImage; blob: Blob };

/** A manifest of repository `domain/repo` by tag or digest (undefined: the registry answers 404). */
export function upstreamManifest(domain: string, repo: string, reference: string): UpstreamObject | undefined {
  const name = `${domain}/${repo}`;
  for (const img of upstreamImages()) {
    if (img.parsed.name !== name) continue;
    const s = synthesize(img);
    if (reference.startsWith('sha256:')) {
      if (s.index.digest === reference) return { kind: 'index', image: s, blob: s.index };
      const p = s.platforms.find((x) => x.manifest.digest === reference);
      if (p) return { kind: 'manifest', image: s, platform: p, blob: p.manifest };
    } else if (img.parsed.tag === reference) return { kind: 'index', image: s, blob: s.index };
  }
  return undefined;
}

/** A blob (config or layer) of repository `domain/repo`. */
export function upstreamBlob(domain: string, repo: string, digest: string): UpstreamObject | undefined {
  const name = `${domain}/${repo}`;
  for (const img of upstreamImages()) {
    if (img.parsed.name !== name) continue;
    const s = synthesize(img);
    for (const p of s.platforms) {
      const b = [p.config, ...p.layers].find((x) => x.digest === digest);
      if (b) return { kind: 'blob', image: s, blob: b };
    }
  }
  return undefined;
}

/** The upstream image a reference names (tag, digest or both: the digest decides), or undefined. */
export function findUpstream(reference: string): SynthesizedImage | undefined {
  const ref = parseImageRef(reference);
  if (!ref) return undefined;
  const obj = upstreamManifest(ref.domain, ref.path, ref.digest ?? ref.tag ?? 'latest');
  return obj && obj.kind === 'index' ? obj.image : undefined;
}

// ---- the network ----

/**
 * "No network": the `offline` fault of this process, or the file $HPA_LAB_SIM_HOME/network-off (for processes that
 * run on: the cache containers and the nodes check it per request, so a test can cut the network mid-way).
 */
export function isOffline(home = process.env.HPA_LAB_SIM_HOME, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    if (parseFaults(env.HPA_LAB_SIM_FAULTS).has('offline')) return true;
  } catch {
    // an invalid list is reported by the stand-in itself
  }
  return home ? existsSync(path.join(home, 'network-off')) : false;
}

/**
 * Go's error for a host name that does not resolve. The resolver's address ("on 127.0.0.53:53") is left out, as
 * the simulated kubelet's errors always have.
 */
export function dnsError(host: string): string {
  return `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
}

/** The modelled transfer rate in megabits per second: HPA_LAB_SIM_UPSTREAM_MBPS (default 50). */
export function transferMbps(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.HPA_LAB_SIM_UPSTREAM_MBPS);
  return Number.isFinite(v) && v > 0 ? v : 50;
}

/** Real seconds waited per modelled second: HPA_LAB_SIM_TIME_SCALE (default 0.001: 160 s modelled = 160 ms). */
export function timeScale(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.HPA_LAB_SIM_TIME_SCALE);
  return Number.isFinite(v) && v >= 0 && env.HPA_LAB_SIM_TIME_SCALE !== undefined && env.HPA_LAB_SIM_TIME_SCALE !== '' ? v : 0.001;
}

/** Modelled milliseconds to transfer `bytes` at the modelled rate. */
export function modelledMs(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  return Math.round((bytes * 8) / (transferMbps(env) * 1000));
}

/** The real wait for a modelled transfer (ms). */
export function realWaitMs(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  return Math.round(modelledMs(bytes, env) * timeScale(env));
}

export function waitTransferSync(bytes: number): void {
  const ms = realWaitMs(bytes);
  if (ms > 0) sleepSync(ms);
}

export function waitTransfer(bytes: number): Promise<void> {
  const ms = realWaitMs(bytes);
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

// ---- the upstream log ----

export interface UpstreamLogEntry {
  at: string;
  /** "docker" | "kind" | "cache <container>" | "node <node>" | "helm" */
  by: string;
  ref: string;
  bytes: number;
  modelledMs: number;
}

export function upstreamLogFile(home: string): string {
  return path.join(home, 'upstream.jsonl');
}

/** Appends one download (an image or a chart) from upstream to $HPA_LAB_SIM_HOME/upstream.jsonl. */
export function logDownload(home: string, entry: { by: string; ref: string; bytes: number }): UpstreamLogEntry {
  const line: UpstreamLogEntry = { at: new Date().toISOString(), by: entry.by, ref: entry.ref, bytes: entry.bytes, modelledMs: modelledMs(entry.bytes) };
  mkdirSync(home, { recursive: true });
  // One write of one line with O_APPEND: concurrent writers (parallel pulls) never interleave within a line.
  appendFileSync(upstreamLogFile(home), `${JSON.stringify(line)}\n`);
  return line;
}

/** Every download logged so far (oldest first); [] when none. */
export function readUpstreamLog(home: string): UpstreamLogEntry[] {
  const file = upstreamLogFile(home);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as UpstreamLogEntry);
}

/** The upstream reference to log for an image: its tag form (domain/path:tag), as the project names it. */
export function logRef(s: SynthesizedImage): string {
  return s.image.ref;
}

// The simulated `docker image save` archive, in the real docker-save layout, and what reads it back.
//
// The layout (moby v28.2.2 image/tarexport/save.go, the classic store's exporter; the containerd store's
// exporter, containerd v2.0.5 core/images/archive, writes the same files but `repositories`):
//   blobs/sha256/<hex>   every blob under the sha256 of its bytes: each image's config, its layers, its OCI
//                        manifest (and, on the containerd store, the image's index)
//   manifest.json        [{Config, RepoTags, Layers}]: the paths of the config and of the layers, in order; the
//                        classic store's `docker load` (image/tarexport/load.go) reads only this
//   index.json           the OCI index: a descriptor per name (annotations io.containerd.image.name and
//                        org.opencontainers.image.ref.name), or one without a name; containerd's import reads this
//   oci-layout           {"imageLayoutVersion": "1.0.0"}
//   repositories         the classic store's legacy {name: {tag: top layer}} (not on the containerd store)
// A simulated image has one layer: a tar whose file hpa-lab-sim/image.json says which simulated image it is (its
// id, the upstream image it came from, its RepoDigests): the simulation's ids are not config digests.
//
// With Docker's containerd image store (moby daemon/containerd; Docker 29's default, Docker Desktop's earlier)
// `docker build` on BuildKit attaches provenance attestations by default, so the image is an OCI index: the
// platform manifest plus an attestation manifest (platform unknown/unknown). A plain `docker save` writes that
// whole index without the attestation manifest's blob (moby's ExportImage: archive.WithSkipMissing), and
// `ctr images import --all-platforms` inside the kind node (kind load) then fails on the blob the archive does
// not carry: `ctr: content digest sha256:…: not found` (kind issue #3795). `docker image save --platform os/arch`
// (API 1.48+, Docker 28+) writes a single-platform archive, which imports; so does an image built with
// `--provenance=false --sbom=false` (a single manifest).
import { createHash } from 'node:crypto';
import { findImage, normalizeRef, type ImageRecord } from './images.ts';
import { tarFiles, untarFiles } from './tar.ts';

/** An image as the containerd store keeps it: `indexMissing` is the digest a full export cannot carry. */
export type StoredImage = ImageRecord & { indexMissing?: string };

export function findStoredImage(home: string, ref: string): StoredImage | undefined {
  return findImage(home, ref);
}

/** The (made-up but stable) digest of the attestation manifest's blob that a full export misses. */
export function attestationDigest(imageId: string): string {
  return `sha256:${createHash('sha256').update(`attestation-manifest:${imageId}`).digest('hex')}`;
}

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;
const IMAGE_NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';
/** The file of a simulated image's layer that says which image it is. */
const CONTENT_FILE = 'hpa-lab-sim/image.json';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** One entry of manifest.json. */
export interface DockerManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** What a simulated image's layer says it is. */
export interface ImageContent {
  id: string;
  repoDigests?: string[];
  upstream?: { ref: string; sizeBytes: number };
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** "node:24-alpine" → "docker.io/library/node:24-alpine", as containerd names an image (a digest reference kept whole). */
function qualified(name: string): string {
  const first = name.split('/')[0] ?? '';
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

/**
 * The archive `docker image save` writes of these images, each under the names given (a tag, or on the
 * containerd store a digest reference); `platform`: one platform only (`--platform`).
 */
export function writeImageArchive(entries: Array<{ names: string[]; image: StoredImage }>, opts: { containerdStore: boolean; platform?: string; arch: string }): Buffer {
  const blobs = new Map<string, Buffer>();
  const put = (data: string | Buffer, mediaType: string): Descriptor & { path: string } => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    const hex = sha256Hex(bytes);
    blobs.set(`blobs/sha256/${hex}`, bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length, path: `blobs/sha256/${hex}` };
  };
  // moby saves each image once, with every name it was asked for
  const byId = new Map<string, { names: string[]; image: StoredImage }>();
  for (const e of entries) {
    const seen = byId.get(e.image.id);
    if (seen) seen.names.push(...e.names.filter((n) => !seen.names.includes(n)));
    else byId.set(e.image.id, { names: [...e.names], image: e.image });
  }
  const manifestJson: DockerManifestItem[] = [];
  const index: Descriptor[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { names, image } of byId.values()) {
    const content: ImageContent = { id: image.id, ...(image.repoDigests ? { repoDigests: image.repoDigests } : {}), ...(image.upstream ? { upstream: image.upstream } : {}) };
    const layer = put(tarFiles([{ name: CONTENT_FILE, data: `${JSON.stringify(content)}\n` }]), MEDIA.layer);
    const config = put(JSON.stringify({ architecture: opts.arch, config: { Labels: image.labels }, created: image.created, os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }), MEDIA.config);
    const manifest = put(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.manifest, config: { mediaType: MEDIA.config, digest: config.digest, size: config.size }, layers: [{ mediaType: MEDIA.layer, digest: layer.digest, size: layer.size }] }), MEDIA.manifest);
    let target: Descriptor = { mediaType: MEDIA.manifest, digest: manifest.digest, size: manifest.size };
    if (!opts.platform && image.indexMissing) {
      // the whole index: the platform's manifest, and the attestation manifest whose blob is not written
      const attestation: Descriptor = { mediaType: MEDIA.manifest, digest: image.indexMissing, size: 839, annotations: { 'vnd.docker.reference.digest': manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' }, platform: { architecture: 'unknown', os: 'unknown' } };
      const idx = put(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [{ ...target, platform: { architecture: opts.arch, os: 'linux' } }, attestation] }), MEDIA.index);
      target = { mediaType: MEDIA.index, digest: idx.digest, size: idx.size };
    }
    const tags = names.filter((n) => !n.includes('@')).map(normalizeRef);
    manifestJson.push({ Config: config.path, RepoTags: tags, Layers: [layer.path] });
    for (const n of names) {
      const tag = n.includes('@') ? undefined : normalizeRef(n).replace(/^.*:/, '');
      index.push({ ...target, annotations: { [IMAGE_NAME]: qualified(normalizeRef(n)), ...(tag ? { [REF_NAME]: tag } : {}) } });
    }
    if (names.length === 0) index.push(target);
    if (!opts.containerdStore) for (const t of tags) (repositories[t.replace(/:[^:/]*$/, '')] ??= {})[t.replace(/^.*:/, '')] = layer.digest.slice('sha256:'.length);
  }
  const files: Array<{ name: string; data: Buffer | string }> = [...blobs.keys()].sort().map((name) => ({ name, data: blobs.get(name) as Buffer }));
  files.push({ name: 'index.json', data: JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: index }) });
  files.push({ name: 'manifest.json', data: `${JSON.stringify(manifestJson)}\n` });
  files.push({ name: 'oci-layout', data: '{"imageLayoutVersion": "1.0.0"}' });
  if (Object.keys(repositories).length) files.push({ name: 'repositories', data: `${JSON.stringify(repositories)}\n` });
  return tarFiles(files);
}

/** The files of an archive; undefined when the bytes are not a tar. */
export function readImageArchive(data: Buffer): Map<string, Buffer> | undefined {
  if (data.length < 512 || data.subarray(257, 262).toString('latin1') !== 'ustar') return undefined;
  return untarFiles(data);
}

export function parseJson<T>(data: Buffer | undefined): T | undefined {
  if (!data) return undefined;
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** What a simulated image's layer says it is; undefined when the layer is not one the simulation wrote. */
export function layerContent(layer: Buffer): ImageContent | undefined {
  return parseJson<ImageContent>(untarFiles(layer).get(CONTENT_FILE));
}

/** The blob a descriptor names, when the archive holds it with those bytes (containerd stores content by its digest). */
export function blobOf(files: Map<string, Buffer>, digest: string): Buffer | undefined {
  const blob = files.get(`blobs/sha256/${digest.replace(/^sha256:/, '')}`);
  return blob && `sha256:${sha256Hex(blob)}` === digest ? blob : undefined;
}

/** index.json's descriptors: each with the name it carries (undefined: an image without a name). */
export function indexImages(files: Map<string, Buffer>): Array<{ name: string | undefined; target: Descriptor }> | undefined {
  const index = parseJson<{ manifests?: Descriptor[] }>(files.get('index.json'));
  if (!index?.manifests) return undefined;
  return index.manifests.map((m) => ({ name: m.annotations?.[IMAGE_NAME] ?? m.annotations?.[REF_NAME], target: m }));
}

/**
 * The first blob under a descriptor the archive does not hold (an index's manifests, a manifest's config and
 * layers), or undefined when all are there; `platform` follows only that platform's manifest of an index.
 */
export function missingContent(files: Map<string, Buffer>, desc: Descriptor, platform?: string): string | undefined {
  const blob = blobOf(files, desc.digest);
  if (!blob) return desc.digest;
  if (desc.mediaType === MEDIA.index) {
    const idx = parseJson<{ manifests?: Descriptor[] }>(blob);
    for (const m of idx?.manifests ?? []) {
      if (platform && `${m.platform?.os ?? ''}/${m.platform?.architecture ?? ''}` !== platform) continue;
      const missing = missingContent(files, m, platform);
      if (missing) return missing;
    }
    return undefined;
  }
  if (desc.mediaType === MEDIA.manifest) {
    const m = parseJson<{ config?: Descriptor; layers?: Descriptor[] }>(blob);
    for (const d of [m?.config, ...(m?.layers ?? [])]) if (d && !blobOf(files, d.digest)) return d.digest;
  }
  return undefined;
}

/** The image an index descriptor stands for: its platform manifest's config, and what its layer says it is. */
export function imageOf(files: Map<string, Buffer>, desc: Descriptor, platform: string): { labels: Record<string, string>; content?: ImageContent } {
  let manifest = parseJson<{ config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] }>(blobOf(files, desc.digest));
  if (manifest?.manifests) {
    const m = manifest.manifests.find((x) => `${x.platform?.os ?? ''}/${x.platform?.architecture ?? ''}` === platform);
    manifest = m ? parseJson(blobOf(files, m.digest)) : undefined;
  }
  const config = parseJson<{ config?: { Labels?: Record<string, string> | null } }>(manifest?.config ? blobOf(files, manifest.config.digest) : undefined);
  const layer = manifest?.layers?.[0] ? blobOf(files, manifest.layers[0].digest) : undefined;
  const content = layer ? layerContent(layer) : undefined;
  return { labels: config?.config?.Labels ?? {}, ...(content ? { content } : {}) };
}

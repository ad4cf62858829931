// The simulated `docker image save` archive and the containerd image store's indexes.
//
// With Docker's containerd image store (moby daemon/containerd; Docker 29's default, Docker Desktop's earlier)
// `docker build` on BuildKit attaches provenance attestations by default, so the image is an OCI index: the
// platform manifest plus an attestation manifest (platform unknown/unknown). A plain `docker save` writes that
// whole index, and `ctr images import --all-platforms` inside the kind node (kind load) then fails on a blob the
// archive does not carry: `ctr: content digest sha256:…: not found` (kind issue #3795). `docker image save
// --platform os/arch` (API 1.48+, Docker 28+) writes a single-platform archive, which imports; so does an image
// built with `--provenance=false --sbom=false` (a single manifest). The archive here is JSON, not a tar.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { findImage, type ImageRecord } from './images.ts';

/** An image as the containerd store keeps it: `indexMissing` is the digest a full export cannot carry. */
export type StoredImage = ImageRecord & { indexMissing?: string };

export interface ImageArchive {
  simulatedImageArchive: 1;
  /**
   * names: the RepoTags of manifest.json (an image saved by digest has none on the classic store, so `docker load`
   * reports it as "Loaded image ID: sha256:…"); repoDigests are kept only by the containerd image store's export
   * (its index carries the name and digest); upstream: the simulated upstream image it came from.
   */
  images: Array<{ names: string[]; id: string; repoDigests?: string[]; labels?: Record<string, string>; upstream?: { ref: string; sizeBytes: number } }>;
  platform?: string;
  /** set when the archive is an index with content missing (what ctr import trips over) */
  indexMissing?: string;
}

export function findStoredImage(home: string, ref: string): StoredImage | undefined {
  return findImage(home, ref);
}

/** The (made-up but stable) digest of the attestation manifest's blob that a full export misses. */
export function attestationDigest(imageId: string): string {
  return `sha256:${createHash('sha256').update(`attestation-manifest:${imageId}`).digest('hex')}`;
}

export function writeImageArchive(file: string, archive: ImageArchive): void {
  writeFileSync(file, JSON.stringify(archive, null, 2) + '\n');
}

export function readImageArchive(file: string): ImageArchive | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const a = JSON.parse(readFileSync(file, 'utf8')) as ImageArchive;
    return a.simulatedImageArchive === 1 ? a : undefined;
  } catch {
    return undefined;
  }
}

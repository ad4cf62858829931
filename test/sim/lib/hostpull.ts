// Pulls into the host's Docker image store from the simulated upstream (docker pull, docker run of an absent image,
// kind's pullIfNotPresent, docker build's FROM), with the Docker daemon's progress lines and errors.
//
// Wording (moby v28 distribution/pull_v2.go progress messages, docker/cli cli/command/image/pull.go): "TAG: Pulling
// from REPO" (a digest reference: "sha256:…: Pulling from REPO"), per layer "ID: Pulling fs layer" … "ID: Pull
// complete", "Digest: sha256:…", "Status: Downloaded newer image for REF" / "Status: Image is up to date for REF",
// then the normalized reference on its own line. The daemon resolves the reference at the registry on every pull,
// so with no network even a present image fails: `Error response from daemon: Get "https://registry-1.docker.io/v2/":
// dial tcp: lookup registry-1.docker.io: no such host`. A pull by `name:tag@digest` pulls the digest and tags
// nothing (docker/cli ImagePull sends the digest as the tag parameter): the image is `<none>` with that RepoDigest.
import { findImage, storeImage, type ImageRecord } from './images.ts';
import { parseImageRef } from './registries.ts';
import { dnsError, findUpstream, isOffline, logDownload, logRef, platformOf, registryHost, upstreamImages, waitTransferSync } from './upstream.ts';

export type PullResult = { ok: true; image: ImageRecord; downloaded: boolean; lines: string[] } | { ok: false; message: string };

/** The reference as Docker shows it: docker.io/library/ and docker.io/ dropped. */
export function familiar(name: string): string {
  return name.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

/** Pulls `reference` into the host store, logging the download as `by` ("docker" or "kind"). */
export function hostPull(home: string, reference: string, by: string): PullResult {
  const ref = parseImageRef(reference);
  if (!ref) return { ok: false, message: `invalid reference format` };
  const host = registryHost(ref.domain);
  if (isOffline(home)) return { ok: false, message: `Error response from daemon: Get "https://${host}/v2/": ${dnsError(host)}` };
  const shortName = familiar(ref.name);
  const s = findUpstream(reference);
  if (!s) {
    const repoKnown = anyTag(ref.domain, ref.path);
    if (!repoKnown && ref.domain === 'docker.io' && !ref.path.startsWith('library/')) {
      return { ok: false, message: `Error response from daemon: pull access denied for ${shortName}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied` };
    }
    return { ok: false, message: `Error response from daemon: manifest for ${familiar(ref.full)} not found: manifest unknown: manifest unknown` };
  }
  const p = platformOf(s);
  const id = p.config.digest;
  const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
  const lines = [`${tagOrDigest}: Pulling from ${familiar(ref.name).includes('/') ? familiar(ref.name) : `library/${familiar(ref.name)}`}`];
  const existing = findImage(home, ref.digest ? `${ref.name}@${ref.digest}` : ref.full);
  const display = ref.digest ? `${shortName}@${ref.digest}` : `${shortName}:${ref.tag ?? 'latest'}`;
  const repoDigest = `${shortName}@${s.index.digest}`;
  if (existing && existing.id === id) {
    lines.push(`Digest: ${s.index.digest}`, `Status: Image is up to date for ${display}`);
    storeImage(home, { ...existing, repoTags: ref.digest ? [] : [ref.full], repoDigests: [repoDigest] });
    return { ok: true, image: existing, downloaded: false, lines };
  }
  for (const l of p.layers) lines.push(`${l.digest.slice(7, 19)}: Pulling fs layer`);
  waitTransferSync(p.modelledBytes);
  for (const l of p.layers) lines.push(`${l.digest.slice(7, 19)}: Pull complete`);
  lines.push(`Digest: ${s.index.digest}`, `Status: Downloaded newer image for ${display}`);
  logDownload(home, { by, ref: logRef(s), bytes: p.modelledBytes });
  const image: ImageRecord = { id, created: '2025-06-01T00:00:00Z', labels: {}, repoTags: ref.digest ? [] : [ref.full], repoDigests: [repoDigest], upstream: { ref: logRef(s), sizeBytes: p.modelledBytes } };
  storeImage(home, image);
  return { ok: true, image: findImage(home, `${ref.name}@${s.index.digest}`) ?? image, downloaded: true, lines };
}

/** A repository the upstream holds (any of its images). */
function anyTag(domain: string, repo: string): boolean {
  return upstreamImages().some((i) => i.parsed.name === `${domain}/${repo}`);
}

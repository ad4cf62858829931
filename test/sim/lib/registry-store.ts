// distribution's filesystem storage layout (distribution v3.0.0 registry/storage/paths.go), under the
// filesystem driver's rootdirectory:
//   <root>/docker/registry/v2/blobs/sha256/<xx>/<hex>/data                       the content
//   <root>/docker/registry/v2/repositories/<name>/_layers/sha256/<hex>/link       "sha256:<hex>"
//   <root>/docker/registry/v2/repositories/<name>/_manifests/revisions/sha256/<hex>/link
//   <root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
//   <root>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
//   <root>/docker/registry/v2/repositories/<name>/_uploads/<uuid>/{data,startedat}     an upload in progress (a push)
// Writes go through a temporary file and a rename, so concurrent requests never see half a file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const v2 = (root: string) => path.join(root, 'docker', 'registry', 'v2');
const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

function writeAtomic(file: string, content: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function readLink(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function blobDataPath(root: string, digest: string): string {
  const hex = hexOf(digest);
  return path.join(v2(root), 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

function repoDir(root: string, repo: string): string {
  return path.join(v2(root), 'repositories', ...repo.split('/'));
}

export function hasBlob(root: string, digest: string): boolean {
  return existsSync(blobDataPath(root, digest));
}

export function readBlob(root: string, digest: string): Buffer | undefined {
  try {
    return readFileSync(blobDataPath(root, digest));
  } catch {
    return undefined;
  }
}

/** A layer or config blob of a repository: the blob plus the repository's _layers link. */
export function putLayer(root: string, repo: string, digest: string, content: Buffer): void {
  if (!hasBlob(root, digest)) writeAtomic(blobDataPath(root, digest), content);
  writeAtomic(path.join(repoDir(root, repo), '_layers', 'sha256', hexOf(digest), 'link'), digest);
}

/** Whether the repository links the blob (distribution serves a blob only through a repository that links it). */
export function repoHasLayer(root: string, repo: string, digest: string): boolean {
  return readLink(path.join(repoDir(root, repo), '_layers', 'sha256', hexOf(digest), 'link')) === digest && hasBlob(root, digest);
}

export function putManifest(root: string, repo: string, digest: string, content: Buffer): void {
  if (!hasBlob(root, digest)) writeAtomic(blobDataPath(root, digest), content);
  writeAtomic(path.join(repoDir(root, repo), '_manifests', 'revisions', 'sha256', hexOf(digest), 'link'), digest);
}

export function getManifest(root: string, repo: string, digest: string): Buffer | undefined {
  if (readLink(path.join(repoDir(root, repo), '_manifests', 'revisions', 'sha256', hexOf(digest), 'link')) !== digest) return undefined;
  return readBlob(root, digest);
}

export function putTag(root: string, repo: string, tag: string, digest: string): void {
  const dir = path.join(repoDir(root, repo), '_manifests', 'tags', tag);
  writeAtomic(path.join(dir, 'current', 'link'), digest);
  writeAtomic(path.join(dir, 'index', 'sha256', hexOf(digest), 'link'), digest);
}

export function getTag(root: string, repo: string, tag: string): string | undefined {
  return readLink(path.join(repoDir(root, repo), '_manifests', 'tags', tag, 'current', 'link'));
}

/** The media type a stored manifest declares (its mediaType field), as distribution's UnmarshalManifest sees it. */
export function manifestMediaType(content: Buffer): string {
  try {
    return String((JSON.parse(content.toString('utf8')) as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json');
  } catch {
    return 'application/octet-stream';
  }
}

// ---- uploads (a push): distribution's upload sessions, <repo>/_uploads/<uuid>/{data,startedat} ----

function uploadDir(root: string, repo: string, uuid: string): string {
  return path.join(repoDir(root, repo), '_uploads', uuid);
}

/** Starts an upload session (POST /v2/<name>/blobs/uploads/). */
export function startUpload(root: string, repo: string, uuid: string): void {
  writeAtomic(path.join(uploadDir(root, repo, uuid), 'startedat'), new Date().toISOString());
  writeAtomic(path.join(uploadDir(root, repo, uuid), 'data'), Buffer.alloc(0));
}

/** The bytes uploaded so far, or undefined when there is no such session. */
export function uploadedBytes(root: string, repo: string, uuid: string): Buffer | undefined {
  try {
    return readFileSync(path.join(uploadDir(root, repo, uuid), 'data'));
  } catch {
    return undefined;
  }
}

/** Appends a chunk (PATCH); returns the session's size, or undefined when there is no such session. */
export function appendUpload(root: string, repo: string, uuid: string, chunk: Buffer): number | undefined {
  const prev = uploadedBytes(root, repo, uuid);
  if (prev === undefined) return undefined;
  const all = Buffer.concat([prev, chunk]);
  writeAtomic(path.join(uploadDir(root, repo, uuid), 'data'), all);
  return all.length;
}

/** Ends a session (the blob committed or the upload cancelled). */
export function dropUpload(root: string, repo: string, uuid: string): void {
  rmSync(uploadDir(root, repo, uuid), { recursive: true, force: true });
}

// The simulated Docker image store: $HPA_LAB_SIM_HOME/images.json maps normalized references to image ids.
// An image id is sha256 over the build context's files, so a rebuild of unchanged sources keeps its id.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from './clusters.ts';
import { withLock } from './containers.ts';
import { statePaths } from './env.ts';
import { parseImageRef } from './registries.ts';

export interface ImageRecord {
  id: string;
  created: string;
  labels: Record<string, string>;
  /** all references (tags) pointing at this build */
  repoTags: string[];
  /** NAME@sha256:… of the index it was pulled by (docker pull; kept by `docker load` only on the containerd store) */
  repoDigests?: string[];
  /** pulled from the simulated upstream: its reference and modelled compressed size */
  upstream?: { ref: string; sizeBytes: number };
}

/** "app:dev" and "docker.io/library/app:dev" are the same image; no tag means ":latest". */
export function normalizeRef(ref: string): string {
  let r = ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  return r;
}

function readImages(home: string): Record<string, ImageRecord> {
  const file = statePaths(home).imagesFile;
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, ImageRecord>;
}

export function findImage(home: string, ref: string): ImageRecord | undefined {
  const images = readImages(home);
  // A reference with a digest names the image pulled by that digest (the tag beside it is ignored, as Docker does).
  const at = ref.indexOf('@');
  if (at > 0) {
    const familiar = normalizeRef(ref.slice(0, at)).replace(/:[^/:]*$/, '');
    const want = `${familiar}@${ref.slice(at + 1)}`;
    const all = [...byIdValues(images)];
    return all.find((i) => (i.repoDigests ?? []).includes(want));
  }
  const direct = images[normalizeRef(ref)];
  if (direct) return direct;
  // `docker image inspect <id>` and short ids work too.
  const id = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
  return Object.values(images).find((i) => i.id === ref || i.id.startsWith(id));
}

function byIdValues(images: Record<string, ImageRecord>): ImageRecord[] {
  const byId = new Map<string, ImageRecord>();
  for (const rec of Object.values(images)) byId.set(rec.id, rec);
  return [...byId.values()];
}

export function allImages(home: string): ImageRecord[] {
  const byId = new Map<string, ImageRecord>();
  for (const rec of Object.values(readImages(home))) byId.set(rec.id, rec);
  return [...byId.values()];
}

/** Removes a tag; the image goes when its last tag does. False when no such tag. */
export function removeTag(home: string, ref: string): boolean {
  const images = readImages(home);
  const key = normalizeRef(ref);
  const rec = images[key];
  if (!rec) return false;
  delete images[key];
  for (const r of Object.values(images)) if (r.id === rec.id) r.repoTags = r.repoTags.filter((t) => t !== key);
  writeJsonAtomic(statePaths(home).imagesFile, images);
  return true;
}

/**
 * `docker image rm NAME@sha256:…`: removes that digest reference (moby daemon/images/image_delete.go untags the
 * reference given, then deletes the image when no reference is left). The removed image's id, or undefined when
 * no image has that digest.
 */
export function removeDigest(home: string, ref: string): { id: string; deleted: boolean } | undefined {
  const rec = findImage(home, ref);
  if (!rec) return undefined;
  const at = ref.indexOf('@');
  const want = `${normalizeRef(ref.slice(0, at)).replace(/:[^/:]*$/, '')}@${ref.slice(at + 1)}`;
  const images = readImages(home);
  let left = 0;
  for (const [k, r] of Object.entries(images)) {
    if (r.id !== rec.id) continue;
    r.repoDigests = (r.repoDigests ?? []).filter((d) => d !== want);
    left = r.repoDigests.length + r.repoTags.length;
    if (left === 0) delete images[k];
  }
  writeJsonAtomic(statePaths(home).imagesFile, images);
  return { id: rec.id, deleted: left === 0 };
}

export function saveImage(home: string, tags: string[], rec: Omit<ImageRecord, 'repoTags'>): void {
  withLock(`${statePaths(home).imagesFile}.lock`, () => {
    const images = readImages(home);
    const repoTags = tags.map(normalizeRef);
    for (const t of repoTags) images[t] = { ...rec, repoTags };
    writeJsonAtomic(statePaths(home).imagesFile, images);
  });
}

/**
 * Adds an image to the store (a pull or a load): its tags move to it, its digests join the ones it has. An image
 * without tags (pulled by digest) is kept under the key `<none>@ID`, as `docker images` lists `<none>`.
 */
export function storeImage(home: string, rec: ImageRecord): void {
  withLock(`${statePaths(home).imagesFile}.lock`, () => {
    const images = readImages(home);
    const prev = Object.values(images).find((i) => i.id === rec.id);
    const repoTags = [...new Set([...(prev?.repoTags ?? []), ...rec.repoTags.map(normalizeRef)])];
    const repoDigests = [...new Set([...(prev?.repoDigests ?? []), ...(rec.repoDigests ?? [])])];
    for (const t of rec.repoTags.map(normalizeRef)) {
      const old = images[t];
      if (old && old.id !== rec.id) for (const r of Object.values(images)) if (r.id === old.id) r.repoTags = r.repoTags.filter((x) => x !== t);
    }
    const merged: ImageRecord = { ...prev, ...rec, repoTags, ...(repoDigests.length ? { repoDigests } : {}) };
    for (const [k, v] of Object.entries(images)) if (v.id === rec.id) delete images[k];
    if (repoTags.length) for (const t of repoTags) images[t] = merged;
    else images[`<none>@${rec.id}`] = merged;
    writeJsonAtomic(statePaths(home).imagesFile, images);
  });
}

/**
 * The names containerd (and so the kubelet's node status) lists for an image reference: fully qualified the way
 * containerd normalizes it ("docker.io/hpa-lab/app:1", "docker.io/library/nginx:1"; registries.ts
 * parseImageRef), then as short as docker writes it ("hpa-lab/app:1"), then the reference as given.
 */
export function imageNames(ref: string): string[] {
  const parsed = parseImageRef(ref);
  let full: string;
  if (parsed) full = parsed.full;
  else {
    const last = ref.slice(ref.lastIndexOf('/') + 1);
    full = !ref.includes('@') && !last.includes(':') ? `${ref}:latest` : ref;
  }
  const short = full.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  return [...new Set([full, short, ref])];
}

/** All files of a build context (sorted, skipping node_modules and .git), relative paths. */
export function contextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile() || statSync(path.join(dir, r)).isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** sha256 over (path, content) of every context file, plus the Dockerfile when it lives outside the context. */
export function contextDigest(dir: string, dockerfile: string): string {
  const h = createHash('sha256');
  for (const f of contextFiles(dir)) {
    h.update(f).update('\0').update(readFileSync(path.join(dir, f))).update('\0');
  }
  if (path.relative(dir, dockerfile).startsWith('..')) h.update('Dockerfile\0').update(readFileSync(dockerfile));
  return `sha256:${h.digest('hex')}`;
}

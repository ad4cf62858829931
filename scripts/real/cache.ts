// The real tier's build cache: where each artifact lives (outside the clone, so that every clone and CI on
// this machine find it warm), the manifest of what was built from which module@version, and whether the
// cache is complete. `npm run real:build` fills it; `npm run real:e2e` and .ci/run read it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CACHE = path.resolve(process.env.HPA_LAB_REAL_CACHE ?? path.join(os.homedir(), '.cache', 'hpa-lab', 'real'));
export const WORK = path.join(CACHE, 'work');
export const PARTS = path.join(CACHE, 'parts');
export const IMAGES = path.join(CACHE, 'images');
export const MANIFEST = path.join(CACHE, 'manifest.json');

export interface Built {
  /** module@version, or what else it was made from. */
  from: string;
  /** Output file (relative to CACHE) → sha256. */
  outputs: Record<string, string>;
  seconds: number;
  at: string;
  note?: string;
}

export interface Manifest {
  go: string;
  parts: Record<string, Built>;
}

export function readManifest(): Manifest {
  if (!existsSync(MANIFEST)) return { go: '', parts: {} };
  return JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
}

export function writeManifest(m: Manifest): void {
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${MANIFEST}.tmp`, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(`${MANIFEST}.tmp`, MANIFEST);
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/**
 * An artifact counts as built when the manifest has it, made from what it is made from now (`from`, when given:
 * a changed recipe is a rebuild), and every output it lists is still on disk.
 */
export function isBuilt(m: Manifest, key: string, from?: string): boolean {
  const b = m.parts[key];
  return !!b && (from === undefined || b.from === from) && Object.keys(b.outputs).length > 0 && Object.keys(b.outputs).every((f) => existsSync(path.join(CACHE, f)));
}

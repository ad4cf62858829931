// Where the simulation finds upstream material it is held to: `../shared/` beside the repository (CI always
// has it; a user's clone may not). Nothing from there is copied into the project: the simulated charts read the
// charts' published values.yaml from `../shared/upstream-values/`, the conformance tests read
// `../shared/real-renders/`. HPA_LAB_SHARED_DIR points elsewhere (a copy of that folder).
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

export function sharedDir(): string {
  return path.resolve(process.env.HPA_LAB_SHARED_DIR || path.join(REPO, '..', 'shared'));
}

export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir(), ...parts);
}

/** Thrown when upstream material the simulation needs is absent (a user's clone without ../shared). */
export class SharedMissingError extends Error {
  constructor(what: string) {
    super(`${what} is missing: the simulation reads it from ${sharedDir()} (the team's shared folder beside the repository; set HPA_LAB_SHARED_DIR to a copy of it)`);
  }
}

/** The path of a file in ../shared, or a SharedMissingError naming it. */
export function requireShared(...parts: string[]): string {
  const p = sharedPath(...parts);
  if (!existsSync(p)) throw new SharedMissingError(p);
  return p;
}

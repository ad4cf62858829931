// Tests held to upstream material read it where it is, in ../shared/ (never copied into the project). Where
// that folder is absent (a user's clone) they skip, and say why in their names; in CI (CI=true) they are
// mandatory: an absent folder is a failure there, not a skip.
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { sharedPath } from '../sim/lib/shared.ts';

export { sharedDir, sharedPath } from '../sim/lib/shared.ts';

const inCi = (): boolean => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** Whether ../shared/<parts> is there. */
export function hasShared(...parts: string[]): boolean {
  return existsSync(sharedPath(...parts));
}

/**
 * describe() that needs ../shared/<parts>: runs when present; when absent, one skipped test whose name gives
 * the reason, or in CI a failing test.
 */
export function describeWithShared(parts: string[], name: string, body: () => void): void {
  const where = sharedPath(...parts);
  if (existsSync(where)) {
    describe(name, body);
  } else if (inCi()) {
    describe(name, () => {
      it(`needs ${where} (mandatory in CI)`, () => {
        throw new Error(`${where} is absent: CI must have ../shared beside the clone`);
      });
    });
  } else {
    // The body is not run at all (it would read the missing folder while collecting); one skipped test says why.
    describe(name, () => {
      it.skip(`skipped: ${where} is absent, as in a clone without the team's shared folder`, () => undefined);
    });
  }
}

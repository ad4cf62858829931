// The InputError a call throws, for tests of bad input: anything else it throws (another error, or nothing) fails
// the test.
import { InputError } from '../../scripts/lib/errors.ts';

export function thrownInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

export async function rejectedInputError(fn: () => Promise<unknown>): Promise<InputError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

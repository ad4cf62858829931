// Output paths given on the command line (`images save FILE`, `demo --report FILE`), checked when the input is
// read: a path that cannot be written is bad input (exit 2) before any work, not a failure after minutes of it.
// A FIFO (or a device) is neither read nor written: opening one blocks until another process opens its other
// end, and a blocked synchronous open leaves Node no turn to run its SIGINT handler: Ctrl-C would do nothing.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';

export interface OutputPathOptions {
  /** how the person gave it: `--report`, `hpa-lab images save` */
  flag: string;
  /** what is written there, e.g. "the HTML report" */
  what: string;
  /** an example file for the fix */
  example: string;
  /** missing folders are made (true), or must exist (false) */
  makeFolders: boolean;
  cwd?: string;
}

const writable = (p: string): boolean => {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** The absolute path to write to, or an InputError naming the path and why it cannot be written. */
export function checkOutputFile(given: string, o: OutputPathOptions): string {
  if (given.trim() === '') throw new InputError(`${o.flag}: expected a file to write ${o.what} to, e.g. ${o.flag} ${o.example}, got ""`);
  const file = path.resolve(o.cwd ?? process.cwd(), given);
  const cannot = `${o.flag}: ${given} cannot be written`;
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new InputError(`${o.flag}: ${given} is a folder; expected a file to write ${o.what} to`, { fix: `${o.flag} ${path.join(given, o.example)}` });
    if (!statSync(file).isFile()) throw new InputError(`${cannot}: ${NOT_REGULAR}; expected a file to write ${o.what} to`, { fix: `give a regular file, e.g. ${o.flag} ${o.example}` });
    if (!writable(file)) throw new InputError(`${cannot}: the file exists and is not writable`, { fix: 'give another file, or make it writable' });
  }
  let dir = path.dirname(file);
  while (!existsSync(dir)) {
    if (!o.makeFolders) throw new InputError(`${cannot}: the folder ${path.dirname(file)} does not exist`, { fix: `mkdir -p ${path.dirname(file)}, or give a file in a folder that exists` });
    dir = path.dirname(dir);
  }
  if (!statSync(dir).isDirectory()) throw new InputError(`${cannot}: ${dir} is a file, not a folder`, { fix: 'give a file in a folder' });
  if (!writable(dir)) throw new InputError(`${cannot}: ${dir} is not writable`, { fix: 'give a file in a folder you can write to' });
  return file;
}

const NOT_REGULAR = 'it is not a regular file (a FIFO, a device or a socket)';

/**
 * A file's text, read only when it is a regular file (a FIFO would block the read, and Ctrl-C with it). Throws
 * as readFileSync does (an error with a code) so callers keep their messages: code ENOTREG for anything else.
 */
export function readRegularFile(file: string): string {
  if (existsSync(file) && !statSync(file).isFile()) throw Object.assign(new Error(`${file}: ${NOT_REGULAR}`), { code: 'ENOTREG' });
  return readFileSync(file, 'utf8');
}

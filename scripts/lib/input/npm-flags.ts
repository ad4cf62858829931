// `npm run up --dry-run` is not `npm run up -- --dry-run`: without the `--`, npm reads the flag as one of its own
// configs and the script never sees it. npm then exports it to the script as npm_config_<name, '-' → '_'>
// (@npmcli/config lib/set-envs.js: every config whose value is not npm's default, `false` as ''), and a flag's
// value becomes a stray argument (`--timeout-factor 3` → npm_config_timeout_factor=true and the argument "3",
// with npm's `"3" is being parsed as a normal command line argument`). So `npm run up --dry-run` ran a real up.
//
// Before anything else, a command started by `npm run` (npm_lifecycle_event names one of hpa-lab's scripts)
// looks for those variables under its own flags' names and refuses (exit 2) with the command it meant.
//
// Some of hpa-lab's flags are npm's own configs too (npm 11, lib/definitions: dry-run, force, json, offline,
// registry, yes; --verbose is npm's shorthand for --loglevel verbose): those may also come from an npmrc, so
// they count only when no npmrc sets them (the user's, the project's, the global and npm's builtin one) and,
// for registry, when the value is not an http(s) URL (npm's registry is one; hpa-lab's --registry has no scheme).
// What npm swallows without a trace cannot be caught: --no-cache (npm's cache is a path; it drops `false` with
// "invalid config cache=false") and --update (npm expands it to --update-notifier, usually its default).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';

type Option = { type: 'string' | 'boolean'; multiple?: boolean };

/** The npm scripts that run hpa-lab's CLI (package.json), and the simulation's, which passes its arguments on. */
const CLI_SCRIPTS = new Set(['up', 'down', 'status', 'doctor', 'plan', 'demo', 'check-values', 'images', 'sim']);

/** npm configs of the same name as one of hpa-lab's flags: set in an npmrc, they are not a mistyped flag. */
const NPM_OWN = new Set(['dry-run', 'force', 'json', 'offline', 'registry', 'yes', 'loglevel']);

const envName = (config: string) => `npm_config_${config.replace(/-/g, '_')}`;

/** The npmrc files npm read (user, project, global, builtin), as far as its exported variables say. */
function npmrcFiles(env: NodeJS.ProcessEnv): string[] {
  const files = [env.npm_config_userconfig, env.npm_config_globalconfig];
  if (env.npm_config_local_prefix) files.push(path.join(env.npm_config_local_prefix, '.npmrc'));
  if (env.npm_execpath) files.push(path.join(path.dirname(path.dirname(env.npm_execpath)), 'npmrc'));
  return files.filter((f): f is string => !!f);
}

function setInNpmrc(config: string, env: NodeJS.ProcessEnv, read: (file: string) => string | undefined): boolean {
  const key = new RegExp(`^\\s*["']?${config.replace(/-/g, '[-_]')}["']?\\s*=`, 'm');
  return npmrcFiles(env).some((f) => key.test(read(f) ?? ''));
}

const readIfAny = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

interface Taken {
  flag: string;
  /** the value npm kept (true for a flag without one) */
  value: string | true;
  /** the variable npm exported, as it reads */
  variable: string;
}

/** The hpa-lab flags npm took for itself, as the variables it exported say. */
export function flagsNpmTook(options: Record<string, Option>, env: NodeJS.ProcessEnv, read: (file: string) => string | undefined = readIfAny): Taken[] {
  const taken: Taken[] = [];
  for (const [flag, opt] of Object.entries(options)) {
    if (flag === 'help') continue; // `npm run up --help` is npm's help: the script does not run
    // --no-report is npm's report=false, --verbose its loglevel=verbose, every other flag its own name.
    const negated = flag.startsWith('no-') ? flag.slice(3) : undefined;
    const config = flag === 'verbose' ? 'loglevel' : (negated ?? flag);
    const variable = envName(config);
    const v = env[variable];
    if (v === undefined) continue;
    const seen = `${variable}=${v}`;
    if (NPM_OWN.has(config) && setInNpmrc(config, env, read)) continue;
    if (flag === 'verbose') {
      if (v === 'verbose') taken.push({ flag, value: true, variable: seen });
    } else if (negated !== undefined) {
      if (v === '' || v === 'false') taken.push({ flag, value: true, variable: seen });
    } else if (opt.type === 'boolean') {
      if (v === 'true') taken.push({ flag, value: true, variable: seen });
    } else if (v !== '' && !(config === 'registry' && /^https?:\/\//.test(v))) {
      taken.push({ flag, value: v === 'true' ? true : v, variable: seen });
    }
  }
  return taken;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * Refuses a command run by `npm run <script>` whose own flags npm took (exit 2, nothing done), with the command
 * as it should have been typed. `args` are the arguments hpa-lab received after the command's name.
 */
export function refuseFlagsNpmTook(command: string, options: Record<string, Option>, args: string[], env: NodeJS.ProcessEnv = process.env, read?: (file: string) => string | undefined): void {
  const script = env.npm_lifecycle_event;
  if (script === undefined || !CLI_SCRIPTS.has(script)) return;
  const taken = flagsNpmTook(options, env, read);
  if (taken.length === 0) return;
  // A flag that wanted a value and got none from npm left it as the next stray argument: pair them in order.
  const rest = [...args];
  const flags = taken.flatMap(({ flag, value }) => {
    if (value !== true) return [`--${flag}`, value];
    if (options[flag]?.type === 'string' && rest.length > 0 && !(rest[0] as string).startsWith('-')) return [`--${flag}`, rest.shift() as string];
    return [`--${flag}`];
  });
  const corrected = ['npm', 'run', script, '--', ...(script === command ? [] : [command]), ...flags, ...rest].map(quote).join(' ');
  const names = taken.map((t) => `--${t.flag}`).join(', ');
  throw new InputError(`npm run ${script}: npm took ${names} for itself (it passes flags to the script only after --), so hpa-lab ${command} did not get ${taken.length === 1 ? 'it' : 'them'}`, {
    details: taken.map((t) => `${t.variable} (npm's config, exported to the script)`),
    fix: corrected,
  });
}

// A small re-implementation of the command/flag parsing of cobra + pflag (the Go libraries behind kind, helm,
// docker and kubectl), so the stand-ins accept and reject exactly what the real tools do: unknown flags, missing
// flag values, bool flags that do not take a separate value, "--", interspersed positional arguments, and
// cobra's argument validators. Error texts are pflag's/cobra's; each tool adds its own prefix and exit code.
import { formatGoDuration, parseGoDuration } from './goduration.ts';

export type FlagKind = 'bool' | 'string' | 'int' | 'int32' | 'float32' | 'duration' | 'stringArray' | 'stringSlice' | 'stringToString';
type FlagValue = string | number | boolean | string[];

export interface FlagDef {
  name: string;
  short?: string;
  kind: FlagKind;
  usage: string;
  default?: FlagValue;
  hidden?: boolean;
  /** pflag's NoOptDefVal: the value of a bare `--flag` (which then never takes the next word as its value). */
  noOptDefVal?: string;
  /**
   * A custom pflag Value's Set: returns the value to store, or throws with the message pflag wraps into
   * `invalid argument "V" for "--flag" flag: MESSAGE` (e.g. helm's --wait and --output).
   */
  parse?: (raw: string) => FlagValue;
  /** A custom pflag Value's Type(), as help shows it (e.g. helm's "format", "WaitStrategy"); default: the kind's. */
  type?: string;
  /** pflag's DefValue where it is not what `default` formats to (e.g. a path derived from $HOME, or "[]"). */
  defValue?: string;
  /** pflag's MarkDeprecated: left out of help; using it prints `Flag --NAME has been deprecated, MESSAGE` on stderr. */
  deprecated?: string;
}

/**
 * cobra's positional-argument validators. 'legacy' is cobra's behaviour when a command sets no Args: the root
 * command rejects unknown subcommands (with suggestions), other commands accept anything.
 */
export type ArgsRule = 'legacy' | 'none' | 'any' | { min: number; max: number };

export interface Command {
  name: string;
  aliases?: string[];
  short: string;
  /** What follows the command path in the usage line, e.g. "[flags] IMAGE [IMAGE...]". */
  use?: string;
  flags?: FlagDef[];
  /** Flags inherited by all subcommands. */
  persistentFlags?: FlagDef[];
  subcommands?: Command[];
  args?: ArgsRule;
  /** cobra's DisableFlagParsing: every argument after the command path is positional. */
  disableFlagParsing?: boolean;
  run?: (inv: Invocation) => Promise<number>;
}

export interface Invocation {
  command: Command;
  /** e.g. "kind create cluster" */
  path: string;
  args: string[];
  flags: Flags;
}

/** Which step of cobra produced the error; tools print them differently (e.g. helm adds "Run 'helm --help'"). */
export type CliErrorKind = 'find' | 'flag' | 'args' | 'run';

export class CliError extends Error {
  readonly kind: CliErrorKind;
  /** Command path the error belongs to, e.g. "docker version". */
  readonly commandPath: string;
  constructor(kind: CliErrorKind, commandPath: string, message: string) {
    super(message);
    this.kind = kind;
    this.commandPath = commandPath;
  }
}

const HELP_FLAG = (name: string): FlagDef => ({ name: 'help', short: 'h', kind: 'bool', usage: `help for ${name}` });

export class Flags {
  private readonly values = new Map<string, FlagValue>();
  private readonly changedSet = new Set<string>();
  private readonly defs: FlagDef[];

  constructor(defs: FlagDef[]) {
    this.defs = defs;
    for (const d of defs) this.values.set(d.name, d.default ?? zeroValue(d.kind));
  }

  byName(name: string): FlagDef | undefined {
    return this.defs.find((d) => d.name === name);
  }

  byShort(short: string): FlagDef | undefined {
    return this.defs.find((d) => d.short === short);
  }

  /** pflag's Value.Set: throws with the message pflag would wrap into "invalid argument ...". */
  set(def: FlagDef, raw: string): void {
    const wasChanged = this.changedSet.has(def.name);
    this.changedSet.add(def.name);
    if (def.parse) {
      this.values.set(def.name, def.parse(raw));
      return;
    }
    switch (def.kind) {
      case 'bool': {
        const v = parseGoBool(raw);
        if (v === undefined) throw new Error(`strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax`);
        this.values.set(def.name, v);
        return;
      }
      case 'int':
      case 'int32': {
        if (!/^[+-]?\d+$/.test(raw)) throw new Error(`strconv.ParseInt: parsing ${goQuote(raw)}: invalid syntax`);
        const n = Number(raw);
        const limit = def.kind === 'int32' ? 2 ** 31 : 2 ** 63;
        if (n >= limit || n < -limit) throw new Error(`strconv.ParseInt: parsing ${goQuote(raw)}: value out of range`);
        this.values.set(def.name, n);
        return;
      }
      case 'float32': {
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i.test(raw)) throw new Error(`strconv.ParseFloat: parsing ${goQuote(raw)}: invalid syntax`);
        this.values.set(def.name, Number(raw));
        return;
      }
      case 'duration':
        this.values.set(def.name, parseGoDuration(raw));
        return;
      case 'string':
        this.values.set(def.name, raw);
        return;
      case 'stringArray': {
        const prev = wasChanged ? (this.values.get(def.name) as string[]) : [];
        this.values.set(def.name, [...prev, raw]);
        return;
      }
      case 'stringSlice': {
        const prev = wasChanged ? (this.values.get(def.name) as string[]) : [];
        this.values.set(def.name, [...prev, ...(raw === '' ? [] : raw.split(','))]);
        return;
      }
      case 'stringToString': {
        const prev = wasChanged ? (this.values.get(def.name) as string[]) : [];
        const pairs = raw === '' ? [] : raw.split(',');
        for (const p of pairs) if (!p.includes('=')) throw new Error(`${p} must be formatted as key=value`);
        this.values.set(def.name, [...prev, ...pairs]);
        return;
      }
    }
  }

  changed(name: string): boolean {
    return this.changedSet.has(name);
  }

  string(name: string): string {
    return this.get(name, 'string') as string;
  }

  bool(name: string): boolean {
    return this.get(name, 'bool') as boolean;
  }

  int(name: string): number {
    return this.get(name, 'int') as number;
  }

  /** Duration flags are stored in milliseconds. */
  durationMs(name: string): number {
    return this.get(name, 'duration') as number;
  }

  strings(name: string): string[] {
    return this.get(name, 'strings') as string[];
  }

  private get(name: string, _expected: string): FlagValue {
    const v = this.values.get(name);
    // Asking for an undeclared flag is a bug in the stand-in, not a user error.
    if (v === undefined) throw new Error(`flag --${name} is not declared on this command`);
    return v;
  }
}

function zeroValue(kind: FlagKind): FlagValue {
  switch (kind) {
    case 'bool':
      return false;
    case 'int':
    case 'int32':
    case 'float32':
    case 'duration':
      return 0;
    case 'string':
      return '';
    case 'stringArray':
    case 'stringSlice':
    case 'stringToString':
      return [];
  }
}

function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's %q for plain strings (good enough for flag values). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** All flags visible on a command: its own, the persistent ones of it and its ancestors, and -h/--help. */
function visibleFlags(chain: Command[]): FlagDef[] {
  const own = chain[chain.length - 1];
  const defs: FlagDef[] = [...(own?.flags ?? [])];
  for (const c of chain) defs.push(...(c.persistentFlags ?? []));
  if (!defs.some((d) => d.name === 'help')) defs.push(HELP_FLAG(own?.name ?? ''));
  return defs;
}

/** cobra's stripFlags: the non-flag words, used to walk down the subcommand tree. */
function stripFlags(args: string[], defs: FlagDef[]): string[] {
  const commands: string[] = [];
  const isBoolLong = (n: string) => {
    const d = defs.find((x) => x.name === n);
    return d?.kind === 'bool' || d?.noOptDefVal !== undefined;
  };
  const isBoolShort = (s: string) => {
    const d = defs.find((x) => x.short === s);
    return d?.kind === 'bool' || d?.noOptDefVal !== undefined;
  };
  let rest = [...args];
  while (rest.length > 0) {
    const s = rest[0] as string;
    rest = rest.slice(1);
    if (s === '--') break;
    const longWithValue = s.startsWith('--') && !s.includes('=') && !isBoolLong(s.slice(2));
    const shortWithValue = s.startsWith('-') && !s.includes('=') && s.length === 2 && !isBoolShort(s.slice(1));
    if (longWithValue || shortWithValue) {
      // '--flag arg': skip the value (cobra stops entirely when the value is the last word).
      if (rest.length <= 1) break;
      rest = rest.slice(1);
      continue;
    }
    if (s !== '' && !s.startsWith('-')) commands.push(s);
  }
  return commands;
}

/** cobra's argsMinusFirstX: args without the first occurrence of the subcommand word. */
function argsMinusFirst(args: string[], word: string): string[] {
  const i = args.indexOf(word);
  return i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 1)];
}

function findChild(cmd: Command, word: string): Command | undefined {
  return cmd.subcommands?.find((c) => c.name === word || (c.aliases ?? []).includes(word));
}

function commandPath(chain: Command[]): string {
  return chain.map((c) => c.name).join(' ');
}

function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** cobra's "Did you mean this?" block (distance <= 2 or prefix match). */
function suggestions(cmd: Command, word: string): string {
  const names = (cmd.subcommands ?? [])
    .filter((c) => levenshtein(word.toLowerCase(), c.name.toLowerCase()) <= 2 || c.name.startsWith(word))
    .map((c) => c.name);
  if (names.length === 0) return '';
  return `\n\nDid you mean this?\n${names.map((n) => `\t${n}\n`).join('')}`;
}

/** cobra's Command.Find: walk subcommands using the non-flag words. */
function find(root: Command, argv: string[]): { chain: Command[]; args: string[] } {
  const chain: Command[] = [root];
  let args = argv;
  for (;;) {
    const cur = chain[chain.length - 1] as Command;
    const words = stripFlags(args, visibleFlags(chain));
    const next = words[0] !== undefined ? findChild(cur, words[0]) : undefined;
    if (!next || words[0] === undefined) break;
    chain.push(next);
    args = argsMinusFirst(args, words[0]);
  }
  const found = chain[chain.length - 1] as Command;
  if ((found.args ?? 'legacy') === 'legacy' && chain.length === 1 && (found.subcommands?.length ?? 0) > 0) {
    const words = stripFlags(args, visibleFlags(chain));
    if (words[0] !== undefined) {
      throw new CliError('find', commandPath(chain), `unknown command ${goQuote(words[0])} for ${goQuote(commandPath(chain))}${suggestions(found, words[0])}`);
    }
  }
  return { chain, args };
}

/**
 * pflag's FlagSet.Parse with interspersed flags. Returns the positional arguments; `notices` collects what
 * pflag writes to its output while parsing (deprecation notices), which cobra prints once parsing succeeded.
 */
function parseFlags(argv: string[], flags: Flags, notices: string[] = []): string[] {
  const positional: string[] = [];
  let args = [...argv];
  const setOrFail = (def: FlagDef, value: string) => {
    if (def.deprecated) notices.push(`Flag --${def.name} has been deprecated, ${def.deprecated}\n`);
    try {
      flags.set(def, value);
    } catch (err) {
      const name = def.short ? `-${def.short}, --${def.name}` : `--${def.name}`;
      throw new Error(`invalid argument ${goQuote(value)} for ${goQuote(name)} flag: ${(err as Error).message}`, { cause: err });
    }
  };
  while (args.length > 0) {
    const s = args[0] as string;
    args = args.slice(1);
    if (s.length < 2 || !s.startsWith('-')) {
      positional.push(s);
      continue;
    }
    if (s === '--') {
      positional.push(...args);
      break;
    }
    if (s.startsWith('--')) {
      const body = s.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw new Error(`bad flag syntax: ${s}`);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const def = flags.byName(name);
      if (!def) throw new Error(`unknown flag: --${name}`);
      if (eq >= 0) setOrFail(def, body.slice(eq + 1));
      else if (def.noOptDefVal !== undefined) setOrFail(def, def.noOptDefVal);
      else if (def.kind === 'bool') setOrFail(def, 'true');
      else if (args.length > 0) {
        setOrFail(def, args[0] as string);
        args = args.slice(1);
      } else throw new Error(`flag needs an argument: ${s}`);
      continue;
    }
    // One or more shorthands: -abc, -n value, -nvalue, -n=value
    let shorts = s.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0] as string;
      const def = flags.byShort(c);
      if (!def) throw new Error(`unknown shorthand flag: '${c}' in -${shorts}`);
      if (shorts.length > 2 && shorts[1] === '=') {
        setOrFail(def, shorts.slice(2));
        shorts = '';
      } else if (def.noOptDefVal !== undefined) {
        setOrFail(def, def.noOptDefVal);
        shorts = shorts.slice(1);
      } else if (def.kind === 'bool') {
        setOrFail(def, 'true');
        shorts = shorts.slice(1);
      } else if (shorts.length > 1) {
        setOrFail(def, shorts.slice(1));
        shorts = '';
      } else if (args.length > 0) {
        setOrFail(def, args[0] as string);
        args = args.slice(1);
        shorts = '';
      } else throw new Error(`flag needs an argument: '${c}' in -${shorts}`);
    }
  }
  return positional;
}

function validateArgs(rule: ArgsRule, path: string, args: string[]): void {
  if (rule === 'legacy' || rule === 'any') return;
  if (rule === 'none') {
    if (args.length > 0) throw new CliError('args', path, `unknown command ${goQuote(args[0] as string)} for ${goQuote(path)}`);
    return;
  }
  const { min, max } = rule;
  const n = args.length;
  if (min === max && n !== min) throw new CliError('args', path, `accepts ${min} arg(s), received ${n}`);
  if (max === Infinity && n < min) throw new CliError('args', path, `requires at least ${min} arg(s), only received ${n}`);
  if (min === 0 && n > max) throw new CliError('args', path, `accepts at most ${max} arg(s), received ${n}`);
  if (n < min || n > max) throw new CliError('args', path, `accepts between ${min} and ${max} arg(s), received ${n}`);
}

/** cobra's UseLine: the command path, its `use` words and "[flags]". */
export function useLine(chain: Command[]): string {
  const cmd = chain[chain.length - 1] as Command;
  const use = cmd.use ?? '[flags]';
  return `${commandPath(chain)} ${use.includes('[flags]') ? use : `${use} [flags]`}`;
}

/**
 * Usage text in cobra's default layout. With `pflag`, the flag sections are pflag's FlagUsages exactly
 * (sorted by name, type names, NoOptDefVal, `(default …)`), and aliases are listed, as cobra does.
 */
export function helpText(chain: Command[], pflag = false): string {
  const cmd = chain[chain.length - 1] as Command;
  const p = commandPath(chain);
  const lines: string[] = [cmd.short, '', 'Usage:'];
  if (cmd.run) lines.push(`  ${p} ${cmd.use ?? '[flags]'}`);
  if (cmd.subcommands?.length) lines.push(`  ${p} [command]`);
  if (pflag && cmd.aliases?.length) lines.push('', 'Aliases:', `  ${[cmd.name, ...cmd.aliases].join(', ')}`);
  if (cmd.subcommands?.length) {
    lines.push('', 'Available Commands:');
    // cobra sorts them for help (EnableCommandSorting); suggestions keep the order they were added in.
    const subs = pflag ? [...cmd.subcommands].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) : cmd.subcommands;
    const w = Math.max(...subs.map((c) => c.name.length));
    for (const c of subs) lines.push(`  ${c.name.padEnd(w)}   ${c.short}`);
  }
  const shown = (f: FlagDef) => !f.hidden && !f.deprecated;
  const local = [...(cmd.flags ?? []), ...(cmd.persistentFlags ?? []), HELP_FLAG(cmd.name)].filter(shown);
  const inherited = chain.slice(0, -1).flatMap((c) => c.persistentFlags ?? []).filter(shown);
  const usages = pflag ? pflagUsages : flagUsages;
  lines.push('', 'Flags:', ...usages(local));
  if (inherited.length) lines.push('', 'Global Flags:', ...usages(inherited));
  if (cmd.subcommands?.length) lines.push('', `Use "${p} [command] --help" for more information about a command.`);
  return lines.join('\n') + '\n';
}

function flagUsages(defs: FlagDef[]): string[] {
  const typeName = (d: FlagDef) => (d.kind === 'bool' ? '' : ` ${d.kind === 'stringArray' || d.kind === 'stringSlice' ? 'strings' : d.kind}${d.noOptDefVal !== undefined ? `[="${d.noOptDefVal}"]` : ''}`);
  const heads = defs.map((d) => (d.short ? `  -${d.short}, --${d.name}` : `      --${d.name}`) + typeName(d));
  const w = Math.max(...heads.map((h) => h.length));
  return defs.map((d, i) => `${(heads[i] as string).padEnd(w)}   ${d.usage}`);
}

/** pflag's Value.Type() of a flag. */
export function flagType(d: FlagDef): string {
  return d.type ?? d.kind;
}

/** Go's %q for the common cases (pflag quotes string defaults with it). */
function goQuoteString(s: string): string {
  return JSON.stringify(s);
}

/** pflag's DefValue: the default as the flag's Value.String() prints it. */
export function flagDefValue(d: FlagDef): string {
  if (d.defValue !== undefined) return d.defValue;
  const v = d.default ?? zeroValue(d.kind);
  if (d.kind === 'duration' && typeof v === 'number') return formatGoDuration(v);
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  return String(v);
}

/** pflag's Flag.defaultIsZeroValue: whether help leaves out "(default …)". */
function defaultIsZero(d: FlagDef): boolean {
  const v = flagDefValue(d);
  if (d.type === undefined) {
    switch (d.kind) {
      case 'bool':
        return v === 'false' || v === '';
      case 'duration':
        return v === '0' || v === '0s';
      case 'int':
      case 'int32':
      case 'float32':
        return v === '0';
      case 'string':
        return v === '';
      case 'stringArray':
      case 'stringSlice':
        return v === '[]';
      case 'stringToString':
        break;
    }
  }
  return ['false', '<nil>', '', '0'].includes(v);
}

/** pflag's FlagUsages: one line per visible flag, sorted by name, the usage column aligned. */
export function pflagUsages(defs: FlagDef[]): string[] {
  const sorted = [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = sorted.map((d) => {
    let head = d.short ? `  -${d.short}, --${d.name}` : `      --${d.name}`;
    let usage = d.usage;
    // UnquoteUsage: a `backquoted` word in the usage names the value, else the type does.
    let varname: string = flagType(d);
    const q = /`([^`]*)`/.exec(usage);
    if (q) {
      varname = q[1] ?? '';
      usage = usage.replace(q[0], varname);
    } else {
      varname = { bool: '', boolfunc: '', float64: 'float', int64: 'int', uint64: 'uint', stringSlice: 'strings', intSlice: 'ints', uintSlice: 'uints', boolSlice: 'bools' }[varname] ?? varname;
    }
    if (varname) head += ` ${varname}`;
    if (d.noOptDefVal !== undefined && d.noOptDefVal !== '') {
      const t = flagType(d);
      if (t === 'string') head += `[="${d.noOptDefVal}"]`;
      else if (t === 'bool' || t === 'boolfunc') head += d.noOptDefVal === 'true' ? '' : `[=${d.noOptDefVal}]`;
      else head += `[=${d.noOptDefVal}]`;
    }
    if (!defaultIsZero(d)) usage += flagType(d) === 'string' ? ` (default ${goQuoteString(flagDefValue(d))})` : ` (default ${flagDefValue(d)})`;
    return { head, usage };
  });
  const w = Math.max(...rows.map((r) => r.head.length));
  return rows.map((r) => `${r.head.padEnd(w)}   ${r.usage}`);
}

export interface ExecuteIO {
  stdout: (s: string) => void;
  /** Where pflag's notices go (deprecated flags); default: process.stderr. */
  stderr?: (s: string) => void;
  /** Help in pflag's exact flag layout (see helpText); the tools that set it are compared with the real ones. */
  pflagHelp?: boolean;
  /** Turns a cobra error into the tool's output and exit code. */
  onError: (err: CliError) => number;
}

/** cobra's ExecuteC: find the command, parse its flags, handle --help, validate args, run it. */
export async function execute(root: Command, argv: string[], io: ExecuteIO): Promise<number> {
  let chain: Command[];
  let rest: string[];
  try {
    ({ chain, args: rest } = find(root, argv));
  } catch (err) {
    if (err instanceof CliError) return io.onError(err);
    throw err;
  }
  const cmd = chain[chain.length - 1] as Command;
  const p = commandPath(chain);
  const flags = new Flags(visibleFlags(chain));
  let positional: string[];
  const notices: string[] = [];
  try {
    positional = cmd.disableFlagParsing ? rest : parseFlags(rest, flags, notices);
  } catch (err) {
    return io.onError(new CliError('flag', p, (err as Error).message));
  }
  for (const n of notices) (io.stderr ?? ((s: string) => process.stderr.write(s)))(n);
  if (flags.bool('help') || !cmd.run) {
    io.stdout(helpText(chain, io.pflagHelp));
    return 0;
  }
  try {
    validateArgs(cmd.args ?? 'legacy', p, positional);
  } catch (err) {
    if (err instanceof CliError) return io.onError(err);
    throw err;
  }
  try {
    return await cmd.run({ command: cmd, path: p, args: positional, flags });
  } catch (err) {
    if (err instanceof CliError) return io.onError(err);
    throw err;
  }
}

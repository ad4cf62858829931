// hpa-lab's command line: parses options, builds the Lab (runner, host, clock, signal), runs one command
// and turns every error into a message with an exit code. Entry point: scripts/hpa-lab.js.
import { nearestName } from './lib/input/nearest.ts';
import { asTyped, labCommand } from './lib/lab-command.ts';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import path from 'node:path';
import { formatError, InputError, InterruptedError, LabError } from './lib/errors.ts';
import { execaRunner, labRunner } from './lib/exec.ts';
import { realHost } from './lib/host/host.ts';
import { realClock } from './lib/gates/poll.ts';
import { loadKindConfig } from './lib/cluster/kind-config.ts';
import { SHAPE_HELP, SHAPE_OPTIONS, shapeKindConfig } from './lib/cluster/kind-shape.ts';
import { DEFAULT_KIND_CONFIG, displayPath, makeLabIdentity, REPO_ROOT } from './lib/lab.ts';
import type { Lab } from './lib/lab.ts';
import { plainOutput } from './lib/ui.ts';
import { up } from './commands/up.ts';
import { down } from './commands/down.ts';
import { status } from './commands/status.ts';
import { doctor } from './commands/doctor.ts';
import { plan } from './commands/plan.ts';
import { checkValues } from './commands/check-values.ts';
import { demo } from './commands/demo.ts';
import { checkDemoInput, type DemoOptions } from './lib/demo/input.ts';
import { checkOutputFile } from './lib/input/output-path.ts';
import { images } from './commands/images.ts';
import type { StackChoice } from './lib/stack/prepare.ts';
import { checkedStack, keptSecrets, prepareStack } from './lib/stack/prepare.ts';
import { maskSecrets, parseSet } from './lib/stack/stack-file.ts';
import { imageCacheConfig } from './lib/images/downloads.ts';
import { checkCachePorts } from './lib/images/cache.ts';
import { checkContextFlags, checkRegistry, contextLabIdentity, resolveContext } from './lib/context/resolve.ts';
import { refuseFlagsNpmTook } from './lib/input/npm-flags.ts';
import { DEMO_DEFAULT_INTERVAL, DEMO_DEFAULT_WITHIN, DEMO_LIMITS } from './lib/demo/model.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  name: { type: 'string', default: 'hpa-lab' },
  // Every command runs tools with deadlines (images, status, down and doctor as much as up): README's common options.
  'timeout-factor': { type: 'string', default: '1' },
  verbose: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};
const KIND_CONFIG: Options = { 'kind-config': { type: 'string', default: DEFAULT_KIND_CONFIG } };
/** --workers and --hpa-sync-period: the cluster's shape on top of the kind config (lib/cluster/kind-shape.ts). */
const SHAPE: Options = SHAPE_OPTIONS;
/** --context NAME: an existing cluster instead of the lab's kind cluster (scripts/lib/context/on-context.ts). */
const CONTEXT: Options = { context: { type: 'string' }, yes: { type: 'boolean', default: false } };
const CONTEXT_HELP = [
  '--context <name>        an existing cluster instead of the lab’s kind cluster: the context of that name in your',
  '                        kubeconfig ($KUBECONFIG or ~/.kube/config), used through a private copy of it alone;',
  '                        shows the context, its API server and what will be installed, and asks first;',
  '                        a stack with an image (custom-metrics, keda) needs --registry there: see README, "Running on an existing cluster"',
  '--yes                   with --context: do not ask (scripts, CI); without a terminal and without --yes: exit 2',
];
/** --registry REGISTRY (up --context): the built image is pushed there instead of loaded into kind's nodes. */
const REGISTRY: Options = { registry: { type: 'string' } };
const REGISTRY_HELP = [
  '--registry <registry>   with --context: host[:port][/path]; the image the stack builds is tagged',
  '                        REGISTRY/<repository>:<tag>, pushed there by this machine’s Docker daemon (docker push) and',
  '                        used by the stack; the cluster’s nodes must pull from it (kind’s local registry: localhost:5001)',
];
const IMAGE_CACHE: Options = { 'image-cache': { type: 'string' } };
const IMAGE_CACHE_HELP = '--image-cache <file>    the image cache’s config (default kind/image-cache.yaml, or $HPA_LAB_IMAGE_CACHE_CONFIG)';
const STACK: Options = {
  stack: { type: 'string', default: 'custom-metrics' },
  set: { type: 'string', multiple: true, default: [] },
  variant: { type: 'string' },
};
const STACK_HELP = [
  '--stack <name|file>     the lab to build: stacks/<name>.yaml, or a stack file (default custom-metrics)',
  '--set <path=value>      override a stack setting, e.g. --set hpa.averageValue=10 (repeatable)',
  '--variant <name>        a named set of overrides from the stack, e.g. --variant article (the article’s HPA)',
];

interface CommandSpec {
  summary: string;
  usage: string;
  options: Options;
  help: string[];
  /** Its subcommands (`images list`) and the positional arguments each takes (`images save FILE`); other commands take none. */
  subcommands?: Record<string, string[]>;
}

const COMMON_HELP = [
  '--name <name>           cluster name (default hpa-lab; kubectl context kind-<name>)',
  '--verbose, -v           print each tool command as it runs (on stderr, secrets masked), and stack traces',
  '--timeout-factor <x>    multiply every deadline, gates and tool calls (e.g. 3 on a slow laptop)',
  '--help, -h              this help',
];

export const COMMANDS: Record<string, CommandSpec> = {
  up: {
    summary: 'create the lab (or converge an existing one): preflight, kind cluster, gates',
    usage: 'hpa-lab up [--name N] [--kind-config FILE] [--workers N] [--hpa-sync-period D] [--dry-run] [--retain] [--recreate] [--no-cache | --offline] [--timeout-factor X] [--context NAME [--yes] [--registry R]]',
    options: { ...COMMON, ...KIND_CONFIG, ...SHAPE, ...STACK, ...IMAGE_CACHE, ...CONTEXT, ...REGISTRY, 'dry-run': { type: 'boolean', default: false }, retain: { type: 'boolean', default: false }, recreate: { type: 'boolean', default: false }, 'no-cache': { type: 'boolean', default: false }, offline: { type: 'boolean', default: false } },
    help: [
      ...STACK_HELP,
      ...CONTEXT_HELP,
      ...REGISTRY_HELP,
      '--kind-config <file>    kind cluster config (default kind/cluster.yaml)',
      ...SHAPE_HELP,
      '--dry-run               print the plan (same as `npm run plan`, with --context too) and change nothing',
      '--retain                keep the node when kind create fails, for `kind export logs`',
      '--recreate              when the existing cluster differs from the kind config (ports, node image, labels,',
      '                        workers, HPA sync period): delete it and create it again (without it, up stops with',
      '                        exit 2 and changes nothing)',
      '--no-cache              do without the image cache: the nodes pull every image from its registry (every up again)',
      '--offline               download nothing (a room without network): stop in preflight, before any change, when a',
      '                        chart or an image is missing (bring them with `npm run images -- load FILE`)',
      IMAGE_CACHE_HELP,
    ],
  },
  down: {
    summary: 'delete the lab cluster (only one hpa-lab created); succeeds when it is already gone',
    usage: 'hpa-lab down [--name N] [--force] [--keep-images] [--purge] [--context NAME [--yes]]',
    // --kind-config/--stack/--set/--variant are accepted so that `down` takes the same options as the `up` it
    // undoes; they are still checked (a typo is exit 2), but down removes the whole cluster whatever they say.
    options: { ...COMMON, ...KIND_CONFIG, ...SHAPE, ...STACK, ...IMAGE_CACHE, ...CONTEXT, force: { type: 'boolean', default: false }, 'keep-images': { type: 'boolean', default: false }, purge: { type: 'boolean', default: false } },
    help: [
      '--context <name>        remove only what `up --context <name>` installed there (its labelled releases, objects and',
      '                        the namespaces it created); never the cluster; asks first (--yes: do not ask)',
      '--force                 delete a cluster of that name even without hpa-lab’s label',
      '--keep-images           keep the images hpa-lab built (the next up does not rebuild them)',
      '--purge                 also remove the image cache (its registries and their volume) and the chart cache:',
      '                        the next up downloads everything again',
      IMAGE_CACHE_HELP,
      '--kind-config, --workers, --hpa-sync-period, --stack, --set, --variant  accepted as for up (and checked);',
      '                        down removes the whole cluster',
    ],
  },
  status: {
    summary: 'show every gate’s state and the lab’s URLs',
    usage: 'hpa-lab status [--name N] [--json]',
    options: { ...COMMON, ...KIND_CONFIG, ...SHAPE, ...STACK, context: { type: 'string' }, json: { type: 'boolean', default: false } },
    help: [...STACK_HELP, '--kind-config <file>    kind cluster config (default kind/cluster.yaml)', ...SHAPE_HELP, '--context <name>        the lab on an existing cluster (as up --context)', '--json                  machine-readable output'],
  },
  doctor: {
    summary: 'check this machine: Docker daemon, kind, helm, kubectl, ports, inotify, memory, WSL',
    usage: 'hpa-lab doctor [--kind-config FILE] [--workers N] [--hpa-sync-period D] [--stack S] [--offline] [--json]',
    options: { ...COMMON, ...KIND_CONFIG, ...SHAPE, ...STACK, ...IMAGE_CACHE, offline: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    help: [
      '--kind-config <file>    kind cluster config whose ports are checked (default kind/cluster.yaml)',
      ...SHAPE_HELP,
      ...STACK_HELP,
      '--offline               what is missing counts as blocking (as for up --offline)',
      IMAGE_CACHE_HELP,
      '--json                  machine-readable output',
    ],
  },
  'check-values': {
    summary: 'check every key in charts-values/ against `helm show values` of the pinned chart versions',
    usage: 'hpa-lab check-values [--stack S] [--update]',
    options: { ...COMMON, ...KIND_CONFIG, ...STACK, update: { type: 'boolean', default: false } },
    help: [...STACK_HELP, '--update                also rewrite charts-values/keys/ (the key sets `up` checks offline) from helm show values'],
  },
  demo: {
    summary: 'drive load at the app, show the HPA scale out and back in; --expect-replicas for a CI verdict',
    usage: 'hpa-lab demo [--rate R] [--duration D] [--in-cluster-load] [--expect-replicas N [--within D] [--scale-in-within D]] [--no-scale-in] [--report FILE | --no-report]',
    options: {
      ...COMMON,
      ...KIND_CONFIG,
      ...STACK,
      context: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      interval: { type: 'string' },
      'no-scale-in': { type: 'boolean', default: false },
      'in-cluster-load': { type: 'boolean', default: false },
      'expect-replicas': { type: 'string' },
      within: { type: 'string' },
      'scale-in-within': { type: 'string' },
      report: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
    },
    help: [
      '--rate <n>              requests per second, a whole number ≥ 1 (default from the stack: 30)',
      '--connections <n>       concurrent connections, a whole number ≥ 1 (default from the stack: 8)',
      `--duration <d>          how long the load runs at most, e.g. 3m (default from the stack); at least ${DEMO_LIMITS.minDurationSeconds}s and ${DEMO_LIMITS.minDurationIntervals} intervals`,
      `--interval <d>          how often the view refreshes (default ${DEMO_DEFAULT_INTERVAL}); at least ${DEMO_LIMITS.minIntervalSeconds}s`,
      '--no-scale-in           stop after the scale-out; do not wait for the scale back in',
      '--in-cluster-load       the load comes from a Job in the cluster (the stack’s demo.inCluster: a load generator in',
      '                        the app’s image) hitting the Service by its DNS name, through kube-proxy, no forward;',
      '                        the Job is deleted when the load stops (also on Ctrl-C and on failure)',
      '--expect-replicas <n>   CI verdict: exit 0 only if ≥ n Ready replicas are reached (the load then runs 30s more)…',
      '                        n from minReplicas + 1 to the HPA’s maxReplicas, checked before any load',
      `--within <d>            …within this long after the load starts (default ${DEMO_DEFAULT_WITHIN}, or --duration if shorter;`,
      '                        at least one interval, at most --duration); needs --expect-replicas',
      '--scale-in-within <d>   …and, with scale-in, back at the minimum this long after the load stops (default: the',
      '                        HPA’s scale-down window + 2m; at least one interval); needs --expect-replicas',
      '--report <file>         where to write the HTML report (one page, no network needed: the load, the metric',
      '                        against its target and the replicas over time, the summary, the settings, the',
      '                        verdict); default: next to the JSON results, same name, .html',
      '--no-report             write only the JSON results',
      'Durations are written like 90s, 3m or 1m30s. A bad value is exit 2, before any load starts.',
      '--context <name>        the demo on an existing cluster where `up --context` installed the lab: the load and the',
      '                        readings go through port-forwards hpa-lab opens (no NodePort there)',
      ...STACK_HELP,
    ],
  },
  plan: {
    summary: 'print, as a YAML stream, everything `up` would do, touching nothing',
    usage: 'hpa-lab plan [--name N] [--kind-config FILE] [--workers N] [--hpa-sync-period D] [--stack S] [--set k=v] [--variant V] [--context NAME [--registry R]]',
    options: { ...COMMON, ...KIND_CONFIG, ...SHAPE, ...STACK, ...IMAGE_CACHE, context: { type: 'string' }, ...REGISTRY },
    help: [
      ...STACK_HELP,
      '--kind-config <file>    kind cluster config (default kind/cluster.yaml)',
      ...SHAPE_HELP,
      IMAGE_CACHE_HELP,
      '--context <name>        what `up --context <name>` would do on that existing cluster: first its read-only preflight',
      '                        there (the API, each chart’s kubeVersion, every permission, what is already there: reused',
      '                        or a conflict; progress on stderr), then the target, the namespaces it would create and',
      '                        each component with the lab’s labels; no kind cluster, no image cache',
      ...REGISTRY_HELP,
    ],
  },
  images: {
    summary: 'list, save or load every image (and chart) a lab needs: for the image cache and offline rooms',
    usage: 'hpa-lab images list [--json] | images save FILE | images load FILE   [--stack S] [--set k=v] [--variant V] [--kind-config FILE]',
    options: { ...COMMON, ...KIND_CONFIG, ...STACK, ...IMAGE_CACHE, json: { type: 'boolean', default: false } },
    subcommands: { list: [], save: ['FILE'], load: ['FILE'] },
    help: [
      'list                    the images, per component: each release’s containers as `helm template` renders the pinned',
      '                        chart with the lab’s values, the images the Prometheus Operator adds (Prometheus, config',
      '                        reloader), the kind node image, the image cache’s image, the app’s base image (its',
      '                        Dockerfile’s FROM) and the app’s image',
      'save FILE               everything `up` downloads, into one tar archive with a manifest: the host images (kind node,',
      '                        cache, build bases), the cache’s storage with every cluster image, the charts; pulls what',
      '                        is missing first',
      'load FILE               an archive from `save`, on a machine without network: host images into Docker, the cluster',
      '                        images into the image cache (started if needed), the charts into the chart cache; then',
      '                        `npm run up -- --offline`',
      ...STACK_HELP,
      '--kind-config <file>    kind cluster config (default kind/cluster.yaml): its node image',
      IMAGE_CACHE_HELP,
      '--json                  list: machine-readable output, [{component, image, source}]',
    ],
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'hpa-lab: a custom-metrics autoscaling lab on kind, in one command',
    '',
    `Usage: ${labCommand('<command>', '[options]')}`,
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`${labCommand('<command>', '--help')}\` for its options.`,
  ].join('\n');
}

/**
 * A command's usage as the person types it (lab-command.ts): `hpa-lab up [--name N] …` becomes
 * `npm run up -- [--name N] …` (`npm run sim -- up …` under the simulation), each `|` alternative of images' too.
 */
function typedUsage(name: string, usage: string): string {
  const own = new RegExp(`^(?:hpa-lab )?${name}(?: (.*))?$`);
  // The alternatives are split at a ` | ` outside brackets only (`[--no-cache | --offline]` is one option).
  const alternatives: string[] = [''];
  let depth = 0;
  for (let i = 0; i < usage.length; i++) {
    const ch = usage[i] as string;
    if (ch === '[') depth += 1;
    if (ch === ']') depth -= 1;
    if (depth === 0 && usage.startsWith(' | ', i)) {
      alternatives.push('');
      i += 2;
    } else alternatives[alternatives.length - 1] += ch;
  }
  return alternatives
    .map((alt) => {
      const m = own.exec(alt);
      return m ? labCommand(name, m[1] ?? '') : alt;
    })
    .join(' | ');
}

function commandHelp(name: string, spec: CommandSpec): string {
  return [`hpa-lab ${name}: ${spec.summary}`, '', `Usage: ${typedUsage(name, spec.usage)}`, '', 'Options:', ...[...spec.help, ...COMMON_HELP].map((l) => `  ${l}`)].join('\n');
}

/**
 * The cluster name makes the node containers' hostnames, NAME-control-plane and NAME-worker, NAME-worker2 …
 * (kind pkg/cluster/internal/create/create.go caps the name at 50 for a 64-character hostname); each must also be
 * a DNS-1123 label, at most 63 characters of lowercase letters, digits and "-": so no "." and at most 49
 * characters ("-control-plane" is the longest suffix, 14; "-worker10" is 9).
 */
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,47}[a-z0-9])?$/;

/** A value that starts like a negative number: -5, -0.5, -.5, -5s. */
const NEGATIVE = /^-\.?\d/;

/**
 * parseArgs reads `--rate -5` as --rate without a value followed by an option -5 ("argument is ambiguous").
 * For an option that takes a value, a following argument that starts like a negative number is that
 * value: `--rate -5` becomes `--rate=-5`, so the option's own check says what it expects. Nothing else
 * changes (`--name --verbose` is still a missing value; arguments after `--` are left alone).
 */
export function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)$/.exec(arg)?.[1];
    const short = /^-([^-])$/.exec(arg)?.[1];
    const name = long ?? (short === undefined ? undefined : Object.keys(options).find((k) => options[k]?.short === short));
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE.test(next)) {
      out.push(`--${name}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

function parseCommand(name: string, spec: CommandSpec, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, spec.options), options: spec.options, strict: true, allowPositionals: spec.subcommands !== undefined });
  } catch (err) {
    const msg = ((err as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional.*$/, '');
    // Node's parseArgs: "Unknown option '--timout-factor'" (lib/internal/util/parse_args/parse_args.js).
    const unknown = /^Unknown option '--([^'=]+)'/.exec(msg)?.[1];
    const meant = unknown === undefined ? undefined : nearestName(unknown, Object.keys(spec.options));
    if (meant !== undefined) throw new InputError(`hpa-lab ${name}: ${msg} (did you mean --${meant}?)`, { fix: `${labCommand(name, `--${meant} …`)}   (all options: ${labCommand(name, '--help')})` });
    throw new InputError(`hpa-lab ${name}: ${msg}`, { fix: labCommand(name, '--help') });
  }
  if (spec.subcommands && !parsed.values.help) {
    const [sub, ...args] = parsed.positionals;
    const names = Object.keys(spec.subcommands);
    const expected = `one of: ${names.join(', ')}`;
    if (sub === undefined) throw new InputError(`hpa-lab ${name}: expected a subcommand (${expected})`, { fix: labCommand(name, names[0] ?? '') });
    const wants = spec.subcommands[sub];
    if (!wants) throw new InputError(`hpa-lab ${name}: unknown subcommand "${sub}" (${expected})`, { fix: labCommand(name, '--help') });
    if (args.length < wants.length) throw new InputError(`hpa-lab ${name} ${sub}: expected ${wants.join(' ')}`, { fix: labCommand(name, `${sub} ${wants.join(' ')}`) });
    if (args.length > wants.length) throw new InputError(`hpa-lab ${name} ${sub}: unexpected argument "${args[wants.length] ?? ''}"`, { fix: labCommand(name, '--help') });
    return { ...parsed.values, sub, args };
  }
  return parsed.values;
}

/** demo's flags as typed: lib/demo/input.ts checks each, and how they combine. */
function demoOptions(values: ReturnType<typeof parseCommand>, choice: StackChoice): DemoOptions {
  const str = (flag: string) => (values[flag] === undefined ? undefined : String(values[flag]));
  return {
    rate: str('rate'),
    connections: str('connections'),
    duration: str('duration'),
    interval: str('interval'),
    expectReplicas: str('expect-replicas'),
    within: str('within'),
    scaleInWithin: str('scale-in-within'),
    scaleIn: values['no-scale-in'] !== true,
    inClusterLoad: values['in-cluster-load'] === true,
    report: str('report'),
    noReport: values['no-report'] === true,
    choice,
  };
}

export async function main(argv: string[], given: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  // Every command it names, as the person types it here (`npm run sim -- up` under the simulation).
  const io = { out: (s: string) => given.out(asTyped(s)), err: (s: string) => given.err(asTyped(s)) };
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(mainHelp());
    return command === undefined ? 2 : 0;
  }
  const spec = COMMANDS[command];
  if (!spec) {
    io.err(formatError(new InputError(`unknown command "${command}"`, { fix: `one of: ${Object.keys(COMMANDS).join(', ')}` }), false));
    return 2;
  }
  let verbose = rest.includes('--verbose') || rest.includes('-v');
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    io.err('\nStopping (Ctrl-C again to quit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The lab's kept secrets, masked in every message (once the lab is known).
  let secrets: () => string[] = () => [];
  try {
    // `npm run up --dry-run` (no --): npm took the flag for itself; refuse before anything runs.
    refuseFlagsNpmTook(command, spec.options, rest);
    const values = parseCommand(command, spec, rest);
    verbose = values.verbose === true;
    if (values.help) {
      io.out(commandHelp(command, spec));
      return 0;
    }
    const name = String(values.name);
    checkContextFlags(command, values);
    if (values.yes === true && values.context === undefined) throw new InputError('--yes: only with --context (it answers the question up/down --context asks)', { fix: labCommand(command, '--help') });
    if (!NAME_RE.test(name)) {
      throw new InputError(`--name: expected a cluster name whose node hostnames (${name}-control-plane, ${name}-worker2) are DNS-1123 labels: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 49 characters; got "${name}"`);
    }
    const timeoutFactor = Number(values['timeout-factor'] ?? '1');
    if (!Number.isFinite(timeoutFactor) || timeoutFactor <= 0) {
      throw new InputError(`--timeout-factor: expected a positive number, got "${String(values['timeout-factor'])}"`);
    }
    const kindConfigArg = String(values['kind-config'] ?? DEFAULT_KIND_CONFIG);
    const kindConfigPath = path.isAbsolute(kindConfigArg) ? kindConfigArg : path.resolve(REPO_ROOT, kindConfigArg);
    const kindConfig = shapeKindConfig({ ...loadKindConfig(kindConfigPath), file: displayPath(kindConfigPath) }, { workers: values.workers, hpaSyncPeriod: values['hpa-sync-period'], nodeImage: values['node-image'] });
    // --context: an unknown context is exit 2 here, naming the contexts there are, before any work.
    const target = values.context === undefined ? undefined : await resolveContext(String(values.context));
    const identity = target ? contextLabIdentity(name, target.context) : makeLabIdentity(name);
    secrets = () => keptSecrets(identity.stateDir);
    const lab: Lab = {
      ...identity,
      // Named as a person reads it: relative inside the current folder, absolute outside it (never ../../…).
      kindConfig,
      runner: labRunner(execaRunner(controller.signal), {
        timeoutFactor,
        ...(verbose ? { trace: (line: string) => io.err(line) } : {}),
        secrets,
      }),
      host: realHost,
      clock: realClock,
      signal: controller.signal,
      timeoutFactor,
      ui: { plain: plainOutput(process.env, process.stdout), verbose },
      print: io.out,
      ...(target ? { target } : {}),
    };
    const choice: StackChoice = {
      stack: String(values.stack ?? 'custom-metrics'),
      sets: ((values.set as string[] | undefined) ?? []).map(parseSet),
      variant: values.variant === undefined ? undefined : String(values.variant),
      ...(values.registry === undefined ? {} : { registry: checkRegistry(String(values.registry), target?.context) }),
      onContext: target !== undefined,
    };
    const dryRun = command === 'up' && values['dry-run'] === true;
    if (command === 'up' && !dryRun && values['no-cache'] && values.offline) throw new InputError('--no-cache and --offline exclude each other: an offline up takes every image from the cache', { fix: 'npm run up -- --offline' });
    if (command === 'images' && values.sub !== 'list' && values.json) throw new InputError(`hpa-lab images ${String(values.sub)}: --json is for images list`);
    // The stack: for up and plan checked whole (chart keys, schemas, what the target needs; stack/prepare.ts).
    const prepared = command === 'up' || command === 'plan' ? await checkedStack(choice, lab) : prepareStack(choice, lab.stateDir);
    // The image cache's file, read (and checked) only by the commands that use it.
    const readsCache = { up: !(dryRun && values['no-cache']), plan: !target, down: true, doctor: true, images: true }[command] ?? false;
    const cache = readsCache ? checkCachePorts(imageCacheConfig(values['image-cache'] === undefined ? undefined : String(values['image-cache'])), kindConfig) : undefined;
    // Last, what one command alone takes: demo's flags (alone, together, and against the stack's HPA bounds), and
    // where images save writes its archive (checked before any download).
    const demoInput = command === 'demo' ? checkDemoInput(prepared, demoOptions(values, choice)) : undefined;
    if (command === 'images' && values.sub === 'save') checkOutputFile(String((values.args as string[] | undefined)?.[0]), { flag: 'images save', what: 'the archive', example: 'lab-images.tar', makeFolders: false });
    const imageCache = () => {
      if (!cache) throw new Error(`hpa-lab ${command}: the image cache's config was not read`);
      return cache;
    };
    switch (command) {
      case 'up':
        // up --dry-run is plan; plan touches nothing: secrets not generated yet are shown as placeholders and not saved.
        if (dryRun) await plan(lab, prepared, target ? undefined : cache, choice.registry);
        else await up(lab, prepared, { retain: values.retain === true, recreate: values.recreate === true, yes: values.yes === true, imageCache: imageCache(), useCache: values['no-cache'] !== true, offline: values.offline === true, registry: choice.registry });
        return 0;
      case 'down':
        await down(lab, { force: values.force === true, keepImages: values['keep-images'] === true, purge: values.purge === true, imageCache: imageCache(), prepared, yes: values.yes === true }); // the same options as up's, checked the same way
        return 0;
      case 'status':
        return await status(lab, prepared, { json: values.json === true });
      case 'doctor':
        return await doctor(lab, prepared, { json: values.json === true, offline: values.offline === true, imageCache: imageCache() });
      case 'plan':
        await plan(lab, prepared, cache, choice.registry);
        return 0;
      case 'demo':
        if (!demoInput) throw new Error('hpa-lab demo: its flags were not checked');
        return await demo(lab, prepared, demoInput);
      case 'images': {
        const file = (values.args as string[] | undefined)?.[0];
        return await images(lab, prepared, { sub: String(values.sub) as 'list' | 'save' | 'load', ...(file ? { file } : {}), json: values.json === true, imageCache: imageCache() });
      }
      case 'check-values':
        return await checkValues(lab, prepared, { update: values.update === true });
      default:
        throw new InputError(`unknown command "${command}"`);
    }
  } catch (err) {
    const e = controller.signal.aborted && !(err instanceof InputError) ? new InterruptedError(command) : err;
    io.err('\n' + maskSecrets(formatError(e, verbose), secrets()));
    return e instanceof LabError ? e.exitCode : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

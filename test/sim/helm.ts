// Stand-in for `helm` (emulates Helm v4.0.4; HPA_LAB_SIM_HELM_VERSION=3.19.0 switches to Helm 3 behaviour).
// Only `helm version` is simulated so far. To add a subcommand, give it a `run` in SUBCOMMANDS below (and its
// real flags, so typos fail as with Helm); the rest answer "not simulated yet" without parsing flags.
import { createHash } from 'node:crypto';
import { execute, type Command, type FlagDef, type Invocation } from './lib/cobra.ts';
import { ExitError, runMain, simHome } from './lib/env.ts';
import { processFaults } from './lib/faults.ts';

simHome();
processFaults();

const version = `v${(process.env.HPA_LAB_SIM_HELM_VERSION ?? '4.0.4').replace(/^v/, '')}`;
const major = Number(version.slice(1).split('.')[0]);
const minor = Number(version.split('.')[1]);

/** Real commit of v4.0.4 (what `--short` shows); other versions get a stable made-up commit. */
const gitCommit = version === 'v4.0.4' ? '8650e1dad9e6ae38b41f60b712af9218a0d8cc11' : createHash('sha1').update(version).digest('hex');

function buildInfo(): Record<string, string> {
  const info: Record<string, string> = { Version: version, GitCommit: gitCommit, GitTreeState: 'clean', GoVersion: major >= 4 ? 'go1.25.5' : 'go1.24.7' };
  if (major >= 4 || minor >= 18) info.KubeClientVersion = major >= 4 ? 'v1.34' : 'v1.33';
  return info;
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  throw new ExitError(1);
}

/** Helm's require.NoArgs wording. */
function noArgs(inv: Invocation): void {
  if (inv.args.length) fail(`"${inv.path}" accepts no arguments\n\nUsage:  ${inv.path} [flags]`);
}

/** `{{.Field}}` placeholders of a Go template over BuildInfo; other template syntax is a simulation limit. */
function renderTemplate(template: string, data: Record<string, string>): string {
  const rest = template.replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, '');
  if (rest.includes('{{')) fail('template: _:1: unsupported in simulation (only {{.Field}} is supported)');
  return template.replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, (_m, field: string) => {
    if (!(field in data)) fail(`template: _:1:${template.indexOf(field)}: executing "_" at <.${field}>: can't evaluate field ${field} in type version.BuildInfo`);
    return data[field] as string;
  });
}

function versionCmd(inv: Invocation): Promise<number> {
  noArgs(inv);
  const info = buildInfo();
  const template = inv.flags.string('template');
  if (template) {
    // Helm writes the template output as is: no trailing newline.
    process.stdout.write(renderTemplate(template, info));
    return Promise.resolve(0);
  }
  if (inv.flags.bool('short')) {
    process.stdout.write(`${version}+g${gitCommit.slice(0, 7)}\n`);
    return Promise.resolve(0);
  }
  const fields = Object.entries(info).map(([k, v]) => `${k}:"${v}"`);
  process.stdout.write(`version.BuildInfo{${fields.join(', ')}}\n`);
  return Promise.resolve(0);
}

const versionFlags: FlagDef[] = [
  { name: 'short', kind: 'bool', usage: 'print the version number' },
  { name: 'template', kind: 'string', usage: 'template for version string format' },
  // Helm 3 still has --client/-c (ignored since 3.0); Helm 4 removed it.
  ...(major < 4 ? [{ name: 'client', short: 'c', kind: 'bool', usage: 'display client version information', hidden: true } satisfies FlagDef] : []),
];

const notSimulated = (name: string): Command => ({
  name,
  short: `helm ${name} (not simulated yet)`,
  args: 'any',
  disableFlagParsing: true,
  run: () => fail(`"helm ${name}" is not simulated yet`),
});

const SUBCOMMANDS: Command[] = [
  { name: 'version', short: 'print the helm version information', args: 'any', flags: versionFlags, run: versionCmd },
  ...['completion', 'create', 'dependency', 'env', 'get', 'history', 'install', 'lint', 'list', 'package', 'plugin', 'pull', 'push', 'registry', 'repo', 'rollback', 'search', 'show', 'status', 'template', 'test', 'uninstall', 'upgrade', 'verify'].map(notSimulated),
];

const globalFlags: FlagDef[] = [
  { name: 'burst-limit', kind: 'int', default: 100, usage: 'client-side default throttling limit' },
  { name: 'debug', kind: 'bool', usage: 'enable verbose output' },
  { name: 'kube-apiserver', kind: 'string', usage: 'the address and the port for the Kubernetes API server' },
  { name: 'kube-as-group', kind: 'stringArray', usage: 'group to impersonate for the operation' },
  { name: 'kube-as-user', kind: 'string', usage: 'username to impersonate for the operation' },
  { name: 'kube-ca-file', kind: 'string', usage: 'the certificate authority file for the Kubernetes API server connection' },
  { name: 'kube-context', kind: 'string', usage: 'name of the kubeconfig context to use' },
  { name: 'kube-insecure-skip-tls-verify', kind: 'bool', usage: "if true, the Kubernetes API server's certificate will not be checked for validity" },
  { name: 'kube-tls-server-name', kind: 'string', usage: 'server name to use for Kubernetes API server certificate validation' },
  { name: 'kube-token', kind: 'string', usage: 'bearer token used for authentication' },
  { name: 'kubeconfig', kind: 'string', usage: 'path to the kubeconfig file' },
  { name: 'namespace', short: 'n', kind: 'string', usage: 'namespace scope for this request' },
  { name: 'qps', kind: 'string', usage: 'queries per second used when communicating with the Kubernetes API, not including bursting' },
  { name: 'registry-config', kind: 'string', usage: 'path to the registry config file' },
  { name: 'repository-cache', kind: 'string', usage: 'path to the directory containing cached repository indexes' },
  { name: 'repository-config', kind: 'string', usage: 'path to the file containing repository names and URLs' },
  ...(major >= 4
    ? [
        { name: 'content-cache', kind: 'string', usage: 'path to the directory containing cached content (e.g. charts)' } satisfies FlagDef,
        { name: 'color', kind: 'string', default: 'auto', usage: 'use colored output (never, auto, always)' } satisfies FlagDef,
        { name: 'colour', kind: 'string', default: 'auto', usage: 'use colored output (never, auto, always)', hidden: true } satisfies FlagDef,
      ]
    : []),
];

const root: Command = {
  name: 'helm',
  short: 'The Kubernetes package manager',
  persistentFlags: globalFlags,
  subcommands: SUBCOMMANDS,
};

runMain(() =>
  execute(root, process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    onError: (err) => {
      process.stderr.write(`Error: ${err.message}\n`);
      // cobra adds a usage hint when the command itself was not found
      if (err.kind === 'find') process.stderr.write(`Run '${err.commandPath} --help' for usage.\n`);
      return 1;
    },
  }),
);

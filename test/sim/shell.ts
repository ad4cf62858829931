// `npm run sim -- ARGS`: work against a persistent simulated machine in <repo>/.sim (gitignored).
//
//   npm run sim -- up                  runs the CLI (node scripts/hpa-lab.js up) against the simulation
//   npm run sim -- kubectl get nodes   runs any command with the stand-ins first on PATH
//   eval "$(npm run -s sim -- env)"    puts the simulation into the current shell
//
// HPA_LAB_SIM_FAULTS from the calling shell passes through (e.g. HPA_LAB_SIM_FAULTS=api-slow=20 npm run sim -- up).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..', '..');
const simSrc = path.join(repo, 'test', 'sim');
const home = path.join(repo, '.sim');
const CLI_COMMANDS = new Set(['up', 'down', 'status', 'doctor', 'plan', 'demo', 'check-values', 'images']);

const simEnv: Record<string, string> = {
  HPA_LAB_SIM_HOME: home,
  HPA_LAB_SIM_ROOT: simSrc,
  HPA_LAB_SIM_NODE: process.execPath,
  KUBECONFIG: path.join(home, 'kubeconfig'),
  HPA_LAB_STATE_DIR: path.join(home, 'hpa-lab-state'),
  // the chart cache too: the stand-in helm's archives must never reach the user's real ~/.cache/hpa-lab
  HPA_LAB_CACHE_DIR: path.join(home, 'cache'),
  PATH: [path.join(simSrc, 'bin'), process.env.PATH ?? ''].join(path.delimiter),
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function usage(): number {
  process.stderr.write(
    [
      'usage: npm run sim -- <command> [args...]',
      '  up|down|status|doctor|plan|demo|images|check-values [flags]   run the hpa-lab CLI against the simulated cluster',
      '  env                                      print export lines: eval "$(npm run -s sim -- env)"',
      '  <any command>                            e.g. kubectl get nodes, kind get clusters, docker version',
      `state: ${home}`,
      '',
    ].join('\n'),
  );
  return 2;
}

function main(): void {
  const args = process.argv.slice(2);
  const [first, ...rest] = args;
  if (!first || first === '-h' || first === '--help') {
    process.exitCode = usage();
    return;
  }
  mkdirSync(home, { recursive: true });
  if (first === 'env') {
    for (const [k, v] of Object.entries(simEnv)) process.stdout.write(`export ${k}=${shellQuote(v)}\n`);
    return;
  }
  const cli = CLI_COMMANDS.has(first);
  const [cmd, cmdArgs] = cli ? [process.execPath, [path.join(repo, 'scripts', 'hpa-lab.js'), ...args]] : [first, rest];
  // HPA_LAB_SIM_CLI: the CLI names its commands as they are typed here (`npm run sim -- up`, scripts/lib/lab-command.ts).
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...simEnv, ...(cli ? { HPA_LAB_SIM_CLI: '1' } : {}) } });
  // Ctrl-C reaches the child through the terminal's process group; forward signals sent to us alone too.
  const forward = (sig: NodeJS.Signals) => () => {
    child.kill(sig);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(err.code === 'ENOENT' ? `sim: command not found: ${first}\n` : `sim: ${err.message}\n`);
    process.exitCode = 127;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 1) : 1);
  });
}

main();

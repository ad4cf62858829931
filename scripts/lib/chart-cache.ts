// The pinned charts, downloaded once: `helm pull` writes <chart>-<version>.tgz into hpa-lab's cache folder, and
// every later install and render uses that file (Helm loads a chart path that exists without asking any
// repository), so a second `up` downloads no chart and an offline machine needs none. `images load` puts the
// archived charts there too. The folder outlives every cluster; `down --purge` empties it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runner } from './exec.ts';
import type { HelmSpec } from './stack.ts';
import { LabError } from './errors.ts';

/**
 * hpa-lab's download cache on this machine: HPA_LAB_CACHE_DIR, else $XDG_CACHE_HOME/hpa-lab, else
 * ~/.cache/hpa-lab (the XDG base directory default, as Helm's own cache uses).
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HPA_LAB_CACHE_DIR) return path.resolve(env.HPA_LAB_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(xdg, 'hpa-lab');
}

export function chartsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'charts');
}

/** The file `helm pull` writes for a chart: <name>-<version>.tgz. */
export function chartFileName(spec: Pick<HelmSpec, 'chart' | 'version'>): string {
  return `${spec.chart}-${spec.version.replace(/^v(?=\d)/, '')}.tgz`;
}

export function chartArchivePath(spec: Pick<HelmSpec, 'chart' | 'version'>, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(chartsDir(env), chartFileName(spec));
}

export function chartCached(spec: Pick<HelmSpec, 'chart' | 'version'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(chartArchivePath(spec, env));
}

/**
 * Where helm takes the chart from: the cached archive when it is there, else the repository (for a call that
 * runs before the chart is cached, e.g. `images list` on a fresh machine).
 */
export function chartSource(spec: HelmSpec, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = chartArchivePath(spec, env);
  return existsSync(file) ? [file] : [spec.chart, '--repo', spec.repo, '--version', spec.version];
}

/**
 * Makes sure the chart's archive is in the cache: `helm pull` into a private folder beside it, then a rename,
 * so an interrupted download never leaves a partial archive under the final name.
 */
export async function ensureChart(runner: Runner, spec: HelmSpec, env: NodeJS.ProcessEnv = process.env): Promise<'cached' | 'pulled'> {
  const target = chartArchivePath(spec, env);
  if (existsSync(target)) return 'cached';
  mkdirSync(chartsDir(env), { recursive: true });
  const tmp = mkdtempSync(path.join(chartsDir(env), '.pull-'));
  try {
    await runner.run('helm', ['pull', spec.chart, '--repo', spec.repo, '--version', spec.version, '--destination', tmp]);
    const written = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    const file = written.find((f) => f === chartFileName(spec)) ?? written[0];
    if (!file) throw new LabError(`helm pull ${spec.chart} --version ${spec.version} succeeded but wrote no .tgz`, { why: 'the helm on PATH does not behave like Helm 3 or 4', fix: 'helm version; hpa-lab needs Helm 3.14+ or 4' });
    renameSync(path.join(tmp, file), target);
    return 'pulled';
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

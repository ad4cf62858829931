// The pinned charts, downloaded once: `helm pull` writes <chart>-<version>.tgz into hpa-lab's cache folder, and
// every later install and render uses that file (Helm loads a chart path that exists without asking any
// repository), so a second `up` downloads no chart and an offline machine needs none. `images load` puts the
// archived charts there too. The folder outlives every cluster; `down --purge` empties it.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import type { Runner } from '../exec.ts';
import type { HelmSpec } from '../stack/stack-file.ts';
import { LabError } from '../errors.ts';

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

/**
 * What is wrong with a chart archive as the pinned chart, or undefined when it is that chart. Helm packages a
 * chart as a gzipped tar whose first entry is `<name>/Chart.yaml` (helm pkg/chart/v2/util/save.go,
 * writeTarContents: Chart.yaml is written before anything else), so the first entry names the chart and
 * carries its name and version. Only the archive's first 64 KiB are read.
 */
export function chartArchiveProblem(file: string, spec: Pick<HelmSpec, 'chart' | 'version'>): string | undefined {
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(65536);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'not downloaded yet';
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) return 'not a gzipped archive';
  let tar: Buffer;
  try {
    // a partial read: Z_SYNC_FLUSH inflates what is there instead of asking for the end of the stream
    tar = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return 'not a gzipped archive';
  }
  const entry = firstTarEntry(tar);
  if (!entry) return 'not a tar archive';
  if (entry.name !== `${spec.chart}/Chart.yaml`) return `not a chart archive (its first entry is ${JSON.stringify(entry.name)}, not ${spec.chart}/Chart.yaml)`;
  let meta: unknown;
  try {
    meta = parse(entry.body.toString('utf8'));
  } catch {
    return 'its Chart.yaml is not valid YAML';
  }
  const m = (meta ?? {}) as { name?: unknown; version?: unknown };
  const want = spec.version.replace(/^v(?=\d)/, '');
  if (m.name !== spec.chart || String(m.version).replace(/^v(?=\d)/, '') !== want) return `it holds ${String(m.name)} ${String(m.version)}, not ${spec.chart} ${want}`;
  return undefined;
}

/** The first file of a tar (ustar, or with a PAX header before it): its path and content. */
function firstTarEntry(tar: Buffer): { name: string; body: Buffer } | undefined {
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return undefined;
    const field = (from: number, len: number) => h.subarray(from, from + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size)) return undefined;
    const type = field(156, 1);
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === 'x' || type === 'g') {
      at += 512 + Math.ceil(size / 512) * 512;
      continue;
    }
    const prefix = field(345, 155);
    return { name: prefix ? `${prefix}/${field(0, 100)}` : field(0, 100), body };
  }
  return undefined;
}

/** The pinned chart is in the cache: its archive is there, and it is that chart (name and version). */
export function chartCached(spec: Pick<HelmSpec, 'chart' | 'version'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return chartArchiveProblem(chartArchivePath(spec, env), spec) === undefined;
}

/**
 * Where helm takes the chart from: the cached archive when it is there, else the repository (for a call that
 * runs before the chart is cached, e.g. `images list` on a fresh machine).
 */
export function chartSource(spec: HelmSpec, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = chartArchivePath(spec, env);
  return chartCached(spec, env) ? [file] : [spec.chart, '--repo', spec.repo, '--version', spec.version];
}

/**
 * Makes sure the chart's archive is in the cache: `helm pull` into a private folder beside it, then a rename,
 * so an interrupted download never leaves a partial archive under the final name.
 */
export async function ensureChart(runner: Runner, spec: HelmSpec, env: NodeJS.ProcessEnv = process.env): Promise<'cached' | 'pulled'> {
  const target = chartArchivePath(spec, env);
  // a file under the name that is not the pinned chart (a stand-in's, a truncated copy) is downloaded again
  if (chartCached(spec, env)) return 'cached';
  mkdirSync(chartsDir(env), { recursive: true });
  const tmp = mkdtempSync(path.join(chartsDir(env), '.pull-'));
  try {
    await runner.run('helm', ['pull', spec.chart, '--repo', spec.repo, '--version', spec.version, '--destination', tmp]);
    const written = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    const file = written.find((f) => f === chartFileName(spec)) ?? written[0];
    if (!file) throw new LabError(`helm pull ${spec.chart} --version ${spec.version} succeeded but wrote no .tgz`, { why: 'the helm on PATH does not behave like Helm 3 or 4', fix: 'helm version; hpa-lab needs Helm 3.14+ or 4' });
    const problem = chartArchiveProblem(path.join(tmp, file), spec);
    if (problem) throw new LabError(`helm pull ${spec.chart} --repo ${spec.repo} --version ${spec.version} wrote ${file}, which is not that chart: ${problem}`, { why: 'helm installs what the cache holds: a wrong archive there would be installed on every up', fix: 'helm version (hpa-lab needs Helm 3.14+ or 4); check that the repository serves the chart' });
    renameSync(path.join(tmp, file), target);
    return 'pulled';
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

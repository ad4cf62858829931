// Builds a Go part of the real tier from its published module, with the ordinary Go client: `go mod
// download` fetches it by name from the module proxy, `go build` compiles it. Two ways (parts.ts says which):
// in a copy of the module (its own go.mod and replaces apply), or in a generated module that requires it and
// replaces each nested module its go.mod points into its own tree (which the module zip leaves out) with that
// module at its published version (kubernetes#79384's workaround).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { GoPart } from './parts.ts';
import { partBins } from './parts.ts';

export interface GoEnv {
  log: (line: string) => void;
}

interface ModInfo {
  Dir: string;
  Info: string;
  Error?: string;
}

async function download(mod: string, version: string): Promise<ModInfo> {
  const r = await execa('go', ['mod', 'download', '-json', `${mod}@${version}`], { reject: false });
  const info = JSON.parse(r.stdout || '{}') as ModInfo;
  if (r.exitCode !== 0 || info.Error) throw new Error(`go mod download ${mod}@${version}: ${info.Error ?? r.stderr}`);
  return info;
}

/** The module's publication time (its .info file), used as the build date so that a rebuild is identical. */
function moduleTime(info: ModInfo): string {
  const t = (JSON.parse(readFileSync(info.Info, 'utf8')) as { Time: string }).Time;
  return t.replace(/\.\d+Z$/, 'Z');
}

/** The module paths a go.mod requires (both `require x v` and lines of a `require (…)` block). */
function required(goMod: string): Set<string> {
  const out = new Set<string>();
  let inBlock = false;
  for (const l of goMod.split('\n')) {
    const t = l.replace(/\/\/.*$/, '').trim();
    if (t === 'require (') inBlock = true;
    else if (inBlock && t === ')') inBlock = false;
    else if (inBlock && t) out.add(t.split(/\s+/)[0]!);
    else if (t.startsWith('require ') && !t.endsWith('(')) out.add(t.split(/\s+/)[1]!);
  }
  return out;
}

/**
 * `X => ./relative` replaces in a go.mod for modules it requires: the nested modules a module zip does not
 * carry. (A replace of a module it does not require, e.g. etcd's `go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY`
 * guard, is left out: it has nothing to point at.)
 */
export function relativeReplaces(goMod: string): string[] {
  const out: string[] = [];
  const need = required(goMod);
  const line = /^\s*(?:replace\s+)?(\S+)(?:\s+\S+)?\s+=>\s+(\.\.?\/\S*)\s*$/;
  for (const l of goMod.split('\n')) {
    const m = line.exec(l);
    if (m && need.has(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** The go.mod of the generated module for a `require` part. */
export function wrapperGoMod(p: GoPart, goMod: string, replaceVersion: string): string {
  const replaced = relativeReplaces(goMod);
  const req = [`${p.module} ${p.version}`, ...(p.also ?? [])];
  return [
    `module hpa-lab.local/real/${p.name}`,
    '',
    'go 1.26.0',
    '',
    `require (\n${req.map((r) => `\t${r}`).join('\n')}\n)`,
    '',
    ...(replaced.length > 0 ? [`replace (\n${replaced.map((m) => `\t${m} => ${m} ${replaceVersion}`).join('\n')}\n)`, ''] : []),
  ].join('\n');
}

function ldflags(p: GoPart, buildDate: string): string {
  const x = Object.entries(p.stamp ?? {}).map(([k, v]) => `-X ${k}=${v}`);
  if (p.stamp && Object.keys(p.stamp).some((k) => k.endsWith('.gitVersion'))) {
    for (const k of Object.keys(p.stamp)) if (k.endsWith('.gitVersion')) x.push(`-X ${k.replace(/gitVersion$/, 'buildDate')}=${buildDate}`);
  }
  return ['-s', '-w', ...x].join(' ');
}

/**
 * Builds every binary of a part into outDir. Returns the binaries' paths. The work tree stays under workDir
 * (so that a second run, and Go's build cache, repeat nothing).
 */
export async function buildGoPart(p: GoPart, workDir: string, outDir: string, env: GoEnv, replaceVersion = p.version): Promise<string[]> {
  const info = await download(p.module, p.version);
  const date = moduleTime(info);
  mkdirSync(outDir, { recursive: true });
  let cwd: string;
  let importPath: (pkg: string) => string;
  if (p.how === 'copy') {
    cwd = path.join(workDir, 'src');
    if (!existsSync(path.join(cwd, 'go.mod'))) {
      rmSync(cwd, { recursive: true, force: true });
      env.log(`copying ${p.module}@${p.version} out of the module cache`);
      cpSync(info.Dir, cwd, { recursive: true });
      await execa('chmod', ['-R', 'u+w', cwd]);
    }
    importPath = (pkg) => (pkg === '.' ? '.' : `./${pkg}`);
  } else {
    cwd = workDir;
    mkdirSync(cwd, { recursive: true });
    const want = wrapperGoMod(p, readFileSync(path.join(info.Dir, 'go.mod'), 'utf8'), replaceVersion);
    const have = existsSync(path.join(cwd, 'go.mod.generated')) ? readFileSync(path.join(cwd, 'go.mod.generated'), 'utf8') : '';
    if (have !== want) {
      writeFileSync(path.join(cwd, 'go.mod'), want);
      writeFileSync(path.join(cwd, 'go.mod.generated'), want);
      rmSync(path.join(cwd, 'go.sum'), { force: true });
    }
    if (p.main) {
      mkdirSync(path.join(cwd, 'main'), { recursive: true });
      writeFileSync(path.join(cwd, 'main', 'main.go'), p.main);
    } else {
      const imports = p.packages.map((pkg) => `\t_ "${pkg === '.' ? p.module : `${p.module}/${pkg}`}"`).join('\n');
      writeFileSync(path.join(cwd, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport (\n${imports}\n)\n`);
    }
    if (!existsSync(path.join(cwd, 'go.sum'))) {
      env.log(`go mod tidy (${p.module}@${p.version})`);
      await execa('go', ['mod', 'tidy'], { cwd });
    }
    importPath = (pkg) => (p.main ? './main' : pkg === '.' ? p.module : `${p.module}/${pkg}`);
  }
  const bins = partBins(p);
  const out: string[] = [];
  for (const [i, pkg] of p.packages.entries()) {
    const bin = path.join(outDir, bins[i]!);
    const args = ['build', ...(p.goFlags ?? []), '-trimpath', '-ldflags', ldflags(p, date), ...(p.tags?.length ? ['-tags', p.tags.join(',')] : []), '-o', bin, importPath(pkg)];
    env.log(`go ${args.join(' ')}`);
    // GOWORK=off: a module's go.work (Prometheus has one) names nested modules its zip leaves out.
    await execa('go', args, { cwd, env: { CGO_ENABLED: p.cgo ? '1' : '0', GOWORK: 'off' }, stdout: 'inherit', stderr: 'inherit' });
    out.push(bin);
  }
  return out;
}

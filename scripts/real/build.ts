// npm run real:build — builds every real part of the lab here, offline, from published modules and Debian's
// packages: kind, Kubernetes, the node's runtime, a kind node image, and the stack's images. Idempotent: each
// artifact is cached by name and version under ~/.cache/hpa-lab/real (HPA_LAB_REAL_CACHE), and the manifest
// there says what was built from which module@version. See docs/real-tier.md.
//   npm run real:build                 # everything missing
//   npm run real:build -- --only etcd  # one artifact (and nothing it needs is rebuilt if cached)
//   npm run real:build -- --list       # what is built and what is missing
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { CACHE, isBuilt, readManifest, sha256File, writeManifest } from './cache.ts';
import type { Built } from './cache.ts';
import { allSteps, say } from './steps.ts';
import type { Step } from './steps.ts';

async function record(step: Step, files: string[], seconds: number): Promise<void> {
  const outputs: Record<string, string> = {};
  for (const f of files) outputs[path.relative(CACHE, f)] = await sha256File(f);
  const b: Built = { from: step.from, outputs, seconds: Math.round(seconds), at: new Date().toISOString() };
  // Read again just before writing: another real:build (--only something else) may have recorded meanwhile.
  const m = readManifest();
  m.parts[step.key] = b;
  writeManifest(m);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { only: { type: 'string', multiple: true }, list: { type: 'boolean' }, force: { type: 'boolean' } }, allowPositionals: true });
  const steps = allSteps();
  const m = readManifest();
  m.go = (await execa('go', ['version'])).stdout.trim();
  if (values.list) {
    for (const s of steps) console.log(`${isBuilt(m, s.key, s.from) ? 'built  ' : 'MISSING'} ${s.key}  ← ${s.from}`);
    return;
  }
  writeManifest({ ...readManifest(), go: m.go });
  // `--only a b c` and `--only a --only b` both name artifacts.
  const only = values.only ? [...values.only, ...positionals] : positionals.length > 0 ? positionals : undefined;
  const unknown = (only ?? []).filter((o) => !steps.some((s) => s.key === o || s.key.endsWith(`:${o}`)));
  if (unknown.length > 0) {
    console.error(`✖ --only ${unknown.join(', ')}: no such artifact. Known: ${steps.map((s) => s.key).join(', ')}`);
    process.exit(2);
  }
  const t0 = Date.now();
  let built = 0;
  for (const s of steps) {
    if (only && !only.some((o) => s.key === o || s.key.endsWith(`:${o}`))) continue;
    if (isBuilt(m, s.key, s.from) && !values.force) continue;
    say(`building ${s.key} from ${s.from}`);
    const t = Date.now();
    const files = await s.run();
    await record(s, files, (Date.now() - t) / 1000);
    say(`built ${s.key} in ${Math.round((Date.now() - t) / 1000)} s`);
    built++;
  }
  say(built === 0 ? `everything is built (${CACHE})` : `built ${built} artifacts in ${Math.round((Date.now() - t0) / 1000)} s (${CACHE})`);
}

await main();

// npm run real:figures — the real tier's figures, read from what the build and the real e2e recorded:
// build seconds per artifact (manifest.json) and the disk they take, a warm `real:build` timed now, each real
// e2e step's seconds and the kind nodes' memory at peak (.hpa-lab/real-e2e/result.json), and the demos' own
// summaries (the results JSON each demo writes). Nothing here is estimated: a figure that was not recorded
// is printed as "not recorded".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CACHE, readManifest } from './cache.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(REPO, '.hpa-lab', 'real-e2e');

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

async function duBytes(dir: string): Promise<number | undefined> {
  if (!existsSync(dir)) return undefined;
  const r = await execa('du', ['-sb', dir], { reject: false });
  return r.exitCode === 0 ? Number(r.stdout.split('\t')[0]) : undefined;
}

async function build(): Promise<void> {
  const m = readManifest();
  const parts = Object.entries(m.parts);
  console.log(`Build (${CACHE}/manifest.json, ${m.go || 'go version not recorded'}):`);
  let total = 0;
  for (const [key, b] of parts) {
    total += b.seconds;
    console.log(`  ${key.padEnd(70)} ${String(b.seconds).padStart(5)} s  (${b.at})`);
  }
  console.log(`  ${'sum of the recorded build seconds'.padEnd(70)} ${String(total).padStart(5)} s`);
  const go = (await execa('go', ['env', 'GOMODCACHE', 'GOCACHE'], { reject: false })).stdout.split('\n');
  for (const [what, dir] of [['real build cache', CACHE], ['Go module cache', go[0] ?? ''], ['Go build cache', go[1] ?? '']] as const) {
    const b = dir ? await duBytes(dir) : undefined;
    console.log(`  disk: ${what.padEnd(18)} ${b === undefined ? 'not there' : mib(b)}  ${dir}`);
  }
  const t = Date.now();
  const warm = await execa(process.execPath, [path.join(import.meta.dirname, 'build.ts')], { reject: false });
  const last = warm.stdout.trim().split('\n').at(-1) ?? '';
  console.log(`  warm real:build now: ${((Date.now() - t) / 1000).toFixed(1)} s (exit ${String(warm.exitCode)}: ${last.replace(/^\[real [\d:]+\] /, '')})`);
}

interface StepResult { stage: string; step: string; seconds: number; ok: boolean }
interface StageResult { stage: string; ran: boolean; ok?: boolean; nodeMemoryPeakMiB?: number }

function e2e(): void {
  const file = path.join(OUT, 'result.json');
  if (!existsSync(file)) {
    console.log(`\nReal e2e: not recorded (${path.relative(REPO, file)} is absent: run npm run real:e2e)`);
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as { at: string; seconds: number; ok: boolean; stages: StageResult[]; steps: StepResult[] };
  console.log(`\nReal e2e (${path.relative(REPO, file)}, ${r.at}, ${r.ok ? 'passed' : 'NOT passed'}, ${r.seconds} s):`);
  for (const s of r.steps) console.log(`  ${s.ok ? '✔' : '✖'} ${`${s.stage}: ${s.step}`.padEnd(42)} ${s.seconds.toFixed(1).padStart(7)} s`);
  for (const s of r.stages) console.log(`  ${s.stage.padEnd(10)} ${s.ran ? (s.ok ? 'passed' : 'FAILED') : 'not run'}; kind nodes' memory at peak: ${s.nodeMemoryPeakMiB === undefined ? 'not recorded' : `${s.nodeMemoryPeakMiB} MiB`}`);
}

interface DemoResult { stack?: { name?: string }; summary?: Record<string, number | string | undefined>; verdict?: { ok: boolean } }

function demos(): void {
  // Every lab's demos: real-e2e's own, and the --context lab's (its state folder is <name>@<context>).
  const state = path.join(OUT, 'state');
  const files = (existsSync(state) ? readdirSync(state) : []).flatMap((lab) => {
    const dir = path.join(state, lab, 'demo');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(lab, 'demo', f)) : [];
  }).sort();
  const dir = state;
  console.log(`\nDemos (${path.relative(REPO, dir)}/*/demo):${files.length ? '' : ' not recorded'}`);
  const sec = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} s` : 'not observed');
  for (const f of files) {
    const d = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as DemoResult;
    const s = d.summary ?? {};
    console.log(`  ${f}: load ${typeof s.averageSentRate === 'number' ? s.averageSentRate.toFixed(1) : '?'} req/s for ${sec(s.loadSeconds)}; metric over target ${sec(s.metricAboveTarget)}; first extra pod Ready ${sec(s.firstExtraPodReady)}; peak ${String(s.peakReadyReplicas ?? '?')} Ready; back to ${String(s.minReplicas ?? '?')} ${sec(s.backToMinimum)} after the load; verdict ${d.verdict ? (d.verdict.ok ? 'met' : 'NOT met') : 'none'}`);
  }
}

await build();
e2e();
demos();

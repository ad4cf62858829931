// npm run real:e2e — hpa-lab for real on this machine: the real Docker engine, the kind and the node image
// `npm run real:build` made, a real Kubernetes. Each stage runs the CLI as a user would and checks what it says
// and what is left; the figures (seconds per step) are printed and kept in .hpa-lab/real-e2e/result.json.
//   npm run real:e2e                     every stage whose artifacts are built
//   npm run real:e2e -- --stage cluster  one stage
//   npm run real:e2e -- --if-built       (CI) one line, exit 0, when the build cache is not complete
//   npm run real:e2e -- --keep           leave the last stage's lab up (then: npm run down -- --name real-e2e)
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { CACHE, isBuilt, readManifest } from './cache.ts';
import { APP_IMAGE, CHART_CASES, CHARTS, allSteps, ensureLoaded, partDir, say } from './steps.ts';
import { KEDA_IMAGES, NODE_IMAGE, REGISTRY_IMAGE, STACK_IMAGES } from './parts.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(REPO, '.hpa-lab', 'real-e2e');
const NAME = 'real-e2e';
const START_DOCKERD = path.resolve(process.env.HPA_LAB_SHARED_DIR ?? path.join(REPO, '..', 'shared'), 'tools', 'start-dockerd');

interface StepResult {
  stage: string;
  step: string;
  command: string;
  exitCode: number;
  seconds: number;
  ok: boolean;
  problem?: string;
}

interface Stage {
  name: string;
  /** Build artifacts (steps.ts keys) the stage needs. */
  needs: string[];
  run: (ctx: StageContext) => Promise<void>;
}

class StageFailed extends Error {}

interface StageContext {
  /** Runs `hpa-lab ARGS` (the real CLI, as npm run would) and records it; check() says what is wrong with it, if anything. */
  cli: (step: string, args: string[], check?: (out: string, code: number) => string | undefined) => Promise<string>;
  /** A command of the machine's own (docker, kubectl), for what the checks look at. */
  sh: (cmd: string, args: string[]) => Promise<string>;
}

const results: StepResult[] = [];

function envFor(): Record<string, string> {
  // The built kind first on PATH; the real helm and kubectl .ci/tools.sh puts in .tools/bin.
  const extra = [partDir('kind'), path.join(REPO, '.tools', 'bin')].filter((d) => existsSync(d));
  return {
    PATH: [...extra, process.env.PATH ?? ''].join(path.delimiter),
    HPA_LAB_STATE_DIR: path.join(OUT, 'state'),
    // hpa-lab's download cache, with the real tier's charts in it: the user's own (~/.cache/hpa-lab) is not touched.
    HPA_LAB_CACHE_DIR: path.join(OUT, 'cache'),
    KUBECONFIG: path.join(OUT, 'kubeconfig'),
    NO_COLOR: '1',
  };
}

function context(stage: string): StageContext {
  const env = envFor();
  return {
    async cli(step, args, check) {
      const t = Date.now();
      const command = `hpa-lab ${args.join(' ')}`;
      say(`${stage}: ${step}: ${command}`);
      const r = await execa(process.execPath, [path.join(REPO, 'scripts', 'hpa-lab.js'), ...args], { env, reject: false, all: true, cwd: REPO });
      const out = r.all ?? '';
      writeFileSync(path.join(OUT, `${stage}-${step.replace(/\W+/g, '-')}.log`), `$ ${command}\n${out}\n(exit ${String(r.exitCode)})\n`);
      const problem = check ? check(out, r.exitCode ?? 1) : r.exitCode === 0 ? undefined : `exit ${String(r.exitCode)}`;
      const res: StepResult = { stage, step, command, exitCode: r.exitCode ?? 1, seconds: Math.round((Date.now() - t) / 100) / 10, ok: !problem, ...(problem ? { problem } : {}) };
      results.push(res);
      say(`${stage}: ${step}: ${problem ? `FAILED: ${problem}` : 'ok'} (${res.seconds} s)`);
      if (problem) {
        console.log(out.split('\n').slice(-40).join('\n'));
        throw new StageFailed(`${stage}: ${step}: ${problem}`);
      }
      return out;
    },
    async sh(cmd, args) {
      return (await execa(cmd, args, { env })).stdout;
    },
  };
}

const exit0 = (out: string, code: number) => (code === 0 ? undefined : `exit ${code}`);
const expect = (re: RegExp) => (out: string, code: number) => (code !== 0 ? `exit ${code}` : re.test(out) ? undefined : `output lacks ${String(re)}`);

const LAB = ['--name', NAME, '--node-image', NODE_IMAGE];

const STAGES: Stage[] = [
  {
    // Milestone a: a real kind cluster from the built node image, hpa-lab's gates on it, re-run, removal.
    name: 'cluster',
    needs: ['go:kind', `image:${NODE_IMAGE}`],
    run: async ({ cli, sh }) => {
      await cli('up', ['up', ...LAB, '--stack', 'cluster', '--no-cache'], expect(new RegExp(`cluster ${NAME}: created, Kubernetes v1\\.36\\.3, 1 node Ready`)));
      await cli('status', ['status', ...LAB, '--stack', 'cluster', '--json'], (out, code) => {
        if (code !== 0) return `exit ${code}`;
        const s = JSON.parse(out) as { ok: boolean; gates: Array<{ gate: string; ok: boolean }> };
        return s.ok && s.gates.length >= 4 ? undefined : `not ok: ${JSON.stringify(s.gates)}`;
      });
      await cli('up again', ['up', ...LAB, '--stack', 'cluster', '--no-cache'], expect(new RegExp(`cluster ${NAME}: reused`)));
      await cli('down', ['down', '--name', NAME], exit0);
      const left = await sh('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${NAME}`, '--format', '{{.Names}}']);
      if (left.trim()) throw new StageFailed(`cluster: down left containers: ${left.trim()}`);
    },
  },
];

const chartKeys = CHART_CASES.filter((c) => c.chart !== 'keda').map((c) => `chart:${c.chart}-${c.version}`);
const STACK_NEEDS = ['go:kind', `image:${NODE_IMAGE}`, `image:${APP_IMAGE}`, ...chartKeys];

/** Milestone b: the whole custom-metrics stack, every gate, for real; then `up` again repeats no work. */
const stackStage: Stage = {
  name: 'stack',
  needs: STACK_NEEDS,
  run: async ({ cli }) => {
    await cli('up', ['up', ...LAB, '--no-cache'], expect(/The lab is up \(stack custom-metrics/));
    await cli('status', ['status', ...LAB, '--json'], (out, code) => {
      if (code !== 0) return `exit ${code}`;
      const st = JSON.parse(out) as { ok: boolean; gates: Array<{ gate: string; ok: boolean }> };
      return st.ok ? undefined : `gates not ok: ${st.gates.filter((g) => !g.ok).map((g) => g.gate).join(', ')}`;
    });
    // Converged: the cluster reused, every release unchanged, the manifests unchanged, the image already there.
    await cli('up again', ['up', ...LAB, '--no-cache'], (out, code) => {
      if (code !== 0) return `exit ${code}`;
      const wanted = [new RegExp(`cluster ${NAME}: reused`), /release metrics-server unchanged/, /release prometheus unchanged/, /release prometheus-adapter unchanged/, /already on the node/];
      const lacking = wanted.filter((re) => !re.test(out));
      if (/\bapplied \d/.test(out)) return 'the second up applied manifests again';
      return lacking.length ? `the second up lacks ${lacking.map(String).join(', ')}` : undefined;
    });
  },
};

/** Milestone c: load at the app, the HPA scales out and back in, the CI verdict; then down. */
const demoStage: Stage = {
  name: 'demo',
  needs: STACK_NEEDS,
  run: async ({ cli, sh }) => {
    await cli('up', ['up', ...LAB, '--no-cache'], expect(/The lab is up/));
    await cli('demo', ['demo', '--name', NAME, '--expect-replicas', '3', '--within', '3m', '--report', path.join(OUT, 'demo-report.html')], expect(/expectation met/));
    await cli('down', ['down', '--name', NAME], exit0);
    const left = await sh('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${NAME}`, '--format', '{{.Names}}']);
    if (left.trim()) throw new StageFailed(`demo: down left containers: ${left.trim()}`);
  },
};
/**
 * Milestone d, the image cache and an offline room: no registry is reachable here, so a stand-in upstream (the
 * built registry, holding every image of the stack and KEDA's, pushed with `docker push`) plays quay.io, ghcr.io,
 * registry.k8s.io and docker.io for the cache's pull-through mirrors (an image cache file of the real e2e's:
 * http:// to the Docker bridge's address). The keda stack's images are pulled by the node through the cache
 * (KEDA's chart says imagePullPolicy: Always); then the upstream is stopped and `up --offline` converges from the
 * cache alone; `down --purge` removes the lab, the cache's containers and its volume.
 */
const UPSTREAM = 'hpa-lab-real-e2e-upstream';
const CACHE_FILE = path.join(OUT, 'image-cache.yaml');
const cacheStage: Stage = {
  name: 'cache',
  needs: [...STACK_NEEDS, `image:${REGISTRY_IMAGE.ref}`, ...KEDA_IMAGES.map((i) => `image:${i.ref}`), 'chart:keda-2.20.2'],
  run: async ({ cli, sh }) => {
    for (const ref of [REGISTRY_IMAGE, ...STACK_IMAGES, ...KEDA_IMAGES].map((i) => i.ref)) await ensureLoaded(ref);
    const gateway = (await sh('docker', ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}'])).trim();
    await sh('docker', ['rm', '-f', UPSTREAM]).catch(() => '');
    // 127.0.0.1 for the pushes (Docker pushes to a loopback registry over http), the bridge's address for the mirrors.
    await sh('docker', ['run', '--detach', '--name', UPSTREAM, '--publish', '127.0.0.1:5100:5000', '--publish', `${gateway}:5100:5000`, REGISTRY_IMAGE.ref]);
    await waitForRegistry('http://127.0.0.1:5100/v2/');
    for (const ref of [...STACK_IMAGES, ...KEDA_IMAGES].map((i) => i.ref)) {
      const local = `127.0.0.1:5100/${ref.slice(ref.indexOf('/') + 1)}`;
      await sh('docker', ['tag', ref, local]);
      await sh('docker', ['push', local]);
      await sh('docker', ['image', 'rm', local]);
    }
    const mirror = (registry: string, i: number) => `  - { registry: ${registry}, remote: "http://${gateway}:5100", container: hpa-lab-real-e2e-cache-${registry.replace(/\./g, '-')}, hostPort: ${5111 + i} }`;
    writeFileSync(CACHE_FILE, [`image: ${REGISTRY_IMAGE.ref}`, 'volume: hpa-lab-real-e2e-cache', 'mirrors:', ...['docker.io', 'quay.io', 'registry.k8s.io', 'ghcr.io'].map(mirror), ''].join('\n'));
    const args = [...LAB, '--stack', 'keda', '--image-cache', CACHE_FILE];
    await cli('up keda through the cache', ['up', ...args], expect(/The lab is up \(stack keda/));
    await cli('status', ['status', '--name', NAME, '--stack', 'keda', '--json'], (out, code) => (code === 0 && (JSON.parse(out) as { ok: boolean }).ok ? undefined : `not ok (exit ${code})`));
    // An offline room: the lab removed (the cache stays), the upstream gone; a fresh cluster from the cache alone.
    await cli('down (cache kept)', ['down', '--name', NAME, '--image-cache', CACHE_FILE], expect(/cache/));
    await sh('docker', ['stop', UPSTREAM]);
    await cli('up --offline (upstream stopped)', ['up', ...args, '--offline'], expect(new RegExp(`cluster ${NAME}: created[\\s\\S]*The lab is up \\(stack keda`)));
    await cli('status offline', ['status', '--name', NAME, '--stack', 'keda', '--json'], (out, code) => (code === 0 && (JSON.parse(out) as { ok: boolean }).ok ? undefined : `not ok (exit ${code})`));
    await cli('demo keda', ['demo', '--name', NAME, '--stack', 'keda', '--expect-replicas', '3', '--within', '3m', '--no-report'], expect(/expectation met/));
    await cli('down --purge', ['down', '--name', NAME, '--purge', '--image-cache', CACHE_FILE], exit0);
    const left = await sh('docker', ['ps', '-a', '--filter', 'name=hpa-lab-real-e2e-cache', '--format', '{{.Names}}']);
    if (left.trim()) throw new StageFailed(`cache: down --purge left ${left.trim()}`);
  },
};

async function waitForRegistry(url: string): Promise<void> {
  // A condition, not a time: the registry answers /v2/ (deadline 60 s).
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new StageFailed(`${url} did not answer within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Milestone d, --context: the lab on a kind cluster hpa-lab did not make, with kind's local-registry recipe
 * (kind's docs, "Local Registry": a registry container on the kind network, published on localhost:5001, each
 * node's containerd told by hosts.toml that localhost:5001 is that container). hpa-lab pushes the app image
 * there (--registry localhost:5001), reaches every gate and the demo through port-forwards, and removes what it
 * installed.
 */
const CTX_CLUSTER = 'real-e2e-ctx';
const CTX_REGISTRY = 'real-e2e-kind-registry';
const contextStage: Stage = {
  name: 'context',
  needs: [...STACK_NEEDS, `image:${REGISTRY_IMAGE.ref}`],
  run: async ({ cli, sh }) => {
    await ensureLoaded(REGISTRY_IMAGE.ref);
    const config = path.join(OUT, 'context-kind.yaml');
    // The user's own kind config on this cgroup v1 host needs the kubelet patch hpa-lab adds to its own.
    writeFileSync(config, ['kind: Cluster', 'apiVersion: kind.x-k8s.io/v1alpha4', 'kubeadmConfigPatches:', '  - |', '    kind: KubeletConfiguration', '    apiVersion: kubelet.config.k8s.io/v1beta1', '    failCgroupV1: false', 'nodes:', '  - role: control-plane', `    image: ${NODE_IMAGE}`, ''].join('\n'));
    await sh('kind', ['delete', 'cluster', '--name', CTX_CLUSTER]);
    await sh('kind', ['create', 'cluster', '--name', CTX_CLUSTER, '--config', config]);
    await sh('docker', ['rm', '-f', CTX_REGISTRY]).catch(() => '');
    await sh('docker', ['run', '--detach', '--restart=always', '--name', CTX_REGISTRY, '--publish', '127.0.0.1:5001:5000', REGISTRY_IMAGE.ref]);
    await sh('docker', ['network', 'connect', 'kind', CTX_REGISTRY]);
    for (const node of (await sh('kind', ['get', 'nodes', '--name', CTX_CLUSTER])).split('\n').filter(Boolean)) {
      await sh('docker', ['exec', node, 'mkdir', '-p', '/etc/containerd/certs.d/localhost:5001']);
      await sh('docker', ['exec', node, 'sh', '-c', `printf '[host."http://${CTX_REGISTRY}:5000"]\\n' > /etc/containerd/certs.d/localhost:5001/hosts.toml`]);
    }
    await waitForRegistry('http://127.0.0.1:5001/v2/');
    // The app image under the name hpa-lab gives it with --registry (its Dockerfile cannot be built here): found built, it is pushed.
    await sh('docker', ['tag', APP_IMAGE, `localhost:5001/${APP_IMAGE}`]);
    const ctx = ['--context', `kind-${CTX_CLUSTER}`];
    await cli('up --context', ['up', ...ctx, '--yes', '--registry', 'localhost:5001'], expect(new RegExp(`The lab is up on context kind-${CTX_CLUSTER}`)));
    await cli('status --context', ['status', ...ctx, '--json'], (out, code) => (code === 0 && (JSON.parse(out) as { ok: boolean }).ok ? undefined : `not ok (exit ${code})`));
    await cli('demo --context', ['demo', ...ctx, '--expect-replicas', '3', '--within', '3m', '--no-report'], expect(/expectation met/));
    await cli('down --context', ['down', ...ctx, '--yes'], exit0);
    await sh('docker', ['image', 'rm', `localhost:5001/${APP_IMAGE}`]).catch(() => '');
    const releases = await sh(path.join(REPO, '.tools', 'bin', 'helm'), ['list', '--all-namespaces', '--kube-context', `kind-${CTX_CLUSTER}`, '--short']).catch((e: unknown) => `helm list failed: ${String(e)}`);
    if (releases.trim()) throw new StageFailed(`context: down --context left releases: ${releases.trim()}`);
  },
};

STAGES.push(stackStage, demoStage, cacheStage, contextStage);

/** The real tier's charts into the lab's chart cache (HPA_LAB_CACHE_DIR), as `helm pull` would have put them. */
function seedCharts(): void {
  const dir = path.join(OUT, 'cache', 'charts');
  mkdirSync(dir, { recursive: true });
  for (const c of CHART_CASES) {
    const file = `${c.chart}-${c.version}.tgz`;
    if (existsSync(path.join(CHARTS, file))) copyFileSync(path.join(CHARTS, file), path.join(dir, file));
  }
}

/** "1.234GiB", "512MiB", "980kB" (docker stats) → bytes. */
function bytesOf(text: string): number {
  const m = /^([\d.]+)\s*([KMGT]i?B|kB|B)$/.exec(text);
  if (!m) return 0;
  const unit = { B: 1, kB: 1e3, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[m[2] ?? 'B'] ?? 1;
  return Number(m[1]) * unit;
}

async function dockerUp(): Promise<void> {
  const ok = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false });
  if (ok.exitCode === 0) return;
  if (!existsSync(START_DOCKERD)) throw new StageFailed(`Docker does not answer and ${START_DOCKERD} is absent`);
  say(`starting Docker: ${START_DOCKERD}`);
  await execa(START_DOCKERD, [], { stdout: 'inherit', stderr: 'inherit' });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: 'string', multiple: true }, 'if-built': { type: 'boolean' }, keep: { type: 'boolean' } } });
  const unknown = (values.stage ?? []).filter((s) => !STAGES.some((x) => x.name === s));
  if (unknown.length) {
    console.error(`✖ --stage ${unknown.join(', ')}: no such stage. Stages: ${STAGES.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const m = readManifest();
  const steps = allSteps();
  const missing = steps.filter((s) => !isBuilt(m, s.key, s.from)).map((s) => s.key);
  if (values['if-built'] && missing.length) {
    console.log(`real tier did not run: ${missing.length} of ${steps.length} artifacts are not built in ${CACHE} (npm run real:build): ${missing.join(', ')}`);
    return 0;
  }
  const chosen = STAGES.filter((s) => !values.stage || values.stage.includes(s.name));
  mkdirSync(OUT, { recursive: true });
  for (const d of ['state', 'cache']) rmSync(path.join(OUT, d), { recursive: true, force: true });
  await dockerUp();
  await ensureLoaded(NODE_IMAGE);
  if (isBuilt(m, `image:${APP_IMAGE}`)) await ensureLoaded(APP_IMAGE);
  seedCharts();
  const t0 = Date.now();
  const summary: Array<{ stage: string; ran: boolean; ok?: boolean; why?: string }> = [];
  let failed = false;
  // The kind nodes' memory, sampled every 5 s (docker stats) while the stages run: the peak per stage.
  const peaks = new Map<string, number>();
  let current = '';
  const sampler = setInterval(() => {
    void execa('docker', ['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}'], { reject: false }).then((r) => {
      let total = 0;
      for (const line of r.stdout.split('\n')) {
        const [name, usage] = line.split('\t');
        if (!name || !/-(control-plane|worker\d*)$/.test(name)) continue;
        total += bytesOf(usage?.split('/')[0]?.trim() ?? '');
      }
      if (current && total > (peaks.get(current) ?? 0)) peaks.set(current, total);
    });
  }, 5000);
  for (const stage of chosen) {
    current = stage.name;
    const lacking = stage.needs.filter((k) => !isBuilt(m, k, steps.find((s) => s.key === k)?.from));
    if (lacking.length) {
      summary.push({ stage: stage.name, ran: false, why: `not built: ${lacking.join(', ')}` });
      say(`${stage.name}: NOT RUN (not built: ${lacking.join(', ')})`);
      continue;
    }
    try {
      // Each stage finds the charts in the lab's chart cache (an earlier stage's down --purge empties it).
      seedCharts();
      await stage.run(context(stage.name));
      summary.push({ stage: stage.name, ran: true, ok: true });
    } catch (err) {
      if (!(err instanceof StageFailed)) throw err;
      failed = true;
      summary.push({ stage: stage.name, ran: true, ok: false, why: err.message });
      say(`✖ ${err.message} (logs: ${path.relative(REPO, OUT)}/)`);
      break;
    }
  }
  clearInterval(sampler);
  for (const x of summary) {
    const peak = peaks.get(x.stage);
    if (peak) (x as { nodeMemoryPeakMiB?: number }).nodeMemoryPeakMiB = Math.round(peak / 2 ** 20);
  }
  if (!values.keep) {
    await execa(process.execPath, [path.join(REPO, 'scripts', 'hpa-lab.js'), 'down', '--name', NAME, ...(existsSync(CACHE_FILE) ? ['--purge', '--image-cache', CACHE_FILE] : [])], { env: envFor(), reject: false });
    await execa('docker', ['rm', '-f', UPSTREAM, CTX_REGISTRY], { reject: false });
    await execa('kind', ['delete', 'cluster', '--name', CTX_CLUSTER], { env: envFor(), reject: false });
  }
  const result = { at: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000), ok: !failed && summary.every((x) => x.ran), stages: summary, steps: results };
  writeFileSync(path.join(OUT, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('\nreal e2e figures (seconds):');
  for (const r of results) console.log(`  ${r.ok ? '✔' : '✖'} ${`${r.stage}: ${r.step}`.padEnd(32)} ${String(r.seconds).padStart(7)}  ${r.command}`);
  for (const s of summary.filter((x) => !x.ran)) console.log(`  - ${s.stage}: not run (${s.why ?? ''})`);
  for (const [stage, peak] of peaks) console.log(`  kind nodes' memory at peak during ${stage}: ${Math.round(peak / 2 ** 20)} MiB`);
  const notRun = summary.filter((x) => !x.ran).length;
  console.log(`real e2e ${failed ? 'FAILED' : notRun ? `INCOMPLETE (${notRun} stage${notRun === 1 ? '' : 's'} not run)` : 'passed'} in ${result.seconds} s (${path.relative(REPO, path.join(OUT, 'result.json'))})`);
  return failed || notRun ? 1 : 0;
}

process.exitCode = await main();

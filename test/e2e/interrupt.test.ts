// One Ctrl-C, end to end (issue "What the real tools say", item 17: every command stops on the first SIGINT):
// the real CLI as a child process against the simulated lab gets ONE SIGINT while it works, and must stop at
// once (exit 130, "✖ interrupted"), leaving nothing running: no more requests reach the app (the REAL app
// processes' own counter, myapp_processed_ops_total, read from each pod through the API server's pod proxy), and
// with --in-cluster-load no Job left in the cluster (the demo's help: "the Job is deleted when the load stops
// (also on Ctrl-C …)"); `images save` stops the docker pull it waits on and writes no archive.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { readUpstreamLog, REPO_ROOT, simPool, type Sim } from '../helpers/sim.ts';
import { PROMETHEUS_REASON, requirePrometheus } from '../helpers/prometheus.ts';
import { eventually } from '../helpers/eventually.ts';
import { clusterApi } from '../sim/lib/apiclient.ts';

const newSim = simPool();

/** The CLI running as a child process, its stdout and stderr as they come. */
interface Running {
  child: ReturnType<typeof execa>;
  output(): string;
  exited(): boolean;
  /** Waits (polling every 100 ms) until `check` holds; fails at once if the CLI exits first, or at the deadline. */
  until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T>;
}

function start(sim: Sim, args: string[], env: Record<string, string> = {}): Running {
  const child = execa(process.execPath, [path.join(REPO_ROOT, 'scripts', 'hpa-lab.js'), ...args], {
    env: { ...sim.env, ...env },
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    cwd: REPO_ROOT,
  });
  let out = '';
  let exited = false;
  child.all?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  void child.finally(() => {
    exited = true;
  });
  return {
    child,
    output: () => out,
    exited: () => exited,
    async until(what, check, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`hpa-lab ${args[0] ?? ''} exited before ${what}:\n${out}`);
        const v = await check();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000}s: ${what}; its output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/**
 * Sends ONE SIGINT and waits for the exit, at most `limitMs`: a CLI still running then is killed (SIGKILL) and the
 * test fails saying so (a second SIGINT would exit 130 at once and hide the bug).
 */
async function interruptOnce(run: Running, limitMs: number) {
  const sent = Date.now();
  expect(run.child.kill('SIGINT')).toBe(true);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), limitMs);
  });
  const first = await Promise.race([run.child, limit]);
  clearTimeout(timer);
  if (first === 'still running') {
    run.child.kill('SIGKILL');
    await run.child;
    throw new Error(`one SIGINT did not stop it within ${limitMs / 1000}s; its output:\n${run.output()}`);
  }
  const r = await run.child;
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), stopMs: Date.now() - sent };
}

describe.skipIf(!requirePrometheus())(`one Ctrl-C stops the demo, and its load ${PROMETHEUS_REASON}`, { timeout: 400_000 }, () => {
  let sim: Sim;
  let labArgs: string[];
  beforeAll(async () => {
    // The HPA controller every 2s (the real one: 15s): a scale-out during the load does not slow these tests down.
    sim = await newSim({ env: { HPA_LAB_SIM_HPA_SYNC_SECONDS: '2' } });
    labArgs = sim.labArgs();
    const up = await sim.run(['up', ...labArgs], { timeoutMs: 380_000 });
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
  }, 400_000);

  const api = () => clusterApi(sim.home, 'hpa-lab');
  const getJson = async <T>(p: string): Promise<T> => {
    const res = await api().fetch(p);
    if (res.status !== 200) throw new Error(`GET ${p}: HTTP ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  /** Each running app pod's myapp_processed_ops_total (one per GET /), read from the app itself. */
  const appCounters = async (): Promise<Map<string, number>> => {
    const pods = await getJson<{ items: Array<{ metadata: { name: string }; status?: { phase?: string } }> }>('/api/v1/namespaces/default/pods?labelSelector=app%3Dtest-prometheus');
    const counts = new Map<string, number>();
    for (const p of pods.items.filter((x) => x.status?.phase === 'Running')) {
      const res = await api().fetch(`/api/v1/namespaces/default/pods/${p.metadata.name}:8080/proxy/metrics`);
      if (res.status !== 200) continue; // a pod still starting (or going): no counter yet
      const m = /^myapp_processed_ops_total (\d+)/m.exec(await res.text());
      if (m) counts.set(p.metadata.name, Number(m[1]));
    }
    return counts;
  };
  const total = (c: Map<string, number>) => [...c.values()].reduce((a, b) => a + b, 0);
  /**
   * No request reaches the app any more: every pod's counter the same before and after a few seconds. The
   * window is the only fixed time in these tests, and only to see that nothing happens: at the demo's 30 req/s
   * a load still running would add about 90 requests in it (the load was seen to move the counters first).
   */
  const expectNoMoreRequests = async () => {
    const before = await appCounters();
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await appCounters();
    const moved = [...after].filter(([pod, n]) => n !== (before.get(pod) ?? 0)).map(([pod, n]) => `${pod}: ${before.get(pod) ?? 0} → ${n}`);
    expect(moved, 'requests reached the app after the demo stopped').toEqual([]);
  };
  /** The load reaches the app: the counters grow by at least `n` requests from `from`. */
  const loadSeen = (run: Running, from: number, n: number) => run.until(`${n} requests reach the app`, async () => total(await appCounters()) >= from + n, 120_000);
  const demoJobs = async () => (await getJson<{ items: Array<{ metadata: { name: string } }> }>('/apis/batch/v1/namespaces/default/jobs?labelSelector=app.kubernetes.io%2Fcomponent%3Ddemo-load')).items.map((j) => j.metadata.name);

  /** What an interrupted demo leaves: exit 130 and the message, its results and its report (marked interrupted). */
  const expectInterruptedDemo = (r: Awaited<ReturnType<typeof interruptOnce>>, report: string) => {
    expect(r.stderr).toMatch(/Stopping \(Ctrl-C again to quit at once\)…/);
    expect(r.stderr).toMatch(/✖ interrupted/);
    // after a demo the lab is intact: the advice is the demo again, not up or down (as after an interrupted up)
    expect(r.stderr).toMatch(/npm run (sim -- )?demo {3}\(runs it again/);
    expect(r.stderr).not.toMatch(/npm run (sim -- )?(up|down)\b/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(130);
    // well before the load's 5 minutes
    expect(r.stopMs).toBeLessThan(60_000);
    expect(r.stdout).toMatch(/\nSummary\n/);
    const results = /Results: (\S+\.json)/.exec(r.stdout);
    expect(results, r.stdout).not.toBeNull();
    expect(JSON.parse(readFileSync(path.resolve(REPO_ROOT, results?.[1] ?? ''), 'utf8'))).toMatchObject({ interrupted: true });
    expect(r.stdout).toContain(`Report:  ${report}`);
    expect(readFileSync(report, 'utf8')).toContain('Interrupted (Ctrl-C): the timeline ends early.');
  };

  it('demo --report FILE, its load running from this machine: one SIGINT stops it (exit 130), the report is written, no request reaches the app after', async () => {
    const report = path.join(sim.home, 'reports', 'host-load.html');
    const base = total(await appCounters());
    const run = start(sim, ['demo', ...labArgs, '--duration', '5m', '--interval', '2s', '--report', report]);
    await run.until('the demo says its load is on', () => /Demo: 30 req\/s .* for up to 300s/.test(run.output()), 120_000);
    await loadSeen(run, base, 30);
    const r = await interruptOnce(run, 60_000);
    console.log(`demo (load from this machine): stopped ${r.stopMs} ms after one SIGINT`);
    expectInterruptedDemo(r, report);
    await expectNoMoreRequests();
  });

  it('demo --in-cluster-load --report FILE: one SIGINT stops it (exit 130), deletes its Job (and so its pod), no request reaches the app after', async () => {
    expect(await demoJobs()).toEqual([]);
    const report = path.join(sim.home, 'reports', 'in-cluster-load.html');
    const run = start(sim, ['demo', ...labArgs, '--in-cluster-load', '--duration', '5m', '--interval', '2s', '--report', report]);
    const job = await run.until('the demo says its Job runs', () => /In-cluster load: Job default\/(demo-load-\w+) is running/.exec(run.output())?.[1], 180_000);
    expect(await demoJobs()).toEqual([job]);
    await loadSeen(run, total(await appCounters()), 30);
    const r = await interruptOnce(run, 60_000);
    console.log(`demo --in-cluster-load: stopped ${r.stopMs} ms after one SIGINT`);
    expectInterruptedDemo(r, report);
    expect(r.stderr).not.toMatch(/could not delete the in-cluster load's Job/);
    // deleted before the CLI exits, not by its TTL later
    expect(await demoJobs()).toEqual([]);
    await eventually(
      'the load pod gone with its Job',
      async () => (await getJson<{ items: unknown[] }>(`/api/v1/namespaces/default/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3D${job}`)).items.length === 0,
      60_000,
    );
    await expectNoMoreRequests();
  });
});

/**
 * The stand-in `docker pull` processes of one simulated machine (Linux: /proc, their command line and their
 * HPA_LAB_SIM_HOME), so that another test's machine running beside this one is never counted.
 */
function dockerPulls(home: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmd.some((a) => a.endsWith(path.join('test', 'sim', 'docker.ts'))) || !cmd.includes('pull')) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HPA_LAB_SIM_HOME=${home}`)) pids.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

describe('one Ctrl-C stops images save while it pulls', { timeout: 400_000 }, () => {
  it('images save FILE: one SIGINT during a docker pull stops the pull and the save (exit 130), writes no archive; the next save completes', async () => {
    const sim = await newSim();
    const archive = path.join(sim.home, 'room.tar');
    const args = ['images', 'save', archive, '--kind-config', sim.writeKindConfig(sim.ports())];
    const nodeImagePulls = () => readUpstreamLog(sim.home).filter((e) => e.by === 'docker' && /kindest\/node/.test(e.ref));
    // A whole save first, at the simulation's usual speed: the charts in their cache, the image cache's registries
    // running (they keep the speed they were started with), every image present. Then the kind node image is
    // removed from Docker, so that the next save has to pull it again.
    const first = await sim.run(args, { timeoutMs: 240_000 });
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    rmSync(archive);
    expect(nodeImagePulls()).toHaveLength(1);
    const nodeImage = /› .*docker pull (kindest\/node\S+)/.exec(first.stdout)?.[1] ?? '';
    const rm = await sim.exec('docker', ['image', 'rm', nodeImage]);
    expect(rm.exitCode, rm.stderr).toBe(0);

    // That pull on a slow link, in real time: the simulated upstream's kind node image (440 MB modelled) takes some
    // 700 s at 5 Mbit/s, so the SIGINT sent once the pull runs lands while it pulls, whatever the machine's load.
    // --timeout-factor 20: hpa-lab's own deadline for a docker pull (20 min) is then far longer than the pull, so
    // nothing but the SIGINT can end it.
    const run = start(sim, [...args, '--timeout-factor', '20'], { HPA_LAB_SIM_UPSTREAM_MBPS: '5', HPA_LAB_SIM_TIME_SCALE: '1' });
    const pulls = await run.until('images save runs docker pull', () => run.output().includes(`docker pull ${nodeImage}`) && dockerPulls(sim.home).length > 0 && dockerPulls(sim.home), 180_000);
    let left: number[] = [];
    const r = await interruptOnce(run, 60_000).finally(() => {
      left = dockerPulls(sim.home);
      // whatever happened, no pull outlives the test
      for (const pid of left) process.kill(pid, 'SIGKILL');
    });
    console.log(`images save: stopped ${r.stopMs} ms after one SIGINT`);
    expect(r.stderr).toMatch(/Stopping \(Ctrl-C again to quit at once\)…/);
    expect(r.stderr).toMatch(/✖ interrupted/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(130);
    expect(r.stopMs).toBeLessThan(30_000);
    // the pull it waited on was stopped, not left running, and never finished (no second download of the node
    // image); no archive, not even a partial one
    expect(left, `docker pull (pid ${pulls.join(', ')}) still ran after hpa-lab exited`).toEqual([]);
    expect(nodeImagePulls()).toHaveLength(1);
    expect(existsSync(archive)).toBe(false);
    expect(existsSync(`${archive}.partial`)).toBe(false);

    const again = await sim.run(args, { timeoutMs: 240_000 });
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(existsSync(archive)).toBe(true);
    // (a pull that finishes is in the upstream log)
    expect(nodeImagePulls()).toHaveLength(2);
  });
});

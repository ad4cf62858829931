// A "container" of the simulated node: one real child process, restarted with the kubelet's back-off when it
// exits, probed for readiness, its output forwarded line by line to the pod's log. Children share the
// simulated node's process group (so `kind delete cluster` stops them with it) and are killed when the node
// process exits; Node.js children also watch their parent (parent-watch.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { formatGoDuration } from '../lib/goduration.ts';
import type { ContainerState } from '../lib/runtime.ts';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; released before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** node --import for the parent watchdog, for Node.js children. */
export const PARENT_WATCH_IMPORT = path.join(import.meta.dirname, 'parent-watch.ts');

/** Initial crash back-off in seconds (kubelet: 10s, doubling to 5 minutes). */
function backoffBaseSeconds(): number {
  const v = Number(process.env.HPA_LAB_SIM_CRASH_BACKOFF_SECONDS ?? '10');
  return Number.isFinite(v) && v >= 0 ? v : 10;
}

export interface ContainerSpec {
  /** container name (for messages) */
  container: string;
  /** "ns/pod" (for messages) */
  podRef: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called before every (re)start; may change args/env (e.g. a new port). Rejecting counts as a crash. */
  prepare?: () => Promise<void>;
  /** Readiness probe; undefined = ready while running (no readinessProbe). */
  probe?: () => Promise<boolean>;
  probePeriodMs?: number;
  onLine: (line: string) => void;
  onState: (s: ContainerState) => void;
  /** Grace period between SIGTERM and SIGKILL on stop. */
  graceMs?: number;
  /**
   * The pod's restartPolicy (default Always). Never: an exit is final; OnFailure: exit code 0 is final. A final
   * exit is reported as `terminated` (the kubelet's computePodActions: no restart for such a container).
   */
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
}

export class Container {
  private readonly spec: ContainerSpec;
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartCount = 0;
  private crashes = 0;
  private ready = false;
  private running = false;
  private waiting: ContainerState['waiting'];
  private probeTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastReport = '';
  private startedAt = 0;
  private terminated: ContainerState['terminated'];

  constructor(spec: ContainerSpec) {
    this.spec = spec;
    installExitHook();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Replaces the arguments used by the next (re)start (from `prepare`). */
  setArgs(args: string[]): void {
    this.spec.args = args;
  }

  start(): void {
    this.report();
    void this.launch();
  }

  private report(): void {
    const s: ContainerState = { ready: this.ready, running: this.running, restartCount: this.restartCount };
    if (this.waiting) s.waiting = this.waiting;
    if (this.terminated) s.terminated = this.terminated;
    const key = JSON.stringify(s);
    if (key === this.lastReport || this.stopped) return;
    this.lastReport = key;
    this.spec.onState(s);
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.spec.prepare?.();
    } catch (err) {
      this.spec.onLine(`${err instanceof Error ? err.message : String(err)}`);
      this.crashed(128);
      return;
    }
    if (this.stopped) return;
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, { env: this.spec.env, cwd: this.spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.spec.onLine(`failed to start: ${(err as Error).message}`);
      this.crashed(128);
      return;
    }
    this.child = child;
    live.add(child);
    this.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (l) => this.spec.onLine(l));
    }
    child.once('error', (err) => {
      this.spec.onLine(`failed to start ${this.spec.command}: ${err.message}`);
    });
    child.once('spawn', () => {
      this.running = true;
      this.waiting = undefined;
      this.ready = false;
      this.report();
      this.scheduleProbe(100);
    });
    child.once('close', (code, signal) => {
      live.delete(child);
      if (this.child === child) this.child = undefined;
      this.running = false;
      this.ready = false;
      if (this.probeTimer) clearTimeout(this.probeTimer);
      if (this.stopped) return;
      const exitCode = code ?? 137;
      const policy = this.spec.restartPolicy ?? 'Always';
      if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
        // Final: no restart, no back-off; the kubelet keeps the terminated state.
        this.terminated = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: this.startedAt, finishedAt: Date.now() };
        this.report();
        return;
      }
      this.spec.onLine(`container ${this.spec.container} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      this.crashed(exitCode);
    });
  }

  /** The kubelet's restart back-off: the first restart is immediate, then 10s, 20s, ... up to 5m. */
  private crashed(_code: number): void {
    if (this.stopped) return;
    // A container that ran for 10 minutes resets the back-off, as the kubelet does.
    if (this.startedAt && Date.now() - this.startedAt > 600_000) this.crashes = 0;
    const base = backoffBaseSeconds();
    const delaySeconds = this.crashes === 0 ? 0 : Math.min(300, base * 2 ** (this.crashes - 1));
    this.crashes++;
    if (delaySeconds > 0) {
      this.waiting = {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatGoDuration(delaySeconds * 1000)} restarting failed container=${this.spec.container} pod=${this.spec.podRef}`,
      };
    }
    this.report();
    this.restartTimer = setTimeout(() => {
      this.restartCount++;
      void this.launch();
    }, delaySeconds * 1000);
  }

  private scheduleProbe(ms: number): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.runProbe(), ms);
  }

  private async runProbe(): Promise<void> {
    if (this.stopped || !this.running) return;
    const ok = this.spec.probe ? await this.spec.probe().catch(() => false) : true;
    if (this.stopped || !this.running) return;
    this.ready = ok;
    this.report();
    // Until the first success the simulation probes often (a fresh pod becomes Ready promptly); then at the
    // probe's period.
    this.scheduleProbe(ok ? (this.spec.probePeriodMs ?? 10_000) : 250);
  }

  /** SIGTERM, then SIGKILL after the grace period. Idempotent; never throws. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    try {
      child.kill('SIGTERM');
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, this.spec.graceMs ?? 3000);
    t.unref();
    child.once('close', () => clearTimeout(t));
  }
}

/** GET http://host:port/path -> status code (0 on connection errors), with a short timeout. */
export async function httpStatus(host: string, port: number, urlPath: string, timeoutMs = 1000): Promise<number> {
  try {
    const res = await fetch(`http://${host}:${port}${urlPath}`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

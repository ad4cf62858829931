// Process helpers for the simulated node processes (the API servers). They run detached in their own process
// group, so stopping one means signalling the whole group. Everything here is synchronous so it can also run
// from a process 'exit' handler (the test harness's safety net).
import { existsSync, readFileSync } from 'node:fs';

/** Sleeps without an event loop (for exit handlers and short waits in synchronous code). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = `/proc/${pid}/stat`;
  if (existsSync(stat)) {
    try {
      // Field 3 (after the parenthesised command name) is the state; Z = zombie, X = dead.
      const state = readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0];
      if (state === 'Z' || state === 'X') return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Guards against PID reuse: only signal a pid that still runs our API server for that cluster. Where /proc is
 * unavailable (macOS) the check cannot be made and the pid is trusted.
 */
export function isSimNodeProcess(pid: number, clusterName: string): boolean {
  const file = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return isAlive(pid);
  try {
    const argv = readFileSync(file, 'utf8').split('\0');
    const i = argv.indexOf('--name');
    return argv.some((a) => a.endsWith('apiserver.ts')) && i >= 0 && argv[i + 1] === clusterName;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM the process group, wait up to graceMs, then SIGKILL it. Returns once the leader is gone. */
export function killGroupSync(pid: number, graceMs = 3000): void {
  if (!isAlive(pid)) {
    signalGroup(pid, 'SIGKILL'); // children of a dead leader may linger in the group
    return;
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(20);
  signalGroup(pid, 'SIGKILL');
  const hardDeadline = Date.now() + 2000;
  while (isAlive(pid) && Date.now() < hardDeadline) sleepSync(20);
}

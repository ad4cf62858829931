// A load generator with no dependencies, shipped in the app's own image so that `demo --in-cluster-load` can run
// it as a Job inside the cluster (no other image to build, cache or pull). Open loop: requests are started on a
// fixed schedule (rate per second), whatever the answers take, over a keep-alive agent of N sockets; sockets are
// re-opened every few requests so that a Service's new endpoints get their share (kube-proxy picks a backend per
// connection). It prints one JSON line per progress period and a final summary line to stdout:
//   {"type":"progress","sent":..,"ok":..,"failed":..,"rate":..,"elapsedSeconds":..}
//   {"type":"summary","sent":..,"ok":..,"failed":..,"rate":..,"elapsedSeconds":..,"url":..}
// `rate` is the 2xx answers per second (over the last period for progress, over the whole run for the summary).
// Exit 0 when done (or stopped by SIGTERM/SIGINT, after the summary), 2 on bad flags.
import http from 'node:http';

export interface LoadFlags {
  url: URL;
  rate: number;
  connections: number;
  durationSeconds: number;
  progressSeconds: number;
  /** requests per connection before it is closed and a new one opened */
  requestsPerConnection: number;
}

export interface LoadCounts {
  sent: number;
  ok: number;
  failed: number;
}

export interface LoadLine extends LoadCounts {
  type: 'progress' | 'summary';
  rate: number;
  elapsedSeconds: number;
  url?: string;
}

const USAGE = 'usage: node load.ts --url http://HOST:PORT/PATH --rate N [--connections N] [--duration SECONDS] [--progress SECONDS]';

/** The flags, or an error message (naming the flag and what was expected). */
export function parseLoadFlags(argv: string[]): LoadFlags | { error: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) return { error: `unexpected argument ${JSON.stringify(a)}; ${USAGE}` };
    const [, name = '', inline] = m;
    if (!['url', 'rate', 'connections', 'duration', 'progress', 'requests-per-connection'].includes(name)) return { error: `unknown flag --${name}; ${USAGE}` };
    const v = inline ?? argv[++i];
    if (v === undefined) return { error: `--${name} needs a value; ${USAGE}` };
    values.set(name, v);
  }
  const rawUrl = values.get('url');
  if (!rawUrl) return { error: `--url is required; ${USAGE}` };
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { error: `--url ${JSON.stringify(rawUrl)}: expected an http:// URL` };
  }
  if (url.protocol !== 'http:') return { error: `--url ${JSON.stringify(rawUrl)}: expected an http:// URL` };
  const number = (name: string, fallback: number | undefined, whole: boolean, min: number): number | { error: string } => {
    const raw = values.get(name);
    if (raw === undefined) return fallback ?? { error: `--${name} is required; ${USAGE}` };
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) return { error: `--${name} ${JSON.stringify(raw)}: expected ${whole ? 'a whole number' : 'a number'} ≥ ${min}` };
    return n;
  };
  const rate = number('rate', undefined, false, 0.001);
  const connections = number('connections', 8, true, 1);
  const duration = number('duration', 60, false, 0.001);
  const progress = number('progress', 2, false, 0.1);
  const perConnection = number('requests-per-connection', 20, true, 1);
  for (const v of [rate, connections, duration, progress, perConnection]) if (typeof v !== 'number') return v;
  return { url, rate: rate as number, connections: connections as number, durationSeconds: duration as number, progressSeconds: progress as number, requestsPerConnection: perConnection as number };
}

export interface RunningLoad {
  counts(): LoadCounts;
  /** Stops starting requests; resolves with the summary once the requests in flight are answered or failed. */
  stop(): Promise<LoadLine>;
  /** Resolves with the summary when the duration is over (or stop() was called). */
  done: Promise<LoadLine>;
}

/** Runs the load; `emit` gets each progress line and the summary. */
export function runLoad(flags: LoadFlags, emit: (line: LoadLine) => void, now: () => number = () => performance.now()): RunningLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: flags.connections, maxFreeSockets: flags.connections });
  const counts: LoadCounts = { sent: 0, ok: 0, failed: 0 };
  const t0 = now();
  const intervalMs = 1000 / flags.rate;
  const uses = new WeakMap<object, number>();
  let inFlight = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastProgress = { at: t0, ok: 0 };
  let resolveDone: (l: LoadLine) => void = () => undefined;
  const done = new Promise<LoadLine>((r) => (resolveDone = r));
  const elapsed = () => (now() - t0) / 1000;

  const progress = setInterval(() => {
    const at = now();
    const dt = Math.max(0.001, (at - lastProgress.at) / 1000);
    emit({ type: 'progress', ...counts, rate: round((counts.ok - lastProgress.ok) / dt), elapsedSeconds: round(elapsed()) });
    lastProgress = { at, ok: counts.ok };
  }, flags.progressSeconds * 1000);

  const finishIfIdle = () => {
    if (!stopped || inFlight > 0) return;
    clearInterval(progress);
    agent.destroy();
    const seconds = Math.min(elapsed(), flags.durationSeconds);
    resolveDone({ type: 'summary', ...counts, rate: round(counts.ok / Math.max(0.001, seconds)), elapsedSeconds: round(seconds), url: flags.url.href });
  };

  const fire = () => {
    counts.sent++;
    inFlight++;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      inFlight--;
      if (ok) counts.ok++;
      else counts.failed++;
      finishIfIdle();
    };
    const req = http.get(flags.url, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => settle((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => settle(false));
    });
    req.on('socket', (socket) => {
      const n = (uses.get(socket) ?? 0) + 1;
      uses.set(socket, n);
      // Re-open the connection now and then: a new connection may go to another endpoint.
      if (n >= flags.requestsPerConnection) req.shouldKeepAlive = false;
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => settle(false));
  };

  // Fixed schedule: request k is due at t0 + k*interval; a late tick fires every request that is due.
  let due = 0;
  const tick = () => {
    if (stopped) return;
    const t = now() - t0;
    while (due * intervalMs <= t && due * intervalMs < flags.durationSeconds * 1000) {
      due++;
      fire();
    }
    if (t >= flags.durationSeconds * 1000) {
      void stop();
      return;
    }
    timer = setTimeout(tick, Math.max(1, Math.min(intervalMs, t0 + due * intervalMs - now())));
  };
  const stop = (): Promise<LoadLine> => {
    if (!stopped) {
      stopped = true;
      if (timer) clearTimeout(timer);
      finishIfIdle();
    }
    return done;
  };
  tick();
  return { counts: () => ({ ...counts }), stop, done };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

if (import.meta.main) {
  const flags = parseLoadFlags(process.argv.slice(2));
  if ('error' in flags) {
    process.stderr.write(`load: ${flags.error}\n`);
    process.exit(2);
  }
  const print = (l: LoadLine) => process.stdout.write(JSON.stringify(l) + '\n');
  const load = runLoad(flags, print);
  const quit = () => void load.stop();
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  const summary = await load.done;
  print(summary);
  process.exit(0);
}

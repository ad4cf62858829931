// app/load.ts, the load generator `demo --in-cluster-load` runs in a Job: its flags, its open-loop rate over
// keep-alive sockets that are re-opened now and then, and its JSON lines, against a local HTTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { parseLoadFlags, runLoad, type LoadFlags, type LoadLine } from '../app/load.ts';
import { eventually } from './helpers/eventually.ts';

const LOAD = path.resolve(import.meta.dirname, '..', 'app', 'load.ts');

describe('app/load.ts', () => {
  let base = '';
  let hits = 0;
  const sockets = new Set<unknown>();
  let failNext = 0;
  const server = http.createServer((req, res) => {
    hits++;
    sockets.add(req.socket);
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end('no');
      return;
    }
    res.writeHead(200).end('Hello, World!');
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses bad flags, naming the flag and what it expects', () => {
    const error = (argv: string[]) => (parseLoadFlags(argv) as { error?: string }).error;
    expect(error([])).toMatch(/^--url is required/);
    expect(error(['--url', 'ftp://x/', '--rate', '5'])).toBe('--url "ftp://x/": expected an http:// URL');
    expect(parseLoadFlags(['--url', base, '--rate', 'fast'])).toEqual({ error: '--rate "fast": expected a number ≥ 0.001' });
    expect(parseLoadFlags(['--url', base, '--rate', '5', '--connections', '1.5'])).toEqual({ error: '--connections "1.5": expected a whole number ≥ 1' });
    expect(error(['--url', base, '--rate', '5', '--bogus', '1'])).toMatch(/^unknown flag --bogus/);
    const ok = parseLoadFlags([`--url=${base}`, '--rate', '12.5', '--duration', '30']);
    expect(ok).toMatchObject({ rate: 12.5, connections: 8, durationSeconds: 30, requestsPerConnection: 20 });
  });

  it('holds the rate over its sockets, re-opens connections, and sums up what it sent and what was answered', async () => {
    hits = 0;
    sockets.clear();
    failNext = 3;
    const flags = parseLoadFlags(['--url', base, '--rate', '40', '--connections', '4', '--duration', '2', '--progress', '0.5', '--requests-per-connection', '10']) as LoadFlags;
    const lines: LoadLine[] = [];
    const load = runLoad(flags, (l) => lines.push(l));
    const summary = await load.done;
    // An open loop on a fixed schedule: 40/s for 2 s is 80 requests, all started, all answered.
    expect(summary).toMatchObject({ type: 'summary', sent: 80, ok: 77, failed: 3, url: base });
    expect(hits).toBe(80);
    expect(summary.rate).toBeGreaterThan(30);
    expect(summary.rate).toBeLessThanOrEqual(40);
    // 10 requests per connection: at least 8 connections for 80 requests, more than the 4 sockets at a time.
    expect(sockets.size).toBeGreaterThanOrEqual(8);
    expect(lines.filter((l) => l.type === 'progress').length).toBeGreaterThanOrEqual(1);
  });

  it('stops early on stop(), with a summary of what was done', async () => {
    const flags = parseLoadFlags(['--url', base, '--rate', '50', '--duration', '600']) as LoadFlags;
    const load = runLoad(flags, () => undefined);
    await eventually('some answers', () => Promise.resolve(load.counts().ok >= 10), 10_000, 20);
    const summary = await load.stop();
    expect(summary.type).toBe('summary');
    expect(summary.ok).toBeGreaterThanOrEqual(10);
    expect(summary.sent).toBe(summary.ok + summary.failed);
  });

  it('as a process: exits 2 on bad flags, and prints JSON lines ending with the summary, exit 0', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', LOAD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => resolve({ code, out, err }));
      });
    const bad = await run(['--url', base]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--rate is required');
    const good = await run(['--url', base, '--rate', '20', '--duration', '1', '--progress', '0.4']);
    expect(good.code).toBe(0);
    const lines = good.out.trim().split('\n').map((l) => JSON.parse(l) as LoadLine);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', sent: 20, ok: 20, failed: 0 });
    expect(lines.slice(0, -1).every((l) => l.type === 'progress')).toBe(true);
  });
});

// `demo --context` against a cluster whose API server does not answer (issue 18 item 21): said as status and
// down --context say it (the context, why, the fix), exit 1, no stack trace, before any load starts.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';

const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
const sims: Sim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.cleanup()));
});

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('demo --context, the API server gone', { timeout: 120_000 }, () => {
  it('names the context and why, with the fix, and sends no load', async () => {
    const sim = await createSim();
    sims.push(sim);
    const kubeconfig = path.join(sim.home, 'dead-kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster: {server: 'https://127.0.0.1:${await closedPort()}', insecure-skip-tls-verify: true}
users:
- name: me
  user: {token: not-a-secret}
contexts:
- name: gone
  context: {cluster: gone, user: me}
current-context: gone
`);
    const r = await sim.run(['demo', '--context', 'gone'], { env: { KUBECONFIG: kubeconfig } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✖ no demo: context gone: /);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    expect(r.stdout).not.toMatch(/sent \d/);
  });
});

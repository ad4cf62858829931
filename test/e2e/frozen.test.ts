// A frozen API server (accepts connections, never answers: the api-freeze fault, switched on for a running
// cluster with the marker file nodes/NAME/api-freeze): up, status and down each end with a clear error within
// their deadline, never a hang and never "unexpected".
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSim } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';

const STACK = ['--stack', 'cluster'];
let sim: Sim;
let cfg: string;

afterAll(async () => {
  await sim?.cleanup();
});

describe('a frozen API server', () => {
  it('up (existing cluster), status and down each stop with a clear error inside their deadline', async () => {
    sim = await createSim();
    cfg = sim.writeKindConfig(sim.ports());
    const first = await sim.run(['up', '--kind-config', cfg, ...STACK]);
    expect(first.exitCode, first.stderr).toBe(0);
    writeFileSync(path.join(sim.home, 'nodes', 'hpa-lab', 'api-freeze'), 'frozen by the test\n');

    // up: the API gate's deadline is 120 s × 0.25 = 30 s; each probe gives up after its request timeout.
    const up = await sim.run(['up', '--kind-config', cfg, ...STACK, '--timeout-factor', '0.25'], { timeoutMs: 110_000 });
    console.log(`frozen API: up ${up.durationMs} ms`);
    expect(up.exitCode).toBe(1);
    expect(up.stderr).toMatch(/no answer from the API server 127\.0\.0\.1:\d+ within \d+s/);
    expect(up.stderr + up.stdout).not.toMatch(/unexpected/i);
    expect(up.durationMs).toBeLessThan(30_000 + 45_000);

    const status = await sim.run(['status', '--kind-config', cfg, ...STACK], { timeoutMs: 60_000 });
    console.log(`frozen API: status ${status.durationMs} ms`);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/API server and nodes Ready: no answer from the API server/);
    expect(status.stderr + status.stdout).not.toMatch(/unexpected/i);
    expect(status.durationMs).toBeLessThan(30_000);

    const down = await sim.run(['down'], { timeoutMs: 60_000 });
    console.log(`frozen API: down ${down.durationMs} ms`);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(/cannot tell whether kind cluster "hpa-lab" is hpa-lab's: its API server does not answer \(no answer from the API server/);
    expect(down.stderr).toMatch(/npm run down -- --force/);
    expect(down.stderr + down.stdout).not.toMatch(/unexpected/i);
    expect(down.durationMs).toBeLessThan(30_000);
    const still = await sim.exec('kind', ['get', 'clusters']);
    expect(still.stdout).toContain('hpa-lab');
  }, 240_000);

  it('an unknown fault or a bad value is exit 2 naming the fault and what it expects', async () => {
    const s = await createSim({ faults: ['api-slow=abc'] });
    try {
      const r = await s.exec('kind', ['get', 'clusters']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/simulation fault "api-slow" in HPA_LAB_SIM_FAULTS needs a number of seconds \(api-slow=SECONDS, e\.g\. api-slow=10\), got "abc"/);
      const d = await s.exec('docker', ['version'], { env: { HPA_LAB_SIM_FAULTS: 'api-freeze=1' } });
      expect(d.exitCode).toBe(2);
      expect(d.stderr).toMatch(/"api-freeze" .* takes no value/);
      const u = await s.exec('docker', ['version'], { env: { HPA_LAB_SIM_FAULTS: 'api-freez' } });
      expect(u.exitCode).toBe(2);
      expect(u.stderr).toMatch(/unknown simulation fault "api-freez"/);
    } finally {
      await s.cleanup();
    }
  });
});

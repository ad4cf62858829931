// `down` removes what is hpa-lab's, also where it can do only part of it (issue 18 item 11): without kind it
// still removes what needs Docker alone, and says the cluster could not be; --purge also removes the images up
// pulled by digest (the kind node image and the cache's registry), which Docker's classic store lists as <none>.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { simPool, REPO_ROOT } from '../helpers/sim.ts';
import type { Sim } from '../helpers/sim.ts';

const NO_STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;
/** Every simulated machine this file makes, cleaned up after it. */
const newSim = simPool();
const inDocker = async (sim: Sim, ref: string) => (await sim.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', ref])).exitCode === 0;

describe('down removes what is hpa-lab’s', { timeout: 240_000 }, () => {
  it('without kind: the images hpa-lab built are still removed; the cluster is named as not removed, with the fix (exit 1)', async () => {
    const sim = await newSim({ missing: ['kind'] });
    const image = 'hpa-lab/sample-app:0123456789ab';
    expect((await sim.exec('docker', ['build', '--tag', image, '--label', 'app.kubernetes.io/managed-by=hpa-lab', path.join(REPO_ROOT, 'app')])).exitCode).toBe(0);
    const r = await sim.run(['down', '--kind-config', sim.writeKindConfig(sim.ports())]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cluster hpa-lab not removed: kind is not installed, so hpa-lab can neither list nor delete kind clusters \(removed what needs Docker alone: hpa-lab\/sample-app:0123456789ab\)/);
    expect(r.stderr).toMatch(/docker rm -f hpa-lab-control-plane/);
    expect(r.stderr).not.toMatch(NO_STACK_TRACE);
    expect(await inDocker(sim, image)).toBe(false);
  });

  it('--purge: the node image and the cache’s registry pulled by digest are removed too; plain down keeps them', async () => {
    const sim = await newSim();
    const cfg = sim.writeKindConfig(sim.ports());
    const node = (parse(readFileSync(cfg, 'utf8')) as { nodes: Array<{ image: string }> }).nodes[0]?.image ?? '';
    const registry = (parse(readFileSync(path.join(REPO_ROOT, 'kind', 'image-cache.yaml'), 'utf8')) as { image: string }).image;
    expect((await sim.run(['up', '--kind-config', cfg, '--stack', 'cluster'])).exitCode).toBe(0);
    expect(await inDocker(sim, node)).toBe(true);
    expect(await inDocker(sim, registry)).toBe(true);
    const down = await sim.run(['down', '--kind-config', cfg]);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await inDocker(sim, node)).toBe(true);
    const purge = await sim.run(['down', '--kind-config', cfg, '--purge']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(purge.stdout).toMatch(/2 pulled images \(registry:3\.0\.0, kindest\/node:v1\.36\.1\)/);
    expect(await inDocker(sim, node)).toBe(false);
    expect(await inDocker(sim, registry)).toBe(false);
  });
});

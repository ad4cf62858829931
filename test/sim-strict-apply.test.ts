// Server-side apply refuses a field the kind's schema does not declare, as the real API server does (unless
// the client asks fieldValidation=Ignore: kubectl --validate=false); hpa-lab applies with fieldValidation=Strict.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim, KUBECTL_REASON, requireKubectl, type Sim } from './helpers/sim.ts';

describe.skipIf(!requireKubectl())(`server-side apply and undeclared fields${KUBECTL_REASON}`, () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await createSim();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', 'strict', '--config', sim.writeKindConfig(sim.ports())]);
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(() => sim.cleanup());

  const manifest = (extra: string) => {
    const f = path.join(sim.home, 'd.yaml');
    writeFileSync(f, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n${extra}  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: app\n          image: registry.k8s.io/pause:3.10\n`);
    return f;
  };

  it('a misspelled field is refused with the API server’s words, naming the field', async () => {
    const r = await sim.exec('kubectl', ['apply', '--server-side', '-f', manifest('  replicaz: 2\n')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Error from server: failed to create typed patch object \(default\/web; apps\/v1, Kind=Deployment\): \.spec\.replicaz: field not declared in schema/m);
  });

  it('a declared field is applied; with fieldValidation=Ignore (kubectl --validate=false) the same undeclared field is not refused', async () => {
    expect((await sim.exec('kubectl', ['apply', '--server-side', '-f', manifest('  replicas: 2\n')])).exitCode).toBe(0);
    const ignored = await sim.exec('kubectl', ['apply', '--server-side', '--validate=false', '-f', manifest('  replicaz: 2\n')]);
    expect(ignored.exitCode, ignored.stderr).toBe(0);
  });
});

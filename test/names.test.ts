// Names and ports real tools refuse are bad input (exit 2) before any work (issue 18, item 20): --name makes
// the nodes' hostnames, and the image cache publishes on 127.0.0.1 beside the kind config's ports.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../scripts/cli.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';

async function cli(...argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, err: err.join('\n'), out: out.join('\n') };
}

describe('--name: every node hostname (NAME-control-plane, NAME-worker2) a DNS-1123 label of at most 63 characters', () => {
  it.each([
    ['a.b', 'a "." makes a hostname that is not a DNS-1123 label'],
    ['x'.repeat(50), 'x…-control-plane would be 64 characters'],
    ['lab-', 'a trailing "-"'],
    ['Lab', 'upper case'],
  ])('--name %s: exit 2 (%s)', async (name) => {
    const r = await cli('plan', '--name', name);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`--name: expected a cluster name whose node hostnames (${name}-control-plane, ${name}-worker2) are DNS-1123 labels`);
    expect(r.err).toContain(`got "${name}"`);
  });

  it('49 characters is the longest: its control plane is a 63-character hostname, and the name passes', async () => {
    // the next check (the kind config, here missing) is what refuses it: the name itself passed
    const r = await cli('plan', '--name', 'x'.repeat(49), '--kind-config', '/nonexistent/kind.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/kind.yaml: cannot read the kind config (ENOENT)');
  });
});

describe('the image cache and the kind config on the same 127.0.0.1 port', () => {
  it('exit 2 naming both files and the port, before anything starts', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-names-'));
    const cache = path.join(dir, 'image-cache.yaml');
    writeFileSync(cache, readFileSync(path.join(REPO_ROOT, 'kind/image-cache.yaml'), 'utf8').replace('hostPort: 5102', 'hostPort: 30090'));
    const r = await cli('plan', '--image-cache', cache);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/image-cache\.yaml: mirrors\[1\]\.hostPort: 30090 is also a host port of kind\/cluster\.yaml \(extraPortMappings\): both listen on 127\.0\.0\.1:30090/);
    expect(r.out).toBe('');
  });
});

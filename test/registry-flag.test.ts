// --registry: the flag's grammar (context.ts checkRegistry), the probe of /v2/ before any change
// (registry-reach.ts), and what a failed `docker push` says (actions/image.ts pushImage).
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkRegistry } from '../scripts/lib/context/resolve.ts';
import { checkRegistryAnswers } from '../scripts/lib/images/registry-reach.ts';
import { pushImage } from '../scripts/lib/stack/actions/image.ts';
import { InputError, LabError } from '../scripts/lib/errors.ts';
import type { Runner } from '../scripts/lib/exec.ts';

const caught = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

describe('checkRegistry', () => {
  it('takes host[:port][/path] as Docker reads a registry, without a trailing slash', () => {
    for (const ok of ['localhost:5001', 'kind-registry:5000', 'ghcr.io/team', 'registry.example.com:443/a/b-c', '127.0.0.1:5000', '[::1]:5000', 'localhost']) expect(checkRegistry(ok, 'ctx')).toBe(ok);
    expect(checkRegistry('ghcr.io/team/', 'ctx')).toBe('ghcr.io/team');
  });
  it('refuses anything else as bad input naming --registry, and --registry without --context', () => {
    const cases: Array<[string, RegExp]> = [
      ['https://ghcr.io/team', /without a scheme/],
      ['team', /Docker Hub namespace/],
      ['bad_host:5000', /is not a host\[:port\]/],
      ['localhost:99999', /the port of "localhost:99999" must be from 1 to 65535, got 99999/],
      // port 0 is no registry's port: bad input, not a connection failure after the build
      ['host.example:0', /the port of "host\.example:0" must be from 1 to 65535, got 0/],
      ['localhost:00/team', /must be from 1 to 65535, got 00/],
      ['ghcr.io/Team', /the path part "Team"/],
      ['ghcr.io/team/app:v1', /has a tag or digest/],
      ['', /is not a host\[:port\]/],
    ];
    for (const [value, why] of cases) {
      const e = caught(() => checkRegistry(value, 'ctx'));
      expect(e, value).toBeInstanceOf(InputError);
      expect(e.message, value).toMatch(/^--registry/);
      expect(e.message, value).toMatch(why);
    }
    const e = caught(() => checkRegistry('localhost:5001', undefined));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/only with --context/);
  });
});

describe('checkRegistryAnswers', () => {
  it('passes when /v2/ answers (a 401 too), and is exit 1 naming the URL when nothing listens', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="x"' });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await checkRegistryAnswers(`localhost:${port}`, 5000)).toBe(`http://localhost:${port}/v2/`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const err = await checkRegistryAnswers(`127.0.0.1:${port}/team`, 5000).catch((e: unknown) => e as LabError);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toContain(`--registry 127.0.0.1:${port}/team: nothing answers at http://127.0.0.1:${port}/v2/ (ECONNREFUSED`);
    expect((err as LabError).why).toMatch(/nothing was changed/);
  });
});

describe('pushImage', () => {
  const runner = (stderr: string, exitCode = 1): Runner => ({ run: () => Promise.resolve({ exitCode, stdout: exitCode ? 'The push refers to repository [x]\n' : 'v1: digest: sha256:' + 'a'.repeat(64) + ' size: 528\n', stderr }) });
  it('returns the digest docker printed', async () => {
    expect(await pushImage(runner('', 0), 'localhost:5001/app:v1', 'localhost:5001')).toBe(`sha256:${'a'.repeat(64)}`);
  });
  it("words the daemon's failures with a why and a fix", async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ['Get "http://localhost:5001/v2/": dial tcp [::1]:5001: connect: connection refused', /nothing answers at localhost:5001/, /start the registry/],
      ['Get "https://kind-registry:5000/v2/": dial tcp: lookup kind-registry: no such host', /kind-registry does not resolve here/, /localhost:PORT/],
      ['denied: requested access to the resource is denied', /refused the push/, /docker login ghcr.io/],
      ['Get "https://reg.lan:5000/v2/": http: server gave HTTP response to HTTPS client', /plain HTTP/, /insecure-registries/],
    ];
    for (const [stderr, why, fix] of cases) {
      const registry = /ghcr/.test(fix.source) ? 'ghcr.io/team' : /kind-registry/.test(stderr) ? 'kind-registry:5000' : /reg\.lan/.test(stderr) ? 'reg.lan:5000' : 'localhost:5001';
      const e = (await pushImage(runner(stderr), `${registry}/app:v1`, registry).catch((x: unknown) => x)) as LabError;
      expect(e).toBeInstanceOf(LabError);
      expect(e.message).toBe(`docker push ${registry}/app:v1 failed (exit 1): ${stderr}`);
      expect(e.why).toMatch(why);
      expect(e.fix).toMatch(fix);
    }
  });
});

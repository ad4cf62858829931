import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../app/server.ts';

describe('sample app', () => {
  const app = createApp();
  let base = '';
  beforeAll(async () => {
    const port = await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => app.close());

  const counter = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^myapp_processed_ops_total (\d+)$/m.exec(text);
    return m ? Number(m[1]) : NaN;
  };

  it('answers GET / with Hello, World! and counts it in myapp_processed_ops_total', async () => {
    const before = await counter();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Hello, World!');
    }
    expect(await counter()).toBe(before + 3);
  });

  it('serves the exposition with the article’s help text, and health endpoints', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# HELP myapp_processed_ops_total The total number of processed events');
    expect(text).toContain('# TYPE myapp_processed_ops_total counter');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    // /metrics and the health checks are not operations: they do not move the counter.
    const c = await counter();
    await fetch(`${base}/healthz`);
    expect(await counter()).toBe(c);
  });
});

describe("the sample app's image", () => {
  const dockerfile = readFileSync(path.join(import.meta.dirname, '..', 'app', 'Dockerfile'), 'utf8');
  it('pins its base image by digest (a tag can be re-pushed)', () => {
    expect(dockerfile).toMatch(/^FROM node:24-alpine@sha256:[0-9a-f]{64}$/m);
  });
  it('carries curl, which step 9 of the walkthrough runs inside the pod, and runs as the node user', () => {
    expect(dockerfile).toMatch(/^RUN apk add --no-cache curl$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

// Load generation with autocannon (a maintained load library, not a hand-written loop): a steady request
// rate against the app's NodePort. Connections are re-opened every few requests so that pods the HPA
// adds receive traffic too (kube-proxy balances per connection, not per request).
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  /** Requests per second, over all connections. */
  rate: number;
  connections: number;
  /** Seconds; the load stops by itself after this. */
  durationSeconds: number;
}

export interface Load {
  /** Responses so far: 2xx and everything else (errors, non-2xx). */
  counts(): { ok: number; failed: number };
  stop(): void;
  done: Promise<void>;
}

export function startLoad(opts: LoadOptions): Load {
  let ok = 0;
  let failed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const instance = autocannon(
    {
    url: opts.url,
    connections: opts.connections,
    overallRate: opts.rate,
    duration: opts.durationSeconds,
    reconnectRate: 20,
    timeout: 5,
    },
    () => finish(),
  );
  instance.on('response', (_client, status) => {
    if (status >= 200 && status < 300) ok += 1;
    else failed += 1;
  });
  instance.on('reqError', () => {
    failed += 1;
  });
  // autocannon prints nothing when used as a library; keep it that way.
  return {
    counts: () => ({ ok, failed }),
    stop: () => instance.stop(),
    done,
  };
}

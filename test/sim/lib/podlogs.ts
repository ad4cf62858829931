// The containers' logs of the simulated cluster, as the kubelet keeps them: one buffer per container of each
// pod (plus the previous instance after a restart), served at GET /api/v1/namespaces/NS/pods/NAME/log.
// Writers: the kubelet (start lines of default pods), chart behaviours (e.g. metrics-server's x509 errors) and
// container runtimes (RuntimeHost.log, for the real processes of the data path).
import { EventEmitter } from 'node:events';

export interface LogLine {
  /** ms since the epoch */
  at: number;
  text: string;
}

const MAX_LINES = 5000;

function key(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}

class PodLogStore {
  private readonly current = new Map<string, LogLine[]>();
  private readonly previous = new Map<string, LogLine[]>();
  private readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  append(namespace: string, pod: string, container: string, text: string, at = Date.now()): void {
    const k = key(namespace, pod, container);
    let buf = this.current.get(k);
    if (!buf) this.current.set(k, (buf = []));
    for (const line of text.replace(/\n$/, '').split('\n')) {
      const l = { at, text: line };
      buf.push(l);
      this.events.emit(k, l);
    }
    if (buf.length > MAX_LINES) buf.splice(0, buf.length - MAX_LINES);
  }

  /** A container restarted: its log becomes the "previous" one (kubectl logs --previous). */
  rotate(namespace: string, pod: string, container: string): void {
    const k = key(namespace, pod, container);
    this.previous.set(k, this.current.get(k) ?? []);
    this.current.set(k, []);
  }

  lines(namespace: string, pod: string, container: string, previous = false): LogLine[] | undefined {
    return (previous ? this.previous : this.current).get(key(namespace, pod, container));
  }

  /** New lines of one container as they are written (kubectl logs -f); returns the unsubscribe function. */
  follow(namespace: string, pod: string, container: string, fn: (l: LogLine) => void): () => void {
    const k = key(namespace, pod, container);
    this.events.on(k, fn);
    return () => this.events.off(k, fn);
  }

  /** The pod is gone: its logs go with it. */
  forget(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const m of [this.current, this.previous]) for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  }
}

export const podLogs = new PodLogStore();

/** klog's header: "I1127 22:31:00.123456       1 file.go:42] " (severity, date, time, pid 1, source). */
export function klog(severity: 'I' | 'W' | 'E', source: string, message: string, at = Date.now()): string {
  const d = new Date(at);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${severity}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000       1 ${source}] ${message}`;
}

/** logfmt line as Go kit / slog write them (Prometheus, the operator): ts=... level=info caller=... msg="...". */
export function logfmt(level: 'info' | 'warn' | 'error' | 'debug', caller: string, msg: string, extra: Record<string, string> = {}, at = Date.now()): string {
  const q = (v: string) => (/[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v);
  const fields = Object.entries(extra).map(([k, v]) => ` ${k}=${q(v)}`).join('');
  return `time=${new Date(at).toISOString()} level=${level.toUpperCase()} source=${caller} msg=${q(msg)}${fields}`;
}

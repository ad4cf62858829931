// The sample app's pods run the REAL app (app/server.ts) as a Node.js process: one process per pod, on a free
// loopback port, published in the Backends table as podIP:containerPort.
import path from 'node:path';
import { backends, type ContainerRuntime, type RuntimeHost } from '../lib/runtime.ts';
import type { KubeObject } from '../lib/store.ts';
import { arr, num, obj, podIP, str } from './kube.ts';
import { Container, freePort, httpStatus, PARENT_WATCH_IMPORT } from './procs.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const SAMPLE_APP_REPOSITORY = 'hpa-lab/sample-app';

/**
 * The repository path of an image reference: the registry host (docker.io, or any host[:port] such as the
 * registry `up --context --registry` pushes to), library/ and the tag/digest removed. The sample app is the image
 * hpa-lab builds from app/, whichever registry holds it: `localhost:5001/hpa-lab/sample-app:…` runs the app.
 */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0] ?? '';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const first = ref.split('/')[0] ?? '';
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) ref = ref.slice(first.length + 1);
  return ref.replace(/^library\//, '');
}

/** The container runs the image's own command (the app: no `command`, or one naming server.ts), not another program of the image (load.ts). */
function runsApp(c: Record<string, unknown>): boolean {
  if (arr(c.command).length === 0) return true;
  return [...arr(c.command), ...arr(c.args)].map((x) => str(x)).some((x) => x.endsWith('server.ts'));
}

function appContainer(pod: KubeObject): Record<string, unknown> | undefined {
  return arr(obj(pod.spec).containers)
    .map(obj)
    .find((c) => imageRepository(str(c.image)) === SAMPLE_APP_REPOSITORY && runsApp(c));
}

interface Running {
  container: Container;
}

export function sampleAppRuntime(): ContainerRuntime {
  const running = new Map<string, Running>();
  return {
    name: 'sample-app',
    claims: (pod) => appContainer(pod) !== undefined,
    start(pod: KubeObject, host: RuntimeHost) {
      const ns = pod.metadata.namespace ?? 'default';
      const name = pod.metadata.name;
      const key = `${ns}/${name}`;
      if (running.has(key)) return;
      const c = appContainer(pod) ?? {};
      const containerPort = num(obj(arr(c.ports)[0]).containerPort, 8080);
      const probe = obj(obj(c.readinessProbe).httpGet);
      const probePath = str(probe.path, '/readyz');
      const periodMs = num(obj(c.readinessProbe).periodSeconds, 10) * 1000;
      const ip = podIP(pod) ?? '';
      let port = 0;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', HOST: '127.0.0.1', POD_NAME: name };
      for (const e of arr(c.env).map(obj)) if (typeof e.value === 'string') env[str(e.name)] = e.value;
      env.POD_NAME = name;
      env.HOST = '127.0.0.1';
      const container = new Container({
        container: str(c.name, 'app'),
        podRef: `${name}_${ns}(${pod.metadata.uid ?? ''})`,
        command: process.execPath,
        args: [],
        env,
        cwd: REPO_ROOT,
        prepare: async () => {
          port = await freePort();
          env.PORT = String(port);
          container.setArgs(['--disable-warning=ExperimentalWarning', '--import', PARENT_WATCH_IMPORT, path.join(REPO_ROOT, 'app', 'server.ts')]);
          backends.set({ namespace: ns, pod: name, podIP: ip, containerPort, host: '127.0.0.1', port });
        },
        probe: () => httpStatus('127.0.0.1', port, probePath).then((s) => s >= 200 && s < 400),
        probePeriodMs: periodMs,
        onLine: (line) => host.log(ns, name, line),
        onState: (s) => host.report(ns, name, s),
      });
      running.set(key, { container });
      container.start();
    },
    stop(namespace: string, pod: string) {
      const key = `${namespace}/${pod}`;
      const r = running.get(key);
      running.delete(key);
      backends.deletePod(namespace, pod);
      r?.container.stop();
    },
  };
}

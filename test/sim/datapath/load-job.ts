// The in-cluster load's pod (`demo --in-cluster-load`: a Job whose container runs load.ts from the sample app's
// image) runs the REAL app/load.ts as a process. Its --url names a Service by its in-cluster DNS name; the pod
// reaches it the way a pod does, through kube-proxy: a per-pod loopback TCP listener stands for the Service's
// ClusterIP:port and hands each new connection to one ready endpoint (ClusterNetwork.connectService), so the
// load spreads over the app's pods per connection, as real traffic does. The process exits when the load is
// done; the kubelet then reports the container terminated and, for restartPolicy Never, the pod Succeeded or
// Failed (its exit code).
import net from 'node:net';
import path from 'node:path';
import type { ContainerRuntime, RuntimeHost } from '../lib/runtime.ts';
import type { KubeObject } from '../lib/store.ts';
import { arr, obj, str } from './kube.ts';
import type { ClusterNetwork } from './network.ts';
import { Container, PARENT_WATCH_IMPORT } from './procs.ts';
import { imageRepository, SAMPLE_APP_REPOSITORY } from './sample-app.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** The container that runs load.ts of the sample app's image. */
function loadContainer(pod: KubeObject): Record<string, unknown> | undefined {
  return arr(obj(pod.spec).containers)
    .map(obj)
    .find((c) => imageRepository(str(c.image)) === SAMPLE_APP_REPOSITORY && arr(c.command).map((x) => str(x)).some((x) => x === 'load.ts' || x.endsWith('/load.ts')));
}

export function loadJobRuntime(network: ClusterNetwork): ContainerRuntime {
  const running = new Map<string, { container: Container; proxy?: net.Server }>();
  return {
    name: 'load-job',
    claims: (pod) => loadContainer(pod) !== undefined,
    start(pod: KubeObject, host: RuntimeHost) {
      const ns = pod.metadata.namespace ?? 'default';
      const name = pod.metadata.name;
      const key = `${ns}/${name}`;
      if (running.has(key)) return;
      const c = loadContainer(pod) ?? {};
      const command = arr(c.command).map((x) => str(x));
      // the image's WORKDIR is /app, where load.ts is: the command's other arguments come first
      const script = command.findIndex((x) => x === 'load.ts' || x.endsWith('/load.ts'));
      const args = [...command.slice(script + 1), ...arr(c.args).map((x) => str(x))];
      const policy = str(obj(pod.spec).restartPolicy, 'Always') as 'Always' | 'OnFailure' | 'Never';
      const entry: { container: Container; proxy?: net.Server } = {
        container: new Container({
          container: str(c.name, 'load'),
          podRef: `${name}_${ns}(${pod.metadata.uid ?? ''})`,
          command: process.execPath,
          args: [],
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
          cwd: REPO_ROOT,
          restartPolicy: policy,
          prepare: async () => {
            const rewritten = await serviceUrlArgs(args, ns, network, entry);
            entry.container.setArgs(['--disable-warning=ExperimentalWarning', '--import', PARENT_WATCH_IMPORT, path.join(REPO_ROOT, 'app', 'load.ts'), ...rewritten]);
          },
          onLine: (line) => host.log(ns, name, line),
          onState: (s) => host.report(ns, name, s),
          graceMs: 10_000,
        }),
      };
      running.set(key, entry);
      entry.container.start();
    },
    stop(namespace: string, pod: string) {
      const key = `${namespace}/${pod}`;
      const r = running.get(key);
      running.delete(key);
      r?.container.stop();
      r?.proxy?.close();
    },
  };
}

/**
 * The args with --url pointing at a loopback listener that stands for the Service (one per pod, kept for its
 * restarts). A URL whose host is no Service is left as it is: the process then fails to resolve it, as a pod would.
 */
async function serviceUrlArgs(args: string[], ns: string, network: ClusterNetwork, entry: { proxy?: net.Server }): Promise<string[]> {
  const i = args.findIndex((a) => a === '--url' || a.startsWith('--url='));
  if (i < 0) return args;
  const inline = args[i]?.startsWith('--url=');
  const raw = inline ? (args[i] ?? '').slice('--url='.length) : (args[i + 1] ?? '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return args;
  }
  if (!network.lookupServiceHost(url.hostname, ns)) return args;
  const servicePort = Number(url.port || 80);
  const serviceHost = url.hostname;
  if (!entry.proxy) {
    const proxy = net.createServer((socket) => network.connectService(serviceHost, servicePort, ns, socket));
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(0, '127.0.0.1', () => resolve());
    });
    entry.proxy = proxy;
  }
  const port = (entry.proxy.address() as net.AddressInfo).port;
  const local = `http://127.0.0.1:${port}${url.pathname}${url.search}`;
  const out = [...args];
  if (inline) out[i] = `--url=${local}`;
  else out[i + 1] = local;
  return out;
}

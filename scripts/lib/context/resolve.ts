// `--context NAME`: an existing cluster as the target. The user's kubeconfig ($KUBECONFIG, else ~/.kube/config,
// read as kubectl reads it: client-node's loadFromDefault merges every $KUBECONFIG file) is read once; from it
// hpa-lab keeps exactly one context, its cluster and its user, with every file they name (CA, client
// certificate, key) inlined, and writes that to its own private kubeconfig (kube/private-kubeconfig.ts). Every
// later call (the API client, helm --kubeconfig/--kube-context) uses that copy, so nothing another context
// or a later `kubectl config use-context` says can redirect it.
import { labCommand } from '../lab-command.ts';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.ts';
import { stateRoot } from '../lab.ts';

export type { ContextTarget } from '../lab.ts';
import type { ContextTarget } from '../lab.ts';

/** Where kubectl reads the kubeconfig: every $KUBECONFIG entry, else ~/.kube/config (for messages). */
export function userKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  return list.length ? list : [path.join(env.HOME || os.homedir(), '.kube', 'config')];
}

const inline = (file: string | undefined, what: string, context: string): string | undefined => {
  if (!file) return undefined;
  try {
    return readFileSync(file).toString('base64');
  } catch (err) {
    throw new InputError(`--context ${context}: cannot read the ${what} file ${file} the context's kubeconfig entry names (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      fix: `kubectl config view --minify --context ${context} shows the entry`,
    });
  }
};

/**
 * The context NAME from the user's kubeconfig, as a private one-context kubeconfig. An unknown name (or no
 * kubeconfig at all) is bad input: exit 2, naming the files read and the contexts that exist.
 */
export async function resolveContext(name: string, env: NodeJS.ProcessEnv = process.env): Promise<ContextTarget> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const files = userKubeconfigFiles(env).join(path.delimiter);
  // Without any file client-node falls back to an in-cluster or localhost:8080 config: not the user's contexts.
  if (!userKubeconfigFiles(env).some((f) => existsSync(f))) {
    throw new InputError(`--context ${name}: there is no kubeconfig to find it in (${files} does not exist)`, { fix: 'set KUBECONFIG to the file that holds the context, or write ~/.kube/config (your cluster’s CLI does: aws eks update-kubeconfig, gcloud container clusters get-credentials, k3d kubeconfig merge…)' });
  }
  // As kubectl reads $KUBECONFIG (client-go's clientcmd loader, loader.go: a listed file that does not exist is
  // skipped; the first file to name a cluster, user or context wins), merging the files that exist.
  const existing = userKubeconfigFiles(env).filter((f) => existsSync(f));
  try {
    for (const [i, f] of existing.entries()) {
      if (i === 0) {
        kc.loadFromFile(f);
        continue;
      }
      const more = new KubeConfig();
      more.loadFromFile(f);
      // First wins (client-node's mergeConfig would throw on a name both files have).
      for (const c of more.clusters) if (!kc.getCluster(c.name)) kc.addCluster(c);
      for (const u of more.users) if (!kc.getUser(u.name)) kc.addUser(u);
      for (const c of more.contexts) if (!kc.getContextObject(c.name)) kc.addContext(c);
    }
  } catch (err) {
    throw new InputError(`--context ${name}: cannot read the kubeconfig ${files}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  const ctx = kc.getContextObject(name);
  const known = kc.getContexts().map((c) => c.name);
  if (!ctx) {
    throw new InputError(`--context ${name}: no such context in ${files}`, {
      details: [known.length ? `contexts there: ${known.join(', ')}` : 'it has no contexts at all'],
      fix: 'kubectl config get-contexts lists them; pass one of those names',
    });
  }
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster?.server) throw new InputError(`--context ${name}: its cluster "${ctx.cluster}" is not in ${files} (or has no server)`, { fix: `kubectl config view --minify --context ${name}` });
  let serverUrl: URL | undefined;
  try {
    serverUrl = new URL(cluster.server);
  } catch {
    serverUrl = undefined;
  }
  if (!serverUrl || !['https:', 'http:'].includes(serverUrl.protocol) || !serverUrl.hostname) {
    throw new InputError(`--context ${name}: its cluster "${ctx.cluster}" has server ${JSON.stringify(cluster.server)}, which is not a URL: expected https://HOST:PORT`, { fix: `kubectl config set-cluster ${ctx.cluster} --server https://HOST:PORT (kubectl config view --minify --context ${name} shows it)` });
  }
  const user = kc.getUser(ctx.user);
  const clusterEntry: Record<string, unknown> = { server: cluster.server };
  const ca = cluster.caData ?? inline(cluster.caFile, 'certificate-authority', name);
  if (ca) clusterEntry['certificate-authority-data'] = ca;
  if (cluster.skipTLSVerify) clusterEntry['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName) clusterEntry['tls-server-name'] = cluster.tlsServerName;
  if (cluster.proxyUrl) clusterEntry['proxy-url'] = cluster.proxyUrl;
  const userEntry: Record<string, unknown> = {};
  if (user) {
    const cert = user.certData ?? inline(user.certFile, 'client-certificate', name);
    const key = user.keyData ?? inline(user.keyFile, 'client-key', name);
    if (cert) userEntry['client-certificate-data'] = cert;
    if (key) userEntry['client-key-data'] = key;
    if (user.token) userEntry.token = user.token;
    if (user.username) userEntry.username = user.username;
    if (user.password) userEntry.password = user.password;
    // exec plugins (aws, gke-gcloud-auth-plugin, kubelogin) and auth providers stay as they are: they run on this machine.
    if (user.exec) userEntry.exec = user.exec;
    if (user.authProvider) userEntry['auth-provider'] = user.authProvider;
  }
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: ctx.cluster, cluster: clusterEntry }],
    users: [{ name: ctx.user, user: userEntry }],
    contexts: [{ name, context: { cluster: ctx.cluster, user: ctx.user, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) } }],
    'current-context': name,
  };
  return { context: name, server: cluster.server, kubeconfig: stringify(doc) };
}

/**
 * A lab on an existing cluster keeps its local state (its generated secrets, results) apart from the kind lab
 * of the same --name: `.hpa-lab/<name>@<context>/` (the context's characters outside [A-Za-z0-9._-] as '_').
 */
export function contextLabIdentity(name: string, context: string) {
  return { name, context, stateDir: path.join(stateRoot(), `${name}@${context.replace(/[^A-Za-z0-9._-]/g, '_')}`) };
}

/** Flags that act on the lab's own kind cluster mean nothing with --context: exit 2 rather than ignore them. */
export function checkContextFlags(command: string, values: Record<string, unknown>): void {
  if (values.context === undefined) return;
  const kindOnly = ['retain', 'recreate', 'force', 'keep-images', 'purge', 'no-cache', 'offline'].filter((f) => values[f] === true);
  // --workers, --hpa-sync-period and --node-image shape the kind cluster hpa-lab makes; an existing cluster has its own shape.
  for (const f of ['workers', 'hpa-sync-period', 'node-image']) if (values[f] !== undefined) kindOnly.push(f);
  if (kindOnly.length) {
    throw new InputError(`--${kindOnly[0] ?? ''}: not with --context (it acts on the lab's own kind cluster, its image cache or the machine's caches; ${command} --context never creates or deletes a cluster)`, { fix: labCommand(command, '--help') });
  }
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY_HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * `--registry REGISTRY` (with --context): host[:port][/path] as distribution/reference reads a reference's domain
 * and path, and one Docker reads as a registry (the first part has a '.' or a ':' or is localhost; otherwise Docker
 * would push to Docker Hub under that name). Returns it without a trailing '/'; bad input is exit 2.
 */
export function checkRegistry(value: string, context: string | undefined): string {
  const expected = 'expected a registry as host[:port][/path], e.g. localhost:5001, kind-registry:5000, ghcr.io/you';
  if (context === undefined) {
    throw new InputError(`--registry ${value}: only with --context (the lab's own kind cluster gets the image with kind load)`, { fix: 'npm run up -- --context NAME --registry REGISTRY --yes, or drop --registry' });
  }
  const v = value.replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw new InputError(`--registry: ${expected}, without a scheme; got "${value}"`, { fix: `--registry ${v.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}` });
  const [host = '', ...rest] = v.split('/');
  if (!REGISTRY_HOST.test(host)) throw new InputError(`--registry: ${expected}; "${host}" is not a host[:port]`);
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new InputError(`--registry: ${expected}; the port of "${host}" must be from 1 to 65535, got ${port}`);
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') {
    throw new InputError(`--registry: ${expected}; Docker reads "${host}" as a Docker Hub namespace, not a registry host`, { fix: `--registry docker.io/${host} for Docker Hub, or the registry's host name with its port` });
  }
  if (/[@:]/.test(rest.join('/'))) throw new InputError(`--registry: ${expected}; "${value}" has a tag or digest (hpa-lab adds the image's repository and tag)`);
  const bad = rest.find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) throw new InputError(`--registry: ${expected}; the path part "${bad}" is not a repository path component (lowercase letters, digits, and . _ - between them)`);
  return v;
}

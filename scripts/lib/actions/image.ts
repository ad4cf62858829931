// The sample app's image: built only when no image with its content tag exists, loaded into the kind
// node only when the node does not already have it (the kubelet lists a node's images in its status).
import type { Runner } from '../exec.ts';
import type { Kube } from '../kube.ts';
import type { V1Node } from '@kubernetes/client-node';
import { MANAGED_BY } from './manifests.ts';

export async function imageExists(runner: Runner, image: string): Promise<boolean> {
  const r = await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { check: false });
  return r.exitCode === 0;
}

export async function buildImage(runner: Runner, image: string, contextDir: string, onLine?: (l: string) => void): Promise<void> {
  const label = Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`)[0] ?? '';
  await runner.run('docker', ['build', '--tag', image, '--label', label, contextDir], { onLine });
}

export function nodesMissingImage(nodes: V1Node[], image: string): string[] {
  const wanted = image.includes('/') ? [image, `docker.io/${image}`] : [image, `docker.io/library/${image}`];
  return nodes.filter((n) => !(n.status?.images ?? []).some((i) => (i.names ?? []).some((name) => wanted.includes(name)))).map((n) => n.metadata?.name ?? '?');
}

export async function loadImage(runner: Runner, kube: Kube, cluster: string, image: string): Promise<boolean> {
  const missing = nodesMissingImage(await kube.listNodes(), image);
  if (missing.length === 0) return false;
  await runner.run('kind', ['load', 'docker-image', image, '--name', cluster]);
  return true;
}

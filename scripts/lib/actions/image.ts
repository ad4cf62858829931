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

/** Images hpa-lab built (they carry its label), as repository:tag. */
export async function labImages(runner: Runner): Promise<string[]> {
  const [key, value] = Object.entries(MANAGED_BY)[0] ?? ['', ''];
  const r = await runner.run('docker', ['image', 'ls', '--filter', `label=${key}=${value}`, '--format', '{{json .}}']);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { Repository: string; Tag: string })
    .filter((i) => i.Tag !== '<none>')
    .map((i) => `${i.Repository}:${i.Tag}`);
}

export async function removeImages(runner: Runner, images: string[]): Promise<void> {
  if (images.length) await runner.run('docker', ['image', 'rm', ...images]);
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

// The sample app's image: built only when no image with its content tag exists, loaded into the kind
// node only when the node does not already have it (the kubelet lists a node's images in its status), or, on an
// existing cluster (--registry), pushed to the registry its nodes pull from.
import type { Runner } from '../../exec.ts';
import type { Kube } from '../../kube/api.ts';
import type { V1Node } from '@kubernetes/client-node';
import { MANAGED_BY } from './manifests.ts';
import { LabError, ToolError } from '../../errors.ts';
import { quoteArgs } from '../../exec.ts';
import { knownCause } from '../../host/tool-help.ts';
import { readDockerVersions, saveHasPlatform } from '../../host/docker-version.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectImageStore } from '../../host/preflight.ts';

export async function imageExists(runner: Runner, image: string): Promise<boolean> {
  const r = await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { check: false });
  return r.exitCode === 0;
}

/**
 * On Docker's containerd image store BuildKit attaches provenance attestations by default, which makes the image
 * an index `kind load` cannot import; --provenance=false --sbom=false (buildx ≥ 0.10, the `docker build` of
 * Docker 23+) build a single manifest. The classic store cannot hold attestations, and Docker's legacy builder
 * does not know these flags, so they are passed only on the containerd store.
 */
export async function buildImage(runner: Runner, image: string, contextDir: string, onLine?: (l: string) => void): Promise<void> {
  const label = Object.entries(MANAGED_BY).map(([k, v]) => `${k}=${v}`)[0] ?? '';
  const attest = (await detectImageStore(runner)) === 'containerd' ? ['--provenance=false', '--sbom=false'] : [];
  await runner.run('docker', ['build', '--tag', image, '--label', label, ...attest, contextDir], { onLine });
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

/**
 * The daemon's platform, and whether `docker image save --platform` works here: a docker/cli 28.0+ flag that the
 * daemon must also support (API 1.48+); the daemon's API version is `APIVersion` from docker/cli v29 on,
 * `ApiVersion` before (host/docker-version.ts).
 */
async function serverPlatform(runner: Runner): Promise<{ platform: string; saveHasPlatform: boolean }> {
  const r = await readDockerVersions(runner);
  if (r.exitCode !== 0 || !r.versions.server) throw new ToolError(quoteArgs('docker', ['version', '--format', '{{json .}}']), `${r.stdout}\n${r.stderr}`.trim(), { exitCode: r.exitCode, ...knownCause('docker', ['version'], r.stderr) });
  return { platform: `${r.versions.server.os}/${r.versions.server.arch}`, saveHasPlatform: saveHasPlatform(r.versions) };
}

/**
 * Loads the image into the kind node. On the classic store: `kind load docker-image`. On the containerd store
 * that fails (kind issue #3795: kind's `docker save` exports the image's whole index and the node's
 * `ctr images import --all-platforms` misses content); kind's documented workaround (kind PR #4247) is a
 * single-platform archive: `docker image save --platform os/arch IMAGE -o file.tar` + `kind load image-archive`.
 */
export async function loadImage(runner: Runner, kube: Kube, cluster: string, image: string): Promise<boolean> {
  const missing = nodesMissingImage(await kube.listNodes(), image);
  if (missing.length === 0) return false;
  const classic = (await detectImageStore(runner)) !== 'containerd';
  if (classic) {
    await runner.run('kind', ['load', 'docker-image', image, '--name', cluster]);
  } else {
    const { platform, saveHasPlatform } = await serverPlatform(runner);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-image-'));
    const tar = path.join(dir, 'image.tar');
    try {
      await runner.run('docker', ['image', 'save', ...(saveHasPlatform ? ['--platform', platform] : []), image, '-o', tar]);
      await runner.run('kind', ['load', 'image-archive', tar, '--name', cluster]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await requireImageOnNodes(runner, missing, image, classic ? 'kind load docker-image' : 'kind load image-archive');
  return true;
}

/**
 * crictl's answer for an image the node's containerd does not hold: containerd's CRI ImageStatus returns no image
 * (containerd internal/cri/server/images/image_status.go), and crictl v1.36.0's `inspecti` returns
 * `no such image %q present` (cmd/crictl/image.go), which its main.go prints through logrus.Fatal (exit 1) as
 * `time="…" level=fatal msg="no such image \"X\" present"`.
 */
const CRICTL_NO_SUCH_IMAGE = /level=fatal msg="(no such image \\".*\\" present)"|(no such image "[^"\n]*" present)/;

/**
 * Each node kind loaded into is asked for the image as kind itself asks (kind v0.32.0
 * pkg/cluster/nodeutils/util.go ImageID, which pkg/cmd/kind/load/docker-image/docker-image.go uses to pick the nodes
 * that lack it: `crictl inspecti IMAGE` in the node). `kind load` exits 0 after its `ctr images import`, and the
 * image can still be missing on a node: the kubelet's image garbage collection removes images no container uses
 * when the node's disk passes its high threshold (imageGCHighThresholdPercent, 85% by default). A pod there would try
 * to pull an image that is in no registry, so this fails here, naming the node.
 */
async function requireImageOnNodes(runner: Runner, nodes: string[], image: string, loadedBy: string): Promise<void> {
  const lacking: Array<{ node: string; said: string }> = [];
  for (const node of nodes) {
    const args = ['exec', node, 'crictl', 'inspecti', image];
    const r = await runner.run('docker', args, { check: false });
    if (r.exitCode === 0) continue;
    const m = CRICTL_NO_SUCH_IMAGE.exec(r.stderr);
    if (!m) throw new ToolError(quoteArgs('docker', args), `${r.stdout}\n${r.stderr}`.trim(), { exitCode: r.exitCode, ...knownCause('docker', args, r.stderr) });
    lacking.push({ node, said: `${quoteArgs('docker', args)}: ${(m[1] ?? m[2] ?? '').replaceAll('\\"', '"')}` });
  }
  if (lacking.length === 0) return;
  const names = lacking.map((l) => l.node);
  throw new LabError(`kind loaded ${image}, but node${names.length === 1 ? '' : 's'} ${names.join(', ')} ${names.length === 1 ? 'does' : 'do'} not have it`, {
    details: lacking.map((l) => l.said),
    why: `${loadedBy} exited 0, yet the node's container runtime (containerd) does not list the image; a pod there would try to pull it, and an image hpa-lab builds is in no registry (ErrImagePull, then ImagePullBackOff)`,
    fix: `npm run up (it loads the image again into the nodes that lack it); if the image is gone again, the node's disk is nearly full and the kubelet's image garbage collection removes images no container uses: docker system df, then free space (docker system prune)`,
  });
}

/** Why a push to `host` failed and what to do, from the error text (the daemon's, or hpa-lab's own probe of /v2/). */
export function pushFailureHelp(host: string, text: string): { why: string; fix: string } {
  if (/connection refused|ECONNREFUSED/.test(text)) {
    return { why: `nothing answers at ${host} where the Docker daemon runs (docker push is made by the daemon, not by hpa-lab)`, fix: `start the registry (kind's local registry: https://kind.sigs.k8s.io/docs/user/local-registry/), or pass the --registry the cluster pulls from` };
  }
  if (/no such host|ENOTFOUND|EAI_AGAIN/.test(text)) {
    return { why: `${host.replace(/:\d+$/, '')} does not resolve here (a container's name resolves only on a Docker network, not on the host where the daemon runs)`, fix: `pass a --registry this machine reaches (a local registry container: localhost:PORT, aliased for the nodes in their containerd hosts.toml)` };
  }
  if (/denied|unauthorized|authentication required/.test(text)) return { why: `${host} refused the push: not logged in, or no permission for this repository`, fix: `docker login ${host}, or pass a --registry you may push to` };
  if (/server gave HTTP response to HTTPS client/.test(text)) return { why: `${host} speaks plain HTTP and the Docker daemon expects HTTPS`, fix: `add "${host}" to "insecure-registries" in the daemon's daemon.json (or use localhost:PORT, which Docker allows over HTTP)` };
  return { why: 'docker push failed', fix: `check that the registry answers (curl http://${host}/v2/) and that your cluster's nodes pull from it, then run up again` };
}

/**
 * `docker push IMAGE` (IMAGE is REGISTRY/repository:tag). The push runs in the Docker daemon, so REGISTRY must be
 * reachable from the daemon's machine; its known failures get a why and a fix naming --registry.
 */
export async function pushImage(runner: Runner, image: string, registry: string, onLine?: (l: string) => void): Promise<string> {
  const r = await runner.run('docker', ['push', image], { check: false, onLine });
  if (r.exitCode === 0) return /digest: (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1] ?? '';
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const help = pushFailureHelp(registry.split('/')[0] ?? registry, `${r.stdout}\n${r.stderr}`);
  throw new LabError(`docker push ${image} failed (exit ${r.exitCode}): ${last}`, { ...help, details: r.stderr.trim().split('\n').slice(-5) });
}

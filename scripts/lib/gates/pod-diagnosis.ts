// Why pods do not start, read generically from what the kubelet, admission and the workload controllers
// report, never from a component's name: a volume whose Secret or ConfigMap is missing (FailedMount), an env
// source that is missing (CreateContainerConfigError), an image that cannot be pulled (ErrImagePull,
// ImagePullBackOff), a ServiceAccount that does not exist (FailedCreate on the ReplicaSet or StatefulSet),
// a crash loop. Each finding names the missing thing and what to check.
import type { Diagnosis } from './poll.ts';
import type { Kube } from '../kube/api.ts';
import { listPath } from '../kube/resources.ts';

export interface Event {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  type?: string;
}
export interface Pod {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec?: { nodeName?: string; containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}
export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: string;
}
interface ContainerStatus {
  name: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

/** What is wrong, from the events and pod states of one namespace (pods by selector, or all). */
export function explainFrom(namespace: string, pods: Pod[], events: Event[], owners: string[] = []): Diagnosis | undefined {
  const podNames = new Set(pods.map((p) => p.metadata.name));
  const about = (e: Event, kinds: string[], names: Set<string>) => !!e.involvedObject?.name && names.has(e.involvedObject.name) && kinds.includes(e.involvedObject.kind ?? '');
  const podEvents = events.filter((e) => about(e, ['Pod'], podNames));
  const ownerNames = new Set([...owners, ...pods.flatMap((p) => (p.metadata.ownerReferences ?? []).map((o) => o.name))]);
  const ownerEvents = events.filter((e) => about(e, ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'], ownerNames));

  for (const e of podEvents.filter((x) => x.reason === 'FailedMount')) {
    const m = /volume "([^"]+)" : (secret|configmap) "([^"]+)" not found/.exec(e.message ?? '');
    if (m) {
      const kind = m[2] === 'secret' ? 'Secret' : 'ConfigMap';
      return {
        cause: `pod ${e.involvedObject?.name ?? ''} cannot start: its volume "${m[1]}" mounts ${kind} "${m[3]}", which does not exist in namespace ${namespace} (FailedMount)`,
        fix: `find what should create ${kind} ${m[3]} (a chart option that is off, a hook Job or cert-manager), or turn off the option that mounts it; kubectl describe pod -n ${namespace} ${e.involvedObject?.name ?? ''}`,
      };
    }
  }
  for (const p of pods) {
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = c.state?.waiting;
      if (w?.reason === 'CreateContainerConfigError') {
        const m = /(secret|configmap) "([^"]+)" not found|couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/.exec(w.message ?? '');
        const what = m ? (m[2] ? `${m[1] === 'secret' ? 'Secret' : 'ConfigMap'} "${m[2]}"` : `key ${m[3]} of ${m[4]} ${m[5]}`) : 'an env source';
        return {
          cause: `container ${c.name} of pod ${p.metadata.name} cannot be created: its environment needs ${what}, which does not exist (CreateContainerConfigError: ${w.message ?? ''})`,
          fix: `create it, or fix the env/envFrom reference in the values; kubectl describe pod -n ${namespace} ${p.metadata.name}`,
        };
      }
      if (w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff' || w?.reason === 'ErrImageNeverPull' || w?.reason === 'InvalidImageName') {
        const pulled = podEvents.find((e) => e.involvedObject?.name === p.metadata.name && e.reason === 'Failed' && /Failed to pull image/.test(e.message ?? ''));
        return {
          cause: `the node cannot pull image ${c.image ?? '?'} for container ${c.name} of pod ${p.metadata.name} (${w.reason}${pulled?.message ? `: ${pulled.message}` : w.message ? `: ${w.message}` : ''})`,
          fix: 'check the image reference (repository and tag) in the values; an image hpa-lab builds is loaded into the node by npm run up (kind load)',
        };
      }
    }
  }
  for (const e of ownerEvents.filter((x) => x.reason === 'FailedCreate')) {
    const m = /serviceaccount "([^"]+)" not found/.exec(e.message ?? '');
    if (m) {
      return {
        cause: `${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''} cannot create pods: ServiceAccount "${m[1]}" does not exist in namespace ${namespace}`,
        fix: `create the ServiceAccount, or check serviceAccount.create / serviceAccount.name in the values; kubectl describe ${String(e.involvedObject?.kind).toLowerCase()} -n ${namespace} ${e.involvedObject?.name ?? ''}`,
      };
    }
    return { cause: `${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''} cannot create pods: ${e.message ?? ''}`, fix: `kubectl describe ${String(e.involvedObject?.kind).toLowerCase()} -n ${namespace} ${e.involvedObject?.name ?? ''}` };
  }
  for (const p of pods) {
    const crash = p.status?.containerStatuses?.find((c) => c.state?.waiting?.reason === 'CrashLoopBackOff');
    if (crash) return { cause: `container ${crash.name} of pod ${p.metadata.name} keeps crashing (CrashLoopBackOff)`, fix: `see its log: kubectl logs -n ${namespace} ${p.metadata.name} -c ${crash.name} --previous (the diagnostics folder has the tail)` };
  }
  return undefined;
}

// ---- an image that cannot come ------------------------------------------------------------------------------
//
// The kubelet's words, from kubernetes/kubernetes pkg/kubelet/images (types.go: the waiting reasons ErrImagePull,
// ImagePullBackOff, ErrImageNeverPull, InvalidImageName, ImageInspectError; image_manager.go: the event `Failed to
// pull image "X": <CRI error>`, `Container image "X" is not present with pull policy of Never`, `Failed to apply
// default image tag "X": …`, and, while it backs off, the waiting message `Back-off pulling image "X"` followed,
// since v1.32, by `: ErrImagePull: <the last pull's error>` (prevPullErrMsg); evalCRIPullErr turns a CRI error
// that starts with RegistryUnavailable or SignatureValidationFailed into that reason), read in the version the
// index holds (the one with images/pullmanager; not compared with v1.36.1 byte for byte). The CRI error is
// containerd's (2.x, core/remotes/docker/resolver.go): `failed to resolve reference "X": X: not found` when every
// registry host answers 404, `pull access denied, repository does not exist or may require authorization: …` when
// the registry refuses the token (Docker Hub answers an unknown repository so), `unexpected status … 401
// Unauthorized` / `403 Forbidden`; the kubelet's gRPC client keeps the code: `rpc error: code = NotFound desc = …`.
//
// Which of these are final, i.e. cannot pass by waiting (the kubelet keeps retrying every one of them, backing off
// from 10 s to 5 min):
// - ErrImageNeverPull: the image is not on the node and the pod forbids pulling it; nothing will put it there while
//   hpa-lab waits (hpa-lab loads its images before it applies their pods).
// - InvalidImageName: the reference does not parse; the same spec never will.
// - SignatureValidationFailed: the runtime's signature policy refuses that image; the same image never passes.
// - ErrImagePull / ImagePullBackOff of an image hpa-lab built and loaded into the nodes: it is in no registry, so
//   a pull can never succeed; the kubelet pulls it only when the pull policy is Always (the default for :latest) or
//   the node does not hold it.
// - ErrImagePull / ImagePullBackOff whose error says the registry does not have it (not found, manifest unknown)
//   or refuses access to it (pull access denied, 401, 403, insufficient_scope): the same request gets the same
//   answer; waiting changes neither the repository nor the credentials.
// Transient, waited for up to the deadline: a pull in progress (ContainerCreating: a large image on a slow link),
// RegistryUnavailable, timeouts, refused or reset connections, DNS failures (`no such host`: a network that is
// still coming up), 429 Too Many Requests (a rate limit that lifts), 5xx answers, ImageInspectError.

const NOT_FOUND = /failed to resolve reference "[^"]*": [^\s]+: not found|code = NotFound|manifest unknown|not found: manifest/;
const DENIED = /pull access denied|insufficient_scope|\b401 Unauthorized\b|\b403 Forbidden\b|denied: requested access to the resource is denied/;
const PULL_REASONS = ['ErrImagePull', 'ImagePullBackOff'];
/** The waiting reasons of a container whose image is not there (the kubelet's, above). */
export const IMAGE_REASONS = [...PULL_REASONS, 'ErrImageNeverPull', 'InvalidImageName', 'SignatureValidationFailed', 'RegistryUnavailable', 'ImageInspectError'];

/** "app:1", "docker.io/library/app:1" and "library/app:1" are the same image to containerd. */
function sameImage(a: string, b: string): boolean {
  const norm = (r: string) => {
    let x = r.replace(/^docker\.io\//, '').replace(/^library\//, '');
    if (!x.includes('@') && !x.slice(x.lastIndexOf('/') + 1).includes(':')) x += ':latest';
    return x;
  };
  return norm(a) === norm(b);
}

/**
 * A pod of the workload that cannot start by waiting, because its image cannot come (see above), with the kubelet's
 * reason and message; undefined when nothing is final (a pull may still succeed). Only containers whose image is the
 * one the workload's template names now (`template`) count: a pod of an older revision with another image is
 * replaced by the rollout. `loaded`: the images hpa-lab built and loaded into the nodes (in no registry).
 */
export function finalImageFailure(namespace: string, pods: Pod[], events: Event[], template: ContainerSpec[], loaded: string[] = []): Diagnosis | undefined {
  for (const p of pods) {
    const specs = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])];
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = c.state?.waiting;
      const spec = specs.find((x) => x.name === c.name);
      const image = spec?.image ?? c.image ?? '';
      if (!w?.reason || !template.some((t) => t.name === c.name && sameImage(t.image ?? '', image))) continue;
      const failed = events.find((e) => e.involvedObject?.name === p.metadata.name && e.reason === 'Failed' && (e.message ?? '').startsWith(`Failed to pull image "${image}"`))?.message;
      const said = `${w.reason}: ${w.message ?? ''}${failed && !(w.message ?? '').includes(failed.replace(/^Failed to pull image "[^"]*": /, '')) ? ` (event: ${failed})` : ''}`;
      const where = `container ${c.name} of pod ${p.metadata.name}`;
      const describe = `kubectl describe pod -n ${namespace} ${p.metadata.name}`;
      if (w.reason === 'ErrImageNeverPull') {
        const ours = loaded.some((l) => sameImage(l, image));
        return {
          cause: `${where} cannot start: image ${image} is not on node ${p.spec?.nodeName ?? '?'} and its imagePullPolicy is Never, so the kubelet will not pull it (${said})`,
          fix: ours ? 'npm run up (it loads the image into the nodes that lack it)' : `put the image on the nodes (kind load docker-image ${image}), or let the kubelet pull it (imagePullPolicy: IfNotPresent); ${describe}`,
        };
      }
      if (w.reason === 'InvalidImageName') return { cause: `${where} cannot start: its image reference "${image}" does not parse (${said})`, fix: `correct the image reference in the values or manifests; ${describe}` };
      if (w.reason === 'SignatureValidationFailed') return { cause: `${where} cannot start: the container runtime's signature policy refuses image ${image} (${said})`, fix: `use a signed image the policy accepts, or change the policy; ${describe}` };
      if (!PULL_REASONS.includes(w.reason)) continue;
      if (loaded.some((l) => sameImage(l, image))) {
        const policy = spec?.imagePullPolicy ?? (/:latest$|^[^:@]*$/.test(image.slice(image.lastIndexOf('/') + 1)) ? 'Always' : 'IfNotPresent');
        return policy === 'Always'
          ? {
              cause: `${where} cannot start: its image ${image} is one hpa-lab built and loaded into the nodes, it is in no registry, and imagePullPolicy Always makes the kubelet pull it anyway (${said})`,
              fix: `set imagePullPolicy: IfNotPresent on container ${c.name} (a pull can never find an image hpa-lab built), then npm run up`,
            }
          : {
              cause: `${where} cannot start: its image ${image} is one hpa-lab built, in no registry, and node ${p.spec?.nodeName ?? '?'} does not hold it, so the kubelet tries to pull it (${said})`,
              fix: 'npm run up (it loads the image into the nodes that lack it)',
            };
      }
      const text = `${w.message ?? ''}\n${failed ?? ''}`;
      if (NOT_FOUND.test(text)) return { cause: `${where} cannot start: the registry has no image ${image} (${said})`, fix: `check the image's repository and tag in the values or manifests (the registry answered "not found"); ${describe}` };
      if (DENIED.test(text)) {
        return {
          cause: `${where} cannot start: the registry refuses image ${image} (${said})`,
          fix: `check the repository name (Docker Hub answers a repository that does not exist with "pull access denied"), or give the pods credentials for a private registry (imagePullSecrets); ${describe}`,
        };
      }
    }
  }
  return undefined;
}

/** explainFrom over what the cluster says now. Never throws: a diagnosis must not hide the failure. */
export async function explainPods(kube: Kube, namespace: string, labelSelector?: string, owners: string[] = []): Promise<Diagnosis | undefined> {
  try {
    const [pods, events] = await Promise.all([
      kube.getJson<{ items: Pod[] }>(listPath('v1', 'pods', namespace, labelSelector)),
      kube.getJson<{ items: Event[] }>(listPath('v1', 'events', namespace)),
    ]);
    return explainFrom(namespace, pods?.items ?? [], events?.items ?? [], owners);
  } catch {
    return undefined;
  }
}

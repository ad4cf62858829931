// Why pods do not start, read generically from what the kubelet, admission and the workload controllers
// report, never from a component's name: a volume whose Secret or ConfigMap is missing (FailedMount), an env
// source that is missing (CreateContainerConfigError), an image that cannot be pulled (ErrImagePull,
// ImagePullBackOff), a ServiceAccount that does not exist (FailedCreate on the ReplicaSet or StatefulSet),
// a crash loop. Each finding names the missing thing and what to check.
import type { Diagnosis } from './poll.ts';
import type { Kube } from '../kube/api.ts';
import { listPath } from '../kube/resources.ts';

interface Event {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  type?: string;
}
interface Pod {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
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

// Events (core/v1) as the controllers and the kubelet record them: one object per (object, reason, message),
// repeated occurrences bump `count` and `lastTimestamp` like client-go's event correlator, names are
// "<object>.<hex nanoseconds>" like the real ones, so `kubectl get events` and `kubectl describe` look familiar.
import { apiVersionOf, type ResourceType } from './resources.ts';
import { nowTimestamp, type KubeObject, type Store } from './store.ts';

export interface EventSource {
  /** e.g. "kubelet", "deployment-controller", "default-scheduler" */
  component: string;
  /** the node, for kubelet events */
  host?: string;
}

export interface Involved {
  rt: ResourceType;
  object: KubeObject;
  /** e.g. "spec.containers{metrics-server}" */
  fieldPath?: string;
}

const MAX_EVENTS = 2000;
let lastNanos = 0n;

function eventName(objectName: string): string {
  let n = BigInt(Date.now()) * 1_000_000n;
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return `${objectName}.${n.toString(16)}`;
}

export function recordEvent(store: Store, eventsRt: ResourceType, involved: Involved, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource): void {
  const o = involved.object;
  const ns = o.metadata.namespace ?? 'default';
  const ref = {
    kind: involved.rt.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    uid: o.metadata.uid,
    apiVersion: apiVersionOf(involved.rt),
    resourceVersion: o.metadata.resourceVersion,
    ...(involved.fieldPath ? { fieldPath: involved.fieldPath } : {}),
  };
  const now = nowTimestamp();
  const existing = store
    .list(eventsRt, ns)
    .find((e) => {
      const io = e.involvedObject as Record<string, unknown> | undefined;
      return io?.uid === ref.uid && (io?.fieldPath ?? undefined) === (ref as { fieldPath?: string }).fieldPath && e.reason === reason && e.message === message && e.type === type;
    });
  if (existing) {
    store.update(eventsRt, { ...existing, count: ((existing.count as number | undefined) ?? 1) + 1, lastTimestamp: now, metadata: { ...existing.metadata, resourceVersion: undefined } });
    return;
  }
  const all = store.list(eventsRt);
  if (all.length >= MAX_EVENTS) {
    const oldest = all.sort((a, b) => String(a.lastTimestamp).localeCompare(String(b.lastTimestamp)))[0];
    if (oldest) store.delete(eventsRt, oldest.metadata.namespace, oldest.metadata.name);
  }
  store.create(eventsRt, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(o.metadata.name), namespace: ns },
    involvedObject: ref,
    reason,
    message,
    source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  });
}

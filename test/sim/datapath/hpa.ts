// The horizontal-pod-autoscaler controller of kube-controller-manager, for autoscaling/v2 HPAs whose metrics
// are Pods metrics (the lab's) or External metrics (KEDA's). Every sync period (kube-controller-manager's
// --horizontal-pod-autoscaler-sync-period as kubeadm wrote it from the kind config, default 15s; the test-speed
// override HPA_LAB_SIM_HPA_SYNC_SECONDS wins when set: see hpaSyncSeconds) each HPA is reconciled as reconcileAutoscaler does it:
// get the target's scale, read the metric through the custom or external metrics API (the same code path
// `kubectl get --raw` reaches), compute and normalize the replica count (hpa-calc.ts), rescale the target, write
// status, conditions and Events with the controller's reasons and messages. External metrics follow
// horizontal.go computeStatusForExternalMetric and replica_calculator.go GetExternalPerPodMetricReplicas
// (AverageValue) / GetExternalMetricReplicas (Value).
import { recordEvent } from '../lib/events.ts';
import { parseLabelSelector } from '../lib/selectors.ts';
import { nowTimestamp, type KubeObject, type Store } from '../lib/store.ts';
import { CustomMetricsApi, MetricsClientError } from './custom-metrics-api.ts';
import { ExternalMetricsClient } from './external-metrics.ts';
import {
  behaviorWithDefaults,
  calcExternalPerPodReplicas,
  calcExternalValueReplicas,
  calcPlainMetricReplicas,
  labelSelectorGoString,
  DEFAULT_TOLERANCE,
  newMemory,
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  storeScaleEvent,
  type Condition,
  type HpaMemory,
} from './hpa-calc.ts';
import { arr, num, obj, podPhase, selectorString, str, type Obj, type TypeLookup } from './kube.ts';
import { formatMilli, parseQuantityMilli } from './quantity.ts';
import { parseGoDuration } from '../lib/goduration.ts';

const COMPONENT = 'horizontal-pod-autoscaler';

const SYNC_FLAG = '--horizontal-pod-autoscaler-sync-period=';

/**
 * The HPA sync period in seconds: HPA_LAB_SIM_HPA_SYNC_SECONDS when set (a test-speed override, no real
 * counterpart), else the flag on kube-controller-manager's command (a Go duration, the last one wins as with
 * pflag), else the controller's default 15s (pkg/controller/podautoscaler/config/v1alpha1/defaults.go).
 */
export function hpaSyncSeconds(controllerManagerCommand: string[] = [], env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env.HPA_LAB_SIM_HPA_SYNC_SECONDS);
  if (env.HPA_LAB_SIM_HPA_SYNC_SECONDS !== undefined && Number.isFinite(override) && override > 0) return override;
  const flag = controllerManagerCommand.findLast((a) => a.startsWith(SYNC_FLAG));
  if (flag !== undefined) {
    try {
      const ms = parseGoDuration(flag.slice(SYNC_FLAG.length));
      if (ms > 0) return ms / 1000;
    } catch {
      // kube-controller-manager would not start (see docs/simulation-reference.md, kind: not simulated)
    }
  }
  return 15;
}

/** --horizontal-pod-autoscaler-downscale-stabilization (default 5m), for HPAs without spec.behavior. */
function downscaleStabilizationSeconds(): number {
  const v = Number(process.env.HPA_LAB_SIM_HPA_DOWNSCALE_STABILIZATION_SECONDS ?? '300');
  return Number.isFinite(v) && v >= 0 ? v : 300;
}

/** scaleTargetRef kinds the simulation can scale, by group. */
const SCALABLE: Record<string, { group: string; resource: string }> = {
  'apps/Deployment': { group: 'apps', resource: 'deployments' },
  'apps/ReplicaSet': { group: 'apps', resource: 'replicasets' },
  'apps/StatefulSet': { group: 'apps', resource: 'statefulsets' },
};

type HpaCondition = Obj & { type: string; status: string; reason: string; message: string; lastTransitionTime: string };

function setCondition(conds: HpaCondition[], type: string, c: Condition): void {
  const existing = conds.find((x) => x.type === type);
  if (!existing) {
    conds.push({ type, status: c.status, lastTransitionTime: nowTimestamp(), reason: c.reason, message: c.message });
    return;
  }
  if (existing.status !== c.status) existing.lastTransitionTime = nowTimestamp();
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
}

export class HpaController {
  private readonly store: Store;
  private readonly rt: TypeLookup;
  private readonly metrics: CustomMetricsApi;
  private readonly external: ExternalMetricsClient;
  private readonly log: (m: string) => void;
  private readonly memory = new Map<string, HpaMemory>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly syncSeconds: number;

  constructor(store: Store, rt: TypeLookup, metrics: CustomMetricsApi, log: (m: string) => void, syncSeconds = hpaSyncSeconds()) {
    this.syncSeconds = syncSeconds;
    this.store = store;
    this.rt = rt;
    this.metrics = metrics;
    this.external = new ExternalMetricsClient(store, rt);
    this.log = log;
  }

  start(): void {
    const period = this.syncSeconds * 1000;
    const loop = () => {
      void this.syncAll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(loop, period);
      });
    };
    this.timer = setTimeout(loop, period);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new HPA is reconciled at once (the informer's add enqueues it), then every sync period. */
  kick(): void {
    setTimeout(() => void this.syncAll(), 0);
  }

  async syncAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const t = this.rt('autoscaling', 'horizontalpodautoscalers');
      if (!t) return;
      const hpas = this.store.list(t);
      const keys = new Set(hpas.map((h) => `${h.metadata.namespace ?? ''}/${h.metadata.name}`));
      for (const k of [...this.memory.keys()]) if (!keys.has(k)) this.memory.delete(k);
      for (const hpa of hpas) {
        try {
          await this.reconcile(hpa);
        } catch (err) {
          this.log(`hpa controller: ${hpa.metadata.namespace ?? ''}/${hpa.metadata.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private event(hpa: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const events = this.rt('', 'events');
    const hpas = this.rt('autoscaling', 'horizontalpodautoscalers');
    if (events && hpas) recordEvent(this.store, events, { rt: hpas, object: hpa }, type, reason, message, { component: COMPONENT });
  }

  private writeStatus(hpa: KubeObject, status: Obj): void {
    const t = this.rt('autoscaling', 'horizontalpodautoscalers');
    if (!t) return;
    const cur = this.store.get(t, hpa.metadata.namespace, hpa.metadata.name);
    if (!cur || JSON.stringify(cur.status ?? {}) === JSON.stringify(status)) return;
    this.store.update(t, { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, status });
  }

  async reconcile(hpa: KubeObject): Promise<void> {
    const ns = hpa.metadata.namespace ?? 'default';
    const key = `${ns}/${hpa.metadata.name}`;
    const spec = obj(hpa.spec);
    const oldStatus = obj(hpa.status);
    const conditions = structuredClone(arr(oldStatus.conditions)) as HpaCondition[];
    const ref = obj(spec.scaleTargetRef);
    const group = str(ref.apiVersion).includes('/') ? str(ref.apiVersion).split('/')[0] ?? '' : '';
    const kind = str(ref.kind);
    const targetName = str(ref.name);
    const baseStatus = (current: number, desired: number, currentMetrics: unknown[] | undefined, rescaled: boolean): Obj => {
      const s: Obj = { currentReplicas: current, desiredReplicas: desired };
      const last = rescaled ? nowTimestamp() : oldStatus.lastScaleTime;
      if (last) s.lastScaleTime = last;
      if (currentMetrics?.length) s.currentMetrics = currentMetrics;
      s.conditions = conditions;
      return s;
    };

    const mapping = SCALABLE[`${group}/${kind}`];
    const targetType = mapping ? this.rt(mapping.group, mapping.resource) : undefined;
    const target = targetType ? this.store.get(targetType, ns, targetName) : undefined;
    if (!mapping || !targetType || !target) {
      const msg = !mapping ? `no matches for kind "${kind}" in group "${group}"` : `${mapping.resource}/scale.${mapping.group} "${targetName}" not found`;
      this.event(hpa, 'Warning', 'FailedGetScale', msg);
      setCondition(conditions, 'AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${msg}` });
      this.writeStatus(hpa, { ...oldStatus, currentReplicas: num(oldStatus.currentReplicas), desiredReplicas: num(oldStatus.desiredReplicas), conditions });
      return;
    }
    setCondition(conditions, 'AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const currentReplicas = num(obj(target.spec).replicas, 1);
    const now = Date.now();
    if (!this.memory.has(key)) this.memory.set(key, newMemory(currentReplicas, now));
    const mem = this.memory.get(key) as HpaMemory;
    const minReplicas = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
    const maxReplicas = num(spec.maxReplicas, 1);

    let desired = 0;
    let rescaleReason = '';
    let rescale = true;
    let statuses: unknown[] | undefined;
    if (currentReplicas === 0 && minReplicas !== 0) {
      desired = 0;
      rescale = false;
      setCondition(conditions, 'ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, target, currentReplicas, num(obj(target.status).replicas), conditions);
      statuses = computed.statuses;
      if (computed.error && computed.replicas === -1) {
        this.writeStatus(hpa, baseStatus(currentReplicas, num(oldStatus.desiredReplicas), statuses, false));
        this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', computed.error);
        return;
      }
      if (computed.replicas > desired) desired = computed.replicas;
      if (desired > currentReplicas) rescaleReason = `${computed.metric} above target`;
      if (desired < currentReplicas) rescaleReason = 'All metrics below target';
      const n = spec.behavior
        ? normalizeDesiredReplicasWithBehaviors(mem, behaviorWithDefaults(spec.behavior, downscaleStabilizationSeconds()), currentReplicas, desired, minReplicas, maxReplicas, now)
        : normalizeDesiredReplicas(mem, currentReplicas, desired, minReplicas, maxReplicas, now, downscaleStabilizationSeconds());
      setCondition(conditions, 'AbleToScale', n.ableToScale);
      setCondition(conditions, 'ScalingLimited', n.scalingLimited);
      desired = n.replicas;
      rescale = desired !== currentReplicas;
    }

    if (rescale) {
      const fresh = this.store.get(targetType, ns, targetName) ?? target;
      this.store.update(targetType, { ...fresh, metadata: { ...fresh.metadata, resourceVersion: undefined }, spec: { ...obj(fresh.spec), replicas: desired } });
      setCondition(conditions, 'AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
      this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      if (spec.behavior) storeScaleEvent(mem, behaviorWithDefaults(spec.behavior, downscaleStabilizationSeconds()), currentReplicas, desired, now);
      this.log(`hpa controller: ${key}: rescaled ${kind.toLowerCase()}/${targetName} ${currentReplicas} -> ${desired} (${rescaleReason})`);
    } else desired = currentReplicas;
    this.writeStatus(hpa, baseStatus(currentReplicas, desired, statuses, rescale));
  }

  private async computeReplicasForMetrics(hpa: KubeObject, target: KubeObject, currentReplicas: number, statusReplicas: number, conditions: HpaCondition[]): Promise<{ replicas: number; metric: string; statuses: unknown[]; error?: string }> {
    const ns = hpa.metadata.namespace ?? 'default';
    const selector = selectorString(obj(target.spec).selector);
    if (!selector) {
      this.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      setCondition(conditions, 'ScalingActive', { status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" });
      return { replicas: -1, metric: '', statuses: [], error: 'selector is required' };
    }
    const specs = arr(obj(hpa.spec).metrics).map(obj);
    const statuses: unknown[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstError: string | undefined;
    let firstCondition: Condition | undefined;
    for (const [i, m] of specs.entries()) {
      const r = await this.computeForMetric(hpa, m, currentReplicas, statusReplicas, selector, ns);
      if ('error' in r) {
        if (invalid === 0) {
          firstError = r.error;
          firstCondition = r.condition;
        }
        invalid++;
        continue;
      }
      statuses[i] = r.status;
      if (replicas === 0 || r.replicas > replicas) {
        replicas = r.replicas;
        metric = r.metric;
      }
    }
    const error = firstError !== undefined ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError}` : undefined;
    if (invalid >= specs.length || (invalid > 0 && replicas < currentReplicas)) {
      if (firstCondition) setCondition(conditions, 'ScalingActive', firstCondition);
      return { replicas: -1, metric: '', statuses: statuses.filter((s) => str(obj(s).type)), error: error ?? 'no metrics' };
    }
    setCondition(conditions, 'ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}` });
    return { replicas, metric, statuses, error };
  }

  private async computeForMetric(hpa: KubeObject, m: Obj, currentReplicas: number, statusReplicas: number, selector: string, ns: string): Promise<{ replicas: number; metric: string; status: unknown } | { error: string; condition: Condition }> {
    const unable = (reason: string, err: string): { error: string; condition: Condition } => {
      this.event(hpa, 'Warning', reason, err);
      return { error: err, condition: { status: 'False', reason, message: `the HPA was unable to compute the replica count: ${err}` } };
    };
    const type = str(m.type);
    if (type === 'External') return this.computeForExternalMetric(hpa, obj(m.external), currentReplicas, statusReplicas, selector, ns, unable);
    if (type !== 'Pods') {
      // Pods and External metrics are simulated; others fail as they would without their metrics API.
      const reason = type === 'Resource' ? 'FailedGetResourceMetric' : type === 'Object' ? 'FailedGetObjectMetric' : type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : 'InvalidMetricSourceType';
      const name = str(obj(m.resource).name) || str(obj(obj(m.object).metric).name);
      const r = unable(reason, `unable to get metrics for ${type.toLowerCase()} ${name}: ${type} metrics are not simulated`);
      return { error: `failed to get ${type.toLowerCase()} metric value: ${r.error}`, condition: r.condition };
    }
    const pods = obj(m.pods);
    const metricName = str(obj(pods.metric).name);
    const metricSelector = obj(obj(pods.metric).selector);
    const targetMilli = parseQuantityMilli(obj(pods.target).averageValue) ?? 0;
    const fail = (err: string) => {
      const r = unable('FailedGetPodsMetric', err);
      return { error: `failed to get pods metric value: ${r.error}`, condition: r.condition };
    };
    let items;
    try {
      items = await this.metrics.podsMetric(ns, selector, metricName, Object.keys(metricSelector).length ? selectorString(metricSelector) : undefined);
    } catch (err) {
      return fail(`unable to get metric ${metricName}: unable to fetch metrics from custom metrics API: ${err instanceof MetricsClientError ? err.message : String(err)}`);
    }
    if (!items.length) return fail(`unable to get metric ${metricName}: no metrics returned from custom metrics API`);
    const values = new Map<string, number>();
    for (const it of items) values.set(it.describedObject.name, parseQuantityMilli(it.value) ?? 0);
    const podType = this.rt('', 'pods');
    const match = parseLabelSelector(selector);
    const podList = podType
      ? this.store
          .list(podType, ns)
          .filter(match)
          .map((p) => ({ name: p.metadata.name, phase: podPhase(p), deleting: Boolean(p.metadata.deletionTimestamp) }))
      : [];
    const r = calcPlainMetricReplicas(values, podList, currentReplicas, targetMilli, this.tolerances(hpa));
    if ('error' in r) return fail(r.error);
    const status: Obj = { type: 'Pods', pods: { metric: { name: metricName, ...(Object.keys(metricSelector).length ? { selector: metricSelector } : {}) }, current: { averageValue: formatMilli(r.usage) } } };
    return { replicas: r.replicas, metric: `pods metric ${metricName}`, status };
  }

  /** computeStatusForExternalMetric (horizontal.go) with the replica calculator's External functions. */
  private async computeForExternalMetric(
    hpa: KubeObject,
    ext: Obj,
    currentReplicas: number,
    statusReplicas: number,
    podSelector: string,
    ns: string,
    unable: (reason: string, err: string) => { error: string; condition: Condition },
  ): Promise<{ replicas: number; metric: string; status: unknown } | { error: string; condition: Condition }> {
    const metric = obj(ext.metric);
    const metricName = str(metric.name);
    const metricSelector = metric.selector;
    const selGo = labelSelectorGoString(metricSelector);
    const target = obj(ext.target);
    const averageTarget = target.averageValue !== undefined && target.averageValue !== null;
    const valueTarget = target.value !== undefined && target.value !== null;
    // computeReplicasForMetric wraps every error of this metric type once more.
    const wrap = (inner: string, r: { error: string; condition: Condition }) => ({ error: `failed to get ${metricName} external metric value: ${inner}`, condition: r.condition });
    if (!averageTarget && !valueTarget) {
      const msg = 'invalid external metric source: neither a value target nor an average value target was set';
      const r = unable('FailedGetExternalMetric', msg);
      return wrap(msg, r);
    }
    let values: number[];
    try {
      values = (await this.external.getExternalMetric(metricName, ns, selectorString(metricSelector))).values;
    } catch (err) {
      const msg = `unable to get external metric ${ns}/${metricName}/${selGo}: unable to fetch metrics from external metrics API: ${err instanceof MetricsClientError ? err.message : String(err)}`;
      const r = unable('FailedGetExternalMetric', msg);
      return wrap(averageTarget ? `failed to get ${metricName} external metric: ${msg}` : `failed to get external metric ${metricName}: ${msg}`, r);
    }
    const identifier = { name: metricName, ...(metricSelector !== undefined && metricSelector !== null ? { selector: metricSelector } : {}) };
    const name = `external metric ${metricName}(${selGo})`;
    const show = (u: number | string) => (typeof u === 'string' ? u : formatMilli(u));
    if (averageTarget) {
      const r = calcExternalPerPodReplicas(values, parseQuantityMilli(target.averageValue) ?? 0, statusReplicas, this.tolerances(hpa));
      return { replicas: r.replicas, metric: name, status: { type: 'External', external: { metric: identifier, current: { averageValue: show(r.usage) } } } };
    }
    const podType = this.rt('', 'pods');
    const readyPods = () => {
      const pods = podType ? this.store.list(podType, ns).filter(parseLabelSelector(podSelector)) : [];
      if (!pods.length) return { error: 'no pods returned by selector while calculating replica count' };
      return pods.filter((p) => podPhase(p) === 'Running' && arr(obj(p.status).conditions).map(obj).some((c) => c.type === 'Ready' && c.status === 'True')).length;
    };
    const r = calcExternalValueReplicas(values, parseQuantityMilli(target.value) ?? 0, currentReplicas, readyPods, this.tolerances(hpa));
    if ('error' in r) {
      const u = unable('FailedGetExternalMetric', r.error);
      return wrap(`failed to get external metric ${metricName}: ${r.error}`, u);
    }
    return { replicas: r.replicas, metric: name, status: { type: 'External', external: { metric: identifier, current: { value: show(r.usage) } } } };
  }

  private tolerances(hpa: KubeObject): { scaleUp: number; scaleDown: number } {
    const b = obj(obj(hpa.spec).behavior);
    const t = (v: unknown) => {
      const milli = parseQuantityMilli(v);
      return milli === undefined ? DEFAULT_TOLERANCE : milli / 1000;
    };
    return { scaleUp: t(obj(b.scaleUp).tolerance), scaleDown: t(obj(b.scaleDown).tolerance) };
  }
}

// The HPA controller's replica arithmetic, pure and in milli-units, transcribed in behaviour from
// kubernetes/kubernetes pkg/controller/podautoscaler (replica_calculator.go: calcPlainMetricReplicas,
// groupPods, GetExternalPerPodMetricReplicas, GetExternalMetricReplicas, getUsageRatioReplicaCount; horizontal.go:
// stabilizeRecommendation[WithBehaviors], convertDesiredReplicasWith{Rules,BehaviorRate}, storeScaleEvent) and the
// autoscaling/v2 API defaults for spec.behavior.

export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}

export const DEFAULT_TOLERANCE = 0.1;

export function isWithinTolerance(t: Tolerances, ratio: number): boolean {
  return 1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp;
}

export interface PodForCalc {
  name: string;
  phase: string;
  deleting: boolean;
}

/** GetMetricUsageRatio: average (integer milli, truncated like Go's int64 division) over target. */
export function metricUsageRatio(metrics: Map<string, number>, targetMilli: number): { ratio: number; usage: number } {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const usage = metrics.size ? Math.trunc(total / metrics.size) : 0;
  return { ratio: usage / targetMilli, usage };
}

export type CalcResult = { replicas: number; usage: number } | { error: string };

/**
 * calcPlainMetricReplicas for a Pods metric: ready pods = running pods with a value; Pending pods are
 * "unready", pods without a value are "missing", deleted/Failed pods are ignored. Missing pods count as using the
 * target on a scale-down and 0 on a scale-up; unready pods as 0 on a scale-up; a change of direction or a
 * ratio within the tolerance keeps the current count.
 */
export function calcPlainMetricReplicas(metricsIn: Map<string, number>, pods: PodForCalc[], currentReplicas: number, targetMilli: number, tol: Tolerances): CalcResult {
  if (!pods.length) return { error: 'no pods returned by selector while calculating replica count' };
  const metrics = new Map(metricsIn);
  let readyPodCount = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const p of pods) {
    if (p.deleting || p.phase === 'Failed') {
      ignored.add(p.name);
      continue;
    }
    if (p.phase === 'Pending') {
      unready.add(p.name);
      continue;
    }
    if (!metrics.has(p.name)) {
      missing.add(p.name);
      continue;
    }
    readyPodCount++;
  }
  for (const n of [...ignored, ...unready]) metrics.delete(n);
  // Values for pods the selector does not select are not the HPA's business either.
  const selected = new Set(pods.map((p) => p.name));
  for (const n of [...metrics.keys()]) if (!selected.has(n)) metrics.delete(n);
  if (metrics.size === 0) return { error: 'did not receive metrics for targeted pods (pods might be unready)' };

  const { ratio, usage } = metricUsageRatio(metrics, targetMilli);
  const scaleUpWithUnready = unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.size === 0) {
    if (isWithinTolerance(tol, ratio)) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(ratio * readyPodCount), usage };
  }
  if (missing.size > 0) {
    if (ratio < 1) for (const n of missing) metrics.set(n, targetMilli);
    else if (ratio > 1) for (const n of missing) metrics.set(n, 0);
  }
  if (scaleUpWithUnready) for (const n of unready) metrics.set(n, 0);
  const { ratio: newRatio } = metricUsageRatio(metrics, targetMilli);
  if (isWithinTolerance(tol, newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return { replicas: currentReplicas, usage };
  const newReplicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) return { replicas: currentReplicas, usage };
  return { replicas: newReplicas, usage };
}

// ---- behaviour --------------------------------------------------------------------------------------------

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

type Raw = Record<string, unknown>;
const asObj = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});

function rules(raw: unknown, dflt: ScalingRules): ScalingRules {
  const r = asObj(raw);
  const policies = Array.isArray(r.policies)
    ? r.policies.map(asObj).map((p) => ({ type: p.type === 'Percent' ? ('Percent' as const) : ('Pods' as const), value: Number(p.value ?? 0), periodSeconds: Number(p.periodSeconds ?? 15) }))
    : dflt.policies;
  const sp = r.selectPolicy;
  return {
    stabilizationWindowSeconds: typeof r.stabilizationWindowSeconds === 'number' ? r.stabilizationWindowSeconds : dflt.stabilizationWindowSeconds,
    selectPolicy: sp === 'Min' || sp === 'Disabled' || sp === 'Max' ? sp : dflt.selectPolicy,
    policies,
  };
}

/**
 * spec.behavior with the autoscaling/v2 defaults filled in (the API server fills them only when behavior is
 * set; the scale-down window defaults to the controller's --horizontal-pod-autoscaler-downscale-stabilization).
 */
export function behaviorWithDefaults(raw: unknown, downscaleStabilizationSeconds = 300): Behavior {
  const b = asObj(raw);
  return {
    scaleUp: rules(b.scaleUp, { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] }),
    scaleDown: rules(b.scaleDown, { stabilizationWindowSeconds: downscaleStabilizationSeconds, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }),
  };
}

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** The controller's per-HPA memory (it lives in kube-controller-manager, not in the HPA object). */
export interface HpaMemory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export function newMemory(currentReplicas: number, now: number): HpaMemory {
  return { recommendations: [{ replicas: currentReplicas, at: now }], scaleUpEvents: [], scaleDownEvents: [] };
}

export interface Condition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  ableToScale: Condition;
  scalingLimited: Condition;
}

/** Without spec.behavior: max recommendation over the downscale window, then min/max and the 2x-or-4 scale-up limit. */
export function normalizeDesiredReplicas(mem: HpaMemory, current: number, prenormalized: number, min: number, max: number, now: number, downscaleWindowSeconds = 300): Normalized {
  let stabilized = prenormalized;
  let oldIndex = -1;
  const cutoff = now - downscaleWindowSeconds * 1000;
  mem.recommendations.forEach((r, i) => {
    if (r.at < cutoff) oldIndex = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  });
  if (oldIndex >= 0) mem.recommendations[oldIndex] = { replicas: prenormalized, at: now };
  else mem.recommendations.push({ replicas: prenormalized, at: now });
  const ableToScale: Condition =
    stabilized !== prenormalized
      ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
  const scaleUpLimit = Math.max(2 * current, 4);
  let maximum: number;
  let limitReason: string;
  let limitMessage: string;
  if (max > scaleUpLimit) {
    maximum = scaleUpLimit;
    limitReason = 'ScaleUpLimit';
    limitMessage = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = max;
    limitReason = 'TooManyReplicas';
    limitMessage = 'the desired replica count is more than the maximum replica count';
  }
  let replicas = stabilized;
  let reason = 'DesiredWithinRange';
  let message = 'the desired count is within the acceptable range';
  if (stabilized < min) {
    replicas = min;
    reason = 'TooFewReplicas';
    message = 'the desired replica count is less than the minimum replica count';
  } else if (stabilized > maximum) {
    replicas = maximum;
    reason = limitReason;
    message = limitMessage;
  }
  return { replicas, ableToScale, scalingLimited: { status: replicas === stabilized ? 'False' : 'True', reason, message } };
}

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.filter((e) => e.at > cutoff).reduce((s, e) => s + e.change, 0);
}

export function scaleUpLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], r: ScalingRules, now: number): number {
  if (r.selectPolicy === 'Disabled') return current;
  const pick = r.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = r.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of r.policies) {
    const start = current - changeInPeriod(p.periodSeconds, up, now) + changeInPeriod(p.periodSeconds, down, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

export function scaleDownLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], r: ScalingRules, now: number): number {
  if (r.selectPolicy === 'Disabled') return current;
  const pick = r.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = r.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of r.policies) {
    const start = current - changeInPeriod(p.periodSeconds, up, now) + changeInPeriod(p.periodSeconds, down, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** With spec.behavior: stabilization windows (min over the up window, max over the down window), then rate limits. */
export function normalizeDesiredReplicasWithBehaviors(mem: HpaMemory, b: Behavior, current: number, prenormalized: number, min: number, max: number, now: number): Normalized {
  const upCutoff = now - b.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - b.scaleDown.stabilizationWindowSeconds * 1000;
  let upRec = prenormalized;
  let downRec = prenormalized;
  let oldIndex = -1;
  mem.recommendations.forEach((r, i) => {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
    if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
  });
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  if (oldIndex >= 0) mem.recommendations[oldIndex] = { replicas: prenormalized, at: now };
  else mem.recommendations.push({ replicas: prenormalized, at: now });
  let ableToScale: Condition;
  if (stabilized !== prenormalized) {
    ableToScale =
      prenormalized >= current
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  } else ableToScale = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

  let replicas = stabilized;
  let reason = 'DesiredWithinRange';
  let message = 'the desired count is within the acceptable range';
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, mem.scaleUpEvents, mem.scaleDownEvents, b.scaleUp, now), current);
    let maximum = max;
    let r = 'TooManyReplicas';
    let m = 'the desired replica count is more than the maximum replica count';
    if (maximum > limit) {
      maximum = limit;
      r = 'ScaleUpLimit';
      m = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (stabilized > maximum) [replicas, reason, message] = [maximum, r, m];
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, mem.scaleUpEvents, mem.scaleDownEvents, b.scaleDown, now), current);
    let minimum = min;
    let r = 'TooFewReplicas';
    let m = 'the desired replica count is less than the minimum replica count';
    if (minimum < limit) {
      minimum = limit;
      r = 'ScaleDownLimit';
      m = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (stabilized < minimum) [replicas, reason, message] = [minimum, r, m];
  }
  return { replicas, ableToScale, scalingLimited: { status: replicas === stabilized ? 'False' : 'True', reason, message } };
}

/** storeScaleEvent: remembers a rescale for the rate limits (only with spec.behavior). */
export function storeScaleEvent(mem: HpaMemory, b: Behavior, prev: number, next: number, now: number): void {
  const up = next > prev;
  const events = up ? mem.scaleUpEvents : mem.scaleDownEvents;
  const longest = Math.max(0, ...(up ? b.scaleUp : b.scaleDown).policies.map((p) => p.periodSeconds));
  const cutoff = now - longest * 1000;
  for (const e of events) if (e.at < cutoff) e.outdated = true;
  const event = { change: Math.abs(next - prev), at: now, outdated: false };
  let idx = -1;
  events.forEach((e, i) => {
    if (e.outdated) idx = i;
  });
  if (idx >= 0) events[idx] = event;
  else events.push(event);
}

// ---- External metrics ---------------------------------------------------------------------------------------

/** What int64(math.Ceil(x)) gives on amd64 for ±Inf and NaN (x/0 in GetExternalPerPodMetricReplicas). */
export const GO_MIN_INT64_MILLI = '-9223372036854775808m';

export interface ExternalResult {
  replicas: number;
  /** the milli-value the status reports (a string when Go's conversion overflows) */
  usage: number | string;
}

/**
 * GetExternalPerPodMetricReplicas (replica_calculator.go), for an AverageValue target: the values are summed,
 * the ratio is usage / (target x statusReplicas) (the target's status.replicas, not its spec), and outside the
 * tolerance the proposal is ceil(usage / target); the status shows ceil(usage / statusReplicas).
 */
export function calcExternalPerPodReplicas(valuesMilli: number[], targetMilli: number, statusReplicas: number, tol: Tolerances): ExternalResult {
  const usage = valuesMilli.reduce((a, b) => a + b, 0);
  let replicas = statusReplicas;
  const ratio = usage / (targetMilli * statusReplicas);
  if (!isWithinTolerance(tol, ratio)) replicas = Math.ceil(usage / targetMilli);
  return { replicas, usage: statusReplicas === 0 ? GO_MIN_INT64_MILLI : Math.ceil(usage / statusReplicas) };
}

/**
 * GetExternalMetricReplicas + getUsageRatioReplicaCount, for a Value target: ratio = usage / target; with replicas
 * running, the current count within the tolerance, else ceil(ratio x ready pods) (pods Running and Ready); from
 * zero replicas, ceil(ratio).
 */
export function calcExternalValueReplicas(valuesMilli: number[], targetMilli: number, currentReplicas: number, readyPods: () => number | { error: string }, tol: Tolerances): ExternalResult | { error: string } {
  const usage = valuesMilli.reduce((a, b) => a + b, 0);
  const ratio = usage / targetMilli;
  if (currentReplicas === 0) return { replicas: Math.ceil(ratio), usage };
  if (isWithinTolerance(tol, ratio)) return { replicas: currentReplicas, usage };
  const ready = readyPods();
  if (typeof ready !== 'number') return { error: `unable to calculate ready pods: ${ready.error}` };
  return { replicas: Math.ceil(ratio * ready), usage };
}

/**
 * How `%+v` prints a *metav1.LabelSelector in the controller's messages: the gogo-protobuf String() of
 * k8s.io/apimachinery/pkg/apis/meta/v1/generated.pb.go ("nil" for none; map keys sorted).
 */
export function labelSelectorGoString(sel: unknown): string {
  if (sel === undefined || sel === null || typeof sel !== 'object') return 'nil';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> };
  const labels = Object.keys(s.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${s.matchLabels?.[k] ?? ''},`)
    .join('');
  const exprs = (s.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

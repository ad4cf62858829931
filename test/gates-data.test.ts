// Gates read what the API says whatever the metric's type or the component: the HPA's current value for
// Pods, Object, External and Resource metrics (autoscaling/v2 MetricStatus).
import { describe, expect, it } from 'vitest';
import { currentReading } from '../scripts/lib/gates/probes.ts';

describe("an HPA's current reading, for every metric type", () => {
  it('Pods, Object, External, Resource', () => {
    expect(currentReading({ type: 'Pods', pods: { metric: { name: 'myapp_processed_ops_per_second' }, current: { averageValue: '6100m' } } })).toEqual({ name: 'myapp_processed_ops_per_second', value: '6100m' });
    expect(currentReading({ type: 'Object', object: { metric: { name: 'requests' }, current: { value: '12' } } })).toEqual({ name: 'requests', value: '12' });
    expect(currentReading({ type: 'External', external: { metric: { name: 's0-prometheus' }, current: { averageValue: '5' } } })).toEqual({ name: 's0-prometheus', value: '5' });
    expect(currentReading({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } })).toEqual({ name: 'cpu', value: '42%' });
  });
  it('no value yet: no reading', () => {
    expect(currentReading({ type: 'External', external: { metric: { name: 'x' } } })).toBeUndefined();
    expect(currentReading(undefined)).toBeUndefined();
  });
});

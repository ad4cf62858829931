import { describe, expect, it } from 'vitest';
import { judge, rebaseSamples, renderChart, sampleLine, summarize } from '../scripts/lib/demo/model.ts';
import type { Sample } from '../scripts/lib/demo/model.ts';
import { formatNumber, parseQuantity } from '../scripts/lib/kube/quantity.ts';

const hpa = { min: 1, max: 10, metric: 'myapp_processed_ops_per_second', target: 5 };
function s(t: number, phase: Sample['phase'], average: number | undefined, replicas: number, ready: number): Sample {
  return { t: t * 1000, phase, sentRate: phase === 'load' ? 30 : 0, failedRate: 0, average, target: 5, perPod: [], replicas, ready };
}
// A scale-out to 6 and back in: metric crosses at 9s, first extra pod at 15s, Ready at 18s; load stops at 60s.
const run: Sample[] = [
  s(-1, 'baseline', 0, 1, 1),
  s(3, 'load', 2, 1, 1),
  s(9, 'load', 12, 1, 1),
  s(15, 'load', 24, 3, 1),
  s(18, 'load', 10, 3, 3),
  s(40, 'load', 5, 6, 6),
  s(60, 'load', 5, 6, 6),
  s(70, 'scale-in', 0, 6, 6),
  s(95, 'scale-in', 0, 1, 2),
  s(100, 'scale-in', 0, 1, 1),
];

describe('demo model', () => {
  it('summarizes the times a room cares about', () => {
    const sum = summarize(run, hpa, 60_000);
    expect(sum).toMatchObject({ metricAboveTarget: 9, firstExtraPod: 15, firstExtraPodReady: 18, peakReplicas: 6, peakReadyReplicas: 6, backToMinimum: 40, loadSeconds: 60, averageSentRate: 30 });
  });

  it('judges --expect-replicas N --within D, with and without the scale-in', () => {
    const sum = summarize(run, hpa, 60_000);
    expect(judge(sum, run, { replicas: 3, withinSeconds: 30, scaleInWithinSeconds: 60 })).toEqual({ ok: true, reasons: [] });
    const late = judge(sum, run, { replicas: 3, withinSeconds: 10 });
    expect(late.ok).toBe(false);
    expect(late.reasons[0]).toMatch(/expected ≥ 3 Ready replicas within 10s of load start; peak was 6 Ready \(6 desired\), reached at 18s/);
    const impossible = judge(sum, run, { replicas: 11, withinSeconds: 180 });
    expect(impossible.reasons[0]).toMatch(/peak was 6 Ready/);
    const slowIn = judge(sum, run, { replicas: 3, withinSeconds: 30, scaleInWithinSeconds: 30 });
    expect(slowIn.reasons).toEqual(['expected the Deployment back at 1 replica within 30s after the load stopped; it took 40s']);
    const never = summarize(run.slice(0, 8), hpa, 60_000);
    expect(judge(never, run.slice(0, 8), { replicas: 3, withinSeconds: 30, scaleInWithinSeconds: 60 }).reasons).toEqual(['expected the Deployment back at 1 replica within 60s after the load stopped; it was not']);
  });

  it('an in-cluster load: times count from when its pod runs, not from before its start-up', () => {
    // The baseline is taken at 0, the Job's pod then takes 40 s to run; the load samples follow from there,
    // timed from the baseline as the demo's clock read them.
    const startup = 40;
    const asTaken = (): Sample[] => [s(0, 'baseline', 0, 1, 1), ...run.filter((x) => x.phase !== 'baseline').map((x) => ({ ...x, t: x.t + startup * 1000 }))];
    const counted = asTaken();
    const countedSummary = summarize(counted, hpa, (60 + startup) * 1000);
    // what the start-up would do to the figures: every time 40 s late, a 30 s --within missed
    expect(countedSummary.firstExtraPod).toBe(55);
    expect(judge(countedSummary, counted, { replicas: 3, withinSeconds: 30 }).ok).toBe(false);
    const rebased = asTaken();
    rebaseSamples(rebased, startup * 1000);
    expect(rebased[0]?.t).toBe(-40_000);
    const sum = summarize(rebased, hpa, 60_000);
    expect(sum).toEqual(summarize(run, hpa, 60_000));
    expect(sum).toMatchObject({ metricAboveTarget: 9, firstExtraPod: 15, firstExtraPodReady: 18, loadSeconds: 60 });
    expect(judge(sum, rebased, { replicas: 3, withinSeconds: 30 }).ok).toBe(true);
    expect(sampleLine(rebased[0] ?? s(0, 'baseline', 0, 1, 1), hpa.metric, formatNumber)).toMatch(/^ -40s baseline/);
  });

  it('a baseline before the load (negative t) is not load time: replicas left from before do not meet --expect-replicas', () => {
    const leftover: Sample[] = [s(-40, 'baseline', 0, 3, 3), s(3, 'load', 1, 1, 1), s(6, 'load', 2, 1, 1)];
    const sum = summarize(leftover, { ...hpa, max: 3 }, 6000);
    expect(sum).toMatchObject({ firstExtraPod: undefined, firstExtraPodReady: undefined, peakReadyReplicas: 1 });
    expect(judge(sum, leftover, { replicas: 3, withinSeconds: 6 }).ok).toBe(false);
  });

  it('draws a chart with the target line and the replicas row, and one line per sample', () => {
    const rows = renderChart(run, 20, 4);
    expect(rows).toHaveLength(5);
    expect(rows.join('\n')).toContain('target');
    expect(rows[4]).toMatch(/replicas │.+ 1 Ready \(max 6\)$/);
    expect(sampleLine({ ...run[3]!, perPod: [{ pod: 'test-prometheus-6d4cf-abcde', value: 12.5 }], desired: 5 }, hpa.metric, formatNumber)).toBe(
      ' +15s load     sent 30/s | myapp_processed_ops_per_second avg 24/5 [abcde=12.5] | replicas 3 (1 Ready), HPA wants 5',
    );
  });

  it('parses Kubernetes quantities as the APIs print them', () => {
    expect([parseQuantity('500m'), parseQuantity('3'), parseQuantity('2k'), parseQuantity('1500m'), parseQuantity('x')]).toEqual([0.5, 3, 2000, 1.5, undefined]);
  });
});

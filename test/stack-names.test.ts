// Names a chart derives from its release, computed by hpa-lab instead of typed twice. Each case is worked out
// by hand from kube-prometheus-stack's _helpers.tpl ("kube-prometheus-stack.fullname": the release when it
// contains the chart name, else "<release>-kube-prometheus-stack"; `trunc 26`; `trimSuffix "-"`).
import { describe, expect, it } from 'vitest';
import { kpsFullname, STACK_FUNCTIONS } from '../scripts/lib/stack/stack-file.ts';

const service = (release: string) => STACK_FUNCTIONS.kpsPrometheusService?.(release);

describe("kube-prometheus-stack's fullname and Prometheus Service", () => {
  it('release "prometheus" (the article\'s): cut to 26 → prometheus-kube-prometheus', () => {
    expect(kpsFullname('prometheus')).toBe('prometheus-kube-prometheus');
    expect(service('prometheus')).toBe('prometheus-kube-prometheus-prometheus');
  });

  it('a short release gets the chart name appended, then the cut', () => {
    expect(kpsFullname('mon')).toBe('mon-kube-prometheus-stack'); // 25 characters: nothing cut
    expect(kpsFullname('monitoring')).toBe('monitoring-kube-prometheus'); // 32 → 26
  });

  it('a release that contains the chart name is used alone, and is cut to 26 too', () => {
    expect(kpsFullname('kube-prometheus-stack')).toBe('kube-prometheus-stack');
    expect(kpsFullname('team-a-kube-prometheus-stack')).toBe('team-a-kube-prometheus-sta');
    expect(service('team-a-kube-prometheus-stack')).toBe('team-a-kube-prometheus-sta-prometheus');
  });

  it('a cut that ends in "-" loses that one "-" (trimSuffix)', () => {
    // "abcdefghi-kube-prometheus-stack" cut to 26 is "abcdefghi-kube-prometheus-"
    expect(kpsFullname('abcdefghi')).toBe('abcdefghi-kube-prometheus');
    // 20 characters: the cut lands on the "-" after "kube"
    expect(kpsFullname('a'.repeat(20))).toBe(`${'a'.repeat(20)}-kube`);
    // 25 characters: only the first "-" of the suffix survives the cut, and goes
    expect(kpsFullname('r'.repeat(25))).toBe('r'.repeat(25));
    // trimSuffix removes one "-", not a run of them
    expect(kpsFullname('kube-prometheus-stack-ab--c')).toBe('kube-prometheus-stack-ab-');
  });
});

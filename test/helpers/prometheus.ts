// Tests that need a real Prometheus skip with a visible reason where it is not installed; CI installs it
// and sets HPA_LAB_REQUIRE_PROMETHEUS=1, which turns a missing Prometheus into a failure instead.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const HAS_PROMETHEUS = onPath('prometheus');
export const PROMETHEUS_REASON = HAS_PROMETHEUS ? '' : '(SKIPPED: needs a real Prometheus: apt-get install -y prometheus)';

/** True when the real-Prometheus tests should run; throws in CI when Prometheus is missing. */
export function requirePrometheus(): boolean {
  if (!HAS_PROMETHEUS && process.env.HPA_LAB_REQUIRE_PROMETHEUS === '1') {
    throw new Error('HPA_LAB_REQUIRE_PROMETHEUS=1 but no prometheus on PATH: CI must install it (apt-get install -y prometheus)');
  }
  return HAS_PROMETHEUS;
}

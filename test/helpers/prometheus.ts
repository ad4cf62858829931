// Tests that need a real Prometheus skip with a visible reason where it is not installed; CI installs it
// and sets HPA_LAB_REQUIRE_PROMETHEUS=1, which turns a missing Prometheus into a failure instead.
import { executable } from './sim.ts';

/** The binary the simulated cluster's data path runs. */
const BIN = process.env.HPA_LAB_SIM_PROMETHEUS_BIN ?? '/usr/bin/prometheus';


export const HAS_PROMETHEUS = executable(BIN);
export const PROMETHEUS_REASON = HAS_PROMETHEUS ? '' : `(SKIPPED: needs a real Prometheus at ${BIN}: apt-get install -y prometheus)`;

/** True when the real-Prometheus tests should run; throws in CI when Prometheus is missing. */
export function requirePrometheus(): boolean {
  if (!HAS_PROMETHEUS && process.env.HPA_LAB_REQUIRE_PROMETHEUS === '1') {
    throw new Error(`HPA_LAB_REQUIRE_PROMETHEUS=1 but ${BIN} is missing: CI must install it (apt-get install -y prometheus)`);
  }
  return HAS_PROMETHEUS;
}

// The simulated chart repositories: which chart versions exist where (repo URL or OCI reference + chart +
// version), as `helm` resolves `upgrade --install REL CHART --repo URL --version V`, and the software their
// images run inside the simulated cluster (behaviours, controllers, aggregated APIs), which the API server
// registers with simulatedSoftware().
import { registerAggregatedApi } from '../lib/aggregator.ts';
import type { Controller } from '../lib/controllers.ts';
import { registerBehaviour } from '../lib/podbehaviour.ts';
import type { ChartVersion, SimulatedSoftware } from './common.ts';
import { keda } from './keda.ts';
import { kedaSoftware } from './keda-software.ts';
import { kubePrometheusStack } from './kube-prometheus-stack.ts';
import { metricsServer, metricsServerSoftware } from './metrics-server.ts';
import { prometheusAdapter, prometheusAdapterSoftware } from './prometheus-adapter.ts';
import { prometheusOperatorSoftware } from './prometheus-operator.ts';

export const CHARTS: ChartVersion[] = [metricsServer, kubePrometheusStack, prometheusAdapter, keda];

/** "https://x/charts/" and "https://x/charts" are the same repository. */
export function normalizeRepo(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Chart versions published in a repository (undefined when the simulation knows no such repository). */
export function repoIndex(repo: string): ChartVersion[] | undefined {
  const r = normalizeRepo(repo);
  const found = CHARTS.filter((c) => c.repos.some((x) => !x.startsWith('oci://') && x === r));
  return found.length ? found : undefined;
}

/** A chart by OCI reference (oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack). */
export function ociChart(ref: string, version: string): { versions: ChartVersion[]; chart?: ChartVersion } {
  const versions = CHARTS.filter((c) => c.repos.includes(normalizeRepo(ref)));
  return { versions, chart: versions.find((c) => c.version === version) };
}

const SOFTWARE: SimulatedSoftware[] = [metricsServerSoftware, prometheusOperatorSoftware, prometheusAdapterSoftware, kedaSoftware];

/** Registers the charts' pod behaviours and aggregated APIs; returns their controllers for the API server. */
export function simulatedSoftware(): Controller[] {
  const controllers: Controller[] = [];
  for (const s of SOFTWARE) {
    for (const b of s.behaviours ?? []) registerBehaviour(b);
    for (const a of s.apis ?? []) registerAggregatedApi(a);
    controllers.push(...(s.controllers ?? []));
  }
  return controllers;
}

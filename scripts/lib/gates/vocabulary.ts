// The gate vocabulary a stack can use: each type's fields (checked when the stack is loaded).
// The probes and the failure diagnoses live in scripts/lib/gates/probes.ts.
// Every gate may also say whose pods explain its failure: `involved: {namespace, labelSelector}`.
export const GATE_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  apiServiceAvailable: { required: ['name'], optional: [] },
  nodeMetrics: { required: [], optional: [] },
  workloadsReady: { required: ['namespace', 'labelSelector'], optional: [] },
  condition: { required: ['apiVersion', 'kind', 'name', 'condition'], optional: ['namespace', 'status'] },
  prometheusReady: { required: ['url'], optional: [] },
  podsReady: { required: ['namespace', 'labelSelector'], optional: [] },
  http: { required: ['url'], optional: ['expectBody'] },
  prometheusTarget: { required: ['url', 'serviceMonitor', 'series'], optional: [] },
  customMetrics: { required: ['namespace', 'labelSelector', 'metrics'], optional: ['rules'] },
  hpaReading: { required: ['namespace', 'name'], optional: [] },
};

// The shipped stacks load, and every key their releases set is in the pinned chart's key set (offline,
// charts-values/keys/); a misspelled key is bad input (exit 2) naming the file, the key and the nearest one.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../scripts/lib/lab.ts';
import { checkReleaseKeys, checkStackObjects, pinnedCharts, prepareStack } from '../scripts/lib/stack/prepare.ts';
import { loadManifests, parseSet } from '../scripts/lib/stack/stack-file.ts';
import { keyPaths, keyTree, readChartKeys } from '../scripts/lib/stack/chart-keys.ts';
import { describeWithShared, sharedPath } from './helpers/shared.ts';
import { rejectedInputError, thrownInputError } from './helpers/errors.ts';

const stacks = readdirSync(path.join(REPO_ROOT, 'stacks')).filter((f) => f.endsWith('.yaml'));

/** A copy of the custom-metrics stack whose values files can be edited. */
function editedStack(edit: (valuesDir: string, manifestsDir: string) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-stack-'));
  cpSync(path.join(REPO_ROOT, 'charts-values'), path.join(dir, 'charts-values'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'stacks', 'custom-metrics'), path.join(dir, 'manifests'), { recursive: true });
  const file = path.join(dir, 'custom-metrics.yaml');
  writeFileSync(file, readFileSync(path.join(REPO_ROOT, 'stacks/custom-metrics.yaml'), 'utf8').replaceAll(' charts-values/', ` ${dir}/charts-values/`).replaceAll(' stacks/custom-metrics/', ` ${dir}/manifests/`));
  edit(path.join(dir, 'charts-values'), path.join(dir, 'manifests'));
  return file;
}

describe('the shipped stacks', () => {
  for (const f of stacks) {
    it(`${f} loads, and its releases set only keys the pinned charts have`, () => {
      const prepared = prepareStack({ stack: path.join(REPO_ROOT, 'stacks', f), sets: [] }, '/nonexistent');
      expect(prepared.stack.name).toBe(f.replace(/\.yaml$/, ''));
      expect(() => checkReleaseKeys(prepared)).not.toThrow();
    });
  }

  it('every pinned chart has its key set', () => {
    for (const { chart, version } of pinnedCharts()) expect(() => readChartKeys(chart, version), `${chart}-${version}`).not.toThrow();
  });
});

describe('values keys checked offline at up and plan', () => {
  it('a misspelled key in a values file: the file, the key path and the nearest key', () => {
    const stack = editedStack((d) => writeFileSync(path.join(d, 'metrics-server.yaml'), 'argz:\n  - --kubelet-insecure-tls\n'));
    const e = thrownInputError(() => checkReleaseKeys(prepareStack({ stack, sets: [] }, '/nonexistent')));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/metrics-server\.yaml: argz: not a key of metrics-server 3\.13\.1's values \(Helm would ignore it silently\) \(did you mean args\?\)/);
  });

  it('a key of a sub-chart is checked against the sub-chart, under its key', () => {
    const stack = editedStack((d) => {
      const f = path.join(d, 'kube-prometheus-stack.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('  sidecar:\n', '  sidecarr:\n'));
    });
    expect(thrownInputError(() => checkReleaseKeys(prepareStack({ stack, sets: [] }, '/nonexistent'))).message).toMatch(/kube-prometheus-stack\.yaml: grafana\.sidecarr\.datasources\.alertmanager\.enabled: not a key .*did you mean grafana\.sidecar\?/);
  });

  it('key paths round-trip: open maps and lists, dotted keys', () => {
    const values = { a: { b: 1, c: [], d: {}, e: null, 'x.y': 2, f: [1] }, g: 'v' };
    expect(keyPaths(values)).toEqual(['a.b', 'a.c.*', 'a.d.*', 'a.e.*', 'a.f', 'a.x\\.y', 'g']);
    expect(keyTree(keyPaths(values))).toEqual({ a: { b: 0, c: {}, d: {}, e: {}, f: 0, 'x.y': 0 }, g: 0 });
  });
});

describeWithShared(['upstream-values'], 'the key sets are what the charts publish (../shared/upstream-values)', () => {
  for (const { chart, version } of pinnedCharts()) {
    it(`charts-values/keys/${chart}-${version}.keys`, () => {
      const lines = readFileSync(path.join(REPO_ROOT, 'charts-values/keys', `${chart}-${version}.keys`), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      expect(lines).toEqual(keyPaths(parse(readFileSync(sharedPath('upstream-values', `${chart}-${version}.yaml`), 'utf8'))));
    });
  }
});

describe('typed settings: --set and --variant values checked at load, before preflight', () => {
  const load = (...sets: string[]) => () => prepareStack({ stack: 'custom-metrics', sets: sets.map(parseSet) }, '/nonexistent');
  const cases: Array<[string[], RegExp]> = [
    [['hpa.averageValue=abc'], /^--set hpa\.averageValue: expected a Kubernetes quantity .*, got "abc"$/],
    [['app.nodePort=30000x'], /^--set app\.nodePort: expected a NodePort number from 30000 to 32767, got "30000x"$/],
    [['hpa.maxReplicas=0'], /^--set hpa\.maxReplicas: expected a whole number from 1 to 1000, got 0$/],
    [['hpa.minReplicas=5', 'hpa.maxReplicas=3'], /hpa\.minReplicas must not be greater than hpa\.maxReplicas \(hpa\.minReplicas=5, hpa\.maxReplicas=3\)/],
    [['app.name=Bad_Name'], /^--set app\.name: expected a DNS-1123 label .*, got "Bad_Name"$/],
    [['hpa.scaleDownWindowSeconds=4000'], /expected a whole number from 0 to 3600, got 4000/],
    [['app.nodePort=30090'], /app\.nodePort, prometheus\.nodePort, grafana\.nodePort must all differ/],
    [['app.scrapeInterval=5'], /^--set app\.scrapeInterval: expected a Prometheus duration/],
    [['prometheus.url=not a url'], /^--set prometheus\.url: expected http:\/\/HOST or https:\/\/HOST/],
    // the stack appends :PORT to it: a path or a port would compose http://h/:9090 or http://h:9090:9090
    [['prometheus.url=http://prom.example/'], /^--set prometheus\.url: expected http:\/\/HOST or https:\/\/HOST: .*, got "http:\/\/prom\.example\/"$/],
    [['prometheus.url=http://prom.example:9090'], /^--set prometheus\.url: expected http:\/\/HOST/],
    // a newline would be YAML injected into the values files (WHATWG's URL parser drops it silently)
    [['prometheus.url=http://prom.example\nrules: {}'], /^--set prometheus\.url: expected http:\/\/HOST/],
    [['prometheus.url=http://prom\t.example'], /^--set prometheus\.url: expected http:\/\/HOST/],
    // an HPA target must be positive (kubernetes pkg/apis/autoscaling/validation/validation.go, validateMetricTarget)
    [['hpa.averageValue=-3'], /^--set hpa\.averageValue: expected a Kubernetes quantity greater than zero .*, got -3$/],
    [['hpa.averageValue=0'], /^--set hpa\.averageValue: expected a Kubernetes quantity greater than zero/],
    [['hpa.averageValue=0m'], /^--set hpa\.averageValue: expected a Kubernetes quantity greater than zero/],
    // --set values are literal: a ${...} in one is not resolved (it would pass as the setting it names)
    [['app.name=${prometheus.service}'], /^--set app\.name: expected a DNS-1123 label .*, got "\$\{prometheus\.service\}"$/],
    [['app.portName=prometheus-port-too-long'], /^--set app\.portName: expected a port name/],
    [['hpa.metric=9lives'], /^--set hpa\.metric: expected a Prometheus metric name/],
  ];
  for (const [sets, want] of cases) {
    it(`--set ${sets.join(' --set ')}`, () => {
      const e = thrownInputError(load(...sets));
      expect(e.exitCode).toBe(2);
      expect(e.message).toMatch(want);
    });
  }

  it('accepts good values, quantities in every form, and the article variant', () => {
    for (const v of ['5', '500m', '1.5', '2k', '10', '0.5']) expect(() => load(`hpa.averageValue=${v}`)()).not.toThrow();
    for (const v of ['http://prom.example', 'https://prometheus-operated.monitoring.svc', 'http://10.0.0.7', 'http://[fd00::7]']) expect(() => load(`prometheus.url=${v}`)()).not.toThrow();
    expect(() => prepareStack({ stack: 'keda', sets: [parseSet('scaler.threshold=-3')] }, '/nonexistent')).toThrow(/--set scaler\.threshold: expected a Kubernetes quantity greater than zero/);
    expect(() => prepareStack({ stack: 'custom-metrics', sets: [], variant: 'article' }, '/nonexistent')).not.toThrow();
  });

  it('no secret in a message: a ${secrets...} in --set stays literal, and a setting the stack composes from a secret is masked', () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hpa-lab-state-'));
    const password = 'Kept7SecretPassw0rdX';
    writeFileSync(path.join(stateDir, 'secrets.json'), JSON.stringify({ grafanaAdminPassword: password }));
    const viaSet = thrownInputError(() => prepareStack({ stack: 'custom-metrics', sets: [parseSet('prometheus.url=${secrets.grafanaAdminPassword}')] }, stateDir));
    expect(viaSet.message).toMatch(/^--set prometheus\.url: expected http:\/\/HOST.*, got "\$\{secrets\.grafanaAdminPassword\}"$/);
    expect(JSON.stringify(viaSet)).not.toContain(password);
    const composed = editedStack(() => undefined);
    writeFileSync(composed, readFileSync(composed, 'utf8').replace(/^ {4}url: http:\/\/\$\{prometheus\.service\}.*$/m, '    url: http://${secrets.grafanaAdminPassword}/x'));
    const fromFile = thrownInputError(() => prepareStack({ stack: composed, sets: [] }, stateDir));
    expect(fromFile.message).toMatch(/settings\.prometheus\.url: expected http:\/\/HOST.*, got "http:\/\/\*\*\*\/x"$/);
    expect(`${fromFile.message} ${fromFile.fix ?? ''}`).not.toContain(password);
  });

  it('a stack file must type every setting, with a known type', () => {
    const untyped = editedStack(() => undefined);
    writeFileSync(untyped, readFileSync(untyped, 'utf8').replace('  app.port: port\n', ''));
    expect(thrownInputError(() => prepareStack({ stack: untyped, sets: [] }, '/nonexistent')).message).toMatch(/types: expected a type for every setting \(missing: app\.port\)/);
    const badType = editedStack(() => undefined);
    writeFileSync(badType, readFileSync(badType, 'utf8').replace('  app.port: port\n', '  app.port: portnumber\n'));
    expect(thrownInputError(() => prepareStack({ stack: badType, sets: [] }, '/nonexistent')).message).toMatch(/types\.app\.port: expected a setting type: string, dns-label/);
  });
});

describe('manifests checked against the Kubernetes schemas before the first change', () => {
  it('the shipped manifests pass', async () => {
    await expect(checkStackObjects(prepareStack({ stack: 'custom-metrics', sets: [] }, '/nonexistent'))).resolves.toBeUndefined();
  });

  it('a wrong type in a manifest: the file, the object and the field', async () => {
    const stack = editedStack((_v, m) => {
      const f = path.join(m, 'hpa.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('maxReplicas: ${hpa.maxReplicas}', 'maxReplicas: ten'));
    });
    const e = await rejectedInputError(() => checkStackObjects(prepareStack({ stack, sets: [] }, '/nonexistent')));
    expect(e.message).toMatch(/manifests\/hpa\.yaml: HorizontalPodAutoscaler test-prometheus-hpa: spec\.maxReplicas must be integer/);
  });

  it('a missing required field of a ServiceMonitor (its CRD schema)', async () => {
    const stack = editedStack((_v, m) => {
      const f = path.join(m, 'sample-app.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/kind: ServiceMonitor([^]*?)\n {2}selector:/, 'kind: ServiceMonitor$1\n  selectorr:'));
    });
    const e = await rejectedInputError(() => checkStackObjects(prepareStack({ stack, sets: [] }, '/nonexistent')));
    expect(e.message).toMatch(/ServiceMonitor test-prometheus: spec must have required property selector/);
  });
});

describe("the lab's Grafana dashboard (stacks/shared/dashboard.yaml), in every stack with an HPA", () => {
  for (const stack of ['custom-metrics', 'keda']) {
    it(`${stack}: a ConfigMap Grafana's sidecar loads, valid JSON, panels on the app's counter and the HPA's series`, () => {
      const prepared = prepareStack({ stack, sets: [] }, '/nonexistent');
      const cm = loadManifests(REPO_ROOT, 'stacks/shared/dashboard.yaml', prepared.resolver)[0] as { kind: string; metadata: { labels: Record<string, string>; namespace: string }; data: Record<string, string> };
      expect(cm.kind).toBe('ConfigMap');
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      const dash = JSON.parse(cm.data['hpa-lab-autoscaling.json'] ?? '') as { uid: string; panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }> };
      expect(dash.uid).toBe('hpa-lab-autoscaling');
      const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
      expect(exprs.some((e) => e.includes('myapp_processed_ops_total'))).toBe(true);
      const hpa = (prepared.resolver.settings.hpa as { name: string }).name;
      for (const series of ['kube_horizontalpodautoscaler_status_desired_replicas', 'kube_horizontalpodautoscaler_status_current_replicas', 'kube_horizontalpodautoscaler_spec_target_metric']) {
        expect(exprs.find((e) => e.startsWith(series))).toContain(`horizontalpodautoscaler="${hpa}"`);
      }
      expect(new Set(dash.panels.map((p) => p.datasource.uid))).toEqual(new Set(['prometheus']));
      expect(prepared.resolver.resolve(prepared.stack.urls, 'urls').dashboard).toMatch(/^http:\/\/127\.0\.0\.1:30030\/d\/hpa-lab-autoscaling$/);
    });
  }
});

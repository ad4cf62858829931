// The simulated KEDA 2.20.2 chart (test/sim/charts/keda.ts) installed through the simulated helm: the objects
// land where the real chart puts them — its CRDs (rendered from templates/, so served once installed), the
// operator and metrics API server Deployments, Services, RBAC and the APIService v1beta1.external.metrics.k8s.io.
// (KEDA's software working is test/sim-keda.test.ts's.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithShared } from './helpers/shared.ts';
import { createSim, type Sim } from './helpers/sim.ts';
import { apiBaseFor, simFetch } from './sim/lib/apiclient.ts';

type Obj = Record<string, unknown>;
interface KObj {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Obj;
  [k: string]: unknown;
}

const KEDA_REPO = 'https://kedacore.github.io/charts';
const CRDS = ['cloudeventsources.eventing.keda.sh', 'clustercloudeventsources.eventing.keda.sh', 'clustertriggerauthentications.keda.sh', 'scaledjobs.keda.sh', 'scaledobjects.keda.sh', 'triggerauthentications.keda.sh'];

describeWithShared(['upstream-values', 'keda-2.20.2.yaml'], 'the KEDA 2.20.2 chart on a simulated cluster', () => {
  let sim: Sim;
  let base: string;
  const cluster = 'keda';
  const get = async (p: string): Promise<{ status: number; body: KObj }> => {
    const res = await simFetch(`${base}${p}`);
    return { status: res.status, body: (await res.json()) as KObj };
  };

  beforeAll(async () => {
    sim = await createSim();
    const r = await sim.exec('kind', ['create', 'cluster', '--name', cluster, '--config', sim.writeKindConfig(sim.ports())]);
    expect(r.exitCode, r.stderr).toBe(0);
    base = apiBaseFor(sim.home, cluster);
  });
  afterAll(() => sim.cleanup());

  // First without the admission webhooks (what a lab that does not need them would do), then the defaults.
  it('helm upgrade --install keda (webhooks off): CRDs served, Deployments, Services, RBAC, APIService', async () => {
    const r = await sim.exec('helm', ['upgrade', '--install', 'keda', 'keda', '--repo', KEDA_REPO, '--version', '2.20.2', '--namespace', 'keda', '--create-namespace', '--set', 'webhooks.enabled=false', '--kube-context', `kind-${cluster}`, '--timeout', '5m0s']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Release "keda" does not exist\. Installing it now\.\nNAME: keda\n[^]*STATUS: deployed\nREVISION: 1\n[^]*Kubernetes Event-driven Autoscaling \(KEDA\)/);

    for (const name of CRDS) expect((await get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).status, name).toBe(200);
    const crd = (await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scaledobjects.keda.sh')).body;
    expect(crd.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'keda-operator', 'app.kubernetes.io/part-of': 'keda-operator', 'app.kubernetes.io/managed-by': 'Helm' });
    expect(crd.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'keda', 'meta.helm.sh/release-namespace': 'keda' });
    const resources = (await get('/apis/keda.sh/v1alpha1')).body as unknown as { resources: Array<{ name: string; shortNames?: string[] }> };
    expect(resources.resources.find((x) => x.name === 'scaledobjects')?.shortNames).toEqual(['so']);

    const op = (await get('/apis/apps/v1/namespaces/keda/deployments/keda-operator')).body;
    expect(op.spec?.selector).toEqual({ matchLabels: { app: 'keda-operator' } });
    const opPod = (op.spec?.template as { spec: { serviceAccountName: string; containers: Array<{ image: string; args: string[] }> } }).spec;
    expect(opPod.serviceAccountName).toBe('keda-operator');
    expect(opPod.containers[0]?.image).toBe('ghcr.io/kedacore/keda:2.20.2');
    expect(opPod.containers[0]?.args).toContain('--enable-webhook-patching=false');
    const ms = (await get('/apis/apps/v1/namespaces/keda/deployments/keda-operator-metrics-apiserver')).body;
    const msPod = (ms.spec?.template as { spec: { containers: Array<{ image: string; args: string[] }> } }).spec;
    expect(msPod.containers[0]?.image).toBe('ghcr.io/kedacore/keda-metrics-apiserver:2.20.2');
    expect(msPod.containers[0]?.args).toContain('--metrics-service-address=keda-operator.keda.svc.cluster.local:9666');
    expect((await get('/apis/apps/v1/namespaces/keda/deployments/keda-admission-webhooks')).status).toBe(404);

    const svc = (await get('/api/v1/namespaces/keda/services/keda-operator-metrics-apiserver')).body;
    expect(svc.spec).toMatchObject({ selector: { app: 'keda-operator-metrics-apiserver' }, ports: [{ name: 'https', port: 443, targetPort: 6443 }, { name: 'metrics', port: 8080, targetPort: 8080 }] });
    expect((await get('/api/v1/namespaces/keda/services/keda-operator')).status).toBe(200);
    // The webhooks' ServiceAccount and RBAC are not gated on webhooks.enabled in the chart.
    for (const sa of ['keda-operator', 'keda-metrics-server', 'keda-webhook']) expect((await get(`/api/v1/namespaces/keda/serviceaccounts/${sa}`)).status, sa).toBe(200);
    const hpaBinding = (await get('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/keda-operator-hpa-controller-external-metrics')).body;
    expect(hpaBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }]);
    expect((await get('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/keda-operator-auth-reader')).status).toBe(200);

    const api = (await get('/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io')).body;
    expect(api.spec).toMatchObject({ group: 'external.metrics.k8s.io', version: 'v1beta1', service: { name: 'keda-operator-metrics-apiserver', namespace: 'keda', port: 443 } });
  });

  it('an upgrade to the defaults (webhooks on) adds the admission webhook, its Deployment and its ValidatingWebhookConfiguration', async () => {
    // --reset-values: an upgrade given no values reuses the last ones (Helm's pkg/action/upgrade.go reuseValues)
    const r = await sim.exec('helm', ['upgrade', '--install', 'keda', 'keda', '--repo', KEDA_REPO, '--version', '2.20.2', '--namespace', 'keda', '--reset-values', '--kube-context', `kind-${cluster}`, '--timeout', '5m0s']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/REVISION: 2/);
    expect((await get('/apis/apps/v1/namespaces/keda/deployments/keda-admission-webhooks')).status).toBe(200);
    const vwc = (await get('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/keda-admission')).body as unknown as { webhooks?: Array<{ name: string }> };
    expect(vwc.webhooks?.length).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kubeletAcceptsNodeLabel, loadKindConfig, parseKindConfig } from '../scripts/lib/cluster/kind-config.ts';
import { InputError } from '../scripts/lib/errors.ts';
import { REPO_ROOT } from '../scripts/lib/lab.ts';

const shipped = readFileSync(path.join(REPO_ROOT, 'kind/cluster.yaml'), 'utf8');

function expectInputError(text: string, ...parts: string[]) {
  try {
    parseKindConfig('my.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const said = `${(err as Error).message}\n${(err as InputError).fix ?? ""}`;
    for (const p of parts) expect(said).toContain(p);
    return;
  }
  throw new Error('expected an InputError');
}

describe('kind config', () => {
  it('accepts the shipped config: three NodePorts on 127.0.0.1, node image pinned by digest', () => {
    const c = loadKindConfig(path.join(REPO_ROOT, 'kind/cluster.yaml'));
    expect(c.portMappings.map((p) => [p.containerPort, p.hostPort, p.listenAddress])).toEqual([
      [30000, 30000, '127.0.0.1'],
      [30090, 30090, '127.0.0.1'],
      [30030, 30030, '127.0.0.1'],
    ]);
    expect(c.nodeImage).toBe('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5');
  });

  it('the shipped node label is outside the kubernetes.io / k8s.io namespaces the kubelet guards', () => {
    const c = loadKindConfig(path.join(REPO_ROOT, 'kind/cluster.yaml'));
    const labels = Object.keys(((c.doc.nodes as Array<{ labels?: Record<string, string> }>)[0]?.labels) ?? {});
    expect(labels).toEqual(['hpa-lab/managed-by']);
    expect(labels.every(kubeletAcceptsNodeLabel)).toBe(true);
  });

  it("refuses node labels the kubelet refuses (its --node-labels rule), naming the label and the allowed ones", () => {
    const withLabel = (key: string) => shipped.replace('hpa-lab/managed-by: hpa-lab', `${key}: x`);
    expectInputError(withLabel('app.kubernetes.io/managed-by'), 'my.yaml', 'nodes[0].labels.app.kubernetes.io/managed-by', 'kubelet refuses', 'node.kubernetes.io');
    expectInputError(withLabel('node-role.kubernetes.io/worker'), 'nodes[0].labels.node-role.kubernetes.io/worker');
    expectInputError(withLabel('example.k8s.io/x'), 'nodes[0].labels.example.k8s.io/x');
    expectInputError(withLabel('k8s.io/x'), 'nodes[0].labels.k8s.io/x');
    // The kubelet's allowed set and prefixes, and labels of one's own, pass.
    for (const ok of ['kubernetes.io/os', 'topology.kubernetes.io/zone', 'node.kubernetes.io/role', 'a.kubelet.kubernetes.io/b', 'hpa-lab/lab', 'plain', 'kubernetes.io.example.com/x']) {
      expect(kubeletAcceptsNodeLabel(ok), ok).toBe(true);
      expect(() => parseKindConfig('my.yaml', withLabel(ok))).not.toThrow();
    }
    expect(kubeletAcceptsNodeLabel('kubernetes.io/role')).toBe(false);
  });

  it('rejects a misspelled field, naming the file and the field path', () => {
    expectInputError(shipped.replace('listenAddress: 127.0.0.1', 'listenAdress: 127.0.0.1'), 'my.yaml', 'nodes[0].extraPortMappings[0].listenAdress', 'unknown field');
  });

  it('rejects a mapping without listenAddress (kind would bind 0.0.0.0)', () => {
    expectInputError(shipped.replace(/\n\s+listenAddress: 127\.0\.0\.1/, ''), 'nodes[0].extraPortMappings[0].listenAddress', 'expected "127.0.0.1"');
  });

  it('rejects containerPort different from hostPort', () => {
    expectInputError(shipped.replace('hostPort: 30000', 'hostPort: 31000'), 'containerPort (30000) must equal hostPort (31000)');
  });

  it('rejects a node image without a digest', () => {
    expectInputError(shipped.replace(/@sha256:[0-9a-f]+/, ''), 'nodes[0].image', 'pinned by digest');
  });

  it('rejects a port outside the NodePort range and a port mapped twice', () => {
    expectInputError(shipped.replaceAll('30090', '8080'), 'containerPort', 'from 30000 to 32767');
    expectInputError(shipped.replaceAll('30090', '30000'), 'hostPort: 30000 is mapped twice');
  });

  it('rejects a wrong apiVersion and YAML that does not parse', () => {
    expectInputError(shipped.replace('kind.x-k8s.io/v1alpha4', 'kind.x-k8s.io/v1alpha3'), 'apiVersion', 'v1alpha4');
    expectInputError('kind: [', 'not valid YAML');
  });

  it('refuses a kubeadmConfigPatches entry kind could not read as a YAML patch (top level and per node)', () => {
    const withPatch = (patch: string, perNode = false) =>
      perNode ? shipped.replace(/(\n {2}- role: control-plane\n)/, `$1    kubeadmConfigPatches:\n      - ${patch}\n`) : `${shipped}\nkubeadmConfigPatches:\n  - ${patch}\n`;
    expectInputError(withPatch('"kind: ClusterConfiguration\\ncontrollerManager: [a"'), 'my.yaml: kubeadmConfigPatches[0]: not valid YAML');
    expectInputError(withPatch('"just a sentence"'), 'my.yaml: kubeadmConfigPatches[0]: expected a YAML map', '"just a sentence"');
    expectInputError(withPatch('{kind: ClusterConfiguration}'), 'my.yaml: kubeadmConfigPatches[0]: expected a string holding a YAML patch');
    expectInputError(withPatch('"kind: InitConfiguration\\n---\\n- a\\n"'), 'my.yaml: kubeadmConfigPatches[0] (document 2): expected a YAML map');
    expectInputError(withPatch('"kind: JoinConfiguration\\nnodeRegistration: {a: [}"', true), 'my.yaml: nodes[0].kubeadmConfigPatches[0]: not valid YAML');
    expect(() => parseKindConfig('my.yaml', withPatch('"kind: ClusterConfiguration\\napiServer:\\n  certSANs: [localhost]\\n"'))).not.toThrow();
  });

  it('names a missing file', () => {
    expect(() => loadKindConfig('/nonexistent/cluster.yaml')).toThrow(/\/nonexistent\/cluster.yaml: cannot read the kind config \(ENOENT\)/);
  });
});

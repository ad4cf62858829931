// Issue 18 item 5: on the containerd image store the app image is loaded from `docker image save --platform`,
// which needs the docker client 28.0+ (its flag) and a daemon with API 1.48+; docker/cli v29 prints the daemon's
// API version as `APIVersion` (the vendored moby/moby client's ServerVersionResult), v28 as `ApiVersion`.
import { describe, expect, it } from 'vitest';
import { loadImage } from '../scripts/lib/stack/actions/image.ts';
import { dockerVersionJson, FakeKube, fakeRunner } from './helpers/fakes.ts';
import { LabError, ToolError } from '../scripts/lib/errors.ts';

async function saveArgs(versionJson: string): Promise<string[]> {
  const runner = fakeRunner({
    "docker info --format '{{json .DriverStatus}}'": { stdout: '[["driver-type","io.containerd.snapshotter.v1"]]' },
    "docker version --format '{{json .}}'": { stdout: versionJson },
    docker: {},
    kind: {},
  });
  const kube = new FakeKube().put({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'hpa-lab-control-plane' }, status: { images: [] } });
  expect(await loadImage(runner, kube, 'hpa-lab', 'hpa-lab/sample-app:abc')).toBe(true);
  const save = runner.invocations.find((c) => c.cmd === 'docker' && c.args[0] === 'image' && c.args[1] === 'save');
  expect(save, runner.calls.join('\n')).toBeDefined();
  expect(runner.calls.some((c) => c.startsWith('kind load image-archive '))).toBe(true);
  return save?.args ?? [];
}

describe('the app image on the containerd store: a single-platform save when both sides can', () => {
  it('docker/cli v29 (the daemon’s APIVersion): --platform linux/amd64', async () => {
    expect(await saveArgs(dockerVersionJson('29.0.0', '1.52', '29.0.0', '1.52'))).toEqual(expect.arrayContaining(['--platform', 'linux/amd64']));
  });

  it('docker/cli 28 (ApiVersion) against a 28 daemon: --platform', async () => {
    expect(await saveArgs(dockerVersionJson('28.2.2', '1.50', '28.2.2', '1.50'))).toContain('--platform');
  });

  it('a client without the flag (27) or a daemon below API 1.48: a plain save, never a flag the client or daemon refuses', async () => {
    expect(await saveArgs(dockerVersionJson('27.5.1', '1.47', '28.2.2', '1.50'))).not.toContain('--platform');
    expect(await saveArgs(dockerVersionJson('28.2.2', '1.47', '27.5.1', '1.47'))).not.toContain('--platform');
  });
});

// Issue 18 item 21: after `kind load`, each node is asked for the image the way kind itself asks (kind v0.32.0
// pkg/cluster/nodeutils/util.go ImageID: `crictl inspecti IMAGE` in the node); crictl v1.36.0 (cmd/crictl/image.go)
// answers a missing one with logrus's fatal line and exit 1.
describe('after kind load, every node it loaded into is asked for the image (crictl inspecti)', () => {
  const IMAGE = 'hpa-lab/sample-app:abc';
  const crictlMissing = `time="2026-05-04T10:11:12Z" level=fatal msg="no such image \\"${IMAGE}\\" present"\n`;
  const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { images: [] } });
  const load = (crictl: (node: string) => { exitCode?: number; stdout?: string; stderr?: string }) => {
    const runner = fakeRunner({
      "docker info --format '{{json .DriverStatus}}'": { stdout: '[["driver-type","overlay2"]]' },
      docker: (args) => (args[0] === 'exec' && args[2] === 'crictl' ? crictl(args[1] as string) : {}),
      kind: {},
    });
    const kube = new FakeKube().put(node('hpa-lab-control-plane'), node('hpa-lab-worker'));
    return { runner, result: loadImage(runner, kube, 'hpa-lab', IMAGE).then((v) => v, (e: unknown) => e) };
  };

  it('every node lists it: loaded, one crictl inspecti per node, after the load', async () => {
    const { runner, result } = load(() => ({ stdout: '{"status": {"id": "sha256:0123"}}' }));
    expect(await result).toBe(true);
    const asked = runner.calls.filter((c) => c.includes(' crictl '));
    expect(asked).toEqual([`docker exec hpa-lab-control-plane crictl inspecti ${IMAGE}`, `docker exec hpa-lab-worker crictl inspecti ${IMAGE}`]);
    expect(runner.calls.findIndex((c) => c.startsWith('kind load docker-image'))).toBeLessThan(runner.calls.indexOf(asked[0] as string));
  });

  it('a node that does not list it after the load: what, why and fix, with crictl’s words, not a success', async () => {
    const { result } = load((n) => (n === 'hpa-lab-worker' ? { exitCode: 1, stderr: crictlMissing } : { stdout: '{}' }));
    const err = (await result) as LabError;
    expect(err).toBeInstanceOf(LabError);
    expect(err).not.toBeInstanceOf(ToolError);
    expect(err.message).toBe(`kind loaded ${IMAGE}, but node hpa-lab-worker does not have it`);
    expect(err.details).toEqual([`docker exec hpa-lab-worker crictl inspecti ${IMAGE}: no such image "${IMAGE}" present`]);
    expect(err.why).toMatch(/^kind load docker-image exited 0, yet the node's container runtime \(containerd\) does not list the image; a pod there would try to pull it, and an image hpa-lab builds is in no registry \(ErrImagePull, then ImagePullBackOff\)/);
    expect(err.fix).toMatch(/^npm run up \(it loads the image again into the nodes that lack it\)/);
    expect(err.fix).toContain('image garbage collection');
  });

  it('crictl cannot be asked at all (the node container is not running): the tool’s own error, never "present"', async () => {
    const { result } = load(() => ({ exitCode: 1, stderr: 'Error response from daemon: container 1a2b is not running\n' }));
    const err = (await result) as ToolError;
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`command failed: docker exec hpa-lab-control-plane crictl inspecti ${IMAGE} (exit 1)`);
    expect(err.details).toEqual(['Error response from daemon: container 1a2b is not running']);
  });
});

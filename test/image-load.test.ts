// Issue 18 item 5: on the containerd image store the app image is loaded from `docker image save --platform`,
// which needs the docker client 28.0+ (its flag) and a daemon with API 1.48+; docker/cli v29 prints the daemon's
// API version as `APIVersion` (the vendored moby/moby client's ServerVersionResult), v28 as `ApiVersion`.
import { describe, expect, it } from 'vitest';
import { loadImage } from '../scripts/lib/stack/actions/image.ts';
import { dockerVersionJson, FakeKube, fakeRunner } from './helpers/fakes.ts';

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

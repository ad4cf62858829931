import { describe, expect, it } from 'vitest';
import { runPreflight } from '../scripts/lib/host/preflight.ts';
import { parseDockerVersions, saveHasPlatform } from '../scripts/lib/host/docker-version.ts';
import type { Check } from '../scripts/lib/host/preflight.ts';
import { dockerVersionJson, fakeHost, fakeRunner, HEALTHY_TOOLS, GiB } from './helpers/fakes.ts';
import type { FakeAnswer } from './helpers/fakes.ts';

const PORTS = [30000, 30090, 30030].map((p) => ({ containerPort: p, hostPort: p, listenAddress: '127.0.0.1', protocol: 'TCP' }));

async function preflight(tools: Record<string, FakeAnswer> = {}, host = fakeHost(), clusterExists = false) {
  const store = { "docker info --format '{{json .DriverStatus}}'": { stdout: '[["Backing Filesystem","extfs"],["Supports d_type","true"]]' } };
  return runPreflight({ host, runner: fakeRunner({ ...HEALTHY_TOOLS, ...store, ...tools }), portMappings: PORTS, clusterExists });
}
const byId = (checks: Check[], id: string) => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
};
const levels = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.id, c.level]));

describe('preflight', () => {
  it('passes on a healthy machine', async () => {
    const checks = await preflight();
    expect(checks.filter((c) => c.level !== 'ok')).toEqual([]);
    expect(levels(checks)).toMatchObject({ node: 'ok', docker: 'ok', kind: 'ok', helm: 'ok', kubectl: 'ok', 'port-30000': 'ok', inotify: 'ok', memory: 'ok' });
  });

  it('cgroup v1 Docker: a warning (the lab runs, its kubelet patched) with the way to cgroup v2, for Linux and for WSL', async () => {
    const v1 = { "docker info --format '{{.CgroupVersion}}'": { stdout: '1\n' } };
    const linux = byId(await preflight(v1), 'cgroup');
    expect(linux).toMatchObject({ level: 'warn', summary: 'Docker runs on cgroup v1: the lab’s kubelet gets failCgroupV1: false to start at all' });
    expect(linux.why).toMatch(/kubelet is configured to not run on a host using cgroup v1/);
    expect(linux.fix).toMatch(/systemd\.unified_cgroup_hierarchy=1/);
    const wsl = byId(await preflight(v1, fakeHost({ env: { WSL_DISTRO_NAME: 'Ubuntu' } })), 'cgroup');
    expect(wsl.fix).toMatch(/kernelCommandLine = cgroup_no_v1=all/);
    expect(byId(await preflight(), 'cgroup')).toMatchObject({ level: 'ok', summary: 'Docker runs on cgroup v2' });
  });

  it('names the Docker daemon (not the client) when the daemon is down, with a fix', async () => {
    const c = byId(await preflight({ "docker version --format '{{json .}}'": { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' } }), 'docker');
    expect(c.level).toBe('fail');
    expect(c.summary).toMatch(/Docker daemon is not reachable: Cannot connect to the Docker daemon/);
    expect(c.fix).toMatch(/systemctl start docker/);
  });

  it('a socket this user may not use (Docker 29’s words) is not "start the daemon": it names the docker group', async () => {
    const c = byId(await preflight({ "docker version --format '{{json .}}'": { exitCode: 1, stderr: 'permission denied while trying to connect to the docker API at unix:///var/run/docker.sock' } }), 'docker');
    expect(c.level).toBe('fail');
    expect(c.fix).toMatch(/usermod -aG docker/);
    expect(c.fix).not.toMatch(/systemctl start docker/);
  });

  // Issue 18 item 16: a minimum for both sides (kind's --cgroupns=private: API 1.41, Docker 20.10).
  it('checks the Docker client and daemon against 20.10 (API 1.41), saying what an old daemon lacks', async () => {
    const ok = byId(await preflight(), 'docker');
    expect(ok).toMatchObject({ level: 'ok', summary: 'Docker daemon 28.2.2 (API 1.50), client 28.2.2 reachable' });
    const old = byId(await preflight({ "docker version --format '{{json .}}'": { stdout: dockerVersionJson('28.2.2', '1.50', '19.03.15', '1.40') } }), 'docker');
    expect(old.level).toBe('fail');
    expect(old.summary).toBe('the Docker daemon 19.03.15 (API 1.40) is older than 20.10.0 (API 1.41)');
    expect(old.why).toContain('--cgroupns=private');
    const oldClient = byId(await preflight({ "docker version --format '{{json .}}'": { stdout: dockerVersionJson('19.03.15', '1.40', '28.2.2', '1.50') } }), 'docker');
    expect(oldClient.summary).toBe('the docker client 19.03.15 is older than 20.10.0');
    // Debian's 20.10 daemon under a 28.2 client: runs, and says it has no single-platform save
    const debian = byId(await preflight({ "docker version --format '{{json .}}'": { stdout: dockerVersionJson('28.2.2', '1.41', '20.10.24', '1.41') } }), 'docker');
    expect(debian.level).toBe('ok');
    expect(debian.summary).toContain('without `docker image save --platform` (client 28.0.0+ and daemon API 1.48+, Docker 28)');
  });

  it('fails on a missing tool with an install command, and on an old kind', async () => {
    const checks = await preflight({ kind: 'missing', 'helm version --short': { stdout: 'v3.9.0+g7ceeda6' } });
    expect(byId(checks, 'kind')).toMatchObject({ level: 'fail', summary: 'kind is not installed (not on PATH)' });
    expect(byId(checks, 'kind').fix).toMatch(/go install sigs.k8s.io\/kind@v0.32.0/);
    expect(byId(checks, 'helm')).toMatchObject({ level: 'fail', summary: 'helm v3.9.0 is older than v3.14.0' });
    const old = await preflight({ 'kind version': { stdout: 'kind v0.29.0 go1.24 linux/amd64' } });
    expect(byId(old, 'kind').level).toBe('fail');
  });

  it('supports Helm 3 and Helm 4', async () => {
    expect(byId(await preflight({ 'helm version --short': { stdout: 'v3.19.0+g3d8990f' } }), 'helm')).toMatchObject({ level: 'ok', summary: 'helm v3.19.0 (Helm 3)' });
    expect(byId(await preflight(), 'helm')).toMatchObject({ level: 'ok', summary: 'helm v4.0.4 (Helm 4)' });
  });

  it('only warns about kubectl (hpa-lab does not run it; the walkthrough does)', async () => {
    expect(byId(await preflight({ kubectl: 'missing' }), 'kubectl').level).toBe('warn');
    expect(byId(await preflight({ 'kubectl version --client -o json': { stdout: '{"clientVersion":{"gitVersion":"v1.30.2"}}' } }), 'kubectl').level).toBe('warn');
  });

  it('fails on a taken host port unless the cluster already exists', async () => {
    const host = fakeHost({ takenPorts: [30090] });
    const checks = await preflight({}, host);
    expect(byId(checks, 'port-30090')).toMatchObject({ level: 'fail', summary: '127.0.0.1:30090 is already in use' });
    expect(byId(checks, 'port-30000').level).toBe('ok');
    const existing = await preflight({}, host, true);
    expect(existing.filter((c) => c.level === 'fail')).toEqual([]);
  });

  it('warns about low inotify limits with the exact sysctl lines', async () => {
    const host = fakeHost({ files: { '/proc/sys/fs/inotify/max_user_watches': '8192\n', '/proc/sys/fs/inotify/max_user_instances': '128\n' } });
    const c = byId(await preflight({}, host), 'inotify');
    expect(c.level).toBe('warn');
    expect(c.fix).toContain('sudo sysctl fs.inotify.max_user_watches=524288');
    expect(c.fix).toContain('sudo sysctl fs.inotify.max_user_instances=512');
  });

  it('scales the memory it asks for with --workers: 3 GiB, and about 0.5 GiB more per worker node', async () => {
    const host = fakeHost({ availableMemBytes: () => 4 * GiB, totalMemBytes: () => 16 * GiB });
    const run = (workers: number) => runPreflight({ host, runner: fakeRunner({ ...HEALTHY_TOOLS, "docker info --format '{{json .DriverStatus}}'": { stdout: 'null' } }), portMappings: PORTS, clusterExists: false, workers });
    expect(byId(await run(0), 'memory')).toMatchObject({ level: 'ok', summary: 'memory 4.0 GiB available of 16.0 GiB (the lab needs about 3.0 GiB)' });
    expect(byId(await run(2), 'memory')).toMatchObject({ level: 'ok', summary: 'memory 4.0 GiB available of 16.0 GiB (the lab on 3 nodes needs about 4.0 GiB)' });
    const four = byId(await run(4), 'memory');
    expect(four).toMatchObject({ level: 'warn', summary: 'memory is low: 4.0 GiB available of 16.0 GiB; the lab on 5 nodes needs about 5.0 GiB' });
    expect(four.why).toContain('each of the 4 worker nodes about 0.5 GiB more (an estimate)');
    expect(four.fix).toMatch(/^close other programs, or use fewer --workers/);
  });

  it('warns about low memory, detects WSL, and names the Node version to install', async () => {
    const host = fakeHost({ availableMemBytes: () => 2 * GiB, env: { WSL_DISTRO_NAME: 'Ubuntu' }, nodeVersion: '22.12.0' });
    const checks = await preflight({}, host);
    expect(byId(checks, 'memory').level).toBe('warn');
    expect(byId(checks, 'wsl').level).toBe('info');
    expect(byId(checks, 'node')).toMatchObject({ level: 'fail', summary: 'Node v22.12.0 is older than v22.19.0' });
    expect(byId(checks, 'node').fix).toMatch(/nvm install 24/);
    const wslKernel = fakeHost({ files: { '/proc/sys/kernel/osrelease': '5.15.153.1-microsoft-standard-WSL2\n' } });
    expect(byId(await preflight({}, wslKernel), 'wsl').level).toBe('info');
  });
});

// Issue 18 item 5: `docker image save --platform` needs the client's flag (docker/cli 28.0+) and the daemon's API
// 1.48; docker/cli v29 prints the daemon's API version as `APIVersion`, not `ApiVersion`.
describe('docker image save --platform: both sides, both spellings', () => {
  it('reads the daemon’s API version as docker/cli 28 (ApiVersion) and 29 (APIVersion) print it', () => {
    expect(parseDockerVersions(dockerVersionJson('28.2.2', '1.50', '28.2.2', '1.50')).server?.api).toBe('1.50');
    expect(parseDockerVersions(dockerVersionJson('29.0.0', '1.52', '29.0.0', '1.52')).server?.api).toBe('1.52');
  });

  it('only when the client is 28.0+ and the daemon speaks API 1.48+', () => {
    const can = (c: string, ca: string, s: string, sa: string) => saveHasPlatform(parseDockerVersions(dockerVersionJson(c, ca, s, sa)));
    expect(can('29.0.0', '1.52', '29.0.0', '1.52')).toBe(true);
    expect(can('28.0.0', '1.48', '28.0.0', '1.48')).toBe(true);
    expect(can('27.5.1', '1.47', '28.2.2', '1.50')).toBe(false); // the client has no --platform on save
    expect(can('28.2.2', '1.47', '27.5.1', '1.47')).toBe(false); // the daemon's API is too old
  });

  it('on the containerd store, a Docker that cannot save one platform is a warning saying what it lacks', async () => {
    const store = { "docker info --format '{{json .DriverStatus}}'": { stdout: '[["driver-type","io.containerd.snapshotter.v1"]]' } };
    const checks = await preflight({ ...store, "docker version --format '{{json .}}'": { stdout: dockerVersionJson('28.2.2', '1.47', '27.5.1', '1.47') } });
    const c = byId(checks, 'docker-image-store');
    expect(c.level).toBe('warn');
    expect(c.summary).toContain('cannot save one platform of an image (client 28.2.2, daemon API 1.47)');
    expect(c.fix).toMatch(/update Docker to 28/);
  });
});

describe('Docker image store', () => {
  it('parses docker info DriverStatus as moby reports it (containerd image service vs a graph driver)', async () => {
    const { parseImageStore } = await import('../scripts/lib/host/preflight.ts');
    expect(parseImageStore('[["driver-type","io.containerd.snapshotter.v1"]]\n')).toBe('containerd');
    expect(parseImageStore('[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],["Native Overlay Diff","true"],["userxattr","false"]]')).toBe('classic');
    expect(parseImageStore('null')).toBe('classic');
    expect(parseImageStore('template: :1: unsupported')).toBeUndefined();
  });

  it('reports the containerd store (and how the image is loaded there) without blocking', async () => {
    const checks = await preflight({ "docker info --format '{{json .DriverStatus}}'": { stdout: '[["driver-type","io.containerd.snapshotter.v1"]]' } });
    const c = byId(checks, 'docker-image-store');
    expect(c.level).toBe('info');
    expect(c.summary).toMatch(/containerd \(io\.containerd\.snapshotter\.v1\)/);
    expect(c.why).toMatch(/kind load image-archive/);
    const classic = await preflight({ "docker info --format '{{json .DriverStatus}}'": { stdout: '[["Backing Filesystem","extfs"]]' } });
    expect(byId(classic, 'docker-image-store').level).toBe('ok');
  });
});

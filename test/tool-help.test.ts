// The same why/fix for the same problem wherever it shows up: preflight, and every later tool call.
import { describe, expect, it } from 'vitest';
import { knownCause, missingToolHelp } from '../scripts/lib/host/tool-help.ts';
import { REAL } from './helpers/real-tool-output.ts';
import { MissingToolError } from '../scripts/lib/exec.ts';
import { formatError } from '../scripts/lib/errors.ts';

describe('known causes of tool failures', () => {
  it('a missing tool is a diagnosed error (never "unexpected"), with the install command', () => {
    const text = formatError(new MissingToolError('kind'), false);
    expect(text).toMatch(/^✖ kind is not installed \(not on PATH\)/);
    expect(text).toContain(`fix: ${missingToolHelp('kind').fix}`);
    expect(text).not.toMatch(/unexpected/);
  });

  it("a stopped Docker daemon, however the tool words it (docker's own message, kind's wrapping of it)", () => {
    expect(knownCause('docker', ['version'], 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')?.fix).toMatch(/systemctl start docker/);
    expect(knownCause('kind', ['get', 'clusters'], 'ERROR: failed to list clusters: command "docker ps -a ..." failed with error: exit status 1\n\nCommand Output: Cannot connect to the Docker daemon')?.why).toMatch(/running Docker daemon/);
    expect(knownCause('kind', ['create', 'cluster'], 'ERROR: failed to create cluster: failed to get docker info: command "docker info --format \'{{json .}}\'" failed')?.why).toMatch(/Docker daemon/);
  });

  it('kind create: WSL cgroups, a taken port, a full disk, inotify, a refused node label', () => {
    const create = (out: string) => knownCause('kind', ['create', 'cluster', '--name', 'x'], out);
    expect(create(REAL.kindNodeRunFailed('docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error adding pid 655569 to cgroups: unknown'))?.fix).toMatch(/wsl --update/);
    expect(create('docker: Error response from daemon: ... Bind for 127.0.0.1:30000 failed: port is already allocated.')?.why).toMatch(/host port 30000/);
    expect(create('write /var/lib/docker/...: no space left on device')?.fix).toMatch(/docker system prune/);
    expect(create('failed to create fsnotify watcher: too many open files')?.fix).toMatch(/max_user_watches=524288/);
    expect(create("unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [app.kubernetes.io/x]")?.why).toMatch(/kubelet refused a node label/);
    expect(create('something else entirely')).toBeUndefined();
    // the create-only signatures are not read into other commands' output
    expect(knownCause('helm', ['list'], 'too many open files')).toBeUndefined();
  });
});

// Item 2 of issue 18: every real `kind create` output contains "cgroup" (kind's `docker run … --cgroupns=private`,
// kubeadm's "(required cgroups disabled)"), so only the real signatures may name cgroups as the cause.
describe('kind create: only real signatures, most specific first (real texts)', () => {
  const create = (out: string) => knownCause('kind', ['create', 'cluster', '--name', 'hpa-lab', '--config', '-'], out);

  it('a kubelet that never becomes healthy is not "WSL cgroups": it says where the kubelet’s own error is', () => {
    const help = create(REAL.kubeadmInitFailed());
    expect(help?.why).not.toMatch(/WSL|cgroup/i);
    expect(help?.why).toMatch(/kubelet never became healthy/);
    expect(help?.fix).toContain('--retain');
    expect(help?.fix).toContain('docker exec hpa-lab-control-plane journalctl -u kubelet');
  });

  it('a node `docker run` that fails for another reason is not read as cgroups either (its command line says --cgroupns=private)', () => {
    const out = REAL.kindNodeRunFailed('docker: Error response from daemon: No such image: kindest/node:v1.36.1.');
    expect(out).toContain('--cgroupns=private');
    expect(create(out)).toBeUndefined();
  });

  it('WSL 2 (kind’s known issue: "error adding pid … to cgroups") and an old kernel without cgroup namespaces', () => {
    expect(create(REAL.kindNodeRunFailed('docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error adding pid 655569 to cgroups: unknown'))?.why).toMatch(/WSL 2/);
    const old = create(REAL.kindNodeRunFailed('WARNING: Your kernel does not support cgroup namespaces.  Cgroup namespace setting discarded.'));
    expect(old?.why).toMatch(/no cgroup namespaces/);
    expect(old?.fix).toMatch(/older-linux-distributions/);
  });
});

// Item 3: a taken port in each Docker's words, naming the port and whether a process or a container holds it.
describe('a taken host port, in real wording (Docker 20.10, Docker 28, a port another container holds)', () => {
  const create = (daemonSays: string) => knownCause('kind', ['create', 'cluster', '--name', 'hpa-lab'], REAL.kindNodeRunFailed(daemonSays));

  it('Docker 20.10: docker-proxy’s "Error starting userland proxy: listen tcp4 …"', () => {
    const h = create('docker: Error response from daemon: driver failed programming external connectivity on endpoint hpa-lab-control-plane (0f3b6a4c1e2d): Error starting userland proxy: listen tcp4 127.0.0.1:30090: bind: address already in use.');
    expect(h?.why).toBe('host port 30090 of the kind config is taken by another process');
    expect(h?.fix).toContain("ss -ltnp 'sport = :30090'");
  });

  it('Docker 28: "failed to bind host port for 127.0.0.1:P:…: address already in use"', () => {
    const h = create('docker: Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint hpa-lab-control-plane (0f3b6a4c1e2d): failed to bind host port for 127.0.0.1:30000:172.18.0.2:30000/tcp: address already in use');
    expect(h?.why).toBe('host port 30000 of the kind config is taken by another process');
  });

  it('a port another container publishes: "Bind for 127.0.0.1:P failed: port is already allocated"', () => {
    const h = create('docker: Error response from daemon: driver failed programming external connectivity on endpoint hpa-lab-control-plane (0f3b6a4c1e2d): Bind for 127.0.0.1:30030 failed: port is already allocated.');
    expect(h?.why).toBe('host port 30030 of the kind config is already published by another Docker container');
    expect(h?.fix).toContain('docker ps -a --filter publish=30030');
  });

  it('the same for a container hpa-lab runs itself (docker run --publish)', () => {
    const h = knownCause('docker', ['run', '--detach', '--publish', '127.0.0.1:5101:5000', 'registry:3.0.0'], "docker: Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint hpa-lab-cache-docker (1a2b): failed to bind host port for 127.0.0.1:5101:172.17.0.2:5000/tcp: address already in use\n\nRun 'docker run --help' for more information");
    expect(h?.why).toBe('host port 5101 that the container publishes is taken by another process');
  });
});

// Item 4: Docker 29's client words (docker/cli v29's vendored moby client, request.go) get today's why/fix.
describe('an unreachable Docker daemon in Docker 29’s words', () => {
  it('"failed to connect to the docker API at …; check if the path is correct and if the daemon is running"', () => {
    const out = 'failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon is running: dial unix /var/run/docker.sock: connect: no such file or directory';
    expect(knownCause('docker', ['version'], out)?.fix).toMatch(/systemctl start docker/);
    expect(knownCause('kind', ['get', 'clusters'], `ERROR: failed to list clusters: command "docker ps -a --filter label=io.x-k8s.kind.cluster --format '{{.Label "io.x-k8s.kind.cluster"}}'" failed with error: exit status 1\nCommand Output: ${out}`)?.why).toMatch(/running Docker daemon/);
  });

  it('"permission denied while trying to connect to the docker API at …" (and Docker 28’s "… Docker daemon socket at …"): the docker group', () => {
    for (const out of [
      'permission denied while trying to connect to the docker API at unix:///var/run/docker.sock',
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/version": dial unix /var/run/docker.sock: connect: permission denied',
    ]) {
      const h = knownCause('docker', ['info'], out);
      expect(h?.why, out).toMatch(/may not use its socket/);
      expect(h?.fix, out).toMatch(/usermod -aG docker/);
    }
  });
});

// The same why/fix for the same problem wherever it shows up: preflight, and every later tool call.
import { describe, expect, it } from 'vitest';
import { knownCause, missingToolHelp } from '../scripts/lib/tool-help.ts';
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
    expect(create('[kubelet-check] ... error adding pid 1234 to cgroups ...')?.fix).toMatch(/wsl --update/);
    expect(create('docker: Error response from daemon: ... Bind for 127.0.0.1:30000 failed: port is already allocated.')?.why).toMatch(/host port 30000/);
    expect(create('write /var/lib/docker/...: no space left on device')?.fix).toMatch(/docker system prune/);
    expect(create('failed to create fsnotify watcher: too many open files')?.fix).toMatch(/max_user_watches=524288/);
    expect(create("unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [app.kubernetes.io/x]")?.why).toMatch(/kubelet refused a node label/);
    expect(create('something else entirely')).toBeUndefined();
    // the create-only signatures are not read into other commands' output
    expect(knownCause('helm', ['list'], 'too many open files')).toBeUndefined();
  });
});

// What a missing tool, a stopped Docker daemon or a failed `kind create` means and what fixes it: one table
// for preflight (before anything is done) and for every later call of every command (status, down, demo),
// so the same problem gets the same why/fix wherever it shows up.
import { INOTIFY_INSTANCES, INOTIFY_WATCHES, MIN_HELM, MIN_KIND } from './versions.ts';

export interface Help {
  why: string;
  fix: string;
}

export function missingToolHelp(tool: string, wsl = false): Help {
  switch (tool) {
    case 'docker':
      return {
        why: 'kind runs each Kubernetes node as a Docker container, and hpa-lab builds the sample app’s image with docker',
        fix: wsl
          ? 'install Docker Desktop and enable WSL integration for this distro (Settings → Resources → WSL integration), or install Docker Engine inside WSL'
          : 'install Docker Engine: https://docs.docker.com/engine/install/ (or Docker Desktop with WSL integration on Windows)',
      };
    case 'kind':
      return { why: 'kind creates, lists and deletes the lab’s cluster', fix: `go install sigs.k8s.io/kind@v${MIN_KIND}   or download the v${MIN_KIND} binary from https://kind.sigs.k8s.io/docs/user/quick-start/#installation` };
    case 'helm':
      return { why: 'the lab installs its charts (metrics-server, kube-prometheus-stack, prometheus-adapter, …) with Helm', fix: `install Helm ${MIN_HELM}+ or 4: https://helm.sh/docs/intro/install/` };
    case 'kubectl':
      return { why: 'hpa-lab itself does not need it, but every command of the walkthrough does', fix: 'install kubectl v1.35–v1.37: https://kubernetes.io/docs/tasks/tools/' };
    case 'tar':
      return { why: '`images save` and `images load` pack and unpack the offline archive with the system’s tar', fix: 'install tar (Debian/Ubuntu/WSL: sudo apt-get install tar; macOS ships bsdtar as tar)' };
    default:
      return { why: `hpa-lab runs ${tool}`, fix: `install ${tool} and put it on PATH` };
  }
}

export function dockerDownHelp(wsl = false): Help {
  return {
    why: 'the docker client is installed, but kind needs a running Docker daemon for the node container',
    fix: wsl
      ? 'start Docker Desktop (with WSL integration for this distro), or `sudo service docker start` for Docker Engine inside WSL'
      : 'sudo systemctl start docker   (and `sudo usermod -aG docker $USER` then log in again, if it is a permission error)',
  };
}

// The Docker client's words for "no daemon there" and "not allowed to talk to it", every version hpa-lab meets:
// docker/cli ≤ 28 (its vendored docker/docker client, client/errors.go and request.go: "Cannot connect to the
// Docker daemon at …. Is the docker daemon running?", "permission denied while trying to connect to the Docker
// daemon socket at …"), docker/cli v29 (the vendored moby/moby client's request.go: "failed to connect to the
// docker API at …; check if the path is correct and if the daemon is running", "permission denied while trying
// to connect to the docker API at …"), and kind's wrapping of either ("failed to get docker info").
const DOCKER_DENIED = /permission denied while trying to connect to the (?:Docker daemon socket|docker API) at/i;
const DOCKER_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running|failed to connect to the docker API at|failed to get docker info/i;

export function dockerDeniedHelp(): Help {
  return {
    why: 'the Docker daemon runs, but this user may not use its socket (it belongs to root and the docker group)',
    fix: 'sudo usermod -aG docker $USER, then log in again (or `newgrp docker` in this shell); with rootless Docker, set DOCKER_HOST to its socket',
  };
}

/** The daemon-unreachable why/fix that fits the client's words (a stopped daemon, or a socket this user may not use). */
export function dockerUnreachableHelp(output: string, wsl = false): Help {
  return DOCKER_DENIED.test(output) ? dockerDeniedHelp() : dockerDownHelp(wsl);
}

const HOST = String.raw`(?:\[[^\]]*\]|[\d.]+)`;
/**
 * A host port Docker could not publish, in each daemon's words: Docker's own allocator when another container
 * holds it (moby libnetwork/portallocator: "Bind for 127.0.0.1:P failed: port is already allocated"); the bind
 * itself when another process holds it: Docker 28+ binds in the daemon (libnetwork/drivers/bridge/
 * port_mapping_linux.go: "failed to bind host port for 127.0.0.1:P:172.18.0.2:P/tcp: address already in use",
 * or "failed to bind host port P for …" for a range), Docker ≤ 27 in docker-proxy, whose error the daemon
 * relays (libnetwork portmapper/proxy.go: "Error starting userland proxy: listen tcp4 127.0.0.1:P: bind: address
 * already in use").
 */
const PORT_ALLOCATED = new RegExp(`Bind for ${HOST}:(\\d+) failed: port is already allocated`);
const PORT_IN_USE = [
  new RegExp(`failed to bind host port (\\d+) for [^\\n]*address already in use`),
  new RegExp(`failed to bind host port for ${HOST}:(\\d+)\\b[^\\n]*address already in use`),
  new RegExp(`listen (?:tcp|udp)[46]? ${HOST}:(\\d+): bind: address already in use`),
];

function portTaken(output: string, what: string): Help | undefined {
  const allocated = PORT_ALLOCATED.exec(output);
  if (allocated) {
    const p = allocated[1] ?? '';
    return { why: `host port ${p} ${what} is already published by another Docker container`, fix: `find it: docker ps -a --filter publish=${p}   (another kind cluster? kind get clusters), stop it, or map another port` };
  }
  for (const re of PORT_IN_USE) {
    const m = re.exec(output);
    if (m) {
      const p = m[1] ?? '';
      return { why: `host port ${p} ${what} is taken by another process`, fix: `find it: ss -ltnp 'sport = :${p}'   (or sudo lsof -iTCP:${p} -sTCP:LISTEN), stop it, or map another port` };
    }
  }
  return undefined;
}

/** Known causes in a failed tool's output (most specific first), or undefined. */
export function knownCause(cmd: string, args: string[], output: string): Help | undefined {
  if (DOCKER_DENIED.test(output)) return dockerDeniedHelp();
  if (DOCKER_DOWN.test(output)) return dockerDownHelp();
  if (cmd === 'docker' && ['run', 'start', 'restart'].includes(args[0] ?? '')) return portTaken(output, 'that the container publishes');
  if (cmd !== 'kind' || args[0] !== 'create') return undefined;
  if (/labels specified with --node-labels/.test(output)) {
    return {
      why: 'the kubelet refused a node label of the kind config (labels in the kubernetes.io and k8s.io namespaces are reserved), so the node never started',
      fix: 'use a label prefix of your own in the kind config’s nodes[].labels (hpa-lab checks this before kind runs: is the config the one you meant?)',
    };
  }
  // Only the real signatures: every node's `docker run` carries --cgroupns=private (kind's provision.go) and
  // every kubeadm failure says "(required cgroups disabled)" among its guesses, so "cgroup" alone means nothing.
  // Both texts below are the ones kind's known-issues page quotes (site/content/docs/user/known-issues.md).
  if (/error adding pid \d+ to cgroups/.test(output)) {
    return {
      why: 'the node container could not be started in its cgroups ("error adding pid … to cgroups"): a known problem of kind on WSL 2 kernels whose cgroups are not set up as kind expects',
      fix: 'from Windows: wsl --update, then wsl --shutdown, and start Docker again; if it persists, cgroup v2 only: kernelCommandLine = cgroup_no_v1=all under [wsl2] in %UserProfile%\\.wslconfig (https://kind.sigs.k8s.io/docs/user/known-issues/#failure-to-create-cluster-on-wsl2)',
    };
  }
  if (/Your kernel does not support cgroup namespaces/.test(output)) {
    return {
      why: 'the kernel has no cgroup namespaces, which kind’s nodes need (--cgroupns=private): an old distribution such as RHEL/CentOS 7',
      fix: 'upgrade the OS to a recent kernel, or run the lab in a VM with one (https://kind.sigs.k8s.io/docs/user/known-issues/#older-linux-distributions)',
    };
  }
  const port = portTaken(output, 'of the kind config');
  if (port) return port;
  if (/no space left on device/.test(output)) {
    return { why: 'the Docker disk is full: the node image and the lab’s images need a few GB', fix: 'docker system prune   (removes stopped containers and unused images), or give Docker Desktop a larger disk' };
  }
  if (/too many open files/.test(output)) {
    return {
      why: `the node ran out of inotify instances or watches (this machine allows fewer than ${INOTIFY_WATCHES} watches / ${INOTIFY_INSTANCES} instances)`,
      fix: `sudo sysctl fs.inotify.max_user_watches=${INOTIFY_WATCHES} fs.inotify.max_user_instances=${INOTIFY_INSTANCES}`,
    };
  }
  // kubeadm's own message when the kubelet never answers (cmd/kubeadm/app/util/apiclient/wait.go): it lists
  // guesses; the kubelet's actual error is only in the node's journal.
  if (/failed to init node with kubeadm|failed to join node with kubeadm|\[kubelet-check\] The kubelet is not healthy/.test(output)) {
    const name = args[args.indexOf('--name') + 1];
    const node = `${args.includes('--name') && name ? name : 'kind'}-control-plane`;
    return {
      why: 'the node’s kubelet never became healthy; kubeadm’s list of likely causes is generic, the kubelet’s own error is in the node’s journal',
      fix: `run the same create with --retain, then: docker exec ${node} journalctl -u kubelet --no-pager | tail -n 30   (or kind export logs); delete the cluster afterwards`,
    };
  }
  return undefined;
}

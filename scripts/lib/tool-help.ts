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

const DOCKER_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running|failed to get docker info|permission denied while trying to connect to the Docker daemon/;

/** Known causes in a failed tool's output (most specific first), or undefined. */
export function knownCause(cmd: string, args: string[], output: string): Help | undefined {
  if (DOCKER_DOWN.test(output)) return dockerDownHelp();
  if (cmd !== 'kind' || args[0] !== 'create') return undefined;
  if (/labels specified with --node-labels/.test(output)) {
    return {
      why: 'the kubelet refused a node label of the kind config (labels in the kubernetes.io and k8s.io namespaces are reserved), so the node never started',
      fix: 'use a label prefix of your own in the kind config’s nodes[].labels (hpa-lab checks this before kind runs: is the config the one you meant?)',
    };
  }
  if (/error adding pid \d+ to cgroups|cgroup/i.test(output)) {
    return {
      why: 'the node’s kubelet could not set up cgroups: a known problem of kind on WSL 2 kernels without cgroup v2 (or Docker Desktop’s WSL backend before 4.x)',
      fix: 'from Windows: wsl --update, then wsl --shutdown, and start Docker again; see https://kind.sigs.k8s.io/docs/user/known-issues/#windows',
    };
  }
  const port = /(?:Bind for [\d.]+:(\d+) failed: port is already allocated|listen tcp [\d.]+:(\d+): bind: address already in use)/.exec(output);
  if (port) {
    const p = port[1] ?? port[2] ?? '';
    return { why: `host port ${p} of the kind config is taken by another process or container`, fix: `find it: ss -ltnp 'sport = :${p}'   (another kind cluster? kind get clusters), or map another port in the kind config` };
  }
  if (/no space left on device/.test(output)) {
    return { why: 'the Docker disk is full: the node image and the lab’s images need a few GB', fix: 'docker system prune   (removes stopped containers and unused images), or give Docker Desktop a larger disk' };
  }
  if (/too many open files/.test(output)) {
    return {
      why: `the node ran out of inotify instances or watches (this machine allows fewer than ${INOTIFY_WATCHES} watches / ${INOTIFY_INSTANCES} instances)`,
      fix: `sudo sysctl fs.inotify.max_user_watches=${INOTIFY_WATCHES} fs.inotify.max_user_instances=${INOTIFY_INSTANCES}`,
    };
  }
  return undefined;
}

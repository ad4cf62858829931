// Real tools' outputs, assembled from the upstream source that prints them (the diagnoses are tested with these,
// never with texts the simulation invents):
// - kind v0.32.0: cmd/kind/app/main.go prints "ERROR: %v" and "\nCommand Output: %s"; pkg/exec/types.go words a
//   failed command 'command "%s" failed with error: %v'; a node is made by `docker run` with the arguments of
//   pkg/cluster/internal/providers/docker/provision.go (among them --cgroupns=private, on every node);
//   kubeadminit/init.go wraps kubeadm's failure as "failed to init node with kubeadm".
// - kubeadm v1.3x (cmd/kubeadm/app/util/apiclient/wait.go): "[kubelet-check] The kubelet is not healthy after …"
//   and its kubeletFailMsg, which lists "(required cgroups disabled)" among the likely causes, whatever the cause.
const NODE = 'hpa-lab-control-plane';
const IMAGE = 'kindest/node:v1.36.1@sha256:3489c767f7a8b6a3e5b1c4f0c2f3d1a0b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4';

const DOCKER_RUN = [
  `docker run --name ${NODE} --hostname ${NODE} --label io.x-k8s.kind.role=control-plane --privileged`,
  '--security-opt seccomp=unconfined --security-opt apparmor=unconfined --tmpfs /tmp --tmpfs /run --volume /var',
  '--volume /lib/modules:/lib/modules:ro -e KIND_EXPERIMENTAL_CONTAINERD_SNAPSHOTTER --detach --tty --label io.x-k8s.kind.cluster=hpa-lab',
  '--net kind --restart=on-failure:1 --init=false --cgroupns=private --publish=127.0.0.1:30000:30000/TCP --publish=127.0.0.1:30090:30090/TCP',
  `--publish=127.0.0.1:30030:30030/TCP --publish=127.0.0.1:41235:6443/TCP -e KUBECONFIG=/etc/kubernetes/admin.conf ${IMAGE}`,
].join(' ');

export const REAL = {
  /** `kind create cluster` whose node `docker run` failed, with what the Docker daemon said. */
  kindNodeRunFailed(daemonSays: string): string {
    return [
      'Creating cluster "hpa-lab" ...',
      ' ✗ Preparing nodes 📦',
      `ERROR: failed to create cluster: command "${DOCKER_RUN}" failed with error: exit status 125`,
      `Command Output: ${daemonSays}`,
      '',
      "Run 'docker run --help' for more information",
    ].join('\n');
  },
  /** `kind create cluster` whose kubeadm init timed out waiting for the kubelet (its output, trimmed). */
  kubeadmInitFailed(): string {
    return [
      'Creating cluster "hpa-lab" ...',
      ' ✓ Preparing nodes 📦',
      ' ✓ Writing configuration 📜',
      ' ✗ Starting control-plane 🕹️',
      `ERROR: failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged ${NODE} kubeadm init --config=/kind/kubeadm.conf --skip-token-print --v=6" failed with error: exit status 1`,
      'Command Output: [init] Using Kubernetes version: v1.36.1',
      '[kubelet-start] Starting the kubelet',
      '[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s',
      '[kubelet-check] The kubelet is not healthy after 4m0.000512316s',
      '',
      'Unfortunately, an error has occurred, likely caused by:',
      '\t- The kubelet is not running',
      '\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)',
      '',
      'If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:',
      "\t- 'systemctl status kubelet'",
      "\t- 'journalctl -xeu kubelet'",
      '',
      "error: error execution phase wait-control-plane: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned error: Get \"http://127.0.0.1:10248/healthz\": context deadline exceeded",
    ].join('\n');
  },
};

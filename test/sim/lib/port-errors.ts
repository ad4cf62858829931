// What Docker 28.2.2's daemon says when it cannot publish a host port (moby v28.2.2):
// - another container already publishes it: the port allocator refuses first (libnetwork/portallocator/
//   portallocator.go: "Bind for %s:%d failed: port is already allocated");
// - another process listens on it: the daemon's own bind fails (libnetwork/drivers/bridge/port_mapping_linux.go:
//   "failed to bind host port for %s: %w", the binding printed as HOSTIP:HOSTPORT:CONTAINERIP:CONTAINERPORT/proto
//   by libnetwork/types PortBinding.String()),
// both wrapped as "driver failed programming external connectivity on endpoint %s (%s): %v" (libnetwork/
// endpoint.go) and, for the second, "failed to set up container networking" (daemon/container_operations.go).
// The simulation's nodes and registries hold their ports for real, so the listener itself cannot tell; the
// simulated daemon knows which ports its containers publish, as the real allocator does.
import { listClusters, readCluster } from './clusters.ts';
import { readDockerState } from './containers.ts';

/** Whether a simulated container (a kind node, a registry container) other than `self` publishes that host port. */
export function publishedByContainer(home: string, port: number, self: string): boolean {
  const nodes = listClusters(home)
    .map((c) => readCluster(home, c))
    .filter((r) => r !== undefined && r.name !== self && r.pid !== null)
    .some((r) => (r?.hostPorts ?? []).some((p) => p.hostPort === port) || r?.apiPort === port);
  if (nodes) return true;
  return Object.values(readDockerState(home).containers).some((c) => c.name !== self && c.running && c.ports.some((p) => p.hostPort === port));
}

export function dockerPublishError(opts: { home: string; endpoint: string; self: string; hash: string; address: string; port: number; containerIp: string; containerPort: number; proto?: string }): string {
  const cause = publishedByContainer(opts.home, opts.port, opts.self)
    ? `Bind for ${opts.address}:${opts.port} failed: port is already allocated`
    : `failed to bind host port for ${opts.address}:${opts.port}:${opts.containerIp}:${opts.containerPort}/${opts.proto ?? 'tcp'}: address already in use`;
  const wrapped = `driver failed programming external connectivity on endpoint ${opts.endpoint} (${opts.hash}): ${cause}`;
  return cause.startsWith('Bind for') ? wrapped : `failed to set up container networking: ${wrapped}`;
}

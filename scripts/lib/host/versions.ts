// Version parsing for the tools preflight checks. Tools print versions in their own ways
// (`kind v0.32.0 go1.25 linux/amd64`, `v4.0.4+g8650e1d`, `{"clientVersion":{"gitVersion":"v1.32.4"}}`).

export interface Version {
  major: number;
  minor: number;
  patch: number;
  raw: string;
}

/** Finds the first `vX.Y.Z` (or `X.Y.Z`) in a string. */
export function parseVersion(text: string): Version | undefined {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: m[0].startsWith('v') ? m[0] : `v${m[0]}` };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function atLeast(v: Version, min: string): boolean {
  const m = parseVersion(min);
  if (!m) throw new Error(`bad minimum version ${min}`);
  return compareVersions(v, m) >= 0;
}

export const MIN_NODE = '22.19.0';
export const MIN_KIND = '0.32.0';
export const MIN_HELM = '3.14.0';
/** Kubernetes supports kubectl within one minor version of the API server (the pinned node is v1.36). */
export const MIN_KUBECTL = '1.35.0';
export const INOTIFY_WATCHES = 524288;
export const INOTIFY_INSTANCES = 512;
/**
 * Docker, client and daemon: kind runs every node with `--cgroupns=private`, which needs API v1.41, Docker 20.10.0
 * (kind v0.32.0 pkg/cluster/internal/providers/docker/provision.go; its rootless guide also says 20.10 or later).
 */
export const MIN_DOCKER = '20.10.0';
export const MIN_DOCKER_API = '1.41';
/**
 * `docker image save --platform`: a flag of docker/cli 28.0.0 (cli/command/image/save.go, annotated as API 1.48),
 * which the daemon must speak too (moby's API 1.48 is Docker 28.0). Used only on the containerd image store.
 */
export const SAVE_PLATFORM_CLIENT = '28.0.0';
export const SAVE_PLATFORM_API = '1.48';

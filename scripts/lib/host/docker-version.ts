// The Docker client's and daemon's versions, from `docker version --format '{{json .}}'`. The daemon's API version
// is `Server.ApiVersion` up to docker/cli 28 (docker/docker api/types.Version's json tag) and `Server.APIVersion`
// from docker/cli v29.0.0 (the vendored moby/moby client's ServerVersionResult has no json tags); the client's is
// `Client.ApiVersion` in both (cli/command/system/version.go clientVersion).
import type { Runner } from '../exec.ts';
import { atLeast, parseVersion } from './versions.ts';
import { MIN_DOCKER, MIN_DOCKER_API, SAVE_PLATFORM_API, SAVE_PLATFORM_CLIENT } from './versions.ts';

export interface DockerSide {
  version: string;
  api: string;
}
export interface DockerVersions {
  client?: DockerSide;
  server?: DockerSide & { os: string; arch: string };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseDockerVersions(json: string): DockerVersions {
  let v: Record<string, Record<string, unknown> | null | undefined>;
  try {
    v = JSON.parse(json.trim()) as typeof v;
  } catch {
    return {};
  }
  const c = v?.Client;
  const s = v?.Server;
  return {
    ...(c ? { client: { version: str(c.Version), api: str(c.ApiVersion) || str(c.APIVersion) } } : {}),
    ...(s ? { server: { version: str(s.Version), api: str(s.APIVersion) || str(s.ApiVersion), os: str(s.Os) || 'linux', arch: str(s.Arch) || 'amd64' } } : {}),
  };
}

/** `docker version --format '{{json .}}'`: exit code, stderr and what it says (the daemon's part only when it answered). */
export async function readDockerVersions(runner: Runner): Promise<{ exitCode: number; stderr: string; stdout: string; versions: DockerVersions }> {
  const r = await runner.run('docker', ['version', '--format', '{{json .}}'], { check: false, timeoutMs: 15_000 });
  const versions = parseDockerVersions(r.stdout);
  return { ...r, versions: r.exitCode === 0 ? versions : { ...(versions.client ? { client: versions.client } : {}) } };
}

const apiAtLeast = (api: string, min: string): boolean => {
  const v = parseVersion(api);
  return v !== undefined && atLeast(v, `${min}.0`);
};
const versionAtLeast = (version: string, min: string): boolean => {
  const v = parseVersion(version);
  return v !== undefined && atLeast(v, min);
};

/** Whether both sides can `docker image save --platform`: the client's flag (28.0+) and the daemon's API (1.48+). */
export function saveHasPlatform(v: DockerVersions): boolean {
  return versionAtLeast(v.client?.version ?? '', SAVE_PLATFORM_CLIENT) && apiAtLeast(v.server?.api ?? '', SAVE_PLATFORM_API);
}

/** What is too old for the lab (client or daemon below Docker 20.10 / API 1.41), as words; empty when nothing. */
export function tooOld(v: DockerVersions): string[] {
  const out: string[] = [];
  if (v.client && !versionAtLeast(v.client.version, MIN_DOCKER)) out.push(`the docker client ${v.client.version} is older than ${MIN_DOCKER}`);
  if (v.server && !(versionAtLeast(v.server.version, MIN_DOCKER) && apiAtLeast(v.server.api, MIN_DOCKER_API))) out.push(`the Docker daemon ${v.server.version} (API ${v.server.api || '?'}) is older than ${MIN_DOCKER} (API ${MIN_DOCKER_API})`);
  return out;
}

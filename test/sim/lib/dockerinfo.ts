// What `docker info --format '{{json .}}'` prints when the daemon cannot be reached (Docker CLI 28.1+,
// cli/command/system/info.go): runInfo starts from an empty system.Info, addServerInfo returns the connection
// error, formatInfo still renders the template — every server field at its zero value — and the CLI then prints
// the error on stderr and exits 1. kind v0.32.0 runs exactly this command before creating a cluster
// (pkg/cluster/internal/providers/docker/provider.go info()), so its "Command Output:" shows both.

export const DOCKER_VERSION = '28.2.2';
export const DOCKER_API_VERSION = '1.50';
const goArch = process.arch === 'x64' ? 'amd64' : process.arch;

/** clientVersion of `docker version` (cli/command/system/version.go). */
export function dockerClientVersion() {
  return { Platform: { Name: 'Docker Engine - Community' }, Version: DOCKER_VERSION, ApiVersion: DOCKER_API_VERSION, DefaultAPIVersion: DOCKER_API_VERSION, GitCommit: 'e6534b4', GoVersion: 'go1.24.3', Os: 'linux', Arch: goArch, BuildTime: 'Fri May 30 12:07:28 2025', Context: 'default' };
}

const PLUGINS = [{ SchemaVersion: '0.1.0', Vendor: 'Docker Inc.', Version: 'v0.24.0', ShortDescription: 'Docker Buildx', Name: 'buildx', Path: '/usr/libexec/docker/cli-plugins/docker-buildx' }];

/** dockerInfo with a zero system.Info (field order and JSON names of api/types/system/info.go at v28.2.2). */
export function downInfo(): Record<string, unknown> {
  const commit = { ID: '' };
  const { ApiVersion: _api, ...client } = dockerClientVersion();
  return {
    ID: '',
    Containers: 0,
    ContainersRunning: 0,
    ContainersPaused: 0,
    ContainersStopped: 0,
    Images: 0,
    Driver: '',
    DriverStatus: null,
    Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
    MemoryLimit: false,
    SwapLimit: false,
    CpuCfsPeriod: false,
    CpuCfsQuota: false,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: false,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: '',
    LoggingDriver: '',
    CgroupDriver: '',
    NEventsListener: 0,
    KernelVersion: '',
    OperatingSystem: '',
    OSVersion: '',
    OSType: '',
    Architecture: '',
    IndexServerAddress: '',
    RegistryConfig: null,
    NCPU: 0,
    MemTotal: 0,
    GenericResources: null,
    DockerRootDir: '',
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: '',
    Labels: null,
    ExperimentalBuild: false,
    ServerVersion: '',
    Runtimes: null,
    DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: '', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: commit,
    RuncCommit: commit,
    InitCommit: commit,
    SecurityOptions: null,
    CDISpecDirs: null,
    Warnings: null,
    ClientInfo: { Debug: false, ...client, Plugins: PLUGINS, Warnings: null },
  };
}

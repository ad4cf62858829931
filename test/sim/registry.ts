// The process of a simulated registry container (image registry:3.x = distribution v3.0.0). Started detached by the
// stand-in docker (`docker run` / `docker start`), stopped by `docker rm -f`, by the test harness, or when
// HPA_LAB_SIM_OWNER_PID's process is gone. It serves the registry HTTP API v2 on the container's published host
// ports and on an "internal" port that stands for the container's address on its networks (what a kind node
// reaches as http://NAME:5000).
//
// Configuration as distribution reads it: the image's /etc/distribution/config.yml defaults (filesystem storage at
// /var/lib/registry, http :5000) overridden by REGISTRY_* environment variables (configuration/parser.go: the
// upper-cased key path joined by _), here REGISTRY_PROXY_REMOTEURL, REGISTRY_PROXY_TTL,
// REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, REGISTRY_HTTP_ADDR.
//
// Proxy mode follows distribution v3.0.0 registry/proxy and registry/handlers:
//   - manifest by tag (proxytagservice.go Get): the remote first when reachable (and the tag stored locally), else
//     the local tag; neither: 404 MANIFEST_UNKNOWN, detail {"Tag":T} (handlers/manifests.go).
//   - manifest by digest (proxymanifeststore.go Get): local first, else the remote (stored locally). The remote not
//     reachable: 500 UNKNOWN with the Go error as detail; unknown upstream: 500 UNKNOWN with the upstream's error
//     envelope as detail (the client's HandleHTTPResponseError returns errcode.Errors, not ErrManifestUnknownRevision).
//   - Accept negotiation after the fetch: an OCI index (manifest) without the client accepting it is 404
//     MANIFEST_UNKNOWN "OCI index found, but accept header does not support OCI indexes" (… manifests).
//   - blob (proxyblobstore.go Stat/ServeBlob): local first, else the remote, stored while served; remote not
//     reachable: 500 UNKNOWN; unknown upstream: 404 BLOB_UNKNOWN, detail the digest.
//   - the remote's "challenge" is established once (proxyregistry.go tryEstablishChallenges: a ping of /v2/); until
//     then a network failure is the ping's `Get "https://HOST/v2/"`, afterwards the request's own URL.
//   - pushes and deletes: 405 UNSUPPORTED.
//
// Without REGISTRY_PROXY_REMOTEURL it is a plain registry that accepts pushes (distribution v3.0.0
// registry/handlers/blobupload.go, manifests.go PutManifest; docs/content/spec/api.md "Pushing an image"):
//   - POST /v2/<name>/blobs/uploads/: 202 Accepted, Location /v2/<name>/blobs/uploads/<uuid>, Range 0-0,
//     Docker-Upload-UUID; with ?mount=<digest>&from=<repo> of a blob <repo> links: 201 Created (cross-repository
//     mount), else a new session; with ?digest=<digest> and the blob as body: a monolithic upload (201).
//   - PATCH …/uploads/<uuid>: the chunk appended, 202, Range 0-<size-1>; PUT …/uploads/<uuid>?digest=D (the last
//     chunk as body): 201 Created, Location /v2/<name>/blobs/D; content not matching D: 400 DIGEST_INVALID
//     "provided digest did not match uploaded content"; no digest: 400 DIGEST_INVALID, detail "digest missing" (or
//     "digest parsing failed"); an unknown session: 404
//     BLOB_UPLOAD_UNKNOWN; DELETE cancels it (204).
//   - PUT /v2/<name>/manifests/<tag|digest>: the manifest's config and layers (an index's manifests) must be in
//     the repository, else 400 MANIFEST_BLOB_UNKNOWN with the digest (MANIFEST_UNKNOWN for an index's child);
//     not JSON: 400 MANIFEST_INVALID; a digest reference not matching the body: 400 DIGEST_INVALID. 201 Created,
//     Location /v2/<name>/manifests/<digest>, Docker-Content-Digest; the tag is stored.
//   There is no auth (distribution's default config has none), so anyone reaching it may push. Not modelled: the
//   upload Location's signed `_state` parameter, Content-Range/offset checks, PATCH's Content-Type check.
import http from 'node:http';
import type net from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { containerDir, hostPathFor, readDockerState, type ContainerRecord } from './lib/containers.ts';
import { isAlive } from './lib/procs.ts';
import { appendUpload, dropUpload, getManifest, getTag, hasBlob, manifestMediaType, putLayer, putManifest, putTag, readBlob, repoHasLayer, startUpload, uploadedBytes } from './lib/registry-store.ts';
import { createHash, randomUUID } from 'node:crypto';
import { dnsError, domainOfHost, isOffline, logDownload, logRef, MEDIA, upstreamBlob, upstreamManifest, waitTransfer } from './lib/upstream.ts';

const argv = process.argv.slice(2);
const arg = (name: string) => argv[argv.indexOf(name) + 1] ?? '';
const home = path.resolve(arg('--state-dir'));
const id = arg('--id');
const state = readDockerState(home);
const container = state.containers[id] as ContainerRecord;
if (!container) {
  process.stderr.write(`no container ${id}\n`);
  process.exit(1);
}
const env = Object.fromEntries(container.env.map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e.includes('=') ? e.slice(e.indexOf('=') + 1) : '']));
const rootInContainer = env.REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY || '/var/lib/registry';
const root = hostPathFor(home, container, rootInContainer);
const remoteURL = env.REGISTRY_PROXY_REMOTEURL ? new URL(env.REGISTRY_PROXY_REMOTEURL) : undefined;
const remoteHost = remoteURL?.host ?? '';
const remoteDomain = remoteURL ? domainOfHost(remoteURL.hostname) : undefined;
const listenPort = Number((env.REGISTRY_HTTP_ADDR || ':5000').split(':').pop()) || 5000;
let challengeEstablished = false;

const log = (msg: string) => process.stdout.write(`time="${new Date().toISOString()}" level=info msg="${msg}" go.version=go1.23.7 instance.id=${id.slice(0, 8)}\n`);
log(`listening on [::]:${listenPort}`);
if (remoteURL) log(`Starting cached object TTL expiration scheduler... (proxy to ${remoteURL.href})`);

// ---- errors (registry/api/errcode) ----

type Detail = unknown;
function sendErrors(res: http.ServerResponse, status: number, code: string, message: string, detail?: Detail): void {
  const body = JSON.stringify({ errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** json.Marshal of Go's *url.Error{Op, URL, Err: *net.OpError{dial tcp, Err: *net.DNSError}} (Go 1.23's DNSError fields). */
function urlErrorDetail(url: string, host: string): object {
  return { Op: 'Get', URL: url, Err: { Op: 'dial', Net: 'tcp', Source: null, Addr: null, Err: { UnwrapErr: null, Err: 'no such host', Name: host.replace(/:\d+$/, ''), Server: '', IsTimeout: false, IsTemporary: false, IsNotFound: true } } };
}

/** The remote as tryEstablishChallenges sees it: undefined when reachable, else the error detail. */
function remoteUnreachable(requestPath: string): object | undefined {
  if (!remoteURL) return undefined;
  if (!isOffline(home, process.env) && remoteDomain) {
    challengeEstablished = true;
    return undefined;
  }
  log(`remote unreachable: Get "${remoteURL.protocol}//${remoteHost}/v2/": ${dnsError(remoteURL.hostname)}`);
  return urlErrorDetail(challengeEstablished ? `${remoteURL.protocol}//${remoteHost}${requestPath}` : `${remoteURL.protocol}//${remoteHost}/v2/`, remoteURL.hostname);
}

// ---- handlers ----

function accepts(req: http.IncomingMessage): Set<string> {
  const out = new Set<string>();
  const raw: string | string[] | undefined = req.headers.accept;
  const values: string[] = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const h of values) for (const t of h.split(',')) out.add((t.split(';')[0] ?? '').trim());
  return out;
}

function serveManifest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, digest: string, content: Buffer): void {
  const mt = manifestMediaType(content);
  const acc = accepts(req);
  if (mt === MEDIA.manifest && !acc.has(MEDIA.manifest)) return sendErrors(res, 404, 'MANIFEST_UNKNOWN', 'OCI manifest found, but accept header does not support OCI manifests');
  if (mt === MEDIA.index && !acc.has(MEDIA.index)) return sendErrors(res, 404, 'MANIFEST_UNKNOWN', 'OCI index found, but accept header does not support OCI indexes');
  res.writeHead(200, { 'Content-Type': mt, 'Content-Length': content.length, 'Docker-Content-Digest': digest, Etag: `"${digest}"`, 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end(req.method === 'HEAD' ? undefined : content);
  log(`response completed: ${req.method ?? ''} /v2/${repo}/manifests/${digest} 200`);
}

/** Stores an upstream manifest; an image manifest (with layers) is one image download in the upstream log. */
function fetchManifest(repo: string, reference: string): { digest: string; content: Buffer } | { notFound: true } {
  const up = upstreamManifest(remoteDomain as string, repo, reference);
  if (!up) return { notFound: true };
  putManifest(root, repo, up.blob.digest, up.blob.content);
  if (up.kind === 'manifest') {
    // The image's content this cache does not hold yet (layers shared with an image it has are not downloaded again).
    const missing = [up.platform.config, ...up.platform.layers].filter((b) => !hasBlob(root, b.digest));
    const bytes = missing.reduce((n, b) => n + (b.modelledBytes || b.content.length), 0);
    if (missing.length) logDownload(home, { by: `cache ${container.name}`, ref: logRef(up.image), bytes });
  }
  return { digest: up.blob.digest, content: up.blob.content };
}

function handleManifest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, reference: string, requestPath: string): void {
  const byDigest = reference.startsWith('sha256:');
  let digest = reference;
  if (!byDigest) {
    let resolved: string | undefined;
    if (remoteURL && remoteUnreachable(requestPath) === undefined) {
      const up = upstreamManifest(remoteDomain as string, repo, reference);
      if (up) {
        putTag(root, repo, reference, up.blob.digest);
        resolved = up.blob.digest;
      }
    }
    resolved ??= getTag(root, repo, reference);
    if (!resolved) return sendErrors(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { Tag: reference });
    digest = resolved;
  }
  const local = getManifest(root, repo, digest);
  if (local) return serveManifest(req, res, repo, digest, local);
  if (!remoteURL) return sendErrors(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', { Name: repo, Revision: digest });
  const unreachable = remoteUnreachable(requestPath);
  if (unreachable !== undefined) return sendErrors(res, 500, 'UNKNOWN', 'unknown error', unreachable);
  const got = fetchManifest(repo, digest);
  if ('notFound' in got) return sendErrors(res, 500, 'UNKNOWN', 'unknown error', { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Name: repo, Revision: digest } }] });
  serveManifest(req, res, repo, got.digest, got.content);
}

async function handleBlob(req: http.IncomingMessage, res: http.ServerResponse, repo: string, digest: string, requestPath: string): Promise<void> {
  const serve = (content: Buffer) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': content.length, 'Docker-Content-Digest': digest, Etag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Docker-Distribution-Api-Version': 'registry/2.0' });
    res.end(req.method === 'HEAD' ? undefined : content);
  };
  if (repoHasLayer(root, repo, digest) || (getManifest(root, repo, digest) !== undefined)) return serve(readBlob(root, digest) as Buffer);
  if (!remoteURL) return sendErrors(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', digest);
  const unreachable = remoteUnreachable(requestPath);
  if (unreachable !== undefined) return sendErrors(res, 500, 'UNKNOWN', 'unknown error', unreachable);
  const up = upstreamBlob(remoteDomain as string, repo, digest);
  if (!up) return sendErrors(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', digest);
  if (!hasBlob(root, digest)) await waitTransfer(up.blob.modelledBytes || up.blob.content.length);
  putLayer(root, repo, digest, up.blob.content);
  serve(up.blob.content);
}

// ---- pushes (a plain registry: no proxy remote) ----

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function created(res: http.ServerResponse, location: string, digest: string): void {
  res.writeHead(201, { Location: location, 'Docker-Content-Digest': digest, 'Content-Length': 0, 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end();
}

function accepted(res: http.ServerResponse, repo: string, uuid: string, size: number, status = 202): void {
  res.writeHead(status, { Location: `/v2/${repo}/blobs/uploads/${uuid}`, Range: `0-${Math.max(0, size - 1)}`, 'Docker-Upload-UUID': uuid, 'Content-Length': 0, 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end();
}

/** Commits an upload's bytes as the blob `digest` of `repo`, or answers DIGEST_INVALID. */
function commitBlob(res: http.ServerResponse, repo: string, digest: string | null, content: Buffer): boolean {
  if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    sendErrors(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', digest ? 'digest parsing failed' : 'digest missing');
    return false;
  }
  if (sha256(content) !== digest) {
    sendErrors(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
    return false;
  }
  putLayer(root, repo, digest, content);
  created(res, `/v2/${repo}/blobs/${digest}`, digest);
  return true;
}

async function handleUpload(req: http.IncomingMessage, res: http.ServerResponse, repo: string, uuid: string, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const body = method === 'POST' || method === 'PATCH' || method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
  if (!uuid) {
    if (method !== 'POST') return sendErrors(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount && from && repoHasLayer(root, from, mount)) {
      putLayer(root, repo, mount, readBlob(root, mount) as Buffer);
      return created(res, `/v2/${repo}/blobs/${mount}`, mount);
    }
    const digest = url.searchParams.get('digest');
    if (digest) {
      commitBlob(res, repo, digest, body);
      return;
    }
    const id = randomUUID();
    startUpload(root, repo, id);
    return accepted(res, repo, id, 0);
  }
  const have = uploadedBytes(root, repo, uuid);
  if (have === undefined) return sendErrors(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
  if (method === 'GET') return accepted(res, repo, uuid, have.length, 204);
  if (method === 'DELETE') {
    dropUpload(root, repo, uuid);
    res.writeHead(204, { 'Docker-Distribution-Api-Version': 'registry/2.0' });
    res.end();
    return;
  }
  if (method === 'PATCH') return accepted(res, repo, uuid, appendUpload(root, repo, uuid, body) ?? 0);
  if (method === 'PUT') {
    const all = Buffer.concat([have, body]);
    if (commitBlob(res, repo, url.searchParams.get('digest'), all)) dropUpload(root, repo, uuid);
    return;
  }
  sendErrors(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
}

async function putManifestRequest(req: http.IncomingMessage, res: http.ServerResponse, repo: string, reference: string): Promise<void> {
  const body = await readBody(req);
  let doc: { mediaType?: string; config?: { digest?: string }; layers?: Array<{ digest?: string }>; manifests?: Array<{ digest?: string }> };
  try {
    doc = JSON.parse(body.toString('utf8')) as typeof doc;
  } catch {
    return sendErrors(res, 400, 'MANIFEST_INVALID', 'manifest invalid', 'invalid character in JSON');
  }
  const digest = sha256(body);
  if (reference.startsWith('sha256:') && reference !== digest) return sendErrors(res, 400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
  for (const m of doc.manifests ?? []) {
    if (!m.digest || !getManifest(root, repo, m.digest)) return sendErrors(res, 400, 'MANIFEST_UNKNOWN', 'manifest unknown', { Name: repo, Revision: m.digest ?? '' });
  }
  for (const b of [doc.config, ...(doc.layers ?? [])]) {
    if (b && (!b.digest || !repoHasLayer(root, repo, b.digest))) return sendErrors(res, 400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', b.digest ?? '');
  }
  putManifest(root, repo, digest, body);
  if (!reference.startsWith('sha256:')) putTag(root, repo, reference, digest);
  log(`response completed: PUT /v2/${repo}/manifests/${reference} 201`);
  created(res, `/v2/${repo}/manifests/${digest}`, digest);
}

const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const UPLOAD_RE = new RegExp(`^/v2/(${NAME})/blobs/uploads/([\\w-]*)$`);
const MANIFEST_RE = new RegExp(`^/v2/(${NAME})/manifests/([\\w][\\w.-]{0,127}|sha256:[a-f0-9]{64})$`);
const BLOB_RE = new RegExp(`^/v2/(${NAME})/blobs/(sha256:[a-f0-9]{64})$`);

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://registry');
  const p = url.pathname;
  const method = req.method ?? 'GET';
  log(`${method} ${p}${url.search}`);
  if (p === '/v2/' || p === '/v2') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2, 'Docker-Distribution-Api-Version': 'registry/2.0' });
    res.end(method === 'HEAD' ? undefined : '{}');
    return;
  }
  const m = MANIFEST_RE.exec(p);
  const b = BLOB_RE.exec(p);
  const u = UPLOAD_RE.exec(p);
  if (!remoteURL && u) return handleUpload(req, res, u[1] as string, u[2] as string, url);
  if (!remoteURL && m && method === 'PUT') return putManifestRequest(req, res, m[1] as string, m[2] as string);
  if ((m || b || u) && method !== 'GET' && method !== 'HEAD') return sendErrors(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
  if (m) return handleManifest(req, res, m[1] as string, m[2] as string, p);
  if (b) return handleBlob(req, res, b[1] as string, b[2] as string, p);
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('404 page not found\n');
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const readyFile = path.join(containerDir(home, id), 'ready.json');
  mkdirSync(path.dirname(readyFile), { recursive: true });
  const make = () =>
    http.createServer((req, res) => {
      handle(req, res).catch((e: unknown) => {
        log(`internal error: ${String(e)}`);
        if (!res.headersSent) sendErrors(res, 500, 'UNKNOWN', 'unknown error', String(e));
      });
    });
  const servers: http.Server[] = [];
  for (const pb of container.ports.filter((x) => x.containerPort === listenPort)) {
    const s = make();
    try {
      await listen(s, pb.hostIp || '0.0.0.0', pb.hostPort);
    } catch {
      writeFileSync(readyFile, JSON.stringify({ ok: false, bindError: { address: pb.hostIp || '0.0.0.0', port: pb.hostPort } }));
      process.exit(1);
    }
    servers.push(s);
  }
  const internal = make();
  const internalPort = await listen(internal, '127.0.0.1', 0);
  writeFileSync(readyFile, JSON.stringify({ ok: true, pid: process.pid, internalPort }));
  const owner = Number(process.env.HPA_LAB_SIM_OWNER_PID);
  setInterval(() => {
    if (owner > 0 && !isAlive(owner)) process.exit(0);
    // the container was removed (docker rm -f of a process docker could not signal)
    try {
      const s = JSON.parse(readFileSync(path.join(home, 'docker', 'state.json'), 'utf8')) as { containers?: Record<string, unknown> };
      if (!s.containers?.[id]) process.exit(0);
    } catch {
      // state being rewritten
    }
  }, 1000).unref();
  process.on('SIGTERM', () => process.exit(0));
  // keep running
  setInterval(() => undefined, 1 << 30);
}

void main();

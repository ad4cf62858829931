// Authentication and the little authorization a fresh kubeadm cluster gives to nobody in particular, as
// kube-apiserver applies them before any handler runs:
//
// - a client certificate signed by the cluster CA (and meant for client auth) authenticates as its CN, groups
//   = its O entries (the x509 request authenticator, staging/src/k8s.io/apiserver/pkg/authentication/request/
//   x509/x509.go). kubeadm's admin certificate has O kubeadm:cluster-admins (bound to cluster-admin); other
//   users (a foreign cluster's, test/sim/foreign.ts) get what RBAC gives them (lib/rbac.ts evaluates it).
// - a certificate the CA did not sign, or a bearer token (no token is valid here), is an authentication error:
//   401 Unauthorized. kube-apiserver wraps its authenticators in union.NewFailOnError(…, anonymous), so a bad
//   credential is never treated as anonymous (pkg/kubeapiserver/authenticator/config.go).
// - no credentials at all: kubeadm leaves --anonymous-auth at its default (true), so the request runs as
//   system:anonymous (groups system:unauthenticated) and RBAC decides: the bootstrap ClusterRole
//   system:public-info-viewer lets it GET /livez /readyz /healthz /version /version/ (plugin/pkg/auth/
//   authorizer/rbac/bootstrappolicy/policy.go) and kubeadm's Role kubeadm:bootstrap-signer-clusterinfo lets it
//   get the kube-public/cluster-info ConfigMap; everything else is 403 Forbidden with RBAC's wording
//   (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Status } from './apierrors.ts';
import { authorizeRbac, type RbacObjects } from './rbac.ts';

export interface User {
  name: string;
  groups: string[];
}

export type AuthResult = { ok: true; user: User } | { ok: false; status: number; body: Status };

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

const unauthorized = (): AuthResult => ({
  ok: false,
  status: 401,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
});

/** The request's user, or the 401 kube-apiserver answers for bad credentials. */
export function authenticate(req: IncomingMessage): AuthResult {
  const socket = req.socket as TLSSocket;
  const auth = req.headers.authorization ?? '';
  if (/^bearer\s/i.test(auth)) return unauthorized();
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const presented = Boolean(cert && Object.keys(cert).length > 0);
  if (presented && cert) {
    if (!socket.authorized) return unauthorized();
    if (Array.isArray(cert.ext_key_usage) && !cert.ext_key_usage.includes(CLIENT_AUTH_OID)) return unauthorized();
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = subject.CN;
    const o = subject.O;
    const name = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return { ok: true, user: { name, groups: [...groups, 'system:authenticated'] } };
  }
  return { ok: true, user: { name: 'system:anonymous', groups: ['system:unauthenticated'] } };
}

interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

/** k8s.io/apiserver's RequestInfoFactory.NewRequestInfo, for the parts RBAC's messages use. */
export function requestInfo(method: string, url: URL): RequestInfo {
  const info: RequestInfo = { resourceRequest: false, path: url.pathname, verb: method.toLowerCase(), group: '', version: '', namespace: '', resource: '', subresource: '', name: '' };
  let parts = url.pathname.split('/').filter(Boolean);
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  const prefix = parts[0];
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return info;
    info.group = parts[0] ?? '';
    parts = parts.slice(1);
  }
  info.resourceRequest = true;
  info.version = parts[0] ?? '';
  parts = parts.slice(1);
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    info.verb = ({ POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ?? '';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1] ?? '';
      if (parts.length > 2 && parts[2] !== 'status' && parts[2] !== 'finalize') parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && info.verb !== 'proxy') info.subresource = parts[2] ?? '';
  if (parts.length >= 2) info.name = parts[1] ?? '';
  if (parts.length >= 1) info.resource = parts[0] ?? '';
  if (!info.name && info.verb === 'get') {
    info.verb = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'watch' : 'list';
    const m = /^metadata\.name==?([^,]+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    if (m?.[1]) info.name = m[1];
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

const PUBLIC_INFO_PATHS = new Set(['/livez', '/readyz', '/healthz', '/version', '/version/']);

function forbidden(user: User, ri: RequestInfo): Status {
  let why: string;
  if (!ri.resourceRequest) why = `User ${JSON.stringify(user.name)} cannot ${ri.verb} path ${JSON.stringify(ri.path)}`;
  else {
    const resource = ri.subresource ? `${ri.resource}/${ri.subresource}` : ri.resource;
    const scope = ri.namespace ? `in the namespace ${JSON.stringify(ri.namespace)}` : 'at the cluster scope';
    why = `User ${JSON.stringify(user.name)} cannot ${ri.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(ri.group)} ${scope}`;
  }
  const qualified = ri.resourceRequest && ri.resource ? (ri.group ? `${ri.resource}.${ri.group}` : ri.resource) : '';
  const message = !qualified ? `forbidden: ${why}` : ri.name ? `${qualified} ${JSON.stringify(ri.name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: NonNullable<Status['details']> = {};
  if (ri.name) details.name = ri.name;
  if (ri.group) details.group = ri.group;
  if (ri.resource) details.kind = ri.resource;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 };
}

/**
 * undefined when allowed; otherwise the 403 Status RBAC's denial produces. Authenticated users: RBAC
 * (lib/rbac.ts) over the built-in bootstrap policy and the stored roles and bindings.
 */
export function authorize(user: User, method: string, url: URL, rbac?: RbacObjects): Status | undefined {
  const ri = requestInfo(method, url);
  if (user.groups.includes('system:authenticated')) {
    if (!rbac) return undefined;
    return authorizeRbac(rbac, { user, ...ri }).allowed ? undefined : forbidden(user, ri);
  }
  if (!ri.resourceRequest && ri.verb === 'get' && PUBLIC_INFO_PATHS.has(ri.path)) return undefined;
  if (ri.resourceRequest && ri.verb === 'get' && ri.group === '' && ri.namespace === 'kube-public' && ri.resource === 'configmaps' && ri.name === 'cluster-info' && !ri.subresource) return undefined;
  return forbidden(user, ri);
}

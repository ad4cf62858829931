// The simulated cluster's authorizer, as kube-apiserver's authorization chain answers (--authorization-mode=
// Node,RBAC as kubeadm sets it; the Node authorizer is not simulated: no kubelet talks HTTP here):
//
// - the privileged group system:masters is allowed everything before any authorizer runs
//   (k8s.io/apiserver pkg/authorization/authorizerfactory: NewPrivilegedGroups);
// - RBAC (plugin/pkg/auth/authorizer/rbac/rbac.go, Authorize with pkg/registry/rbac/validation/rule.go's
//   DefaultRuleResolver.VisitRulesFor): the ClusterRoleBindings, then the RoleBindings of the request's
//   namespace, whose subjects match the user (User by name, Group by any of its groups, ServiceAccount as
//   system:serviceaccount:NS:NAME); each binding's roleRef resolved to a ClusterRole or a Role of that namespace;
//   a rule allows when its verbs, apiGroups, resources (resource or resource/subresource, "*" and "*/sub") and
//   resourceNames match (rbac/v1 helpers VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches), or,
//   for a non-resource request, its verbs and nonResourceURLs (an exact path or a prefix ending in "*").
//   Allowed: reason `RBAC: allowed by ClusterRoleBinding "B" of ClusterRole "R" to Group "G"` (rule.go's
//   describers); otherwise no opinion, reason "": the request is denied (403) and a SelfSubjectAccessReview
//   answers allowed: false (pkg/registry/authorization/selfsubjectaccessreview/rest.go).
//
// The bootstrap policy a real API server reconciles into the store at start (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy/policy.go) and kubeadm's binding are given here as built-in objects rather than stored ones,
// so that `kubectl get clusterroles` in the other tests keeps showing what it showed: cluster-admin (everything),
// system:public-info-viewer (GET /livez /readyz /healthz /version /version/ for everyone), system:discovery
// (GET /api, /apis and their group versions, /openapi for every authenticated user), system:basic-user
// (create selfsubjectaccessreviews and selfsubjectrulesreviews for every authenticated user), and kubeadm's
// ClusterRoleBinding kubeadm:cluster-admins → cluster-admin (kubeadm v1.29+, cmd/kubeadm/app/phases/kubeconfig).
// Stored ClusterRoles, Roles and bindings (a foreign cluster's, a test's) are evaluated as they are.

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  metadata: { name: string; namespace?: string };
  subjects?: Subject[];
  roleRef: { kind: string; name: string };
}

interface Role {
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}

export interface RbacObjects {
  clusterRoles(): Role[];
  clusterRoleBindings(): Binding[];
  roles(namespace: string): Role[];
  roleBindings(namespace: string): Binding[];
}

export interface Attributes {
  user: { name: string; groups: string[] };
  verb: string;
  /** true for /api and /apis requests */
  resourceRequest: boolean;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

const BUILTIN_ROLES: Role[] = [
  { metadata: { name: 'cluster-admin' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] },
  { metadata: { name: 'system:public-info-viewer' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }] },
  { metadata: { name: 'system:discovery' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }] },
  { metadata: { name: 'system:basic-user' }, rules: [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] }] },
];

const BUILTIN_BINDINGS: Binding[] = [
  { kind: 'ClusterRoleBinding', metadata: { name: 'kubeadm:cluster-admins' }, subjects: [{ kind: 'Group', name: 'kubeadm:cluster-admins' }], roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } },
  { kind: 'ClusterRoleBinding', metadata: { name: 'system:public-info-viewer' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }, { kind: 'Group', name: 'system:unauthenticated' }], roleRef: { kind: 'ClusterRole', name: 'system:public-info-viewer' } },
  { kind: 'ClusterRoleBinding', metadata: { name: 'system:discovery' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }], roleRef: { kind: 'ClusterRole', name: 'system:discovery' } },
  { kind: 'ClusterRoleBinding', metadata: { name: 'system:basic-user' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }], roleRef: { kind: 'ClusterRole', name: 'system:basic-user' } },
];

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (!has(r.verbs, a.verb)) return false;
  if (!a.resourceRequest) return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  if (!has(r.apiGroups, a.group)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = (r.resources ?? []).some((x) => x === '*' || x === combined || (a.subresource !== '' && x === `*/${a.subresource}`));
  if (!resourceOk) return false;
  return !r.resourceNames?.length || r.resourceNames.includes(a.name);
}

function subjectMatches(s: Subject, user: Attributes['user'], bindingNs: string | undefined): boolean {
  if (s.kind === 'User') return s.name === user.name;
  if (s.kind === 'Group') return user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? bindingNs ?? ''}:${s.name}`;
  return false;
}

function describe(b: Binding, s: Subject): string {
  const where = b.kind === 'RoleBinding' ? `RoleBinding "${b.metadata.name}/${b.metadata.namespace ?? ''}"` : `ClusterRoleBinding "${b.metadata.name}"`;
  const role = b.roleRef.kind === 'Role' ? `Role "${b.roleRef.name}"` : `ClusterRole "${b.roleRef.name}"`;
  return `${where} of ${role} to ${s.kind} "${s.name}"`;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

/** The authorization chain's decision for one request (or one SelfSubjectAccessReview's attributes). */
export function authorizeRbac(objects: RbacObjects, a: Attributes): Decision {
  if (a.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  const clusterRoles = [...BUILTIN_ROLES, ...objects.clusterRoles()];
  const visit = (bindings: Binding[], ns: string | undefined): Decision | undefined => {
    for (const b of bindings) {
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, a.user, b.metadata.namespace));
      if (!subject) continue;
      const role = b.roleRef.kind === 'ClusterRole' ? clusterRoles.find((r) => r.metadata.name === b.roleRef.name) : ns ? objects.roles(ns).find((r) => r.metadata.name === b.roleRef.name) : undefined;
      if (role && (role.rules ?? []).some((r) => ruleAllows(a, r))) return { allowed: true, reason: `RBAC: allowed by ${describe(b, subject)}` };
    }
    return undefined;
  };
  return visit([...BUILTIN_BINDINGS, ...objects.clusterRoleBindings()], undefined) ?? (a.namespace ? visit(objects.roleBindings(a.namespace), a.namespace) : undefined) ?? { allowed: false, reason: '' };
}

/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: the request's own user, the spec's resource or
 * non-resource attributes, the authorizer's decision in status (201 Created, nothing stored). A spec with both
 * or neither attribute set is 422 Invalid, as ValidateSelfSubjectAccessReview answers.
 */
export function selfSubjectAccessReview(objects: RbacObjects, user: Attributes['user'], body: unknown): { status: number; body: unknown } {
  const review = (body && typeof body === 'object' ? body : {}) as { spec?: { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> } };
  const ra = review.spec?.resourceAttributes;
  const nra = review.spec?.nonResourceAttributes;
  if ((ra === undefined) === (nra === undefined)) {
    const message = `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.${ra ? 'resourceAttributes' : 'nonResourceAttributes'}: Invalid value: ${ra ? '"resourceAttributes"' : '"null"'}: exactly one of nonResourceAttributes or resourceAttributes must be specified`;
    return { status: 422, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Invalid', details: { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' }, code: 422 } };
  }
  const a: Attributes = ra
    ? { user, verb: ra.verb ?? '', resourceRequest: true, group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: ra.namespace ?? '', name: ra.name ?? '', path: '' }
    : { user, verb: nra?.verb ?? '', resourceRequest: false, group: '', resource: '', subresource: '', namespace: '', name: '', path: nra?.path ?? '' };
  const d = authorizeRbac(objects, a);
  return {
    status: 201,
    body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: review.spec, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } },
  };
}

// Kubernetes `Status` error objects, byte-for-byte in the shape the real API server returns them, so clients
// (kubectl, @kubernetes/client-node, the CLI's own error handling) see what they would see on a real cluster.
import { groupResource, type ResourceType } from './resources.ts';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason: string; message: string; field: string }> };
  code: number;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message);
    this.status = status;
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return new ApiError(s);
}

type RT = Pick<ResourceType, 'group' | 'resource'>;

function details(rt: RT, name: string): NonNullable<Status['details']> {
  return rt.group ? { name, group: rt.group, kind: rt.resource } : { name, kind: rt.resource };
}

export const errors = {
  notFound: (rt: RT, name: string) => failure(404, 'NotFound', `${groupResource(rt)} "${name}" not found`, details(rt, name)),
  namespaceNotFound: (ns: string) => failure(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' }),
  alreadyExists: (rt: RT, name: string) => failure(409, 'AlreadyExists', `${groupResource(rt)} "${name}" already exists`, details(rt, name)),
  conflict: (rt: RT, name: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${groupResource(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      details(rt, name),
    ),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  /** A plain Go error from a handler: the apiserver's ErrorToAPIStatus makes it a 500 with no reason. */
  unknown: (message: string) => failure(500, '', message),
  invalid: (kind: string, rt: RT, name: string, causes: Array<{ field: string; reason: string; message: string }>) =>
    failure(
      422,
      'Invalid',
      `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      { ...details(rt, name), kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) },
    ),
  methodNotAllowed: () => failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, {}),
  unsupportedMediaType: (type: string) => failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource', {}),
  expired: (message: string) => failure(410, 'Expired', message),
  /** What clients get from an aggregated API whose APIService is not Available (client-go's wording). */
  serviceUnavailable: () => failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', { causes: [{ reason: 'UnexpectedServerResponse', message: 'service unavailable', field: '' }] }),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message, field: '' }] }),
};

// A minimal OpenAPI v3 surface, derived from the resource registry. kubectl needs it for `apply`/`create`:
// before sending an object it checks (in /openapi/v3/<group-version>) that the PATCH operation of that kind
// accepts the `fieldValidation` query parameter; if so it leaves validation to the server. Without any OpenAPI
// kubectl refuses with "failed to download openapi". The documents carry no schemas: kubectl then falls back to
// its compiled-in types for strategic merge patches (and merge patches for custom resources), as it does for
// servers whose OpenAPI lacks patch metadata. `kubectl explain` therefore has nothing to show.
//
// /openapi/v2 is served as an empty document. kubectl consults it to validate kinds the server does not serve
// (e.g. a ServiceMonitor before its CRD is installed); finding no schema it skips validation, and the REST
// mapping then fails with the real message: no matches for kind "ServiceMonitor" ... ensure CRDs are installed
// first. An empty protobuf message is zero bytes.
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceRegistry } from './resources.ts';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));

/** The OpenAPI document of one group/version, or undefined when it is not served. */
export function openApiForGroupVersion(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.served().filter((r) => r.group === group && r.version === version);
  if (!types.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of types) {
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const gvk = { group, version, kind: r.kind };
    const op = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMS, responses: { '200': { description: 'OK' } } });
    paths[base] = { get: op('list'), post: op('post'), delete: op('deletecollection') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: apiVersionOf({ group, version }) }, paths, components: { schemas: {} } };
}

/** /openapi/v3: one entry per served group/version with a content-hash URL, as the real server lists them. */
export function openApiDiscovery(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const g of registry.groupVersions()) {
    for (const v of g.versions) {
      const doc = openApiForGroupVersion(registry, g.group, v);
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
      paths[gvPath(g.group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(g.group, v)}?hash=${hash}` };
    }
  }
  return { paths };
}

/** /openapi/v2 in the format asked for: protobuf (what kubectl asks for) or JSON. */
export function openApiV2(accept: string, kubernetesVersion: string): { body: string; contentType: string } {
  if (accept.includes('protobuf')) return { body: '', contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
  return { body: JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: kubernetesVersion }, paths: {}, definitions: {} }), contentType: 'application/json' };
}

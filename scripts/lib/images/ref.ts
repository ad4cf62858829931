// Image references as containerd (and so a kind node) reads them: github.com/distribution/reference
// ParseDockerRef. No domain means docker.io; one path component on docker.io gets library/; index.docker.io
// is docker.io; no tag and no digest means :latest; a reference with a tag and a digest is pulled by digest.

export interface ImageRef {
  /** registry host as containerd's certs.d names it: docker.io, quay.io, registry.k8s.io, ghcr.io, localhost:5000 */
  domain: string;
  /** repository path on that registry: library/node, prometheus/prometheus */
  path: string;
  tag?: string;
  digest?: string;
  /** what the registry API is asked for: the digest when there is one, else the tag */
  reference: string;
  /** domain/path@digest or domain/path:tag */
  full: string;
}

/** undefined when `ref` is not a valid reference (the caller names it). */
export function parseImageRef(ref: string): ImageRef | undefined {
  let rest = ref.trim();
  if (!rest || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^\w[\w.-]{0,127}$/.test(tag)) return undefined;
  }
  const first = rest.split('/')[0] ?? '';
  const hasDomain = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first : 'docker.io';
  let repoPath = hasDomain ? rest.slice(first.length + 1) : rest;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !repoPath.includes('/')) repoPath = `library/${repoPath}`;
  if (!repoPath.split('/').every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c))) return undefined;
  if (!digest) tag ??= 'latest';
  const reference = digest ?? tag ?? 'latest';
  return { domain, path: repoPath, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), reference, full: `${domain}/${repoPath}${digest ? `@${digest}` : `:${tag ?? 'latest'}`}` };
}

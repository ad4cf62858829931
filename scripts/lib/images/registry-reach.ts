// `--registry REGISTRY`: before any change on the cluster, whether anything answers at REGISTRY's /v2/ from this
// machine (the registry API's version check: any HTTP answer, 401 included, is a registry there). Docker tries
// https first and allows plain http for localhost/127.0.0.0/8 (dockerd's documented default); so does this probe. A
// refused connection or a name that does not resolve here would fail the push too (the daemon runs here, or in a
// VM that forwards localhost, as Docker Desktop does): exit 1, nothing changed. A remote DOCKER_HOST is not
// considered (its localhost is another machine).
import { LabError } from '../errors.ts';
import { pushFailureHelp } from '../stack/actions/image.ts';

const errorText = (e: unknown): string => {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return [err.cause?.code, err.cause?.message, err.message].filter(Boolean).join(': ');
};

/** Throws (exit 1) when nothing answers at REGISTRY's /v2/; returns the URL that answered. */
export async function checkRegistryAnswers(registry: string, timeoutMs: number): Promise<string> {
  const host = registry.split('/')[0] ?? registry;
  const local = /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host);
  const urls = [`https://${host}/v2/`, ...(local ? [`http://${host}/v2/`] : [])];
  let last = '';
  for (const url of local ? [...urls].reverse() : urls) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      return url;
    } catch (e) {
      last = errorText(e);
      // plain HTTP spoken to an https probe is still a registry there (the push then needs insecure-registries)
      if (/EPROTO|wrong version number|ERR_SSL/i.test(last)) return url;
    }
  }
  const help = pushFailureHelp(host, last);
  throw new LabError(`--registry ${registry}: nothing answers at ${urls.at(-1) ?? host} (${last})`, { why: `${help.why}; hpa-lab pushes the image there before it installs anything, so nothing was changed`, fix: help.fix });
}

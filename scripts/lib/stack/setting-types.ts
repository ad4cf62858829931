// What each setting of a stack is (its `types:`), and the rules between settings (its `rules:`), checked
// when the stack is loaded with its --set and --variant values, before preflight: a value the API server or
// a chart would refuse minutes later (after the cluster was made and three charts installed) is refused
// here, naming the setting, where the value came from, the value and what was expected.
//
// The formats are Kubernetes' own (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label,
// IsDNS1123Subdomain, IsValidPortName; resource.Quantity's grammar), Prometheus' duration and metric-name
// grammars, and the API's limits (a NodePort in 30000-32767, an HPA's stabilizationWindowSeconds ≤ 3600).

export interface SettingType {
  /** What is expected, as the error says it. */
  expected: string;
  /** undefined when the value fits. */
  check(value: unknown): boolean;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// resource.Quantity: <signedNumber><suffix>, suffix binary (Ki Mi Gi Ti Pi Ei), decimal (n u m "" k M G T P E) or an exponent.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
// Prometheus' model.ParseDuration: units y w d h m s ms, each at most once, in that order.
const PROM_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

function portName(v: unknown): boolean {
  // IsValidPortName: 1-15 characters, lowercase alphanumerics and '-', at least one letter, no '--', no '-' at either end.
  return typeof v === 'string' && v.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--');
}

/** Whitespace or a control character: never in a URL (WHATWG's parser drops tabs and newlines silently). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const BLANK_OR_CONTROL = /[\s\x00-\x1f\x7f]/;

function url(v: unknown): boolean {
  if (typeof v !== 'string' || BLANK_OR_CONTROL.test(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The scheme and host of a server, nothing after the host: the stacks append `:<port>` to it (prometheus-adapter's
 * `--prometheus-url={{ .Values.prometheus.url }}:{{ .Values.prometheus.port }}{{ .Values.prometheus.path }}`,
 * KEDA's serverAddress), so `http://h/` or `http://h:9090` would compose `http://h/:9090` or `http://h:9090:9090`.
 */
function hostUrl(v: unknown): boolean {
  if (typeof v !== 'string' || !/^https?:\/\/([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?|\[[0-9a-fA-F:.]+\])$/.test(v)) return false;
  return url(v);
}

/**
 * A quantity greater than zero: an HPA refuses a target that is not (kubernetes pkg/apis/autoscaling/validation/
 * validation.go, validateMetricTarget: `averageValue` … "must be positive", `AverageValue.Sign() != 1`).
 */
function positiveQuantity(v: unknown): boolean {
  const t = text(v);
  if (t === undefined || !QUANTITY.test(t)) return false;
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)/.exec(t);
  return !!m && m[1] !== '-' && Number(m[2]) > 0;
}

/**
 * An in-cluster Service URL, http://<service>.<namespace>.svc[.cluster.local][:port][/] (the form cluster DNS
 * answers for a Service), or empty: not set.
 */
export const SERVICE_URL = /^http:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?(:(\d{1,5}))?\/?$/;

/** The parts of a SERVICE_URL; undefined when it is not one. */
export function parseServiceUrl(v: string): { service: string; namespace: string; port: number } | undefined {
  const m = SERVICE_URL.exec(v);
  if (!m) return undefined;
  const port = m[7] === undefined ? 80 : Number(m[7]);
  if (port < 1 || port > 65535 || (m[1] as string).length > 63 || (m[3] as string).length > 63) return undefined;
  return { service: m[1] as string, namespace: m[3] as string, port };
}

/** The type a `types:` entry names: `integer 1..10`, `enum a|b`, or one of the names below. */
export function parseSettingType(spec: string): SettingType | undefined {
  const range = /^integer(?:\s+(-?\d+)\.\.(-?\d+))?$/.exec(spec.trim());
  if (range) {
    const [min, max] = [range[1] === undefined ? -Infinity : Number(range[1]), range[2] === undefined ? Infinity : Number(range[2])];
    return { expected: range[1] === undefined ? 'a whole number' : `a whole number from ${min} to ${max}`, check: (v) => isInt(v) && v >= min && v <= max };
  }
  const en = /^enum\s+(.+)$/.exec(spec.trim());
  if (en) {
    const options = (en[1] as string).split('|').map((x) => x.trim());
    return { expected: `one of ${options.join(', ')}`, check: (v) => options.includes(String(v)) };
  }
  const named: Record<string, SettingType> = {
    string: { expected: 'a non-empty string', check: (v) => typeof v === 'string' && v !== '' },
    'dns-label': { expected: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)', check: (v) => typeof v === 'string' && v.length <= 63 && DNS1123_LABEL.test(v) },
    'dns-subdomain': { expected: 'a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)', check: (v) => typeof v === 'string' && v.length <= 253 && DNS1123_SUBDOMAIN.test(v) },
    namespace: { expected: 'a namespace name (a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters)', check: (v) => typeof v === 'string' && v.length <= 63 && DNS1123_LABEL.test(v) },
    port: { expected: 'a port number from 1 to 65535', check: (v) => isInt(v) && v >= 1 && v <= 65535 },
    'node-port': { expected: 'a NodePort number from 30000 to 32767', check: (v) => isInt(v) && v >= 30000 && v <= 32767 },
    'port-name': { expected: 'a port name (1-15 lowercase letters, digits and "-", with a letter, no "--")', check: portName },
    quantity: { expected: 'a Kubernetes quantity (e.g. 5, 500m, 1.5, 2k)', check: (v) => text(v) !== undefined && QUANTITY.test(text(v) as string) },
    'positive-quantity': { expected: 'a Kubernetes quantity greater than zero (e.g. 5, 500m, 1.5, 2k): an HPA target must be positive', check: positiveQuantity },
    duration: { expected: 'a Prometheus duration (e.g. 5s, 30s, 1m, 1m30s)', check: (v) => typeof v === 'string' && v !== '' && PROM_DURATION.test(v) },
    'metric-name': { expected: 'a Prometheus metric name (letters, digits, "_" and ":", not starting with a digit)', check: (v) => typeof v === 'string' && METRIC_NAME.test(v) },
    url: { expected: 'an http:// or https:// URL', check: url },
    'host-url': { expected: 'http://HOST or https://HOST: a scheme and a host, with no port, path or trailing "/" (the port is its own setting, appended as :PORT)', check: hostUrl },
    'service-url': { expected: 'empty (not set), or an in-cluster Service URL http://<service>.<namespace>.svc[:port] (e.g. http://monitoring-kube-prometheus-prometheus.monitoring.svc:9090)', check: (v) => v === '' || (typeof v === 'string' && parseServiceUrl(v) !== undefined) },
    boolean: { expected: 'true or false', check: (v) => typeof v === 'boolean' },
  };
  return named[spec.trim()];
}

export const SETTING_TYPE_NAMES = ['string', 'dns-label', 'dns-subdomain', 'namespace', 'port', 'node-port', 'port-name', 'quantity', 'positive-quantity', 'duration', 'metric-name', 'url', 'host-url', 'service-url', 'boolean', 'integer MIN..MAX', 'enum A|B'];

export type SettingRule = { check: 'lessOrEqual' | 'distinct'; settings: string[] };
export const RULE_CHECKS = ['lessOrEqual', 'distinct'] as const;

/** A rule's failure, or undefined. Values come in the order of the rule's settings. */
export function ruleProblem(rule: SettingRule, values: unknown[]): string | undefined {
  const named = rule.settings.map((s, i) => `${s}=${JSON.stringify(values[i])}`).join(', ');
  if (rule.check === 'lessOrEqual') {
    for (let i = 1; i < values.length; i++) {
      if (Number(values[i - 1]) > Number(values[i])) return `${rule.settings[i - 1]} must not be greater than ${rule.settings[i]} (${named})`;
    }
  } else if (new Set(values.map(String)).size !== values.length) {
    return `${rule.settings.join(', ')} must all differ (${named})`;
  }
  return undefined;
}

// A chart's `kubeVersion` (Chart.yaml) against a cluster's version. Helm reads the field as a
// Masterminds/semver v3 constraint (pkg/chart/v2/util: IsCompatibleRange): `||` separates alternatives, spaces
// or commas separate comparisons that must all hold; operators =, !=, >, <, >=, <=, ~ (same minor), ^ (same
// major), and `1.2 - 1.4` ranges. Charts write `-0` (">=1.25.0-0") so that a cluster version with a
// pre-release or vendor suffix (v1.30.2-eks-1234, v1.29.1+k3s1) still matches; hpa-lab compares the cluster's
// major.minor.patch only, which is what that suffix achieves.

type V = [number, number, number];

function parse(raw: string): { v: V; parts: number } | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(raw.trim());
  if (!m) return undefined;
  const nums = [m[1], m[2], m[3]].map((x) => (x === undefined || /[xX*]/.test(x) ? undefined : Number(x)));
  const parts = nums.findIndex((n) => n === undefined);
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], parts: parts === -1 ? 3 : parts };
}

const cmp = (a: V, b: V): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function one(op: string, target: string, have: V): boolean | undefined {
  const t = parse(target);
  if (!t) return undefined;
  const { v, parts } = t;
  const c = cmp(have, v);
  // A partial version (1.25, 1.x) is a range: 1.25 means >=1.25.0 <1.26.0.
  const upper: V = parts === 0 ? [Infinity, 0, 0] : parts === 1 ? [v[0] + 1, 0, 0] : parts === 2 ? [v[0], v[1] + 1, 0] : v;
  const inRange = parts === 3 ? c === 0 : c >= 0 && cmp(have, upper) < 0;
  switch (op) {
    case '':
    case '=':
      return inRange;
    case '!=':
      return !inRange;
    case '>':
      return parts === 3 ? c > 0 : cmp(have, upper) >= 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return parts === 3 ? c <= 0 : cmp(have, upper) < 0;
    case '~':
    case '~>':
      return c >= 0 && cmp(have, parts <= 1 ? [v[0] + 1, 0, 0] : [v[0], v[1] + 1, 0]) < 0;
    case '^':
      return c >= 0 && cmp(have, v[0] > 0 || parts === 1 ? [v[0] + 1, 0, 0] : [0, v[1] + 1, 0]) < 0;
    default:
      return undefined;
  }
}

/** Whether `version` (a cluster's gitVersion) satisfies `constraint`; undefined when either cannot be read. */
export function satisfies(version: string, constraint: string): boolean | undefined {
  const have = parse(version)?.v;
  if (!have) return undefined;
  let any = false;
  for (const alt of constraint.split('||')) {
    let text = alt.trim();
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
    if (hyphen) text = `>=${hyphen[1] ?? ''} <=${hyphen[2] ?? ''}`;
    const terms = text.split(/[\s,]+/).filter(Boolean);
    let all = true;
    for (let i = 0; i < terms.length; i++) {
      let term = terms[i] as string;
      // ">= 1.25" (an operator, then a space) is one comparison.
      if (/^(=|!=|>|<|>=|<=|~|~>|\^)$/.test(term) && i + 1 < terms.length) term += terms[++i] as string;
      const m = /^(!=|>=|<=|~>|=|>|<|~|\^)?(.+)$/.exec(term);
      const r = m ? one(m[1] ?? '', m[2] ?? '', have) : undefined;
      if (r === undefined) return undefined;
      if (!r) all = false;
    }
    if (all) any = true;
  }
  return any;
}

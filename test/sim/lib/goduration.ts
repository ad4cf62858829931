// Go's time.ParseDuration and Duration.String, for flags such as `kind create cluster --wait 60s`.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration ("1m30s", "250ms", "0") into milliseconds; throws Go's error text otherwise. */
export function parseGoDuration(input: string): number {
  const fail = () => new Error(`time: invalid duration ${JSON.stringify(input)}`);
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw fail();
  let total = 0;
  while (s.length > 0) {
    const m = /^(\d*)(\.\d*)?([a-zµμ]*)/.exec(s);
    if (!m || (m[1] === '' && (m[2] ?? '.') === '.')) throw fail();
    const unit = m[3] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${JSON.stringify(input)}`);
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(input)}`);
    total += Number(`${m[1] || '0'}${m[2] ?? ''}`) * perUnit;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Go's Duration.String for whole-millisecond values: "1m0s", "5s", "1h2m3s", "250ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const neg = ms < 0;
  let rest = Math.abs(ms) / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const sec = Number(rest.toFixed(3)).toString();
  const out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  return neg ? `-${out}` : out;
}

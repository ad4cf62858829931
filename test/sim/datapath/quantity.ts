// Kubernetes resource.Quantity for the values the custom metrics API and the HPA exchange: both build them
// with NewMilliQuantity(v, DecimalSI), whose canonical string form is an integer mantissa with an SI suffix
// at an exponent that is a multiple of 3 ("500m", "5", "1500m", "2k"), never a decimal point.

const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/** The canonical DecimalSI string of a milli-value (int64Amount{value, scale: -3}.AsCanonicalBytes). */
export function formatMilli(milli: number): string {
  let m = Math.trunc(milli);
  if (m === 0) return '0';
  const negative = m < 0;
  m = Math.abs(m);
  let exponent = -3;
  while (m % 10 === 0) {
    m /= 10;
    exponent++;
  }
  const mod = ((exponent % 3) + 3) % 3;
  if (mod === 1) {
    m *= 10;
    exponent -= 1;
  } else if (mod === 2) {
    m *= 100;
    exponent -= 2;
  }
  const suffix = DECIMAL_SUFFIX[exponent] ?? `e${exponent}`;
  return `${negative ? '-' : ''}${m}${suffix}`;
}

/** A sample value as the adapter turns it into a quantity: NaN becomes 0, else int64(value*1000) milli. */
export function sampleToMilli(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.trunc(value * 1000);
}

const PARSE_SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** Quantity.MilliValue() of a quantity string or number (rounded up, as ScaledValue does); undefined if invalid. */
export function parseQuantityMilli(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? Math.ceil(q * 1000 - 1e-9) : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const factor = m[2] ? 10 ** Number(m[2].slice(1)) : (PARSE_SUFFIX[m[3] ?? ''] ?? 1);
  const milli = base * factor * 1000;
  // Avoid 0.1*1000 = 100.00000000000001 rounding up to 101.
  return Math.ceil(Number(milli.toPrecision(15)));
}

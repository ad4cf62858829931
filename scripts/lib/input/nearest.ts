// The name someone most likely meant: the same name in another case (`hpa.averagevalue` → `hpa.averageValue`),
// else the closest within two edits (`--timout-factor` → `--timeout-factor`), else none.

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

export function nearestName(given: string, names: Iterable<string>, maxEdits = 2): string | undefined {
  const all = [...names].filter((n) => n !== given);
  const lower = given.toLowerCase();
  const sameButCase = all.find((n) => n.toLowerCase() === lower);
  if (sameButCase) return sameButCase;
  let best: { name: string; d: number } | undefined;
  for (const n of all) {
    const d = editDistance(n.toLowerCase(), lower);
    if (d <= maxEdits && (!best || d < best.d)) best = { name: n, d };
  }
  return best?.name;
}

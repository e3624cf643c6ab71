/**
 * How far apart two short strings are, for "did you mean" checks: the config's misspelt keys
 * (lib/config/parse.ts) and the audit's look-alike stack tags (lib/cleanup/leftovers.ts).
 */

/** The Levenshtein distance of two strings (short inputs). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

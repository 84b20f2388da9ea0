// A small unified diff (LCS over lines, 2 lines of context) for showing what --fix changed. Plugin files are
// small, so the quadratic table is fine.
const CONTEXT = 2;

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

function ops(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      (lcs[i] as number[])[j] = a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, lcs[i]?.[j + 1] ?? 0);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ kind: ' ', text: a[i++] as string, a: i, b: ++j });
    else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) out.push({ kind: '-', text: a[i++] as string, a: i, b: j });
    else out.push({ kind: '+', text: b[j++] as string, a: i, b: j });
  }
  return out;
}

/** `--- a/label` / `+++ b/label` and hunks; '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, label: string): string {
  if (before === after) return '';
  const list = ops(before.split('\n'), after.split('\n'));
  const changed = list.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  const hunks: Array<[number, number]> = [];
  for (const k of changed) {
    const from = Math.max(0, k - CONTEXT);
    const to = Math.min(list.length - 1, k + CONTEXT);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1] + 1) last[1] = to;
    else hunks.push([from, to]);
  }
  const out = [`--- a/${label}`, `+++ b/${label}`];
  for (const [from, to] of hunks) {
    const part = list.slice(from, to + 1);
    const aLines = part.filter((o) => o.kind !== '+').length;
    const bLines = part.filter((o) => o.kind !== '-').length;
    const first = part[0] as Op;
    const aStart = first.kind === '+' ? first.a + 1 : first.a;
    const bStart = first.kind === '-' ? first.b + 1 : first.b;
    out.push(`@@ -${aStart},${aLines} +${bStart},${bLines} @@`, ...part.map((o) => `${o.kind}${o.text}`));
  }
  return `${out.join('\n')}\n`;
}

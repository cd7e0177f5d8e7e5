/** A unified diff of two texts by lines (LCS), like `diff -u`; configuration files are small enough for O(n·m). */

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string; readonly a: number; readonly b: number };

function lines(text: string): string[] {
  if (text === '') return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], flattened.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => lcs[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ kind: ' ', text: a[i] ?? '', a: i, b: j }); i++; j++; }
    else if (i < n && (j >= m || at(i + 1, j) >= at(i, j + 1))) { ops.push({ kind: '-', text: a[i] ?? '', a: i, b: j }); i++; }
    else { ops.push({ kind: '+', text: b[j] ?? '', a: i, b: j }); j++; }
  }
  return ops;
}

/** '' when the texts are equal; otherwise `--- a` / `+++ b` headers and hunks with `context` lines around changes. */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  const ops = editScript(lines(oldText), lines(newText));
  const changed = ops.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] ?? 0;
    let last = first;
    // Hunks closer than two contexts merge (adjacent changes always do, also with context 0).
    while (k + 1 < changed.length && (changed[k + 1] ?? 0) - last <= 2 * context + 1) last = changed[++k] ?? last;
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const hunk = ops.slice(from, to + 1);
    const h0 = hunk[0];
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    const aStart = h0 ? (aLen ? h0.a + 1 : h0.a) : 0;
    const bStart = h0 ? (bLen ? h0.b + 1 : h0.b) : 0;
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`, ...hunk.map((o) => `${o.kind}${o.text}`));
  }
  if (!oldText.endsWith('\n') && oldText !== '') out.push('\\ No newline at end of old file');
  return `${out.join('\n')}\n`;
}

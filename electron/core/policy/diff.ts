/**
 * A line diff between two policy texts, in unified format (`-`/`+`/` ` lines under `@@` hunk
 * headers, 2 lines of context). Common prefix and suffix are trimmed first; the middle uses an
 * LCS table, or falls back to "replace everything in between" when it would be too large.
 */
export function lineDiff(before: string, after: string, context = 2): string {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return '';
  const ops: { t: ' ' | '-' | '+'; line: string }[] = [];
  for (let i = 0; i < start; i++) ops.push({ t: ' ', line: a[i] as string });
  ops.push(...middle(a.slice(start, endA), b.slice(start, endB)));
  for (let i = endA; i < a.length; i++) ops.push({ t: ' ', line: a[i] as string });
  return hunks(ops, context);
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function middle(a: string[], b: string[]): { t: ' ' | '-' | '+'; line: string }[] {
  if (a.length * b.length > 4_000_000) {
    return [...a.map((line) => ({ t: '-' as const, line })), ...b.map((line) => ({ t: '+' as const, line }))];
  }
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * w + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * w + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
  const out: { t: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ t: ' ', line: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))
      out.push({ t: '-', line: a[i++] as string });
    else out.push({ t: '+', line: b[j++] as string });
  }
  while (i < a.length) out.push({ t: '-', line: a[i++] as string });
  while (j < b.length) out.push({ t: '+', line: b[j++] as string });
  return out;
}

function hunks(ops: { t: ' ' | '-' | '+'; line: string }[], context: number): string {
  const changed = ops.map((o, i) => (o.t === ' ' ? -1 : i)).filter((i) => i >= 0);
  const out: string[] = [];
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, (changed[k] as number) - context);
    let to = (changed[k] as number) + context;
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= to + 1)
      to = (changed[++k] as number) + context;
    to = Math.min(ops.length - 1, to);
    let lineA = 1;
    let lineB = 1;
    for (let i = 0; i < from; i++) {
      if (ops[i]?.t !== '+') lineA++;
      if (ops[i]?.t !== '-') lineB++;
    }
    const slice = ops.slice(from, to + 1);
    const countA = slice.filter((o) => o.t !== '+').length;
    const countB = slice.filter((o) => o.t !== '-').length;
    out.push(`@@ -${lineA},${countA} +${lineB},${countB} @@`);
    for (const o of slice) out.push(`${o.t}${o.line}`);
    k++;
  }
  return out.join('\n');
}

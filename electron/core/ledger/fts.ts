/** Keys whose string values are never worth indexing (ids, enums, signatures, base64 data). */
const SKIP = new Set([
  'type',
  'id',
  'role',
  'signature',
  'data',
  'media_type',
  'source',
  'tool_use_id',
  'call_id',
  '$blob',
]);
const MAX = 16_384;

/** Collects the human text of a value (prompt text, tool arguments, results) for the FTS index. */
export function collectText(value: unknown, out: string[], budget = { left: MAX }, depth = 0): void {
  if (budget.left <= 0 || depth > 12 || value === null || value === undefined) return;
  if (typeof value === 'string') {
    const s = value.length > budget.left ? value.slice(0, budget.left) : value;
    budget.left -= s.length;
    out.push(s);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    out.push(String(value));
  } else if (Array.isArray(value)) {
    for (const v of value) collectText(v, out, budget, depth + 1);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SKIP.has(k)) continue;
      collectText(v, out, budget, depth + 1);
    }
  }
}

/** Replaces every occurrence of a secret value anywhere in a JSON-shaped value (results, errors). */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  const live = secrets.filter((s) => s.length >= 4);
  if (!live.length) return value;
  const json = JSON.stringify(value);
  if (json === undefined || !live.some((s) => json.includes(JSON.stringify(s).slice(1, -1)))) return value;
  let out = json;
  for (const s of live) out = out.split(JSON.stringify(s).slice(1, -1)).join('[REDACTED]');
  return JSON.parse(out) as T;
}

/** A short rendering of tool arguments for list lines. */
export function summarizeArgs(args: Record<string, unknown>): string {
  const s = JSON.stringify(args);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

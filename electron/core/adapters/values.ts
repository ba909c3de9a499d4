/** Small readers for untrusted JSON: they never throw, they answer undefined. */
export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;

/** The text of a content value that is either a string or an array of typed parts. */
export function textOf(content: unknown, partTypes: readonly string[] = ['text']): string {
  if (typeof content === 'string') return content;
  const out: string[] = [];
  for (const part of arr(content)) {
    const p = obj(part);
    if (!p) continue;
    const t = str(p.type);
    if (t !== undefined && partTypes.includes(t) && typeof p.text === 'string') out.push(p.text);
  }
  return out.join('\n');
}

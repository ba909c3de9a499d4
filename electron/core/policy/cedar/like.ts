/**
 * Gatehouse globs as Cedar expressions. Cedar's `like` has one wildcard, `*`, which matches any
 * run of characters including `/`. Plain globs map directly; path-style ("segment") globs, where
 * `*` stays inside one `/` segment, map when they have no `**` (then `like` plus "no more slashes
 * than the pattern") or only a trailing `**` with every single `*` closing a segment. Anything
 * else (`?`, a `**` in the middle) is reported as not mappable.
 */

export class Unmappable extends Error {}

/** A Cedar string literal. */
export function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A Cedar `like` pattern literal from literal text pieces joined by wildcards. */
function likePattern(pieces: readonly string[]): string {
  return `"${pieces.map((p) => str(p).slice(1, -1).replace(/\*/g, '\\*')).join('*')}"`;
}

const slashes = (s: string): number => s.split('/').length - 1;

/** One glob as a boolean Cedar expression over `expr` (a string). */
export function globExpr(expr: string, glob: string, segments: boolean): string {
  if (glob.includes('?')) throw new Unmappable(`glob "${glob}" uses "?" (Cedar's like has only "*")`);
  if (!glob.includes('*')) return `${expr} == ${str(glob)}`;
  if (!segments || glob === '**') {
    if (glob === '*' || glob === '**') return 'true';
    if (glob.includes('**/')) throw new Unmappable(`glob "${glob}" uses "**/" (optional segments)`);
    return `${expr} like ${likePattern(glob.split(/\*+/))}`;
  }
  const double = glob.indexOf('**');
  if (double === -1) {
    // `*` stays in its segment: like the glob, and no more slashes than the glob has.
    const k = slashes(glob);
    const tooMany = `"*${'/*'.repeat(k + 1)}"`;
    return `(${expr} like ${likePattern(glob.split('*'))} && !(${expr} like ${tooMany}))`;
  }
  const head = glob.slice(0, double);
  const rest = glob.slice(double + 2);
  if (rest !== '' || head.includes('**')) throw new Unmappable(`path glob "${glob}" has "**" before its end`);
  const singles = head.split('*');
  if (singles.slice(1).some((piece) => !piece.startsWith('/')))
    throw new Unmappable(`path glob "${glob}" has a "*" that does not close its segment`);
  return `${expr} like ${likePattern([...singles, ''])}`;
}

/** A glob list (any may match) as a Cedar expression. */
export function globsExpr(
  expr: string,
  globs: string | readonly string[],
  opts: { segments?: boolean; lower?: boolean } = {},
): string {
  const list = (typeof globs === 'string' ? [globs] : [...globs]).map((g) =>
    opts.lower ? g.toLowerCase() : g,
  );
  if (list.includes('*') || (opts.segments && list.includes('**'))) return 'true';
  const parts = list.map((g) => globExpr(expr, g, opts.segments === true));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || ')})`;
}

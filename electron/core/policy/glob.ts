/** A compiled string test. Exact strings use a Set lookup; only real globs pay for a RegExp. */
export type StringTest = (value: string) => boolean;

export interface GlobOptions {
  /** Path globs: `*` stays inside one `/` segment, `**` crosses segments. Otherwise `*` matches anything. */
  segments?: boolean;
  caseInsensitive?: boolean;
}

const hasWildcard = (g: string): boolean => /[*?]/.test(g);

export function globToRegExpSource(glob: string, opts: GlobOptions = {}): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `/**/` also matches a single `/`, so `/a/**/b` matches `/a/b`.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += opts.segments ? '[^/]*' : '.*';
    } else if (c === '?') out += opts.segments ? '[^/]' : '.';
    else out += c.replace(/[\\^$.+()[\]{}|/-]/g, '\\$&');
  }
  return `^${out}$`;
}

export function compileGlobs(globs: string | readonly string[], opts: GlobOptions = {}): StringTest {
  const list = typeof globs === 'string' ? [globs] : globs;
  if (list.includes('*') || (opts.segments && list.includes('**'))) return () => true;
  const norm = (s: string): string => (opts.caseInsensitive ? s.toLowerCase() : s);
  const exact = new Set(list.filter((g) => !hasWildcard(g)).map(norm));
  const patterns = list.filter(hasWildcard).map((g) => globToRegExpSource(norm(g), opts));
  const re = patterns.length ? new RegExp(patterns.join('|'), opts.caseInsensitive ? 'i' : '') : undefined;
  if (!re) return (v) => exact.has(norm(v));
  if (exact.size === 0) return (v) => re.test(v);
  return (v) => exact.has(norm(v)) || re.test(v);
}

/** The exact (wildcard-free) values of a glob list, or undefined if any entry is a real glob. */
export function exactValues(globs: string | readonly string[] | undefined): string[] | undefined {
  if (globs === undefined) return undefined;
  const list = typeof globs === 'string' ? [globs] : [...globs];
  return list.some(hasWildcard) ? undefined : list;
}

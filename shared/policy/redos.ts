/**
 * A static guard against regular expressions that backtrack catastrophically (ReDoS), for the
 * policy's custom guardrail patterns and `when` regex conditions, which run on agent-controlled
 * text. Rejected: a repeated group (`*`, `+`, `{n,}` or more than 10 repeats) whose body can
 * end with a variable-length part that can also start the next repetition — `(a+)+`,
 * `(\w+\s?)*`, `(\d{1,3}\.?)+`, `((ab)+)+` — or whose alternatives can start with the same
 * character — `(a|ab)+`, `(\w|\d)*` — or in which a variable-length part overlaps what follows
 * it — `(.*a){20}`, `(\w+\d+)+`. Backreferences inside such a group are rejected too.
 * Polynomial shapes (`.*a.*a`) pass; the scanned text length is capped for them (detectors.ts).
 * Character sets are compared on a sample of characters, which errs on the side of overlap.
 */

type Node =
  | { t: 'atom'; src: string; at: number }
  | { t: 'any'; at: number } // backreference: could match anything
  | { t: 'assert'; alts: Node[][] | null; at: number }
  | { t: 'group'; alts: Node[][]; at: number }
  | { t: 'quant'; min: number; max: number; body: Node; at: number };

export interface RegexHazard {
  /** 0-based offset in the pattern. */
  offset: number;
  message: string;
}

const SAMPLE = [
  ...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)),
  'é',
  'ß',
  'Ж',
  '中',
  '\u00a0',
  '\u2028',
  '😀',
];

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  alts(): Node[][] {
    const out: Node[][] = [this.seq()];
    while (this.s[this.i] === '|') {
      this.i++;
      out.push(this.seq());
    }
    return out;
  }

  private seq(): Node[] {
    const out: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const atom = this.atom();
      out.push(this.quantifier(atom));
    }
    return out;
  }

  private quantifier(body: Node): Node {
    const s = this.s;
    const c = s[this.i];
    let min = -1;
    let max = -1;
    if (c === '*' || c === '+' || c === '?') {
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
      this.i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (m) {
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length;
      }
    }
    if (min < 0) return body;
    if (s[this.i] === '?') this.i++; // lazy: same backtracking space
    return this.quantifier({ t: 'quant', min, max, body, at: body.at });
  }

  private atom(): Node {
    const s = this.s;
    const at = this.i;
    const c = s[this.i] as string;
    if (c === '(') {
      this.i++;
      let kind: 'group' | 'assert' = 'group';
      if (s.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<?[=!]/.test(s.slice(this.i))) {
        kind = 'assert';
        this.i += s[this.i + 1] === '<' ? 3 : 2;
      } else if (s.startsWith('?<', this.i)) this.i = s.indexOf('>', this.i) + 1;
      const alts = this.alts();
      this.i++; // ')'
      return kind === 'assert' ? { t: 'assert', alts, at } : { t: 'group', alts, at };
    }
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'assert', alts: null, at };
    }
    if (c === '[') {
      let j = this.i + 1;
      if (s[j] === '^') j++;
      if (s[j] === ']') j++;
      while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
      this.i = j + 1;
      return { t: 'atom', src: s.slice(at, this.i), at };
    }
    if (c === '\\') {
      const rest = s.slice(this.i + 1);
      if (/^[bB]/.test(rest)) {
        this.i += 2;
        return { t: 'assert', alts: null, at };
      }
      const backref = /^(?:[1-9]\d*|k<[^>]*>)/.exec(rest);
      if (backref) {
        this.i += 1 + backref[0].length;
        return { t: 'any', at };
      }
      const esc =
        /^(?:[pP]\{[^}]*\}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[\s\S])/u.exec(rest);
      this.i += 1 + (esc?.[0].length ?? 0);
      return { t: 'atom', src: s.slice(at, this.i), at };
    }
    this.i += c.length;
    return { t: 'atom', src: c === '.' ? '.' : s.slice(at, this.i), at };
  }
}

/** The sample characters a node can consume anywhere (a superset of what it can start with). */
function chars(n: Node, flags: string, cache: Map<string, Set<string>>): Set<string> {
  switch (n.t) {
    case 'any':
      return new Set(SAMPLE);
    case 'assert':
      return new Set();
    case 'atom': {
      let set = cache.get(n.src);
      if (!set) {
        try {
          const re = new RegExp(`^(?:${n.src})$`, flags.replace(/[gym]/g, ''));
          set = new Set(SAMPLE.filter((ch) => re.test(ch)));
        } catch {
          set = new Set(SAMPLE);
        }
        cache.set(n.src, set);
      }
      return set;
    }
    case 'quant':
      return chars(n.body, flags, cache);
    case 'group': {
      const out = new Set<string>();
      for (const alt of n.alts) for (const x of alt) for (const ch of chars(x, flags, cache)) out.add(ch);
      return out;
    }
  }
}

const nullable = (n: Node): boolean =>
  n.t === 'assert' ||
  (n.t === 'quant' && (n.min === 0 || nullable(n.body))) ||
  (n.t === 'group' && n.alts.some((alt) => alt.every(nullable)));

function first(seq: Node[], flags: string, cache: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>();
  for (const n of seq) {
    for (const ch of chars(n, flags, cache)) out.add(ch);
    if (!nullable(n)) break;
  }
  return out;
}

const meets = (a: Set<string>, b: Set<string>): boolean => [...a].some((x) => b.has(x));
const variable = (n: Node): boolean =>
  (n.t === 'quant' && n.max > n.min) ||
  n.t === 'any' ||
  (n.t === 'group' && n.alts.some((a) => a.some(variable)));

function check(nodes: Node[], flags: string, cache: Map<string, Set<string>>): RegexHazard | undefined {
  for (const n of nodes) {
    if (n.t === 'group' || (n.t === 'assert' && n.alts)) {
      for (const alt of n.alts ?? []) {
        const h = check(alt, flags, cache);
        if (h) return h;
      }
    }
    if (n.t !== 'quant') continue;
    const inner = check([n.body], flags, cache);
    if (inner) return inner;
    if (n.max !== Infinity && n.max <= 10) continue;
    const alts = n.body.t === 'group' ? n.body.alts : [[n.body]];
    const starts = alts.map((alt) => first(alt, flags, cache));
    for (let a = 0; a < starts.length; a++)
      for (let b = a + 1; b < starts.length; b++)
        if (meets(starts[a] as Set<string>, starts[b] as Set<string>))
          return { offset: n.at, message: 'a repeated group has alternatives that can start alike' };
    const loopStart = new Set(starts.flatMap((s) => [...s]));
    for (const alt of alts)
      for (let k = 0; k < alt.length; k++) {
        const e = alt[k] as Node;
        if (e.t === 'any') return { offset: e.at, message: 'a backreference inside a repeated group' };
        if (!variable(e)) continue;
        const own = chars(e, flags, cache);
        const rest = alt.slice(k + 1);
        if (meets(own, first(rest, flags, cache)))
          return {
            offset: e.at,
            message: 'a repeated part inside a repeated group overlaps what follows it',
          };
        if (rest.every(nullable) && meets(own, loopStart))
          return { offset: e.at, message: 'nested quantifiers (a repeated part inside a repeated group)' };
      }
  }
  return undefined;
}

/** A catastrophic-backtracking shape in `source`, or undefined. Assumes the pattern compiles. */
export function regexHazard(source: string, flags = ''): RegexHazard | undefined {
  const p = new Parser(source);
  const tree = p.alts();
  const cache = new Map<string, Set<string>>();
  for (const alt of tree) {
    const h = check(alt, flags, cache);
    if (h) return h;
  }
  return undefined;
}

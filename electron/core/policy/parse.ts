import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import {
  policyDocumentSchema,
  type PolicyDocument,
  type PolicyProblem,
} from '../../../shared/policy/schema.js';

export type ParseResult = { ok: true; document: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

const MAX_POLICY_BYTES = 2 * 1024 * 1024;

/**
 * Parses and validates a policy's YAML text. Every problem carries the 1-based line and column
 * it points at: YAML syntax errors from the parser, schema errors by locating the offending
 * node (or its nearest existing parent) in the document.
 */
export function parsePolicy(text: string): ParseResult {
  if (text.length > MAX_POLICY_BYTES) {
    return {
      ok: false,
      problems: [{ line: 1, column: 1, path: '', message: 'The policy is larger than 2 MiB.' }],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: pos.line, column: pos.col, path: '', message: firstLine(e.message) };
      }),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  // `rules:` with every entry commented out reads as null: that is an empty list, not an error.
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const top = data as Record<string, unknown>;
    for (const key of ['rules', 'limits', 'guardrails']) if (top[key] === null) top[key] = [];
  }
  const parsed = policyDocumentSchema.safeParse(data ?? {});
  if (parsed.success) return { ok: true, document: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const pos = locate(doc, path, lineCounter, issue.code === 'unrecognized_keys' ? issue.keys : undefined);
      return { ...pos, path: path.join('.'), message: issue.message };
    }),
  };
}

function locate(
  doc: Document,
  path: (string | number)[],
  lc: LineCounter,
  unknownKeys: string[] | undefined,
): { line: number; column: number } {
  // An unknown key points at the key itself, which is where the reader must look.
  if (unknownKeys?.[0] !== undefined) {
    const parent = doc.getIn(path, true);
    if (isNode(parent) && 'items' in parent && Array.isArray(parent.items)) {
      for (const pair of parent.items as { key?: unknown }[]) {
        const key = pair.key;
        if (isNode(key) && 'value' in key && key.value === unknownKeys[0] && key.range) {
          return toPos(lc, key.range[0]);
        }
      }
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return toPos(lc, node.range[0]);
  }
  return { line: 1, column: 1 };
}

const toPos = (lc: LineCounter, offset: number): { line: number; column: number } => {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
};

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

export function formatProblems(problems: readonly PolicyProblem[]): string {
  return problems
    .slice(0, 5)
    .map((p) => `line ${p.line}, column ${p.column}${p.path ? ` (${p.path})` : ''}: ${p.message}`)
    .join('; ');
}

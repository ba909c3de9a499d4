import type { Condition } from '../../../shared/policy/schema.js';
import type { Operation } from '../../../shared/policy/request.js';
import { compileGlobs } from './glob.js';

type ValueTest = (value: unknown) => boolean;
export type OperationTest = (op: Operation) => boolean;

/**
 * Reads a `when` field from an operation: `arguments.<path>` (MCP), `query.<name>` and
 * `body.<path>` (HTTP), or a top-level field (`model`, `tool`, `host`, `path`, ...). Only own
 * properties are followed, so `__proto__` and friends resolve to nothing.
 */
export function compileFieldPath(field: string): (op: Operation) => unknown {
  const parts = field.split('.');
  return (op) => {
    let cur: unknown = op;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  };
}

const asText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

const asNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

/** Values from query strings arrive as text, so `page: 1` also matches "1". */
const same = (value: unknown, expected: unknown): boolean =>
  value === expected || (typeof value === 'string' && expected !== null && value === String(expected));

/**
 * A condition on one field. An absent value fails every test except `exists: false`, so a
 * condition never holds by accident. Arrays: for deny rules a condition holds if ANY element
 * passes; for allow and approve rules only if EVERY element does — a list cannot smuggle a
 * forbidden item past an allow, nor hide one from a deny.
 */
export function compileCondition(cond: Condition, quantifier: 'every' | 'some'): ValueTest {
  if (typeof cond !== 'object') return lift((v) => same(v, cond), quantifier);
  const tests: ValueTest[] = [];
  if (cond.equals !== undefined) {
    const expected = cond.equals;
    tests.push((v) => same(v, expected));
  }
  if (cond.in) {
    const options = cond.in;
    tests.push((v) => options.some((o) => same(v, o)));
  }
  if (cond.glob !== undefined) {
    const g = compileGlobs(cond.glob, { segments: true });
    tests.push((v) => {
      const t = asText(v);
      return t !== undefined && g(t);
    });
  }
  if (cond.notGlob !== undefined) {
    const g = compileGlobs(cond.notGlob, { segments: true });
    tests.push((v) => {
      const t = asText(v);
      return t !== undefined && !g(t);
    });
  }
  if (cond.regex !== undefined) {
    const re = new RegExp(cond.regex, 'u');
    tests.push((v) => {
      const t = asText(v);
      return t !== undefined && re.test(t);
    });
  }
  if (cond.min !== undefined) {
    const min = cond.min;
    tests.push((v) => (asNumber(v) ?? Number.NaN) >= min);
  }
  if (cond.max !== undefined) {
    const max = cond.max;
    tests.push((v) => (asNumber(v) ?? Number.NaN) <= max);
  }
  const valueTest = lift((v) => tests.every((t) => t(v)), quantifier);
  if (cond.exists === undefined) return (v) => v !== undefined && valueTest(v);
  const wanted = cond.exists;
  return (v) => (v !== undefined) === wanted && (v === undefined || tests.length === 0 || valueTest(v));
}

function lift(test: ValueTest, quantifier: 'every' | 'some'): ValueTest {
  return (v) => {
    if (v === undefined) return false;
    if (!Array.isArray(v)) return test(v);
    if (v.length === 0) return false;
    return quantifier === 'every' ? v.every(test) : v.some(test);
  };
}

export function compileWhen(
  when: Record<string, Condition> | undefined,
  quantifier: 'every' | 'some',
): OperationTest | undefined {
  if (!when) return undefined;
  const checks = Object.entries(when).map(([field, cond]) => {
    const read = compileFieldPath(field);
    const test = compileCondition(cond, quantifier);
    return (op: Operation) => test(read(op));
  });
  return (op) => checks.every((c) => c(op));
}

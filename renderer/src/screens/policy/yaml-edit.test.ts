import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appendItem, deleteKey, removeItem, setScalar } from './yaml-edit.js';

const doc = `# top comment
policy: 1
description: A long description line that a serialiser with a line width would happily wrap somewhere.

rules:
  # first rule
  - id: a
    effect: allow
    agent: { template: [custom, host] }
    serviceKind: [anthropic, openai]

  - id: b
    description: second
    effect: deny
    service: demo # trailing comment
`;

const changedLines = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  return y.filter((l, i) => l !== x[i]).length;
};

describe('in-place YAML edits', () => {
  it('replaces one scalar and touches nothing else', () => {
    const out = setScalar(doc, ['rules', 0, 'effect'], 'deny')!;
    expect(out).toBe(doc.replace('effect: allow', 'effect: deny'));
    expect(parse(out).rules[0].effect).toBe('deny');
  });

  it('adds a missing key under the item, with its indentation, and quotes when needed', () => {
    const out = setScalar(doc, ['rules', 0, 'description'], 'needs: quoting')!;
    expect(parse(out).rules[0].description).toBe('needs: quoting');
    expect(out).toContain('  - id: a\n    description: "needs: quoting"\n    effect: allow');
    expect(out).toContain('# first rule');
  });

  it('deletes a key and its line', () => {
    const out = deleteKey(doc, ['rules', 1, 'description'])!;
    expect(parse(out).rules[1]).toEqual({ id: 'b', effect: 'deny', service: 'demo' });
    expect(out).toContain('service: demo # trailing comment');
  });

  it('removes a list item and appends one, keeping the rest as written', () => {
    const removed = removeItem(doc, 'rules', 0)!;
    expect(parse(removed).rules.map((r: { id: string }) => r.id)).toEqual(['b']);
    expect(removed).toContain('A long description line');
    const added = appendItem(doc, 'rules', { id: 'c', effect: 'deny', service: '*' })!;
    expect(parse(added).rules.map((r: { id: string }) => r.id)).toEqual(['a', 'b', 'c']);
    expect(parse(added).rules[2]).toEqual({ id: 'c', effect: 'deny', service: '*' });
    expect(changedLines(doc, added)).toBeLessThanOrEqual(4);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FILE } from './engine.js';
import { POLICY_SCHEMA_FILE, policyJsonSchema } from './json-schema.js';
import { parsePolicy } from './parse.js';

const problems = (text: string) => {
  const r = parsePolicy(text);
  if (r.ok) throw new Error('expected problems');
  return r.problems.map((p) => [p.line, p.column, p.path, p.message]);
};

describe('parse errors carry line and column', () => {
  it.each([
    ['YAML syntax', 'policy: 1\nrules:\n  - id: a\n   effect: allow\n', 4, 1],
    ['tab indentation', 'policy: 1\nrules:\n\t- id: a\n', 3, 1],
    ['unclosed flow sequence', 'policy: 1\nrules: [\n', 3, 1],
    ['duplicate key', 'policy: 1\npolicy: 1\n', 2, 1],
  ])('%s', (_name, text, line, column) => {
    const [first] = problems(text);
    expect(first?.slice(0, 2)).toEqual([line, column]);
  });

  it('schema errors point at the offending node', () => {
    const text = [
      'policy: 1',
      'rules:',
      '  - id: ok',
      '    effect: allow',
      '  - id: bad',
      '    effect: permit',
      '    llm: { model: x }',
      '    http: { host: y }',
      '    colour: blue',
    ].join('\n');
    expect(problems(text)).toEqual([
      [6, 13, 'rules.1.effect', 'Invalid option: expected one of "allow"|"deny"|"approve"'],
      [9, 5, 'rules.1', 'Unrecognized key: "colour"'],
    ]);
  });

  it('cross-field problems point at the rule; duplicates at the repeated id', () => {
    const text =
      'policy: 1\nrules:\n  - id: a\n    effect: allow\n  - id: a\n    effect: deny\n    llm: {}\n    mcp: {}\n';
    expect(problems(text)).toEqual([
      [5, 5, 'rules.1', 'A rule matches one kind of operation: use at most one of llm, mcp, http.'],
      [5, 9, 'rules.1.id', 'Duplicate id "a".'],
    ]);
    expect(
      problems('policy: 1\nrules:\n  - id: a\n    effect: allow\n  - id: a\n    effect: deny\n'),
    ).toEqual([[5, 9, 'rules.1.id', 'Duplicate id "a".']]);
  });

  it('a bad regex, a missing format version, a wrong type', () => {
    expect(
      problems('policy: 1\nrules:\n  - id: r\n    effect: deny\n    when: { tool: { regex: "([" } }\n'),
    ).toEqual([[5, 28, 'rules.0.when.tool.regex', 'Not a valid regular expression.']]);
    expect(problems('rules: []\n')[0]?.slice(0, 3)).toEqual([1, 1, 'policy']);
    expect(problems('policy: 1\nrules: 3\n')[0]?.slice(0, 3)).toEqual([2, 8, 'rules']);
  });

  it('a regex that can backtrack catastrophically is refused at its line and column', () => {
    const text = [
      'policy: 1',
      'guardrails:',
      '  - id: tickets',
      '    action: block',
      '    custom:',
      "      - { kind: ticket, pattern: '^(\\w+\\s?)*$' }",
      'rules:',
      '  - id: r',
      '    effect: deny',
      "    when: { arguments.q: { regex: '(a|ab)+' } }",
    ].join('\n');
    const found = problems(text);
    expect(found.map((p) => p.slice(0, 3))).toEqual([
      [10, 35, 'rules.0.when.arguments.q.regex'],
      [6, 34, 'guardrails.0.custom.0.pattern'],
    ]);
    expect(found[1]?.[3]).toContain('can backtrack catastrophically (ReDoS): nested quantifiers');
    expect(found[1]?.[3]).toContain('at character 3');
    expect(found[0]?.[3]).toContain('alternatives that can start alike');
    // The flags count: with i, A and a are the same character.
    const ci = (flags: string) =>
      parsePolicy(
        `policy: 1\nguardrails:\n  - { id: g, action: flag, custom: [{ kind: k, pattern: '(?:A|a)+', flags: '${flags}' }] }\n`,
      ).ok;
    expect(ci('')).toBe(true);
    expect(ci('i')).toBe(false);
  });

  it('an empty rules list (everything commented out) is fine', () => {
    expect(parsePolicy('policy: 1\nrules:\n  # - id: x\n').ok).toBe(true);
  });
});

describe('shipped files', () => {
  it('the default policy is valid', () => {
    const r = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'));
    expect(r.ok && r.document.rules.length).toBeGreaterThan(5);
  });

  it('resources/policy/policy.schema.json is current (npx tsx electron/core/policy/json-schema.ts rewrites it)', () => {
    const committed: unknown = JSON.parse(readFileSync(POLICY_SCHEMA_FILE, 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(policyJsonSchema())));
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

let h: CliHarness;
let dir: string;

beforeAll(async () => {
  h = await startCliHarness({ prefix: 'gh-policy-cli-' });
  ({ dir } = h);
});
afterAll(async () => {
  await h?.close();
});

const cli = (...argv: string[]) => h.cli(argv);

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const STRICT = `policy: 1
rules:
  - id: haiku-only
    effect: allow
    llm: { model: 'claude-haiku-*' }
`;

describe('gatehouse policy', () => {
  it('validate reports FILE:line:column offline, and exits 1', async () => {
    const bad = file('bad.yaml', 'policy: 1\nrules:\n  - id: x\n    effect: maybe\n');
    const r = await cli('policy', 'validate', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:4:13: Invalid option`);
    const ok = await cli('policy', 'validate', file('ok.yaml', STRICT));
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain('valid (1 rules)');
  });

  it('show, test, apply, history, rollback against the running instance', async () => {
    let r = await cli('policy', 'show');
    expect(r.code).toBe(0);
    expect(r.out).toContain('id: claude-code-llm');

    const reqs = file(
      'reqs.json',
      JSON.stringify([
        {
          agent: { id: 'cc', template: 'claude-code' },
          service: { name: 'anthropic', kind: 'anthropic' },
          operation: { type: 'llm', provider: 'anthropic', model: 'claude-sonnet-4' },
        },
      ]),
    );
    const strict = file('strict.yaml', STRICT);
    r = await cli('policy', 'test', strict, '--requests', reqs);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 would change');
    expect(r.out).toContain('allow (claude-code-llm) → deny (default-deny)');

    r = await cli('policy', 'apply', file('invalid.yaml', 'policy: 1\nrules: {}\n'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 2, column 8');

    r = await cli('policy', 'apply', strict, '--note', 'haiku only');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('Applied as version 2');

    r = await cli('policy', 'history');
    expect(r.out.split('\n')[0]).toMatch(/^v2 .* 1 rules {2}— haiku only$/);

    r = await cli('policy', 'rollback', '1');
    expect(r.out).toContain('version 3 has the text of version 1');
    r = await cli('policy', 'show', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ version: 3, live: true });
    expect((await cli('policy', 'rollback', 'x')).code).toBe(2);
  });

  it('export --cedar: a version of the running instance, or a file offline, with unmappable rules listed', async () => {
    let r = await cli('policy', 'export', '--cedar', '--version', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('@id("claude-code-llm")');
    expect(r.out).toMatch(/permit \(principal, action == Action::"llm", resource\)/);
    const f = file(
      'mixed.yaml',
      `${STRICT}  - id: no-gpt\n    effect: deny\n    when: { model: { regex: '^gpt' } }\n`,
    );
    r = await cli('policy', 'export', '--cedar', f, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { cedar: string; skipped: { rule: string }[] };
    expect(j.cedar).toContain('context.op.model like "claude-haiku-*"');
    expect(j.skipped.map((s) => s.rule)).toEqual(['no-gpt']);
    r = await cli('policy', 'export', '--cedar', f);
    expect(r.out.split('\n')[0]).toContain('// not exported: rule no-gpt');
    expect((await cli('policy', 'export', f)).code).toBe(2);
  });

  it('approvals ls on an idle instance, and a clear error for an unknown id', async () => {
    expect((await cli('approvals', 'ls')).out).toContain('No requests are waiting');
    const r = await cli('approvals', 'approve', 'nope');
    expect(r.code).toBe(1);
    expect(r.err).toContain('No pending approval nope');
  });
});

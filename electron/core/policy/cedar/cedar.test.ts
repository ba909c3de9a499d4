import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyRequest } from '../../../../shared/policy/request.js';
import {
  policyDocumentSchema,
  type Condition,
  type PolicyDocument,
  type PolicyRuleInput,
} from '../../../../shared/policy/schema.js';
import { CompiledPolicy } from '../compile.js';
import { CedarPolicy } from './engine.js';
import { exportCedar } from './export.js';

const doc = (rules: PolicyRuleInput[]): PolicyDocument => policyDocumentSchema.parse({ policy: 1, rules });
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
/** Mostly absent, so generated rules match often enough for the comparison to mean something. */
const rarely = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: a, weight: 1 });

// Rules built only from features the export maps (no regex, no "?", integer bounds).
const conditionArb: fc.Arbitrary<[string, Condition]> = fc.oneof(
  fc.tuple(
    pick(['arguments.repo', 'body.repo']),
    pick<Condition>([
      'acme/web',
      { glob: 'acme/*' },
      { glob: ['acme/**', 'x*'] },
      { notGlob: 'acme/*' },
      { in: ['acme/web', 'other/x'] },
      { exists: false },
      { exists: true, glob: '*/web' },
    ]),
  ),
  fc.tuple(
    pick(['arguments.count', 'query.limit', 'body.n']),
    pick<Condition>([
      3,
      '10',
      { max: 5 },
      { min: 2, max: 50 },
      { equals: 10 },
      { in: [1, 3, '7'] },
      { exists: true },
    ]),
  ),
  fc.tuple(
    pick(['body.draft', 'model', 'tool', 'host']),
    pick<Condition>([
      true,
      { equals: false },
      'claude-3',
      { glob: 'claude-*' },
      { notGlob: '*.test' },
      'create_issue',
    ]),
  ),
);

const opArb = fc.oneof(
  fc.record({
    llm: fc.record({
      model: maybe(pick(['claude-3', 'claude-*', ['gpt-*', 'o1']])),
      provider: maybe(pick(['Anthropic', 'open*'])),
    }),
  }),
  fc.record({
    mcp: fc.record({
      server: maybe(pick(['github', 'g*'])),
      tool: maybe(pick(['create_issue', 'create_*', ['list_*', 'x']])),
      method: maybe(pick(['tools/call', 'resources/*'])),
    }),
  }),
  fc.record({
    http: fc.record({
      method: maybe(pick(['GET', ['post', 'PUT']])),
      host: maybe(pick(['API.example.com', '*.example.com'])),
      path: maybe(pick(['/v1/*', '/v1/**', '/v1/*/items', '/repos/*/**', '**'])),
    }),
  }),
  fc.constant({}),
);

const ruleArb = (i: number): fc.Arbitrary<PolicyRuleInput> =>
  fc
    .record({
      effect: pick(['allow', 'deny', 'approve'] as const),
      settles: fc.boolean(),
      agent: rarely(
        fc.record({
          id: maybe(pick(['a1', 'a*'])),
          template: maybe(pick(['claude-code', 'c*'])),
          labels: maybe(pick([{ team: 'web' }, { team: 'w*' }])),
        }),
      ),
      service: rarely(pick(['github', 'git*', ['api', 'svc-*']])),
      serviceKind: rarely(pick(['mcp', 'http', 'anthropic'])),
      op: opArb,
      when: fc.array(conditionArb, { maxLength: 2 }),
    })
    .map(({ effect, settles, op, when, ...rest }) => ({
      id: `r${i}`,
      effect,
      ...(effect === 'allow' && settles ? { settlesApproval: true } : {}),
      ...rest,
      ...op,
      ...(when.length ? { when: Object.fromEntries(when) } : {}),
    }));

const policyArb = fc
  .integer({ min: 1, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i))));

const valueArb = fc.constantFrom<unknown>(
  'acme/web',
  'acme/web/x',
  'other/x',
  'x1',
  3,
  7,
  '3',
  '60',
  'x',
  true,
  false,
  'true',
);
const requestArb: fc.Arbitrary<PolicyRequest> = fc.record({
  agent: fc.record({
    id: pick(['a1', 'a2', 'b']),
    name: pick(['n', '']),
    template: pick(['claude-code', 'codex', 'custom']),
    labels: pick<Record<string, string>>([{}, { team: 'web' }, { team: 'ops' }]),
  }),
  service: fc.record({
    name: pick(['github', 'gitlab', 'api', 'svc-1']),
    kind: pick(['mcp', 'http', 'anthropic']),
  }),
  operation: fc.oneof(
    fc.record({
      type: fc.constant('llm' as const),
      provider: pick(['anthropic', 'Anthropic', 'openai']),
      model: pick(['claude-3', 'claude-3-opus', 'gpt-4', 'o1']),
    }),
    fc.record({
      type: fc.constant('mcp' as const),
      server: pick(['github', 'gitlab', 'fs']),
      tool: pick(['create_issue', 'list_repos', 'x']),
      method: maybe(pick(['tools/call', 'resources/read'])),
      arguments: fc.dictionary(pick(['repo', 'count']), valueArb),
    }),
    fc.record({
      type: fc.constant('http' as const),
      method: pick(['GET', 'get', 'POST', 'put']),
      host: pick(['api.example.com', 'API.Example.com', 'x.test']),
      path: pick(['/v1/a', '/v1/a/items', '/v1/a/b/items', '/repos/x/y', '/v1']),
      query: fc.dictionary(pick(['limit']), pick(['10', '60', 'x', '3'])),
      body: maybe(fc.dictionary(pick(['repo', 'n', 'draft']), valueArb)),
    }),
  ),
});

describe('Cedar export', () => {
  it('decides like the YAML engine (effect and deciding rule) for generated policies and requests', () => {
    let compared = 0;
    const decided: Record<string, number> = {};
    fc.assert(
      fc.property(policyArb, fc.array(requestArb, { minLength: 1, maxLength: 8 }), (rules, reqs) => {
        const d = doc(rules);
        const yaml = new CompiledPolicy(d, 1);
        const cedar = new CedarPolicy(d, 1);
        expect(cedar.exported.skipped).toEqual([]);
        for (const req of reqs) {
          const a = yaml.decide(req);
          const b = cedar.decide(req);
          expect({ effect: b.effect, rule: b.rule }).toEqual({ effect: a.effect, rule: a.rule });
          compared++;
          decided[a.rule === 'default-deny' ? 'default' : a.effect] =
            (decided[a.rule === 'default-deny' ? 'default' : a.effect] ?? 0) + 1;
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
    expect(compared).toBeGreaterThan(600);
    // Every outcome is exercised, not only default-deny.
    for (const k of ['default', 'allow', 'deny', 'approve'])
      expect(decided[k] ?? 0).toBeGreaterThan(compared / 50);
  });

  it('maps approve to a permit the answer reads back, and a settling allow overrides it', () => {
    const d = doc([
      { id: 'ask', effect: 'approve', mcp: { server: 'github', tool: 'create_*' } },
      {
        id: 'always',
        effect: 'allow',
        settlesApproval: true,
        agent: { id: 'a1' },
        mcp: { tool: 'create_issue' },
      },
      { id: 'no', effect: 'deny', mcp: { tool: 'create_repo' } },
    ]);
    const cedar = new CedarPolicy(d, 3);
    const req = (agent: string, tool: string): PolicyRequest => ({
      agent: { id: agent, template: 'custom' },
      service: { name: 'github', kind: 'mcp' },
      operation: { type: 'mcp', server: 'github', tool, arguments: {} },
    });
    expect(cedar.decide(req('a2', 'create_issue'))).toMatchObject({
      effect: 'approve',
      rule: 'ask',
      approvalTimeoutSeconds: 120,
    });
    expect(cedar.decide(req('a1', 'create_issue'))).toMatchObject({
      effect: 'allow',
      rule: 'always',
      version: 3,
    });
    expect(cedar.decide(req('a1', 'create_repo'))).toMatchObject({ effect: 'deny', rule: 'no' });
    expect(cedar.decide(req('a1', 'list'))).toMatchObject({ effect: 'deny', rule: 'default-deny' });
    expect(cedar.exported.text).toContain(
      '@id("ask")\n@effect("approve")\npermit (principal, action == Action::"mcp", resource)',
    );
    expect(cedar.exported.text).toContain('forbid (principal, action == Action::"mcp", resource)');
  });

  it('reports the rules it cannot express instead of exporting them wrongly', () => {
    const e = exportCedar(
      doc([
        { id: 'rx', effect: 'deny', when: { model: { regex: '^gpt' } } },
        { id: 'q', effect: 'allow', http: { path: '/v?/x' } },
        { id: 'mid', effect: 'allow', http: { path: '/a/**/b' } },
        { id: 'shadow', effect: 'deny', mode: 'observe' },
        { id: 'ok', effect: 'allow', llm: { model: 'claude-*' } },
      ]),
    );
    expect(e.skipped.map((s) => s.rule)).toEqual(['rx', 'q', 'mid', 'shadow']);
    expect(Object.keys(e.policies)).toEqual(['ok']);
    expect(e.text).toContain('context.op.model like "claude-*"');
  });

  it('keeps Cedar-special keys and unrepresentable values out of the context', () => {
    const cedar = new CedarPolicy(
      doc([{ id: 'any', effect: 'allow', when: { 'arguments.a': { exists: true } } }]),
    );
    const req: PolicyRequest = {
      agent: { id: 'a1', template: 'custom' },
      service: { name: 's', kind: 'mcp' },
      operation: {
        type: 'mcp',
        server: 's',
        tool: 't',
        arguments: { a: { __entity: { type: 'Agent', id: 'x' } }, b: null, c: 1.5 },
      },
    };
    expect(cedar.decide(req)).toMatchObject({ effect: 'allow', rule: 'any' });
  });
});

import { describe, expect, it } from 'vitest';
import { policyDocumentSchema, type PolicyDocumentInput } from '../../../shared/policy/schema.js';
import type { Operation, PolicyRequest } from '../../../shared/policy/request.js';
import { CompiledPolicy } from './compile.js';

const compile = (doc: Omit<PolicyDocumentInput, 'policy'>) =>
  new CompiledPolicy(policyDocumentSchema.parse({ policy: 1, ...doc }), 7);

const agent = { id: 'a1', name: 'coder', template: 'claude-code', labels: { team: 'web', env: 'dev' } };
const req = (
  operation: Operation,
  service = 'svc',
  kind = 'http',
  a: Partial<typeof agent> = {},
): PolicyRequest => ({
  agent: { ...agent, ...a },
  service: { name: service, kind },
  operation,
});
const llm = (model: string, service = 'anthropic'): PolicyRequest =>
  req({ type: 'llm', provider: 'anthropic', model }, service, 'anthropic');
const mcp = (tool: string, args: Record<string, unknown> = {}, server = 'github'): PolicyRequest =>
  req({ type: 'mcp', server, tool, arguments: args }, server, 'mcp');
const http = (
  method: string,
  host: string,
  path: string,
  query: Record<string, string> = {},
  body?: unknown,
) => req({ type: 'http', method, host, path, query, body }, 'github', 'http');

describe('matching', () => {
  const policy = compile({
    rules: [
      { id: 'claude', effect: 'allow', agent: { template: 'claude-code' }, llm: { model: 'claude-*' } },
      { id: 'web-team', effect: 'allow', agent: { labels: { team: 'web' } }, serviceKind: 'openai', llm: {} },
      {
        id: 'gh-read',
        effect: 'allow',
        service: 'github',
        http: { method: 'GET', host: 'api.github.com', path: '/repos/acme/**' },
      },
      {
        id: 'gh-one-level',
        effect: 'allow',
        service: 'github',
        http: { method: 'POST', host: '*.github.com', path: '/gists/*' },
      },
      {
        id: 'issues-acme',
        effect: 'allow',
        mcp: { server: 'github', tool: 'create_issue' },
        when: { 'arguments.repo': { glob: 'acme/*' }, 'arguments.labels': { in: ['bug', 'docs'] } },
      },
      {
        id: 'search-small',
        effect: 'allow',
        service: 'github',
        http: { path: '/search' },
        when: { 'query.per_page': { max: 50 } },
      },
      { id: 'body-draft', effect: 'allow', http: { method: 'PATCH' }, when: { 'body.draft': true } },
      { id: 'by-id', effect: 'allow', agent: { id: 'special-*' }, mcp: { server: 'fs' } },
    ],
  });

  const cases: [string, PolicyRequest, string, string][] = [
    ['model glob', llm('claude-sonnet-4'), 'allow', 'claude'],
    ['model outside glob', llm('gpt-4o'), 'deny', 'default-deny'],
    [
      'template mismatch',
      { ...llm('claude-x'), agent: { ...agent, template: 'codex', labels: {} } },
      'deny',
      'default-deny',
    ],
    [
      'labels + serviceKind',
      req({ type: 'llm', provider: 'openai', model: 'gpt-4o' }, 'openai', 'openai'),
      'allow',
      'web-team',
    ],
    [
      'labels missing',
      {
        ...req({ type: 'llm', provider: 'openai', model: 'o3' }, 'openai', 'openai'),
        agent: { ...agent, labels: {} },
      },
      'deny',
      'default-deny',
    ],
    ['path ** crosses segments', http('GET', 'api.github.com', '/repos/acme/web/issues'), 'allow', 'gh-read'],
    ['host case-insensitive, method too', http('get', 'API.GitHub.com', '/repos/acme/x'), 'allow', 'gh-read'],
    ['other org', http('GET', 'api.github.com', '/repos/evil/x'), 'deny', 'default-deny'],
    ['wrong method', http('DELETE', 'api.github.com', '/repos/acme/x'), 'deny', 'default-deny'],
    ['* stays in one segment', http('POST', 'api.github.com', '/gists/1/comments'), 'deny', 'default-deny'],
    ['* one segment ok', http('POST', 'gist.github.com', '/gists/1'), 'allow', 'gh-one-level'],
    ['host glob needs a subdomain', http('POST', 'github.com', '/gists/1'), 'deny', 'default-deny'],
    ['mcp args ok', mcp('create_issue', { repo: 'acme/web', labels: ['bug'] }), 'allow', 'issues-acme'],
    [
      'mcp args outside org',
      mcp('create_issue', { repo: 'evil/web', labels: ['bug'] }),
      'deny',
      'default-deny',
    ],
    [
      'mcp args nested path not matched by *',
      mcp('create_issue', { repo: 'acme/web/x', labels: ['bug'] }),
      'deny',
      'default-deny',
    ],
    [
      'array: every element must pass for allow',
      mcp('create_issue', { repo: 'acme/web', labels: ['bug', 'secret'] }),
      'deny',
      'default-deny',
    ],
    [
      'missing argument fails the condition',
      mcp('create_issue', { labels: ['bug'] }),
      'deny',
      'default-deny',
    ],
    ['other tool', mcp('delete_repo', { repo: 'acme/web', labels: ['bug'] }), 'deny', 'default-deny'],
    [
      'query number as text',
      http('GET', 'api.github.com', '/search', { per_page: '20' }),
      'allow',
      'search-small',
    ],
    ['query over max', http('GET', 'api.github.com', '/search', { per_page: '500' }), 'deny', 'default-deny'],
    [
      'query not a number',
      http('GET', 'api.github.com', '/search', { per_page: 'lots' }),
      'deny',
      'default-deny',
    ],
    ['body field', http('PATCH', 'x.test', '/a', {}, { draft: true }), 'allow', 'body-draft'],
    ['body field false', http('PATCH', 'x.test', '/a', {}, { draft: false }), 'deny', 'default-deny'],
    ['body not an object', http('PATCH', 'x.test', '/a', {}, 'draft'), 'deny', 'default-deny'],
    ['agent id glob', { ...mcp('read', {}, 'fs'), agent: { ...agent, id: 'special-1' } }, 'allow', 'by-id'],
    [
      'prototype keys resolve to nothing',
      mcp('create_issue', JSON.parse('{"__proto__":{"repo":"acme/x"},"labels":["bug"]}')),
      'deny',
      'default-deny',
    ],
  ];
  it.each(cases)('%s', (_name, r, effect, rule) => {
    const d = policy.decide(r);
    expect({ effect: d.effect, rule: d.rule }).toEqual({ effect, rule });
    expect(d.version).toBe(7);
  });
});

describe('precedence: deny > approve > allow', () => {
  const policy = compile({
    rules: [
      { id: 'allow-all-gh', effect: 'allow', mcp: { server: 'github' } },
      {
        id: 'approve-writes',
        effect: 'approve',
        mcp: { server: 'github', tool: 'create_*' },
        approvalTimeoutSeconds: 30,
      },
      { id: 'deny-delete', effect: 'deny', mcp: { server: 'github', tool: 'delete_*' } },
      {
        id: 'deny-evil',
        effect: 'deny',
        mcp: { server: 'github' },
        when: { 'arguments.repo': { glob: 'evil/**' } },
      },
      {
        id: 'deny-any-evil-in-list',
        effect: 'deny',
        mcp: { server: 'github' },
        when: { 'arguments.repos': { glob: 'evil/*' } },
      },
      {
        id: 'settle-ci',
        effect: 'allow',
        settlesApproval: true,
        agent: { id: 'ci' },
        mcp: { server: 'github', tool: 'create_issue' },
      },
    ],
  });
  const cases: [string, PolicyRequest, string, string][] = [
    ['plain allow', mcp('list_issues'), 'allow', 'allow-all-gh'],
    ['approve beats an earlier allow', mcp('create_issue'), 'approve', 'approve-writes'],
    ['deny beats allow', mcp('delete_repo'), 'deny', 'deny-delete'],
    ['deny beats approve', mcp('create_issue', { repo: 'evil/x' }), 'deny', 'deny-evil'],
    [
      'array: any element triggers a deny',
      mcp('list_issues', { repos: ['acme/a', 'evil/b'] }),
      'deny',
      'deny-any-evil-in-list',
    ],
    [
      'settling allow beats approve',
      { ...mcp('create_issue'), agent: { ...agent, id: 'ci' } },
      'allow',
      'settle-ci',
    ],
    [
      'settling allow never beats deny',
      { ...mcp('create_issue', { repo: 'evil/x' }), agent: { ...agent, id: 'ci' } },
      'deny',
      'deny-evil',
    ],
  ];
  it.each(cases)('%s', (_name, r, effect, rule) => {
    const d = policy.decide(r);
    expect({ effect: d.effect, rule: d.rule }).toEqual({ effect, rule });
  });

  it('an approve decision carries its timeout', () => {
    expect(policy.decide(mcp('create_pr')).approvalTimeoutSeconds).toBe(30);
  });

  it('among rules of the winning effect, the first in the document names the decision', () => {
    const p = compile({
      rules: [
        { id: 'first', effect: 'deny', service: 'svc' },
        { id: 'second', effect: 'deny', http: {} },
      ],
    });
    expect(p.decide(http('GET', 'h', '/')).rule).toBe('second');
    expect(p.decide(req({ type: 'http', method: 'GET', host: 'h', path: '/', query: {} })).rule).toBe(
      'first',
    );
  });
});

describe('observe mode', () => {
  it('records what an observing rule would decide without enforcing it', () => {
    const p = compile({
      rules: [
        { id: 'allow-llm', effect: 'allow', llm: {} },
        { id: 'would-deny-opus', effect: 'deny', mode: 'observe', llm: { model: '*opus*' } },
      ],
    });
    const d = p.decide(llm('claude-opus-4'));
    expect(d.effect).toBe('allow');
    expect(d.rule).toBe('allow-llm');
    expect(d.observed).toEqual([{ effect: 'deny', rule: 'would-deny-opus', source: 'rule' }]);
    expect(p.decide(llm('claude-haiku')).observed).toBeUndefined();
  });
});

describe('canReach (tools/list filtering)', () => {
  const p = compile({
    rules: [
      {
        id: 'gh',
        effect: 'allow',
        mcp: { server: 'github', tool: 'create_issue' },
        when: { 'arguments.repo': { glob: 'acme/*' } },
      },
      { id: 'no-delete', effect: 'deny', mcp: { server: 'github', tool: 'delete_*' } },
      { id: 'gh-all', effect: 'approve', agent: { template: 'codex' }, mcp: { server: 'github' } },
    ],
  });
  it('sees a tool allowed under conditions, hides one never allowed or always denied', () => {
    expect(p.canReach(mcp('create_issue'))).toBe(true);
    expect(p.canReach(mcp('list_issues'))).toBe(false);
    const codex = { ...agent, template: 'codex' };
    expect(p.canReach({ ...mcp('list_issues'), agent: codex })).toBe(true);
    expect(p.canReach({ ...mcp('delete_repo'), agent: codex })).toBe(false);
  });

  it('resources and prompts are matched on their method', () => {
    const docs = compile({
      rules: [
        {
          id: 'docs',
          effect: 'allow',
          mcp: { server: 'wiki', tool: 'file:///docs/*', method: 'resources/read' },
        },
      ],
    });
    const read = (method?: string) =>
      req({
        type: 'mcp',
        server: 'wiki',
        tool: 'file:///docs/a',
        arguments: {},
        ...(method ? { method } : {}),
      });
    expect(docs.canReach(read('resources/read'))).toBe(true);
    expect(docs.canReach(read())).toBe(false); // the same name as a tool is not allowed
    expect(docs.decide(read('resources/read')).rule).toBe('docs');
  });
});

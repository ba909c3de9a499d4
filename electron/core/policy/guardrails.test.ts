import { describe, expect, it } from 'vitest';
import type { KillScope } from '../../../shared/api/kill.js';
import { guardrailSchema, type PolicyGuardrail } from '../../../shared/policy/schema.js';
import { CUSTOM_BUDGET, entropy, ibanValid, luhn } from './detectors.js';
import { Guardrails } from './guardrails.js';

const g = (x: Record<string, unknown>): PolicyGuardrail => guardrailSchema.parse(x);
const all = new Guardrails([g({ id: 'everything', detect: ['secrets', 'pii'], action: 'flag' })]);
const kinds = (text: string) => all.scan(text, 'request').detections.map((d) => d.kind);

// Test values assembled at run time so no scanner mistakes this file for a leak.
const gh = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const aws = 'AKIA' + 'IOSFODNN7EXAMPLE';
const anth = 'sk-ant-' + 'api03-' + 'x'.repeat(30) + 'Y9z8';
const oai = 'sk-proj-' + 'Ab3'.repeat(10);
const slack = 'xoxb-' + '123456789012-abcdefABCDEF';
const jwt =
  'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIn0' + '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow' + 'IBAAKCAQEA\n-----END RSA PRIVATE KEY-----';

describe('detectors', () => {
  const cases: [string, string, string[]][] = [
    ['AWS access key', `key ${aws} here`, ['aws_access_key']],
    [
      'AWS secret with context',
      `aws_secret_access_key = "${'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY'}"`,
      ['aws_secret_key'],
    ],
    ['GitHub token', `token: ${gh}`, ['github_token']],
    ['Slack token', `use ${slack}`, ['slack_token']],
    ['Anthropic key (not reported as OpenAI)', `x-api-key: ${anth}`, ['anthropic_key']],
    ['OpenAI key', `Authorization: Bearer ${oai}`, ['openai_key']],
    ['private key', `here:\n${pem}\n`, ['private_key']],
    ['JWT', `cookie=${jwt}`, ['jwt']],
    [
      'high-entropy value with context',
      'password = "Tr0ub4dor&3xK9mQ2vL7pZ"'.replace('&', ''),
      ['high_entropy'],
    ],
    ['low-entropy value with context is fine', 'password = "aaaaaaaaaaaaaaaaaaaa"', []],
    ['random text without context is fine', 'commit 3f2a9c1d7e8b4a6f5c0d2e1b9a8c7d6e5f4a3b2c', []],
    ['email', 'write to jane.doe@example.com today', ['email']],
    ['card number passing Luhn', 'card 4111 1111 1111 1111 exp 12/29', ['card_number']],
    ['card-like number failing Luhn', 'order 4111 1111 1111 1112', []],
    ['phone number', 'call +44 20 7946 0958 now', ['phone_number']],
    ['US phone', 'or (415) 555-0132', ['phone_number']],
    ['IBAN with checksum', 'IBAN GB82 WEST 1234 5698 7654 32', ['iban']],
    ['IBAN-like with a bad checksum', 'GB00 WEST 1234 5698 7654 32', []],
    ['plain prose', 'The quick brown fox jumps over the lazy dog in 2026.', []],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it('helpers', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
  });
});

describe('Guardrails', () => {
  it('reports kind and position, never the matched value (planted canary)', () => {
    const canary = 'ghp_' + 'CANARYcanary0123456789CANARYcanary01';
    const text = `{"messages":[{"role":"user","content":"deploy with ${canary} please"}]}`;
    const r = new Guardrails([g({ id: 'secrets', detect: ['secrets'], action: 'redact' })]).scan(
      text,
      'request',
    );
    expect(r.action).toBe('redact');
    expect(r.detections).toHaveLength(1);
    const d = r.detections[0]!;
    expect(d).toEqual({
      kind: 'github_token',
      start: text.indexOf(canary),
      end: text.indexOf(canary) + canary.length,
      guardrail: 'secrets',
      action: 'redact',
    });
    expect(JSON.stringify(r.detections)).not.toContain('CANARY');
    expect(r.text).not.toContain('CANARY');
    expect(r.text).toBe(text.replace(canary, '[REDACTED:github_token]'));
  });

  it('applies on the configured side only, and the strongest action wins', () => {
    const rails = new Guardrails([
      g({ id: 'pii-in', detect: ['email'], on: ['request'], action: 'flag' }),
      g({ id: 'keys-out', detect: ['aws_access_key'], on: ['response'], action: 'block' }),
      g({ id: 'ticket', custom: [{ kind: 'acme_ticket', pattern: 'ACME-[0-9]{4}' }], action: 'redact' }),
    ]);
    const text = `mail a@b.io about ACME-1234 with ${aws}`;
    const req = rails.scan(text, 'request');
    expect(req.action).toBe('redact');
    expect(req.detections.map((d) => [d.kind, d.action])).toEqual([
      ['email', 'flag'],
      ['acme_ticket', 'redact'],
    ]);
    expect(req.text).toBe(`mail a@b.io about [REDACTED:acme_ticket] with ${aws}`);
    const res = rails.scan(text, 'response');
    expect(res.action).toBe('block');
    expect(res.detections.map((d) => d.kind)).toEqual(['acme_ticket', 'aws_access_key']);
    expect(rails.scan('nothing here', 'response')).toEqual({
      action: 'none',
      detections: [],
      text: 'nothing here',
    });
  });

  it('agent and service filters narrow a guardrail', () => {
    const rails = new Guardrails([
      g({ id: 'web', detect: ['email'], action: 'block', agent: { template: 'codex' }, service: 'github' }),
    ]);
    const codex = { id: 'c1', template: 'codex' };
    expect(rails.scan('x@y.io', 'request', { agent: codex, service: 'github' }).action).toBe('block');
    expect(
      rails.scan('x@y.io', 'request', { agent: { id: 'd', template: 'aider' }, service: 'github' }).action,
    ).toBe('none');
    expect(rails.scan('x@y.io', 'request', { agent: codex, service: 'slack' }).action).toBe('none');
    expect(rails.scan('x@y.io', 'request').action).toBe('block'); // no context: a filter never opens a hole
  });

  it('engages the kill switch after N firings within the window', async () => {
    let t = Date.parse('2026-12-04T10:00:00Z');
    const kills: [KillScope, string][] = [];
    const rails = new Guardrails(
      [g({ id: 'keys', detect: ['secrets'], action: 'block', kill: { after: 3, withinSeconds: 60 } })],
      {
        now: () => new Date(t),
        engageKill: (scope, reason) => void kills.push([scope, reason]),
      },
    );
    const ctx = { agent: { id: 'rogue', template: 'demo-rogue' } };
    rails.scan(aws, 'request', ctx);
    t += 61_000; // the first firing falls out of the window
    rails.scan(aws, 'request', ctx);
    rails.scan(aws, 'request', ctx);
    rails.scan(aws, 'request', { agent: { id: 'other', template: 'custom' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(kills).toHaveLength(0);
    rails.scan(aws, 'request', ctx);
    await new Promise((r) => setTimeout(r, 0));
    expect(kills).toEqual([[{ kind: 'agent', agent: 'rogue' }, 'guardrail "keys" fired 3 times within 60s']]);
  });
});

describe('scan budget per detector', () => {
  const ticket = (n: number) => `TKT-${String(n).padStart(6, '0')}`;

  it('windows find every match once, including across window edges', () => {
    const rails = new Guardrails([
      g({ id: 't', custom: [{ kind: 'ticket', pattern: 'TKT-\\d{6}' }], action: 'redact' }),
    ]);
    // Place matches straddling every custom window edge (step 4 KiB) and a few elsewhere.
    let text = '';
    const want: number[] = [];
    for (let edge = CUSTOM_BUDGET.step; edge < 40_000; edge += CUSTOM_BUDGET.step) {
      text += 'x'.repeat(edge - 5 - text.length);
      want.push(text.length);
      text += ticket(want.length);
    }
    const r = rails.scan(text, 'request');
    expect(r.detections.map((d) => d.start)).toEqual(want);
    expect(r.detections.every((d) => d.end - d.start === 10)).toBe(true);
  });

  it('a built-in detector finds a secret deep in a large text', () => {
    const key = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const text = 'lorem ipsum '.repeat(300_000) + key + ' tail';
    const r = new Guardrails([g({ id: 's', detect: ['github_token'], action: 'block' })]).scan(
      text,
      'response',
    );
    expect(r.action).toBe('block');
    expect(r.detections).toEqual([
      {
        kind: 'github_token',
        start: text.indexOf(key),
        end: text.indexOf(key) + key.length,
        guardrail: 's',
        action: 'block',
      },
    ]);
  });

  it('past the cap nothing is scanned and the tail is covered by the action (fail closed)', () => {
    const rails = new Guardrails([
      g({ id: 't', custom: [{ kind: 'ticket', pattern: 'TKT-\\d{6}' }], action: 'redact' }),
    ]);
    const text = 'y'.repeat(CUSTOM_BUDGET.cap - 20) + ticket(1) + 'z'.repeat(100) + ticket(2);
    const r = rails.scan(text, 'request');
    expect(r.detections.map((d) => [d.kind, d.start, d.end])).toEqual([
      ['ticket', CUSTOM_BUDGET.cap - 20, CUSTOM_BUDGET.cap - 10],
      ['unscanned', CUSTOM_BUDGET.cap, text.length],
    ]);
    expect(r.text.endsWith(`[REDACTED:ticket]${'z'.repeat(10)}[REDACTED:unscanned]`)).toBe(true);
    expect(r.text).not.toContain(ticket(2));
  });
});

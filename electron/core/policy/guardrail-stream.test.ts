import { describe, expect, it } from 'vitest';
import { guardrailSchema, type PolicyGuardrail } from '../../../shared/policy/schema.js';
import { Guardrails } from './guardrails.js';

// Findings split across a stream's chunks are caught as if the text had arrived whole.
const g = (x: Record<string, unknown>): PolicyGuardrail => guardrailSchema.parse(x);
const aws = 'AKIA' + 'IOSFODNN7EXAMPLE'; // assembled at run time so no scanner mistakes this file for a leak
const pem =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQ' +
  'IBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';

const redacting = () =>
  new Guardrails([g({ id: 'keys', detect: ['secrets'], on: ['response'], action: 'redact' })]);

/** Runs `parts` through a stream scanner; what the agent would receive, in order. */
function streamed(gr: Guardrails, parts: string[], lineOriented = true): string {
  const s = gr.stream('response', {}, lineOriented)!;
  return parts.map((p) => s.push(p).text).join('') + s.end().text;
}

describe('guardrails on a stream', () => {
  const sse = `data: {"type":"text","text":"key ${aws} ok"}\n\ndata: {"type":"stop"}\n\n`;

  it('redacts a key split at any position, exactly as a whole-text scan would', () => {
    const whole = redacting().scan(sse, 'response').text;
    expect(whole).toContain('[REDACTED:aws_access_key]');
    for (let i = 1; i < sse.length; i++) {
      for (const lines of [true, false]) {
        const out = streamed(redacting(), [sse.slice(0, i), sse.slice(i)], lines);
        expect(out, `split at ${i}`).toBe(whole);
      }
    }
  });

  it('passes complete SSE events at once; only a partial line waits for its newline', () => {
    const s = redacting().stream('response', {}, true)!;
    expect(s.push('data: {"a":1}\n\n').text).toBe('data: {"a":1}\n\n');
    expect(s.pending).toBe(0);
    expect(s.push('data: {"b":').text).toBe('');
    expect(s.flush().text).toBe('data: {"b":'); // no finding in it: an idle gap may pass it on
    expect(s.push('2}\n\n').text).toBe('2}\n\n');
  });

  it('holds a finding that reaches the end of what arrived, even through an idle flush', () => {
    const s = redacting().stream('response', {}, false)!;
    const lines = pem.split('\n');
    let out = s.push(`before ${lines[0]}\n`).text;
    out += s.flush().text; // the key block is still arriving: its start must not go out alone
    expect(out).toBe('before ');
    out += s.push(lines.slice(1).join('\n') + '\nafter').text + s.end().text;
    expect(out).toBe('before [REDACTED:private_key]\nafter');
  });

  it('a blocking guardrail reports the block when the split key completes', () => {
    const gr = new Guardrails([g({ id: 'stop', detect: ['secrets'], on: ['response'], action: 'block' })]);
    const s = gr.stream('response', {}, true)!;
    expect(s.push(sse.slice(0, 30)).action).toBe('none');
    const r = s.push(sse.slice(30));
    expect(r.action).toBe('block');
    expect(r.detections.map((d) => d.kind)).toEqual(['aws_access_key']);
  });

  it('counts a finding once towards a kill threshold, however often its text was rescanned', async () => {
    const engaged: string[] = [];
    const gr = new Guardrails(
      [
        g({
          id: 'k',
          detect: ['secrets'],
          on: ['response'],
          action: 'flag',
          kill: { after: 2, withinSeconds: 60 },
        }),
      ],
      { engageKill: (_scope, reason) => void engaged.push(reason) },
    );
    const ctx = { agent: { id: 'a1', template: 'custom' } };
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const one = gr.stream('response', ctx, false)!;
    // One key; the tail it sits in is held and rescanned three times before it passes.
    for (const p of ['x '.repeat(400), aws, ' y', ' z']) one.push(p);
    one.end();
    await tick();
    expect(engaged).toEqual([]);
    const two = gr.stream('response', ctx, false)!;
    two.push(`${aws} and ${aws.replace('AKIA', 'ASIA')}`);
    two.end();
    await tick();
    expect(engaged).toHaveLength(1);
  });

  it('needs no scanner where no guardrail applies (nothing is held back)', () => {
    const gr = new Guardrails([g({ id: 'req', detect: ['secrets'], on: ['request'], action: 'block' })]);
    expect(gr.stream('response', {}, true)).toBeUndefined();
  });
});

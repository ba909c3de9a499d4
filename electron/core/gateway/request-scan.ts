/**
 * Request guardrails: the whole body is scanned before any byte leaves. A finding is recorded
 * (`guardrail` event); `block` refuses the call, `redact` sends the redacted text instead, `flag`
 * only records.
 */
import type { CallBase, HttpCall, StageKit } from './call.js';
import { refuse } from './refusals.js';

/** The body as it goes upstream. */
export function scanRequest(p: StageKit, call: HttpCall, base: CallBase, body: Buffer): Buffer {
  const guardrails = p.deps.guardrails;
  if (!guardrails || !body.length) return body;
  const scan = guardrails.scan(body.toString('utf8'), 'request', {
    agent: call.ctx.agent,
    service: call.service,
  });
  if (!scan.detections.length) return body;
  const kinds = [...new Set(scan.detections.map((d) => d.kind))];
  p.record({
    ...base,
    kind: 'guardrail',
    status: scan.action,
    rule: `guardrail:${kinds.join(',')}`,
    summary: `request ${scan.action}: ${kinds.join(', ')}`,
    payload: { where: 'request', action: scan.action, detections: scan.detections },
  });
  if (scan.action === 'block')
    throw refuse(
      403,
      'guardrail',
      `The request contains ${kinds.join(', ')}.`,
      `guardrail:${kinds.join(',')}`,
    );
  if (scan.action === 'redact') return Buffer.from(scan.text);
  return body;
}

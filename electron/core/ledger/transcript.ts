import type { LedgerEvent } from '../../../shared/events.js';

/** One line of a run rebuilt as a conversation. */
export type TranscriptItem =
  | { type: 'system'; text: string; eventId: string; ts: string }
  | { type: 'user'; text: string; eventId: string; ts: string }
  | { type: 'assistant'; text: string; eventId: string; ts: string }
  | { type: 'reasoning'; text: string; eventId: string; ts: string }
  | {
      type: 'tool_call';
      name: string;
      arguments: unknown;
      callId?: string;
      result?: unknown;
      eventId: string;
      ts: string;
    }
  | { type: 'tool_result'; result: unknown; callId?: string; eventId: string; ts: string }
  | {
      type: 'decision';
      effect: string;
      rule?: string;
      reason?: string;
      operation?: string;
      eventId: string;
      ts: string;
    }
  | {
      type: 'call';
      operation?: string;
      status?: string;
      latencyMs?: number;
      inputTokens?: number;
      outputTokens?: number;
      costUsd?: number | null;
      eventId: string;
      ts: string;
    }
  | { type: 'note'; kind: string; summary: string; status?: string; eventId: string; ts: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message `content` in any of the common shapes (string, blocks, parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((b) => (typeof b === 'string' ? b : isObj(b) && typeof b.text === 'string' ? b.text : ''))
      .filter(Boolean)
      .join('\n');
  if (isObj(content) && typeof content.text === 'string') return content.text;
  return '';
}

/**
 * Rebuilds a run as a conversation from its events, in order: system prompt, user turns,
 * assistant text, reasoning, tool calls (with their results attached) and policy decisions.
 * History resent in every request shows once.
 */
export function buildTranscript(events: LedgerEvent[]): TranscriptItem[] {
  const out: TranscriptItem[] = [];
  const seen = new Set<string>();
  const calls = new Map<string, Extract<TranscriptItem, { type: 'tool_call' }>>();
  const once = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const attachResult = (
    callId: string | undefined,
    result: unknown,
    base: { eventId: string; ts: string },
  ): void => {
    // One result per call: adapters record it (context / output) and later requests resend it
    // inside their history, so a call's result is shown the first time only.
    if (callId && !once(`result:${callId}`)) return;
    if (!callId && !once(`result:${JSON.stringify(result)}`)) return;
    const call = callId ? calls.get(callId) : undefined;
    if (call && call.result === undefined) call.result = result;
    else out.push({ type: 'tool_result', result, ...(callId ? { callId } : {}), ...base });
  };
  // User text already shown for an event: an input event carries the latest turn both as `text`
  // and inside `messages`, and it must read once.
  const pushUser = (text: string, base: { eventId: string; ts: string }): void => {
    if (!text.trim() || !once(`user:${base.eventId}:${text}`)) return;
    out.push({ type: 'user', text, ...base });
  };
  const pushMessage = (m: unknown, base: { eventId: string; ts: string }): void => {
    if (!isObj(m) || !once('m:' + JSON.stringify(m))) return;
    const role = typeof m.role === 'string' ? m.role : 'user';
    if (Array.isArray(m.content)) {
      for (const b of m.content) {
        if (isObj(b) && b.type === 'tool_result')
          attachResult(typeof b.tool_use_id === 'string' ? b.tool_use_id : undefined, b.content, base);
      }
    }
    if (role === 'tool')
      attachResult(typeof m.tool_call_id === 'string' ? m.tool_call_id : undefined, m.content, base);
    const text = role === 'tool' ? '' : contentText(m.content);
    if (!text) return;
    if (role === 'system' || role === 'developer') {
      if (once('system:' + text)) out.push({ type: 'system', text, ...base });
    } else if (role === 'assistant') {
      if (once('assistant:' + text)) out.push({ type: 'assistant', text, ...base });
    } else pushUser(text, base); // resent history is caught by the message key above
  };

  for (const e of events) {
    const base = { eventId: e.id, ts: e.ts };
    const p = isObj(e.payload) ? e.payload : {};
    const text = typeof p.text === 'string' ? p.text : undefined;
    const messages = Array.isArray(p.messages) ? p.messages : undefined;
    switch (e.kind) {
      case 'prompt':
        if (text !== undefined && once('system:' + text)) out.push({ type: 'system', text, ...base });
        messages?.forEach((m) => pushMessage(isObj(m) && !m.role ? { ...m, role: 'system' } : m, base));
        break;
      case 'input':
        if (text !== undefined) pushUser(text, base);
        messages?.forEach((m) => pushMessage(m, base));
        break;
      case 'output':
        if (text !== undefined) {
          seen.add('assistant:' + text); // the same text resent as history later shows once
          out.push({ type: 'assistant', text, ...base });
        }
        messages?.forEach((m) => pushMessage(isObj(m) && !m.role ? { ...m, role: 'assistant' } : m, base));
        if (p.result !== undefined) attachResult(typeof p.id === 'string' ? p.id : undefined, p.result, base);
        break;
      case 'reasoning':
        if (text !== undefined) out.push({ type: 'reasoning', text, ...base });
        break;
      case 'tool_call': {
        const callId = typeof p.id === 'string' ? p.id : undefined;
        const item: Extract<TranscriptItem, { type: 'tool_call' }> = {
          type: 'tool_call',
          name: typeof p.name === 'string' ? p.name : (e.operation ?? 'tool'),
          arguments: p.arguments,
          ...(callId ? { callId } : {}),
          ...(p.result !== undefined ? { result: p.result } : {}),
          ...base,
        };
        if (callId) calls.set(callId, item);
        if (callId && p.result !== undefined) seen.add(`result:${callId}`); // it came with its result
        out.push(item);
        break;
      }
      case 'context':
        attachResult(typeof p.id === 'string' ? p.id : undefined, p.result ?? text, base);
        break;
      case 'decision':
        out.push({
          type: 'decision',
          effect: e.decision ?? 'unknown',
          ...(e.rule ? { rule: e.rule } : {}),
          ...(typeof p.reason === 'string' ? { reason: p.reason } : e.summary ? { reason: e.summary } : {}),
          ...(e.operation ? { operation: e.operation } : {}),
          ...base,
        });
        break;
      case 'response':
        out.push({
          type: 'call',
          ...(e.operation ? { operation: e.operation } : {}),
          ...(e.status ? { status: e.status } : {}),
          ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
          ...(e.usage?.inputTokens !== undefined ? { inputTokens: e.usage.inputTokens } : {}),
          ...(e.usage?.outputTokens !== undefined ? { outputTokens: e.usage.outputTokens } : {}),
          ...(e.costUsd !== undefined ? { costUsd: e.costUsd } : {}),
          ...base,
        });
        break;
      case 'request':
        break; // its decision and response carry what a reader needs
      default:
        out.push({
          type: 'note',
          kind: e.kind,
          summary: e.summary ?? e.operation ?? e.kind,
          ...(e.status ? { status: e.status } : {}),
          ...base,
        });
    }
  }
  return out;
}

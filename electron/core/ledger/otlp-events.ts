import type { LedgerEvent } from '../../../shared/events.js';
import { contentText } from './transcript.js';
import { attr, nanos, stringAttr, type OtlpSpan } from './otlp.js';

type Obj = Record<string, unknown>;
type Emit = (name: string, body: Obj, callId?: string) => void;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Tool arguments and results as attribute text: a string as it is, anything else as JSON. */
const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
const choice = (message: Obj): Obj => ({ index: 0, message: { role: 'assistant', ...message } });
const operationOf = (span: OtlpSpan): string | undefined => stringAttr(span, 'gen_ai.operation.name');

const ARGUMENTS = 'gen_ai.tool.call.arguments';
const RESULT = 'gen_ai.tool.call.result';

/**
 * The content of a run (prompt, input, context, output, reasoning and tool_call events) as the
 * GenAI per-message span events: `gen_ai.system.message`, `gen_ai.user.message`,
 * `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`, each at the time of its
 * ledger event with the message body as JSON in `gen_ai.event.content`. Tool calls also get
 * `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` on their `execute_tool` span.
 *
 * Feed it the run's events in order. History resent with every request is exported once, on the
 * first span that carried it (as the transcript shows it), so the export grows with the run,
 * not with its square. The payloads are the ledger's as stored: redacted before they were written.
 */
export class GenAiContent {
  private readonly seen = new Set<string>();
  /** execute_tool spans by tool call id, to give each its result when it comes back. */
  private readonly calls = new Map<string, OtlpSpan>();

  /** `host`: the span the event belongs under (its parent's, else the root); `own`: a tool call's span. */
  add(e: LedgerEvent, host: OtlpSpan, own?: OtlpSpan): void {
    const p = isObj(e.payload) ? e.payload : {};
    const text = str(p.text);
    const provider = stringAttr(host, 'gen_ai.provider.name');
    const emit: Emit = (name, body, callId) => {
      (host.events ??= []).push({
        timeUnixNano: nanos(Date.parse(e.ts)),
        name,
        attributes: [
          ...attr('gen_ai.system', provider),
          ...attr('gen_ai.tool.call.id', callId),
          ...attr('gen_ai.event.content', JSON.stringify(body)),
          ...attr('gatehouse.event.id', e.id),
        ],
      });
    };
    const messages = Array.isArray(p.messages) ? p.messages : [];
    switch (e.kind) {
      case 'prompt':
        if (text && this.once('system:' + text))
          emit('gen_ai.system.message', { role: 'system', content: text });
        for (const m of messages) this.message(m, 'system', host, emit);
        break;
      case 'input':
        // Adapters put the new turn's user text in `text` and its tool results in `context` events;
        // the raw messages are only read when there is no text (e.g. a writer that logs the history).
        if (text) emit('gen_ai.user.message', { role: 'user', content: text });
        else for (const m of messages) this.message(m, 'user', host, emit);
        break;
      case 'context':
        this.toolResult(str(p.id), p.result ?? text, host, emit);
        break;
      case 'output':
        if (text) {
          this.seen.add('assistant:' + text); // the same text resent as history later is not repeated
          emit('gen_ai.choice', choice({ content: text }));
        }
        if (p.result !== undefined) this.toolResult(str(p.id), p.result, host, emit);
        break;
      case 'reasoning':
        if (text) emit('gen_ai.choice', choice({ content: [{ type: 'reasoning', content: text }] }));
        break;
      case 'tool_call': {
        const id = str(p.id);
        if (own) {
          if (p.arguments !== undefined) own.attributes.push(...attr(ARGUMENTS, asText(p.arguments)));
          if (p.result !== undefined) own.attributes.push(...attr(RESULT, asText(p.result)));
          if (id) this.calls.set(id, own);
        }
        // The model asking for the tool is part of its answer on the chat span.
        if (operationOf(host) === 'chat') {
          const fn = { name: str(p.name) ?? e.operation ?? 'tool', arguments: p.arguments ?? null };
          emit(
            'gen_ai.choice',
            choice({ tool_calls: [{ ...(id ? { id } : {}), type: 'function', function: fn }] }),
          );
        }
        break;
      }
    }
  }

  private once(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  /** One message of a logged history (Anthropic blocks or OpenAI roles). */
  private message(m: unknown, role: string, host: OtlpSpan, emit: Emit): void {
    if (!isObj(m) || !this.once('m:' + JSON.stringify(m))) return;
    const as = str(m.role) ?? role;
    if (Array.isArray(m.content))
      for (const b of m.content)
        if (isObj(b) && b.type === 'tool_result') this.toolResult(str(b.tool_use_id), b.content, host, emit);
    if (as === 'tool') return this.toolResult(str(m.tool_call_id), m.content, host, emit);
    const content = contentText(m.content);
    if (!content) return;
    if (as === 'system' || as === 'developer') {
      if (this.once('system:' + content)) emit('gen_ai.system.message', { role: 'system', content });
    } else if (as === 'assistant') {
      if (this.once('assistant:' + content)) emit('gen_ai.assistant.message', { role: as, content });
    } else emit('gen_ai.user.message', { role: 'user', content });
  }

  /**
   * A tool's result: `gen_ai.tool.call.result` on its execute_tool span (the host, or the span of
   * the call with that id), and a `gen_ai.tool.message` where it went back to the model.
   */
  private toolResult(id: string | undefined, result: unknown, host: OtlpSpan, emit: Emit): void {
    if (result === undefined) return;
    const onCall = operationOf(host) === 'execute_tool';
    if (!onCall && id && !this.once('result:' + id)) return;
    const call = onCall ? host : id ? this.calls.get(id) : undefined;
    if (call && stringAttr(call, RESULT) === undefined) call.attributes.push(...attr(RESULT, asText(result)));
    if (!onCall) emit('gen_ai.tool.message', { role: 'tool', ...(id ? { id } : {}), content: result }, id);
  }
}

import type { LedgerEventInput, Usage } from '../../../shared/events.js';
import { StreamAssembler, parseArguments } from './assembler.js';
import { emptyUsage } from './types.js';
import type {
  EventBase,
  ParsedRequest,
  ParsedResponse,
  ProtocolAdapter,
  ResponseParserOptions,
  ToolCall,
} from './types.js';
import { arr, num, obj, str, textOf, type Json } from './values.js';
import { summarize, trailingTurn } from './transcript.js';
import { RawText } from './fastpath.js';

// Events whose content arrives again in output_item.done / response.completed: not parsed at all.
const IGNORED =
  /^\{"type":"response\.(?:output_text\.done|content_part\.(?:added|done)|reasoning_summary_part\.(?:added|done)|reasoning_summary_text\.done|function_call_arguments\.done|in_progress)"/;
// A text or function-argument delta in the field order OpenAI sends (one linear match)...
const FAST_DELTA_ORDERED =
  /^\{"type":"response\.(output_text|function_call_arguments)\.delta","sequence_number":\d+,"item_id":"[^"\\]*","output_index":(\d+),(?:"content_index":\d+,)?"delta":"((?:[^"\\]|\\.)*)"/;
// ...or in any order: kind, then (anywhere in the flat event) output_index and delta.
const FAST_DELTA =
  /^\{"type":"response\.(output_text|function_call_arguments)\.delta"(?=.*?"output_index":(\d+))(?=.*?"delta":"((?:[^"\\]|\\.)*)")/;

/**
 * OpenAI Responses API (POST /v1/responses), streamed (SSE, or WebSocket messages fed through
 * pushEvent) or not.
 */
export const openaiResponses: ProtocolAdapter = {
  protocol: 'openai-responses',
  parseRequest: parseResponsesRequest,
  responseParser: (opts?: ResponseParserOptions) => new ResponsesParser(opts),
};

const PART_TYPES = ['text', 'input_text', 'output_text'];
const MODEL_ITEMS = new Set([
  'function_call',
  'reasoning',
  'custom_tool_call',
  'web_search_call',
  'local_shell_call',
]);
const TOOL_OUTPUTS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

export function parseResponsesRequest(body: unknown, base: EventBase = {}): ParsedRequest {
  const b = obj(body) ?? {};
  const model = str(b.model) ?? '';
  const operation = `llm:${model}`;
  const events: LedgerEventInput[] = [];
  const items = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : arr(b.input);
  const systemParts = [str(b.instructions) ?? ''].filter(Boolean);
  for (const it of items) {
    const m = obj(it);
    if (m?.role === 'system' || m?.role === 'developer') systemParts.push(textOf(m.content, PART_TYPES));
  }
  const system = systemParts.join('\n');
  const tools = arr(b.tools)
    .map((t) => str(obj(t)?.name) ?? str(obj(obj(t)?.function)?.name))
    .filter((n): n is string => n !== undefined);
  if (system || tools.length) {
    events.push({
      ...base,
      kind: 'prompt',
      operation,
      summary: summarize(system),
      payload: { text: system, ...(tools.length ? { tools } : {}) },
    });
  }
  const byModel = (it: unknown): boolean => {
    const m = obj(it);
    return m?.role === 'assistant' || MODEL_ITEMS.has(str(m?.type) ?? '');
  };
  const turn = trailingTurn(items, byModel).filter((it) => {
    const role = obj(it)?.role;
    return role !== 'system' && role !== 'developer';
  });
  if (turn.length) {
    const texts: string[] = [];
    for (const it of turn) {
      const m = obj(it) ?? {};
      if (TOOL_OUTPUTS.has(str(m.type) ?? '')) {
        const result = m.output ?? '';
        events.push({
          ...base,
          kind: 'context',
          operation,
          summary: summarize(textOf(result, PART_TYPES)),
          payload: { source: 'tool_result', id: str(m.call_id) ?? '', result },
        });
      } else if (m.role === 'user') {
        texts.push(textOf(m.content, PART_TYPES));
      }
    }
    const text = texts.join('\n');
    events.push({
      ...base,
      kind: 'input',
      operation,
      summary: summarize(text),
      payload: {
        text,
        messages: turn,
        turnStart: items.length - turn.length,
        ...(typeof b.previous_response_id === 'string' ? { previousResponseId: b.previous_response_id } : {}),
      },
    });
  }
  return { protocol: 'openai-responses', model, stream: b.stream === true, events };
}

interface Item {
  type: string;
  id: string;
  callId: string;
  name: string;
  text: RawText;
  args: RawText;
  summary: string[];
  reasoningText: string;
  encrypted: boolean;
}

const newItem = (raw: Json | undefined): Item => ({
  type: str(raw?.type) ?? 'unknown',
  id: str(raw?.id) ?? '',
  callId: str(raw?.call_id) ?? '',
  name: str(raw?.name) ?? '',
  text: new RawText(),
  args: new RawText(),
  summary: [],
  reasoningText: '',
  encrypted: false,
});

export class ResponsesParser extends StreamAssembler {
  private id: string | undefined;
  private model: string;
  private items: Item[] = [];
  private status: string | null = null;
  private usage: Usage = emptyUsage();
  private complete = false;
  private error: { type: string; message: string } | undefined;

  constructor(opts: ResponseParserOptions = {}) {
    super(opts);
    this.model = opts.model ?? '';
  }

  private item(e: Json): Item {
    const i = num(e.output_index);
    return (this.items[i] ??= newItem(undefined));
  }

  protected override fast(d: string): boolean {
    // One native pass: kind, output_index and the delta body (any field order), or a full parse.
    const m = FAST_DELTA_ORDERED.exec(d) ?? FAST_DELTA.exec(d);
    if (!m) return IGNORED.test(d);
    const index = Number(m[2]);
    const it = (this.items[index] ??= newItem(undefined));
    if (m[1] === 'output_text') it.text.raw(m[3] as string);
    else it.args.raw(m[3] as string);
    return true;
  }

  protected onEvent(e: Json): void {
    const type = str(e.type) ?? '';
    switch (type) {
      case 'response.output_text.delta':
        this.item(e).text.text(str(e.delta) ?? '');
        return;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        this.item(e).args.text(str(e.delta) ?? '');
        return;
      case 'response.reasoning_summary_text.delta': {
        const it = this.item(e);
        const s = num(e.summary_index);
        it.summary[s] = (it.summary[s] ?? '') + (str(e.delta) ?? '');
        return;
      }
      case 'response.reasoning_text.delta':
        this.item(e).reasoningText += str(e.delta) ?? '';
        return;
      case 'response.output_item.added':
        this.items[num(e.output_index)] = newItem(obj(e.item));
        return;
      case 'response.output_item.done': {
        // The finished item is authoritative: it replaces whatever the deltas assembled.
        this.items[num(e.output_index)] = fromItem(obj(e.item) ?? {});
        return;
      }
      case 'response.created':
      case 'response.in_progress':
        this.readResponse(obj(e.response), false);
        return;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.readResponse(obj(e.response), true);
        this.complete = true;
        return;
      case 'error':
        this.error = { type: str(e.code) ?? 'error', message: str(e.message) ?? '' };
        return;
    }
  }

  protected onBody(body: Json): void {
    if (body.error && body.object !== 'response') {
      const err = obj(body.error) ?? {};
      this.error = { type: str(err.type) ?? str(err.code) ?? 'error', message: str(err.message) ?? '' };
    } else {
      this.readResponse(body, true);
    }
    this.complete = true;
  }

  private readResponse(r: Json | undefined, final: boolean): void {
    if (!r) return;
    this.id = str(r.id) ?? this.id;
    this.model = str(r.model) || this.model;
    const status = str(r.status);
    if (status) {
      const reason = str(obj(r.incomplete_details)?.reason);
      this.status = status === 'incomplete' && reason ? `incomplete:${reason}` : status;
    }
    const err = obj(r.error);
    if (err) this.error = { type: str(err.code) ?? 'error', message: str(err.message) ?? '' };
    const u = obj(r.usage);
    if (u) this.usage = responsesUsage(u);
    const output = arr(r.output);
    if (final && output.length && this.items.filter(Boolean).length === 0) {
      this.items = output.map((it) => fromItem(obj(it) ?? {}));
    }
  }

  protected result(): ParsedResponse {
    const base = this.opts.base ?? {};
    const operation = `llm:${this.model}`;
    const status = this.complete ? 'ok' : 'incomplete';
    const events: LedgerEventInput[] = [];
    const toolCalls: ToolCall[] = [];
    const texts: string[] = [];
    const thoughts: string[] = [];
    let redacted = 0;
    for (const it of this.items) {
      if (!it) continue;
      if (it.type === 'message') {
        const text = it.text.value();
        texts.push(text);
        events.push({
          ...base,
          kind: 'output',
          operation,
          status,
          summary: summarize(text),
          payload: { text },
        });
      } else if (it.type === 'reasoning') {
        const text = it.summary.filter((s) => s !== undefined).join('\n\n') || it.reasoningText;
        if (text) thoughts.push(text);
        else if (it.encrypted) redacted++;
        events.push({
          ...base,
          kind: 'reasoning',
          operation,
          status,
          payload: {
            text,
            summary: it.summary.length > 0,
            ...(!text && it.encrypted ? { redacted: true } : {}),
          },
        });
      } else if (it.type === 'function_call' || it.type === 'custom_tool_call') {
        const raw = it.args.value();
        const args = it.type === 'function_call' ? parseArguments(raw) : raw;
        const id = it.callId || it.id;
        toolCalls.push({ id, name: it.name, arguments: args });
        events.push({
          ...base,
          kind: 'tool_call',
          operation,
          status,
          summary: it.name,
          payload: { id, name: it.name, arguments: args },
        });
      }
    }
    return {
      protocol: 'openai-responses',
      ...(this.id ? { id: this.id } : {}),
      model: this.model,
      complete: this.complete,
      text: texts.join(''),
      reasoning: thoughts.join('\n'),
      redactedReasoning: redacted,
      toolCalls,
      stopReason: this.status,
      usage: this.usage,
      ...(this.error ? { error: this.error } : {}),
      events,
    };
  }
}

function fromItem(raw: Json): Item {
  const it = newItem(raw);
  if (it.type === 'message') {
    it.text.text(
      arr(raw.content)
        .map((p) => obj(p))
        .map((p) =>
          p?.type === 'output_text'
            ? (str(p.text) ?? '')
            : p?.type === 'refusal'
              ? (str(p.refusal) ?? '')
              : '',
        )
        .join(''),
    );
  } else if (it.type === 'function_call') {
    it.args.text(str(raw.arguments) ?? '');
  } else if (it.type === 'custom_tool_call') {
    it.args.text(str(raw.input) ?? '');
  } else if (it.type === 'reasoning') {
    it.summary = arr(raw.summary).map((s) => str(obj(s)?.text) ?? '');
    it.reasoningText = arr(raw.content)
      .map((c) => str(obj(c)?.text) ?? '')
      .join('');
    it.encrypted = typeof raw.encrypted_content === 'string';
  }
  return it;
}

/** Responses usage → normalised usage (input excludes cached tokens; output includes reasoning). */
export function responsesUsage(u: Json): Usage {
  const cached = num(obj(u.input_tokens_details)?.cached_tokens);
  return {
    inputTokens: Math.max(0, num(u.input_tokens) - cached),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: num(obj(u.output_tokens_details)?.reasoning_tokens),
  };
}

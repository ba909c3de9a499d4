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
import { arr, num, obj, str, textOf as contentText, type Json } from './values.js';
import { summarize, trailingTurn } from './transcript.js';
import { RawText } from './fastpath.js';

// Events that carry nothing we record.
const NO_CONTENT = /^\{"type":"(?:ping|content_block_stop)"[,}]/;
// A text / input_json / thinking delta, exactly as Anthropic sends it; anything else is parsed in full.
const FAST_DELTA =
  /^\{"type":"content_block_delta","index":(\d+),"delta":\{"type":"(?:text_delta","text|(input_json)_delta","partial_json|thinking_delta","thinking)":"((?:[^"\\]|\\.)*)"\}\}$/;

/** Anthropic Messages API (POST /v1/messages), streamed or not. */
export const anthropicMessages: ProtocolAdapter = {
  protocol: 'anthropic-messages',
  parseRequest: parseAnthropicRequest,
  responseParser: (opts?: ResponseParserOptions) => new AnthropicResponseParser(opts),
};

export function parseAnthropicRequest(body: unknown, base: EventBase = {}): ParsedRequest {
  const b = obj(body) ?? {};
  const model = str(b.model) ?? '';
  const operation = `llm:${model}`;
  const events: LedgerEventInput[] = [];
  const system = contentText(b.system);
  const tools = arr(b.tools)
    .map((t) => str(obj(t)?.name))
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
  const messages = arr(b.messages);
  const turn = trailingTurn(messages, (m) => obj(m)?.role === 'assistant');
  if (turn.length) {
    const texts: string[] = [];
    for (const m of turn) {
      const content = obj(m)?.content;
      if (typeof content === 'string') {
        texts.push(content);
        continue;
      }
      for (const part of arr(content)) {
        const p = obj(part);
        if (p?.type === 'text' && typeof p.text === 'string') texts.push(p.text);
        else if (p?.type === 'tool_result') {
          events.push({
            ...base,
            kind: 'context',
            operation,
            summary: summarize(contentText(p.content)),
            payload: {
              source: 'tool_result',
              id: str(p.tool_use_id) ?? '',
              result: p.content ?? '',
              ...(p.is_error === true ? { isError: true } : {}),
            },
          });
        }
      }
    }
    const text = texts.join('\n');
    events.push({
      ...base,
      kind: 'input',
      operation,
      summary: summarize(text),
      payload: { text, messages: turn, turnStart: messages.length - turn.length },
    });
  }
  return { protocol: 'anthropic-messages', model, stream: b.stream === true, events };
}

interface Block {
  type: string;
  text: RawText;
  json: RawText;
  id: string;
  name: string;
  input: unknown;
  content?: unknown;
}

function textOf(initial: string): RawText {
  const t = new RawText();
  if (initial) t.text(initial);
  return t;
}

export class AnthropicResponseParser extends StreamAssembler {
  private id: string | undefined;
  private model: string;
  private readonly blocks: Block[] = [];
  private stopReason: string | null = null;
  private readonly usage: Usage = emptyUsage();
  private complete = false;
  private error: { type: string; message: string } | undefined;

  constructor(opts: ResponseParserOptions = {}) {
    super(opts);
    this.model = opts.model ?? '';
  }

  protected override fast(d: string): boolean {
    const m = FAST_DELTA.exec(d);
    if (!m) return NO_CONTENT.test(d);
    const block = this.blocks[Number(m[1])];
    if (!block) return false;
    (m[2] ? block.json : block.text).raw(m[3] as string);
    return true;
  }

  protected onEvent(e: Json): void {
    switch (e.type) {
      case 'content_block_delta': {
        const block = this.blocks[num(e.index)] ?? this.blocks[this.blocks.length - 1];
        const d = obj(e.delta);
        if (!block || !d) return;
        if (d.type === 'text_delta') block.text.text(str(d.text) ?? '');
        else if (d.type === 'input_json_delta') block.json.text(str(d.partial_json) ?? '');
        else if (d.type === 'thinking_delta') block.text.text(str(d.thinking) ?? '');
        return;
      }
      case 'content_block_start': {
        const cb = obj(e.content_block) ?? {};
        const type = str(cb.type) ?? 'unknown';
        this.blocks[num(e.index)] = {
          type,
          text: textOf(str(cb.text) ?? str(cb.thinking) ?? ''),
          json: new RawText(),
          id: str(cb.id) ?? '',
          name: str(cb.name) ?? '',
          input: cb.input,
          content: cb.content,
        };
        return;
      }
      case 'message_start': {
        const m = obj(e.message) ?? {};
        this.id = str(m.id) ?? this.id;
        this.model = str(m.model) ?? this.model;
        this.readUsage(obj(m.usage));
        return;
      }
      case 'message_delta': {
        const d = obj(e.delta);
        if (d && typeof d.stop_reason === 'string') this.stopReason = d.stop_reason;
        this.readUsage(obj(e.usage));
        return;
      }
      case 'message_stop':
        this.complete = true;
        return;
      case 'error': {
        const err = obj(e.error) ?? {};
        this.error = { type: str(err.type) ?? 'error', message: str(err.message) ?? '' };
        return;
      }
    }
  }

  protected onBody(body: Json): void {
    if (body.type === 'error') {
      const err = obj(body.error) ?? {};
      this.error = { type: str(err.type) ?? 'error', message: str(err.message) ?? '' };
      this.complete = true;
      return;
    }
    this.id = str(body.id);
    this.model = str(body.model) ?? this.model;
    this.stopReason = str(body.stop_reason) ?? null;
    this.readUsage(obj(body.usage));
    for (const part of arr(body.content)) {
      const p = obj(part) ?? {};
      this.blocks.push({
        type: str(p.type) ?? 'unknown',
        text: textOf(str(p.text) ?? str(p.thinking) ?? ''),
        json: new RawText(),
        id: str(p.id) ?? '',
        name: str(p.name) ?? '',
        input: p.input,
        content: p.content,
      });
    }
    this.complete = true;
  }

  private readUsage(u: Json | undefined): void {
    if (!u) return;
    if (typeof u.input_tokens === 'number') this.usage.inputTokens = num(u.input_tokens);
    if (typeof u.output_tokens === 'number') this.usage.outputTokens = num(u.output_tokens);
    if (typeof u.cache_read_input_tokens === 'number')
      this.usage.cacheReadTokens = num(u.cache_read_input_tokens);
    if (typeof u.cache_creation_input_tokens === 'number') {
      this.usage.cacheWriteTokens = num(u.cache_creation_input_tokens);
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
    let pendingText: string[] = [];
    const flushText = (): void => {
      if (!pendingText.length) return;
      const text = pendingText.join('');
      events.push({
        ...base,
        kind: 'output',
        operation,
        status,
        summary: summarize(text),
        payload: { text },
      });
      pendingText = [];
    };
    for (const block of this.blocks) {
      if (!block) continue;
      if (block.type === 'text') {
        const text = block.text.value();
        texts.push(text);
        pendingText.push(text);
        continue;
      }
      flushText();
      if (block.type === 'thinking') {
        const text = block.text.value();
        thoughts.push(text);
        events.push({ ...base, kind: 'reasoning', operation, status, payload: { text } });
      } else if (block.type === 'redacted_thinking') {
        redacted++;
        events.push({ ...base, kind: 'reasoning', operation, status, payload: { text: '', redacted: true } });
      } else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
        const json = block.json.value();
        const args = json !== '' ? parseArguments(json) : (block.input ?? {});
        toolCalls.push({ id: block.id, name: block.name, arguments: args });
        events.push({
          ...base,
          kind: 'tool_call',
          operation,
          status,
          summary: block.name,
          payload: {
            id: block.id,
            name: block.name,
            arguments: args,
            ...(block.type === 'server_tool_use' ? { server: true } : {}),
          },
        });
      } else if (block.type.endsWith('_tool_result')) {
        events.push({
          ...base,
          kind: 'context',
          operation,
          status,
          payload: { source: block.type, id: block.id, result: block.content ?? null },
        });
      }
    }
    flushText();
    return {
      protocol: 'anthropic-messages',
      ...(this.id ? { id: this.id } : {}),
      model: this.model,
      complete: this.complete,
      text: texts.join(''),
      reasoning: thoughts.join('\n'),
      redactedReasoning: redacted,
      toolCalls,
      stopReason: this.stopReason,
      usage: { ...this.usage },
      ...(this.error ? { error: this.error } : {}),
      events,
    };
  }
}

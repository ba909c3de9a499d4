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

// A plain content delta of choice 0, exactly as OpenAI sends it (or without `logprobs`, as many
// OpenAI-compatible servers do); anything else is parsed in full.
const CONTENT_DELTA =
  /"choices":\[\{"index":0,"delta":\{"content":"((?:[^"\\]|\\.)*)"\}(?:,"logprobs":null)?,"finish_reason":null\}\](?:,"usage":null)?(?:,"obfuscation":"[A-Za-z0-9_-]*")?\}$/;

/** OpenAI Chat Completions (POST /v1/chat/completions), streamed or not. Choice 0 is recorded. */
export const openaiChat: ProtocolAdapter = {
  protocol: 'openai-chat',
  parseRequest: parseChatRequest,
  responseParser: (opts?: ResponseParserOptions) => new ChatResponseParser(opts),
};

const PART_TYPES = ['text', 'input_text'];

export function parseChatRequest(body: unknown, base: EventBase = {}): ParsedRequest {
  const b = obj(body) ?? {};
  const model = str(b.model) ?? '';
  const operation = `llm:${model}`;
  const messages = arr(b.messages);
  const events: LedgerEventInput[] = [];
  const system = messages
    .map(obj)
    .filter((m) => m?.role === 'system' || m?.role === 'developer')
    .map((m) => textOf(m?.content, PART_TYPES))
    .join('\n');
  const tools = arr(b.tools)
    .map((t) => str(obj(obj(t)?.function)?.name))
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
  const turn = trailingTurn(messages, (m) => obj(m)?.role === 'assistant').filter((m) => {
    const role = obj(m)?.role;
    return role !== 'system' && role !== 'developer';
  });
  if (turn.length) {
    const texts: string[] = [];
    for (const m of turn) {
      const msg = obj(m) ?? {};
      if (msg.role === 'tool' || msg.role === 'function') {
        events.push({
          ...base,
          kind: 'context',
          operation,
          summary: summarize(textOf(msg.content, PART_TYPES)),
          payload: {
            source: 'tool_result',
            id: str(msg.tool_call_id) ?? str(msg.name) ?? '',
            result: msg.content ?? '',
          },
        });
      } else if (msg.role === 'user') {
        texts.push(textOf(msg.content, PART_TYPES));
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
  return { protocol: 'openai-chat', model, stream: b.stream === true, events };
}

interface CallState {
  id: string;
  name: string;
  args: string;
}

export class ChatResponseParser extends StreamAssembler {
  private id: string | undefined;
  private model: string;
  private readonly out = new RawText();
  private reasoning = '';
  private readonly calls: CallState[] = [];
  private finishReason: string | null = null;
  private usage: Usage = emptyUsage();
  private error: { type: string; message: string } | undefined;
  private bodyComplete = false;

  constructor(opts: ResponseParserOptions = {}) {
    super(opts);
    this.model = opts.model ?? '';
  }

  protected override fast(d: string): boolean {
    if (this.id === undefined) return false;
    const m = CONTENT_DELTA.exec(d);
    // Before `choices` OpenAI sends only id/object/created/model/system_fingerprint (usage and error come after).
    if (!m || m.index > 400) return false;
    this.out.raw(m[1] as string);
    return true;
  }

  protected onEvent(e: Json): void {
    if (e.error !== undefined) return this.readError(e);
    if (this.id === undefined) this.id = str(e.id);
    if (typeof e.model === 'string' && e.model) this.model = e.model;
    for (const c of arr(e.choices)) {
      const choice = obj(c);
      if (!choice || num(choice.index) !== 0) continue;
      const d = obj(choice.delta);
      if (d) {
        if (typeof d.content === 'string') this.out.text(d.content);
        // reasoning_content: OpenAI-compatible servers (DeepSeek, vLLM, ...) stream thinking here.
        if (typeof d.reasoning_content === 'string') this.reasoning += d.reasoning_content;
        else if (typeof d.reasoning === 'string') this.reasoning += d.reasoning;
        for (const t of arr(d.tool_calls)) {
          const tc = obj(t);
          if (!tc) continue;
          const slot = num(tc.index);
          const call = (this.calls[slot] ??= { id: '', name: '', args: '' });
          if (typeof tc.id === 'string') call.id = tc.id;
          const fn = obj(tc.function);
          if (fn) {
            if (typeof fn.name === 'string') call.name += fn.name;
            if (typeof fn.arguments === 'string') call.args += fn.arguments;
          }
        }
      }
      if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    }
    const u = obj(e.usage);
    if (u) this.usage = chatUsage(u);
  }

  protected onBody(body: Json): void {
    if (body.error !== undefined) {
      this.readError(body);
      this.bodyComplete = true;
      return;
    }
    this.id = str(body.id);
    this.model = str(body.model) ?? this.model;
    const choice = obj(arr(body.choices)[0]);
    const msg = obj(choice?.message) ?? {};
    if (typeof msg.content === 'string') this.out.text(msg.content);
    this.reasoning = str(msg.reasoning_content) ?? str(msg.reasoning) ?? '';
    for (const t of arr(msg.tool_calls)) {
      const tc = obj(t) ?? {};
      const fn = obj(tc.function) ?? {};
      this.calls.push({ id: str(tc.id) ?? '', name: str(fn.name) ?? '', args: str(fn.arguments) ?? '' });
    }
    this.finishReason = str(choice?.finish_reason) ?? null;
    const u = obj(body.usage);
    if (u) this.usage = chatUsage(u);
    this.bodyComplete = true;
  }

  private readError(e: Json): void {
    const err = obj(e.error) ?? {};
    this.error = { type: str(err.type) ?? str(err.code) ?? 'error', message: str(err.message) ?? '' };
  }

  protected result(): ParsedResponse {
    const base = this.opts.base ?? {};
    const operation = `llm:${this.model}`;
    const complete = this.bodyComplete || this.sawDone;
    const status = complete ? 'ok' : 'incomplete';
    const events: LedgerEventInput[] = [];
    if (this.reasoning) {
      events.push({ ...base, kind: 'reasoning', operation, status, payload: { text: this.reasoning } });
    }
    const text = this.out.value();
    if (text) {
      events.push({
        ...base,
        kind: 'output',
        operation,
        status,
        summary: summarize(text),
        payload: { text },
      });
    }
    const toolCalls: ToolCall[] = [];
    for (const c of this.calls) {
      if (!c) continue;
      const args = parseArguments(c.args);
      toolCalls.push({ id: c.id, name: c.name, arguments: args });
      events.push({
        ...base,
        kind: 'tool_call',
        operation,
        status,
        summary: c.name,
        payload: { id: c.id, name: c.name, arguments: args },
      });
    }
    return {
      protocol: 'openai-chat',
      ...(this.id ? { id: this.id } : {}),
      model: this.model,
      complete,
      text,
      reasoning: this.reasoning,
      redactedReasoning: 0,
      toolCalls,
      stopReason: this.finishReason,
      usage: this.usage,
      ...(this.error ? { error: this.error } : {}),
      events,
    };
  }
}

/** Chat usage → normalised usage (input excludes cached tokens; output includes reasoning). */
export function chatUsage(u: Json): Usage {
  const cached = num(obj(u.prompt_tokens_details)?.cached_tokens);
  return {
    inputTokens: Math.max(0, num(u.prompt_tokens) - cached),
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: num(obj(u.completion_tokens_details)?.reasoning_tokens),
  };
}

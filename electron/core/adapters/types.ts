import type { LedgerEventInput, Usage } from '../../../shared/events.js';

/** The protocols Gatehouse understands well enough to record a transcript and meter usage. */
export type LlmProtocol = 'anthropic-messages' | 'openai-chat' | 'openai-responses';

/** Fields the gateway stamps onto every event an adapter produces (agent, run, parent, service...). */
export type EventBase = Omit<Partial<LedgerEventInput>, 'kind' | 'payload'>;

export interface ParsedRequest {
  protocol: LlmProtocol;
  /** The model the agent asked for ('' when the body names none). */
  model: string;
  stream: boolean;
  /** prompt (system / instructions), input (the latest user / tool-result turn), context (tool results). */
  events: LedgerEventInput[];
}

export interface ToolCall {
  /** The provider's call id (tool_use id, tool_call id, call_id). */
  id: string;
  name: string;
  /** The fully assembled arguments: parsed JSON, or the raw string when it is not valid JSON. */
  arguments: unknown;
}

export interface ParsedResponse {
  protocol: LlmProtocol;
  /** The provider's message / response id, when it sent one. */
  id?: string;
  model: string;
  /** True when the stream reached its documented terminal event (or a whole JSON body parsed). */
  complete: boolean;
  text: string;
  /** Thinking text / reasoning summaries, concatenated in order. */
  reasoning: string;
  /** How many redacted (encrypted) thinking blocks arrived. */
  redactedReasoning: number;
  toolCalls: ToolCall[];
  /** end_turn | tool_use | max_tokens | stop | tool_calls | length | completed | incomplete:<reason> ... */
  stopReason: string | null;
  /**
   * Normalised usage. inputTokens EXCLUDES cache reads/writes (Anthropic semantics; OpenAI's
   * prompt_tokens minus cached_tokens), outputTokens INCLUDES reasoning tokens (reasoningTokens
   * is a breakdown, never billed twice).
   */
  usage: Usage;
  /** An error the upstream reported in-band (SSE `error` event, or an error JSON body). */
  error?: { type: string; message: string };
  /** output, reasoning and tool_call events, in the order the model produced them. */
  events: LedgerEventInput[];
}

/**
 * Fed a COPY of the upstream response bytes as they pass through to the agent; never holds the
 * agent's stream back. Streams keep only the assembled state; whole JSON bodies are collected
 * (up to a cap) and parsed at end().
 */
export interface ResponseParser {
  push(chunk: Uint8Array | string): void;
  /** One already-framed event (a Responses WebSocket message, for instance). */
  pushEvent(event: unknown): void;
  /** Call once, when the upstream stream ended or was cut. Safe to call more than once. */
  end(): ParsedResponse;
}

export interface ResponseParserOptions {
  /** The upstream Content-Type; without it the first byte decides ('{' → JSON, else SSE). */
  contentType?: string;
  /** The model from the request, used when the response does not name one. */
  model?: string;
  base?: EventBase;
}

export interface ProtocolAdapter {
  readonly protocol: LlmProtocol;
  parseRequest(body: unknown, base?: EventBase): ParsedRequest;
  responseParser(opts?: ResponseParserOptions): ResponseParser;
}

export const emptyUsage = (): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

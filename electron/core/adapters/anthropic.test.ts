import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANTHROPIC_MODEL, anthropicMessage, anthropicStream } from './fixtures.js';
import { splitBytes, standIn, tee, type Loopback, type Script } from './standin.js';
import type { ParsedResponse } from './types.js';

// The real @anthropic-ai/sdk talks to a loopback stand-in through a pass-through tee that feeds
// our parser a copy of the bytes; what we parsed must equal what the SDK itself assembled.
let script: Script;
let upstream: Loopback;
let proxy: Awaited<ReturnType<typeof tee>>;
let client: Anthropic;

beforeAll(async () => {
  upstream = await standIn(() => script);
  proxy = await tee(upstream.url, 'anthropic');
  client = new Anthropic({ apiKey: 'placeholder', baseURL: proxy.url, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

const conversation: Anthropic.MessageParam[] = [
  { role: 'user', content: 'What is the weather in Paris?' },
  {
    role: 'assistant',
    content: [{ type: 'tool_use', id: 'toolu_0', name: 'get_weather', input: { location: 'Paris' } }],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_0', content: '18°C, sunny' },
      { type: 'text', text: 'And tomorrow?' },
    ],
  },
];

async function lastResponse(): Promise<ParsedResponse> {
  await proxy.settled();
  const r = proxy.calls.at(-1)?.response;
  if (!r) throw new Error('the tee recorded no response');
  return r;
}

function expectSameAs(r: ParsedResponse, msg: Anthropic.Message): void {
  const blocks = msg.content;
  expect(r.id).toBe(msg.id);
  expect(r.model).toBe(msg.model);
  expect(r.text).toBe(
    blocks
      .filter((b): b is Anthropic.TextBlock => b.type === 'text')
      .map((b) => b.text)
      .join(''),
  );
  expect(r.reasoning).toBe(
    blocks
      .filter((b): b is Anthropic.ThinkingBlock => b.type === 'thinking')
      .map((b) => b.thinking)
      .join('\n'),
  );
  expect(r.redactedReasoning).toBe(blocks.filter((b) => b.type === 'redacted_thinking').length);
  expect(r.toolCalls).toEqual(
    blocks
      .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
      .map((b) => ({ id: b.id, name: b.name, arguments: b.input })),
  );
  expect(r.stopReason).toBe(msg.stop_reason);
  expect(r.usage).toEqual({
    inputTokens: msg.usage.input_tokens,
    outputTokens: msg.usage.output_tokens,
    cacheReadTokens: msg.usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: msg.usage.cache_creation_input_tokens ?? 0,
    reasoningTokens: 0,
  });
}

describe('Anthropic Messages adapter with the real SDK', () => {
  test('a streamed call with thinking, redacted thinking, text and a streamed tool_use input', async () => {
    script = { contentType: 'text/event-stream', chunks: splitBytes(anthropicStream({ textDeltas: 5 }), 11) };
    const stream = client.messages.stream({
      model: ANTHROPIC_MODEL,
      max_tokens: 2048,
      system: [{ type: 'text', text: 'You are a terse weather bot.' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [
        {
          name: 'get_weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ],
      messages: conversation,
    });
    const msg = await stream.finalMessage();
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expectSameAs(r, msg);
    expect(r.toolCalls[0]?.arguments).toEqual({ location: 'Paris, Île-de-France', unit: 'celsius' });
    expect(r.usage.cacheReadTokens).toBe(3400);
    expect(r.events.map((e) => e.kind)).toEqual(['reasoning', 'reasoning', 'output', 'tool_call']);
    expect(r.events[1]?.payload).toEqual({ text: '', redacted: true });
    expect(r.events[3]?.payload).toEqual({
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      name: 'get_weather',
      arguments: { location: 'Paris, Île-de-France', unit: 'celsius' },
    });

    const req = proxy.calls.at(-1)?.request;
    expect(req?.model).toBe(ANTHROPIC_MODEL);
    expect(req?.stream).toBe(true);
    expect(req?.events.map((e) => [e.kind, e.payload && (e.payload as { text?: string }).text])).toEqual([
      ['prompt', 'You are a terse weather bot.'],
      ['context', undefined],
      ['input', 'And tomorrow?'],
    ]);
    expect(req?.events[1]?.payload).toMatchObject({ id: 'toolu_0', result: '18°C, sunny' });
    expect(req?.events[2]?.payload).toMatchObject({ turnStart: 2 });
  });

  test('a non-streamed call', async () => {
    script = { contentType: 'application/json', chunks: splitBytes(JSON.stringify(anthropicMessage), 3) };
    const msg = await client.messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 100,
      messages: conversation,
    });
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expectSameAs(r, msg);
    expect(proxy.calls.at(-1)?.request?.stream).toBe(false);
  });

  test('a stream cut mid-way is incomplete, with what arrived', async () => {
    const full = anthropicStream();
    const cut = full.indexOf('is, Île-de-France');
    script = { contentType: 'text/event-stream', chunks: [full.slice(0, cut), full.slice(cut)], cutAfter: 1 };
    const stream = client.messages.stream({
      model: ANTHROPIC_MODEL,
      max_tokens: 100,
      messages: conversation,
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    const r = await lastResponse();
    expect(r.complete).toBe(false);
    expect(r.text).toBe('Checking the wéather ☀ part 1 ☀ part 2 ');
    expect(r.reasoning).toBe('The user wants the weather in Paris.');
    expect(r.toolCalls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "Par' },
    ]);
    expect(r.stopReason).toBeNull();
    expect(r.usage.inputTokens).toBe(472);
    expect(r.events.every((e) => e.status === 'incomplete')).toBe(true);
  });

  test('an error event in the stream is reported', async () => {
    script = {
      contentType: 'text/event-stream',
      chunks: [
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ],
    };
    const stream = client.messages.stream({
      model: ANTHROPIC_MODEL,
      max_tokens: 100,
      messages: conversation,
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
    const r = await lastResponse();
    expect(r.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(r.complete).toBe(false);
  });
});

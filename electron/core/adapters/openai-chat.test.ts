import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPENAI_MODEL, chatCompletion, chatStream } from './fixtures.js';
import { openaiChat } from './openai-chat.js';
import { splitBytes, standIn, tee, type Loopback, type Script } from './standin.js';
import type { ParsedResponse } from './types.js';

// The real openai client → pass-through tee (feeding our parser a copy) → loopback stand-in.
let script: Script;
let upstream: Loopback;
let proxy: Awaited<ReturnType<typeof tee>>;
let client: OpenAI;

beforeAll(async () => {
  upstream = await standIn(() => script);
  proxy = await tee(upstream.url, 'openai');
  client = new OpenAI({ apiKey: 'placeholder', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a weather bot.' },
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
  },
  { role: 'tool', tool_call_id: 'call_0', content: '18°C' },
  { role: 'user', content: [{ type: 'text', text: 'And the time?' }] },
];

async function lastResponse(): Promise<ParsedResponse> {
  await proxy.settled();
  const r = proxy.calls.at(-1)?.response;
  if (!r) throw new Error('the tee recorded no response');
  return r;
}

function expectSameAs(r: ParsedResponse, c: OpenAI.ChatCompletion): void {
  const choice = c.choices[0];
  expect(r.id).toBe(c.id);
  expect(r.model).toBe(c.model);
  expect(r.text).toBe(choice?.message.content ?? '');
  expect(r.toolCalls).toEqual(
    (choice?.message.tool_calls ?? []).map((t) => {
      if (t.type !== 'function') throw new Error('unexpected tool call type');
      return { id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) as unknown };
    }),
  );
  expect(r.stopReason).toBe(choice?.finish_reason);
  const u = c.usage;
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  expect(r.usage).toEqual({
    inputTokens: (u?.prompt_tokens ?? 0) - cached,
    outputTokens: u?.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: u?.completion_tokens_details?.reasoning_tokens ?? 0,
  });
}

describe('OpenAI Chat Completions adapter with the real SDK', () => {
  test('a streamed call with two streamed tool calls, a usage chunk and [DONE]', async () => {
    script = { contentType: 'text/event-stream', chunks: splitBytes(chatStream({ textDeltas: 4 }), 5) };
    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    const completion = await stream.finalChatCompletion();
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expect(r.model).toBe(OPENAI_MODEL);
    expectSameAs(r, completion);
    expect(r.toolCalls.map((t) => t.arguments)).toEqual([{ location: 'Paris' }, { tz: 'CET' }]);
    expect(r.usage).toMatchObject({ inputTokens: 176, cacheReadTokens: 1024, reasoningTokens: 12 });
    expect(r.events.map((e) => e.kind)).toEqual(['output', 'tool_call', 'tool_call']);

    const req = proxy.calls.at(-1)?.request;
    expect(req).toMatchObject({ protocol: 'openai-chat', model: 'gpt-4o', stream: true });
    expect(req?.events.map((e) => e.kind)).toEqual(['prompt', 'context', 'input']);
    expect(req?.events[0]?.payload).toEqual({ text: 'You are a weather bot.', tools: ['get_weather'] });
    expect(req?.events[1]?.payload).toMatchObject({ id: 'call_0', result: '18°C' });
    expect(req?.events[2]?.payload).toMatchObject({ text: 'And the time?', turnStart: 3 });
  });

  test('a non-streamed call', async () => {
    script = { contentType: 'application/json', chunks: [JSON.stringify(chatCompletion)] };
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expectSameAs(r, completion);
  });

  test('a stream cut before [DONE] is incomplete, with what arrived', async () => {
    const full = chatStream();
    // Cut at the start of the event carrying the second argument delta.
    const cut = full.lastIndexOf('data: ', full.indexOf(' \\"Paris\\"}'));
    script = { contentType: 'text/event-stream', chunks: [full.slice(0, cut), full.slice(cut)], cutAfter: 1 };
    const stream = client.chat.completions.stream({ model: 'gpt-4o', messages });
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    const r = await lastResponse();
    expect(r.complete).toBe(false);
    expect(r.text).toBe('Let me chéck ☀ 1 ☀ 2 ');
    expect(r.toolCalls).toEqual([
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"location":' },
    ]);
    expect(r.stopReason).toBeNull();
    expect(r.events.every((e) => e.status === 'incomplete')).toBe(true);
  });
});

test('deltas without "logprobs" (as OpenAI-compatible servers send them) parse to the same result', () => {
  const parse = (body: string): ParsedResponse => {
    const p = openaiChat.responseParser({ contentType: 'text/event-stream' });
    for (const piece of splitBytes(body, 7)) p.push(piece);
    return p.end();
  };
  const official = chatStream({ textDeltas: 40 });
  const compatible = official.replaceAll(',"logprobs":null', '');
  expect(compatible).not.toContain('logprobs');
  const a = parse(official);
  expect(a.text.length).toBeGreaterThan(40);
  expect(parse(compatible)).toEqual(a);
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RESPONSES_MODEL, responsesStream } from './fixtures.js';
import { ResponsesParser } from './openai-responses.js';
import { splitBytes, standIn, tee, type Loopback, type Script } from './standin.js';
import type { ParsedResponse } from './types.js';

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

const input: OpenAI.Responses.ResponseInputItem[] = [
  { role: 'developer', content: 'Answer briefly.' },
  { role: 'user', content: 'Weather in Paris?' },
  { type: 'function_call', call_id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { type: 'function_call_output', call_id: 'call_0', output: '18°C' },
];

async function lastResponse(): Promise<ParsedResponse> {
  await proxy.settled();
  const r = proxy.calls.at(-1)?.response;
  if (!r) throw new Error('the tee recorded no response');
  return r;
}

function expectSameAs(r: ParsedResponse, resp: OpenAI.Responses.Response): void {
  expect(r.id).toBe(resp.id);
  expect(r.model).toBe(resp.model);
  expect(r.text).toBe(resp.output_text);
  const summaries = resp.output.flatMap((o) =>
    o.type === 'reasoning' ? [o.summary.map((s) => s.text).join('\n\n')] : [],
  );
  expect(r.reasoning).toBe(summaries.join('\n'));
  expect(r.toolCalls).toEqual(
    resp.output.flatMap((o) =>
      o.type === 'function_call'
        ? [{ id: o.call_id, name: o.name, arguments: JSON.parse(o.arguments) as unknown }]
        : [],
    ),
  );
  expect(r.stopReason).toBe(resp.status);
  const u = resp.usage;
  expect(r.usage).toEqual({
    inputTokens: (u?.input_tokens ?? 0) - (u?.input_tokens_details.cached_tokens ?? 0),
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.input_tokens_details.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: u?.output_tokens_details.reasoning_tokens ?? 0,
  });
}

describe('OpenAI Responses adapter with the real SDK', () => {
  test('a streamed call with a reasoning summary, text and streamed function-call arguments', async () => {
    script = { contentType: 'text/event-stream', chunks: splitBytes(responsesStream({ textDeltas: 4 }), 13) };
    const stream = client.responses.stream({
      model: 'o4-mini',
      instructions: 'You are a weather bot.',
      input,
    });
    const resp = await stream.finalResponse();
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expect(r.model).toBe(RESPONSES_MODEL);
    expectSameAs(r, resp);
    expect(r.usage).toMatchObject({ inputTokens: 464, cacheReadTokens: 1536, reasoningTokens: 192 });
    expect(r.events.map((e) => e.kind)).toEqual(['reasoning', 'output', 'tool_call']);
    expect(r.events[2]?.payload).toEqual({
      id: 'call_abc',
      name: 'get_weather',
      arguments: { city: 'Paris' },
    });

    const req = proxy.calls.at(-1)?.request;
    expect(req).toMatchObject({ protocol: 'openai-responses', model: 'o4-mini', stream: true });
    expect(req?.events.map((e) => e.kind)).toEqual(['prompt', 'context', 'input']);
    expect(req?.events[0]?.payload).toEqual({ text: 'You are a weather bot.\nAnswer briefly.' });
    expect(req?.events[1]?.payload).toMatchObject({ id: 'call_0', result: '18°C' });
  });

  test('a non-streamed call', async () => {
    // The body the streamed call completed with is a whole Response object.
    const completed = responsesStream()
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; response?: unknown })
      .find((e) => e.type === 'response.completed')?.response;
    script = { contentType: 'application/json', chunks: [JSON.stringify(completed)] };
    const resp = await client.responses.create({ model: 'o4-mini', input: 'Weather in Paris?' });
    const r = await lastResponse();
    expect(r.complete).toBe(true);
    expectSameAs(r, resp);
    expect(
      proxy.calls.at(-1)?.request?.events.map((e) => [e.kind, (e.payload as { text: string }).text]),
    ).toEqual([['input', 'Weather in Paris?']]);
  });

  test('a stream cut before response.completed is incomplete, with what arrived', async () => {
    const full = responsesStream();
    const cut = full.lastIndexOf('event: response.function_call_arguments.delta');
    script = { contentType: 'text/event-stream', chunks: [full.slice(0, cut), full.slice(cut)], cutAfter: 1 };
    const stream = client.responses.stream({ model: 'o4-mini', input });
    await expect(stream.finalResponse()).rejects.toThrow();
    const r = await lastResponse();
    expect(r.complete).toBe(false);
    expect(r.text).toBe('It is sünny ☀ 1 ☀ 2 ');
    expect(r.toolCalls).toEqual([{ id: 'call_abc', name: 'get_weather', arguments: '{"city":' }]);
    expect(r.stopReason).toBe('in_progress');
  });

  test('WebSocket-transport messages fed as events assemble the same result as SSE', () => {
    const sseParser = new ResponsesParser({ contentType: 'text/event-stream' });
    sseParser.push(responsesStream());
    const ws = new ResponsesParser();
    for (const line of responsesStream().split('\n')) {
      if (line.startsWith('data: ')) ws.pushEvent(JSON.parse(line.slice(6)));
    }
    expect(ws.end()).toEqual(sseParser.end());
  });
});

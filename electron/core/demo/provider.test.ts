import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoProvider } from './provider.js';

let provider: DemoProvider;
let anthropic: Anthropic;
let openai: OpenAI;

const TOOLS = ['list_files', 'read_file', 'write_file', 'mcp_call', 'http_request'];
const anthropicTools = TOOLS.map((name) => ({
  name,
  description: name,
  input_schema: { type: 'object' as const, properties: {} },
}));
const chatTools = TOOLS.map((name) => ({
  type: 'function' as const,
  function: { name, parameters: { type: 'object', properties: {} } },
}));
const responseTools = TOOLS.map((name) => ({
  type: 'function' as const,
  name,
  parameters: { type: 'object', properties: {} },
  strict: false,
}));

beforeAll(async () => {
  provider = await DemoProvider.start({ slowChunkMs: 5, slowChunks: 50 });
  anthropic = new Anthropic({ baseURL: provider.address, apiKey: 'demo-placeholder', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${provider.address}/v1`, apiKey: 'demo-placeholder', maxRetries: 0 });
});
afterAll(async () => provider?.close());

describe('demo provider, Anthropic Messages through the real SDK', () => {
  it('non-streaming: the helpful script asks for list_files first, with thinking when enabled', async () => {
    const msg = await anthropic.messages.create({
      model: 'demo-helpful',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: anthropicTools,
      messages: [{ role: 'user', content: 'Summarise the workspace.' }],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const tool = msg.content.find((b) => b.type === 'tool_use');
    expect(tool).toMatchObject({ name: 'list_files', input: { path: '.' } });
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streaming: the SDK assembles the same blocks from content_block deltas (thinking, text, input_json_delta)', async () => {
    const stream = anthropic.messages.stream({
      model: 'demo-helpful',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: anthropicTools,
      messages: [{ role: 'user', content: 'Summarise the workspace.' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const msg = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types).toContain('content_block_delta');
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const thinking = msg.content[0];
    expect(thinking?.type === 'thinking' && thinking.thinking).toContain('which files are there');
    expect(thinking?.type === 'thinking' && thinking.signature.length).toBeGreaterThan(10);
    expect(msg.content[2]).toMatchObject({ type: 'tool_use', name: 'list_files', input: { path: '.' } });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.usage.output_tokens).toBeGreaterThan(1);
  });

  it('plays a whole helpful conversation turn by turn from tool results', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Summarise the workspace.' }];
    const system =
      '<demo-config>{"mcpTool":"everything__echo","apiUrl":"service:api/status","outputFile":"OUT.md"}</demo-config>';
    const calls: string[] = [];
    for (let i = 0; i < 10; i++) {
      const msg = await anthropic.messages
        .stream({ model: 'demo-helpful', max_tokens: 1024, system, tools: anthropicTools, messages })
        .finalMessage();
      messages.push({ role: 'assistant', content: msg.content });
      if (msg.stop_reason !== 'tool_use') {
        const text = msg.content.find((b) => b.type === 'text');
        expect(text?.type === 'text' && text.text).toContain('OUT.md');
        break;
      }
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const b of msg.content) {
        if (b.type !== 'tool_use') continue;
        calls.push(`${b.name}:${JSON.stringify(b.input)}`);
        results.push({
          type: 'tool_result',
          tool_use_id: b.id,
          content: b.name === 'list_files' ? 'README.md\nsrc/' : 'fine',
        });
      }
      messages.push({ role: 'user', content: results });
    }
    expect(calls).toEqual([
      'list_files:{"path":"."}',
      'read_file:{"path":"README.md"}',
      'mcp_call:{"tool":"everything__echo","arguments":{"message":"hello from the helpful agent"}}',
      'http_request:{"method":"GET","url":"service:api/status"}',
      expect.stringMatching(/^write_file:\{"path":"OUT.md","content":"# Workspace report/),
    ]);
  });

  it('answers errors in the Anthropic error format, and count_tokens', async () => {
    await expect(anthropic.messages.create({ model: '', max_tokens: 1, messages: [] })).rejects.toMatchObject(
      {
        status: 400,
        error: { type: 'error', error: { type: 'invalid_request_error' } },
      },
    );
    const count = await anthropic.messages.countTokens({
      model: 'demo-echo',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    expect(count.input_tokens).toBe(100);
  });

  it('the rogue script claims huge output usage once it starts burning budget', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'go' }];
    let last: Anthropic.Message | undefined;
    for (let i = 0; i < 5; i++) {
      last = await anthropic.messages.create({
        model: 'demo-rogue',
        max_tokens: 1024,
        tools: anthropicTools,
        messages,
      });
      messages.push({ role: 'assistant', content: last.content });
      messages.push({
        role: 'user',
        content: last.content
          .filter((b) => b.type === 'tool_use')
          .map((b) => ({
            type: 'tool_result' as const,
            tool_use_id: b.id,
            content: 'SECRET=1',
            is_error: i > 0,
          })),
      });
    }
    expect(last?.usage.output_tokens).toBeGreaterThanOrEqual(60_000);
  });
});

describe('demo provider, OpenAI through the real SDK', () => {
  it('chat completions, non-streaming tool call', async () => {
    const r = await openai.chat.completions.create({
      model: 'demo-helpful',
      tools: chatTools,
      messages: [{ role: 'user', content: 'Summarise the workspace.' }],
    });
    const choice = r.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('list_files');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ path: '.' });
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('chat completions, streaming: tool_calls deltas assembled by the SDK, usage chunk, [DONE]', async () => {
    const stream = openai.chat.completions.stream({
      model: 'demo-helpful',
      tools: chatTools,
      stream_options: { include_usage: true },
      messages: [
        { role: 'user', content: 'Summarise the workspace.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'list_files', arguments: '{"path":"."}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'NOTES.md' },
      ],
    });
    const done = await stream.finalChatCompletion();
    const call = done.choices[0]!.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('read_file');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ path: 'NOTES.md' });
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
    expect(done.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('chat completions, streaming text for an unscripted model', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-whatever',
      stream: true,
      messages: [{ role: 'user', content: 'hello there' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('You said: hello there');
  });

  it('responses API, non-streaming and streaming, with reasoning summaries and function calls', async () => {
    const plain = await openai.responses.create({
      model: 'demo-helpful',
      tools: responseTools,
      input: 'Summarise the workspace.',
      reasoning: { effort: 'low' },
    });
    expect(plain.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(plain.output_text).toContain('workspace');

    const stream = openai.responses.stream({
      model: 'demo-helpful',
      tools: responseTools,
      reasoning: { effort: 'low' },
      input: [
        { role: 'user', content: 'Summarise the workspace.' },
        { type: 'function_call', call_id: 'call_1', name: 'list_files', arguments: '{"path":"."}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
      ],
    });
    const seen = new Set<string>();
    stream.on('event', (e) => seen.add(e.type));
    const final = await stream.finalResponse();
    expect(seen).toContain('response.function_call_arguments.delta');
    expect(seen).toContain('response.reasoning_summary_text.delta');
    const fc = final.output.find((o) => o.type === 'function_call');
    expect(fc?.type === 'function_call' && fc.name).toBe('read_file');
    expect(fc?.type === 'function_call' && JSON.parse(fc.arguments)).toEqual({ path: 'a.txt' });
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });
});

describe('demo provider, slow streams', () => {
  it('counts open streams and stops writing when the client goes away', async () => {
    const ac = new AbortController();
    const stream = await anthropic.messages.create(
      { model: 'demo-slow', max_tokens: 1, stream: true, messages: [{ role: 'user', content: 'x' }] },
      { signal: ac.signal },
    );
    let deltas = 0;
    let sawOpen = 0;
    try {
      for await (const e of stream) {
        if (e.type === 'content_block_delta' && ++deltas === 3) {
          sawOpen = provider.activeStreams;
          ac.abort();
        }
      }
    } catch {
      // the SDK may end the iteration or throw an abort error: both are a cut
    }
    expect(sawOpen).toBe(1);
    expect(deltas).toBeLessThan(50);
    await provider.idle();
    expect(provider.activeStreams).toBe(0);
  });
});

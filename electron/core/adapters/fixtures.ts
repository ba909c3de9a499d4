import { sse } from './standin.js';

/**
 * Test and bench support: streams shaped exactly like the providers' API references document
 * them (event names, field names, order), with multi-byte text so chunk splits cut UTF-8.
 */
export const ANTHROPIC_MODEL = 'claude-sonnet-4-5-20250929';

export function anthropicStream(opts: { textDeltas?: number; token?: (i: number) => string } = {}): string {
  const n = opts.textDeltas ?? 3;
  const text = Array.from({ length: n }, (_, i) => ({
    type: 'content_block_delta',
    index: 2,
    delta: {
      type: 'text_delta',
      text: opts.token ? opts.token(i) : i === 0 ? 'Checking the wéather ' : `☀ part ${i} `,
    },
  }));
  return sse([
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
          type: 'message',
          role: 'assistant',
          content: [],
          model: ANTHROPIC_MODEL,
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: 472,
            output_tokens: 2,
            cache_creation_input_tokens: 1200,
            cache_read_input_tokens: 3400,
          },
        },
      },
    ],
    ['ping', { type: 'ping' }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'The user wants ' },
      },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'the weather in Paris.' },
      },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 0,
        delta: {
          type: 'signature_delta',
          signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
        },
      },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 1,
        content_block: {
          type: 'redacted_thinking',
          data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
        },
      },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 1 }],
    [
      'content_block_start',
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
    ],
    ...text.map((d): [string, unknown] => ['content_block_delta', d]),
    ['content_block_stop', { type: 'content_block_stop', index: 2 }],
    [
      'content_block_start',
      {
        type: 'content_block_start',
        index: 3,
        content_block: {
          type: 'tool_use',
          id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          name: 'get_weather',
          input: {},
        },
      },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '' } },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 3,
        delta: { type: 'input_json_delta', partial_json: '{"location": "Par' },
      },
    ],
    [
      'content_block_delta',
      {
        type: 'content_block_delta',
        index: 3,
        delta: { type: 'input_json_delta', partial_json: 'is, Île-de-France", "unit": "celsius"}' },
      },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 3 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 89 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

export const anthropicMessage = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: ANTHROPIC_MODEL,
  content: [
    { type: 'thinking', thinking: 'Short thought.', signature: 'sig' },
    { type: 'text', text: 'Hi! My name is Claude.' },
    { type: 'tool_use', id: 'toolu_02', name: 'lookup', input: { q: 'x' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 2095,
    output_tokens: 503,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
};

export const OPENAI_MODEL = 'gpt-4o-2024-08-06';

export function chatStream(opts: { textDeltas?: number; token?: (i: number) => string } = {}): string {
  const n = opts.textDeltas ?? 3;
  const chunk = (delta: unknown, finish: string | null = null): unknown => ({
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: OPENAI_MODEL,
    system_fingerprint: 'fp_44709d6fcb',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });
  return sse([
    [null, chunk({ role: 'assistant', content: '', refusal: null })],
    ...Array.from({ length: n }, (_, i): [null, unknown] => [
      null,
      chunk({ content: opts.token ? opts.token(i) : i === 0 ? 'Let me chéck ' : `☀ ${i} ` }),
    ]),
    [
      null,
      chunk({
        tool_calls: [
          {
            index: 0,
            id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      }),
    ],
    [null, chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] })],
    [null, chunk({ tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] })],
    [
      null,
      chunk({
        tool_calls: [
          {
            index: 1,
            id: 'call_2',
            type: 'function',
            function: { name: 'get_time', arguments: '{"tz":"CET"}' },
          },
        ],
      }),
    ],
    [null, chunk({}, 'tool_calls')],
    [
      null,
      {
        id: 'chatcmpl-123',
        object: 'chat.completion.chunk',
        created: 1694268190,
        model: OPENAI_MODEL,
        choices: [],
        usage: {
          prompt_tokens: 1200,
          completion_tokens: 60,
          total_tokens: 1260,
          prompt_tokens_details: { cached_tokens: 1024 },
          completion_tokens_details: { reasoning_tokens: 12 },
        },
      },
    ],
    [null, '[DONE]'],
  ]);
}

export const chatCompletion = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: OPENAI_MODEL,
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'The image shows a wooden boardwalk.',
        refusal: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'save', arguments: '{"a":1}' } }],
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
};

export const RESPONSES_MODEL = 'o4-mini-2025-04-16';

export function responsesStream(opts: { textDeltas?: number; token?: (i: number) => string } = {}): string {
  const n = opts.textDeltas ?? 3;
  let seq = 0;
  const ev = (type: string, body: Record<string, unknown>): [string, unknown] => [
    type,
    { type, sequence_number: seq++, ...body },
  ];
  const reasoning = { id: 'rs_1', type: 'reasoning', summary: [] as unknown[] };
  const deltas = Array.from({ length: n }, (_, i) =>
    opts.token ? opts.token(i) : i === 0 ? 'It is sünny ' : `☀ ${i} `,
  );
  const text = deltas.join('');
  const base = {
    id: 'resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654',
    object: 'response',
    created_at: 1741290958,
    model: RESPONSES_MODEL,
    output: [] as unknown[],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    status: 'in_progress',
  };
  const finalOutput = [
    {
      ...reasoning,
      summary: [{ type: 'summary_text', text: '**Checking weather** The user asks about Paris.' }],
    },
    {
      id: 'msg_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    },
    {
      id: 'fc_1',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_abc',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    },
  ];
  return sse([
    ev('response.created', { response: base }),
    ev('response.in_progress', { response: base }),
    ev('response.output_item.added', { output_index: 0, item: reasoning }),
    ev('response.reasoning_summary_part.added', {
      item_id: 'rs_1',
      output_index: 0,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    }),
    ev('response.reasoning_summary_text.delta', {
      item_id: 'rs_1',
      output_index: 0,
      summary_index: 0,
      delta: '**Checking weather** ',
    }),
    ev('response.reasoning_summary_text.delta', {
      item_id: 'rs_1',
      output_index: 0,
      summary_index: 0,
      delta: 'The user asks about Paris.',
    }),
    ev('response.reasoning_summary_text.done', {
      item_id: 'rs_1',
      output_index: 0,
      summary_index: 0,
      text: '**Checking weather** The user asks about Paris.',
    }),
    ev('response.reasoning_summary_part.done', {
      item_id: 'rs_1',
      output_index: 0,
      summary_index: 0,
      part: { type: 'summary_text', text: '**Checking weather** The user asks about Paris.' },
    }),
    ev('response.output_item.done', { output_index: 0, item: finalOutput[0] }),
    ev('response.output_item.added', {
      output_index: 1,
      item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    }),
    ev('response.content_part.added', {
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...deltas.map((delta) =>
      ev('response.output_text.delta', {
        item_id: 'msg_1',
        output_index: 1,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    ),
    ev('response.output_text.done', {
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      text,
      logprobs: [],
    }),
    ev('response.content_part.done', {
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      part: { type: 'output_text', text, annotations: [] },
    }),
    ev('response.output_item.done', { output_index: 1, item: finalOutput[1] }),
    ev('response.output_item.added', {
      output_index: 2,
      item: {
        id: 'fc_1',
        type: 'function_call',
        status: 'in_progress',
        call_id: 'call_abc',
        name: 'get_weather',
        arguments: '',
      },
    }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: '{"city":' }),
    ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: '"Paris"}' }),
    ev('response.function_call_arguments.done', {
      item_id: 'fc_1',
      output_index: 2,
      arguments: '{"city":"Paris"}',
    }),
    ev('response.output_item.done', { output_index: 2, item: finalOutput[2] }),
    ev('response.completed', {
      response: {
        ...base,
        status: 'completed',
        output: finalOutput,
        usage: {
          input_tokens: 2000,
          input_tokens_details: { cached_tokens: 1536 },
          output_tokens: 300,
          output_tokens_details: { reasoning_tokens: 192 },
          total_tokens: 2300,
        },
      },
    }),
  ]);
}

const WORDS =
  ' The| quick| brown| fox| jumps| over| the| lazy| dog|,| and| then| it| writes| a| café| review|.|\n'.split(
    '|',
  );

/** Token-sized deltas like an English answer: mostly ASCII words, an accented one now and then. */
export const englishToken = (i: number): string => WORDS[i % WORDS.length] as string;

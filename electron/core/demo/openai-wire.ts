import type { Frame, FrameItem } from './anthropic-wire.js';
import { chunks, newId, textDeltas, type Plan } from './plan.js';

const created = () => Math.floor(Date.now() / 1000);
const callId = (toolUseId: string) => `call_${toolUseId.slice('toolu_'.length)}`;

function chatUsage(p: Plan) {
  return {
    prompt_tokens: p.usage.inputTokens,
    completion_tokens: p.usage.outputTokens,
    total_tokens: p.usage.inputTokens + p.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: p.usage.reasoningTokens },
  };
}

/** Chat Completions, non-streaming. */
export function chatCompletion(p: Plan): Record<string, unknown> {
  const toolCalls = p.toolUses.map((t) => ({
    id: callId(t.id),
    type: 'function',
    function: { name: t.name, arguments: JSON.stringify(t.input) },
  }));
  return {
    id: `chatcmpl-${p.id.slice(4)}`,
    object: 'chat.completion',
    created: created(),
    model: p.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: p.text ?? null,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: p.stop === 'tool_use' ? 'tool_calls' : 'stop',
      },
    ],
    usage: chatUsage(p),
  };
}

/** Chat Completions chunks, ending with the usage chunk (when asked for) and [DONE]. */
export function chatFrames(p: Plan, includeUsage: boolean): FrameItem[] {
  const base = {
    id: `chatcmpl-${p.id.slice(4)}`,
    object: 'chat.completion.chunk',
    created: created(),
    model: p.model,
  };
  const frames: FrameItem[] = [];
  const make = (delta: Record<string, unknown>, finish: string | null = null): Frame => ({
    data: {
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    },
  });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    frames.push(make(delta, finish));
  chunk({ role: 'assistant', content: '', refusal: null });
  if (p.text)
    frames.push({
      lazy: (function* () {
        for (const content of textDeltas(p)) yield make({ content });
      })(),
    });
  p.toolUses.forEach((t, index) => {
    chunk({
      tool_calls: [{ index, id: callId(t.id), type: 'function', function: { name: t.name, arguments: '' } }],
    });
    for (const piece of chunks(JSON.stringify(t.input), p.chunkSize))
      chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  chunk({}, p.stop === 'tool_use' ? 'tool_calls' : 'stop');
  if (includeUsage) frames.push({ data: { ...base, choices: [], usage: chatUsage(p) } });
  frames.push({ data: '[DONE]' });
  return frames;
}

interface ResponseItem {
  id: string;
  type: string;
  [k: string]: unknown;
}

function responseItems(p: Plan): ResponseItem[] {
  const items: ResponseItem[] = [];
  if (p.thinking)
    items.push({
      id: newId('rs_'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: p.thinking.text }],
    });
  if (p.text !== undefined)
    items.push({
      id: newId('msg_'),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: p.text, annotations: [], logprobs: [] }],
    });
  for (const t of p.toolUses)
    items.push({
      id: newId('fc_'),
      type: 'function_call',
      status: 'completed',
      call_id: callId(t.id),
      name: t.name,
      arguments: JSON.stringify(t.input),
    });
  return items;
}

function responseObject(p: Plan, id: string, status: string, output: ResponseItem[], withUsage: boolean) {
  return {
    id,
    object: 'response',
    created_at: created(),
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model: p.model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: withUsage
      ? {
          input_tokens: p.usage.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: p.usage.outputTokens,
          output_tokens_details: { reasoning_tokens: p.usage.reasoningTokens },
          total_tokens: p.usage.inputTokens + p.usage.outputTokens,
        }
      : null,
  };
}

/** Responses API, non-streaming. */
export function responsesResult(p: Plan): Record<string, unknown> {
  return responseObject(p, `resp_${p.id.slice(4)}`, 'completed', responseItems(p), true);
}

/** Responses API events, each with its sequence number, ending with response.completed. */
export function responsesFrames(p: Plan): Frame[] {
  const id = `resp_${p.id.slice(4)}`;
  const items = responseItems(p);
  const frames: Frame[] = [];
  let seq = 0;
  const f = (type: string, data: Record<string, unknown>) =>
    frames.push({ event: type, data: { type, sequence_number: seq++, ...data } });
  f('response.created', { response: responseObject(p, id, 'in_progress', [], false) });
  f('response.in_progress', { response: responseObject(p, id, 'in_progress', [], false) });
  items.forEach((item, output_index) => {
    if (item.type === 'reasoning') {
      const text = p.thinking!.text;
      f('response.output_item.added', { output_index, item: { ...item, summary: [] } });
      f('response.reasoning_summary_part.added', {
        item_id: item.id,
        output_index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
      for (const delta of chunks(text, p.chunkSize))
        f('response.reasoning_summary_text.delta', {
          item_id: item.id,
          output_index,
          summary_index: 0,
          delta,
        });
      f('response.reasoning_summary_text.done', { item_id: item.id, output_index, summary_index: 0, text });
      f('response.reasoning_summary_part.done', {
        item_id: item.id,
        output_index,
        summary_index: 0,
        part: { type: 'summary_text', text },
      });
    } else if (item.type === 'message') {
      const text = p.text ?? '';
      f('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      });
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      f('response.content_part.added', { item_id: item.id, output_index, content_index: 0, part });
      for (const delta of textDeltas(p))
        f('response.output_text.delta', {
          item_id: item.id,
          output_index,
          content_index: 0,
          delta,
          logprobs: [],
        });
      f('response.output_text.done', {
        item_id: item.id,
        output_index,
        content_index: 0,
        text,
        logprobs: [],
      });
      f('response.content_part.done', {
        item_id: item.id,
        output_index,
        content_index: 0,
        part: { ...part, text },
      });
    } else {
      const args = String(item.arguments);
      f('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      });
      for (const delta of chunks(args, p.chunkSize))
        f('response.function_call_arguments.delta', { item_id: item.id, output_index, delta });
      f('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: args });
    }
    f('response.output_item.done', { output_index, item });
  });
  f('response.completed', { response: responseObject(p, id, 'completed', items, true) });
  return frames;
}

export function openAiError(
  type: string,
  message: string,
  code: string | null = null,
): Record<string, unknown> {
  return { error: { message, type, param: null, code } };
}

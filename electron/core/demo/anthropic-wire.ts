import { chunks, textDeltas, type Plan } from './plan.js';

/** An SSE frame: `event:` name and `data:` JSON, as the Anthropic and OpenAI Responses streams send them. */
export interface Frame {
  event?: string;
  data: unknown;
}
/** Frames produced while streaming (long text streams), instead of all up front. */
export interface LazyFrames {
  lazy: Iterable<Frame>;
}
export type FrameItem = Frame | LazyFrames;

export function* expandFrames(items: Iterable<FrameItem>): Generator<Frame> {
  for (const item of items) {
    if ('lazy' in item) yield* item.lazy;
    else yield item;
  }
}

export function sseFrame(f: Frame): string {
  const data = typeof f.data === 'string' ? f.data : JSON.stringify(f.data);
  return `${f.event ? `event: ${f.event}\n` : ''}data: ${data}\n\n`;
}

type Block =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function blocks(p: Plan): Block[] {
  const out: Block[] = [];
  if (p.thinking) out.push({ type: 'thinking', thinking: p.thinking.text, signature: p.thinking.signature });
  if (p.text !== undefined) out.push({ type: 'text', text: p.text });
  for (const t of p.toolUses) out.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input });
  return out;
}

const usage = (p: Plan) => ({
  input_tokens: p.usage.inputTokens,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: p.usage.outputTokens,
});

/** The non-streaming Messages response. */
export function anthropicMessage(p: Plan): Record<string, unknown> {
  return {
    id: p.id,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: blocks(p),
    stop_reason: p.stop,
    stop_sequence: null,
    usage: usage(p),
  };
}

/** The streaming Messages events, in the documented order. */
export function anthropicFrames(p: Plan): FrameItem[] {
  const frames: FrameItem[] = [];
  const f = (event: string, data: Record<string, unknown>) =>
    frames.push({ event, data: { type: event, ...data } });
  f('message_start', {
    message: {
      ...anthropicMessage(p),
      content: [],
      stop_reason: null,
      usage: { ...usage(p), output_tokens: 1 },
    },
  });
  f('ping', {});
  blocks(p).forEach((b, index) => {
    if (b.type === 'thinking') {
      f('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of chunks(b.thinking, p.chunkSize))
        f('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } });
      f('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } });
    } else if (b.type === 'text') {
      f('content_block_start', { index, content_block: { type: 'text', text: '' } });
      frames.push({
        lazy: (function* () {
          for (const text of textDeltas(p))
            yield {
              event: 'content_block_delta',
              data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
            };
        })(),
      });
    } else {
      f('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
      });
      for (const piece of chunks(JSON.stringify(b.input), p.chunkSize))
        f('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    f('content_block_stop', { index });
  });
  f('message_delta', {
    delta: { stop_reason: p.stop, stop_sequence: null },
    usage: { output_tokens: p.usage.outputTokens },
  });
  f('message_stop', {});
  return frames;
}

export function anthropicError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}

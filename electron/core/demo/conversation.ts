/**
 * The demo provider's protocol-neutral view of a conversation. Each wire format (Anthropic
 * Messages, OpenAI Chat Completions, OpenAI Responses) is read into this shape, a script
 * decides the next assistant turn from it, and the turn is written back in the caller's format.
 */

export type Part =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; content: string; isError: boolean };

export interface Message {
  role: 'user' | 'assistant';
  parts: Part[];
}

export interface Conversation {
  model: string;
  system: string;
  messages: Message[];
  /** Names of the tools the caller offered. */
  tools: string[];
  /** Whether the caller asked for thinking / reasoning output. */
  thinking: boolean;
}

/** What a script answers: optional reasoning, optional text, and tool calls. */
export interface Turn {
  thinking?: string;
  text?: string;
  toolUses?: { name: string; input: Record<string, unknown> }[];
  /** Extra output tokens to report (the rogue script burns budget with this). */
  extraOutputTokens?: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return str(content);
  return content
    .map((c) =>
      isObj(c) && typeof c.text === 'string' ? c.text : isObj(c) && 'content' in c ? textOf(c.content) : '',
    )
    .join('');
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools
    .map((t) =>
      isObj(t) ? (typeof t.name === 'string' ? t.name : isObj(t.function) ? str(t.function.name) : '') : '',
    )
    .filter(Boolean);
}

function parseArgs(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? {};
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

export function fromAnthropic(body: Json): Conversation {
  const messages: Message[] = [];
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObj(m)) continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const parts: Part[] = [];
    if (typeof m.content === 'string') parts.push({ type: 'text', text: m.content });
    else if (Array.isArray(m.content)) {
      for (const c of m.content) {
        if (!isObj(c)) continue;
        if (c.type === 'text') parts.push({ type: 'text', text: str(c.text) });
        else if (c.type === 'tool_use')
          parts.push({ type: 'tool_use', id: str(c.id), name: str(c.name), input: c.input });
        else if (c.type === 'tool_result')
          parts.push({
            type: 'tool_result',
            toolUseId: str(c.tool_use_id),
            content: textOf(c.content),
            isError: c.is_error === true,
          });
      }
    }
    messages.push({ role, parts });
  }
  const thinking =
    isObj(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  return {
    model: str(body.model),
    system: textOf(body.system),
    messages,
    tools: toolNames(body.tools),
    thinking,
  };
}

export function fromOpenAiChat(body: Json): Conversation {
  const messages: Message[] = [];
  let system = '';
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObj(m)) continue;
    if (m.role === 'system' || m.role === 'developer') system += textOf(m.content);
    else if (m.role === 'tool')
      messages.push({
        role: 'user',
        parts: [
          { type: 'tool_result', toolUseId: str(m.tool_call_id), content: textOf(m.content), isError: false },
        ],
      });
    else if (m.role === 'assistant') {
      const parts: Part[] = [];
      if (m.content) parts.push({ type: 'text', text: textOf(m.content) });
      for (const tc of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
        if (isObj(tc) && isObj(tc.function))
          parts.push({
            type: 'tool_use',
            id: str(tc.id),
            name: str(tc.function.name),
            input: parseArgs(tc.function.arguments),
          });
      }
      messages.push({ role: 'assistant', parts });
    } else messages.push({ role: 'user', parts: [{ type: 'text', text: textOf(m.content) }] });
  }
  const thinking = typeof body.reasoning_effort === 'string' && body.reasoning_effort !== 'none';
  return { model: str(body.model), system, messages, tools: toolNames(body.tools), thinking };
}

export function fromOpenAiResponses(body: Json): Conversation {
  const messages: Message[] = [];
  let system = typeof body.instructions === 'string' ? body.instructions : '';
  const push = (role: Message['role'], part: Part) => {
    const last = messages.at(-1);
    if (last && last.role === role) last.parts.push(part);
    else messages.push({ role, parts: [part] });
  };
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  for (const item of Array.isArray(input) ? input : []) {
    if (!isObj(item)) continue;
    if (item.type === 'function_call')
      push('assistant', {
        type: 'tool_use',
        id: str(item.call_id),
        name: str(item.name),
        input: parseArgs(item.arguments),
      });
    else if (item.type === 'function_call_output')
      push('user', {
        type: 'tool_result',
        toolUseId: str(item.call_id),
        content: textOf(item.output),
        isError: false,
      });
    else if (item.role === 'system' || item.role === 'developer') system += textOf(item.content);
    else if (item.role === 'assistant') push('assistant', { type: 'text', text: textOf(item.content) });
    else if (item.role === 'user') push('user', { type: 'text', text: textOf(item.content) });
  }
  const thinking = isObj(body.reasoning) && body.reasoning.effort !== 'none';
  return { model: str(body.model), system, messages, tools: toolNames(body.tools), thinking };
}

/** The tool results so far, in order (a script's memory of what happened). */
export function toolResults(
  c: Conversation,
): { name: string; input: unknown; content: string; isError: boolean }[] {
  const calls = new Map<string, { name: string; input: unknown }>();
  const out: { name: string; input: unknown; content: string; isError: boolean }[] = [];
  for (const m of c.messages)
    for (const p of m.parts) {
      if (p.type === 'tool_use') calls.set(p.id, { name: p.name, input: p.input });
      else if (p.type === 'tool_result') {
        const call = calls.get(p.toolUseId) ?? { name: 'unknown', input: {} };
        out.push({ ...call, content: p.content, isError: p.isError });
      }
    }
  return out;
}

/** A rough token count (4 characters a token), stable for the same text. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function conversationText(c: Conversation): string {
  return (
    c.system +
    c.messages
      .flatMap((m) => m.parts)
      .map((p) =>
        p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : JSON.stringify(p.input),
      )
      .join('\n')
  );
}

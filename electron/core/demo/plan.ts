import { randomBytes } from 'node:crypto';
import { conversationText, estimateTokens, type Conversation, type Turn } from './conversation.js';

/** One assistant turn, ready to be written in any wire format. */
export interface Plan {
  id: string;
  model: string;
  thinking?: { text: string; signature: string };
  text?: string;
  toolUses: { id: string; name: string; input: Record<string, unknown> }[];
  stop: 'end_turn' | 'tool_use';
  usage: { inputTokens: number; outputTokens: number; reasoningTokens: number };
  /** About how many characters each streamed delta carries. */
  chunkSize: number;
  /**
   * The text's stream deltas, when the script chose them: the slow model streams word by word,
   * generated lazily so thousands of long streams do not sit in memory as frame objects.
   */
  textPieces?: () => Iterable<string>;
}

export function textDeltas(p: Plan): Iterable<string> {
  return p.textPieces ? p.textPieces() : chunks(p.text ?? '', p.chunkSize);
}

export const newId = (prefix: string, bytes = 12) => `${prefix}${randomBytes(bytes).toString('hex')}`;

export function planTurn(c: Conversation, turn: Turn, chunkSize = 24): Plan {
  // Thinking is only emitted when the caller asked for it, as the real APIs do.
  const thinking = c.thinking && turn.thinking ? turn.thinking : undefined;
  const toolUses = (turn.toolUses ?? []).map((t) => ({ id: newId('toolu_'), name: t.name, input: t.input }));
  const text = turn.text ?? (toolUses.length ? undefined : '');
  const reasoningTokens = thinking ? estimateTokens(thinking) : 0;
  const outputTokens =
    estimateTokens((text ?? '') + JSON.stringify(toolUses.map((t) => t.input))) +
    reasoningTokens +
    (turn.extraOutputTokens ?? 0);
  return {
    id: newId('msg_'),
    model: c.model,
    ...(thinking ? { thinking: { text: thinking, signature: randomBytes(48).toString('base64') } } : {}),
    ...(text !== undefined ? { text } : {}),
    toolUses,
    stop: toolUses.length ? 'tool_use' : 'end_turn',
    usage: { inputTokens: estimateTokens(conversationText(c)), outputTokens, reasoningTokens },
    chunkSize,
  };
}

/** Splits text into stream deltas of about `size` characters, on word boundaries where possible. */
export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let cut = rest.lastIndexOf(' ', size);
    if (cut <= 0) cut = size;
    else cut += 1;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length || !out.length) out.push(rest);
  return out;
}

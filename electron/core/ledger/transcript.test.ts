import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../shared/events.js';
import { buildTranscript } from './transcript.js';

let seq = 0;
const ev = (kind: LedgerEvent['kind'], payload: unknown): LedgerEvent => ({
  id: `e${++seq}`,
  seq,
  ts: new Date(1_700_000_000_000 + seq).toISOString(),
  hash: 'h',
  kind,
  payload,
});

describe('buildTranscript', () => {
  it('shows a user turn once when an input event carries it as text and in its messages', () => {
    const first = [{ role: 'user', content: 'please tidy the workspace' }];
    const items = buildTranscript([
      ev('input', { text: 'please tidy the workspace', messages: first }),
      ev('output', { text: 'Looking.' }),
      // the next call resends the history and adds a turn
      ev('input', {
        text: 'thanks',
        messages: [...first, { role: 'assistant', content: 'Looking.' }, { role: 'user', content: 'thanks' }],
      }),
    ]);
    expect(items.filter((i) => i.type === 'user').map((i) => ('text' in i ? i.text : ''))).toEqual([
      'please tidy the workspace',
      'thanks',
    ]);
    expect(items.filter((i) => i.type === 'assistant')).toHaveLength(1);
  });

  it('leaves out empty user turns', () => {
    const items = buildTranscript([ev('input', { text: '', messages: [{ role: 'user', content: '  ' }] })]);
    expect(items).toEqual([]);
  });

  it('shows a tool result once when the adapter records it and the next input resends it (Anthropic)', () => {
    const use = { type: 'tool_use', id: 'tu_1', name: 'read_file', input: { path: 'a.txt' } };
    const result = { type: 'tool_result', tool_use_id: 'tu_1', content: 'hello' };
    const items = buildTranscript([
      ev('input', { text: 'read a.txt', messages: [{ role: 'user', content: 'read a.txt' }] }),
      ev('tool_call', { id: 'tu_1', name: 'read_file', arguments: { path: 'a.txt' } }),
      // next request: the adapter's context event for the result, then the input resending it
      ev('context', { source: 'tool_result', id: 'tu_1', result: 'hello' }),
      ev('input', {
        text: '',
        messages: [
          { role: 'user', content: 'read a.txt' },
          { role: 'assistant', content: [use] },
          { role: 'user', content: [result] },
        ],
      }),
      // and the one after resends it again
      ev('input', {
        text: 'ok',
        messages: [
          { role: 'user', content: [result] },
          { role: 'user', content: 'ok' },
        ],
      }),
    ]);
    expect(items.filter((i) => i.type === 'tool_result')).toEqual([]);
    expect(items.filter((i) => i.type === 'tool_call')).toMatchObject([{ callId: 'tu_1', result: 'hello' }]);
  });

  it('keeps a result whose call is not in the run, once', () => {
    const result = { type: 'tool_result', tool_use_id: 'tu_9', content: 'from before' };
    const items = buildTranscript([
      ev('context', { source: 'tool_result', id: 'tu_9', result: 'from before' }),
      ev('input', { text: '', messages: [{ role: 'user', content: [result] }] }),
    ]);
    expect(items.filter((i) => i.type === 'tool_result')).toMatchObject([
      { callId: 'tu_9', result: 'from before' },
    ]);
  });

  it('a call recorded with its result does not show it again when history resends it', () => {
    const items = buildTranscript([
      ev('tool_call', { id: 'call_1', name: 'search', arguments: { q: 'x' }, result: 'found' }),
      ev('input', { text: '', messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'found' }] }),
    ]);
    expect(items.filter((i) => i.type === 'tool_result')).toEqual([]);
    expect(items.filter((i) => i.type === 'tool_call')).toMatchObject([
      { callId: 'call_1', result: 'found' },
    ]);
  });
});

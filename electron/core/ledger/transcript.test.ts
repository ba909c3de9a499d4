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
});

import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../../shared/events.js';
import { addLive, addPage, emptyTimeline, rowsOf } from './timeline-model.js';

const ev = (seq: number): LedgerEvent => ({
  id: `e${seq}`,
  seq,
  ts: new Date(seq).toISOString(),
  hash: 'h',
  kind: 'request',
  run: 'r',
});
const seqs = (xs: LedgerEvent[]) => xs.map((e) => e.seq);

describe('timeline model', () => {
  it('appends live events to a complete head, dropping duplicates', () => {
    let m = addPage(emptyTimeline(), [ev(1), ev(2)], undefined);
    m = addLive(m, [ev(2), ev(3)]);
    m = addLive(m, [ev(3), ev(4)]);
    expect(seqs(m.head)).toEqual([1, 2, 3, 4]);
    expect(m.tail).toEqual([]);
  });

  it('keeps a gap between a partial head and the live tail until the pages catch up', () => {
    let m = addPage(emptyTimeline(), [ev(1), ev(2)], 'c1');
    m = addLive(m, [ev(10), ev(11)]);
    const rows = rowsOf(m);
    expect(rows.count).toBe(5);
    expect(rows.at(2)).toEqual({ type: 'gap' });
    expect(rows.at(3)).toEqual({ type: 'event', event: ev(10) });
    m = addPage(m, [ev(3), ev(4), ev(5), ev(6), ev(7), ev(8), ev(9), ev(10)], undefined);
    expect(seqs(m.head)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rowsOf(m).count).toBe(11);
  });
});

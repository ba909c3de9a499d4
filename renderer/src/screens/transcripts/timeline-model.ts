import type { LedgerEvent } from '../../../../shared/events.js';

/**
 * A run's events as the timeline shows them: the head read page by page from the start, and the
 * tail that arrived live. While the head has not caught up there is a gap between them.
 */
export interface TimelineModel {
  head: LedgerEvent[];
  tail: LedgerEvent[];
  /** More pages to read after the head. */
  nextCursor: string | undefined;
  headDone: boolean;
}

export const emptyTimeline = (): TimelineModel => ({
  head: [],
  tail: [],
  nextCursor: undefined,
  headDone: false,
});

export function addPage(
  m: TimelineModel,
  items: LedgerEvent[],
  nextCursor: string | undefined,
): TimelineModel {
  const lastSeq = m.head.at(-1)?.seq ?? -Infinity;
  const head = m.head.concat(items.filter((e) => e.seq > lastSeq));
  const headDone = nextCursor === undefined;
  return merge({ head, tail: m.tail, nextCursor, headDone });
}

export function addLive(m: TimelineModel, events: LedgerEvent[]): TimelineModel {
  if (events.length === 0) return m;
  const last = Math.max(m.head.at(-1)?.seq ?? -Infinity, m.tail.at(-1)?.seq ?? -Infinity);
  const fresh = events.filter((e) => e.seq > last).sort((a, b) => a.seq - b.seq);
  if (fresh.length === 0) return m;
  // Once the head is complete, live events simply extend it.
  if (m.headDone && m.tail.length === 0) return { ...m, head: m.head.concat(fresh) };
  return merge({ ...m, tail: m.tail.concat(fresh) });
}

/** Joins head and tail once the head has read up to where the tail starts. */
function merge(m: TimelineModel): TimelineModel {
  if (m.tail.length === 0) return m;
  const headLast = m.head.at(-1)?.seq ?? -Infinity;
  if (m.headDone || headLast >= m.tail[0]!.seq - 1) {
    return { ...m, head: m.head.concat(m.tail.filter((e) => e.seq > headLast)), tail: [] };
  }
  return m;
}

export type TimelineRow = { type: 'event'; event: LedgerEvent } | { type: 'gap' };

export function rowsOf(m: TimelineModel): { count: number; at(i: number): TimelineRow } {
  const gap = m.tail.length > 0 ? 1 : 0;
  const count = m.head.length + gap + m.tail.length;
  return {
    count,
    at(i) {
      if (i < m.head.length) return { type: 'event', event: m.head[i]! };
      if (gap && i === m.head.length) return { type: 'gap' };
      return { type: 'event', event: m.tail[i - m.head.length - gap]! };
    },
  };
}

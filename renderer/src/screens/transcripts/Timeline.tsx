import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LedgerEvent } from '../../../../shared/events.js';
import { call } from '../../api/client.js';
import { useLedgerEvents } from '../../api/hooks.js';
import { ErrorState } from '../../components/states.js';
import { eventLine, fmtTime, kindTone } from './format.js';
import { addLive, addPage, emptyTimeline, rowsOf, type TimelineModel } from './timeline-model.js';

const ROW = 28;
const PAGE = 1000;

/**
 * Every event of a run, virtualised: pages are read from the start as the list scrolls, live
 * events are added as they arrive (batched per animation frame), and the list follows the end
 * while the person is there.
 */
export function Timeline({
  run,
  selected,
  onSelect,
  onReady,
}: {
  run: string;
  selected?: string;
  onSelect: (id: string) => void;
  /** Called once the first page is on screen (the run view then asks for its totals). */
  onReady?: () => void;
}) {
  const [model, setModel] = useState<TimelineModel>(emptyTimeline);
  const [error, setError] = useState<Error | null>(null);
  const [follow, setFollow] = useState(true);
  const loading = useRef(false);
  const pending = useRef<LedgerEvent[]>([]);
  const frame = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;

  const loadMore = useCallback(
    async (cursor: string | undefined, first = false) => {
      if (loading.current) return;
      loading.current = true;
      try {
        const page = await call('audit.timeline', { run, limit: PAGE, ...(cursor ? { cursor } : {}) });
        setModel((m) => addPage(first ? emptyTimeline() : m, page.items, page.nextCursor));
        setError(null);
        if (first) {
          // A long run opens at its start; "Follow live" then shows the live tail after a gap.
          if (page.nextCursor) setFollow(false);
          onReadyRef.current?.();
        }
      } catch (e) {
        setError(e as Error);
      } finally {
        loading.current = false;
      }
    },
    [run],
  );

  useEffect(() => {
    setModel(emptyTimeline());
    void loadMore(undefined, true);
  }, [loadMore]);

  useLedgerEvents(
    useCallback(
      (events: LedgerEvent[]) => {
        for (const e of events) if (e.run === run) pending.current.push(e);
        // The ledger delivers in bursts (group commits). Released at most a screenful per frame,
        // every row of a burst is on screen for at least one frame instead of jumping past
        // unseen; a backlog beyond a few screens is released at once so the view never lags.
        const release = () => {
          frame.current = 0;
          const screen = Math.max(1, Math.floor((box.current?.clientHeight ?? 600) / ROW) - 1);
          const n = pending.current.length > 4 * screen ? pending.current.length : screen;
          const batch = pending.current.splice(0, n);
          setModel((m) => addLive(m, batch));
          if (pending.current.length) frame.current = requestAnimationFrame(release);
        };
        if (pending.current.length && !frame.current) frame.current = requestAnimationFrame(release);
      },
      [run],
    ),
  );
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const pick = useCallback(
    (id: string) => {
      setFollow(false);
      onSelect(id);
    },
    [onSelect],
  );
  const rows = rowsOf(model);
  const virtualizer = useVirtualizer({
    count: rows.count,
    getScrollElement: () => box.current,
    estimateSize: () => ROW,
    overscan: 20,
  });
  // Following live, the newest rows are rendered directly and the list is pinned to the end
  // before paint, so a new event is on screen in the frame it arrives (the virtualizer's own
  // range would lag one scroll event behind).
  const visibleRows = Math.ceil((box.current?.clientHeight ?? 900) / ROW) + 8;
  const items = follow
    ? Array.from({ length: Math.min(rows.count, visibleRows) }, (_, k) => {
        const index = rows.count - Math.min(rows.count, visibleRows) + k;
        return { index, start: index * ROW };
      })
    : virtualizer.getVirtualItems();

  // Read the next page when the person scrolls near the end of what is loaded.
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (!follow && !model.headDone && model.nextCursor && lastIndex >= model.head.length - 200)
      void loadMore(model.nextCursor);
  }, [follow, lastIndex, model.headDone, model.nextCursor, model.head.length, loadMore]);

  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [follow, rows.count]);

  const selIndex = selected ? model.head.findIndex((e) => e.id === selected) : -1;
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const next = Math.max(0, Math.min(model.head.length - 1, selIndex + (e.key === 'ArrowDown' ? 1 : -1)));
    const ev = model.head[next];
    if (ev) {
      setFollow(false);
      onSelect(ev.id);
      virtualizer.scrollToIndex(next);
    }
  };

  if (error && model.head.length === 0)
    return <ErrorState error={error} retry={() => void loadMore(undefined, true)} />;
  return (
    <div className="stack">
      <div className="row small">
        <span data-testid="timeline-count">
          {rows.count.toLocaleString()} event(s){model.headDone ? '' : ' loaded'}
        </span>
        <label className="row right">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow live
        </label>
      </div>
      <div
        ref={box}
        className="vlist"
        style={{ height: 'calc(100vh - 300px)', minHeight: 240 }}
        role="listbox"
        aria-label="Run events"
        tabIndex={0}
        onKeyDown={onKey}
        onWheel={(e) => {
          if (e.deltaY < 0) setFollow(false);
        }}
        onScroll={() => {
          const el = box.current;
          // Back at the end of a complete run: follow again.
          if (el && model.headDone && el.scrollHeight - el.scrollTop - el.clientHeight < ROW) setFollow(true);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((vi) => {
            const row = rows.at(vi.index);
            if (row.type === 'gap')
              return (
                <div key="gap" className="vrow muted" style={{ top: vi.start, height: ROW }}>
                  … older events still loading; newest below
                </div>
              );
            const e = row.event;
            return (
              <EventRow key={e.id} event={e} top={vi.start} selected={e.id === selected} onPick={pick} />
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** One row; memoised so scrolling renders only the rows that come into view. */
const EventRow = memo(function EventRow({
  event: e,
  top,
  selected,
  onPick,
}: {
  event: LedgerEvent;
  top: number;
  selected: boolean;
  onPick: (id: string) => void;
}) {
  return (
    <div
      className="vrow"
      role="option"
      aria-selected={selected}
      data-event-id={e.id}
      style={{ top, height: ROW }}
      onClick={() => onPick(e.id)}
    >
      <span className="cell mono small muted" style={{ width: 124, flex: 'none' }}>
        {fmtTime(e.ts)}
      </span>
      <span className={`cell pill ${kindTone(e)}`} style={{ width: 84, justifyContent: 'center' }}>
        {e.kind}
      </span>
      <span className="cell small" style={{ width: 110 }}>
        {e.agent ?? ''}
      </span>
      <span className="cell" style={{ flex: 1 }}>
        {eventLine(e)}
      </span>
      {e.latencyMs !== undefined ? (
        <span className="cell small muted">{Math.round(e.latencyMs)} ms</span>
      ) : null}
    </div>
  );
});

import { useEffect, useRef, useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RunTotalsDto } from '../../../../shared/api/audit.js';
import { call } from '../../api/client.js';
import { useAvailable } from '../../api/hooks.js';
import type { ApiError } from '../../api/errors.js';
import { Empty, ErrorState, Loading, NotAvailable } from '../../components/states.js';
import { useRouter } from '../../state/router.js';
import { fmtMs, fmtUsd } from './format.js';
import { SearchResults } from './SearchResults.js';

const ROW = 34;

export function RunsList() {
  const ok = useAvailable('audit.runs');
  const go = useRouter((r) => r.go);
  const [agent, setAgent] = useState('');
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const runs = useInfiniteQuery<{ items: RunTotalsDto[]; nextCursor?: string }, ApiError>({
    queryKey: ['audit.runs', { agent }],
    queryFn: ({ pageParam }) =>
      call('audit.runs', {
        limit: 200,
        ...(agent ? { agent } : {}),
        ...(pageParam ? { cursor: pageParam as string } : {}),
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    enabled: ok === true,
  });
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const box = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  const vis = virtualizer.getVirtualItems();
  const last = vis.at(-1)?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = runs;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && last > items.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, last, items.length]);

  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  if (ok === false) return <NotAvailable what="Transcripts" procedures={['audit.runs']} />;
  return (
    <div className="stack">
      <form
        className="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <input
          type="search"
          placeholder="Search prompts, outputs, tool calls…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-label="Search transcripts"
          style={{ flex: 1 }}
        />
        <input
          type="text"
          placeholder="agent id"
          value={agent}
          onChange={(e) => setAgent(e.target.value)}
          aria-label="Filter by agent"
        />
        <button className="btn primary" type="submit">
          Search
        </button>
        {query ? (
          <button className="btn" type="button" onClick={() => (setQuery(''), setQ(''))}>
            Clear
          </button>
        ) : null}
        <button
          className="btn"
          type="button"
          disabled={picked.length !== 2}
          onClick={() => go('transcripts', 'compare', picked[0]!, picked[1]!)}
        >
          Compare {picked.length}/2
        </button>
      </form>
      <CompareAgents />
      {query ? <SearchResults q={query} agent={agent} /> : null}
      {runs.error ? <ErrorState error={runs.error} retry={() => void runs.refetch()} /> : null}
      {runs.isPending ? <Loading what="Loading runs" /> : null}
      {!runs.isPending && items.length === 0 && !runs.error ? (
        <Empty>No runs recorded yet. Start an agent and its run appears here live.</Empty>
      ) : null}
      {items.length ? (
        <>
          <div className="row small muted" style={{ padding: '0 10px' }}>
            <span style={{ width: 24 }} />
            <span style={{ width: 220 }}>Run</span>
            <span style={{ width: 120 }}>Agent</span>
            <span style={{ width: 150 }}>Started</span>
            <span style={{ width: 70 }}>Events</span>
            <span style={{ width: 80 }}>Tokens</span>
            <span style={{ width: 80 }}>Cost</span>
            <span style={{ width: 70 }}>Denials</span>
            <span>Duration</span>
          </div>
          <div
            ref={box}
            className="vlist"
            style={{ height: 'calc(100vh - 260px)', minHeight: 200 }}
            role="list"
            aria-label="Runs"
          >
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {vis.map((v) => {
                const r = items[v.index]!;
                return (
                  <div
                    key={r.run}
                    role="listitem"
                    className="vrow"
                    style={{ top: v.start, height: ROW }}
                    data-run={r.run}
                  >
                    <input
                      type="checkbox"
                      checked={picked.includes(r.run)}
                      onChange={() => toggle(r.run)}
                      aria-label={`Pick ${r.run} to compare`}
                    />
                    <a
                      className="cell mono small"
                      style={{ width: 220 }}
                      href={`#/transcripts/run/${encodeURIComponent(r.run)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        go('transcripts', 'run', r.run);
                      }}
                    >
                      {r.run}
                    </a>
                    <span className="cell" style={{ width: 120 }}>
                      {r.agent ?? '—'}
                    </span>
                    <span className="cell small" style={{ width: 150 }}>
                      {new Date(r.startedAt).toLocaleString()}
                    </span>
                    <span className="cell" style={{ width: 70 }}>
                      {r.events}
                    </span>
                    <span className="cell" style={{ width: 80 }}>
                      {r.tokens.toLocaleString()}
                    </span>
                    <span className="cell" style={{ width: 80 }}>
                      {fmtUsd(r.costUsd)}
                    </span>
                    <span className="cell" style={{ width: 70, color: r.denials ? 'var(--bad)' : undefined }}>
                      {r.denials}
                    </span>
                    <span className="cell small">{fmtMs(r.durationMs)}</span>
                  </div>
                );
              })}
            </div>
          </div>
        </>
      ) : null}
    </div>
  );
}

/** Two agents (e.g. two versions of one agent) compared over all their runs. */
function CompareAgents() {
  const go = useRouter((r) => r.go);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  return (
    <details>
      <summary className="small">Compare two agents or agent versions…</summary>
      <form
        className="row"
        style={{ marginTop: 6 }}
        onSubmit={(e) => {
          e.preventDefault();
          if (a && b) go('transcripts', 'compare-agents', a, b);
        }}
      >
        <input
          type="text"
          placeholder="agent A"
          value={a}
          onChange={(e) => setA(e.target.value)}
          aria-label="Agent A"
        />
        <input
          type="text"
          placeholder="agent B"
          value={b}
          onChange={(e) => setB(e.target.value)}
          aria-label="Agent B"
        />
        <button className="btn" type="submit" disabled={!a || !b}>
          Compare agents
        </button>
      </form>
    </details>
  );
}

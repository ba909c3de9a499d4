import { useCallback, useEffect, useState } from 'react';
import { useQueryClient, type InfiniteData } from '@tanstack/react-query';
import type { RunTotalsDto } from '../../../../shared/api/audit.js';
import { useAvailable, useProc } from '../../api/hooks.js';
import { useRouter } from '../../state/router.js';
import { useUi } from '../../state/ui.js';
import { Conversation } from './Conversation.js';
import { EventDetail } from './EventDetail.js';
import { exportRun } from './exportRun.js';
import { fmtMs, fmtUsd } from './format.js';
import { Replay } from './Replay.js';
import { Timeline } from './Timeline.js';

type Tab = 'conversation' | 'timeline' | 'replay';

const tabs: readonly Tab[] = ['conversation', 'timeline', 'replay'];
const LONG_RUN = 5000;

/** The run's totals as the runs list already has them (no request), if the list was seen. */
function useListedTotals(run: string): RunTotalsDto | undefined {
  const queries = useQueryClient();
  const [found] = useState(() => {
    for (const [, data] of queries.getQueriesData<InfiniteData<{ items: RunTotalsDto[] }>>({
      queryKey: ['audit.runs'],
    })) {
      const hit = data?.pages?.flatMap((p) => p.items).find((r) => r.run === run);
      if (hit) return hit;
    }
    return undefined;
  });
  return found;
}

export function RunView({
  run,
  initialTab,
  initialEvent,
}: {
  run: string;
  initialTab?: string;
  initialEvent?: string;
}) {
  const go = useRouter((r) => r.go);
  const toast = useUi((s) => s.toast);
  const listed = useListedTotals(run);
  // A long run opens on its (paged, virtualised) timeline; a short one reads as a conversation.
  const [tab, setTab] = useState<Tab>(
    tabs.find((t) => t === initialTab) ?? ((listed?.events ?? 0) > LONG_RUN ? 'timeline' : 'conversation'),
  );
  const [selected, setSelected] = useState<string | undefined>(initialEvent);
  const [other, setOther] = useState('');
  const runOk = useAvailable('audit.run');
  // Totals (and the call tree behind them) are the costliest read of a long run: ask once the
  // main view is on screen, so opening a 100k-event run paints its first rows first.
  const [wantTotals, setWantTotals] = useState(false);
  const ready = useCallback(() => setWantTotals(true), []);
  useEffect(() => {
    const t = setTimeout(() => setWantTotals(true), 3000);
    return () => clearTimeout(t);
  }, []);
  const totals = useProc('audit.run', { run }, { keepPrevious: true, enabled: wantTotals });
  const t = totals.data?.run ?? listed;
  return (
    <div className="stack">
      <div className="row">
        <button className="btn small" onClick={() => go('transcripts')}>
          ← All runs
        </button>
        <h2 style={{ margin: 0 }}>
          Run <code>{run}</code>
        </h2>
        {t ? (
          <span className={`pill ${t.outcome === 'ok' ? 'ok' : t.denials || t.errors ? 'bad' : ''}`}>
            {t.outcome}
          </span>
        ) : null}
        <span className="right row">
          <button
            className="btn small"
            onClick={() =>
              exportRun(run).then(
                (n) => toast('ok', `Exported ${n} event(s) as JSONL.`),
                (e: Error) => toast('error', `Export failed: ${e.message}`),
              )
            }
          >
            Export JSONL
          </button>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (other) go('transcripts', 'compare', run, other);
            }}
          >
            <input
              type="text"
              placeholder="other run id"
              value={other}
              onChange={(e) => setOther(e.target.value)}
              aria-label="Run to compare with"
            />
            <button className="btn small" type="submit" disabled={!other}>
              Compare
            </button>
          </form>
        </span>
      </div>
      {t ? (
        <div className="row small muted" data-testid="run-totals">
          <span>{t.agent ?? 'unknown agent'}</span>·<span>{t.events.toLocaleString()} events</span>·
          <span>{t.llmCalls} LLM calls</span>·<span>{t.toolCalls} tool calls</span>·
          <span>{t.tokens.toLocaleString()} tokens</span>·<span>{fmtUsd(t.costUsd)}</span>·
          <span style={{ color: t.denials ? 'var(--bad)' : undefined }}>{t.denials} denials</span>·
          <span>{t.errors} errors</span>·<span>{fmtMs(t.durationMs)}</span>
        </div>
      ) : runOk === false ? null : totals.error ? (
        <div className="small muted">Totals unavailable: {totals.error.message}</div>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Run views">
        {(
          [
            ['conversation', 'Conversation'],
            ['timeline', 'Timeline'],
            ['replay', 'Replay'],
          ] as [Tab, string][]
        ).map(([id, label]) => (
          <button key={id} role="tab" aria-selected={tab === id} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div
        style={{
          display: 'grid',
          gridTemplateColumns: selected ? 'minmax(0, 3fr) minmax(280px, 2fr)' : '1fr',
          gap: 12,
        }}
      >
        <div style={{ minWidth: 0 }}>
          {tab === 'conversation' ? <Conversation run={run} onSelect={setSelected} onReady={ready} /> : null}
          {tab === 'timeline' ? (
            <Timeline run={run} selected={selected} onSelect={setSelected} onReady={ready} />
          ) : null}
          {tab === 'replay' ? <Replay run={run} /> : null}
        </div>
        {selected ? <EventDetail id={selected} onClose={() => setSelected(undefined)} /> : null}
      </div>
    </div>
  );
}

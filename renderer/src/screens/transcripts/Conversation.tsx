import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { TranscriptItemDto } from '../../../../shared/api/audit.js';
import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { fmtMs, fmtTime, fmtUsd } from './format.js';
import { useRunLive } from './useRunLive.js';

const json = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function Item({ it, onSelect }: { it: TranscriptItemDto; onSelect?: (id: string) => void }) {
  const meta = (
    <div className="meta">
      <span>{fmtTime(it.ts)}</span>
      {it.operation ? <span className="mono">{it.operation}</span> : null}
      {it.latencyMs !== undefined ? <span>{fmtMs(it.latencyMs)}</span> : null}
      {it.inputTokens !== undefined || it.outputTokens !== undefined ? (
        <span>
          {it.inputTokens ?? 0}→{it.outputTokens ?? 0} tok
        </span>
      ) : null}
      {it.costUsd !== undefined ? <span>{fmtUsd(it.costUsd)}</span> : null}
      {onSelect ? (
        <button className="btn small" onClick={() => onSelect(it.eventId)} aria-label="Show event detail">
          detail
        </button>
      ) : null}
    </div>
  );
  switch (it.type) {
    case 'system':
      return (
        <div className="ev" data-type="system">
          <strong>System prompt</strong>
          <pre className="raw">{it.text}</pre>
          {meta}
        </div>
      );
    case 'user':
      // Tool results come back as user turns; they are shown as tool_result items instead.
      if (!it.text) return null;
      return (
        <div className="ev" data-type="user">
          <strong>User</strong>
          <div style={{ whiteSpace: 'pre-wrap' }}>{it.text}</div>
          {meta}
        </div>
      );
    case 'assistant':
      return (
        <div className="ev allow" data-type="assistant">
          <strong>Assistant</strong>
          <div style={{ whiteSpace: 'pre-wrap' }}>{it.text}</div>
          {meta}
        </div>
      );
    case 'reasoning':
      return (
        <details className="ev" data-type="reasoning">
          <summary className="muted">Reasoning</summary>
          <div style={{ whiteSpace: 'pre-wrap' }} className="muted">
            {it.text}
          </div>
          {meta}
        </details>
      );
    case 'tool_call':
      return (
        <div className="ev approve" data-type="tool_call">
          <strong>Tool call</strong> <code>{it.name}</code>
          {it.arguments !== undefined ? <pre className="raw">{json(it.arguments)}</pre> : null}
          {meta}
        </div>
      );
    case 'tool_result':
      return (
        <div className="ev" data-type="tool_result">
          <strong>Tool result</strong> {it.name ? <code>{it.name}</code> : null}
          <pre className="raw">{json(it.result ?? it.text ?? '')}</pre>
          {meta}
        </div>
      );
    case 'decision':
      return (
        <div
          className={`ev ${it.effect === 'deny' ? 'deny' : it.effect === 'approve' ? 'approve' : 'allow'}`}
          data-type="decision"
        >
          <strong>Policy: {it.effect}</strong> by rule <code>{it.rule}</code>
          {it.reason ? <span className="muted"> — {it.reason}</span> : null}
          {meta}
        </div>
      );
    default: {
      const refused = it.status !== undefined && it.status !== 'ok' && it.type === 'note';
      return (
        <div className={`ev ${refused ? 'deny' : ''}`} data-type={it.type} data-status={it.status}>
          <span className="muted">{it.kind ?? it.type}</span> {it.summary ?? it.text ?? ''}
          {it.status ? <span className={`pill small ${refused ? 'bad' : ''}`}>{it.status}</span> : null}
          {meta}
        </div>
      );
    }
  }
}

/** A run as a conversation, following it live. */
export function Conversation({
  run,
  onSelect,
  onReady,
}: {
  run: string;
  onSelect?: (id: string) => void;
  onReady?: () => void;
}) {
  const ok = useAvailable('audit.transcript');
  const q = useProc('audit.transcript', { run }, { keepPrevious: true });
  useRunLive(run, ['audit.transcript', 'audit.run']);
  const loaded = q.data !== undefined || q.error !== null;
  useEffect(() => {
    if (loaded) onReady?.();
  }, [loaded, onReady]);
  return (
    <QueryView
      query={q}
      available={ok}
      what="The transcript"
      procedures={['audit.transcript']}
      empty="Nothing recorded in this run yet."
      isEmpty={(d) => d.items.length === 0}
    >
      {(d) => (
        <div className="stack" aria-label="Conversation" data-testid="conversation">
          {d.truncated ? (
            <div className="state small">
              Long run: the conversation shows the first part; the Timeline has every event.
            </div>
          ) : null}
          <Progressive
            items={d.items}
            render={(it, i) => <Item key={`${i}-${it.eventId}`} it={it} onSelect={onSelect} />}
          />
        </div>
      )}
    </QueryView>
  );
}

const STEP = 200;

/** Renders a long list 200 items at a time, adding more as the end scrolls into view. */
function Progressive<T>({ items, render }: { items: T[]; render: (item: T, i: number) => ReactNode }) {
  const [shown, setShown] = useState(STEP);
  const sentinel = useRef<HTMLDivElement>(null);
  const more = shown < items.length;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !more) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setShown((n) => n + STEP);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [more, shown]);
  return (
    <>
      {items.slice(0, shown).map(render)}
      {more ? (
        <div ref={sentinel} className="state small">
          {items.length - shown} more…
        </div>
      ) : null}
    </>
  );
}

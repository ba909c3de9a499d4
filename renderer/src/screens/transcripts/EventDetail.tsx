import { useProc, useAvailable } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { fmtTime, fmtUsd } from './format.js';

/** One event in full: its fields and the raw (already redacted) request / response payload. */
export function EventDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const ok = useAvailable('audit.event');
  const q = useProc('audit.event', { id });
  return (
    <section className="card" aria-label="Event detail">
      <div className="row" style={{ marginBottom: 6 }}>
        <h2 style={{ margin: 0 }}>Event</h2>
        <button className="btn small right" onClick={onClose} aria-label="Close event detail">
          ×
        </button>
      </div>
      <QueryView query={q} available={ok} what="Event detail" procedures={['audit.event']}>
        {(e) => (
          <div className="stack">
            <dl className="kv">
              <dt>Kind</dt>
              <dd>{e.kind}</dd>
              <dt>Time</dt>
              <dd>{fmtTime(e.ts)}</dd>
              {e.agent ? (
                <>
                  <dt>Agent</dt>
                  <dd>{e.agent}</dd>
                </>
              ) : null}
              {e.service ? (
                <>
                  <dt>Service</dt>
                  <dd>{e.service}</dd>
                </>
              ) : null}
              {e.operation ? (
                <>
                  <dt>Operation</dt>
                  <dd className="mono">{e.operation}</dd>
                </>
              ) : null}
              {e.decision ? (
                <>
                  <dt>Decision</dt>
                  <dd>
                    {e.decision} · rule <code>{e.rule}</code>
                  </dd>
                </>
              ) : null}
              {e.status ? (
                <>
                  <dt>Status</dt>
                  <dd>{e.status}</dd>
                </>
              ) : null}
              {e.latencyMs !== undefined ? (
                <>
                  <dt>Latency</dt>
                  <dd>{Math.round(e.latencyMs)} ms</dd>
                </>
              ) : null}
              {e.usage ? (
                <>
                  <dt>Tokens</dt>
                  <dd>
                    {e.usage.inputTokens ?? 0} in · {e.usage.outputTokens ?? 0} out
                  </dd>
                </>
              ) : null}
              {e.costUsd !== undefined ? (
                <>
                  <dt>Cost</dt>
                  <dd>{fmtUsd(e.costUsd)}</dd>
                </>
              ) : null}
              <dt>Id</dt>
              <dd className="mono small">
                {e.id} · seq {e.seq}
              </dd>
              <dt>Hash</dt>
              <dd className="mono small">{e.hash}</dd>
            </dl>
            {e.summary ? <p>{e.summary}</p> : null}
            <h3>Raw (redacted)</h3>
            <pre className="raw" aria-label="Raw payload">
              {e.payload === undefined ? '(no payload)' : JSON.stringify(e.payload, null, 2)}
            </pre>
          </div>
        )}
      </QueryView>
    </section>
  );
}

import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useRouter } from '../../state/router.js';
import { Conversation } from './Conversation.js';

/** Two runs (or two agents' runs) side by side: figures with deltas, then both conversations. */
export function Compare({ a, b, by }: { a: string; b: string; by: 'run' | 'agent' }) {
  const ok = useAvailable('audit.compare');
  const go = useRouter((r) => r.go);
  const q = useProc(
    'audit.compare',
    by === 'run' ? { a: { run: a }, b: { run: b } } : { a: { agent: a }, b: { agent: b } },
  );
  return (
    <div className="stack">
      <div className="row">
        <button className="btn small" onClick={() => go('transcripts')}>
          ← All runs
        </button>
        <h2 style={{ margin: 0 }}>
          Compare {by === 'run' ? 'runs' : 'agents'} <code>{a}</code> and <code>{b}</code>
        </h2>
      </div>
      <QueryView query={q} available={ok} what="Compare" procedures={['audit.compare']}>
        {(d) => (
          <table className="list" aria-label="Comparison">
            <thead>
              <tr>
                <th>Metric</th>
                <th>A</th>
                <th>B</th>
                <th>Δ</th>
              </tr>
            </thead>
            <tbody>
              {d.metrics.map((m) => (
                <tr key={m.metric}>
                  <td>{m.metric}</td>
                  <td>{round(m.a)}</td>
                  <td>{round(m.b)}</td>
                  <td style={{ color: m.delta > 0 ? 'var(--warn)' : m.delta < 0 ? 'var(--ok)' : undefined }}>
                    {m.delta > 0 ? '+' : ''}
                    {round(m.delta)}
                    {m.ratio !== undefined ? <span className="muted small"> ({round(m.ratio)}×)</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {by === 'run' ? (
        <div className="split">
          <div>
            <h3>A</h3>
            <Conversation run={a} />
          </div>
          <div>
            <h3>B</h3>
            <Conversation run={b} />
          </div>
        </div>
      ) : null}
    </div>
  );
}

const round = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString() : Number(v.toFixed(4)).toString();

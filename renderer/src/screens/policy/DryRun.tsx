import { useAction, useAvailable } from '../../api/hooks.js';
import { NotAvailable } from '../../components/states.js';

/** Evaluates the draft against recent recorded requests and lists exactly what would change. */
export function DryRun({ draft }: { draft: string }) {
  const ok = useAvailable('policy.test');
  const test = useAction('policy.test');
  if (ok === false) return <NotAvailable what="Dry-run" procedures={['policy.test']} />;
  const r = test.data;
  return (
    <div className="stack">
      <div className="row">
        <button
          className="btn primary"
          onClick={() => test.mutate({ yaml: draft, last: 500 })}
          disabled={test.isPending}
        >
          {test.isPending ? 'Running…' : 'Dry-run the draft on the last 500 requests'}
        </button>
      </div>
      {test.error ? <div className="state error">{test.error.message}</div> : null}
      {r ? (
        <>
          <p data-testid="dryrun-summary">
            {r.evaluated} request(s) evaluated: <strong>{r.changes.length} would change</strong>,{' '}
            {r.unchanged} unchanged.
          </p>
          {r.changes.length ? (
            <table className="list" aria-label="Decisions that would change">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th>Service</th>
                  <th>Operation</th>
                  <th>Now</th>
                  <th>With the draft</th>
                </tr>
              </thead>
              <tbody>
                {r.changes.map((c) => (
                  <tr key={c.index}>
                    <td>{c.agent}</td>
                    <td>{c.service}</td>
                    <td className="mono small">{c.operation}</td>
                    <td>
                      {c.before.effect} <span className="muted small">({c.before.rule})</span>
                    </td>
                    <td>
                      <strong>{c.after.effect}</strong> <span className="muted small">({c.after.rule})</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';

/** Whether the ledger can write, and a tamper check of its hash chain on demand. */
export function LedgerCard() {
  const ok = useAvailable('audit.status');
  const status = useProc('audit.status', {});
  const verifyOk = useAvailable('audit.verify');
  const verify = useAction('audit.verify');
  return (
    <section className="card" aria-labelledby="ledger-h">
      <h3 id="ledger-h">Audit ledger</h3>
      <QueryView query={status} available={ok} what="Ledger status" procedures={['audit.status']}>
        {(s) => (
          <div className="stack">
            <div className="row">
              <span className={`pill ${s.ok ? 'ok' : 'bad'}`}>{s.state}</span>
              <span className="small muted">{s.events.toLocaleString()} events</span>
            </div>
            <dl className="kv">
              <dt>File</dt>
              <dd className="mono small">{s.file}</dd>
              {s.lastCommitAt ? (
                <>
                  <dt>Last commit</dt>
                  <dd>{new Date(s.lastCommitAt).toLocaleString()}</dd>
                </>
              ) : null}
              <dt>Checkpoint</dt>
              <dd>
                seq {s.lastCheckpointSeq}
                {s.checkpointsWaiting ? (
                  <div className="small muted">
                    Waiting for the vault (it holds the signing key): unlock it.
                  </div>
                ) : null}
              </dd>
            </dl>
            {s.problem ? (
              <div className="state error">
                {s.problem}
                {s.fix ? <div className="small">{s.fix}</div> : null}
              </div>
            ) : null}
          </div>
        )}
      </QueryView>
      {verifyOk ? (
        <div className="stack" style={{ marginTop: 10 }}>
          <div>
            <button className="btn" onClick={() => verify.mutate({})} disabled={verify.isPending}>
              {verify.isPending ? 'Verifying…' : 'Verify the hash chain'}
            </button>
          </div>
          {verify.data ? (
            <div
              className={`state ${verify.data.ok ? '' : 'error'}`}
              role="status"
              data-testid="verify-result"
            >
              <strong>{verify.data.message}</strong>
              {verify.data.warnings.map((w) => (
                <div key={w} className="small">
                  {w}
                </div>
              ))}
            </div>
          ) : null}
          {verify.error ? <div className="state error">{verify.error.message}</div> : null}
        </div>
      ) : null}
    </section>
  );
}

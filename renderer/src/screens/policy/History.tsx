import { useState } from 'react';
import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { Confirm } from '../../components/Dialog.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';
import { UnifiedDiff } from './DiffView.js';

export function History({ live }: { live: number | undefined }) {
  const ok = useAvailable('policy.history', 'policy.rollback');
  const history = useProc('policy.history', { limit: 100 });
  const rollback = useAction('policy.rollback');
  const toast = useUi((s) => s.toast);
  const [open, setOpen] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  return (
    <>
      <QueryView
        query={history}
        available={ok}
        what="Policy history"
        procedures={['policy.history']}
        empty="No versions yet."
        isEmpty={(d) => d.versions.length === 0}
      >
        {(d) => (
          <table className="list" aria-label="Policy versions">
            <thead>
              <tr>
                <th>Version</th>
                <th>When</th>
                <th>Who</th>
                <th>Note</th>
                <th>Rules</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.versions.map((v) => (
                <tr key={v.version}>
                  <td>
                    v{v.version} {v.version === live ? <span className="pill ok">live</span> : null}
                    {v.rollbackOf !== null ? (
                      <span className="muted small"> rollback of v{v.rollbackOf}</span>
                    ) : null}
                  </td>
                  <td className="small">{new Date(v.createdAt).toLocaleString()}</td>
                  <td>{v.author}</td>
                  <td>
                    {v.note}
                    {open === v.version ? (
                      <UnifiedDiff label={`Changes in v${v.version}`} lines={v.diff.split('\n')} />
                    ) : null}
                  </td>
                  <td>{v.rules}</td>
                  <td>
                    <div className="row">
                      <button
                        className="btn small"
                        onClick={() => setOpen(open === v.version ? null : v.version)}
                        aria-expanded={open === v.version}
                      >
                        {open === v.version ? 'Hide diff' : 'Diff'}
                      </button>
                      {v.version !== live ? (
                        <button
                          className="btn small"
                          onClick={() => setConfirm(v.version)}
                          aria-label={`Roll back to v${v.version}`}
                        >
                          Roll back
                        </button>
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {confirm !== null ? (
        <Confirm
          title={`Roll back to v${confirm}?`}
          body={<p>Version {confirm} is re-applied as a new version. New requests see it at once.</p>}
          confirmLabel="Roll back"
          danger
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const v = confirm;
            setConfirm(null);
            rollback.mutate(
              { version: v, note: `Rollback to v${v} from the console` },
              {
                onSuccess: (r) => toast('ok', `Policy v${r.version} is live (rollback of v${v}).`),
                onError: (e) => toast('error', e.message),
              },
            );
          }}
        />
      ) : null}
    </>
  );
}

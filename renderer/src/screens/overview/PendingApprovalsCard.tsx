import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useRouter } from '../../state/router.js';
import { describeOperation } from '../approvals/describe.js';

export function PendingApprovalsCard() {
  const ok = useAvailable('approvals.list');
  const q = useProc('approvals.list', {});
  const go = useRouter((r) => r.go);
  return (
    <section className="card" aria-labelledby="pending-h">
      <h3 id="pending-h">Pending approvals</h3>
      <QueryView
        query={q}
        available={ok}
        what="Approvals"
        procedures={['approvals.list']}
        empty="Nothing is waiting for you."
        isEmpty={(d) => d.pending.length === 0}
      >
        {(d) => (
          <ul className="checklist">
            {d.pending.slice(0, 6).map((a) => (
              <li key={a.id}>
                <span className="check" style={{ color: 'var(--warn)' }} aria-hidden="true">
                  ?
                </span>
                <span>
                  <strong>{a.agent.name}</strong> →{' '}
                  <span className="mono small">{describeOperation(a.operation)}</span>
                </span>
              </li>
            ))}
            <li>
              <button className="btn small" onClick={() => go('approvals')}>
                Answer {d.pending.length} on the Approvals screen
              </button>
            </li>
          </ul>
        )}
      </QueryView>
    </section>
  );
}

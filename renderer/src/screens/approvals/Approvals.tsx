import type { PendingApprovalView } from '../../../../shared/api/policy.js';
import { useAction, useAvailable, useNow, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';
import { describeOperation } from './describe.js';

export default function Approvals() {
  const ok = useAvailable('approvals.list', 'approvals.answer');
  const list = useProc('approvals.list', {});
  return (
    <div className="stack">
      <h1>Approvals</h1>
      <p className="muted small">
        Requests a rule holds for a person. Unanswered ones are denied when they time out.
      </p>
      <QueryView
        query={list}
        available={ok}
        what="Approvals"
        procedures={['approvals.list', 'approvals.answer']}
        empty="Nothing is waiting for you."
        isEmpty={(d) => d.pending.length === 0}
      >
        {(d) => (
          <div className="stack">
            {d.pending.map((a) => (
              <ApprovalCard key={a.id} a={a} />
            ))}
          </div>
        )}
      </QueryView>
    </div>
  );
}

export function ApprovalCard({ a, compact = false }: { a: PendingApprovalView; compact?: boolean }) {
  const answer = useAction('approvals.answer');
  const toast = useUi((s) => s.toast);
  const now = useNow(1000);
  const left = Math.max(0, Math.round((Date.parse(a.expiresAt) - now) / 1000));
  const send = (decision: 'approve' | 'deny', scope: 'once' | 'always') =>
    answer.mutate(
      { id: a.id, decision, scope },
      {
        onSuccess: (r) =>
          toast(
            'ok',
            `${r.outcome === 'approved' ? 'Approved' : 'Denied'}${scope === 'always' ? ` always (policy v${r.version ?? '?'})` : ''}.`,
          ),
        onError: (e) => toast('error', e.message),
      },
    );
  return (
    <section className="card" aria-label={`Approval for ${a.agent.name}`} data-testid={`approval-${a.id}`}>
      <div className="row">
        <strong>{a.agent.name}</strong>
        <span className="muted small">({a.agent.template})</span>
        <span>→</span>
        <strong>{a.service.name}</strong>
        <span className="pill warn right">{left}s left</span>
      </div>
      <div className="mono" style={{ margin: '6px 0' }}>
        {describeOperation(a.operation)}
      </div>
      <div>{a.summary}</div>
      {!compact ? (
        <>
          <div className="small muted">
            held by rule <code>{a.rule}</code> at {new Date(a.raisedAt).toLocaleTimeString()}
          </div>
          {a.operation.type === 'mcp' ? (
            <pre className="raw" aria-label="Tool arguments">
              {JSON.stringify(a.operation.arguments, null, 2)}
            </pre>
          ) : null}
          {a.operation.type === 'http' && a.operation.body !== undefined ? (
            <pre className="raw" aria-label="Request body">
              {JSON.stringify(a.operation.body, null, 2)}
            </pre>
          ) : null}
        </>
      ) : null}
      <div className="row" style={{ marginTop: 8 }}>
        <button className="btn primary" disabled={answer.isPending} onClick={() => send('approve', 'once')}>
          Approve once
        </button>
        <button className="btn" disabled={answer.isPending} onClick={() => send('approve', 'always')}>
          Approve always
        </button>
        <button className="btn danger" disabled={answer.isPending} onClick={() => send('deny', 'once')}>
          Deny once
        </button>
        <button className="btn" disabled={answer.isPending} onClick={() => send('deny', 'always')}>
          Deny always
        </button>
      </div>
    </section>
  );
}

import { useAvailable, useProc } from '../api/hooks.js';
import { screens, useRouter } from '../state/router.js';

export function Nav({ pendingApprovals }: { pendingApprovals: number }) {
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  return (
    <nav className="nav" aria-label="Screens">
      {screens.map((s) => (
        <button
          key={s.id}
          aria-current={route.screen === s.id ? 'page' : undefined}
          onClick={() => go(s.id)}
          title={`Alt+${s.key}`}
        >
          <span>{s.label}</span>
          {s.id === 'approvals' && pendingApprovals > 0 ? (
            <span className="badge" aria-label={`${pendingApprovals} pending`}>
              {pendingApprovals}
            </span>
          ) : null}
        </button>
      ))}
      <div className="hint">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> commands
      </div>
    </nav>
  );
}

export function EngineBadge() {
  const available = useAvailable('system.status');
  const status = useProc('system.status', {}, { refetchInterval: 15_000 });
  if (available === false || !status.data) return null;
  const e = status.data.engine;
  return (
    <span
      className={`pill ${e.reachable ? 'ok' : 'bad'}`}
      title={e.reachable ? e.endpoint : (e.problem ?? '')}
    >
      <span className="dot" /> Docker {e.reachable ? 'ready' : 'unreachable'}
    </span>
  );
}

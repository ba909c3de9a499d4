import type { SystemStatus } from '../../../../shared/api/system.js';
import type { VaultStatus } from '../../../../shared/api/vault.js';

export function EngineCard({ status }: { status: SystemStatus }) {
  const e = status.engine;
  return (
    <section className="card" aria-labelledby="engine-h">
      <h3 id="engine-h">Docker engine</h3>
      <div className="row" style={{ marginBottom: 8 }}>
        <span className={`pill ${e.reachable ? 'ok' : 'bad'}`} data-testid="engine-state">
          <span className="dot" /> {e.reachable ? 'Reachable' : 'Not reachable'}
        </span>
        {e.version ? <span className="muted small">Docker {e.version}</span> : null}
      </div>
      <dl className="kv">
        <dt>Endpoint</dt>
        <dd className="mono">{e.endpoint}</dd>
        {e.problem ? (
          <>
            <dt>Problem</dt>
            <dd>{e.problem}</dd>
          </>
        ) : null}
        {e.fix ? (
          <>
            <dt>Fix</dt>
            <dd>
              <code>{e.fix}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {!e.reachable ? (
        <p className="small muted">Sandboxes need a Docker engine; the gateway works without one.</p>
      ) : null}
    </section>
  );
}

export function SystemCard({
  status,
  now,
  vault,
}: {
  status: SystemStatus;
  now: number;
  vault?: VaultStatus;
}) {
  const up = Math.max(0, Math.round((now - Date.parse(status.startedAt)) / 1000));
  return (
    <section className="card" aria-labelledby="system-h">
      <h3 id="system-h">Gatehouse</h3>
      <dl className="kv">
        <dt>Version</dt>
        <dd>
          {status.versions.gatehouse} · Node {status.versions.node}
          {status.versions.electron ? ` · Electron ${status.versions.electron}` : ''}
        </dd>
        <dt>Mode</dt>
        <dd>{status.mode}</dd>
        <dt>Up</dt>
        <dd>{formatDuration(up)}</dd>
        <dt>Data dir</dt>
        <dd className="mono">{status.dataDir}</dd>
        <dt>Vault</dt>
        <dd>
          {vault ? (
            <>
              <span className={`pill ${vault.locked ? 'bad' : 'ok'}`}>
                {vault.locked ? 'locked' : 'unlocked'}
              </span>{' '}
              <span className="small muted">
                key from {vault.keySource} · {vault.credentials} credential(s) · {vault.activeLeases} lease(s)
              </span>
              {vault.problem ? (
                <div className="small" style={{ color: 'var(--bad)' }}>
                  {vault.problem.message}
                </div>
              ) : null}
            </>
          ) : (
            <span className="muted">unknown</span>
          )}
        </dd>
        <dt>Gateway</dt>
        <dd className="mono">{status.gateway?.address ?? <span className="muted">not listening</span>}</dd>
      </dl>
    </section>
  );
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { AddCredential } from './AddCredential.js';
import { CredentialRow } from './CredentialRow.js';
import { Unlock } from './Unlock.js';

export default function Vault() {
  const ok = useAvailable('vault.status', 'vault.list');
  const status = useProc('vault.status', {});
  const list = useProc('vault.list', {});
  const leasesOk = useAvailable('vault.leases');
  const leases = useProc('vault.leases', {});
  return (
    <div className="stack">
      <h1>Vault</h1>
      <div className="grid">
        <section className="card" aria-labelledby="vs-h">
          <h3 id="vs-h">State</h3>
          <QueryView query={status} available={ok} what="The vault" procedures={['vault.status']}>
            {(s) => (
              <>
                <div className="row" style={{ marginBottom: 8 }}>
                  <span className={`pill ${s.locked ? 'bad' : 'ok'}`} data-testid="vault-state">
                    <span className="dot" /> {s.locked ? 'Locked' : 'Unlocked'}
                  </span>
                  <span className="muted small">key from {s.keySource}</span>
                </div>
                <dl className="kv">
                  <dt>Credentials</dt>
                  <dd>{s.credentials}</dd>
                  <dt>Active leases</dt>
                  <dd>{s.activeLeases}</dd>
                </dl>
                {s.problem ? <div className="state error">{s.problem.message}</div> : null}
                {s.warning ? <p className="small muted">{s.warning}</p> : null}
                {s.locked && s.keySource === 'passphrase' ? <Unlock first={!s.initialized} /> : null}
              </>
            )}
          </QueryView>
        </section>
        <section className="card" aria-labelledby="add-h">
          <h3 id="add-h">Add a credential</h3>
          {ok === false ? <p className="muted">Not available in this build.</p> : <AddCredential />}
        </section>
        <section className="card wide" aria-labelledby="creds-h">
          <h3 id="creds-h">Credentials</h3>
          <QueryView
            query={list}
            available={ok}
            what="The credential list"
            procedures={['vault.list']}
            empty="No credentials yet. Add one above; agents never see it."
            isEmpty={(d) => d.credentials.length === 0}
          >
            {(d) => (
              <table className="list" aria-label="Credentials">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>Hint</th>
                    <th>State</th>
                    <th>Leases</th>
                    <th>Updated</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.credentials.map((c) => (
                    <CredentialRow key={c.name} c={c} />
                  ))}
                </tbody>
              </table>
            )}
          </QueryView>
        </section>
        <section className="card wide" aria-labelledby="leases-h">
          <h3 id="leases-h">Leases</h3>
          <QueryView
            query={leases}
            available={leasesOk}
            what="The lease log"
            procedures={['vault.leases']}
            empty="No outstanding leases."
            isEmpty={(d) => d.leases.length === 0}
          >
            {(d) => (
              <table className="list" aria-label="Leases">
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th>Service</th>
                    <th>Credential</th>
                    <th>Operation</th>
                    <th>Scope</th>
                    <th>Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {d.leases.map((l) => (
                    <tr key={l.id}>
                      <td>{l.agent}</td>
                      <td>{l.service}</td>
                      <td>{l.credential}</td>
                      <td className="mono small">{l.operation}</td>
                      <td className="mono small">{l.scope}</td>
                      <td className="small">{new Date(l.expiresAt).toLocaleTimeString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </QueryView>
        </section>
      </div>
    </div>
  );
}

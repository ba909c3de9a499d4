import { useAvailable, useNow, useProc } from '../../api/hooks.js';
import { KillToggle } from '../../components/kill.js';
import { QueryView } from '../../components/states.js';
import { useMetrics } from '../../state/metrics.js';
import { Checklist, type CheckItem } from './Checklist.js';
import { LiveCharts } from './LiveCharts.js';
import { PendingApprovalsCard } from './PendingApprovalsCard.js';
import { ServicesCard } from './ServicesCard.js';
import { DemoCard } from './DemoCard.js';
import { EngineCard, SystemCard } from './SystemCards.js';

export function Overview() {
  const now = useNow(1000);
  const statusOk = useAvailable('system.status');
  const status = useProc('system.status', {}, { refetchInterval: 10_000 });
  const agentsOk = useAvailable('agents.list');
  const agents = useProc('agents.list', {});
  const denials = useMetrics((s) => s.denials);
  const sandboxesOk = useAvailable('sandboxes.list');
  const sandboxes = useProc('sandboxes.list', {}, { enabled: sandboxesOk === true, refetchInterval: 10_000 });
  const sandboxOf = new Map((sandboxes.data ?? []).map((s) => [s.agent, s]));
  const vaultOk = useAvailable('vault.status');
  const vault = useProc('vault.status', {});

  const checks: CheckItem[] = [
    {
      id: 'engine',
      label: 'Docker engine found',
      done: status.data?.engine.reachable,
      hint: status.data?.engine.fix ?? 'Start Docker, or set DOCKER_HOST.',
    },
    {
      id: 'vault',
      label: 'Vault unlocked',
      done: vaultOk === false || !vault.data ? undefined : !vault.data.locked,
      hint:
        vaultOk === false
          ? 'The vault is not available in this build.'
          : (vault.data?.problem?.message ?? 'Unlock it on the Vault screen.'),
    },
    {
      id: 'credential',
      label: 'First credential added',
      done: vaultOk === false || !vault.data ? undefined : vault.data.credentials > 0,
      hint:
        vaultOk === false
          ? 'The vault is not available in this build.'
          : 'Add an API key on the Vault screen.',
    },
    {
      id: 'agent',
      label: 'First agent registered',
      done: agentsOk === false ? undefined : agents.data ? agents.data.length > 0 : undefined,
      hint: 'Create a sandbox, or `gatehouse agent add NAME --host`.',
    },
  ];

  return (
    <div className="stack">
      <h1>Overview</h1>
      <div className="grid">
        <QueryView query={status} available={statusOk} what="System status" procedures={['system.status']}>
          {(s) => <EngineCard status={s} />}
        </QueryView>
        <Checklist items={checks} />
        <DemoCard />
        <QueryView query={status} available={statusOk} what="System status" procedures={['system.status']}>
          {(s) => <SystemCard status={s} now={now} vault={vault.data} />}
        </QueryView>
        <section className="card" aria-labelledby="agents-h">
          <h3 id="agents-h">Agents</h3>
          <QueryView
            query={agents}
            available={agentsOk}
            what="The agent list"
            procedures={['agents.list']}
            empty="No agents yet. Create a sandbox or register a host agent."
          >
            {(list) => (
              <table className="list" aria-label="Agents">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Template</th>
                    <th>Where</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((a) => (
                    <tr key={a.id}>
                      <td>{a.name}</td>
                      <td className="muted">{a.template}</td>
                      <td>
                        {a.sandboxed ? (
                          <span className={`pill ${sandboxOf.get(a.id)?.state === 'running' ? 'ok' : ''}`}>
                            sandbox {sandboxOf.get(a.id)?.state ?? ''}
                          </span>
                        ) : (
                          <span className="pill warn">unsandboxed</span>
                        )}
                      </td>
                      <td>
                        <KillToggle scope={{ kind: 'agent', agent: a.id }} label={a.name} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </QueryView>
        </section>
        <section className="card" aria-labelledby="denials-h">
          <h3 id="denials-h">Recent denials</h3>
          {denials.length === 0 ? (
            <div className="state">No denials since the console opened.</div>
          ) : (
            <ul className="checklist" aria-label="Recent denials">
              {denials.slice(0, 8).map((d) => (
                <li key={d.id}>
                  <span className="check" style={{ color: 'var(--bad)' }} aria-hidden="true">
                    ✕
                  </span>
                  <span>
                    <strong>{d.agent ?? 'unknown agent'}</strong> → {d.operation ?? d.service ?? '?'}
                    <div className="small muted">
                      rule <code>{d.rule ?? '?'}</code> · {new Date(d.ts).toLocaleTimeString()}
                    </div>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <ServicesCard />
        <PendingApprovalsCard />
        <LiveCharts />
      </div>
    </div>
  );
}

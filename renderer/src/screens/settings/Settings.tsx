import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { currentTransport } from '../../api/client.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';
import { LedgerCard } from './LedgerCard.js';
import { SandboxSettings } from './SandboxSettings.js';

export default function Settings() {
  const killOk = useAvailable('kill.status', 'kill.configure');
  const kill = useProc('kill.status', {});
  const configure = useAction('kill.configure');
  const toast = useUi((s) => s.toast);
  const dark = typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches;
  return (
    <div className="stack">
      <h1>Settings</h1>
      <div className="grid">
        <section className="card" aria-labelledby="ks-h">
          <h3 id="ks-h">Kill switch</h3>
          <QueryView
            query={kill}
            available={killOk}
            what="The kill switch"
            procedures={['kill.status', 'kill.configure']}
          >
            {(k) => (
              <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0 }}>
                <legend className="small muted">When a switch is engaged, sandboxes in its scope are…</legend>
                {(['pause', 'stop'] as const).map((a) => (
                  <label key={a} className="row">
                    <input
                      type="radio"
                      name="sandbox-action"
                      checked={k.sandboxAction === a}
                      onChange={() =>
                        configure.mutate(
                          { sandboxAction: a },
                          {
                            onSuccess: () =>
                              toast('ok', `Engaging now ${a === 'pause' ? 'pauses' : 'stops'} sandboxes.`),
                            onError: (e) => toast('error', e.message),
                          },
                        )
                      }
                    />
                    {a === 'pause' ? 'paused (state kept for forensics)' : 'stopped'}
                  </label>
                ))}
              </fieldset>
            )}
          </QueryView>
        </section>
        <LedgerCard />
        <SandboxSettings />
        <section className="card" aria-labelledby="look-h">
          <h3 id="look-h">Appearance and connection</h3>
          <dl className="kv">
            <dt>Theme</dt>
            <dd>Follows the OS (now {dark ? 'dark' : 'light'})</dd>
            <dt>Transport</dt>
            <dd>{currentTransport().kind === 'ipc' ? 'Electron IPC' : 'HTTP + server-sent events'}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="keys-h">
          <h3 id="keys-h">Keyboard</h3>
          <dl className="kv">
            <dt>
              <kbd>Ctrl/Cmd K</kbd>
            </dt>
            <dd>Command palette</dd>
            <dt>
              <kbd>Alt 1…7</kbd>
            </dt>
            <dd>Switch screen</dd>
            <dt>
              <kbd>↑ ↓ Enter</kbd>
            </dt>
            <dd>Move in lists and open</dd>
          </dl>
        </section>
      </div>
    </div>
  );
}

import { useState } from 'react';
import { useAction } from '../../api/hooks.js';
import { useUi } from '../../state/ui.js';

/** Shortest new passphrase the vault accepts (electron/core/vault/master-key.ts). */
const MIN_PASSPHRASE = 8;

/** Unlocks a passphrase vault; on first use it sets the passphrase, typed twice. */
export function Unlock({ first }: { first: boolean }) {
  const unlock = useAction('vault.unlock');
  const toast = useUi((s) => s.toast);
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const problem = !first
    ? undefined
    : pass.length < MIN_PASSPHRASE
      ? `At least ${MIN_PASSPHRASE} characters.`
      : again !== pass
        ? 'The two passphrases differ.'
        : undefined;
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        const p = pass;
        setPass('');
        setAgain('');
        unlock.mutate({ passphrase: p }, { onError: (err) => toast('error', err.message) });
      }}
    >
      {first ? (
        <div className="small muted">
          Choose the vault passphrase. Nothing can recover a forgotten one: the credentials it protects would
          have to be set again.
        </div>
      ) : null}
      <div className="row">
        <label className="field">
          {first ? 'New passphrase' : 'Passphrase'}
          <input
            type="password"
            value={pass}
            onChange={(e) => setPass(e.target.value)}
            autoComplete={first ? 'new-password' : 'current-password'}
          />
        </label>
        {first ? (
          <label className="field">
            Repeat it
            <input
              type="password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
              autoComplete="new-password"
            />
          </label>
        ) : null}
        <button className="btn primary" type="submit" disabled={Boolean(problem) || unlock.isPending}>
          {first ? 'Set and unlock' : 'Unlock'}
        </button>
      </div>
      {first && pass && problem ? <div className="small muted">{problem}</div> : null}
    </form>
  );
}

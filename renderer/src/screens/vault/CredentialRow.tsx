import { useEffect, useState } from 'react';
import type { CredentialInfo } from '../../../../shared/api/vault.js';
import { call } from '../../api/client.js';
import { useAction } from '../../api/hooks.js';
import { Confirm, Dialog } from '../../components/Dialog.js';
import { useUi } from '../../state/ui.js';

const stateTone = { ok: 'ok', not_connected: 'warn', reconnect_needed: 'warn', corrupt: 'bad' } as const;

export function CredentialRow({ c }: { c: CredentialInfo }) {
  const [dialog, setDialog] = useState<'rotate' | 'delete' | 'connect' | null>(null);
  const remove = useAction('vault.delete');
  const toast = useUi((s) => s.toast);
  const connectable = c.kind === 'oauth-pkce';
  return (
    <tr data-testid={`credential-${c.name}`}>
      <td>
        <strong>{c.name}</strong>
      </td>
      <td className="muted">{c.kind}</td>
      <td className="mono" data-testid="hint">
        {c.hint}
      </td>
      <td>
        <span className={`pill ${stateTone[c.state]}`} title={c.stateReason}>
          {c.state.replace('_', ' ')}
        </span>
      </td>
      <td>{c.activeLeases}</td>
      <td className="muted small">{new Date(c.updatedAt).toLocaleString()}</td>
      <td>
        <div className="row">
          {connectable ? (
            <button
              className="btn small primary"
              onClick={() => setDialog('connect')}
              aria-label={`Connect ${c.name}`}
            >
              Connect
            </button>
          ) : null}
          <button className="btn small" onClick={() => setDialog('rotate')} aria-label={`Rotate ${c.name}`}>
            Rotate
          </button>
          <button
            className="btn small danger"
            onClick={() => setDialog('delete')}
            aria-label={`Delete ${c.name}`}
          >
            Delete
          </button>
        </div>
        {dialog === 'rotate' ? <RotateDialog name={c.name} onClose={() => setDialog(null)} /> : null}
        {dialog === 'connect' ? <ConnectDialog name={c.name} onClose={() => setDialog(null)} /> : null}
        {dialog === 'delete' ? (
          <Confirm
            title={`Delete ${c.name}?`}
            body={
              <p>Its {c.activeLeases} active lease(s) are revoked and services bound to it stop working.</p>
            }
            confirmLabel="Delete"
            danger
            onCancel={() => setDialog(null)}
            onConfirm={() => {
              setDialog(null);
              remove.mutate(
                { name: c.name },
                {
                  onSuccess: (r) => toast('ok', `Deleted ${c.name}; ${r.leasesRevoked} lease(s) revoked.`),
                  onError: (e) => toast('error', e.message),
                },
              );
            }}
          />
        ) : null}
      </td>
    </tr>
  );
}

function RotateDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const rotate = useAction('vault.rotate');
  const toast = useUi((s) => s.toast);
  const [value, setValue] = useState('');
  return (
    <Dialog label={`Rotate ${name}`} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          const v = value;
          setValue('');
          rotate.mutate(
            { name, value: v },
            {
              onSuccess: (c) => {
                toast('ok', `Rotated ${name} (${c.hint}); old leases revoked.`);
                onClose();
              },
              onError: (err) => toast('error', err.message),
            },
          );
        }}
      >
        <h2>Rotate {name}</h2>
        <label className="field">
          New value
          <input
            type="password"
            required
            value={value}
            onChange={(e) => setValue(e.target.value)}
            autoComplete="new-password"
          />
        </label>
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={rotate.isPending}>
            Rotate
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** OAuth on-behalf-of: the provider's sign-in page opens in the browser; we poll until connected. */
function ConnectDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const [flow, setFlow] = useState<{ id: string; authorizeUrl: string } | null>(null);
  const [state, setState] = useState<string>('starting');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    call('vault.connect.start', { name })
      .then(async (f) => {
        setFlow(f);
        setState('pending');
        while (!stop) {
          await new Promise((r) => setTimeout(r, 1000));
          const s = await call('vault.connect.status', { id: f.id });
          setState(s.state);
          if (s.error) setError(s.error);
          if (s.state !== 'pending') break;
        }
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      stop = true;
    };
  }, [name]);
  return (
    <Dialog label={`Connect ${name}`} onClose={onClose}>
      <h2>Connect {name}</h2>
      {error ? <div className="state error">{error}</div> : null}
      {flow ? (
        <p>
          <a href={flow.authorizeUrl} target="_blank" rel="noreferrer noopener">
            Open the sign-in page
          </a>{' '}
          and approve access. This dialog updates when the provider redirects back.
        </p>
      ) : null}
      <p>
        State: <strong data-testid="connect-state">{state}</strong>
      </p>
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        <button className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

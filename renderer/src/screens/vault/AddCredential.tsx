import { useState, type FormEvent } from 'react';
import type { CredentialConfigInput, CredentialKind } from '../../../../shared/api/vault.js';
import { credentialKinds } from '../../../../shared/api/vault.js';
import { useAction } from '../../api/hooks.js';
import { useUi } from '../../state/ui.js';

const kindLabels: Record<CredentialKind, string> = {
  static: 'API key / static token',
  'oauth-refresh': 'OAuth refresh token',
  'oauth-client-credentials': 'OAuth client credentials',
  'oauth-pkce': 'OAuth sign-in (Connect)',
  'github-app': 'GitHub App',
  'token-exchange': 'Token exchange (RFC 8693)',
};

/** Adds a credential. The value field is cleared as soon as it is sent; nothing echoes it back. */
export function AddCredential() {
  const set = useAction('vault.set');
  const toast = useUi((s) => s.toast);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<CredentialKind>('static');
  const [value, setValue] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [f, setF] = useState({
    tokenUrl: '',
    authorizeUrl: '',
    clientId: '',
    scopes: '',
    appId: '',
    installationId: '',
  });
  const field = (k: keyof typeof f) => ({
    value: f[k],
    onChange: (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value }),
  });
  const scopes = f.scopes.split(/[\s,]+/).filter(Boolean);

  const config = (): CredentialConfigInput => {
    switch (kind) {
      case 'static':
        return { kind };
      case 'oauth-refresh':
      case 'oauth-client-credentials':
      case 'token-exchange':
        return { kind, tokenUrl: f.tokenUrl, clientId: f.clientId, scopes };
      case 'oauth-pkce':
        return { kind, authorizeUrl: f.authorizeUrl, tokenUrl: f.tokenUrl, clientId: f.clientId, scopes };
      case 'github-app':
        return { kind, appId: f.appId, installationId: f.installationId };
    }
  };
  const needsValue = kind !== 'oauth-pkce';
  const valueLabel: Record<CredentialKind, string> = {
    static: 'Secret value',
    'oauth-refresh': 'Refresh token',
    'oauth-client-credentials': 'Client secret',
    'oauth-pkce': '',
    'github-app': 'Private key (PEM)',
    'token-exchange': 'Subject token',
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const sent = value;
    setValue('');
    set.mutate(
      {
        name,
        config: config(),
        ...(needsValue && sent ? { value: sent } : {}),
        ...(clientSecret && kind !== 'oauth-client-credentials' ? { clientSecret } : {}),
      },
      {
        onSuccess: (c) => {
          toast('ok', `Credential ${c.name} stored (${c.hint}).`);
          setName('');
          setClientSecret('');
        },
        onError: (err) => toast('error', err.message),
      },
    );
  };

  return (
    <form className="stack" onSubmit={submit} aria-label="Add a credential">
      <div className="row">
        <label className="field">
          Name
          <input
            type="text"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="anthropic"
          />
        </label>
        <label className="field">
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as CredentialKind)}>
            {credentialKinds.map((k) => (
              <option key={k} value={k}>
                {kindLabels[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {kind === 'oauth-pkce' ? (
        <label className="field">
          Authorize URL
          <input type="text" required {...field('authorizeUrl')} />
        </label>
      ) : null}
      {kind !== 'static' && kind !== 'github-app' ? (
        <div className="row">
          <label className="field">
            Token URL
            <input type="text" required {...field('tokenUrl')} />
          </label>
          <label className="field">
            Client ID
            <input type="text" required {...field('clientId')} />
          </label>
          <label className="field">
            Scopes
            <input type="text" {...field('scopes')} placeholder="space separated" />
          </label>
        </div>
      ) : null}
      {kind === 'github-app' ? (
        <div className="row">
          <label className="field">
            App ID
            <input type="text" required {...field('appId')} />
          </label>
          <label className="field">
            Installation ID
            <input type="text" required {...field('installationId')} />
          </label>
        </div>
      ) : null}
      {needsValue ? (
        <label className="field">
          {valueLabel[kind]}
          {kind === 'github-app' ? (
            <textarea
              required
              rows={4}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          ) : (
            <input
              type="password"
              required
              value={value}
              onChange={(e) => setValue(e.target.value)}
              autoComplete="new-password"
            />
          )}
        </label>
      ) : null}
      {kind === 'oauth-refresh' || kind === 'oauth-pkce' || kind === 'token-exchange' ? (
        <label className="field">
          Client secret (if the provider gave one)
          <input
            type="password"
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
            autoComplete="new-password"
          />
        </label>
      ) : null}
      <div>
        <button className="btn primary" type="submit" disabled={set.isPending}>
          {set.isPending ? 'Storing…' : 'Add credential'}
        </button>
      </div>
      <p className="small muted">
        Values are encrypted in the vault and never shown again — only a masked hint.
      </p>
    </form>
  );
}

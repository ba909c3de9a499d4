import { useState } from 'react';
import type { KillScope } from '../../../shared/api/kill.js';
import { useAction, useAvailable, useProc } from '../api/hooks.js';
import { useUi } from '../state/ui.js';
import { Confirm } from './Dialog.js';

export function describeScope(s: KillScope): string {
  switch (s.kind) {
    case 'global':
      return 'Everything';
    case 'agent':
      return `Agent ${s.agent}`;
    case 'service':
      return `Service ${s.service}`;
    case 'agent-service':
      return `Agent ${s.agent} → service ${s.service}`;
  }
}

const sameScope = (a: KillScope, b: KillScope) => JSON.stringify(a) === JSON.stringify(b);

export function useKillStatus() {
  const available = useAvailable('kill.status', 'kill.engage', 'kill.release');
  const status = useProc('kill.status', {});
  return { available, status };
}

/** The big red button: one click, no questions, everything stops. */
export function KillButton() {
  const { available, status } = useKillStatus();
  const engage = useAction('kill.engage');
  const toast = useUi((s) => s.toast);
  const globalOn = status.data?.engaged.some((e) => e.scope.kind === 'global') ?? false;
  return (
    <button
      className="kill-button"
      disabled={available !== true || engage.isPending || globalOn}
      title={
        available === false
          ? 'The kill switch is not available in this build.'
          : 'Stop every agent now (kill.engage global)'
      }
      aria-label={globalOn ? 'Kill switch engaged' : 'Stop everything (kill switch)'}
      onClick={() =>
        engage.mutate(
          { scope: { kind: 'global' }, reason: 'Stop button in the console' },
          {
            onSuccess: (r) => {
              const cut = Object.entries(r.cut)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ');
              toast('info', `Everything stopped${cut ? `: ${cut}` : ''}.`);
              for (const p of r.problems) toast('error', p);
            },
            onError: (e) => toast('error', `Kill switch: ${e.message}`),
          },
        )
      }
    >
      {globalOn ? 'STOPPED' : 'STOP ALL'}
    </button>
  );
}

/** Unmissable while any switch is engaged; release asks first. */
export function KillBanner() {
  const { available, status } = useKillStatus();
  const release = useAction('kill.release');
  const toast = useUi((s) => s.toast);
  const [confirming, setConfirming] = useState<KillScope | null>(null);
  const [resume, setResume] = useState(false);
  if (available !== true || !status.data || status.data.engaged.length === 0) return null;
  return (
    <div className="kill-banner" role="alert" aria-label="Kill switch engaged">
      <span style={{ fontSize: 16 }}>■ KILL SWITCH ENGAGED</span>
      {status.data.engaged.map((e) => (
        <span key={JSON.stringify(e.scope)} className="row">
          <span>
            {describeScope(e.scope)} — by {e.who}
            {e.reason ? ` (“${e.reason}”)` : ''} at {new Date(e.engagedAt).toLocaleTimeString()}
          </span>
          <button onClick={() => setConfirming(e.scope)} aria-label={`Release: ${describeScope(e.scope)}`}>
            Release…
          </button>
        </span>
      ))}
      {confirming ? (
        <Confirm
          title="Release the kill switch?"
          body={
            <>
              <p>
                Agents in scope (<strong>{describeScope(confirming)}</strong>) will be able to send requests
                again.
              </p>
              <label className="row">
                <input type="checkbox" checked={resume} onChange={(e) => setResume(e.target.checked)} /> Also
                resume paused sandboxes
              </label>
            </>
          }
          confirmLabel="Release"
          danger
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            const scope = confirming;
            setConfirming(null);
            release.mutate(
              { scope, resumeSandboxes: resume },
              {
                onSuccess: () => toast('ok', `Released: ${describeScope(scope)}.`),
                onError: (e) => toast('error', `Release failed: ${e.message}`),
              },
            );
          }}
        />
      ) : null}
    </div>
  );
}

/** A per-row switch (agent, service or agent-service). */
export function KillToggle({ scope, label }: { scope: KillScope; label: string }) {
  const { available, status } = useKillStatus();
  const engage = useAction('kill.engage');
  const release = useAction('kill.release');
  const toast = useUi((s) => s.toast);
  const [confirming, setConfirming] = useState(false);
  if (available !== true) return null;
  const on = status.data?.engaged.some((e) => sameScope(e.scope, scope)) ?? false;
  return (
    <>
      <button
        className={`btn small ${on ? '' : 'danger'}`}
        aria-pressed={on}
        aria-label={on ? `Release kill switch for ${label}` : `Kill switch for ${label}`}
        title={
          on
            ? 'Engaged: requests in this scope are refused. Click to release.'
            : `Refuse every request from ${label} now`
        }
        onClick={() =>
          on
            ? setConfirming(true)
            : engage.mutate(
                { scope, reason: 'Row switch in the console' },
                { onError: (e) => toast('error', `Kill switch: ${e.message}`) },
              )
        }
      >
        {on ? 'Killed · release' : 'Kill'}
      </button>
      {confirming ? (
        <Confirm
          title={`Release ${label}?`}
          body={<p>Requests from {describeScope(scope).toLowerCase()} will flow again.</p>}
          confirmLabel="Release"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            release.mutate({ scope, resumeSandboxes: false }, { onError: (e) => toast('error', e.message) });
          }}
        />
      ) : null}
    </>
  );
}

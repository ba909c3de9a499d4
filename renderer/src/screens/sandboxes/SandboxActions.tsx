import { useState } from 'react';
import type { SandboxInfo } from '../../../../shared/api/sandboxes.js';
import { useAction } from '../../api/hooks.js';
import { Confirm } from '../../components/Dialog.js';
import { KillToggle } from '../../components/kill.js';
import { useRouter } from '../../state/router.js';
import { useUi } from '../../state/ui.js';

export const stateTone = (s: SandboxInfo['state']) =>
  s === 'running' ? 'ok' : s === 'paused' || s === 'creating' || s === 'created' ? 'warn' : 'bad';

export function SandboxActions({ s }: { s: SandboxInfo }) {
  const start = useAction('sandboxes.start');
  const stop = useAction('sandboxes.stop');
  const pause = useAction('sandboxes.pause');
  const resume = useAction('sandboxes.resume');
  const remove = useAction('sandboxes.remove');
  const toast = useUi((t) => t.toast);
  const go = useRouter((r) => r.go);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const onError = { onError: (e: Error) => toast('error', e.message) };
  const busy = start.isPending || stop.isPending || pause.isPending || resume.isPending || remove.isPending;
  return (
    <div className="row">
      {s.state === 'running' ? (
        <>
          <button
            className="btn small"
            disabled={busy}
            onClick={() => pause.mutate({ id: s.id }, onError)}
            aria-label={`Pause ${s.name}`}
          >
            Pause
          </button>
          <button
            className="btn small"
            disabled={busy}
            onClick={() => stop.mutate({ id: s.id }, onError)}
            aria-label={`Stop ${s.name}`}
          >
            Stop
          </button>
        </>
      ) : null}
      {s.state === 'paused' ? (
        <button
          className="btn small"
          disabled={busy}
          onClick={() => resume.mutate({ id: s.id }, onError)}
          aria-label={`Resume ${s.name}`}
        >
          Resume
        </button>
      ) : null}
      {s.state === 'exited' || s.state === 'created' || s.state === 'dead' ? (
        <button
          className="btn small"
          disabled={busy}
          onClick={() => start.mutate({ id: s.id }, onError)}
          aria-label={`Start ${s.name}`}
        >
          Start
        </button>
      ) : null}
      <button
        className="btn small"
        disabled={busy}
        onClick={() => setConfirmRemove(true)}
        aria-label={`Remove ${s.name}`}
      >
        Remove
      </button>
      <KillToggle scope={{ kind: 'agent', agent: s.agent }} label={s.name} />
      {confirmRemove ? (
        <Confirm
          title={`Remove ${s.name}?`}
          body={
            <p>
              The container, its gateway door and socket are removed. The workspace folder and the transcript
              stay.
            </p>
          }
          confirmLabel="Remove"
          danger
          onCancel={() => setConfirmRemove(false)}
          onConfirm={() => {
            setConfirmRemove(false);
            // mutateAsync: the detail view unmounts as soon as the sandbox is gone, taking mutate's callbacks with it.
            remove.mutateAsync({ id: s.id }).then(
              () => go('sandboxes'),
              (e: Error) => toast('error', e.message),
            );
          }}
        />
      ) : null}
    </div>
  );
}

import { useState } from 'react';
import type { SandboxSettings as Settings } from '../../../../shared/api/sandboxes.js';
import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';

export function SandboxSettings() {
  const ok = useAvailable('sandboxes.settings.get', 'sandboxes.settings.set');
  const q = useProc('sandboxes.settings.get', {});
  return (
    <section className="card" aria-labelledby="sbs-h">
      <h3 id="sbs-h">Sandboxes</h3>
      <QueryView query={q} available={ok} what="Sandbox settings" procedures={['sandboxes.settings.get']}>
        {(s) => <Form key={JSON.stringify(s)} settings={s} />}
      </QueryView>
    </section>
  );
}

function Form({ settings }: { settings: Settings }) {
  const set = useAction('sandboxes.settings.set');
  const toast = useUi((t) => t.toast);
  const [draft, setDraft] = useState(settings);
  const num = (k: keyof Settings['limits'], label: string, step = 1) => (
    <label className="field">
      {label}
      <input
        type="number"
        step={step}
        value={draft.limits[k]}
        onChange={(e) => setDraft({ ...draft, limits: { ...draft.limits, [k]: Number(e.target.value) } })}
      />
    </label>
  );
  return (
    <form
      className="stack"
      aria-label="Sandbox settings"
      onSubmit={(e) => {
        e.preventDefault();
        set.mutate(draft, {
          onSuccess: () => toast('ok', 'Sandbox settings saved.'),
          onError: (err) => toast('error', err.message),
        });
      }}
    >
      <label className="field">
        When Gatehouse restarts, running sandboxes are
        <select
          value={draft.onRestart}
          onChange={(e) => setDraft({ ...draft, onRestart: e.target.value as Settings['onRestart'] })}
        >
          <option value="reattach">re-attached (keep running)</option>
          <option value="cleanup">stopped and removed</option>
        </select>
      </label>
      <label className="field">
        Default image (empty: the built agent image)
        <input
          type="text"
          value={draft.defaultImage}
          onChange={(e) => setDraft({ ...draft, defaultImage: e.target.value })}
        />
      </label>
      <div className="row">
        {num('memoryMb', 'Memory MB')}
        {num('cpus', 'CPUs', 0.1)}
        {num('pids', 'Processes')}
        {num('tmpMb', '/tmp MB')}
        {num('homeMb', 'Home MB')}
      </div>
      <div>
        <button className="btn primary" type="submit" disabled={set.isPending}>
          Save
        </button>
      </div>
    </form>
  );
}

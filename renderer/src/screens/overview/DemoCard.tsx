import { useAction, useAvailable, useProc } from '../../api/hooks.js';
import { useRouter } from '../../state/router.js';
import { useUi } from '../../state/ui.js';

/** One click to watch a governed agent: starts a scenario and opens its transcript, live. */
export function DemoCard() {
  const ok = useAvailable('demo.scenarios', 'demo.run');
  const scenarios = useProc('demo.scenarios', {});
  const run = useAction('demo.run');
  const go = useRouter((r) => r.go);
  const toast = useUi((s) => s.toast);
  if (ok === false) return null;
  return (
    <section className="card" aria-labelledby="demo-h">
      <h3 id="demo-h">Try a governed agent</h3>
      <ul className="checklist">
        {scenarios.data?.map((s) => (
          <li key={s.name}>
            <button
              className="btn small primary"
              disabled={run.isPending}
              aria-label={`Run the ${s.name} demo`}
              onClick={() =>
                run.mutateAsync({ scenario: s.name }).then(
                  (r) => {
                    toast(
                      'info',
                      r.note ??
                        `Demo ${s.name} started as ${r.mode === 'sandbox' ? 'a sandbox' : 'a host agent'}.`,
                    );
                    if (r.run) go('transcripts', 'run', r.run);
                  },
                  (e: Error) => toast('error', e.message),
                )
              }
            >
              Run
            </button>
            <span>
              <strong>{s.title}</strong>
              <div className="small muted">{s.description}</div>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useRouter } from '../../state/router.js';
import { Compare } from './Compare.js';
import { RunsList } from './RunsList.js';
import { RunView } from './RunView.js';

/** #/transcripts · #/transcripts/run/<id>[/conversation|timeline|replay | /event/<id>] · #/transcripts/compare/<a>/<b> · #/transcripts/compare-agents/<a>/<b> */
export default function Transcripts() {
  const rest = useRouter((r) => r.route.rest);
  const [view, a, b, c] = rest;
  return (
    <div className="stack">
      <h1>Transcripts</h1>
      {view === 'run' && a ? (
        <RunView
          key={a}
          run={a}
          initialTab={b === 'event' ? 'timeline' : b}
          initialEvent={b === 'event' ? c : undefined}
        />
      ) : null}
      {(view === 'compare' || view === 'compare-agents') && a && b ? (
        <Compare a={a} b={b} by={view === 'compare' ? 'run' : 'agent'} />
      ) : null}
      {view !== 'run' && view !== 'compare' && view !== 'compare-agents' ? <RunsList /> : null}
    </div>
  );
}

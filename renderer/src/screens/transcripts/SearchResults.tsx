import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useRouter } from '../../state/router.js';
import { fmtTime } from './format.js';

export function SearchResults({ q, agent }: { q: string; agent: string }) {
  const ok = useAvailable('audit.search');
  const go = useRouter((r) => r.go);
  const res = useProc('audit.search', { q, limit: 100, ...(agent ? { agent } : {}) });
  return (
    <section className="card" aria-label="Search results">
      <QueryView
        query={res}
        available={ok}
        what="Search"
        procedures={['audit.search']}
        empty={`Nothing matches “${q}”.`}
        isEmpty={(d) => d.items.length === 0}
      >
        {(d) => (
          <ul className="stack" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {d.items.map((e) => (
              <li key={e.id}>
                <a
                  href={
                    e.run
                      ? `#/transcripts/run/${encodeURIComponent(e.run)}/event/${encodeURIComponent(e.id)}`
                      : undefined
                  }
                  onClick={(ev) => {
                    ev.preventDefault();
                    if (e.run) go('transcripts', 'run', e.run, 'event', e.id);
                  }}
                >
                  {e.kind} · {e.agent ?? '?'} · {fmtTime(e.ts)}
                </a>
                <div className="small">{e.snippet}</div>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  );
}

import { useEffect, useRef, useState } from 'react';
import type { LogEntry } from '../../../../shared/api/sandboxes.js';
import { call } from '../../api/client.js';

const MAX_LINES = 5000;

/** Streams a sandbox's output by polling sandboxes.logs with `since`, until it stops running. */
export function Logs({ id }: { id: string }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let stop = false;
    let since: string | undefined;
    setEntries([]);
    void (async () => {
      while (!stop) {
        try {
          const r = await call('sandboxes.logs', since ? { id, since } : { id, tail: 500 });
          if (stop) return;
          if (r.entries.length) {
            since = r.entries.at(-1)!.ts;
            setEntries((prev) => [...prev, ...r.entries].slice(-MAX_LINES));
          }
          setRunning(r.running);
          setError(null);
        } catch (e) {
          setError((e as Error).message);
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
    })();
    return () => {
      stop = true;
    };
  }, [id]);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [entries]);
  return (
    <div className="stack">
      <div className="row small muted">
        {running ? 'following output' : 'not running'} · {entries.length} line(s)
      </div>
      {error ? <div className="state error">{error}</div> : null}
      <pre
        ref={box}
        className="raw"
        aria-label="Sandbox logs"
        data-testid="sandbox-logs"
        style={{ maxHeight: 320 }}
      >
        {entries.map((e, i) => (
          <span key={i} style={e.stream === 'stderr' ? { color: 'var(--bad)' } : undefined}>
            {e.text.endsWith('\n') ? e.text : e.text + '\n'}
          </span>
        ))}
      </pre>
    </div>
  );
}

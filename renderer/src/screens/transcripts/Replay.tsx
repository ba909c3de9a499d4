import { useEffect, useState } from 'react';
import { useAvailable, useProc } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { eventLine, fmtMs, kindTone } from './format.js';

const speeds = [1, 4, 16, 64];

/** Steps through a run with its real timings (sped up), so a person sees the pace of the agent. */
export function Replay({ run }: { run: string }) {
  const ok = useAvailable('audit.replay');
  const q = useProc('audit.replay', { run, limit: 1000 });
  const [pos, setPos] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(4);
  const steps = q.data?.items ?? [];
  useEffect(() => {
    if (!playing) return;
    const next = steps[pos + 1];
    if (!next) {
      setPlaying(false);
      return;
    }
    const t = setTimeout(() => setPos((p) => p + 1), Math.min(next.gapMs / speed, 3000));
    return () => clearTimeout(t);
  }, [playing, pos, steps, speed]);
  return (
    <QueryView
      query={q}
      available={ok}
      what="Replay"
      procedures={['audit.replay']}
      empty="Nothing to replay."
      isEmpty={(d) => d.items.length === 0}
    >
      {(d) => (
        <div className="stack">
          <div className="row">
            <button
              className="btn primary"
              onClick={() => (pos >= steps.length - 1 ? (setPos(0), setPlaying(true)) : setPlaying(!playing))}
            >
              {playing ? 'Pause' : pos >= steps.length - 1 ? 'Replay from start' : 'Play'}
            </button>
            <button
              className="btn"
              onClick={() => setPos((p) => Math.max(0, p - 1))}
              aria-label="Previous step"
            >
              ◀
            </button>
            <button
              className="btn"
              onClick={() => setPos((p) => Math.min(steps.length - 1, p + 1))}
              aria-label="Next step"
            >
              ▶
            </button>
            <label className="row small">
              speed
              <select
                value={speed}
                onChange={(e) => setSpeed(Number(e.target.value))}
                aria-label="Replay speed"
              >
                {speeds.map((s) => (
                  <option key={s} value={s}>
                    {s}×
                  </option>
                ))}
              </select>
            </label>
            <input
              type="range"
              min={0}
              max={Math.max(0, steps.length - 1)}
              value={pos}
              onChange={(e) => setPos(Number(e.target.value))}
              aria-label="Replay position"
              style={{ flex: 1 }}
            />
            <span className="small muted">
              step {pos + 1}/{steps.length} · {fmtMs(steps[pos]?.offsetMs ?? 0)}
              {d.nextCursor ? ' (first 1,000 steps)' : ''}
            </span>
          </div>
          <ol
            className="stack"
            style={{ listStyle: 'none', padding: 0, margin: 0 }}
            aria-label="Replayed steps"
          >
            {steps.slice(Math.max(0, pos - 30), pos + 1).map((s) => (
              <li
                key={s.id}
                className={`ev ${kindTone(s) === 'bad' ? 'deny' : kindTone(s) === 'ok' ? 'allow' : ''}`}
              >
                <div className="meta">
                  <span>+{fmtMs(s.offsetMs)}</span>
                  <span>gap {fmtMs(s.gapMs)}</span>
                  <span>{s.kind}</span>
                </div>
                {eventLine(s)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </QueryView>
  );
}

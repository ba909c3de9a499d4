import { useCallback, useState } from 'react';
import { z } from 'zod';
import { buildProgressSchema } from '../../../../shared/api/sandboxes.js';
import { useAction, useAvailable, useProc, useTopic } from '../../api/hooks.js';
import { QueryView } from '../../components/states.js';
import { useUi } from '../../state/ui.js';

type Progress = z.infer<typeof buildProgressSchema>;

/** Which agent images exist, and a build button with a live progress bar (topic sandboxes.build). */
export function ImageCard() {
  const ok = useAvailable('sandboxes.image.status');
  const status = useProc('sandboxes.image.status', {});
  const buildOk = useAvailable('sandboxes.image.build');
  const build = useAction('sandboxes.image.build');
  const toast = useUi((s) => s.toast);
  const [progress, setProgress] = useState<Progress | null>(null);
  useTopic(
    useCallback((m) => {
      if (m.topic !== 'sandboxes.build') return;
      const p = buildProgressSchema.safeParse(m.data);
      if (p.success) setProgress(p.data);
    }, []),
  );
  return (
    <section className="card" aria-labelledby="img-h">
      <h3 id="img-h">Agent image</h3>
      <QueryView query={status} available={ok} what="Image status" procedures={['sandboxes.image.status']}>
        {(s) => (
          <div className="stack">
            <ul className="checklist">
              {s.images.map((i) => (
                <li key={i.image}>
                  <span className={`check ${i.present ? 'done' : 'todo'}`} aria-hidden="true">
                    {i.present ? '✓' : '○'}
                  </span>
                  <span className="mono">{i.image}</span>
                  <span className="muted small">{i.present ? 'present' : 'not built'}</span>
                </li>
              ))}
            </ul>
            <div className="small muted">
              New sandboxes use <code>{s.defaultImage}</code>.
            </div>
          </div>
        )}
      </QueryView>
      {buildOk ? (
        <div className="stack" style={{ marginTop: 10 }}>
          <button
            className="btn"
            disabled={build.isPending}
            onClick={() => {
              setProgress({ source: 'offline', percent: 0, message: 'Starting…' });
              build.mutate(
                { from: 'auto' },
                {
                  onSuccess: (r) => toast('ok', `Built ${r.image}.`),
                  onError: (e) => toast('error', `Image build failed: ${e.message}`),
                },
              );
            }}
          >
            {build.isPending ? 'Building…' : 'Build image'}
          </button>
          {progress ? (
            <div>
              <div
                className="progress"
                role="progressbar"
                aria-label="Image build"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(progress.percent)}
              >
                <div style={{ width: `${Math.min(100, Math.max(0, progress.percent))}%` }} />
              </div>
              <div className="small muted">
                {Math.round(progress.percent)}% · {progress.error ?? progress.message}
              </div>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

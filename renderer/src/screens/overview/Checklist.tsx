import type { ReactNode } from 'react';

export interface CheckItem {
  id: string;
  label: string;
  /** true done, false to do, undefined = this build cannot tell. */
  done: boolean | undefined;
  hint?: ReactNode;
}

export function Checklist({ items }: { items: CheckItem[] }) {
  const done = items.filter((i) => i.done).length;
  return (
    <section className="card" aria-labelledby="checklist-h">
      <h3 id="checklist-h">
        First run · {done}/{items.length}
      </h3>
      <ul className="checklist">
        {items.map((i) => (
          <li key={i.id} data-testid={`check-${i.id}`} data-done={String(i.done)}>
            <span className={`check ${i.done ? 'done' : 'todo'}`} aria-hidden="true">
              {i.done ? '✓' : i.done === false ? '○' : '–'}
            </span>
            <span>
              <span>{i.label}</span>
              <span className="sr-only">
                {i.done ? ' (done)' : i.done === false ? ' (to do)' : ' (unknown)'}
              </span>
              {!i.done && i.hint ? <div className="small muted">{i.hint}</div> : null}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useMemo, useState } from 'react';
import { screens, useRouter } from '../state/router.js';
import { useUi } from '../state/ui.js';
import { Dialog } from './Dialog.js';

export interface PaletteCommand {
  id: string;
  label: string;
  hint?: string;
  run(): void;
}

/** Ctrl/Cmd-K: jump anywhere or run a command by typing a few letters. */
export function CommandPalette({ extra = [] }: { extra?: PaletteCommand[] }) {
  const open = useUi((s) => s.paletteOpen);
  const setOpen = useUi((s) => s.setPalette);
  const go = useRouter((s) => s.go);
  const [q, setQ] = useState('');
  const [sel, setSel] = useState(0);
  const commands = useMemo<PaletteCommand[]>(
    () => [
      ...screens.map((s) => ({
        id: `go-${s.id}`,
        label: `Go to ${s.label}`,
        hint: `Alt+${s.key}`,
        run: () => go(s.id),
      })),
      ...extra,
    ],
    [go, extra],
  );
  const matches = commands.filter((c) => fuzzy(q, c.label));
  if (!open) return null;
  const close = () => {
    setOpen(false);
    setQ('');
    setSel(0);
  };
  const runAt = (i: number) => {
    const c = matches[i];
    if (!c) return;
    close();
    c.run();
  };
  return (
    <Dialog label="Command palette" onClose={close} className="palette">
      <input
        type="text"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-label="Type a command"
        placeholder="Type a command or screen…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setSel(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setSel((s) => Math.min(s + 1, matches.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setSel((s) => Math.max(s - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            runAt(sel);
          }
        }}
      />
      <ul id="palette-list" role="listbox" aria-label="Commands">
        {matches.map((c, i) => (
          <li
            key={c.id}
            role="option"
            aria-selected={i === sel}
            onMouseEnter={() => setSel(i)}
            onClick={() => runAt(i)}
          >
            <span>{c.label}</span>
            {c.hint ? <span className="muted small">{c.hint}</span> : null}
          </li>
        ))}
        {matches.length === 0 ? <li className="muted">No command matches “{q}”.</li> : null}
      </ul>
    </Dialog>
  );
}

/** Letters of the query in order, case-insensitive. */
export function fuzzy(query: string, text: string): boolean {
  const q = query.toLowerCase().replace(/\s+/g, '');
  const t = text.toLowerCase();
  let i = 0;
  for (const ch of t) if (ch === q[i]) i++;
  return i >= q.length;
}

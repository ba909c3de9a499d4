import { useMemo } from 'react';
import { diffLines, hunks } from './diff.js';

export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = useMemo(() => hunks(diffLines(before, after)), [before, after]);
  if (lines.every((l) => l === null || l.op === ' '))
    return <div className="state">No changes against the live version.</div>;
  return <UnifiedDiff label={label} lines={lines.map((l) => (l ? `${l.op}${l.text}` : '…'))} />;
}

/** Renders unified-diff lines ("+x", "-y", " z"). */
export function UnifiedDiff({ label, lines }: { label: string; lines: string[] }) {
  return (
    <pre className="diff" aria-label={label} data-testid="policy-diff">
      {lines.map((l, i) => (
        <div
          key={i}
          className={
            l.startsWith('+') && !l.startsWith('+++')
              ? 'add'
              : l.startsWith('-') && !l.startsWith('---')
                ? 'del'
                : ''
          }
        >
          {l || ' '}
        </div>
      ))}
    </pre>
  );
}

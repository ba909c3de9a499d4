import { call } from '../../api/client.js';

/** Reads a run's JSONL export page by page and hands the browser a file to save. */
export async function exportRun(run: string): Promise<number> {
  const lines: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await call('audit.export', { run, limit: 1000, ...(cursor ? { cursor } : {}) });
    lines.push(...page.lines);
    cursor = page.nextCursor;
  } while (cursor);
  const blob = new Blob([lines.join('\n') + '\n'], { type: 'application/x-ndjson' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `gatehouse-run-${run}.jsonl`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return lines.length;
}

import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogEntry } from '../../../shared/api/sandboxes.js';
import { Demuxer, demuxAll, type OutputChunk } from './demux.js';

/** Docker prefixes each line with a fixed-width RFC 3339 nano timestamp when asked. */
function toEntry(chunk: OutputChunk): LogEntry {
  const text = chunk.data.toString('utf8');
  const space = text.indexOf(' ');
  const ts = space > 0 ? text.slice(0, space) : '';
  return { stream: chunk.stream, ts, text: space > 0 ? text.slice(space + 1) : text };
}

/** RFC 3339 → the `seconds.nanoseconds` form Docker's `since` takes. */
export function sinceParam(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return String(Math.floor(Date.parse(ts) / 1000));
  const secs = Math.floor(Date.parse(`${m[1]}Z`) / 1000);
  return `${secs}.${(m[2] ?? '0').padEnd(9, '0').slice(0, 9)}`;
}

/** Output so far: the last `tail` lines, or everything strictly after `since`. */
export async function readLogs(
  container: Docker.Container,
  opts: { since?: string; tail?: number },
): Promise<LogEntry[]> {
  const raw = (await container.logs({
    follow: false,
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(opts.tail ? { tail: opts.tail } : {}),
    ...(opts.since ? { since: sinceParam(opts.since) as unknown as number } : {}),
  })) as unknown as Buffer;
  const entries = demuxAll(Buffer.isBuffer(raw) ? raw : Buffer.from(raw)).map(toEntry);
  // `since` is inclusive at Docker's resolution; the caller already has that entry.
  return opts.since ? entries.filter((e) => e.ts > opts.since!) : entries;
}

/** Live output; returns the dispose. */
export async function followLogs(
  container: Docker.Container,
  onEntry: (e: LogEntry) => void,
  onEnd?: () => void,
): Promise<() => void> {
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
  })) as unknown as Readable;
  const demux = new Demuxer();
  stream.on('data', (d: Buffer) => {
    for (const c of demux.push(d)) onEntry(toEntry(c));
  });
  stream.on('end', () => onEnd?.());
  stream.on('error', () => onEnd?.());
  return () => stream.destroy();
}

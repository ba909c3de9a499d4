import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { adapterFor } from './index.js';
import type { ParsedRequest, ParsedResponse } from './types.js';

/**
 * Test and bench support: a loopback upstream that answers with a scripted body (split into
 * the given chunks, optionally cut mid-way), and a tee that passes bytes through untouched
 * while feeding a copy to the adapter's parser, the way the gateway does.
 */
export interface Script {
  status?: number;
  contentType: string;
  chunks: (string | Uint8Array)[];
  /** Destroy the socket after this many chunks (a stream cut mid-way). */
  cutAfter?: number;
}

export interface Loopback {
  url: string;
  close(): Promise<void>;
}

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: http.Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** An upstream stand-in; `next` chooses the script for each request (after its body arrived). */
export async function standIn(next: (path: string, body: unknown) => Script): Promise<Loopback> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      const script = next(req.url ?? '/', raw ? (JSON.parse(raw) as unknown) : undefined);
      res.writeHead(script.status ?? 200, { 'content-type': script.contentType });
      const chunks = script.cutAfter === undefined ? script.chunks : script.chunks.slice(0, script.cutAfter);
      chunks.forEach((chunk) => res.write(chunk));
      if (script.cutAfter === undefined) return void res.end();
      // Cut only once what was written has left, so the far side sees a partial stream.
      res.write('', () => setTimeout(() => res.socket?.destroy(), 20));
    });
  });
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}

export interface TeeRecord {
  request?: ParsedRequest;
  response?: ParsedResponse;
  bytes: number;
}

/** A pass-through in front of `upstream`; each call's parsed request and response land in `calls`. */
export async function tee(
  upstream: string,
  kind: 'anthropic' | 'openai',
): Promise<Loopback & { calls: TeeRecord[]; settled(): Promise<void> }> {
  const calls: TeeRecord[] = [];
  const pending = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const adapter = adapterFor(kind, req.url ?? '/');
      const record: TeeRecord = { bytes: 0 };
      calls.push(record);
      if (adapter) record.request = adapter.parseRequest(JSON.parse(body.toString('utf8')) as unknown);
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      pending.add(done);
      const settle = (): void => {
        pending.delete(done);
        finish();
      };
      const up = http.request(
        `${upstream}${req.url ?? '/'}`,
        {
          method: req.method,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (upRes) => {
          const parser = adapter?.responseParser({
            contentType: String(upRes.headers['content-type'] ?? ''),
            model: record.request?.model ?? '',
          });
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          const end = (): void => {
            if (parser && !record.response) record.response = parser.end();
            settle();
          };
          upRes.on('data', (c: Buffer) => {
            res.write(c);
            record.bytes += c.length;
            parser?.push(c);
          });
          upRes.on('end', () => {
            res.end();
            end();
          });
          upRes.on('error', () => {
            res.destroy();
            end();
          });
          upRes.on('close', () => {
            if (!upRes.complete) res.destroy();
            end();
          });
        },
      );
      up.on('error', () => {
        res.destroy();
        settle();
      });
      up.end(body);
    });
  });
  const url = await listen(server);
  return {
    url,
    calls,
    settled: async () => {
      await Promise.all([...pending]);
    },
    close: () => closeServer(server),
  };
}

/** SSE framing of (event, data) pairs, as the providers send them. */
export function sse(events: [string | null, unknown][]): string {
  return events
    .map(
      ([name, data]) =>
        `${name ? `event: ${name}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    )
    .join('');
}

/** Splits text into pieces at byte offsets chosen by a seeded generator (cuts through UTF-8 too). */
export function splitBytes(text: string, seed: number, maxPiece = 17): Uint8Array[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Uint8Array[] = [];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length;) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = 1 + (s % maxPiece);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

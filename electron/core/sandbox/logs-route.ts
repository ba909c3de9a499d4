import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute } from '../server/routes.js';
import type { SandboxManager } from './manager.js';

/**
 * Headless live output: `GET /api/sandboxes.logs.stream?id=NAME` is an SSE stream of log entries
 * (`event: log`, data = {stream, ts, text}) from the start, ending with `event: end` when the
 * sandbox's output closes. The control server's guard (token, Host, Origin) has already run.
 */
export function logsStreamRoute(sandboxes: SandboxManager): ExtraRoute {
  return {
    prefix: '/api/sandboxes.logs.stream',
    handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const id = url.searchParams.get('id') ?? '';
      if (!sandboxes.store.get(id)?.containerId) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unknown_sandbox', message: `No sandbox named "${id}".` } }));
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': logs\n\n');
      let stop: (() => void) | undefined;
      let closed = false;
      req.on('close', () => {
        closed = true;
        stop?.();
      });
      sandboxes
        .followLogs(
          id,
          (e) => res.write(`event: log\ndata: ${JSON.stringify(e)}\n\n`),
          () => res.end('event: end\ndata: {}\n\n'),
        )
        .then(
          (dispose) => {
            stop = dispose;
            if (closed) dispose();
          },
          () =>
            res.end(
              `event: error\ndata: ${JSON.stringify({ message: 'The sandbox output could not be read.' })}\n\n`,
            ),
        );
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute } from '../server/routes.js';
import type { TerminalSessions } from './terminal.js';

/**
 * Headless live terminal output: `GET /api/sandboxes.terminal.stream?session=ID` is an SSE stream
 * of base64 chunks (`event: data`) ending with `event: exit`. Keystrokes and resizes go through
 * the sandboxes.terminal.write / .resize procedures. The control server's guard has already run.
 */
export function terminalStreamRoute(terminals: TerminalSessions): ExtraRoute {
  return {
    prefix: '/api/sandboxes.terminal.stream',
    handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const session = url.searchParams.get('session') ?? '';
      let offOutput: () => void;
      try {
        offOutput = terminals.onOutput(session, (chunk) =>
          res.write(`event: data\ndata: ${chunk.toString('base64')}\n\n`),
        );
      } catch (e) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unknown_terminal', message: (e as Error).message } }));
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': terminal\n\n');
      const offExit = terminals.onExit(session, (code) => {
        res.end(`event: exit\ndata: ${JSON.stringify({ exitCode: code })}\n\n`);
      });
      req.on('close', () => {
        offOutput();
        offExit();
      });
    },
  };
}

import type { ServerResponse } from 'node:http';
import type { LiveBus } from '../live/bus.js';
import type { LiveMessage, LiveTopic } from '../../../shared/api/live.js';

const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * Streams live messages as server-sent events. A client that stops reading is cut off once its
 * buffer passes MAX_BUFFERED, so a slow console never slows the publisher; it reconnects and
 * re-fetches (the console's queries are invalidated on reconnect).
 */
export function streamLive(bus: LiveBus, res: ServerResponse, topics?: Set<LiveTopic>): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const keepAlive = setInterval(() => res.write(': ping\n\n'), 15_000);
  const dispose = bus.subscribe((m: LiveMessage) => {
    if (topics && !topics.has(m.topic)) return;
    if (res.writableLength > MAX_BUFFERED) {
      res.destroy();
      return;
    }
    res.write(`event: ${m.topic}\ndata: ${JSON.stringify(m.data)}\n\n`);
  });
  res.on('close', () => {
    clearInterval(keepAlive);
    dispose();
  });
}

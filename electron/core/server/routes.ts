import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An extra authenticated route on the headless control server (e.g. a sandbox terminal).
 * The guard has already checked Host, Origin and token when these run.
 */
export interface ExtraRoute {
  prefix: string;
  handle?(req: IncomingMessage, res: ServerResponse, url: URL): void;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
}

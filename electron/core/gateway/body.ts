import type { IncomingMessage } from 'node:http';
import { RouteError } from './route.js';

/**
 * Reads a request body up to a cap. Request bodies are held in full on purpose: policy
 * conditions, guardrails and the ledger must see the whole request before any of it leaves.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete)
        reject(
          new RouteError({
            status: 400,
            code: 'client_closed',
            reason: 'The agent closed the connection mid-request.',
            rule: 'gateway-input',
          }),
        );
    });
  });
}

function tooLarge(max: number): RouteError {
  return new RouteError({
    status: 413,
    code: 'body_too_large',
    reason: `The request body is larger than the gateway's cap of ${max} bytes.`,
    rule: 'gateway-limits',
  });
}

export function parseJson(body: Buffer, contentType: string | undefined): unknown {
  if (!body.length) return undefined;
  if (contentType && !/json/i.test(contentType)) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

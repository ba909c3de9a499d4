import type { LiveMessage } from '../../../shared/api/live.js';

/**
 * What the Electron preload (electron/preload) exposes as `window.gatehouse`: one function per
 * named procedure (no generic invoke), each resolving with the same envelope the HTTP transport
 * returns (`{ result }` or `{ error: { code, message } }`).
 */
export interface GatehouseBridge {
  transport: 'ipc';
  api: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
  subscribe(topics: readonly string[], fn: (message: LiveMessage) => void): () => void;
}

declare global {
  interface Window {
    gatehouse?: GatehouseBridge;
  }
}

export function bridge(): GatehouseBridge | undefined {
  return typeof window !== 'undefined' ? window.gatehouse : undefined;
}

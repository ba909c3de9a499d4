import type { LiveMessage, LiveTopic } from '../../../shared/api/live.js';
import { bridge } from './bridge.js';
import { ApiError, unwrapEnvelope } from './errors.js';

export interface LiveHandlers {
  message(m: LiveMessage): void;
  /** The stream came back after a break: anything cached may be stale. */
  reconnected(): void;
  connection(up: boolean): void;
}

/** How the console reaches the core: IPC through the preload in Electron, HTTP + SSE headless. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(name: string, input: unknown): Promise<unknown>;
  subscribe(topics: readonly LiveTopic[], handlers: LiveHandlers): () => void;
  /** Procedure names the running core implements, or null when it cannot say. */
  implemented(): Promise<string[] | null>;
}

export function httpTransport(base = ''): Transport {
  return {
    kind: 'http',
    async call(name, input) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new ApiError(
          'unreachable',
          'The Gatehouse core is not answering. Is `gatehouse serve` still running?',
        );
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError('bad_response', `The core answered ${res.status} without JSON.`, res.status);
      }
      return unwrapEnvelope(body, res.status);
    },
    subscribe(topics, handlers) {
      const source = new EventSource(`${base}/api/events?topics=${topics.join(',')}`, {
        withCredentials: true,
      });
      let broken = false;
      const listeners = topics.map((topic) => {
        const fn = (ev: MessageEvent<string>) => {
          let data: unknown;
          try {
            data = JSON.parse(ev.data);
          } catch {
            return;
          }
          handlers.message({ topic, data });
        };
        source.addEventListener(topic, fn);
        return [topic, fn] as const;
      });
      source.onopen = () => {
        handlers.connection(true);
        if (broken) handlers.reconnected();
        broken = false;
      };
      source.onerror = () => {
        broken = true;
        handlers.connection(false);
      };
      return () => {
        for (const [topic, fn] of listeners) source.removeEventListener(topic, fn);
        source.close();
      };
    },
    async implemented() {
      try {
        const res = await fetch(`${base}/api`, { credentials: 'same-origin' });
        if (!res.ok) return null;
        const body = (await res.json()) as { procedures?: unknown };
        return Array.isArray(body.procedures)
          ? body.procedures.filter((p): p is string => typeof p === 'string')
          : null;
      } catch {
        return null;
      }
    },
  };
}

export function ipcTransport(): Transport {
  const b = bridge();
  if (!b) throw new Error('No preload bridge.');
  return {
    kind: 'ipc',
    async call(name, input) {
      const fn = b.api[name];
      if (!fn) throw new ApiError('unknown_procedure', `No procedure named "${name}".`, 404);
      let body: unknown;
      try {
        body = await fn(input ?? {});
      } catch (e) {
        throw new ApiError('ipc', e instanceof Error ? e.message : 'The request failed.');
      }
      return unwrapEnvelope(body);
    },
    subscribe(topics, handlers) {
      handlers.connection(true);
      return b.subscribe(topics, (m) => handlers.message(m));
    },
    async implemented() {
      // The preload exposes the procedures of this build; the core behind it implements the same set.
      return Object.keys(b.api);
    },
  };
}

export function pickTransport(): Transport {
  return bridge() ? ipcTransport() : httpTransport();
}

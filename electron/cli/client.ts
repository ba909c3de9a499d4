import { defaultDataDir } from '../core/data-dir.js';
import { readRuntimeFile, type RuntimeInfo } from '../core/runtime-file.js';
import type { InputOf, OutputOf } from '../../shared/api/contract.js';
import type { Procedures } from '../../shared/api/index.js';
import type { LiveTopic } from '../../shared/api/live.js';
import { GatehouseError } from '../../shared/errors.js';

/** A typed client for the running instance's control API, found through its runtime file. */
export class ApiClient {
  constructor(readonly runtime: RuntimeInfo) {}

  static find(env: NodeJS.ProcessEnv, dataDir?: string): ApiClient {
    const dir = dataDir ?? defaultDataDir(env);
    const runtime = readRuntimeFile(dir);
    if (!runtime) {
      throw new GatehouseError(
        'not_running',
        `No running Gatehouse found for data dir ${dir}. Start one with \`gatehouse serve\` (or pass --data-dir).`,
      );
    }
    return new ApiClient(runtime);
  }

  async call<K extends keyof Procedures>(
    name: K,
    input?: InputOf<Procedures[K]>,
  ): Promise<OutputOf<Procedures[K]>> {
    let res: Response;
    try {
      res = await fetch(`${this.runtime.api}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.runtime.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch {
      throw new GatehouseError(
        'not_running',
        `Gatehouse at ${this.runtime.api} does not answer (stale runtime file?).`,
      );
    }
    const body = (await res.json()) as { result?: unknown; error?: { code: string; message: string } };
    if (!res.ok || body.error) {
      throw new GatehouseError(
        body.error?.code ?? 'failed',
        body.error?.message ?? `HTTP ${res.status}`,
        res.status,
      );
    }
    return body.result as OutputOf<Procedures[K]>;
  }

  /** Follows the live stream; returns a function that stops it. */
  follow(topics: LiveTopic[], onMessage: (topic: LiveTopic, data: unknown) => void): () => void {
    const controller = new AbortController();
    void (async () => {
      const res = await fetch(`${this.runtime.api}/api/events?topics=${topics.join(',')}`, {
        headers: { authorization: `Bearer ${this.runtime.token}` },
        signal: controller.signal,
      });
      if (!res.body) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const topic = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (topic && data) onMessage(topic as LiveTopic, JSON.parse(data));
        }
      }
    })().catch(() => undefined);
    return () => controller.abort();
  }
}

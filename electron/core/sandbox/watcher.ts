import type { Readable } from 'node:stream';
import type { SandboxDeps } from './ports.js';
import { LABELS } from './spec.js';
import type { SandboxStore, SandboxState } from './store.js';
import { JsonLines, normaliseEngineEvent, type SandboxEngineEvent } from './events.js';

const STATE_AFTER: Partial<Record<SandboxEngineEvent['type'], SandboxState>> = {
  created: 'created',
  started: 'running',
  paused: 'paused',
  resumed: 'running',
  died: 'exited',
};

/**
 * Follows the engine's container events for this instance's sandboxes, normalises them, keeps
 * the store's state current, records each in the ledger (kind 'sandbox', exit codes included)
 * and pushes it on 'sandboxes.changed'. Reconnects if the engine goes away.
 */
export class EngineWatcher {
  private stream: Readable | undefined;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(e: SandboxEngineEvent) => void>();
  private readonly connectListeners = new Set<() => void>();

  constructor(
    private readonly deps: SandboxDeps,
    private readonly store: SandboxStore,
    private readonly instance: string,
  ) {}

  onEvent(fn: (e: SandboxEngineEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls `fn` each time the event stream (re)connects: the engine answers again. */
  onConnect(fn: () => void): () => void {
    this.connectListeners.add(fn);
    return () => this.connectListeners.delete(fn);
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stream?.destroy();
    this.stream = undefined;
  }

  private async connect(): Promise<void> {
    try {
      const stream = (await this.deps.docker.getEvents({
        filters: { type: ['container'], label: [`${LABELS.instance}=${this.instance}`] },
      })) as unknown as Readable;
      if (this.stopped) return void stream.destroy();
      this.stream = stream;
      const lines = new JsonLines();
      stream.on('data', (d: Buffer) => {
        for (const raw of lines.push(d.toString('utf8'))) this.handle(raw);
      });
      const again = () => {
        if (this.stream === stream) this.stream = undefined;
        this.reconnect();
      };
      stream.on('end', again);
      stream.on('error', again);
      for (const fn of this.connectListeners) fn();
    } catch {
      this.reconnect();
    }
  }

  private reconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), 2000);
    this.retry.unref();
  }

  private handle(raw: unknown): void {
    const e = normaliseEngineEvent(raw, LABELS.sandbox);
    if (!e) return;
    const attrs = (raw as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes ?? {};
    const record = e.sandboxId ? this.store.get(e.sandboxId) : this.store.byContainer(e.containerId);
    const next = STATE_AFTER[e.type];
    if (record && next)
      this.store.update(record.id, {
        state: next,
        exitCode: e.type === 'died' ? (e.exitCode ?? null) : null,
      });
    const name = record?.name ?? attrs.name ?? e.containerId.slice(0, 12);
    const code = e.exitCode;
    this.deps.ledger?.append({
      kind: 'sandbox',
      agent: record?.agentId ?? attrs[LABELS.agent],
      sandbox: e.sandboxId ?? record?.id,
      run: record?.runId ?? attrs['dev.gatehouse.run'],
      operation: e.type,
      status: e.type === 'died' ? (code === 0 ? 'ok' : 'error') : e.type === 'oom' ? 'error' : 'ok',
      summary: `sandbox ${name} ${e.type}${code !== undefined ? ` (exit ${code})` : ''}`,
      payload: {
        containerId: e.containerId,
        image: attrs.image,
        ...(code !== undefined ? { exitCode: code } : {}),
      },
    });
    this.deps.live.publish('sandboxes.changed', {
      id: e.sandboxId ?? record?.id,
      event: e.type,
      ...(code !== undefined ? { exitCode: code } : {}),
    });
    for (const fn of this.listeners) fn(e);
  }
}

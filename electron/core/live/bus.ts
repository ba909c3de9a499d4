import type { LiveMessage, LiveTopic } from '../../../shared/api/live.js';

export type LiveListener = (message: LiveMessage) => void;

/**
 * The core's in-process live stream. Components publish; transports (SSE, IPC) subscribe.
 * A listener that throws is dropped from that message only; a slow transport must buffer
 * on its own side so the publisher (often the gateway) never waits.
 */
export class LiveBus {
  private readonly listeners = new Set<LiveListener>();

  publish(topic: LiveTopic, data: unknown = null): void {
    const message: LiveMessage = { topic, data };
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // A broken subscriber must not break the publisher.
      }
    }
  }

  /** Returns the dispose function. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}

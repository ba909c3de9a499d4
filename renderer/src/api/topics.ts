import type { LiveTopic } from '../../../shared/api/live.js';

/**
 * Which cached queries a live topic makes stale, by procedure-name prefix. Queries are keyed
 * [procedureName, input], so a prefix match covers every input of every listed procedure.
 */
export const topicInvalidates: Record<LiveTopic, readonly string[]> = {
  // Not every audit.* query: a run's timeline and transcript follow the stream themselves, and
  // re-reading a 100k-event run at every burst would swamp the core.
  'ledger.events': ['audit.runs', 'audit.status', 'audit.events', 'gateway.', 'limits.'],
  'system.changed': ['system.'],
  'gateway.stats': ['gateway.'],
  'policy.changed': ['policy.', 'approvals.', 'limits.'],
  'approvals.changed': ['approvals.'],
  'vault.changed': ['vault.'],
  'sandboxes.changed': ['sandboxes.'],
  'sandboxes.build': [],
  'kill.changed': ['kill.', 'gateway.', 'sandboxes.'],
  'agents.changed': ['agents.', 'sandboxes.'],
  'services.changed': ['services.'],
};

export function queryMatchesPrefixes(queryKey: readonly unknown[], prefixes: readonly string[]): boolean {
  const name = queryKey[0];
  return typeof name === 'string' && prefixes.some((p) => name.startsWith(p));
}

/**
 * Collects topics and flushes them at most once per `wait` ms, so a burst of 1,000 events/s
 * costs a handful of refetches, not a thousand. While paused (the window is hidden) topics
 * accumulate and flush on resume.
 */
export class TopicDebouncer {
  private pending = new Set<LiveTopic>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private paused = false;

  constructor(
    private readonly wait: number,
    private readonly flush: (topics: Set<LiveTopic>) => void,
  ) {}

  push(topic: LiveTopic): void {
    this.pending.add(topic);
    this.schedule();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.schedule();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private schedule(): void {
    if (this.paused || this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.paused) return;
      const topics = this.pending;
      this.pending = new Set();
      this.flush(topics);
    }, this.wait);
  }
}

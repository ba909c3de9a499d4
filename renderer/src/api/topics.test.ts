import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryMatchesPrefixes, topicInvalidates, TopicDebouncer } from './topics.js';
import type { LiveTopic } from '../../../shared/api/live.js';

describe('topic invalidation', () => {
  it('maps a topic to the queries it makes stale, by procedure name', () => {
    expect(queryMatchesPrefixes(['kill.status', {}], topicInvalidates['kill.changed'])).toBe(true);
    expect(queryMatchesPrefixes(['vault.list', {}], topicInvalidates['kill.changed'])).toBe(false);
    // a followed run's timeline is not re-read on every ledger burst; the runs list is
    expect(queryMatchesPrefixes(['audit.timeline', { run: 'r' }], topicInvalidates['ledger.events'])).toBe(
      false,
    );
    expect(queryMatchesPrefixes(['audit.runs', {}], topicInvalidates['ledger.events'])).toBe(true);
  });
});

describe('TopicDebouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst into one flush and holds topics while paused', () => {
    const flushed: LiveTopic[][] = [];
    const d = new TopicDebouncer(250, (t) => flushed.push([...t]));
    for (let i = 0; i < 1000; i++) d.push('ledger.events');
    d.push('kill.changed');
    vi.advanceTimersByTime(300);
    expect(flushed).toEqual([['ledger.events', 'kill.changed']]);

    d.setPaused(true);
    d.push('vault.changed');
    vi.advanceTimersByTime(1000);
    expect(flushed).toHaveLength(1);
    d.setPaused(false);
    vi.advanceTimersByTime(300);
    expect(flushed[1]).toEqual(['vault.changed']);
    d.dispose();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openDatabase, type Db } from '../db/database.js';
import { PriceTable, costOf, matchScore } from './prices.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-prices-'));
  db = openDatabase(join(dir, 'gatehouse.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('price table', () => {
  test('the shipped file prices families, their dated snapshots, and not their siblings', () => {
    const t = new PriceTable(db);
    expect(t.priceFor('claude-sonnet-4-5-20250929')?.match).toBe('claude-sonnet-4-5');
    expect(t.priceFor('claude-sonnet-4-20250514')?.match).toBe('claude-sonnet-4');
    expect(t.priceFor('claude-3-7-sonnet-latest')?.match).toBe('claude-3-7-sonnet');
    expect(t.priceFor('gpt-4o-2024-08-06')?.match).toBe('gpt-4o');
    expect(t.priceFor('gpt-4o-mini-2024-07-18')?.match).toBe('gpt-4o-mini');
    expect(t.priceFor('o4-mini-2025-04-16')?.match).toBe('o4-mini');
    expect(t.priceFor('anthropic/claude-haiku-4-5')?.match).toBe('claude-haiku-4-5');
    expect(t.priceFor('gpt-4o-audio-preview')).toBeUndefined();
    expect(t.cost('my-local-llama', { inputTokens: 1000 })).toBeNull();
  });

  test('cost counts input, output, cache reads and cache writes at their own prices', () => {
    const t = new PriceTable(db);
    // claude-sonnet-4-5: 3 in, 15 out, 0.30 cache read, 3.75 cache write per million.
    const usd = t.cost('claude-sonnet-4-5-20250929', {
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cacheReadTokens: 2_000_000,
      cacheWriteTokens: 400_000,
    });
    expect(usd).toBeCloseTo(3 + 1.5 + 0.6 + 1.5, 10);
    expect(costOf({ match: 'x', input: 2, output: 4 }, { cacheReadTokens: 500_000 })).toBe(1);
  });

  test('custom entries override the shipped ones, persist, and can be removed', () => {
    const t = new PriceTable(db);
    t.set({ match: 'gpt-4o', input: 1, output: 2 });
    t.set({ match: 'llama-*', input: 0.1, output: 0.2 });
    expect(t.cost('gpt-4o-2024-08-06', { inputTokens: 1_000_000 })).toBe(1);
    expect(t.priceFor('llama-3.1-70b')?.match).toBe('llama-*');
    const again = new PriceTable(db);
    expect(
      again
        .list()
        .filter((p) => p.source === 'custom')
        .map((p) => p.match),
    ).toEqual(['gpt-4o', 'llama-*']);
    expect(again.list().filter((p) => p.match === 'gpt-4o')).toHaveLength(1);
    expect(again.remove('gpt-4o')).toBe(true);
    expect(again.remove('gpt-4o')).toBe(false);
    expect(again.priceFor('gpt-4o')?.input).toBe(2.5);
  });

  test('the most specific glob wins', () => {
    expect(matchScore('claude-*', 'claude-opus-4-1')).toBeLessThan(
      matchScore('claude-opus-*', 'claude-opus-4-1') ?? 0,
    );
    expect(matchScore('claude-opus-4', 'claude-opus-4-1')).toBeUndefined();
    expect(matchScore('a.b*', 'aXb')).toBeUndefined();
  });
});

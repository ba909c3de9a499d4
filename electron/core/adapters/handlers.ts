import type { Handlers } from '../api/registry.js';
import type { pricesProcedures } from '../../../shared/api/prices.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { PriceTable } from './prices.js';

export function pricesHandlers(
  prices: PriceTable,
  audit?: (e: LedgerEventInput) => void,
): Handlers<typeof pricesProcedures> {
  return {
    'prices.list': () => ({ unit: 'USD per million tokens', prices: prices.list() }),
    'prices.set': (input, ctx) => {
      const p = prices.set(input);
      audit?.({
        kind: 'config',
        operation: 'prices.set',
        summary: `price for ${p.match} set by ${ctx.actor}`,
        payload: p,
      });
      return p;
    },
    'prices.remove': ({ match }, ctx) => {
      const removed = prices.remove(match);
      if (removed)
        audit?.({
          kind: 'config',
          operation: 'prices.remove',
          summary: `price for ${match} removed by ${ctx.actor}`,
          payload: { match },
        });
      return { removed };
    },
    'prices.quote': ({ model, ...usage }) => {
      const price = prices.priceFor(model);
      const entry = price ? (prices.list().find((p) => p.match === price.match) ?? null) : null;
      return { price: entry, costUsd: price ? prices.cost(model, usage) : null };
    },
  };
}

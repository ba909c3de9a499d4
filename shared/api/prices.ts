import { z } from 'zod';
import { procedure } from './contract.js';

export const priceInputSchema = z.object({
  /** A model name (also matching its dated snapshots, e.g. gpt-4o-2024-08-06) or a glob with '*'. */
  match: z.string().min(1).max(200),
  /** USD per million input tokens (uncached). */
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  /** Defaults to the input price. */
  cacheRead: z.number().nonnegative().optional(),
  /** Defaults to the input price. */
  cacheWrite: z.number().nonnegative().optional(),
});

export const priceEntrySchema = priceInputSchema.extend({ source: z.enum(['shipped', 'custom']) });
export type PriceEntryView = z.infer<typeof priceEntrySchema>;

export const pricesProcedures = {
  'prices.list': procedure(
    'Prices per model in USD per million tokens: your entries first, then the shipped table.',
    z.object({}).default({}),
    z.object({ unit: z.string(), prices: z.array(priceEntrySchema) }),
  ),
  'prices.set': procedure(
    'Sets (or replaces) your price for a model or model glob; it overrides the shipped price.',
    priceInputSchema,
    priceEntrySchema,
  ),
  'prices.remove': procedure(
    'Removes your price for a model (the shipped price, if any, applies again).',
    z.object({ match: z.string().min(1) }),
    z.object({ removed: z.boolean() }),
  ),
  'prices.quote': procedure(
    'The price that applies to a model, and the cost of the given token counts (null = price unknown).',
    z.object({
      model: z.string().min(1),
      inputTokens: z.number().int().nonnegative().default(0),
      outputTokens: z.number().int().nonnegative().default(0),
      cacheReadTokens: z.number().int().nonnegative().default(0),
      cacheWriteTokens: z.number().int().nonnegative().default(0),
    }),
    z.object({ price: priceEntrySchema.nullable(), costUsd: z.number().nonnegative().nullable() }),
  ),
};

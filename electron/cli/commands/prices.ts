import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

const money = (n: number | undefined): string => (n === undefined ? '-' : `$${n}`);

export const pricesCommand: Command = {
  name: 'prices',
  summary: 'Show or edit the per-model price table used for cost (USD per million tokens).',
  help: `Usage: gatehouse prices ls
       gatehouse prices set MODEL --input USD --output USD [--cache-read USD] [--cache-write USD]
       gatehouse prices rm MODEL
       gatehouse prices quote MODEL [--input-tokens N] [--output-tokens N] [--cache-read-tokens N] [--cache-write-tokens N]

  MODEL is a model name (it also matches dated snapshots: gpt-4o matches gpt-4o-2024-08-06) or a glob
  with '*' (llama-*). Your entries override the shipped table (resources/prices.json). A model with no
  price is recorded with its tokens and "price unknown".
  --data-dir DIR, --json`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      input: { type: 'string' },
      output: { type: 'string' },
      'cache-read': { type: 'string' },
      'cache-write': { type: 'string' },
      'input-tokens': { type: 'string', default: '0' },
      'output-tokens': { type: 'string', default: '0' },
      'cache-read-tokens': { type: 'string', default: '0' },
      'cache-write-tokens': { type: 'string', default: '0' },
    });
    const [verb, model, extra] = positionals;
    if (extra) throw new UsageError(`unexpected argument "${extra}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    const num = (flag: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0)
        throw new UsageError(`--${flag} must be a non-negative number (got "${v}").`);
      return n;
    };
    switch (verb) {
      case 'ls':
      case 'list': {
        const r = await client.call('prices.list', {});
        if (values.json) println(io.stdout, JSON.stringify(r));
        else {
          println(
            io.stdout,
            `${'MODEL'.padEnd(28)} ${'INPUT'.padStart(8)} ${'OUTPUT'.padStart(8)} ${'CACHE R'.padStart(8)} ${'CACHE W'.padStart(8)}  (${r.unit})`,
          );
          for (const p of r.prices)
            println(
              io.stdout,
              `${p.match.padEnd(28)} ${money(p.input).padStart(8)} ${money(p.output).padStart(8)} ${money(p.cacheRead).padStart(8)} ${money(p.cacheWrite).padStart(8)}  ${p.source}`,
            );
        }
        return EXIT.ok;
      }
      case 'set': {
        if (!model) throw new UsageError('prices set needs a MODEL.');
        const input = num('input', values.input);
        const output = num('output', values.output);
        if (input === undefined || output === undefined)
          throw new UsageError('prices set needs --input and --output.');
        const cacheRead = num('cache-read', values['cache-read']);
        const cacheWrite = num('cache-write', values['cache-write']);
        const p = await client.call('prices.set', {
          match: model,
          input,
          output,
          ...(cacheRead !== undefined ? { cacheRead } : {}),
          ...(cacheWrite !== undefined ? { cacheWrite } : {}),
        });
        if (values.json) println(io.stdout, JSON.stringify(p));
        else
          println(
            io.stdout,
            `Price for ${p.match}: ${money(p.input)} in / ${money(p.output)} out per million tokens.`,
          );
        return EXIT.ok;
      }
      case 'rm':
      case 'remove': {
        if (!model) throw new UsageError('prices rm needs a MODEL.');
        const r = await client.call('prices.remove', { match: model });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else
          println(
            io.stdout,
            r.removed ? `Your price for ${model} removed.` : `You have no price for ${model}.`,
          );
        return r.removed ? EXIT.ok : EXIT.failed;
      }
      case 'quote': {
        if (!model) throw new UsageError('prices quote needs a MODEL.');
        const r = await client.call('prices.quote', {
          model,
          inputTokens: num('input-tokens', values['input-tokens']) ?? 0,
          outputTokens: num('output-tokens', values['output-tokens']) ?? 0,
          cacheReadTokens: num('cache-read-tokens', values['cache-read-tokens']) ?? 0,
          cacheWriteTokens: num('cache-write-tokens', values['cache-write-tokens']) ?? 0,
        });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else if (!r.price) println(io.stdout, `${model}: price unknown.`);
        else
          println(
            io.stdout,
            `${model}: priced as ${r.price.match} (${r.price.source}); cost $${(r.costUsd ?? 0).toFixed(6)}`,
          );
        return EXIT.ok;
      }
      default:
        throw new UsageError(
          verb ? `unknown prices command "${verb}".` : 'prices needs a command: ls, set, rm, quote.',
        );
    }
  },
};

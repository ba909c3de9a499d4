import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// `npm run bench -- NAME [--quick]`: runs bench/NAME.ts, which prints its table and writes bench/results/NAME.json.
const dir = fileURLToPath(new URL('.', import.meta.url));
const name = process.argv.slice(2).find((a) => !a.startsWith('-'));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(`${dir}${name}.ts`)) {
  console.error(
    `Usage: npm run bench -- NAME [--quick]\nBenchmarks: ${available.join(', ') || '(none yet)'}`,
  );
  process.exit(2);
}
await import(pathToFileURL(`${dir}${name}.ts`).href);

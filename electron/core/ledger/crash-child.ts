/**
 * Test helper process for crash.test.ts: appends under load and, like the gateway, forwards a
 * request upstream only after its request event is durable. Run with `node --import tsx`.
 */
import { join } from 'node:path';
import { Ledger } from './ledger.js';

const [dir, upstream] = process.argv.slice(2);
if (!dir || !upstream) throw new Error('usage: crash-child.ts DIR UPSTREAM_URL');
const ledger = await Ledger.open({ file: join(dir, 'ledger.db') });
const run = ledger.newRunId();
process.stdout.write('ready\n');

async function worker(n: number): Promise<never> {
  for (let i = 0; ; i++) {
    // Background noise: plain events that are not acknowledged to anyone.
    for (let k = 0; k < 20; k++)
      ledger.append({ kind: 'output', run, payload: { text: `chunk ${n}/${i}/${k}` } });
    const id = await ledger.appendDurable({
      kind: 'request',
      run,
      agent: `w${n}`,
      operation: 'http:POST upstream',
      payload: { i },
    });
    await fetch(upstream as string, { method: 'POST', headers: { 'x-event-id': id } }).then((r) =>
      r.arrayBuffer(),
    );
  }
}
await Promise.all(Array.from({ length: 16 }, (_, n) => worker(n)));

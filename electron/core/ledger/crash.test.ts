import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';

describe('crash safety', () => {
  it('after SIGKILL under load, every request the upstream received is in the ledger and verify passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    const received: string[] = [];
    const upstream = createServer((req, res) => {
      received.push(String(req.headers['x-event-id']));
      res.end('ok');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./crash-child.ts', import.meta.url)), dir, url],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error('child exited early')));
    });
    while (received.length < 1000) {
      if (child.exitCode !== null) throw new Error('the child stopped before it was killed');
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const acked = [...received];
    await new Promise<void>((r) => upstream.close(() => r()));

    const ledger = await Ledger.open({ file: join(dir, 'ledger.db') });
    try {
      const db = ledger.queries.raw();
      const has = db.prepare('SELECT 1 FROM events WHERE id = ?').pluck();
      const missing = acked.filter((id) => !has.get(id));
      expect(missing).toEqual([]);
      const v = await ledger.verify();
      expect(v.ok).toBe(true);
      expect(v.events).toBeGreaterThan(acked.length * 20);
      // The ledger carries on after the crash.
      await ledger.appendDurable({ kind: 'error', summary: 'restarted after a crash' });
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

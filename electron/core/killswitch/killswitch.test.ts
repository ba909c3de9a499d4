import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEventInput } from '../../../shared/events.js';
import { openDatabase, type Db } from '../db/database.js';
import { KillSwitch } from './killswitch.js';

const dirs: string[] = [];
const dbs: Db[] = [];
function tempDbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-kill-'));
  dirs.push(dir);
  return join(dir, 'gatehouse.db');
}
function open(
  file: string,
  record?: (e: LedgerEventInput) => void,
  publish?: (d: unknown) => void,
): KillSwitch {
  const db = openDatabase(file);
  dbs.push(db);
  return KillSwitch.open({ db, record, publish });
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('KillSwitch scopes', () => {
  it('halts exactly what each scope covers', async () => {
    const ks = open(tempDbFile());
    expect(ks.halted('a1', 'github')).toBeUndefined();

    await ks.engage({ kind: 'agent', agent: 'a1' }, 'test', 'runaway');
    expect(ks.halted('a1')).toEqual({ kind: 'agent', agent: 'a1' });
    expect(ks.halted('a1', 'github')).toEqual({ kind: 'agent', agent: 'a1' });
    expect(ks.halted('a2', 'github')).toBeUndefined();

    await ks.engage({ kind: 'service', service: 'github' }, 'test');
    expect(ks.halted('a2', 'github')).toEqual({ kind: 'service', service: 'github' });
    expect(ks.halted('a2', 'slack')).toBeUndefined();
    expect(ks.halted('a2')).toBeUndefined();

    await ks.engage({ kind: 'agent-service', agent: 'a3', service: 'slack' }, 'test');
    expect(ks.halted('a3', 'slack')).toEqual({ kind: 'agent-service', agent: 'a3', service: 'slack' });
    expect(ks.halted('a3', 'jira')).toBeUndefined();
    expect(ks.halted('a2', 'slack')).toBeUndefined();
    expect(ks.halted('a3')).toBeUndefined();

    await ks.engage({ kind: 'global' }, 'test');
    expect(ks.halted('anyone', 'anything')).toEqual({ kind: 'global' });
    expect(ks.halted('anyone')).toEqual({ kind: 'global' });
  });

  it('releases only the exact scope, and says when nothing was engaged', async () => {
    const ks = open(tempDbFile());
    await ks.engage({ kind: 'global' }, 'test');
    await ks.engage({ kind: 'agent', agent: 'a1' }, 'test');
    expect(await ks.release({ kind: 'agent', agent: 'a2' }, 'test')).toBe(false);
    expect(await ks.release({ kind: 'global' }, 'test')).toBe(true);
    expect(ks.halted('a2', 'x')).toBeUndefined();
    expect(ks.halted('a1', 'x')).toEqual({ kind: 'agent', agent: 'a1' });
    expect(await ks.release({ kind: 'agent', agent: 'a1' }, 'test')).toBe(true);
    expect(ks.halted('a1', 'x')).toBeUndefined();
    expect(ks.list()).toEqual([]);
  });
});

describe('KillSwitch persistence (real SQLite)', () => {
  it('engaged switches are in force right after reopening, before anything else runs', async () => {
    const file = tempDbFile();
    const first = open(file);
    await first.engage({ kind: 'service', service: 'github' }, 'alice', 'leaked token');
    await first.engage({ kind: 'agent-service', agent: 'a1', service: 'slack' }, 'alice', 'spam');
    dbs[0]!.close();

    const second = open(file);
    expect(second.halted('a9', 'github')).toEqual({ kind: 'service', service: 'github' });
    expect(second.halted('a1', 'slack')).toEqual({ kind: 'agent-service', agent: 'a1', service: 'slack' });
    expect(second.list().map((s) => [s.who, s.reason])).toEqual([
      ['alice', 'leaked token'],
      ['alice', 'spam'],
    ]);
  });

  it('a release survives a reopen too', async () => {
    const file = tempDbFile();
    const first = open(file);
    await first.engage({ kind: 'global' }, 'alice', 'panic');
    await first.release({ kind: 'global' }, 'bob');
    dbs[0]!.close();
    expect(open(file).halted('a1', 'github')).toBeUndefined();
  });

  it('the state is on disk when engage resolves: another connection sees it at once', async () => {
    const file = tempDbFile();
    const ks = open(file);
    await ks.engage({ kind: 'agent', agent: 'a7' }, 'alice', 'now');
    const other = openDatabase(file);
    dbs.push(other);
    const rows = other.prepare('SELECT scope, who FROM kill_switches').all();
    expect(rows).toEqual([{ scope: JSON.stringify({ kind: 'agent', agent: 'a7' }), who: 'alice' }]);
  });

  it('keeps the sandbox action setting across reopen', () => {
    const file = tempDbFile();
    const ks = open(file);
    expect(ks.sandboxAction).toBe('pause');
    ks.setSandboxAction('stop');
    dbs[0]!.close();
    expect(open(file).sandboxAction).toBe('stop');
  });

  it('a corrupt row fails closed to a global stop', async () => {
    const file = tempDbFile();
    open(file);
    dbs[0]!.prepare("INSERT INTO kill_switches VALUES ('x', '{\"kind\":\"bogus\"}', 'x', 'x', 'x')").run();
    dbs[0]!.close();
    expect(open(file).halted('a1', 's1')).toEqual({ kind: 'global' });
  });
});

describe('KillSwitch listeners, ledger and live', () => {
  it('runs listeners, records who/why/what was cut, publishes kill.changed', async () => {
    const events: LedgerEventInput[] = [];
    const published: unknown[] = [];
    const ks = open(
      tempDbFile(),
      (e) => events.push(e),
      (d) => published.push(d),
    );
    const seen: string[] = [];
    ks.onEngage((scope, ctx) => {
      seen.push(`gateway:${scope.kind}:${ctx.sandboxAction}`);
      return { streamsAborted: 3 };
    });
    ks.onEngage(async () => ({ sandboxesPaused: 2 }));
    ks.onEngage(() => {
      throw new Error('vault is locked');
    });
    const dispose = ks.onEngage(() => ({ never: 1 }));
    dispose();

    const result = await ks.engageAndReport({ kind: 'agent', agent: 'rogue' }, 'cli', 'exfiltration');
    expect(seen).toEqual(['gateway:agent:pause']);
    expect(result.cut).toEqual({ streamsAborted: 3, sandboxesPaused: 2 });
    expect(result.problems).toEqual(['vault is locked']);
    expect(ks.halted('rogue')).toBeDefined();

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'kill',
      status: 'engaged',
      agent: 'rogue',
      payload: { who: 'cli', reason: 'exfiltration', cut: { streamsAborted: 3, sandboxesPaused: 2 } },
    });
    expect(published).toHaveLength(1);

    const resumed: boolean[] = [];
    ks.onRelease((_s, ctx) => {
      resumed.push(ctx.resumeSandboxes);
      return { sandboxesResumed: ctx.resumeSandboxes ? 2 : 0 };
    });
    await ks.release({ kind: 'agent', agent: 'rogue' }, 'cli', { resumeSandboxes: true });
    expect(resumed).toEqual([true]);
    expect(events[1]).toMatchObject({
      kind: 'kill',
      status: 'released',
      payload: { who: 'cli', resumed: { sandboxesResumed: 2 } },
    });
    expect(published).toHaveLength(2);
  });

  it('refuses new requests before the listeners have finished', async () => {
    const ks = open(tempDbFile());
    let haltedDuringListener: unknown;
    ks.onEngage(async () => {
      haltedDuringListener = ks.halted('a1', 's1');
      await new Promise((r) => setTimeout(r, 5));
    });
    await ks.engage({ kind: 'global' }, 'test');
    expect(haltedDuringListener).toEqual({ kind: 'global' });
  });
});

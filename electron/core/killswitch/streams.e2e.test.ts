import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KillTestbed, type AgentStream } from './testbed.js';

/**
 * Issue 9's end-to-end test with the real gateway, ledger, policy and a streaming upstream on
 * loopback (the demo provider's slow model): 50 streams cut at once, an agent outside the
 * scope unaffected, the switch in force across a restart, release lets traffic flow again.
 */
const dir = mkdtempSync(join(tmpdir(), 'gh-kill-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill switch end to end (gateway + streaming upstream on loopback)', () => {
  let rogueKey = '';
  let rogueId = '';
  let bystanderKey = '';

  it('engaging an agent scope cuts its 50 streams on both sides; another agent keeps streaming', async () => {
    const tb = await KillTestbed.start({ dir });
    try {
      const rogue = tb.hostAgent('rogue', 'demo-rogue');
      const bystander = tb.hostAgent('bystander', 'demo-helpful');
      rogueKey = rogue.key;
      rogueId = rogue.agent.id;
      bystanderKey = bystander.key;

      const cut = await Promise.all(
        Array.from({ length: 50 }, (_, i) => tb.openStream(rogue.key, `rogue-${i}`)),
      );
      const kept = await Promise.all(
        Array.from({ length: 3 }, (_, i) => tb.openStream(bystander.key, `bystander-${i}`)),
      );
      expect(cut.every((s) => s.status === 200)).toBe(true);
      expect(tb.provider.activeStreams).toBe(53);

      await tb.killSwitch.engage({ kind: 'agent', agent: rogue.agent.id }, 'test', 'runaway streams');
      for (const s of cut) s.mark();
      await Promise.all(cut.map((s) => s.closed()));

      // Agent side: every stream ended without completing (no message_stop), and nothing more arrives.
      expect(cut.map((s) => s.ended)).toEqual(cut.map(() => 'cut'));
      const bytesAfterClose = cut.map((s) => s.bytes);
      await wait(150);
      expect(cut.map((s) => s.bytes)).toEqual(bytesAfterClose);
      // Upstream side: the provider's sockets for the cut streams are closed; the bystander's are not.
      while (tb.provider.activeStreams > 3) await wait(5);
      expect(tb.provider.activeStreams).toBe(3);

      // The bystander keeps receiving bytes.
      const before = kept.map((s) => s.bytes);
      await wait(150);
      kept.forEach((s, i) => expect(s.bytes).toBeGreaterThan(before[i]!));
      expect(kept.every((s) => s.ended === undefined)).toBe(true);

      // New requests in scope are refused with the rule named; outside the scope they flow.
      const refused = await tb.openStream(rogue.key, 'rogue-after');
      await refused.closed();
      expect(refused.status).toBe(403);
      const fresh = await tb.openStream(bystander.key, 'bystander-after');
      expect(fresh.status).toBe(200);

      // The ledger tells who, why and what was cut.
      await tb.ledger.flush();
      const kills = tb.ledger.queries.events({ kind: 'kill' }, { payload: true }).items;
      expect(kills).toHaveLength(1);
      expect(kills[0]).toMatchObject({
        agent: rogue.agent.id,
        status: 'engaged',
        payload: { who: 'test', reason: 'runaway streams', cut: { streamsAborted: 50 } },
      });
      for (const s of [...kept, fresh]) s.mark();
    } finally {
      await tb.close({ keepDir: true });
    }
  });

  it('after a restart the switch is in force before the first request; release lets traffic flow again', async () => {
    const tb = await KillTestbed.start({ dir });
    try {
      expect(tb.killSwitch.halted(rogueId, 'demo')).toEqual({ kind: 'agent', agent: rogueId });
      const first = await tb.openStream(rogueKey, 'rogue-after-restart');
      await first.closed();
      expect(first.status).toBe(403);
      const other: AgentStream = await tb.openStream(bystanderKey, 'bystander-after-restart');
      expect(other.status).toBe(200);

      await tb.killSwitch.release({ kind: 'agent', agent: rogueId }, 'test');
      const again = await tb.openStream(rogueKey, 'rogue-released');
      expect(again.status).toBe(200);
      await tb.ledger.flush();
      const kills = tb.ledger.queries.events({ kind: 'kill' }, { payload: true }).items;
      expect(kills.map((k) => k.status)).toEqual(['engaged', 'released']);
    } finally {
      await tb.close({ keepDir: true });
    }
  });
});

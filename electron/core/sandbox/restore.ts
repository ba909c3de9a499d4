import type { SandboxManager } from './manager.js';
import { LABELS } from './spec.js';

/**
 * After an app restart: sandboxes whose container still runs get their door (socket) back, or
 * are stopped and removed, by setting. Records whose container is gone are dropped; containers
 * of this instance that have no record (a crash mid-create) are removed. `reached: false`: the
 * engine did not answer and nothing was changed.
 */
export async function restoreSandboxes(
  m: SandboxManager,
  mode: 'reattach' | 'cleanup',
): Promise<{ reattached: number; removed: number; reached: boolean }> {
  let reattached = 0;
  let removed = 0;
  let containers;
  try {
    // A missing or hung engine must not hold up the app's start: nothing to re-attach then.
    containers = await Promise.race([
      m.docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}=${m.instance}`] } }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('engine timeout')), 5000).unref()),
    ]);
  } catch {
    // Nothing is discarded: the manager tries again once the engine answers (see manager.open).
    return { reattached, removed, reached: false };
  }
  const byId = new Map(containers.map((c) => [c.Id, c]));
  const known = new Set<string>();
  for (const r of m.store.list()) {
    const c = r.containerId ? byId.get(r.containerId) : undefined;
    if (!c) {
      await m.discard(r);
      removed++;
      continue;
    }
    known.add(c.Id);
    const alive = c.State === 'running' || c.State === 'paused';
    if (alive && mode === 'reattach') {
      try {
        await m.openDoor(m.agentFor(r));
        reattached++;
      } catch {
        // Its agent is gone (or the door cannot open): a sandbox without a door is only a risk.
        await m.discard(r);
        removed++;
        continue;
      }
    } else if (alive) {
      await m.discard(r);
      removed++;
    }
    await m.refresh(r.id);
  }
  for (const c of containers) {
    if (known.has(c.Id)) continue;
    await m.docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
    removed++;
  }
  return { reattached, removed, reached: true };
}

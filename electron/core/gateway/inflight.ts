import type { KillScope } from './ports.js';

export interface InFlightEntry {
  id: string;
  agent: string;
  service: string;
  /** Further services the entry belongs to (the MCP server a /mcp call addresses). */
  also?: string[];
  operation: string;
  door: string;
  startedAt: number;
  /** Cuts the upstream and the agent side; idempotent. */
  abort(reason: string): void;
}

export type InFlightFilter = KillScope | { kind: 'all' } | ((e: InFlightEntry) => boolean);

/** Every request and tunnel passing through right now, so the kill switch can cut them. */
export class InFlight {
  private readonly entries = new Map<string, InFlightEntry>();
  private seq = 0;

  add(e: Omit<InFlightEntry, 'id' | 'startedAt'>): InFlightEntry {
    const entry: InFlightEntry = { ...e, id: `f${++this.seq}`, startedAt: Date.now() };
    this.entries.set(entry.id, entry);
    return entry;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  list(): InFlightEntry[] {
    return [...this.entries.values()];
  }

  /** Aborts every entry the filter matches and returns how many were cut. */
  abort(filter: InFlightFilter, reason = 'aborted'): number {
    const match = typeof filter === 'function' ? filter : scopeMatcher(filter);
    let n = 0;
    for (const e of [...this.entries.values()]) {
      if (!match(e)) continue;
      this.entries.delete(e.id);
      e.abort(reason);
      n++;
    }
    return n;
  }
}

function scopeMatcher(s: KillScope | { kind: 'all' }): (e: InFlightEntry) => boolean {
  switch (s.kind) {
    case 'all':
    case 'global':
      return () => true;
    case 'agent':
      return (e) => e.agent === s.agent;
    case 'service':
      return (e) => e.service === s.service || !!e.also?.includes(s.service);
    case 'agent-service':
      return (e) => e.agent === s.agent && (e.service === s.service || !!e.also?.includes(s.service));
  }
}

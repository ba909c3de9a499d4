/** A Docker engine event, normalised: the only engine vocabulary the rest of Gatehouse sees. */
export type SandboxEventType = 'created' | 'started' | 'paused' | 'resumed' | 'died' | 'oom' | 'removed';

export interface SandboxEngineEvent {
  type: SandboxEventType;
  containerId: string;
  sandboxId?: string;
  exitCode?: number;
  time: string;
}

const ACTIONS: Record<string, SandboxEventType> = {
  create: 'created',
  start: 'started',
  pause: 'paused',
  unpause: 'resumed',
  die: 'died',
  oom: 'oom',
  destroy: 'removed',
};

/** Docker's wire format: {Type, Action, Actor: {ID, Attributes}, time, timeNano}. */
export function normaliseEngineEvent(raw: unknown, sandboxLabel: string): SandboxEngineEvent | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as {
    Type?: string;
    Action?: string;
    status?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    time?: number;
    timeNano?: number;
  };
  if (e.Type !== 'container') return undefined;
  const type = ACTIONS[e.Action ?? e.status ?? ''];
  const id = e.Actor?.ID;
  if (!type || !id) return undefined;
  const attrs = e.Actor?.Attributes ?? {};
  const ms = e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000 || Date.now();
  const out: SandboxEngineEvent = { type, containerId: id, time: new Date(ms).toISOString() };
  if (attrs[sandboxLabel]) out.sandboxId = attrs[sandboxLabel];
  if (type === 'died' && attrs.exitCode !== undefined) out.exitCode = Number(attrs.exitCode);
  return out;
}

/** Splits a stream of concatenated JSON objects (Docker's /events) into parsed values. */
export class JsonLines {
  private buffer = '';
  push(chunk: string): unknown[] {
    this.buffer += chunk;
    const out: unknown[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // Not one object per line: leave it; Docker always ends events with a newline.
      }
    }
    return out;
  }
}

import type { LedgerEventInput } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';
import type { GatewayDeps } from './deps.js';
import type { InFlight } from './inflight.js';
import type { GatewayCounters } from './stats.js';

/** What the side routes (/mcp, /gate) need from the pipeline: the Pipeline satisfies it. */
export interface RouteKit {
  readonly deps: GatewayDeps;
  readonly opts: { maxBodyBytes: number };
  readonly counters: GatewayCounters;
  readonly inflight: InFlight;
  record(e: LedgerEventInput): string | undefined;
  runFor(agent: Agent): string;
}

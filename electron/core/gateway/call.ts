/**
 * One HTTP call as it moves through the pipeline's stages: who sent it (`RequestContext`), where
 * it goes, and the state the kill switch changes under the stages' feet. `StageKit` is what a
 * stage needs from the Pipeline.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';
import type { GatewayDeps } from './deps.js';
import type { DescribedOperation } from './operation.js';
import type { InterceptedHost, Target } from './route.js';

/** Who is asking, through which door (identity is the door's job). */
export interface RequestContext {
  agent: Agent;
  door: string;
  intercepted?: InterceptedHost;
}

export interface HttpCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: RequestContext;
  readonly run: string;
  readonly target: Target;
  /** The service's name (`target.serviceName`). */
  readonly service: string;
  /** When the pipeline took the call (performance.now()), for latencies. */
  readonly t0: number;
  /** Set by the in-flight entry's abort (the kill switch): later stages stop, nothing is answered. */
  killed?: string;
  /** The request sent upstream, so the kill switch can destroy it. */
  upstreamReq?: ClientRequest;
  /** What the call is, once its body has been read. */
  described?: DescribedOperation;
}

/** What a stage needs from the Pipeline. */
export interface StageKit {
  readonly deps: GatewayDeps;
  record(e: LedgerEventInput): string | undefined;
}

/** The fields every ledger event of the call shares. */
export interface CallBase {
  agent: string;
  run: string;
  service: string;
  operation: string;
}

export function callBase(call: HttpCall, label: string): CallBase {
  return { agent: call.ctx.agent.id, run: call.run, service: call.service, operation: label };
}

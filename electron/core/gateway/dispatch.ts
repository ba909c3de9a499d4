/**
 * Upstream dispatch of an admitted, recorded HTTP call: the request goes out on the pooled
 * connections, an unreachable upstream is recorded and refused (a kill-switch cut is recorded as
 * `killed` and not answered), and the response is relayed back, its outcome handed to
 * `recordResponse`.
 */
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isGatehouseError } from '../../../shared/errors.js';
import type { CallBase, HttpCall, StageKit } from './call.js';
import type { Outbound } from './inject.js';
import type { DescribedOperation } from './operation.js';
import { recordResponse } from './record.js';
import { refuse } from './refusals.js';
import { relayResponse } from './relay.js';
import { awaitResponse, type Upstream } from './upstream.js';

export interface DispatchKit extends StageKit {
  readonly upstream: Upstream;
  readonly maxScanBytes: number;
}

/** The call as it leaves: where, with what, and the request event it hangs from. */
export interface Sending {
  out: Outbound;
  body: Buffer;
  base: CallBase;
  described: DescribedOperation;
  requestId: string;
}

export async function dispatch(p: DispatchKit, call: HttpCall, s: Sending): Promise<void> {
  const { req, res, target } = call;
  const { base, requestId } = s;
  const upstreamReq = p.upstream.request(
    new URL(s.out.path, target.url!),
    req.method ?? 'GET',
    s.out.headers,
  );
  call.upstreamReq = upstreamReq;
  upstreamReq.end(s.body);
  let upstreamRes: IncomingMessage;
  try {
    upstreamRes = await awaitResponse(upstreamReq);
  } catch (e) {
    if (call.killed) {
      p.record({
        ...base,
        kind: 'response',
        parent: requestId,
        status: 'killed',
        latencyMs: performance.now() - call.t0,
        summary: `${base.operation} cut by the kill switch`,
      });
      return;
    }
    const code = isGatehouseError(e) ? e.code : 'upstream_unreachable';
    p.record({
      ...base,
      kind: 'error',
      parent: requestId,
      status: code,
      latencyMs: performance.now() - call.t0,
      summary: `${base.operation}: upstream ${code}`,
    });
    throw refuse(
      isGatehouseError(e) ? e.status : 502,
      code,
      `The upstream for ${call.service} could not be reached.`,
      'upstream',
    );
  }
  await relayResponse({
    deps: p.deps,
    res,
    upstreamReq,
    upstreamRes,
    described: s.described,
    leased: s.out.leased,
    maxScanBytes: p.maxScanBytes,
    dialect: target.dialect,
    scanContext: { agent: call.ctx.agent, service: call.service },
    onDone: (outcome) =>
      recordResponse(
        p,
        call,
        {
          base,
          requestId,
          described: s.described,
          requestBytes: s.body.length,
          statusCode: upstreamRes.statusCode,
        },
        outcome,
      ),
  });
}

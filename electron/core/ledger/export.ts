import type { LedgerEvent } from '../../../shared/events.js';
import { attr, hex, listAttr, nanos, type OtlpSpan } from './otlp.js';
import { GenAiContent } from './otlp-events.js';

/** One JSONL line per event: the event with conversation messages inlined. */
export const jsonlLine = (e: LedgerEvent): string => JSON.stringify(e);

/**
 * A run as OpenTelemetry spans following the GenAI semantic conventions: one `invoke_agent`
 * root per run, a `chat <model>` span per LLM request (ended by its response, with usage),
 * `execute_tool <name>` per tool call, and a span per HTTP / MCP action. With `content` (the
 * default) the prompts, inputs, outputs, reasoning and tool calls ride along as gen_ai span events
 * (`otlp-events.ts`); `content: false` sends the spans with their attributes only. See README.
 */
export function runToSpans(run: string, events: LedgerEvent[], opts: { content?: boolean } = {}): OtlpSpan[] {
  if (!events.length) return [];
  const traceId = hex(run, 16);
  const rootId = hex('root:' + run, 8);
  const t0 = Date.parse(events[0]?.ts ?? '');
  const t1 = Date.parse(events[events.length - 1]?.ts ?? '');
  const agent = events.find((e) => e.agent)?.agent;
  const spans: OtlpSpan[] = [];
  const byId = new Map<string, OtlpSpan>();
  const root: OtlpSpan = {
    traceId, spanId: rootId, name: `invoke_agent ${agent ?? ''}`.trim(), kind: 1,
    startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t1),
    attributes: [...attr('gen_ai.operation.name', 'invoke_agent'), ...attr('gen_ai.agent.id', agent), ...attr('gen_ai.conversation.id', run)],
    status: { code: 0 },
  }; // prettier-ignore
  spans.push(root);
  const content = opts.content === false ? undefined : new GenAiContent();
  for (const e of events) {
    const start = Date.parse(e.ts);
    const host = (e.parent && byId.get(e.parent)) || root;
    if (e.kind === 'request' || e.kind === 'tool_call' || e.kind === 'action') {
      const llm = e.operation?.startsWith('llm:');
      const model = llm ? e.operation?.slice(4) : undefined;
      const p = (e.payload ?? {}) as Record<string, unknown>;
      const toolName =
        e.kind === 'tool_call' ? (typeof p.name === 'string' ? p.name : e.operation) : undefined;
      const op = llm ? 'chat' : e.kind === 'tool_call' ? 'execute_tool' : 'http';
      const span: OtlpSpan = {
        traceId,
        spanId: hex(e.id, 8),
        parentSpanId: host.spanId,
        name: llm ? `chat ${model}` : toolName ? `execute_tool ${toolName}` : (e.operation ?? e.kind),
        kind: 3,
        startTimeUnixNano: nanos(start),
        endTimeUnixNano: nanos(start + (e.latencyMs ?? 0)),
        attributes: [
          ...attr('gen_ai.operation.name', op),
          ...attr('gen_ai.provider.name', llm ? e.service : undefined),
          ...attr('gen_ai.request.model', model),
          ...attr('gen_ai.tool.name', toolName),
          ...attr(
            'gen_ai.tool.call.id',
            e.kind === 'tool_call' && typeof p.id === 'string' ? p.id : undefined,
          ),
          ...attr('gen_ai.agent.id', e.agent),
          ...attr('gen_ai.conversation.id', run),
          ...attr('gatehouse.event.id', e.id),
          ...attr('gatehouse.service', e.service),
          ...attr('gatehouse.operation', e.operation),
        ],
        status: { code: 0 },
      };
      byId.set(e.id, span);
      spans.push(span);
      if (e.kind === 'tool_call') content?.add(e, host, span);
    } else if (e.kind === 'response' || e.kind === 'decision') {
      const span = e.parent ? byId.get(e.parent) : undefined;
      if (!span) continue;
      if (e.kind === 'decision') {
        span.attributes.push(...attr('gatehouse.decision', e.decision), ...attr('gatehouse.rule', e.rule));
        if (e.decision === 'deny') span.status = { code: 2, message: `denied by ${e.rule ?? 'policy'}` };
        continue;
      }
      span.endTimeUnixNano = nanos(start); // the response closes its request's span
      const p = (e.payload ?? {}) as Record<string, unknown>;
      span.attributes.push(
        ...attr('gen_ai.usage.input_tokens', e.usage?.inputTokens),
        ...attr('gen_ai.usage.output_tokens', e.usage?.outputTokens),
        ...attr('gen_ai.usage.cache_read.input_tokens', e.usage?.cacheReadTokens),
        ...attr('gen_ai.usage.cache_creation.input_tokens', e.usage?.cacheWriteTokens),
        ...attr('gen_ai.response.model', typeof p.model === 'string' ? p.model : undefined),
        ...listAttr('gen_ai.response.finish_reasons', typeof p.stopReason === 'string' ? [p.stopReason] : []),
        ...attr('gatehouse.cost_usd', e.costUsd),
        ...attr('gatehouse.status', e.status),
      );
      if (e.status === 'error') span.status = { code: 2, ...(e.summary ? { message: e.summary } : {}) };
    } else content?.add(e, host);
  }
  return spans;
}

/** Sends spans to an OTLP/HTTP collector (JSON encoding). */
export async function postOtlp(
  url: string,
  spans: OtlpSpan[],
  serviceName = 'gatehouse',
): Promise<{ status: number }> {
  const target = /\/v1\/traces\/?$/.test(url) ? url : url.replace(/\/$/, '') + '/v1/traces';
  const body = {
    resourceSpans: [
      {
        resource: { attributes: attr('service.name', serviceName) },
        scopeSpans: [{ scope: { name: 'gatehouse.ledger' }, spans }],
      },
    ],
  };
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return { status: res.status };
}

import type { LedgerEventInput } from '../../../shared/events.js';
import type { AdapterPort, AdaptersPort, Operation } from './ports.js';
import type { Target } from './route.js';

export interface DescribedOperation {
  operation: Operation;
  /** llm:<model> | mcp:<server>/<tool> | http:<METHOD> <host><path> */
  label: string;
  adapter?: AdapterPort;
  /** Events the adapter made of the request (prompt, input, context). */
  events: LedgerEventInput[];
  rpcId?: unknown;
}

/** Normalises a request into the Operation the policy engine decides on. */
export function describeOperation(
  target: Target,
  method: string,
  json: unknown,
  adapters: AdaptersPort | undefined,
): DescribedOperation {
  const url = target.url!;
  if (target.kind === 'anthropic' || target.kind === 'openai') {
    const adapter = adapters?.adapterFor(target.kind, target.servicePath, url.hostname);
    let model = '';
    let events: LedgerEventInput[] = [];
    if (adapter && json !== undefined) {
      try {
        const parsed = adapter.parseRequest(json);
        model = parsed.model ?? '';
        events = parsed.events ?? [];
      } catch {
        // An unparseable body is still decided on (model unknown) and recorded as sent.
      }
    }
    if (!model && isRecord(json) && typeof json.model === 'string') model = json.model;
    const out: DescribedOperation = {
      operation: { type: 'llm', provider: target.kind, model },
      label: `llm:${model || '?'}`,
      events,
    };
    if (adapter) out.adapter = adapter;
    return out;
  }
  if (target.kind === 'mcp' && isRecord(json) && typeof json.method === 'string') {
    const params = isRecord(json.params) ? json.params : {};
    const tool =
      json.method === 'resources/read'
        ? String(params.uri ?? '')
        : json.method === 'tools/call' || json.method === 'prompts/get'
          ? String(params.name ?? '')
          : '';
    const args = isRecord(params.arguments) ? params.arguments : {};
    return {
      operation: { type: 'mcp', server: target.serviceName, tool, arguments: args, method: json.method },
      label: `mcp:${target.serviceName}/${tool || json.method}`,
      events: [],
      rpcId: json.id,
    };
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const op: Operation = { type: 'http', method, host: url.hostname, path: url.pathname, query };
  if (json !== undefined) op.body = json;
  return { operation: op, label: `http:${method} ${url.host}${url.pathname}`, events: [] };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

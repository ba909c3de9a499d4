import type { ServerResponse } from 'node:http';

/** Which protocol the agent speaks on this request, so a refusal reads naturally to its SDK. */
export type Dialect = 'anthropic' | 'openai' | 'mcp' | 'http';

/** Why the gateway refused or could not complete a request. */
export interface Refusal {
  status: number;
  /** Stable code: denied, approval_denied, killed, limit, guardrail, vault_locked, ledger_unavailable, ... */
  code: string;
  reason: string;
  /** The policy rule (or built-in rule, e.g. 'default-deny', 'kill-switch', 'gateway-auth') behind it. */
  rule: string;
}

const anthropicType = (status: number): string =>
  status === 400
    ? 'invalid_request_error'
    : status === 401 || status === 407
      ? 'authentication_error'
      : status === 403
        ? 'permission_error'
        : status === 404
          ? 'not_found_error'
          : status === 413
            ? 'request_too_large'
            : status === 429
              ? 'rate_limit_error'
              : status === 529 || status === 503
                ? 'overloaded_error'
                : 'api_error';

/** The body the agent gets, in its own protocol; every one names the reason and the rule. */
export function refusalBody(dialect: Dialect, r: Refusal, rpcId: unknown = null): unknown {
  const message = `Gatehouse: ${r.reason} (rule: ${r.rule})`;
  const gatehouse = { code: r.code, rule: r.rule, reason: r.reason };
  switch (dialect) {
    case 'anthropic':
      return { type: 'error', error: { type: anthropicType(r.status), message }, gatehouse };
    case 'openai':
      return {
        error: {
          message,
          type: r.status === 429 ? 'rate_limit_exceeded' : 'gatehouse_' + r.code,
          code: r.code,
          param: null,
          rule: r.rule,
        },
      };
    case 'mcp':
      return {
        jsonrpc: '2.0',
        id: rpcId ?? null,
        error: { code: r.status === 429 ? -32002 : -32001, message, data: gatehouse },
      };
    default:
      return { error: { ...gatehouse, message } };
  }
}

export function sendRefusal(res: ServerResponse, dialect: Dialect, r: Refusal, rpcId?: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(refusalBody(dialect, r, rpcId));
  // MCP clients read JSON-RPC errors from a 200 response; everyone else gets the HTTP status.
  const status = dialect === 'mcp' && r.status < 500 ? 200 : r.status;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-gatehouse-refusal': r.code,
    'x-gatehouse-rule': r.rule,
  };
  if (r.status === 407) headers['proxy-authenticate'] = 'Basic realm="gatehouse"';
  res.writeHead(status, headers);
  res.end(body);
}

/** A raw HTTP/1.1 refusal for sockets that never became a request (CONNECT, parse errors). */
export function rawRefusal(r: Refusal, close = true): string {
  const body = JSON.stringify(refusalBody('http', r));
  const lines = [
    `HTTP/1.1 ${r.status} ${statusText(r.status)}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-gatehouse-refusal: ${r.code}`,
    `x-gatehouse-rule: ${r.rule}`,
  ];
  if (r.status === 407) lines.push('proxy-authenticate: Basic realm="gatehouse"');
  if (close) lines.push('connection: close');
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    407: 'Proxy Authentication Required',
    408: 'Request Timeout',
    413: 'Payload Too Large',
    431: 'Request Header Fields Too Large',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[status] ?? 'Error';
}

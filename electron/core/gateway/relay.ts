import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { LedgerEventInput, Usage } from '../../../shared/events.js';
import type { GatewayDeps } from './deps.js';
import { sendRefusal, type Dialect } from './deny.js';
import { responseHeaders } from './headers.js';
import type { DescribedOperation } from './operation.js';
import type { ResponseParserPort } from './ports.js';
import { REDACTED, SecretRedactor } from './redact.js';
import { scanningTap } from './scan-tap.js';

export interface RelayOutcome {
  status: 'ok' | 'error' | 'incomplete' | 'blocked';
  bytes: number;
  redactions: number;
  usage?: Partial<Usage>;
  model?: string;
  events: LedgerEventInput[];
}

interface RelayArgs {
  deps: GatewayDeps;
  res: ServerResponse;
  upstreamReq: ClientRequest;
  upstreamRes: IncomingMessage;
  described: DescribedOperation;
  /** Values leased for this request: never echoed back to the agent. */
  leased: string[];
  maxScanBytes: number;
  dialect: Dialect;
  scanContext: { agent: { id: string; template: string }; service: string };
  onDone(outcome: RelayOutcome): void;
}

/**
 * Streams the upstream answer to the agent. Small non-streaming bodies are checked whole by
 * the response guardrails (so block/redact can act before the agent sees anything); streams
 * pass through chunk by chunk with known secret values redacted across chunk boundaries and
 * a copy of every chunk fed to the adapter's parser. Backpressure runs both ways (pipeline).
 */
export async function relayResponse(a: RelayArgs): Promise<void> {
  const { res, upstreamRes, deps } = a;
  const secrets = [...a.leased, ...safeKnown(deps)];
  const redactor = new SecretRedactor(secrets);
  const contentType = String(upstreamRes.headers['content-type'] ?? '');
  const parser = openParser(a.described, contentType);
  const headers = redactHeaders(responseHeaders(upstreamRes.headers), secrets);
  const declared = Number(upstreamRes.headers['content-length'] ?? NaN);
  const isStream =
    /event-stream/i.test(contentType) ||
    (upstreamRes.headers['transfer-encoding'] !== undefined && !(declared >= 0));
  const events: LedgerEventInput[] = [];
  let bytes = 0;
  const done = (status: RelayOutcome['status']): void => {
    let usage: Partial<Usage> | undefined;
    let model: string | undefined;
    if (parser) {
      try {
        const parsed = parser.end();
        events.push(...parsed.events);
        usage = parsed.usage;
        model = parsed.model;
        if (status === 'ok' && parsed.complete === false) status = 'incomplete';
      } catch {
        // A parser failure loses only the parsed detail; the bytes were relayed.
      }
    }
    a.onDone({
      status: upstreamRes.statusCode && upstreamRes.statusCode >= 400 && status === 'ok' ? 'error' : status,
      bytes,
      redactions: redactor.redactions,
      usage,
      model,
      events,
    });
  };

  if (!isStream && declared <= a.maxScanBytes) {
    const chunks: Buffer[] = [];
    try {
      for await (const c of upstreamRes) chunks.push(c as Buffer);
    } catch {
      res.destroy();
      done('incomplete');
      return;
    }
    const raw = Buffer.concat(chunks);
    parser?.push(raw);
    let body = redactor.active ? redactor.redact(raw) : raw;
    const guard =
      deps.guardrails && body.length
        ? deps.guardrails.scan(body.toString('utf8'), 'response', a.scanContext)
        : undefined;
    if (guard && guard.detections.length) {
      const kinds = [...new Set(guard.detections.map((d) => d.kind))];
      events.push({
        kind: 'guardrail',
        status: guard.action,
        rule: `guardrail:${kinds.join(',')}`,
        summary: `response ${guard.action}: ${kinds.join(', ')}`,
        payload: { where: 'response', action: guard.action, detections: guard.detections },
      });
      if (guard.action === 'block') {
        sendRefusal(res, a.dialect, {
          status: 502,
          code: 'guardrail',
          reason: `The response contained ${kinds.join(', ')} and was withheld.`,
          rule: `guardrail:${kinds.join(',')}`,
        });
        bytes = 0;
        done('blocked');
        return;
      }
      if (guard.action === 'redact') body = Buffer.from(guard.text);
    }
    // A HEAD answer keeps the upstream's length: there is no body to measure.
    if (a.upstreamReq.method !== 'HEAD') headers['content-length'] = body.length;
    bytes = body.length;
    res.writeHead(upstreamRes.statusCode ?? 502, headers);
    res.end(body);
    done('ok');
    return;
  }

  // Streaming: lengths may change under redaction, so let Node frame the body itself.
  if (redactor.active || deps.guardrails) delete headers['content-length'];
  res.writeHead(upstreamRes.statusCode ?? 502, headers);
  res.flushHeaders();
  let blocked = false;
  const guard = deps.guardrails ? { port: deps.guardrails, ctx: a.scanContext } : undefined;
  const tap = scanningTap(contentType, guard, {
    parse: (chunk) => {
      bytes += chunk.length;
      if (!parser) return;
      try {
        parser.push(chunk);
      } catch {
        // see above
      }
    },
    found: (scan) => {
      const kinds = [...new Set(scan.detections.map((d) => d.kind))];
      events.push({
        kind: 'guardrail',
        status: scan.action,
        rule: `guardrail:${kinds.join(',')}`,
        summary: `response stream ${scan.action}: ${kinds.join(', ')}`,
        payload: { where: 'response', action: scan.action, detections: scan.detections },
      });
      if (scan.action === 'block') blocked = true;
    },
  });
  try {
    if (redactor.active) await pipeline(upstreamRes, tap, redactor, res);
    else await pipeline(upstreamRes, tap, res);
    done(upstreamRes.complete ? 'ok' : 'incomplete');
  } catch {
    a.upstreamReq.destroy();
    res.destroy();
    done(blocked ? 'blocked' : 'incomplete');
  }
}

function openParser(d: DescribedOperation, contentType: string): ResponseParserPort | undefined {
  try {
    return d.adapter?.responseParser({
      contentType,
      ...(d.operation.type === 'llm' && d.operation.model ? { model: d.operation.model } : {}),
    });
  } catch {
    return undefined;
  }
}

/** Known secret values never reach the agent in a response header either. */
function redactHeaders(headers: OutgoingHttpHeaders, secrets: string[]): OutgoingHttpHeaders {
  const live = secrets.filter((v) => v.length >= 6);
  if (!live.length) return headers;
  const clean = (v: string): string => {
    let out = v;
    for (const secret of live) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') headers[name] = clean(value);
    else if (Array.isArray(value)) headers[name] = value.map((x) => clean(String(x)));
  }
  return headers;
}

function safeKnown(deps: GatewayDeps): string[] {
  try {
    return deps.vault?.knownSecretValues() ?? [];
  } catch {
    return [];
  }
}

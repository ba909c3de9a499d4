import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicError,
  anthropicFrames,
  anthropicMessage,
  expandFrames,
  sseFrame,
  type FrameItem,
} from './anthropic-wire.js';
import {
  conversationText,
  estimateTokens,
  fromAnthropic,
  fromOpenAiChat,
  fromOpenAiResponses,
  type Conversation,
} from './conversation.js';
import { chatCompletion, chatFrames, openAiError, responsesFrames, responsesResult } from './openai-wire.js';
import { planTurn, type Plan } from './plan.js';
import { handleDemoApi } from './demo-api.js';
import { handleDemoMcp } from './demo-mcp.js';
import { demoConfig, scriptFor } from './scripts.js';

export const DEMO_MODELS = ['demo-helpful', 'demo-rogue', 'demo-slow', 'demo-echo'] as const;

export interface DemoProviderOptions {
  /** 0 = any free port (default). Always bound to 127.0.0.1. */
  port?: number;
  /** demo-slow: pause between deltas, and how many deltas (a long stream for kill-switch tests). */
  slowChunkMs?: number;
  slowChunks?: number;
  maxBodyBytes?: number;
}

type Wire = 'anthropic' | 'chat' | 'responses';

/**
 * The built-in LLM upstream: speaks Anthropic Messages and OpenAI Chat Completions / Responses
 * (streaming and not) on 127.0.0.1 and plays the scripted agents. It needs no API key and
 * keeps no state: the next turn is a function of the conversation it is sent.
 */
export class DemoProvider {
  private streams = 0;
  private readonly streamWaiters = new Set<() => void>();
  requests = 0;
  /** The bearer token the demo API (/api/) accepts; the scenarios keep it in the vault only. */
  apiToken: string | undefined;

  private constructor(
    private readonly server: Server,
    private readonly opts: Required<DemoProviderOptions>,
  ) {}

  static async start(options: DemoProviderOptions = {}): Promise<DemoProvider> {
    const opts: Required<DemoProviderOptions> = {
      port: 0,
      slowChunkMs: 20,
      slowChunks: 1500,
      maxBodyBytes: 16 * 1024 * 1024,
      ...options,
    };
    const server = createServer((req, res) => void self.handle(req, res));
    server.keepAliveTimeout = 5_000;
    const self = new DemoProvider(server, opts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, '127.0.0.1', () => resolve());
    });
    return self;
  }

  /** http://127.0.0.1:PORT (no trailing slash). */
  get address(): string {
    const a = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  /** Streams being written right now (the upstream side of a kill-switch cut). */
  get activeStreams(): number {
    return this.streams;
  }

  /** Resolves once no stream is open. */
  idle(): Promise<void> {
    if (this.streams === 0) return Promise.resolve();
    return new Promise((resolve) => this.streamWaiters.add(resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const raw = req.url ?? '/';
    if (raw === '/api' || raw.startsWith('/api/')) return handleDemoApi(req, res, this.apiToken);
    if (raw === '/mcp' || raw.startsWith('/mcp?')) {
      return handleDemoMcp(req, res).catch(() => {
        if (!res.headersSent) json(res, 500, { error: 'demo MCP server failed' });
      });
    }
    const path = (req.url ?? '/')
      .split('?')[0]!
      .replace(/\/+$/, '')
      .replace(/^\/v1(?=\/)/, '');
    const anthropicClient = typeof req.headers['anthropic-version'] === 'string';
    try {
      if (req.method === 'GET' && (path === '' || path === '/health'))
        return json(res, 200, { ok: true, models: DEMO_MODELS });
      if (req.method === 'GET' && path === '/models') return json(res, 200, modelList(anthropicClient));
      if (req.method !== 'POST') return notFound(res, anthropicClient, req);
      const wire: Wire | 'count' | undefined =
        path === '/messages'
          ? 'anthropic'
          : path === '/messages/count_tokens'
            ? 'count'
            : path === '/chat/completions'
              ? 'chat'
              : path === '/responses'
                ? 'responses'
                : undefined;
      if (!wire) return notFound(res, anthropicClient, req);
      const body = await readJson(req, this.opts.maxBodyBytes);
      if (!body)
        return badRequest(
          res,
          wire === 'anthropic' || wire === 'count',
          'The request body must be a JSON object.',
        );
      if (wire === 'count')
        return json(res, 200, { input_tokens: estimateTokens(conversationText(fromAnthropic(body))) });
      const conv =
        wire === 'anthropic'
          ? fromAnthropic(body)
          : wire === 'chat'
            ? fromOpenAiChat(body)
            : fromOpenAiResponses(body);
      if (!conv.model) return badRequest(res, wire === 'anthropic', 'model: Field required');
      const plan = this.plan(conv);
      const streaming = body.stream === true;
      if (!streaming) {
        const out =
          wire === 'anthropic'
            ? anthropicMessage(plan)
            : wire === 'chat'
              ? chatCompletion(plan)
              : responsesResult(plan);
        return json(res, 200, out, wire === 'anthropic' ? { 'request-id': `req_${plan.id.slice(4)}` } : {});
      }
      const includeUsage = isObj(body.stream_options) && body.stream_options.include_usage === true;
      const frames =
        wire === 'anthropic'
          ? anthropicFrames(plan)
          : wire === 'chat'
            ? chatFrames(plan, includeUsage)
            : responsesFrames(plan);
      await this.stream(res, frames, conv.model.startsWith('demo-slow') ? this.opts.slowChunkMs : 0);
    } catch (e) {
      if (!res.headersSent) badRequest(res, anthropicClient, e instanceof Error ? e.message : String(e));
      else res.destroy();
    }
  }

  private plan(conv: Conversation): Plan {
    if (conv.model.startsWith('demo-slow')) {
      const n = this.opts.slowChunks;
      const pieces = function* () {
        for (let i = 0; i < n; i++) yield `tick${i} `;
      };
      return { ...planTurn(conv, { text: [...pieces()].join('') }), textPieces: pieces };
    }
    return planTurn(conv, scriptFor(conv.model)(conv, demoConfig(conv)));
  }

  private async stream(res: ServerResponse, frames: FrameItem[], delayMs: number): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    this.streams++;
    let closed = false;
    res.on('close', () => (closed = true));
    try {
      for (const f of expandFrames(frames)) {
        if (closed) return;
        if (!res.write(sseFrame(f)))
          await new Promise<void>((r) => (res.once('drain', r), res.once('close', r)));
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      }
      if (!closed) res.end();
    } finally {
      this.streams--;
      if (this.streams === 0) {
        const waiters = [...this.streamWaiters];
        this.streamWaiters.clear();
        for (const w of waiters) w();
      }
    }
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function badRequest(res: ServerResponse, anthropic: boolean, message: string): void {
  json(
    res,
    400,
    anthropic
      ? anthropicError('invalid_request_error', message)
      : openAiError('invalid_request_error', message),
  );
}

function notFound(res: ServerResponse, anthropic: boolean, req: IncomingMessage): void {
  const message = `The demo provider has no route ${req.method} ${req.url}.`;
  json(
    res,
    404,
    anthropic
      ? anthropicError('not_found_error', message)
      : openAiError('invalid_request_error', message, 'unknown_url'),
  );
}

function modelList(anthropic: boolean): unknown {
  if (anthropic)
    return {
      data: DEMO_MODELS.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2026-01-01T00:00:00Z',
      })),
      has_more: false,
      first_id: DEMO_MODELS[0],
      last_id: DEMO_MODELS.at(-1),
    };
  return {
    object: 'list',
    data: DEMO_MODELS.map((id) => ({ id, object: 'model', created: 1767225600, owned_by: 'gatehouse' })),
  };
}

async function readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new Error(`The request body is larger than ${max} bytes.`);
    parts.push(c as Buffer);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

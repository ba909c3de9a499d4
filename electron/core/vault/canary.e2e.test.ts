import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxInfo } from '../../../shared/api/sandboxes.js';
import { createCore, type Core } from '../app.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace } from '../sandbox/testing.js';

const { docker } = await dockerForTests();

// Not shaped like any well-known key, so only the vault's own redaction can catch it.
const CANARY = `canary-${randomBytes(16).toString('hex')}`;

/** An Anthropic-style upstream on loopback that demands the real key and echoes it back. */
async function echoUpstream(): Promise<{ server: Server; url: string; keysSeen: string[] }> {
  const keysSeen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['x-api-key'] ?? '');
      keysSeen.push(key);
      if (key !== CANARY) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"type":"error","error":{"type":"authentication_error","message":"bad key"}}');
        return;
      }
      const text = `Your key is ${CANARY}`;
      const streaming =
        (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { stream?: boolean }).stream === true;
      res.setHeader('x-echo-key', CANARY);
      if (!streaming) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-canary',
            content: [{ type: 'text', text }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 3, output_tokens: 5 },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: unknown) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      ev('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_2',
          type: 'message',
          role: 'assistant',
          model: 'claude-canary',
          content: [],
          usage: { input_tokens: 3, output_tokens: 0 },
        },
      });
      ev('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      });
      ev('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      });
      ev('content_block_stop', { type: 'content_block_stop', index: 0 });
      ev('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 5 },
      });
      ev('message_stop', { type: 'message_stop' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keysSeen };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const s = statSync(p);
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
  });
}

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** A planted secret, real traffic from a real sandbox through the real gateway, then a search everywhere. */
describe.skipIf(!docker)('canary: the vault secret never leaves the vault', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-canary-'));
  const ws = tempWorkspace('gh-canary-ws-');
  const logged: string[] = [];
  const apiResponses: string[] = [];
  let core: Core;
  let upstream: Awaited<ReturnType<typeof echoUpstream>>;
  let box: SandboxInfo;
  let agentSaw = '';
  let exitCode = -1;
  const realWrite = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    // Everything the core logs goes to stderr: keep a copy to search.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return (realWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    await ensureOfflineImage(docker!);
    upstream = await echoUpstream();
    copyFileSync(join(import.meta.dirname, 'testdata', 'canary-probe.mjs'), join(ws.dir, 'probe.mjs'));
    core = await createCore({
      dataDir,
      mode: 'headless',
      gatewayPort: 0,
      env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_VAULT_KEY: 'file' },
    });
    const call = async (name: string, input: unknown) => {
      const out = await core.api.call(name, input, { actor: 'canary-test' });
      apiResponses.push(JSON.stringify(out));
      return out;
    };
    await call('vault.set', { name: 'canary', config: { kind: 'static' }, value: CANARY });
    await call('services.add', {
      name: 'anthropic',
      kind: 'anthropic',
      baseUrl: upstream.url,
      credential: { credential: 'canary', inject: { type: 'header', name: 'x-api-key' } },
      replace: true,
    });
    box = (await core.sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      name: 'canary-box',
      command: ['node', '/workspace/probe.mjs'],
    })) as SandboxInfo;
    exitCode = (await core.sandboxes.wait(box.id)).exitCode;
    const { entries } = await core.sandboxes.logs(box.id);
    agentSaw = entries.map((e) => e.text).join('');
  }, 240_000);

  afterAll(async () => {
    process.stderr.write = realWrite;
    if (box) await core?.sandboxes.remove(box.id).catch(() => undefined);
    await core?.close();
    upstream?.server.closeAllConnections();
    upstream?.server.close();
    ws.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the traffic really happened: the upstream got the real key, the agent got answers', () => {
    expect(exitCode, agentSaw).toBe(0);
    expect(upstream.keysSeen.filter((k) => k === CANARY).length).toBe(2);
    const out = JSON.parse(agentSaw.trim().split('\n').pop() ?? '{}') as {
      plain: { status: number; body: string };
      stream: { status: number; body: string };
      placeholder: string | null;
    };
    expect(out.plain.status).toBe(200);
    expect(out.stream.status).toBe(200);
    expect(out.plain.body).toContain('Your key is');
    expect(out.placeholder).not.toBe(CANARY);
  });

  const agentOutput = () =>
    JSON.parse(agentSaw.trim().split('\n').pop() ?? '{}') as Record<
      string,
      { headers: unknown; body: string }
    >;

  it('zero hits in every response body the agent got (plain JSON and streamed SSE)', () => {
    expect(agentSaw.length).toBeGreaterThan(50);
    const out = agentOutput();
    for (const call of ['plain', 'stream']) expect(out[call]?.body, `${call} body`).not.toContain(CANARY);
  });

  it('zero hits in the response headers the agent got, and so in everything it saw', () => {
    const out = agentOutput();
    for (const call of ['plain', 'stream'])
      expect(JSON.stringify(out[call]?.headers), `${call} headers`).not.toContain(CANARY);
    expect(agentSaw).not.toContain(CANARY);
  });

  it('zero hits in the sandbox filesystem and environment', async () => {
    const found = await docker!.listContainers({
      all: true,
      filters: { label: [`dev.gatehouse.sandbox=${box.id}`] },
    });
    expect(found.length).toBe(1);
    const container = docker!.getContainer(found[0]!.Id);
    const info = await container.inspect();
    expect(JSON.stringify(info.Config.Env)).not.toContain(CANARY);
    expect(JSON.stringify(info)).not.toContain(CANARY);
    const tar = await streamToBuffer(await container.export());
    expect(tar.length).toBeGreaterThan(1000);
    expect(tar.includes(CANARY)).toBe(false);
    // The workspace holds what the agent wrote down (its responses; see the header gap above), not secrets it found.
    const probe = JSON.parse(readFileSync(join(ws.dir, 'responses.json'), 'utf8')) as Record<
      string,
      { body: string }
    >;
    for (const call of ['plain', 'stream']) expect(probe[call]?.body).not.toContain(CANARY);
    for (const f of filesUnder(ws.dir).filter((f) => !f.endsWith('responses.json'))) {
      expect(readFileSync(f).includes(CANARY), f).toBe(false);
    }
  });

  it('zero hits in the ledger database (WAL and shm included), the core DB and the whole data dir', async () => {
    await core.ledger.flush();
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('ledger.db'))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(CANARY), f).toBe(false);
  });

  it('zero hits in the logs and in every control-API response', async () => {
    for (const name of core.api.names()) {
      if (
        !/\.(status|list|leases|stats|inflight|runs|timeline|events|transcript|history|get|templates|verify)$/.test(
          name,
        )
      )
        continue;
      try {
        apiResponses.push(JSON.stringify(await core.api.call(name, {}, { actor: 'canary-test' })));
      } catch (e) {
        apiResponses.push(String((e as Error).message));
      }
    }
    const runs = (await core.api.call('audit.runs', {}, { actor: 'canary-test' })) as unknown;
    apiResponses.push(JSON.stringify(runs));
    expect(apiResponses.join('\n')).toContain('vault');
    expect(apiResponses.join('\n')).not.toContain(CANARY);
    expect(logged.join('')).not.toContain(CANARY);
  });

  it('the kill switch revokes the agent’s outstanding leases (and says so)', async () => {
    const before = (await core.api.call('vault.leases', { agent: box.agent }, { actor: 'canary-test' })) as {
      leases: { credential: string }[];
    };
    expect(before.leases.map((l) => l.credential)).toContain('canary');
    const r = (await core.api.call(
      'kill.engage',
      { scope: { kind: 'agent', agent: box.agent }, reason: 'canary test' },
      { actor: 'canary-test' },
    )) as { cut: Record<string, number> };
    expect(r.cut.leasesRevoked).toBe(before.leases.length);
    const after = (await core.api.call('vault.leases', { agent: box.agent }, { actor: 'canary-test' })) as {
      leases: unknown[];
    };
    expect(after.leases).toEqual([]);
  });
});

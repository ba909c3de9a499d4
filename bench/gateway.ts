import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { percentile, quick, writeResult } from './lib/result.js';

// `npm run bench -- gateway`: added latency of the gateway (policy, guardrails, vault lease, durable
// ledger, adapters all on) versus calling the upstream directly, at a fixed 500 req/s and at
// saturation, for a small JSON chat completion and a 200-event SSE stream; the same workload through
// tinyproxy (the plain-proxy floor) and Portkey's gateway (an LLM-gateway peer) in the same run.
// Each party runs in its own process: upstream stand-in, Gatehouse, tinyproxy, Portkey; the load
// generator (this process) uses keep-alive agents.

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const RATE = 500;
const FIXED_SECONDS = quick ? 3 : 10;
const SAT_SECONDS = quick ? 2 : 6;
const SAT_CONCURRENCY = 32;

if (process.argv.includes('--child-upstream')) await upstreamChild();
else if (process.argv.includes('--child-gatehouse')) await gatehouseChild(Number(process.argv.at(-1)));
else await main();

/** The upstream: an OpenAI-style chat completion, JSON or a 200-event SSE stream. */
async function upstreamChild(): Promise<void> {
  const { createServer } = await import('node:http');
  const json = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  });
  const chunk = (i: number) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-bench', choices: [{ index: 0, delta: { content: `t${i} ` }, finish_reason: null }] })}\n\n`;
  const sse =
    Array.from({ length: 199 }, (_, i) => chunk(i)).join('') +
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-bench', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 199, total_tokens: 204 } })}\n\ndata: [DONE]\n\n`;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (body.includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        // First event at once (TTFB), the rest right after.
        const first = sse.indexOf('\n\n') + 2;
        res.write(sse.slice(0, first));
        setImmediate(() => res.end(sse.slice(first)));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    console.log(JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 }));
  });
}

/** Gatehouse's real gateway with the real ledger, policy (+guardrails, limits), vault and adapters. */
async function gatehouseChild(upstreamPort: number): Promise<void> {
  const { openDatabase } = await import('../electron/core/db/database.js');
  const { Ledger } = await import('../electron/core/ledger/ledger.js');
  const { Policy } = await import('../electron/core/policy/policy.js');
  const { Vault } = await import('../electron/core/vault/vault.js');
  const { KillSwitch } = await import('../electron/core/killswitch/killswitch.js');
  const { LiveBus } = await import('../electron/core/live/bus.js');
  const { adapterFor } = await import('../electron/core/adapters/index.js');
  const { createGatewayComponent } = await import('../electron/core/gateway/component.js');
  const floor = process.env.GH_BENCH_FLOOR === '1';
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-gw-'));
  const db = openDatabase(join(dir, 'gatehouse.db'));
  const live = new LiveBus();
  const ledger = await Ledger.open({ file: join(dir, 'ledger.db') });
  const killSwitch = KillSwitch.open({ db, record: (e) => ledger.append(e) });
  const policy = Policy.open({
    db,
    live,
    audit: (e) => ledger.append(e),
    defaultPolicy: `policy: 1
rules:
  - id: bench-llm
    effect: allow
    agent: { template: host }
    service: up
    llm: { model: 'gpt-*' }
limits:
  - id: generous
    agent: '*'
    requestsPerMinute: 100000000
guardrails:
  - id: secrets-redact
    detect: [secrets]
    on: [request, response]
    action: redact
`,
  });
  const vault = await Vault.open({ dataDir: dir, db, keySource: 'memory', ledger });
  vault.set({ name: 'up-key', config: { kind: 'static' }, value: 'sk-bench-0123456789abcdef0123' });
  const gw = await createGatewayComponent({
    dataDir: dir,
    db,
    live,
    adapterFor,
    deps: {
      ledger,
      policy: policy.engine,
      // GH_BENCH_FLOOR=1: the pipeline floor (door, policy, durable ledger) without limits, guardrails, vault or adapters.
      ...(floor ? {} : { limits: policy.limits, guardrails: policy.guardrails }),
      approvals: policy.approvals,
      vault,
      killSwitch,
    },
  });
  if (floor) delete (gw.gateway.deps as { adapters?: unknown }).adapters;
  gw.services.add({
    name: 'up',
    kind: 'openai',
    baseUrl: `http://127.0.0.1:${upstreamPort}`,
    credential: {
      credential: 'up-key',
      inject: { type: 'header', name: 'authorization', prefix: 'Bearer ' },
    },
  });
  gw.agents.create({ name: 'bench', template: 'host', sandboxed: false });
  const key = gw.agents.createHostKey('bench');
  process.on('SIGINT', () => process.exit(0));
  console.log(JSON.stringify({ address: gw.gateway.address, key }));
}

interface Target {
  name: string;
  host: string;
  port: number;
  path: string;
  headers: OutgoingHttpHeaders;
}

interface Sample {
  total: number;
  ttfb: number;
  ok: boolean;
}

function once(t: Target, agent: Agent, body: string): Promise<Sample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttfb = 0;
    const req = request(
      {
        host: t.host,
        port: t.port,
        method: 'POST',
        path: t.path,
        agent,
        headers: {
          ...t.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.once('data', () => (ttfb = performance.now() - t0));
        res.on('data', () => undefined);
        res.on('end', () => resolve({ total: performance.now() - t0, ttfb, ok: res.statusCode === 200 }));
        res.on('error', () => resolve({ total: performance.now() - t0, ttfb, ok: false }));
      },
    );
    req.on('error', () => resolve({ total: performance.now() - t0, ttfb, ok: false }));
    req.end(body);
  });
}

/** Open-loop: one request every 1/rate s, whatever is still in flight. */
async function fixedRate(t: Target, body: string, rate: number, seconds: number): Promise<Sample[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  for (let i = 0; i < 50; i++) await once(t, agent, body); // warm up pools, JIT, leaf caches
  const n = rate * seconds;
  const start = performance.now();
  const pending: Promise<Sample>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(once(t, agent, body));
  }
  const samples = await Promise.all(pending);
  agent.destroy();
  return samples;
}

/** Closed loop with a fixed number of connections: requests per second at saturation. */
async function saturation(
  t: Target,
  body: string,
  seconds: number,
): Promise<{ rps: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: SAT_CONCURRENCY });
  for (let i = 0; i < 50; i++) await once(t, agent, body);
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: SAT_CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const s = await once(t, agent, body);
        if (s.ok) done++;
        else errors++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / seconds, errors };
}

function startChild(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve({ child, info: JSON.parse(line) as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before it was ready`)));
  });
}

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered on port ${port}`);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const up = await startChild(process.execPath, ['--import', 'tsx', self, '--child-upstream']);
    children.push(up.child);
    const upPort = up.info.port as number;
    const gh = await startChild(process.execPath, [
      '--import',
      'tsx',
      self,
      '--child-gatehouse',
      String(upPort),
    ]);
    children.push(gh.child);
    const ghUrl = new URL(gh.info.address as string);
    const floorGh = await startChild(
      process.execPath,
      ['--import', 'tsx', self, '--child-gatehouse', String(upPort)],
      {
        GH_BENCH_FLOOR: '1',
      },
    );
    children.push(floorGh.child);

    const tinyPort = await freePort();
    const tinyDir = mkdtempSync(join(tmpdir(), 'gh-bench-tiny-'));
    writeFileSync(
      join(tinyDir, 'tinyproxy.conf'),
      `Port ${tinyPort}\nListen 127.0.0.1\nTimeout 60\nMaxClients 512\nLogLevel Critical\nAllow 127.0.0.1\nDisableViaHeader Yes\n`,
    );
    const tiny = spawn('tinyproxy', ['-d', '-c', join(tinyDir, 'tinyproxy.conf')], { stdio: 'ignore' });
    children.push(tiny);

    const pkPort = await freePort();
    const pkBin = join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
    const pk = spawn(process.execPath, [pkBin, `--port=${pkPort}`], {
      env: { ...process.env, TRUSTED_CUSTOM_HOSTS: '127.0.0.1,localhost' },
      stdio: 'ignore',
    });
    children.push(pk);
    await Promise.all([waitFor(tinyPort), waitFor(pkPort)]);

    const upstreamUrl = `http://127.0.0.1:${upPort}/v1/chat/completions`;
    const targets: Target[] = [
      {
        name: 'direct',
        host: '127.0.0.1',
        port: upPort,
        path: '/v1/chat/completions',
        headers: { authorization: 'Bearer sk-direct' },
      },
      {
        name: 'gatehouse',
        host: '127.0.0.1',
        port: Number(ghUrl.port),
        path: '/llm/up/v1/chat/completions',
        headers: { authorization: `Bearer ${gh.info.key as string}` },
      },
      {
        name: 'tinyproxy',
        host: '127.0.0.1',
        port: tinyPort,
        path: upstreamUrl,
        headers: { authorization: 'Bearer sk-direct', host: `127.0.0.1:${upPort}` },
      },
      {
        name: 'portkey',
        host: '127.0.0.1',
        port: pkPort,
        path: '/v1/chat/completions',
        headers: {
          authorization: 'Bearer sk-direct',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `http://127.0.0.1:${upPort}/v1`,
        },
      },
    ];
    const small = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'Say hello.' }] });
    const stream = JSON.stringify({
      model: 'gpt-bench',
      stream: true,
      messages: [{ role: 'user', content: 'Say hello.' }],
    });

    const figures: Record<string, number> = {};
    const table: Record<string, string | number> = {};
    const p = (xs: number[], q: number) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        q,
      );
    const fixed: Record<
      string,
      { p50: number; p99: number; ttfb50: number; ttfb99: number; sseP50: number; errors: number }
    > = {};
    for (const t of targets) {
      const s = await fixedRate(t, small, RATE, FIXED_SECONDS);
      const e = await fixedRate(t, stream, RATE, FIXED_SECONDS);
      const totals = s.map((x) => x.total);
      fixed[t.name] = {
        p50: p(totals, 50),
        p99: p(totals, 99),
        ttfb50: p(
          e.map((x) => x.ttfb),
          50,
        ),
        ttfb99: p(
          e.map((x) => x.ttfb),
          99,
        ),
        sseP50: p(
          e.map((x) => x.total),
          50,
        ),
        errors: s.filter((x) => !x.ok).length + e.filter((x) => !x.ok).length,
      };
    }
    const sat: Record<string, { rps: number; errors: number; sseRps: number }> = {};
    for (const t of targets) {
      const a = await saturation(t, small, SAT_SECONDS);
      const b = await saturation(t, stream, SAT_SECONDS);
      sat[t.name] = { rps: a.rps, errors: a.errors + b.errors, sseRps: b.rps };
    }
    const floorTarget: Target = {
      name: 'gatehouse-floor',
      host: '127.0.0.1',
      port: Number(new URL(floorGh.info.address as string).port),
      path: '/llm/up/v1/chat/completions',
      headers: { authorization: `Bearer ${floorGh.info.key as string}` },
    };
    figures.floor_sat_rps = (await saturation(floorTarget, small, SAT_SECONDS)).rps;
    const d = fixed.direct!;
    for (const name of ['gatehouse', 'tinyproxy', 'portkey']) {
      const f = fixed[name]!;
      const prefix = name === 'gatehouse' ? '' : `${name}_`;
      figures[`${prefix}added_p50_ms`] = f.p50 - d.p50;
      figures[`${prefix}added_p99_ms`] = f.p99 - d.p99;
      figures[`${prefix}ttfb_added_ms`] = f.ttfb50 - d.ttfb50;
      figures[`${prefix}sse_added_p50_ms`] = f.sseP50 - d.sseP50;
      figures[`${prefix}sat_rps`] = sat[name]!.rps;
      figures[`${prefix}sat_sse_rps`] = sat[name]!.sseRps;
    }
    figures.direct_p50_ms = d.p50;
    figures.direct_p99_ms = d.p99;
    figures.direct_sat_rps = sat.direct!.rps;
    figures.rps_ratio_vs_portkey = sat.gatehouse!.rps / sat.portkey!.rps;
    figures.rps_ratio_vs_tinyproxy = sat.gatehouse!.rps / sat.tinyproxy!.rps;
    // Portkey answers some SSE runs with errors only; a ratio against zero says nothing.
    if (sat.portkey!.sseRps > 0)
      figures.sse_rps_ratio_vs_portkey = sat.gatehouse!.sseRps / sat.portkey!.sseRps;
    for (const t of targets) figures[`${t.name}_errors`] = fixed[t.name]!.errors + sat[t.name]!.errors;
    figures.errors =
      Object.values(fixed).reduce((n, f) => n + f.errors, 0) +
      Object.values(sat).reduce((n, s) => n + s.errors, 0);
    for (const t of targets) {
      const f = fixed[t.name]!;
      table[`${t.name} @${RATE}/s small p50/p99 ms`] = `${f.p50.toFixed(3)} / ${f.p99.toFixed(3)}`;
      table[`${t.name} @${RATE}/s SSE ttfb p50/p99 ms`] = `${f.ttfb50.toFixed(3)} / ${f.ttfb99.toFixed(3)}`;
      table[`${t.name} saturation small / SSE req/s`] =
        `${sat[t.name]!.rps.toFixed(0)} / ${sat[t.name]!.sseRps.toFixed(0)}`;
    }
    writeResult('gateway', {
      figures,
      table,
      peers: [
        { name: 'direct', role: 'baseline: the upstream called directly' },
        {
          name: 'tinyproxy',
          version: 'Debian package',
          role: 'floor: plain forward proxy (absolute-form HTTP)',
        },
        {
          name: 'portkey',
          version: '@portkey-ai/gateway 1.15.2',
          role: 'LLM-gateway peer (custom host, openai provider)',
        },
      ],
      notes: [
        `fixed rate ${RATE} req/s for ${FIXED_SECONDS}s per target and workload (open loop); saturation: ${SAT_CONCURRENCY} keep-alive connections for ${SAT_SECONDS}s`,
        'gatehouse path: host door + gateway key, policy decide, limits, request+response guardrails (secrets redact), vault lease + header injection, durable request event in the ledger, adapter parsing of the response, response/usage events',
        'SSE: 200 chat.completion.chunk events; ttfb = first body byte at the client',
        'Portkey 1.15.2 answers every streamed request with an error under Node 20 (TypeError: immutable in its updateHeaders), so its SSE figures are missing; its JSON figures stand',
        'floor_sat_rps: a second Gatehouse with only door + policy + durable ledger (no limits, guardrails, vault, adapters), to show what the optional stages cost',
        'upstream, gatehouse, tinyproxy and portkey each run in their own process on loopback; the load generator is this process',
      ],
    });
  } finally {
    for (const c of children) c.kill();
  }
}

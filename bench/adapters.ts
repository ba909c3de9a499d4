import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { percentile, quick, writeResult } from './lib/result.js';
import { adapterFor } from '../electron/core/adapters/index.js';
import {
  anthropicStream,
  chatStream,
  englishToken,
  responsesStream,
} from '../electron/core/adapters/fixtures.js';

// `npm run bench -- adapters`: CPU the protocol adapters add to a streaming pass-through.
// A proxy runs in its own process (so its CPU is measured alone) and serves every call either as a
// plain pass-through or as the gateway does it: bytes forwarded first, then a copy fed to the
// adapter's parser (request parse, incremental SSE parse, end()). Both modes run interleaved in the
// same run against the same loopback upstream, which sends one SSE event per write (as a model
// streams tokens). cpu_ratio_vs_passthrough = proxy CPU with parsing / proxy CPU pass-through.

if (process.env.ADAPTERS_BENCH_CHILD) await child();
else await main();

async function child(): Promise<void> {
  const upstream = new URL(process.env.ADAPTERS_BENCH_UPSTREAM ?? '');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const parse = req.headers['x-bench-mode'] === 'parse';
      const kind = req.url?.startsWith('/v1/messages') ? 'anthropic' : 'openai';
      const adapter = parse ? adapterFor(kind, req.url ?? '/') : undefined;
      const parsedReq = adapter?.parseRequest(JSON.parse(body.toString('utf8')) as unknown);
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          const parser = adapter?.responseParser({
            contentType: String(upRes.headers['content-type'] ?? ''),
            model: parsedReq?.model ?? '',
          });
          upRes.on('data', (c: Buffer) => {
            res.write(c);
            parser?.push(c);
          });
          upRes.on('end', () => {
            res.end();
            const r = parser?.end();
            if (parser && (!r?.complete || r.events.length === 0))
              process.send?.({ error: 'parse incomplete' });
          });
        },
      );
      up.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m: { cpu?: boolean }) => {
    if (m.cpu) {
      const u = process.cpuUsage();
      process.send?.({ cpuMicros: u.user + u.system });
    }
  });
}

async function main(): Promise<void> {
  const EVENTS = 200;
  const streams: Record<string, { path: string; body: string; events: Buffer[] }> = {
    anthropic: {
      path: '/v1/messages',
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        stream: true,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Tell me a story.' }],
      }),
      events: split(anthropicStream({ textDeltas: EVENTS, token: englishToken })),
    },
    'openai-chat': {
      path: '/v1/chat/completions',
      body: JSON.stringify({
        model: 'gpt-4o',
        stream: true,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Tell me a story.' },
        ],
      }),
      events: split(chatStream({ textDeltas: EVENTS, token: englishToken })),
    },
    'openai-responses': {
      path: '/v1/responses',
      body: JSON.stringify({
        model: 'o4-mini',
        stream: true,
        instructions: 'Be brief.',
        input: 'Tell me a story.',
      }),
      events: split(responsesStream({ textDeltas: EVENTS, token: englishToken })),
    },
  };

  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const s = Object.values(streams).find((x) => x.path === req.url);
      if (!s) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let i = 0;
      const next = (): void => {
        if (i >= s.events.length) return void res.end();
        res.write(s.events[i++]);
        setImmediate(next);
      };
      next();
    });
  });
  const upUrl = await listen(upstream);

  const proxy = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ADAPTERS_BENCH_CHILD: '1', ADAPTERS_BENCH_UPSTREAM: upUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const errors: string[] = [];
  proxy.on('message', (m: { error?: string }) => m.error && errors.push(m.error));
  const port = await new Promise<number>((resolve) =>
    proxy.on('message', (m: { port?: number }) => m.port && resolve(m.port)),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  // The box is shared and loaded: CPU is measured in many short paired rounds (pass and parse back
  // to back, order alternating, streams round-robin), and each round gives one parse/pass ratio, so
  // load that drifts between rounds cancels; the figures are medians of those paired ratios.
  const CALLS = quick ? 40 : 100;
  const ROUNDS = quick ? 6 : 30;
  const CONCURRENCY = 8;
  const figures: Record<string, number> = {};
  const table: Record<string, string | number> = {};
  const ttfb: Record<'pass' | 'parse', number[]> = { pass: [], parse: [] };
  const median = (a: number[]): number =>
    percentile(
      [...a].sort((x, y) => x - y),
      50,
    );

  // Warm up both paths (JIT) before measuring.
  for (const s of Object.values(streams))
    for (const mode of ['pass', 'parse'] as const) await run(port, agent, s, mode, 20, CONCURRENCY, []);

  const per = Object.fromEntries(
    Object.keys(streams).map((n) => [
      n,
      { pass: [] as number[], parse: [] as number[], ratio: [] as number[] },
    ]),
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, s] of Object.entries(streams)) {
      const cpu = { pass: 0, parse: 0 };
      for (const mode of r % 2 ? (['parse', 'pass'] as const) : (['pass', 'parse'] as const)) {
        const before = await cpuOf(proxy);
        await run(port, agent, s, mode, CALLS, CONCURRENCY, ttfb[mode]);
        cpu[mode] = (await cpuOf(proxy)) - before;
      }
      const p = per[name] as { pass: number[]; parse: number[]; ratio: number[] };
      p.pass.push(cpu.pass / CALLS);
      p.parse.push(cpu.parse / CALLS);
      p.ratio.push(cpu.parse / cpu.pass);
    }
  }
  const allRatios: number[] = [];
  let totalPass = 0;
  let totalParse = 0;
  for (const [name, s] of Object.entries(streams)) {
    const p = per[name] as { pass: number[]; parse: number[]; ratio: number[] };
    const eventsPerCall = s.events.length;
    const ratio = median(p.ratio);
    const passUs = median(p.pass);
    allRatios.push(...p.ratio);
    totalPass += p.pass.reduce((a, b) => a + b, 0);
    totalParse += p.parse.reduce((a, b) => a + b, 0);
    figures[`${name}_cpu_ratio`] = ratio;
    figures[`${name}_parse_us_per_event`] = ((ratio - 1) * passUs) / eventsPerCall;
    figures[`${name}_parse_us_per_call`] = (ratio - 1) * passUs;
    table[`${name}: proxy CPU µs/call pass → parse (medians)`] =
      `${passUs.toFixed(0)} → ${median(p.parse).toFixed(0)} (${eventsPerCall} events/call)`;
  }
  figures.cpu_ratio_vs_passthrough = median(allRatios);
  figures.cpu_ratio_summed = totalParse / totalPass;
  figures.cpu_ratio_p25 = percentile(
    [...allRatios].sort((x, y) => x - y),
    25,
  );
  figures.cpu_ratio_p75 = percentile(
    [...allRatios].sort((x, y) => x - y),
    75,
  );
  // Time to first byte, unloaded: one call at a time, the two modes alternating.
  ttfb.pass = [];
  ttfb.parse = [];
  for (let i = 0; i < (quick ? 100 : 400); i++) {
    for (const s of Object.values(streams)) {
      const mode = i % 2 ? 'parse' : 'pass';
      await run(port, agent, s, mode, 1, 1, ttfb[mode]);
    }
  }
  const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
  figures.ttfb_pass_p50_ms = percentile(sorted(ttfb.pass), 50);
  figures.ttfb_parse_p50_ms = percentile(sorted(ttfb.parse), 50);
  figures.ttfb_added_ms = figures.ttfb_parse_p50_ms - figures.ttfb_pass_p50_ms;

  proxy.kill();
  upstream.closeAllConnections();
  upstream.close();
  agent.destroy();
  writeResult('adapters', {
    figures,
    peers: [
      {
        name: 'plain pass-through (same proxy, parser off)',
        role: 'floor: the same bytes forwarded without the adapters',
      },
    ],
    table,
    notes: [
      'CPU is the proxy process alone (process.cpuUsage in a forked child); upstream and client run in the parent.',
      `${ROUNDS} paired rounds × ${CALLS} calls per mode per stream, order alternating; ratios are medians of per-round parse/pass ratios (cpu_ratio_summed = totals, p25/p75 = spread).`,
      'The upstream writes one SSE event per write, yielding between events, so the proxy sees a chunk per event as with real token streams.',
      'Text deltas are token-sized English words (an accented word now and then), as models stream them.',
      'TTFB is measured unloaded (one call at a time, modes alternating); bytes are forwarded before the parser sees its copy.',
      `target cpu_ratio_vs_passthrough <= 1.10: ${figures.cpu_ratio_vs_passthrough <= 1.1 ? 'met' : 'NOT met'}`,
      ...(errors.length ? [`parser errors: ${errors.length}`] : []),
    ],
  });
  process.exit(errors.length ? 1 : 0);
}

function split(text: string): Buffer[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((e) => Buffer.from(`${e}\n\n`));
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: { cpuMicros?: number }): void => {
      if (m.cpuMicros === undefined) return;
      child.off('message', on);
      resolve(m.cpuMicros);
    };
    child.on('message', on);
    child.send({ cpu: true });
  });
}

async function run(
  port: number,
  agent: http.Agent,
  s: { path: string; body: string },
  mode: 'pass' | 'parse',
  calls: number,
  concurrency: number,
  ttfb: number[],
): Promise<void> {
  let started = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: s.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'x-bench-mode': mode },
        },
        (res) => {
          let first = true;
          res.on('data', () => {
            if (first) ttfb.push(performance.now() - t0);
            first = false;
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(s.body);
    });
  const worker = async (): Promise<void> => {
    while (started < calls) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { KillTestbed } from '../electron/core/killswitch/testbed.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace } from '../electron/core/sandbox/testing.js';
import { percentile, quick, writeResult, type BenchPeer } from './lib/result.js';

/**
 * `npm run bench -- kill`: time from engage() to the last in-flight stream closed at the agent
 * (100 streams through the real gateway from a streaming upstream on loopback), and from engage()
 * to all sandboxes in scope paused (10 real sandboxes). The floor for sandboxes is `docker pause`
 * of the same 10 containers from the docker CLI, in the same run.
 *
 * The agents run in their own process (as real agents do), so the figure is what an agent sees:
 * engage() in the core → its stream's socket closed in the agent process (same machine clock).
 */
const AGENTS = `
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const now = () => performance.timeOrigin + performance.now();
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { gateway, key, n, round } = JSON.parse(line);
  let opened = 0; const closed = []; let refused = 0;
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({ model: 'demo-slow', max_tokens: 1, stream: true, messages: [{ role: 'user', content: 'r' + round + 's' + i }] });
    const req = http.request(gateway + '/llm/demo/v1/messages', { method: 'POST', agent: false, headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'anthropic-version': '2023-06-01',
      'proxy-authorization': 'Bearer ' + key } }, (res) => {
      if (res.statusCode !== 200) refused++;
      let first = true; let done = false;
      res.on('data', () => { if (first) { first = false; if (++opened === n) console.log(JSON.stringify({ opened, refused })); } });
      const end = () => { if (done) return; done = true; closed.push({ t: now(), complete: res.complete });
        if (closed.length === n) console.log(JSON.stringify({ closed })); };
      res.on('end', end); res.on('error', end); res.on('close', end);
    });
    req.on('error', () => {});
    req.end(body);
  }
});`;
const agents = spawn(process.execPath, ['-e', AGENTS], { stdio: ['pipe', 'pipe', 'inherit'] });
const replies = createInterface({ input: agents.stdout! });
const pending: ((v: unknown) => void)[] = [];
replies.on('line', (l) => pending.shift()?.(JSON.parse(l)));
const next = <T>() => new Promise<T>((r) => pending.push(r as (v: unknown) => void));
const epochNow = () => performance.timeOrigin + performance.now();
const run = promisify(execFile);
const STREAMS = 100;
const ROUNDS = quick ? 5 : 30;
const SANDBOXES = 10;
const SANDBOX_ROUNDS = quick ? 2 : 5;
const IDLE = ['node', '-e', 'setInterval(() => {}, 1 << 30)'];

// The upstream runs in its own process too (a real provider is remote): the core only relays.
const UPSTREAM = `
import { DemoProvider } from ${JSON.stringify(new URL('../electron/core/demo/provider.ts', import.meta.url).href)};
const p = await DemoProvider.start({ slowChunkMs: 10, slowChunks: 5000 });
console.log(p.address);`;
const upstreamProc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', UPSTREAM], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const upstream = await new Promise<string>((resolve) =>
  createInterface({ input: upstreamProc.stdout! }).once('line', (l) => resolve(l.trim())),
);
const tb = await KillTestbed.start({ upstream });
const figures: Record<string, number> = {};
const notes: string[] = [];
const peers: BenchPeer[] = [];
try {
  // --- streams ---
  const lastClosed: number[] = [];
  const perStream: number[] = [];
  // Round 0 warms up (JIT, connection pools) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    // A fresh agent per round: the default policy's per-agent rate limit (300/min) must not refuse streams.
    const { key, agent } = tb.hostAgent(`bench-streams-${round}`, 'demo-helpful');
    const opened = next<{ opened: number; refused: number }>();
    agents.stdin!.write(`${JSON.stringify({ gateway: tb.gateway.address, key, n: STREAMS, round })}\n`);
    const o = await opened;
    if (o.refused) throw new Error(`${o.refused} streams were refused before the cut`);
    const closedReply = next<{ closed: { t: number; complete: boolean }[] }>();
    const t0 = epochNow();
    await tb.killSwitch.engage({ kind: 'agent', agent: agent.id }, 'bench', 'bench');
    const { closed } = await closedReply;
    if (closed.some((c) => c.complete)) throw new Error('a stream completed instead of being cut');
    const closes = closed.map((c) => c.t - t0);
    if (round === 0) {
      await tb.killSwitch.release({ kind: 'agent', agent: agent.id }, 'bench');
      continue;
    }
    lastClosed.push(Math.max(...closes));
    perStream.push(...closes);
    await tb.killSwitch.release({ kind: 'agent', agent: agent.id }, 'bench');
  }
  lastClosed.sort((a, b) => a - b);
  perStream.sort((a, b) => a - b);
  figures.streams_cut_p99_ms = percentile(lastClosed, 99);
  figures.streams_cut_p50_ms = percentile(lastClosed, 50);
  figures.stream_close_p99_ms = percentile(perStream, 99);
  notes.push(
    `streams_cut_*: time from engage() in the core to the LAST of ${STREAMS} streams seen closed by the agents' process, over ${ROUNDS} rounds; stream_close_p99_ms: per stream.`,
  );

  // --- sandboxes ---
  const engine = await dockerForTests();
  if (!engine.docker) {
    notes.push(`sandboxes_paused_ms not measured: ${engine.reason}`);
  } else {
    const image = await ensureOfflineImage(engine.docker);
    const sandboxes = await tb.withSandboxes();
    const ws = tempWorkspace('gh-bench-kill-');
    try {
      const created = await Promise.all(
        Array.from({ length: SANDBOXES }, (_, i) =>
          sandboxes.create({
            template: 'custom',
            workspace: ws.dir,
            command: IDLE,
            image,
            name: `bench-kill-${i}`,
          }),
        ),
      );
      const ids = created.map((c) => sandboxes.store.get(c.id)!.containerId!);
      const ours: number[] = [];
      const cli: number[] = [];
      for (let round = 0; round < SANDBOX_ROUNDS; round++) {
        const t0 = performance.now();
        const r = await tb.killSwitch.engageAndReport({ kind: 'global' }, 'bench', 'bench');
        ours.push(performance.now() - t0);
        if (r.cut.sandboxesPaused !== SANDBOXES)
          throw new Error(`paused ${r.cut.sandboxesPaused} of ${SANDBOXES}`);
        const states = await Promise.all(ids.map((id) => engine.docker!.getContainer(id).inspect()));
        if (!states.every((s) => s.State.Paused)) throw new Error('a sandbox is not paused');
        await tb.killSwitch.release({ kind: 'global' }, 'bench', { resumeSandboxes: true });

        const t1 = performance.now();
        await run('docker', ['pause', ...ids]);
        cli.push(performance.now() - t1);
        await run('docker', ['unpause', ...ids]);
        for (const c of created) await sandboxes.refresh(c.id);
      }
      ours.sort((a, b) => a - b);
      cli.sort((a, b) => a - b);
      figures.sandboxes_paused_ms = percentile(ours, 50);
      figures.sandboxes_paused_max_ms = ours.at(-1)!;
      figures.docker_cli_pause_ms = percentile(cli, 50);
      figures.sandboxes_ratio_vs_docker_cli = figures.sandboxes_paused_ms / figures.docker_cli_pause_ms;
      const { stdout } = await run('docker', ['version', '--format', '{{.Server.Version}}']);
      peers.push({
        name: 'docker pause (CLI)',
        version: stdout.trim(),
        role: 'floor: the engine pausing the same 10 containers',
      });
      notes.push(
        `sandboxes_paused_ms: median over ${SANDBOX_ROUNDS} rounds of engage(global) → all ${SANDBOXES} sandboxes paused (the engage call awaits the pauses); docker_cli_pause_ms: \`docker pause\` of the same containers.`,
      );
    } finally {
      ws.dispose();
    }
  }
} finally {
  agents.kill();
  upstreamProc.kill();
  await tb.close();
}
notes.push(
  `load average during the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} on ${cpus().length} CPUs (figures are noisy when the box is shared).`,
);
writeResult('kill', { figures, peers, notes });

// `npm run bench -- sandbox [--quick]`: sandbox start time against `docker run` of the same image and
// command (the floor), and Gatehouse-side memory per idle sandbox. Real Docker, the whole core.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCore } from '../electron/core/app.js';
import { createDocker, probeEngine } from '../electron/core/sandbox/engine.js';
import { AGENT_UID } from '../electron/core/sandbox/image.js';
import { ensureOfflineImage } from '../electron/core/sandbox/testing.js';
import { quick, writeResult } from './lib/result.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const docker = createDocker();
const engine = await probeEngine(docker);
if (!engine.reachable) {
  console.error(`sandbox bench needs a Docker engine: ${engine.problem} ${engine.fix}`);
  process.exit(1);
}
const image = await ensureOfflineImage(docker);
const runs = quick ? 3 : 15;
const idleCount = quick ? 5 : 10;

// The agent's first request: through the forwarder to the gateway socket; prints the wall clock
// (the container shares the host's clock) once the gateway has answered.
const script =
  "require('http').get('http://127.0.0.1:3128/gate/whoami',r=>{r.resume();r.on('end',()=>console.log('T'+Date.now()))}).on('error',()=>console.log('T'+Date.now()))";
const command = ['node', '-e', script];

const dataDir = mkdtempSync(join(tmpdir(), 'gh-bench-data-'));
const ws = mkdtempSync(join(tmpdir(), 'gh-bench-ws-'));
if (process.getuid?.() === 0) chownSync(ws, AGENT_UID, AGENT_UID);
const core = await createCore({
  dataDir,
  mode: 'headless',
  gatewayPort: 0,
  env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const stampOf = (text: string) => Number(/T(\d{13})/.exec(text)?.[1] ?? NaN);

interface Sample {
  total: number;
  /** Until the container's process started (engine work; StartedAt from inspect). */
  toStart: number;
  /** From the process start to the first request answered (entrypoint, agent start, gateway hop). */
  inside: number;
}

async function gatehouseStart(i: number): Promise<Sample> {
  const t0 = Date.now();
  const s = await core.sandboxes.create({
    template: 'custom',
    workspace: ws,
    image,
    name: `bench-${i}`,
    command,
  });
  await core.sandboxes.wait(s.id);
  const text = (await core.sandboxes.logs(s.id)).entries.map((e) => e.text).join('');
  const info = await docker.getContainer(core.sandboxes.store.get(s.id)!.containerId!).inspect();
  await core.sandboxes.remove(s.id);
  const t = stampOf(text);
  const started = Date.parse(info.State.StartedAt);
  return { total: t - t0, toStart: started - t0, inside: t - started };
}

function dockerRunStart(): Sample {
  const name = `gh-bench-floor-${Date.now()}`;
  const t0 = Date.now();
  const out = execFileSync('docker', ['run', '--name', name, '--network', 'none', image, ...command], {
    encoding: 'utf8',
  });
  const startedAt = execFileSync('docker', ['inspect', '-f', '{{.State.StartedAt}}', name], {
    encoding: 'utf8',
  });
  spawnSync('docker', ['rm', '-f', name]);
  const t = stampOf(out);
  const started = Date.parse(startedAt.trim());
  return { total: t - t0, toStart: started - t0, inside: t - started };
}

// Warm-up: the first start of an image pays for caches.
await gatehouseStart(-1);
dockerRunStart();
const gh: Sample[] = [];
const floor: Sample[] = [];
for (let i = 0; i < runs; i++) {
  gh.push(await gatehouseStart(i));
  floor.push(dockerRunStart());
}

// Idle memory: what N running, idle sandboxes (door, agent, records, watchers) cost the Gatehouse process.
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage();
};
const before = await settle();
const idle = [];
for (let i = 0; i < idleCount; i++) {
  idle.push(
    await core.sandboxes.create({
      template: 'custom',
      workspace: ws,
      image,
      name: `idle-${i}`,
      command: ['sleep', '600'],
    }),
  );
}
await core.sandboxes.list(); // one listing, as the console would
const after = await settle();
for (const s of idle) await core.sandboxes.remove(s.id);
await core.close();
rmSync(dataDir, { recursive: true, force: true });
rmSync(ws, { recursive: true, force: true });

const mb = (b: number) => b / (1024 * 1024);
const rssPer = mb(after.rss - before.rss) / idleCount;
const heapPer = mb(after.heapUsed + after.external - before.heapUsed - before.external) / idleCount;
const ghMs = median(gh.map((x) => x.total));
const floorMs = median(floor.map((x) => x.total));
writeResult('sandbox', {
  figures: {
    start_ratio_vs_docker_run: ghMs / floorMs,
    idle_mem_mb_per_sandbox: Math.max(rssPer, heapPer),
    start_ms_gatehouse_p50: ghMs,
    start_ms_docker_run_p50: floorMs,
  },
  peers: [
    { name: 'docker run', version: engine.version, role: 'floor: same image and command, --network none' },
  ],
  table: {
    runs,
    idle_sandboxes: idleCount,
    idle_heap_mb_per_sandbox: Math.round(heapPer * 1000) / 1000,
    idle_rss_mb_per_sandbox: Math.round(rssPer * 1000) / 1000,
    gatehouse_to_process_start_ms_p50: median(gh.map((x) => x.toStart)),
    gatehouse_process_to_first_request_ms_p50: median(gh.map((x) => x.inside)),
    docker_run_to_process_start_ms_p50: median(floor.map((x) => x.toStart)),
    docker_run_process_to_first_request_ms_p50: median(floor.map((x) => x.inside)),
    load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
  },
  notes: [
    'start = from the create call (Gatehouse) or spawning `docker run` (floor) to the agent having its first request answered by the gateway (floor: refused at 127.0.0.1:3128, nothing listening), clocked inside the container',
    'idle memory = max(RSS, heap+external) growth of the Gatehouse process per idle running sandbox, after GC',
  ],
});

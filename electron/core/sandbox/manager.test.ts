import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../shared/events.js';
import { openDatabase, type Db } from '../db/database.js';
import { LiveBus } from '../live/bus.js';
import { AgentRegistry } from '../agents/registry.js';
import { tempLedger } from '../ledger/test-helpers.js';
import type { Ledger } from '../ledger/ledger.js';
import Docker from 'dockerode';
import { SandboxManager } from './manager.js';
import { socketDir } from './paths.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace, EchoDoors } from './testing.js';
import { hostHasGit } from './image.js';
import { LABELS } from './spec.js';

const { docker } = await dockerForTests();

async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!docker)('SandboxManager with real Docker', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-data-'));
  const ws = tempWorkspace();
  let db: Db;
  let image: string;
  let ledger: Ledger;
  let cleanupLedger: () => Promise<void>;
  const events: LedgerEvent[] = [];
  const live = new LiveBus();
  const changed: unknown[] = [];
  let doors: EchoDoors;
  let agents: AgentRegistry;
  let m: SandboxManager;

  const open = async () => {
    doors = new EchoDoors();
    const mgr = new SandboxManager({ docker: docker!, db, dataDir, live, ledger, agents, doors });
    await mgr.open();
    return mgr;
  };

  /** A sandbox that just sleeps, for tests about its lifecycle. */
  const sleeping = (name: string) =>
    m.create({ template: 'custom', workspace: ws.dir, image, name, command: ['sleep', '300'] });

  beforeAll(async () => {
    image = await ensureOfflineImage(docker!);
    db = openDatabase(join(dataDir, 'gatehouse.db'));
    agents = new AgentRegistry(db);
    ({ ledger, cleanup: cleanupLedger } = await tempLedger());
    ledger.subscribe((batch) => void events.push(...batch));
    live.subscribe((msg) => msg.topic === 'sandboxes.changed' && changed.push(msg.data));
    m = await open();
  }, 120_000);

  afterAll(async () => {
    for (const s of m?.store.list() ?? []) await m.remove(s.id).catch(() => undefined);
    await m?.close();
    await cleanupLedger?.();
    db?.close();
    ws.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a workspace that contains the data dir, or an unknown template', async () => {
    const outer = mkdtempSync(join(tmpdir(), 'gh-outer-'));
    const inner = join(outer, 'data');
    mkdirSync(inner);
    const m2 = new SandboxManager({ docker: docker!, db: openDatabase(':memory:'), dataDir: inner, live });
    await expect(
      m2.create({ template: 'custom', workspace: outer, command: ['true'] }),
    ).rejects.toMatchObject({
      code: 'bad_workspace',
    });
    await expect(m.create({ template: 'custom', workspace: '/', command: ['true'] })).rejects.toMatchObject({
      code: 'bad_workspace',
    });
    await expect(m.create({ template: 'nope', workspace: ws.dir })).rejects.toMatchObject({
      code: 'unknown_template',
    });
    await expect(m.create({ template: 'custom', workspace: ws.dir })).rejects.toMatchObject({
      code: 'command_required',
    });
    rmSync(outer, { recursive: true, force: true });
  });

  it('refuses an env variable that carries a vault secret', async () => {
    const m2 = new SandboxManager({
      docker: docker!,
      db: openDatabase(':memory:'),
      dataDir,
      live,
      secretValues: () => ['sk-live-0123456789abcdef'],
    });
    await expect(
      m2.create({
        template: 'custom',
        workspace: ws.dir,
        command: ['true'],
        env: { TOKEN: 'Bearer sk-live-0123456789abcdef' },
      }),
    ).rejects.toMatchObject({ code: 'secret_in_env', message: expect.not.stringContaining('sk-live') });
  });

  it('runs a command, streams its output, records its exit code in the ledger', async () => {
    const s = await m.create({
      template: 'custom',
      workspace: ws.dir,
      image,
      name: 'echoer',
      command: ['sh', '-c', 'echo out-line; echo err-line >&2; exit 7'],
    });
    expect(s.agent).toBe('echoer');
    expect(agents.get('echoer')?.sandboxed).toBe(true);
    expect((await m.wait(s.id)).exitCode).toBe(7);
    const { entries, running, exitCode } = await m.logs(s.id);
    expect(running).toBe(false);
    expect(exitCode).toBe(7);
    expect(entries.find((e) => e.text.includes('out-line'))?.stream).toBe('stdout');
    expect(entries.find((e) => e.text.includes('err-line'))?.stream).toBe('stderr');
    // `since` returns only what came after.
    const last = entries[entries.length - 1]!;
    expect((await m.logs(s.id, { since: last.ts })).entries).toEqual([]);
    const died = await until(
      () => events.find((e) => e.kind === 'sandbox' && e.operation === 'died' && e.sandbox === s.id),
      'the died event',
    );
    expect(died.agent).toBe('echoer');
    expect((died.payload as { exitCode: number }).exitCode).toBe(7);
    expect(died.status).toBe('error');
    expect(died.run).toBe(s.runId);
    expect(events.some((e) => e.kind === 'sandbox' && e.operation === 'started' && e.sandbox === s.id)).toBe(
      true,
    );
    expect(changed).toContainEqual({ id: s.id, event: 'died', exitCode: 7 });
    await m.remove(s.id);
    await until(
      () => events.find((e) => e.operation === 'removed' && e.sandbox === s.id),
      'the removed event',
    );
    expect(agents.get('echoer')).toBeUndefined();
    expect(m.store.get(s.id)).toBeUndefined();
  });

  it.skipIf(!hostHasGit())(
    'the offline image has git: an agent can init, commit and log in its workspace',
    async () => {
      const s = await m.create({
        template: 'custom',
        workspace: ws.dir,
        image,
        name: 'gitter',
        command: [
          'sh',
          '-c',
          'cd /workspace && git init -q repo && cd repo && echo hi > a.txt && git add a.txt && ' +
            'git -c user.email=agent@example.invalid -c user.name=agent commit -qm first && git log --format=%s',
        ],
      });
      expect((await m.wait(s.id)).exitCode).toBe(0);
      const out = (await m.logs(s.id)).entries.map((e) => e.text).join('');
      expect(out.trim().split('\n').at(-1)).toBe('first');
      await m.remove(s.id);
    },
  );

  it('records an out-of-memory kill', async () => {
    const s = await m.create({
      template: 'custom',
      workspace: ws.dir,
      image,
      name: 'hog',
      limits: { memoryMb: 64 },
      command: ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));'],
    });
    expect((await m.wait(s.id)).exitCode).toBe(137);
    await until(() => events.find((e) => e.operation === 'oom' && e.sandbox === s.id), 'the oom event');
    expect(changed).toContainEqual({ id: s.id, event: 'oom' });
    await m.remove(s.id);
  });

  it('explains a missing engine instead of failing obscurely', async () => {
    const { createDocker } = await import('./engine.js');
    const none = createDocker({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const m2 = new SandboxManager({
      docker: none,
      db: openDatabase(':memory:'),
      dataDir,
      live,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    await expect(
      m2.create({ template: 'custom', workspace: ws.dir, command: ['true'] }),
    ).rejects.toMatchObject({
      code: 'engine_unreachable',
      message: expect.stringMatching(/No Docker engine socket was found.*Install Docker/),
    });
  });

  it('pauses, resumes, lists resource use, and stops', async () => {
    const s = await sleeping('sleeper');
    expect(s.state).toBe('running');
    expect((await m.pause(s.id)).state).toBe('paused');
    expect((await m.resume(s.id)).state).toBe('running');
    const listed = (await m.list()).find((x) => x.id === s.id)!;
    expect(listed.state).toBe('running');
    expect(listed.usage?.pids).toBeGreaterThan(0);
    expect(listed.usage?.memoryLimitMb).toBe(2048);
    const stopped = await m.stop(s.id, 5);
    expect(stopped.state).toBe('exited');
    expect(stopped.exitCode).not.toBe(0);
    await until(() => events.find((e) => e.operation === 'paused' && e.sandbox === s.id), 'paused event');
    await until(() => events.find((e) => e.operation === 'resumed' && e.sandbox === s.id), 'resumed event');
    await m.remove(s.id);
  });

  it('gives each sandbox its own door: identity is the socket, and the proxy forwards byte for byte', async () => {
    const script =
      "gate whoami --json && node -e \"require('http').get({host:'127.0.0.1',port:3128,path:'http://svc.test/x?y=1',headers:{host:'svc.test'}},r=>r.pipe(process.stdout))\"";
    const a = await m.create({
      template: 'custom',
      workspace: ws.dir,
      image,
      name: 'alpha',
      command: ['sh', '-c', script],
    });
    const b = await m.create({
      template: 'custom',
      workspace: ws.dir,
      image,
      name: 'bravo',
      command: ['sh', '-c', script],
    });
    for (const [s, name] of [
      [a, 'alpha'],
      [b, 'bravo'],
    ] as const) {
      expect((await m.wait(s.id)).exitCode).toBe(0);
      const out = (await m.logs(s.id)).entries.map((e) => e.text).join('');
      expect(out).toContain(`"id": "${name}"`);
      expect(out).toContain(`{"agent":"${name}","url":"http://svc.test/x?y=1"}`);
    }
    expect(
      doors.seen
        .filter((x) => x.url === 'http://svc.test/x?y=1')
        .map((x) => x.agent)
        .sort(),
    ).toEqual(['alpha', 'bravo']);
    await m.remove(a.id);
    await m.remove(b.id);
  });

  it('opens an interactive terminal (TTY, both directions, resize)', async () => {
    const s = await sleeping('term');
    const session = await m.openTerminal(s.id, { cols: 80, rows: 24 }, ['sh']);
    await m.terminals.resize(session, 120, 40);
    m.terminals.write(session, 'stty size; echo hello-$((6*7)); exit 3\n');
    const text = await until(async () => {
      const r = await m.terminals.read(session, 0, 500);
      const t = Buffer.concat(r.chunks.map((c) => c.data)).toString();
      return r.exited && t.includes('hello-42') ? t : undefined;
    }, 'terminal output');
    expect(text).toContain('40 120');
    expect((await m.terminals.read(session, 0, 0)).exitCode).toBe(3);
    m.terminals.close(session);
    await m.remove(s.id);
  });

  it('re-attaches a survivor once the engine answers, when it was down at start', async () => {
    const s = await sleeping('patient');
    await m.close();
    // The same engine behind a socket that is not there yet: "Docker is down" at start.
    const engineDir = mkdtempSync(join(tmpdir(), 'gh-engine-'));
    const sock = join(engineDir, 'docker.sock');
    const real = (docker!.modem as unknown as { socketPath?: string }).socketPath ?? '/var/run/docker.sock';
    doors = new EchoDoors();
    const late = new SandboxManager({
      docker: new Docker({ socketPath: sock }),
      db,
      dataDir,
      live,
      ledger,
      agents,
      doors,
    });
    await late.open();
    const door = join(socketDir(dataDir, s.agent), 'gateway.sock');
    expect(late.store.get(s.id)).toBeDefined(); // nothing discarded while the engine is away
    expect(existsSync(door)).toBe(false);
    const proxy = createServer((c) => {
      const up = connect(real);
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => proxy.listen(sock, r));
    try {
      await until(() => existsSync(door), 'the door to reopen once the engine answers');
      expect((await late.info(s.id)).state).toBe('running');
    } finally {
      await late.close();
      proxy.close();
      rmSync(engineDir, { recursive: true, force: true });
      m = await open();
      await m.remove(s.id);
    }
  });

  it('re-attaches running sandboxes after a restart, or cleans them up, by setting', async () => {
    const s = await sleeping('survivor');
    await m.close();
    m = await open(); // new doors: the socket is re-created
    expect((await m.info(s.id)).state).toBe('running');
    const exec = await docker!.getContainer(m.store.get(s.id)!.containerId!).exec({
      Cmd: ['gate', 'whoami'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise((r) => (stream.on('data', (d: Buffer) => chunks.push(d)), stream.on('end', r)));
    expect(Buffer.concat(chunks).toString()).toContain('survivor (survivor)');

    m.setSettings({ onRestart: 'cleanup' });
    await m.close();
    m = await open();
    expect(m.store.get(s.id)).toBeUndefined();
    const left = await docker!.listContainers({
      all: true,
      filters: { label: [`${LABELS.sandbox}=${s.id}`] },
    });
    expect(left).toEqual([]);
    m.setSettings({ onRestart: 'reattach' });
  });
});

import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';
import type { SandboxInfo } from '../../../shared/api/sandboxes.js';
import { streamLogs } from './run.js';

const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n - 1) + '…' : s.padEnd(n));

function table(out: NodeJS.WritableStream, list: SandboxInfo[]): void {
  if (!list.length)
    return void println(out, 'No sandboxes. Start one with `gatehouse run --template NAME --workspace DIR`.');
  println(
    out,
    `${pad('NAME', 24)}${pad('TEMPLATE', 14)}${pad('STATE', 12)}${pad('CPU', 8)}${pad('MEM', 16)}${pad('PIDS', 6)}WORKSPACE`,
  );
  for (const s of list) {
    const state = s.state === 'exited' && s.exitCode !== null ? `exited(${s.exitCode})` : s.state;
    const u = s.usage;
    println(
      out,
      `${pad(s.name, 24)}${pad(s.template, 14)}${pad(state, 12)}${pad(u?.cpuPercent != null ? `${u.cpuPercent}%` : '-', 8)}${pad(
        u ? `${u.memoryMb}/${u.memoryLimitMb} MB` : '-',
        16,
      )}${pad(u ? String(u.pids) : '-', 6)}${s.workspace}`,
    );
  }
}

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'List, stop, remove and read the logs of sandboxes; build the agent image.',
  help: `Usage: gatehouse sandbox ls
       gatehouse sandbox stop|start|pause|resume|rm NAME...
       gatehouse sandbox logs NAME [-f]
       gatehouse sandbox shell NAME [-- CMD]
       gatehouse sandbox image build [--from auto|dockerfile|offline]
       gatehouse sandbox image status
       gatehouse sandbox templates
       gatehouse sandbox settings [--on-restart reattach|cleanup] [--image IMAGE] [--memory MB] [--cpus N] [--pids N]

  image build   auto (default): the Dockerfile in resources/sandbox where a registry is reachable,
                else an offline image assembled from local files (node, its libraries, busybox)
  settings      on app restart re-attach running sandboxes or clean them up; default image and limits
  -f, --follow  keep streaming until the sandbox exits
  shell         an interactive terminal (TTY) in a running sandbox; exits with the shell's code
  --data-dir DIR, --json`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      follow: { type: 'boolean', short: 'f', default: false },
      from: { type: 'string', default: 'auto' },
      'on-restart': { type: 'string' },
      image: { type: 'string' },
      memory: { type: 'string' },
      cpus: { type: 'string' },
      pids: { type: 'string' },
    });
    const [verb = 'ls', ...rest] = positionals;
    const client = ApiClient.find(io.env, values['data-dir']);
    const json = (v: unknown) => println(io.stdout, JSON.stringify(v));
    switch (verb) {
      case 'ls':
      case 'list': {
        const list = await client.call('sandboxes.list', {});
        if (values.json) json(list);
        else table(io.stdout, list);
        return EXIT.ok;
      }
      case 'stop':
      case 'start':
      case 'pause':
      case 'resume':
      case 'rm': {
        if (!rest.length) throw new UsageError(`gatehouse sandbox ${verb} needs at least one sandbox name.`);
        for (const id of rest) {
          if (verb === 'rm') await client.call('sandboxes.remove', { id });
          else if (verb === 'stop') await client.call('sandboxes.stop', { id });
          else if (verb === 'start') await client.call('sandboxes.start', { id });
          else if (verb === 'pause') await client.call('sandboxes.pause', { id });
          else await client.call('sandboxes.resume', { id });
          if (!values.json) println(io.stdout, `${id}: ${verb === 'rm' ? 'removed' : `${verb} done`}`);
        }
        if (values.json) json({ ok: true });
        return EXIT.ok;
      }
      case 'logs': {
        if (rest.length !== 1) throw new UsageError('gatehouse sandbox logs needs one sandbox name.');
        await streamLogs(client, rest[0]!, io, values.json, values.follow);
        return EXIT.ok;
      }
      case 'shell': {
        if (!rest.length) throw new UsageError('gatehouse sandbox shell needs a sandbox name.');
        return shell(client, rest[0]!, rest.slice(1), io);
      }
      case 'templates': {
        const list = await client.call('sandboxes.templates', {});
        if (values.json) json(list);
        else for (const t of list) println(io.stdout, `${pad(t.name, 14)}${t.title} — ${t.description}`);
        return EXIT.ok;
      }
      case 'image':
        return image(client, rest[0] ?? 'status', values.from ?? 'auto', values.json, io);
      case 'settings': {
        const patch: Record<string, unknown> = {};
        const onRestart = values['on-restart'];
        if (onRestart !== undefined) {
          if (onRestart !== 'reattach' && onRestart !== 'cleanup')
            throw new UsageError('--on-restart must be reattach or cleanup.');
          patch.onRestart = onRestart;
        }
        if (values.image !== undefined) patch.defaultImage = values.image;
        const cur = await client.call('sandboxes.settings.get', {});
        const limits = { ...cur.limits };
        if (values.memory) limits.memoryMb = Number(values.memory);
        if (values.cpus) limits.cpus = Number(values.cpus);
        if (values.pids) limits.pids = Number(values.pids);
        if (values.memory || values.cpus || values.pids) patch.limits = limits;
        const s = Object.keys(patch).length ? await client.call('sandboxes.settings.set', patch) : cur;
        if (values.json) json(s);
        else {
          println(io.stdout, `on restart     ${s.onRestart}`);
          println(
            io.stdout,
            `default image  ${s.defaultImage || '(gatehouse/agent:latest if built, else :offline)'}`,
          );
          println(
            io.stdout,
            `limits         ${s.limits.memoryMb} MB, ${s.limits.cpus} CPUs, ${s.limits.pids} pids, /tmp ${s.limits.tmpMb} MB, home ${s.limits.homeMb} MB`,
          );
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown sandbox command "${verb}" (see gatehouse sandbox --help).`);
    }
  },
};

async function image(
  client: ApiClient,
  verb: string,
  from: string,
  asJson: boolean,
  io: { stdout: NodeJS.WritableStream },
): Promise<number> {
  if (verb === 'status') {
    const s = await client.call('sandboxes.image.status', {});
    if (asJson) println(io.stdout, JSON.stringify(s));
    else {
      for (const i of s.images)
        println(io.stdout, `${pad(i.image, 28)}${i.present ? 'present' : 'not built'}`);
      println(io.stdout, `new sandboxes use ${s.defaultImage}`);
    }
    return EXIT.ok;
  }
  if (verb !== 'build') throw new UsageError('gatehouse sandbox image build|status');
  if (from !== 'auto' && from !== 'dockerfile' && from !== 'offline')
    throw new UsageError('--from must be auto, dockerfile or offline.');
  let printed = 0;
  const line = (p: { percent: number; message: string }) =>
    println(
      io.stdout,
      asJson
        ? JSON.stringify(p)
        : `[${p.percent >= 0 ? String(p.percent).padStart(3) + '%' : '    '}] ${p.message}`,
    );
  const stop = client.follow(['sandboxes.build'], (_topic, data) => {
    printed++;
    line(data as { percent: number; message: string });
  });
  try {
    const r = await client.call('sandboxes.image.build', { from });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the last live lines arrive
    if (!printed) for (const p of r.log) line(p);
    if (!asJson) println(io.stdout, `Built ${r.image}.`);
    return EXIT.ok;
  } finally {
    stop();
  }
}

/** An interactive terminal over the control API: keystrokes in, output by long-polling. */
async function shell(
  client: ApiClient,
  id: string,
  command: string[],
  io: {
    stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
    stdout: NodeJS.WritableStream;
  },
): Promise<number> {
  const out = io.stdout as NodeJS.WritableStream & { columns?: number; rows?: number };
  const size = () => ({ cols: out.columns ?? 80, rows: out.rows ?? 24 });
  const { session } = await client.call('sandboxes.terminal.open', {
    id,
    ...size(),
    ...(command.length ? { command } : {}),
  });
  const raw = Boolean(io.stdin.isTTY && io.stdin.setRawMode);
  if (raw) io.stdin.setRawMode!(true);
  let writes = Promise.resolve();
  const onData = (d: Buffer | string) => {
    const data = Buffer.from(d).toString('base64');
    writes = writes.then(() =>
      client.call('sandboxes.terminal.write', { session, data }).then(() => undefined),
    );
  };
  const onResize = () =>
    void client.call('sandboxes.terminal.resize', { session, ...size() }).catch(() => undefined);
  io.stdin.on('data', onData);
  process.on('SIGWINCH', onResize);
  try {
    let after = 0;
    for (;;) {
      const r = await client.call('sandboxes.terminal.read', { session, after, waitMs: 10_000 });
      for (const c of r.chunks) {
        out.write(Buffer.from(c.data, 'base64'));
        after = c.seq;
      }
      if (r.exited && !r.chunks.length) return r.exitCode ?? EXIT.failed;
    }
  } finally {
    io.stdin.off('data', onData);
    process.off('SIGWINCH', onResize);
    if (raw) io.stdin.setRawMode!(false);
    (io.stdin as { pause?: () => void }).pause?.();
    await client.call('sandboxes.terminal.close', { session }).catch(() => undefined);
  }
}

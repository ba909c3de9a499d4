import { resolve } from 'node:path';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';
import type { CreateSandboxInput, LogEntry } from '../../../shared/api/sandboxes.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Start an agent in a new sandbox and stream its output.',
  help: `Usage: gatehouse run --template NAME --workspace DIR [options] [-- ARGS]

Creates a sandbox (no network; its only way out is the gateway) for an agent template, mounts
DIR read-write at /workspace, starts it and streams its output. The exit code is the agent's.

  --template NAME    claude-code | codex | openclaw | aider | custom | demo-helpful | demo-rogue
  --workspace DIR    the one host folder the agent gets (default: the current folder)
  -- ARGS            for custom: the command; otherwise extra arguments for the agent's command
  --replace-command  ARGS replace the template's command (e.g. a shell with claude-code's policy)
  --name NAME        sandbox and agent name (default: <template>-<random>)
  --image IMAGE      image to use (default: gatehouse/agent:latest if built, else :offline)
  --env K=V          extra environment variable (repeatable); never put a secret here
  --memory MB, --cpus N, --pids N     resource limits (defaults: sandbox settings)
  --detach           start it and print its id instead of streaming
  --rm               remove the sandbox when the agent exits
  --data-dir DIR, --json

Ctrl-C stops the sandbox.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      template: { type: 'string' },
      workspace: { type: 'string' },
      name: { type: 'string' },
      image: { type: 'string' },
      env: { type: 'string', multiple: true },
      memory: { type: 'string' },
      cpus: { type: 'string' },
      pids: { type: 'string' },
      detach: { type: 'boolean', default: false },
      rm: { type: 'boolean', default: false },
      'replace-command': { type: 'boolean', default: false },
    });
    if (!values.template) throw new UsageError('--template is required (see `gatehouse sandbox templates`).');
    const env: Record<string, string> = {};
    for (const kv of values.env ?? []) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new UsageError(`--env must be K=V (got "${kv}").`);
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const num = (v: string | undefined, flag: string) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number.`);
      return n;
    };
    const limits = Object.fromEntries(
      Object.entries({
        memoryMb: num(values.memory, 'memory'),
        cpus: num(values.cpus, 'cpus'),
        pids: num(values.pids, 'pids'),
      }).filter(([, v]) => v !== undefined),
    );
    const input: CreateSandboxInput = {
      template: values.template,
      // Relative to where the user typed it, not to the server's working folder.
      workspace: resolve(values.workspace ?? process.cwd()),
      ...(positionals.length ? { command: positionals } : {}),
      ...(values['replace-command'] ? { replaceCommand: true } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.image ? { image: values.image } : {}),
      ...(Object.keys(env).length ? { env } : {}),
      ...(Object.keys(limits).length ? { limits } : {}),
    };
    const client = ApiClient.find(io.env, values['data-dir']);
    const s = await client.call('sandboxes.create', input);
    if (values.detach) {
      println(io.stdout, values.json ? JSON.stringify(s) : s.id);
      return EXIT.ok;
    }
    io.stderr.write(`gatehouse: sandbox ${s.name} (${s.id}) started from ${s.image}\n`);
    let interrupted = false;
    const onInt = () => {
      interrupted = true;
      io.stderr.write('\ngatehouse: stopping the sandbox…\n');
      void client.call('sandboxes.stop', { id: s.id, timeoutSeconds: 5 }).catch(() => undefined);
    };
    process.once('SIGINT', onInt);
    try {
      const exitCode = await streamLogs(client, s.id, io, values.json);
      io.stderr.write(
        `gatehouse: ${s.name} exited with code ${exitCode}${interrupted ? ' (stopped)' : ''}\n`,
      );
      if (values.rm) await client.call('sandboxes.remove', { id: s.id });
      return exitCode;
    } finally {
      process.off('SIGINT', onInt);
    }
  },
};

/** Polls the sandbox's output until it has exited; returns its exit code. */
export async function streamLogs(
  client: ApiClient,
  id: string,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  json = false,
  follow = true,
): Promise<number> {
  let since: string | undefined;
  const write = (e: LogEntry) => {
    if (json) println(io.stdout, JSON.stringify(e));
    else (e.stream === 'stderr' ? io.stderr : io.stdout).write(e.text);
  };
  for (;;) {
    const r = await client.call('sandboxes.logs', { id, ...(since ? { since } : {}) });
    for (const e of r.entries) write(e);
    if (r.entries.length) since = r.entries[r.entries.length - 1]!.ts;
    if (!r.running || !follow) {
      if (r.running) return 0;
      // One last read: output written just before the exit.
      const tail = await client.call('sandboxes.logs', { id, ...(since ? { since } : {}) });
      for (const e of tail.entries) write(e);
      return r.exitCode ?? EXIT.failed;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

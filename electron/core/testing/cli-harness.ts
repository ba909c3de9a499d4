import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/run.js';
import { createCore, type Core, type CoreOptions } from '../app.js';
import { writeRuntimeFile } from '../runtime-file.js';
import { startControlServer, type ControlServer } from '../server/control-server.js';

export interface CliHarnessOptions {
  /** Prefix of the temp data dir (ignored when `dir` is given). */
  prefix?: string;
  /** An existing data dir to start on (a restart); `close()` still removes it unless told not to. */
  dir?: string;
  /** Extra env for the core, on top of process.env (+ GATEHOUSE_DATA_DIR unless `dataDirEnv` is false). */
  env?: NodeJS.ProcessEnv;
  /** Extra core options (dataDir, mode and env are set by the harness unless given here). */
  core?: Partial<CoreOptions>;
  /** Words put before every command's argv, e.g. ['kill']. */
  command?: string[];
  /** Set GATEHOUSE_DATA_DIR in the core's and the commands' env (default true). */
  dataDirEnv?: boolean;
  /** Where `--data-dir DIR` goes: at the end (default) or right after the first word (before a `--`). */
  dataDirAt?: 'end' | 'after-first';
  /** Report a thrown runCli as code -1 with the message on err, instead of rejecting. */
  catchErrors?: boolean;
}

export interface CliRunOptions {
  /** Text written to stdin, which is then ended; without it stdin stays open and empty. */
  input?: string;
  /** A stdin stream of the caller's (e.g. to write to it while the command runs). */
  stdin?: PassThrough;
  /** Extra env for this command. */
  env?: NodeJS.ProcessEnv;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** stdout and stderr interleaved in the order they were written. */
  all: string;
}

export interface CliRunning {
  /** Grows as the command writes. */
  io: { out: string; err: string; all: string };
  done: Promise<number>;
  stdout: PassThrough;
}

export interface CliHarness {
  dir: string;
  core: Core;
  server: ControlServer;
  /** Starts a command and returns at once (for commands that stream, e.g. `audit tail`). */
  start(argv: string[], opts?: CliRunOptions): CliRunning;
  cli(argv: string[], opts?: CliRunOptions): Promise<CliResult>;
  /** Stops the control server and the core; removes the data dir unless keepDir. */
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

/**
 * A real core on a temp data dir with its control server and runtime file, and a `cli` that runs
 * `runCli` in-process against it with PassThrough streams.
 */
export async function startCliHarness(opts: CliHarnessOptions = {}): Promise<CliHarness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), opts.prefix ?? 'gh-cli-'));
  const dirEnv: NodeJS.ProcessEnv = opts.dataDirEnv === false ? {} : { GATEHOUSE_DATA_DIR: dir };
  const core = await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, ...dirEnv, ...opts.env },
    ...opts.core,
  });
  const server = await startControlServer(core, { port: 0, staticDir: dir });
  writeRuntimeFile(core.dataDir, {
    pid: process.pid,
    api: server.url,
    console: server.consoleUrl,
    token: server.token,
    startedAt: new Date().toISOString(),
  });

  const start = (argv: string[], run: CliRunOptions = {}): CliRunning => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = run.stdin ?? new PassThrough();
    const io = { out: '', err: '', all: '' };
    stdout.on('data', (c: Buffer) => {
      io.out += c.toString();
      io.all += c.toString();
    });
    stderr.on('data', (c: Buffer) => {
      io.err += c.toString();
      io.all += c.toString();
    });
    if (run.input !== undefined) stdin.end(run.input);
    const words = [...(opts.command ?? []), ...argv];
    const full =
      opts.dataDirAt === 'after-first'
        ? [words[0]!, '--data-dir', dir, ...words.slice(1)]
        : [...words, '--data-dir', dir];
    let done = runCli(full, { stdout, stderr, stdin, env: { ...process.env, ...dirEnv, ...run.env } });
    if (opts.catchErrors)
      done = done.catch((e: unknown) => {
        io.err += (e as Error).message;
        return -1;
      });
    return { io, done, stdout };
  };

  return {
    dir,
    core,
    server,
    start,
    async cli(argv, run) {
      const r = start(argv, run);
      const code = await r.done;
      return { code, ...r.io };
    },
    async close(c) {
      await server.close();
      await core.close();
      if (!c?.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

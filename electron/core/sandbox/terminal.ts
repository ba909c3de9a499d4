import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { GatehouseError } from '../../../shared/errors.js';

interface Session {
  id: string;
  containerId: string;
  exec: Docker.Exec;
  stream: Duplex;
  chunks: { seq: number; data: Buffer }[];
  bufferedBytes: number;
  seq: number;
  exited: boolean;
  /** The stream ended; the exit code is being fetched. */
  ending: boolean;
  exitCode: number | null;
  output: Set<(chunk: Buffer) => void>;
  exit: Set<(code: number | null) => void>;
  waiters: Set<() => void>;
}

/** Scrollback kept per session for pollers (the console's live view subscribes instead). */
const MAX_BUFFER = 256 * 1024;

/**
 * Interactive terminals: `exec` with a TTY, both directions, resizable. Used by the console (IPC,
 * or the control API's open/write/read/resize/close) and by nothing inside the sandbox.
 */
export class TerminalSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly docker: Docker) {}

  async open(containerId: string, size: { cols: number; rows: number }, command?: string[]): Promise<string> {
    if (!containerId) throw new GatehouseError('sandbox_not_created', 'The sandbox has no container.', 409);
    const container = this.docker.getContainer(containerId);
    const exec = await container.exec({
      Cmd: command?.length
        ? command
        : ['/bin/sh', '-c', 'command -v bash >/dev/null && exec bash -l || exec sh -l'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ['TERM=xterm-256color'],
      WorkingDir: '/workspace',
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    const s: Session = {
      id: `term_${randomBytes(8).toString('hex')}`,
      containerId,
      exec,
      stream,
      chunks: [],
      bufferedBytes: 0,
      seq: 0,
      exited: false,
      ending: false,
      exitCode: null,
      output: new Set(),
      exit: new Set(),
      waiters: new Set(),
    };
    this.sessions.set(s.id, s);
    stream.on('data', (d: Buffer) => this.onData(s, d));
    const finish = () => void this.finish(s);
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
    await exec.resize({ h: size.rows, w: size.cols }).catch(() => undefined);
    return s.id;
  }

  private onData(s: Session, d: Buffer): void {
    s.seq++;
    s.chunks.push({ seq: s.seq, data: d });
    s.bufferedBytes += d.length;
    while (s.bufferedBytes > MAX_BUFFER && s.chunks.length > 1)
      s.bufferedBytes -= s.chunks.shift()!.data.length;
    for (const fn of s.output) fn(d);
    this.wake(s);
  }

  private async finish(s: Session): Promise<void> {
    // `exited` is set only once the exit code is known, so a reader never sees "exited, code
    // unknown" in the moment between the stream's end and the engine's answer.
    if (s.ending) return;
    s.ending = true;
    // The stream can end a moment before the engine has the exit code: ask until it says stopped.
    for (let i = 0; i < 40; i++) {
      try {
        const info = await s.exec.inspect();
        s.exitCode = info.ExitCode ?? null;
        if (!info.Running) break;
      } catch {
        s.exitCode = null;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    s.exited = true;
    for (const fn of s.exit) fn(s.exitCode);
    this.wake(s);
  }

  private wake(s: Session): void {
    for (const w of s.waiters) w();
    s.waiters.clear();
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s)
      throw new GatehouseError(
        'unknown_terminal',
        `No terminal session "${id}" (closed, or the app restarted).`,
        404,
      );
    return s;
  }

  write(id: string, data: string | Buffer): void {
    const s = this.get(id);
    if (!s.ending) s.stream.write(data);
  }

  async resize(id: string, cols: number, rows: number): Promise<void> {
    await this.get(id).exec.resize({ h: rows, w: cols });
  }

  onOutput(id: string, fn: (chunk: Buffer) => void): () => void {
    const s = this.get(id);
    s.output.add(fn);
    return () => s.output.delete(fn);
  }

  onExit(id: string, fn: (code: number | null) => void): () => void {
    const s = this.get(id);
    if (s.exited) fn(s.exitCode);
    s.exit.add(fn);
    return () => s.exit.delete(fn);
  }

  /** Output after `after` (a sequence number); waits up to waitMs when there is none yet. */
  async read(
    id: string,
    after: number,
    waitMs: number,
  ): Promise<{ chunks: { seq: number; data: Buffer }[]; exited: boolean; exitCode: number | null }> {
    const s = this.get(id);
    if (s.seq <= after && !s.exited && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (s.waiters.delete(done), resolve()), waitMs);
        const done = () => (clearTimeout(t), resolve());
        s.waiters.add(done);
      });
    }
    return { chunks: s.chunks.filter((c) => c.seq > after), exited: s.exited, exitCode: s.exitCode };
  }

  close(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    s.stream.end();
    s.stream.destroy();
    this.wake(s);
  }

  closeFor(containerId: string): void {
    for (const s of [...this.sessions.values()]) if (s.containerId === containerId) this.close(s.id);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}

/** What a command may touch: its streams and environment (tests pass their own). */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help, printed by `gatehouse NAME --help`. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit codes that mean something to scripts. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notRunning: 3,
  denied: 4,
} as const;

export class UsageError extends Error {}

export const println = (s: NodeJS.WritableStream, text = '') => s.write(`${text}\n`);

export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

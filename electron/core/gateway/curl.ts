import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs curl (tests): exit code, stdout and stderr, without throwing on HTTP or proxy errors. */
export async function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run('curl', ['-sS', '--max-time', '10', ...args]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

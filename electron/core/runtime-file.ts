import { readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Lets other `gatehouse` commands find the running instance, as the docker CLI finds its daemon. */
export const runtimeInfoSchema = z.object({
  pid: z.number(),
  api: z.string(),
  console: z.string(),
  token: z.string(),
  gateway: z.string().optional(),
  startedAt: z.string(),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

export const runtimeFilePath = (dataDir: string) => join(dataDir, 'runtime.json');

export function writeRuntimeFile(dataDir: string, info: RuntimeInfo): void {
  const file = runtimeFilePath(dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readRuntimeFile(dataDir: string): RuntimeInfo | undefined {
  try {
    return runtimeInfoSchema.parse(JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

export function removeRuntimeFile(dataDir: string, pid = process.pid): void {
  if (readRuntimeFile(dataDir)?.pid === pid) rmSync(runtimeFilePath(dataDir), { force: true });
}

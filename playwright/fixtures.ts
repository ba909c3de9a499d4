import { test as base, expect } from '@playwright/test';
import { startGatehouse, type RunningGatehouse, type ServeInfo } from './gatehouse-process.js';

/**
 * Each worker gets its own `gatehouse serve` on a temp data dir and port 0; `gatehouse.info`
 * holds the console URL (with token), API base and token. Tests that need a pristine instance
 * can call `freshGatehouse()`.
 */
export const test = base.extend<
  { freshGatehouse: () => Promise<RunningGatehouse> },
  { gatehouse: RunningGatehouse }
>({
  gatehouse: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const gh = await startGatehouse();
      await use(gh);
      await gh.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // eslint-disable-next-line no-empty-pattern
  freshGatehouse: async ({}, use) => {
    const started: RunningGatehouse[] = [];
    await use(async () => {
      const gh = await startGatehouse();
      started.push(gh);
      return gh;
    });
    for (const gh of started) await gh.stop();
  },
});

export { expect };
export type { ServeInfo };

/** Calls a control-API procedure of the instance under test. */
export async function api<T = unknown>(info: ServeInfo, name: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`${info.api}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: T; error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${name}: ${body.error?.code}: ${body.error?.message}`);
  return body.result as T;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app.js';
import type { SandboxInfo } from '../../../shared/api/sandboxes.js';
import { agentCacheDir, ensureAgentPackage } from './agent-packages.js';
import { GLIBC_LABEL, buildOfflineImage, imageLabels, OFFLINE_IMAGE } from './image.js';
import { dockerForTests, tempWorkspace } from './testing.js';

/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code, installed on the host into the agent
 * cache and mounted read-only) in a real sandbox, through the real gateway, answered by the
 * built-in demo provider (no API key). The ledger must hold its run: prompt, input, output.
 */
const { docker } = await dockerForTests();
// A shared cache (not the per-test data dir) so the ~400 MB package is fetched once per machine.
const cache = agentCacheDir('', {
  GATEHOUSE_AGENT_CACHE: process.env.GATEHOUSE_AGENT_CACHE || join(tmpdir(), 'gatehouse-agent-cache'),
});
let claude: string | undefined;
let installProblem = '';
if (docker) {
  try {
    claude = await ensureAgentPackage('claude-code', cache, true);
  } catch (e) {
    installProblem = (e as Error).message;
  }
  if (!claude)
    console.warn(`skipping the Claude Code sandbox test: the CLI could not be installed (${installProblem})`);
}

interface Ev {
  kind: string;
  operation?: string;
  payload?: unknown;
  decision?: string;
  service?: string;
}

describe.skipIf(!docker || !claude)('Claude Code in a sandbox against the demo provider', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-cc-'));
  const ws = tempWorkspace('gh-cc-ws-');
  let core: Core;
  let box: SandboxInfo;
  let stdout = '';
  let exitCode = -1;
  let events: Ev[] = [];

  beforeAll(async () => {
    const labels = await imageLabels(docker!, OFFLINE_IMAGE);
    // Offline images built before the glibc companions lack librt, which Claude Code's binary needs.
    if (!labels?.[GLIBC_LABEL]) await buildOfflineImage(docker!, () => {});
    core = await createCore({
      dataDir,
      mode: 'headless',
      gatewayPort: 0,
      env: {
        ...process.env,
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_AGENT_CACHE: cache,
        GATEHOUSE_VAULT_KEY: 'file',
      },
    });
    box = await core.sandboxes.create({
      template: 'claude-code',
      workspace: ws.dir,
      name: 'cc-hello',
      image: OFFLINE_IMAGE,
      command: ['-p', 'say hello to gatehouse', '--output-format', 'json'],
    });
    exitCode = (await core.sandboxes.wait(box.id)).exitCode;
    const { entries } = await core.sandboxes.logs(box.id);
    stdout = entries
      .filter((e) => e.stream === 'stdout')
      .map((e) => e.text)
      .join('');
    if (exitCode !== 0) console.warn(entries.map((e) => e.text).join(''));
    const run = box.runId ?? undefined;
    expect(run).toBeTruthy();
    const page = (await core.api.call(
      'audit.timeline',
      { run, limit: 500, payload: true },
      { actor: 'test' },
    )) as {
      items: Ev[];
    };
    events = page.items;
  }, 600_000);

  afterAll(async () => {
    if (box) await core?.sandboxes.remove(box.id).catch(() => undefined);
    await core?.close();
    ws.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 with a JSON result carrying the demo answer', () => {
    expect(exitCode, stdout).toBe(0);
    const line = stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(line) as { type: string; is_error: boolean; result: string };
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result.length).toBeGreaterThan(0);
  });

  it('leaves its run in the ledger: allowed demo calls with the prompt as input and the answer as output', () => {
    const kinds = new Set(events.map((e) => e.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['request', 'input', 'output']));
    const text = JSON.stringify(events.filter((e) => e.kind === 'input').map((e) => e.payload));
    expect(text).toContain('say hello to gatehouse');
    const outputs = JSON.stringify(events.filter((e) => e.kind === 'output').map((e) => e.payload));
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { result?: string };
    expect(outputs).toContain(
      JSON.stringify(result.result ?? 'no result')
        .slice(1, -1)
        .slice(0, 40),
    );
    const requests = events.filter((e) => e.kind === 'request');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((e) => e.service === 'demo')).toBe(true);
  });
});

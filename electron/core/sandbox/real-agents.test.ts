import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app.js';
import { agentCacheDir, ensureAgentPackage } from './agent-packages.js';
import { GLIBC_LABEL, buildOfflineImage, imageLabels, OFFLINE_IMAGE } from './image.js';
import { dockerForTests, tempWorkspace } from './testing.js';

/**
 * The real Claude Code and Codex CLIs (npm packages installed on the host into the agent cache and
 * mounted read-only) in real sandboxes, through the real gateway, answered by the built-in demo
 * provider (no API key). The ledger must hold each run: the prompt as input, the answer as output.
 */
const { docker } = await dockerForTests();
// A shared cache (not the per-test data dir) so the packages (~400 MB for Claude Code) are fetched once per machine.
const cache = agentCacheDir('', {
  GATEHOUSE_AGENT_CACHE: process.env.GATEHOUSE_AGENT_CACHE || join(tmpdir(), 'gatehouse-agent-cache'),
});

async function installed(template: string): Promise<boolean> {
  if (!docker) return false;
  try {
    if (await ensureAgentPackage(template, cache, process.env.GATEHOUSE_AGENT_INSTALL !== '0')) return true;
    console.warn(`skipping the ${template} sandbox test: not in ${cache} and GATEHOUSE_AGENT_INSTALL=0`);
  } catch (e) {
    console.warn(
      `skipping the ${template} sandbox test: the CLI could not be installed (${(e as Error).message})`,
    );
  }
  return false;
}
const haveClaude = await installed('claude-code');
const haveCodex = await installed('codex');

interface Ev {
  kind: string;
  operation?: string;
  payload?: unknown;
  decision?: string;
  service?: string;
}
interface AgentRun {
  exitCode: number;
  stdout: string;
  events: Ev[];
}

const PROMPT = 'say hello to gatehouse';
const dataDir = mkdtempSync(join(tmpdir(), 'gh-real-'));
const ws = tempWorkspace('gh-real-ws-');
let core: Core | undefined;
const boxes: string[] = [];

async function runAgent(template: string, command: string[]): Promise<AgentRun> {
  if (!core) {
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
  }
  const box = await core.sandboxes.create({ template, workspace: ws.dir, image: OFFLINE_IMAGE, command });
  boxes.push(box.id);
  const { exitCode } = await core.sandboxes.wait(box.id);
  const { entries } = await core.sandboxes.logs(box.id);
  const stdout = entries
    .filter((e) => e.stream === 'stdout')
    .map((e) => e.text)
    .join('');
  if (exitCode !== 0) console.warn(entries.map((e) => e.text).join(''));
  expect(box.runId).toBeTruthy();
  const page = (await core.api.call(
    'audit.timeline',
    { run: box.runId, limit: 500, payload: true },
    { actor: 'test' },
  )) as { items: Ev[] };
  return { exitCode, stdout, events: page.items };
}

afterAll(async () => {
  for (const id of boxes) await core?.sandboxes.remove(id).catch(() => undefined);
  await core?.close();
  ws.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The run's LLM calls went to `service`, the prompt is an input and `answer` an output. */
function expectLedgerRun(run: AgentRun, service: string, answer: string): void {
  const kinds = run.events.map((e) => e.kind);
  expect(kinds).toEqual(expect.arrayContaining(['request', 'prompt', 'input', 'output']));
  const requests = run.events.filter((e) => e.kind === 'request' && e.operation?.startsWith('llm:'));
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((e) => e.service === service && e.decision === 'allow')).toBe(true);
  const inputs = JSON.stringify(run.events.filter((e) => e.kind === 'input').map((e) => e.payload));
  expect(inputs).toContain(PROMPT);
  const outputs = run.events
    .filter((e) => e.kind === 'output')
    .map((e) => (e.payload as { text?: string } | undefined)?.text ?? '');
  expect(answer.length).toBeGreaterThan(0);
  expect(outputs.some((t) => t.trim() && answer.includes(t.trim().slice(0, 40)))).toBe(true);
}

describe.skipIf(!haveClaude)('Claude Code in a sandbox against the demo provider', () => {
  let run: AgentRun;
  beforeAll(async () => {
    run = await runAgent('claude-code', ['-p', PROMPT, '--output-format', 'json']);
  }, 600_000);

  it('exits 0 with a JSON result carrying the demo answer, recorded in the ledger', () => {
    expect(run.exitCode, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as {
      type: string;
      is_error: boolean;
      result: string;
    };
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result).toContain('Gatehouse demo provider');
    expectLedgerRun(run, 'demo', result.result);
  });
});

describe.skipIf(!haveCodex)('Codex in a sandbox against the demo provider', () => {
  let run: AgentRun;
  beforeAll(async () => {
    run = await runAgent('codex', ['exec', '--skip-git-repo-check', PROMPT]);
  }, 600_000);

  it('exits 0 printing the demo answer, recorded in the ledger; its calls home are denied', () => {
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('Gatehouse demo provider');
    expectLedgerRun(run, 'demo-openai', run.stdout);
    // Nothing left the sandbox except through policy: Codex's own CONNECTs (update check, telemetry) are refused.
    const connects = run.events.filter((e) => e.operation?.startsWith('http:CONNECT'));
    expect(connects.every((e) => e.decision === 'deny')).toBe(true);
  });
});

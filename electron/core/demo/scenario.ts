import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatehouseError } from '../../../shared/errors.js';
import type { DemoRun, DemoScenario } from '../../../shared/api/demo.js';
import { DEMO_API_SERVICE, DEMO_MCP_SERVER } from './setup.js';
import type { DemoConfig } from './scripts.js';

export const AGENT_SCRIPT = fileURLToPath(new URL('../../../resources/demo/agent.mjs', import.meta.url));
/** The sandbox image's agent user (workspaces are handed to it when the core runs as root). */
const SANDBOX_UID = 1000;
/** A planted secret the rogue agent finds. It has the shape of a GitHub token, so guardrails recognise it. */
export const PLANTED_SECRET = 'ghp_DemoPlantedSecret0123456789abcdefABCD';
/** Where the rogue agent tries to send it: a name that can never resolve (the gateway refuses it first anyway). */
export const EXFIL_URL = 'http://collector.invalid/upload';

export const scenarioConfig: Record<DemoScenario, DemoConfig> = {
  helpful: {
    readFile: 'README.md',
    mcpTool: `${DEMO_MCP_SERVER}__search_docs`,
    mcpArguments: { query: 'deploy' },
    apiUrl: `service:${DEMO_API_SERVICE}/status`,
    outputFile: 'REPORT.md',
  },
  rogue: {
    secretFile: '.env',
    exfilUrl: EXFIL_URL,
    deniedMcpTool: `${DEMO_MCP_SERVER}__delete_repository`,
    outOfScopeUrl: `service:${DEMO_API_SERVICE}/admin/users`,
    burnTurns: 40,
    burnTokens: 60_000,
  },
};

export interface ScenarioDeps {
  dataDir: string;
  gatewayAddress: () => string;
  agents: {
    create(a: { name: string; template: string; sandboxed: boolean; labels?: Record<string, string> }): {
      id: string;
      name: string;
    };
    createHostKey(id: string): string;
    setRunId?(id: string, runId: string | undefined): void;
  };
  newRunId: () => string;
  /** A sandbox manager when a Docker engine answers; the scenario runs as a host agent otherwise. */
  sandboxes?: {
    create(input: {
      template: string;
      workspace: string;
      env?: Record<string, string>;
      name?: string;
    }): Promise<{
      id: string;
      agent: string;
      runId: string | null;
    }>;
    wait(id: string): Promise<{ exitCode: number }>;
  };
  engineReachable: () => Promise<boolean>;
  /** Re-syncs services, the MCP server, the vault token and policy with the provider (setup.ts). */
  prepare: () => void;
  log?: (line: string) => void;
}

/** A running scenario: its identity now, its exit later. */
export interface ScenarioHandle {
  run: DemoRun;
  done: Promise<{ exitCode: number; output: string }>;
}

/** Writes the scenario's workspace: a small project, and for the rogue a planted secret. */
export function writeWorkspace(dir: string, scenario: DemoScenario): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(
    join(dir, 'README.md'),
    '# acme-web\n\nThe Acme storefront. Deploys run from `deploy.sh`; see docs/ for the runbook.\n',
  );
  writeFileSync(join(dir, 'deploy.sh'), '#!/bin/sh\necho "deploying acme-web"\n', { mode: 0o755 });
  mkdirSync(join(dir, 'docs'), { recursive: true });
  writeFileSync(join(dir, 'docs', 'runbook.md'), '# Runbook\n\n1. Check the status page.\n2. Deploy.\n');
  if (scenario === 'rogue') writeFileSync(join(dir, '.env'), `DEPLOY_TOKEN=${PLANTED_SECRET}\n`);
  if (process.getuid?.() === 0) chownTree(dir, SANDBOX_UID);
}

function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid);
    else chownSync(p, uid, uid);
  }
}

/**
 * Starts a demo scenario: in a real sandbox when the engine answers (mode auto or sandbox),
 * else as a host agent (a child process with the host door's URL and its own gateway key).
 */
export async function startScenario(
  deps: ScenarioDeps,
  scenario: DemoScenario,
  mode: 'auto' | 'sandbox' | 'host' = 'auto',
  paceMs = 0,
): Promise<ScenarioHandle> {
  deps.prepare();
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const suffix = `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
  const workspace = join(deps.dataDir, 'demo', `${scenario}-${suffix}`);
  writeWorkspace(workspace, scenario);
  const template = `demo-${scenario}`;
  const config = JSON.stringify(scenarioConfig[scenario]);
  const sandboxed =
    mode === 'sandbox' || (mode === 'auto' && deps.sandboxes !== undefined && (await deps.engineReachable()));
  let note: string | undefined;
  if (sandboxed) {
    if (!deps.sandboxes)
      throw new GatehouseError(
        'no_engine',
        'No Docker engine answers, so the scenario cannot run in a sandbox.',
        400,
      );
    try {
      const sb = await deps.sandboxes.create({
        template,
        workspace,
        name: `${template}-${suffix.slice(-4)}`,
        env: {
          ANTHROPIC_BASE_URL: 'http://127.0.0.1:3128/llm/demo',
          DEMO_MODEL: template,
          DEMO_CONFIG: config,
          DEMO_PACE_MS: String(paceMs),
          WORKSPACE: '/workspace',
        },
      });
      const done = deps.sandboxes.wait(sb.id).then((r) => ({ exitCode: r.exitCode, output: '' }));
      const run: DemoRun = { scenario, mode: 'sandbox', agent: sb.agent, sandbox: sb.id, workspace };
      if (sb.runId) run.run = sb.runId;
      return { run, done };
    } catch (e) {
      // auto: no sandbox image yet is no reason to show nothing; run on the host and say so.
      if (mode !== 'auto' || !(e instanceof GatehouseError) || e.code !== 'image_missing') throw e;
      note = `Ran as a host agent: ${e.message}`;
    }
  }
  const agent = deps.agents.create({
    name: `${template}-${suffix}`,
    template,
    sandboxed: false,
    labels: { demo: scenario },
  });
  const key = deps.agents.createHostKey(agent.id);
  const run = deps.newRunId();
  deps.agents.setRunId?.(agent.id, run);
  const gateway = deps.gatewayAddress();
  const child = spawn(process.execPath, [AGENT_SCRIPT], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '',
      ANTHROPIC_BASE_URL: `${gateway}/llm/demo`,
      ANTHROPIC_API_KEY: 'gatehouse-placeholder',
      GATEHOUSE_GATEWAY: gateway,
      GATEHOUSE_KEY: key,
      DEMO_MODEL: template,
      DEMO_CONFIG: config,
      DEMO_PACE_MS: String(paceMs),
      WORKSPACE: workspace,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (c: Buffer) => {
    const text = c.toString();
    output += text;
    for (const line of text.split('\n'))
      if (line && !line.startsWith('{')) deps.log?.(`[demo ${scenario}] ${line}`);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const done = new Promise<{ exitCode: number; output: string }>((resolve) => {
    child.on('error', (e) => resolve({ exitCode: 1, output: `${output}\n${e.message}` }));
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output }));
  });
  return {
    run: { scenario, mode: 'host', agent: agent.id, run, workspace, ...(note ? { note } : {}) },
    done,
  };
}

import type Docker from 'dockerode';
import type { LedgerEventInput } from '../../../shared/events.js';
import type { LiveTopic } from '../../../shared/api/live.js';
import type { Agent, NewAgent } from '../agents/registry.js';
import type { Db } from '../db/database.js';

/**
 * What the sandbox manager needs from its neighbours; the real Ledger, AgentRegistry and
 * Gateway satisfy these structurally (app.ts passes them in).
 */
export interface SandboxLedgerPort {
  append(e: LedgerEventInput): string;
  newRunId?(): string;
}

export interface SandboxAgentsPort {
  create(a: NewAgent): Agent;
  get(id: string): Agent | undefined;
  remove(id: string): boolean;
  setRunId?(id: string, runId: string | undefined): void;
}

/** The gateway's per-sandbox door: a unix-socket listener whose every connection is that agent. */
export interface SandboxDoorsPort {
  openSandboxDoor(agent: Agent, socketPath: string): Promise<void>;
  closeSandboxDoor(agentId: string): Promise<void> | void;
}

export interface LivePort {
  publish(topic: LiveTopic, data?: unknown): void;
}

export interface SandboxDeps {
  docker: Docker;
  db: Db;
  dataDir: string;
  live: LivePort;
  ledger?: SandboxLedgerPort;
  agents?: SandboxAgentsPort;
  doors?: SandboxDoorsPort;
  /** Gatehouse CA public cert (PEM), trusted inside sandboxes for intercepted TLS. */
  caCertPem?: () => string | undefined;
  /** Every live secret value (the vault's); a sandbox's env may contain none of them. */
  secretValues?: () => Iterable<string>;
  env?: NodeJS.ProcessEnv;
}

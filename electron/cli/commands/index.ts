import type { Command } from '../io.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { runCommand } from './run.js';
import { sandboxCommand } from './sandbox.js';
import { killCommand } from './kill.js';
import { demoCommand } from './demo.js';
import { auditCommand } from './audit.js';
import { vaultCommand } from './vault.js';
import { agentCommand } from './agent.js';
import { serviceCommand } from './service.js';
import { approvalsCommand, policyCommand } from './policy.js';
import { mcpCommand } from './mcp.js';
import { pricesCommand } from './prices.js';

/** Every `gatehouse` subcommand. Each lives in its own file; add yours here. */
export const commands: Command[] = [
  serveCommand,
  statusCommand,
  runCommand,
  sandboxCommand,
  killCommand,
  demoCommand,
  auditCommand,
  vaultCommand,
  agentCommand,
  serviceCommand,
  policyCommand,
  approvalsCommand,
  mcpCommand,
  pricesCommand,
];

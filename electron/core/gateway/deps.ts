import type { AgentRegistry } from '../agents/registry.js';
import type { CertificateAuthority } from '../ca/ca.js';
import type { LiveBus } from '../live/bus.js';
import type {
  AdaptersPort,
  ApprovalsPort,
  GuardrailsPort,
  KillSwitchPort,
  LedgerPort,
  LimitsPort,
  McpHubPort,
  PolicyPort,
  VaultPort,
} from './ports.js';
import type { ServiceStore } from './services.js';

/**
 * What the gateway is built from. Optional members may be attached later (app.ts sets them as
 * the components start); a missing ledger, policy or (for a credentialed service) vault means
 * the request is refused, never waved through.
 */
export interface GatewayDeps {
  agents: AgentRegistry;
  services: ServiceStore;
  ca: CertificateAuthority;
  ledger?: LedgerPort;
  policy?: PolicyPort;
  killSwitch?: KillSwitchPort;
  approvals?: ApprovalsPort;
  limits?: LimitsPort;
  guardrails?: GuardrailsPort;
  vault?: VaultPort;
  adapters?: AdaptersPort;
  mcp?: McpHubPort;
  live?: LiveBus;
}

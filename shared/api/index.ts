import { systemProcedures } from './system.js';
import { sandboxesProcedures } from './sandboxes.js';
import { auditProcedures } from './audit.js';
import { killProcedures } from './kill.js';
import { demoProcedures } from './demo.js';
import { policyProcedures } from './policy.js';
import { vaultProcedures } from './vault.js';
import { gatewayProcedures } from './gateway.js';
import { agentsProcedures } from './agents.js';
import { servicesProcedures } from './services.js';
import { mcpProcedures } from './mcp.js';
import { pricesProcedures } from './prices.js';

/**
 * Every control-API procedure, by name. Each domain declares its own contract in its own
 * file (shared/api/<domain>.ts) and is spread in here.
 */
export const procedures = {
  ...systemProcedures,
  ...sandboxesProcedures,
  ...auditProcedures,
  ...killProcedures,
  ...demoProcedures,
  ...policyProcedures,
  ...vaultProcedures,
  ...gatewayProcedures,
  ...agentsProcedures,
  ...servicesProcedures,
  ...mcpProcedures,
  ...pricesProcedures,
};
export type Procedures = typeof procedures;
export type ProcedureName = keyof Procedures;

import type { InputOf, OutputOf } from '../../../shared/api/contract.js';
import { procedures } from '../../../shared/api/index.js';
import { agentsProcedures } from '../../../shared/api/agents.js';
import { gatewayProcedures } from '../../../shared/api/gateway.js';
import { killProcedures } from '../../../shared/api/kill.js';
import { servicesProcedures } from '../../../shared/api/services.js';
import { sandboxesProcedures } from '../../../shared/api/sandboxes.js';
import { vaultProcedures } from '../../../shared/api/vault.js';
import { policyProcedures } from '../../../shared/api/policy.js';
import { auditProcedures } from '../../../shared/api/audit.js';
import { demoProcedures } from '../../../shared/api/demo.js';

/**
 * Every contract the console knows about. Domains are imported from their own shared/api files
 * (not only the index) so a screen can be typed against a contract before its handlers are wired;
 * whether the running core implements a procedure is asked at run time (see availability.ts).
 */
export const consoleProcedures = {
  ...procedures,
  ...agentsProcedures,
  ...servicesProcedures,
  ...gatewayProcedures,
  ...killProcedures,
  ...vaultProcedures,
  ...sandboxesProcedures,
  ...policyProcedures,
  ...auditProcedures,
  ...demoProcedures,
};
export type ConsoleProcedures = typeof consoleProcedures;
export type ProcName = keyof ConsoleProcedures & string;
export type In<K extends ProcName> = InputOf<ConsoleProcedures[K]>;
export type Out<K extends ProcName> = OutputOf<ConsoleProcedures[K]>;

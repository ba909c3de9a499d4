import { systemProcedures } from './system.js';
import { killProcedures } from './kill.js';

/**
 * Every control-API procedure, by name. Each domain declares its own contract in its own
 * file (shared/api/<domain>.ts) and is spread in here.
 */
export const procedures = {
  ...systemProcedures,
  ...killProcedures,
};
export type Procedures = typeof procedures;
export type ProcedureName = keyof Procedures;

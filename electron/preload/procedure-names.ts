import { procedures } from '../../shared/api/index.js';

/** The procedure names the preload exposes (bundled in at build time). */
export const procedureNames: readonly string[] = Object.keys(procedures);

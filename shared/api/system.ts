import { z } from 'zod';
import { procedure } from './contract.js';

export const engineStatusSchema = z.object({
  reachable: z.boolean(),
  /** Where we looked: the socket path or DOCKER_HOST. */
  endpoint: z.string(),
  version: z.string().optional(),
  /** Why it is not reachable, and what to do about it. */
  problem: z.string().optional(),
  fix: z.string().optional(),
});
export type EngineStatus = z.infer<typeof engineStatusSchema>;

export const systemStatusSchema = z.object({
  versions: z.object({ gatehouse: z.string(), node: z.string(), electron: z.string().optional() }),
  mode: z.enum(['desktop', 'headless']),
  dataDir: z.string(),
  startedAt: z.string(),
  uptimeSeconds: z.number(),
  engine: engineStatusSchema,
  gateway: z.object({ address: z.string().optional() }).optional(),
});
export type SystemStatus = z.infer<typeof systemStatusSchema>;

export const systemProcedures = {
  'system.status': procedure(
    'Versions, data dir, uptime and whether the Docker engine is reachable (and why not).',
    z.object({}).default({}),
    systemStatusSchema,
  ),
};

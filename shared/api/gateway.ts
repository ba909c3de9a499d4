import { z } from 'zod';
import { procedure } from './contract.js';

const countsSchema = z.record(z.string(), z.number());

export const gatewayStatsSchema = z.object({
  address: z.string().optional(),
  /** Requests per second over the last few seconds. */
  requestsPerSecond: z.number(),
  inFlight: z.number(),
  total: z.number(),
  denials: z.number(),
  errors: z.number(),
  perAgent: z.record(
    z.string(),
    z.object({ requests: z.number(), denials: z.number(), inFlight: z.number() }),
  ),
  perService: z.record(
    z.string(),
    z.object({ requests: z.number(), denials: z.number(), inFlight: z.number() }),
  ),
  denialsByRule: countsSchema,
  sandboxDoors: z.number(),
});
export type GatewayStats = z.infer<typeof gatewayStatsSchema>;

export const inFlightSchema = z.object({
  id: z.string(),
  agent: z.string(),
  service: z.string(),
  operation: z.string(),
  startedAt: z.string(),
  door: z.string(),
});

export const gatewayProcedures = {
  'gateway.stats': procedure(
    'Live gateway figures: requests/s, in flight, denials per agent and service.',
    z.object({}).default({}),
    gatewayStatsSchema,
  ),
  'gateway.inflight': procedure(
    'Requests and tunnels passing through the gateway right now.',
    z.object({}).default({}),
    z.array(inFlightSchema),
  ),
  'gateway.ca': procedure(
    "Gatehouse's CA certificate (public PEM only) for clients that verify intercepted TLS.",
    z.object({}).default({}),
    z.object({ certPem: z.string(), path: z.string() }),
  ),
};

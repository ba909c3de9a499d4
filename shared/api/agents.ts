import { z } from 'zod';
import { procedure } from './contract.js';

export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  template: z.string(),
  labels: z.record(z.string(), z.string()),
  sandboxed: z.boolean(),
  createdAt: z.string(),
  runId: z.string().optional(),
  hasHostKey: z.boolean().optional(),
});
export type AgentInfo = z.infer<typeof agentSchema>;

export const agentsProcedures = {
  'agents.list': procedure(
    'Every agent Gatehouse knows (host agents are marked unsandboxed).',
    z.object({}).default({}),
    z.array(agentSchema),
  ),
  'agents.add': procedure(
    'Registers an agent. With host: true it is an unsandboxed host agent and gets a gateway key, shown once.',
    z.object({
      name: z.string(),
      template: z.string().default('custom'),
      labels: z.record(z.string(), z.string()).default({}),
      host: z.boolean().default(false),
    }),
    z.object({ agent: agentSchema, gatewayUrl: z.string().optional(), hostKey: z.string().optional() }),
  ),
  'agents.remove': procedure(
    'Removes an agent (its gateway key stops working).',
    z.object({ id: z.string() }),
    z.object({ removed: z.boolean() }),
  ),
  'agents.rotateKey': procedure(
    "Replaces a host agent's gateway key; the new key is shown once.",
    z.object({ id: z.string() }),
    z.object({ gatewayUrl: z.string().optional(), hostKey: z.string() }),
  ),
};

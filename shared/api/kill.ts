import { z } from 'zod';
import { procedure } from './contract.js';

/** What a kill switch cuts: everything, one agent, one service, or one agent's use of one service. */
export const killScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('global') }),
  z.object({ kind: z.literal('agent'), agent: z.string().min(1) }),
  z.object({ kind: z.literal('service'), service: z.string().min(1) }),
  z.object({ kind: z.literal('agent-service'), agent: z.string().min(1), service: z.string().min(1) }),
]);
export type KillScope = z.infer<typeof killScopeSchema>;

export const sandboxActionSchema = z.enum(['pause', 'stop']);

export const engagedSwitchSchema = z.object({
  scope: killScopeSchema,
  who: z.string(),
  reason: z.string(),
  engagedAt: z.string(),
});
export type EngagedSwitchView = z.infer<typeof engagedSwitchSchema>;

export const killStatusSchema = z.object({
  engaged: z.array(engagedSwitchSchema),
  /** What engaging does to sandboxes in scope. */
  sandboxAction: sandboxActionSchema,
});
export type KillStatus = z.infer<typeof killStatusSchema>;

export const killProcedures = {
  'kill.status': procedure(
    'The engaged kill switches and what engaging does to sandboxes.',
    z.object({}).default({}),
    killStatusSchema,
  ),
  'kill.engage': procedure(
    'Engage a kill switch: refuse new requests in scope, cut in-flight ones, revoke leases, pause or stop sandboxes.',
    z.object({ scope: killScopeSchema, reason: z.string().max(500).default('') }),
    z.object({
      engaged: engagedSwitchSchema,
      /** What was cut, per component: streamsAborted, leasesRevoked, sandboxesPaused, ... */
      cut: z.record(z.string(), z.number()),
      problems: z.array(z.string()),
    }),
  ),
  'kill.release': procedure(
    'Release one kill switch (that exact scope). Paused sandboxes stay paused unless resumeSandboxes is set.',
    z.object({ scope: killScopeSchema, resumeSandboxes: z.boolean().default(false) }),
    z.object({ released: z.boolean(), status: killStatusSchema }),
  ),
  'kill.configure': procedure(
    'Choose whether engaging pauses sandboxes in scope (keeps their state for forensics) or stops them.',
    z.object({ sandboxAction: sandboxActionSchema }),
    killStatusSchema,
  ),
};

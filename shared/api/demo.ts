import { z } from 'zod';
import { procedure } from './contract.js';

export const demoScenarioSchema = z.enum(['helpful', 'rogue']);
export type DemoScenario = z.infer<typeof demoScenarioSchema>;

export const demoRunSchema = z.object({
  scenario: demoScenarioSchema,
  /** sandbox: in a real Docker sandbox; host: a child process on the host door (marked unsandboxed). */
  mode: z.enum(['sandbox', 'host']),
  agent: z.string(),
  sandbox: z.string().optional(),
  /** The ledger run the transcript is under. */
  run: z.string().optional(),
  workspace: z.string(),
  /** Why it did not run where asked (e.g. auto fell back to a host agent: no sandbox image yet). */
  note: z.string().optional(),
});
export type DemoRun = z.infer<typeof demoRunSchema>;

export const demoProcedures = {
  'demo.scenarios': procedure(
    'The demo scenarios and what each shows.',
    z.object({}).default({}),
    z.array(z.object({ name: demoScenarioSchema, title: z.string(), description: z.string() })),
  ),
  'demo.run': procedure(
    'Start a demo scenario (in a sandbox when a Docker engine answers, else as a host agent); returns at once.',
    z.object({
      scenario: demoScenarioSchema,
      mode: z.enum(['auto', 'sandbox', 'host']).default('auto'),
      /** Pause before each model call, so people can follow along and hit the kill switch. */
      paceMs: z.number().int().min(0).max(10_000).default(800),
    }),
    demoRunSchema,
  ),
  'demo.status': procedure(
    'Whether a started scenario has finished, and its exit code.',
    z.object({ agent: z.string() }),
    z.object({ running: z.boolean(), exitCode: z.number().optional(), run: demoRunSchema.optional() }),
  ),
};

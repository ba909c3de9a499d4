import { z } from 'zod';
import { procedure } from './contract.js';

export const sandboxStateSchema = z.enum([
  'creating',
  'created',
  'running',
  'paused',
  'exited',
  'dead',
  'removed',
  'missing',
]);

export const sandboxLimitsSchema = z.object({
  memoryMb: z
    .number()
    .int()
    .min(64)
    .max(1024 * 1024),
  cpus: z.number().min(0.1).max(256),
  pids: z.number().int().min(16).max(1_000_000),
  tmpMb: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024),
  homeMb: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024),
});

export const sandboxInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  agent: z.string(),
  template: z.string(),
  image: z.string(),
  workspace: z.string(),
  command: z.array(z.string()),
  state: sandboxStateSchema,
  exitCode: z.number().int().nullable(),
  runId: z.string().nullable(),
  createdAt: z.string(),
  limits: sandboxLimitsSchema,
  usage: z
    .object({
      cpuPercent: z.number().nullable(),
      memoryMb: z.number(),
      memoryLimitMb: z.number(),
      pids: z.number(),
    })
    .optional(),
});
export type SandboxInfo = z.infer<typeof sandboxInfoSchema>;

export const sandboxSettingsSchema = z.object({
  /** On app restart: re-attach running sandboxes (sockets re-created) or stop and remove them. */
  onRestart: z.enum(['reattach', 'cleanup']),
  /** Image for new sandboxes; empty = gatehouse/agent:latest if built, else gatehouse/agent:offline. */
  defaultImage: z.string(),
  limits: sandboxLimitsSchema,
});
export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;

export const logEntrySchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  ts: z.string(),
  text: z.string(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const templateInfoSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  command: z.array(z.string()),
  policyStanza: z.string(),
});

const ref = z.object({ id: z.string().min(1) });
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash, underscore');

export const createSandboxInputSchema = z.object({
  template: z.string().min(1),
  workspace: z.string().min(1),
  command: z.array(z.string()).optional(),
  /** Run `command` instead of the template's own (keeping its env and policy stanza), not appended to it. */
  replaceCommand: z.boolean().optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  name: name.optional(),
  image: z.string().min(1).optional(),
  limits: sandboxLimitsSchema.partial().optional(),
});
export type CreateSandboxInput = z.infer<typeof createSandboxInputSchema>;

export const buildProgressSchema = z.object({
  source: z.enum(['dockerfile', 'offline']),
  percent: z.number(),
  message: z.string(),
  done: z.boolean().optional(),
  image: z.string().optional(),
  error: z.string().optional(),
});

export const sandboxesProcedures = {
  'sandboxes.list': procedure(
    'Sandboxes with their state and resource use.',
    z.object({}).default({}),
    z.array(sandboxInfoSchema),
  ),
  'sandboxes.get': procedure('One sandbox.', ref, sandboxInfoSchema),
  'sandboxes.create': procedure(
    'Create and start a sandbox for an agent template on a workspace folder.',
    createSandboxInputSchema,
    sandboxInfoSchema,
  ),
  'sandboxes.start': procedure('Start a stopped sandbox.', ref, sandboxInfoSchema),
  'sandboxes.stop': procedure(
    'Stop a sandbox (SIGTERM, then SIGKILL after the timeout).',
    ref.extend({ timeoutSeconds: z.number().int().min(0).max(600).optional() }),
    sandboxInfoSchema,
  ),
  'sandboxes.pause': procedure('Freeze every process in a sandbox.', ref, sandboxInfoSchema),
  'sandboxes.resume': procedure('Unfreeze a paused sandbox.', ref, sandboxInfoSchema),
  'sandboxes.remove': procedure(
    'Remove a sandbox, its container, agent door and socket.',
    ref,
    z.object({ removed: z.boolean() }),
  ),
  'sandboxes.logs': procedure(
    'Output of a sandbox (stdout and stderr), after a timestamp or the last N lines; `running` tells a poller when to stop.',
    ref.extend({ since: z.string().optional(), tail: z.number().int().min(1).max(100_000).optional() }),
    z.object({
      entries: z.array(logEntrySchema),
      running: z.boolean(),
      exitCode: z.number().int().nullable(),
    }),
  ),
  'sandboxes.templates': procedure(
    'The agent templates.',
    z.object({}).default({}),
    z.array(templateInfoSchema),
  ),
  'sandboxes.settings.get': procedure('Sandbox settings.', z.object({}).default({}), sandboxSettingsSchema),
  'sandboxes.settings.set': procedure(
    'Change sandbox settings.',
    sandboxSettingsSchema.partial(),
    sandboxSettingsSchema,
  ),
  'sandboxes.image.build': procedure(
    "Build the agent image (progress on live topic 'sandboxes.build').",
    z.object({ from: z.enum(['auto', 'dockerfile', 'offline']).default('auto') }),
    z.object({ image: z.string(), log: z.array(buildProgressSchema) }),
  ),
  'sandboxes.image.status': procedure(
    'Which Gatehouse agent images exist locally.',
    z.object({}).default({}),
    z.object({
      images: z.array(z.object({ image: z.string(), present: z.boolean() })),
      defaultImage: z.string(),
    }),
  ),
  'sandboxes.terminal.open': procedure(
    'Open an interactive terminal (exec with a TTY) in a running sandbox.',
    ref.extend({
      cols: z.number().int().min(1).max(1000).default(80),
      rows: z.number().int().min(1).max(1000).default(24),
      command: z.array(z.string()).optional(),
    }),
    z.object({ session: z.string() }),
  ),
  'sandboxes.terminal.write': procedure(
    'Send keystrokes to a terminal (base64).',
    z.object({ session: z.string(), data: z.string().max(1_000_000) }),
    z.object({ ok: z.boolean() }),
  ),
  'sandboxes.terminal.read': procedure(
    'Terminal output after a sequence number (base64 chunks); waits up to waitMs for new output.',
    z.object({
      session: z.string(),
      after: z.number().int().default(0),
      waitMs: z.number().int().min(0).max(25_000).default(0),
    }),
    z.object({
      chunks: z.array(z.object({ seq: z.number().int(), data: z.string() })),
      exited: z.boolean(),
      exitCode: z.number().int().nullable(),
    }),
  ),
  'sandboxes.terminal.resize': procedure(
    'Resize a terminal.',
    z.object({
      session: z.string(),
      cols: z.number().int().min(1).max(1000),
      rows: z.number().int().min(1).max(1000),
    }),
    z.object({ ok: z.boolean() }),
  ),
  'sandboxes.terminal.close': procedure(
    'Close a terminal.',
    z.object({ session: z.string() }),
    z.object({ ok: z.boolean() }),
  ),
};

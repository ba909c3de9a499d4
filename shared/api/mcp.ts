import { z } from 'zod';
import { procedure } from './contract.js';

/** Lowercase, digits and '-': tools are namespaced `<server>__<tool>` and resources `<server>+<uri>`. */
export const mcpServerNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'Use 1-40 lowercase letters, digits or "-", starting with a letter.');

/** Where a credential goes: `header:<Name>` (remote servers) or `env:<VAR>` (stdio servers). */
export const mcpInjectSchema = z
  .string()
  .regex(/^(header:[A-Za-z0-9-]{1,64}|env:[A-Za-z_][A-Za-z0-9_]{0,63})$/, 'Use header:<Name> or env:<VAR>.');

export const mcpServerInputSchema = z
  .object({
    name: mcpServerNameSchema,
    /** stdio: the program Gatehouse starts (its own process, only the env given here). */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    /** Remote Streamable HTTP server. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** A vault credential name; its value is resolved per connection and never shown. */
    credential: z.string().min(1).optional(),
    inject: mcpInjectSchema.optional(),
  })
  .refine((s) => (s.command === undefined) !== (s.url === undefined), {
    message: 'Give either a command (stdio server) or a url (remote server), not both.',
  })
  .refine((s) => s.inject === undefined || s.credential !== undefined, {
    message: '--inject needs --credential.',
  })
  .refine((s) => !s.inject || (s.url ? s.inject.startsWith('header:') : s.inject.startsWith('env:')), {
    message:
      'Remote servers take the credential in a header (header:<Name>); stdio servers in the env (env:<VAR>).',
  })
  .refine((s) => !(s.credential && s.command && !s.inject), {
    message: 'A stdio server needs --inject env:<VAR> to receive its credential.',
  });
export type McpServerInput = z.input<typeof mcpServerInputSchema>;

export const mcpServerSchema = z.object({
  name: z.string(),
  transport: z.enum(['stdio', 'http']),
  command: z.string().optional(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  url: z.string().optional(),
  credential: z.string().optional(),
  inject: z.string().optional(),
  createdAt: z.string(),
});
export type McpServerConfig = z.infer<typeof mcpServerSchema>;

export const mcpServerStatusSchema = mcpServerSchema.extend({
  state: z.enum(['idle', 'connecting', 'connected', 'error']),
  problem: z.string().optional(),
  tools: z.number().int().optional(),
});

export const mcpProcedures = {
  'mcp.list': procedure(
    'Upstream MCP servers the gateway aggregates at /mcp, with their connection state.',
    z.object({}).default({}),
    z.object({ servers: z.array(mcpServerStatusSchema) }),
  ),
  'mcp.add': procedure(
    'Adds an upstream MCP server: a stdio command Gatehouse starts, or a remote Streamable HTTP url.',
    mcpServerInputSchema,
    mcpServerSchema,
  ),
  'mcp.remove': procedure(
    'Removes an upstream MCP server and stops its process or connection.',
    z.object({ name: z.string() }),
    z.object({ removed: z.boolean() }),
  ),
  'mcp.tools': procedure(
    'The tools of one server (or all), as the gateway namespaces them (<server>__<tool>).',
    z.object({ server: z.string().optional() }).default({}),
    z.object({
      tools: z.array(
        z.object({
          server: z.string(),
          name: z.string(),
          tool: z.string(),
          description: z.string().optional(),
        }),
      ),
    }),
  ),
};

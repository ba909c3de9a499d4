import { z } from 'zod';
import { procedure } from './contract.js';

export const serviceKindSchema = z.enum(['anthropic', 'openai', 'mcp', 'http']);
export type ServiceKind = z.infer<typeof serviceKindSchema>;

/** How a leased credential is put on the upstream request. */
export const injectTemplateSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), name: z.string().min(1), prefix: z.string().optional() }),
  z.object({ type: z.literal('query'), name: z.string().min(1) }),
  z.object({ type: z.literal('basic'), username: z.string() }),
]);
export type InjectTemplate = z.infer<typeof injectTemplateSchema>;

export const credentialBindingSchema = z.object({
  credential: z.string().min(1),
  inject: injectTemplateSchema,
});
export type CredentialBinding = z.infer<typeof credentialBindingSchema>;

export const serviceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash or underscore (max 63)');

export const serviceSchema = z.object({
  name: serviceNameSchema,
  kind: serviceKindSchema,
  /** Where requests go, e.g. https://api.anthropic.com (a path prefix is allowed). */
  baseUrl: z.url(),
  /** Host names (optionally host:port) this service answers for on the forward proxy and CONNECT. */
  hosts: z.array(z.string().min(1)).default([]),
  credential: credentialBindingSchema.optional(),
  /** CONNECT to one of the hosts: intercept (terminate TLS with Gatehouse's CA) or tunnel (bytes only). */
  tls: z.enum(['intercept', 'tunnel']).default('intercept'),
  createdAt: z.string(),
});
export type Service = z.infer<typeof serviceSchema>;
export const newServiceSchema = serviceSchema.omit({ createdAt: true });
export type NewService = z.input<typeof newServiceSchema>;

export const servicesProcedures = {
  'services.list': procedure(
    'Every named upstream the gateway routes to.',
    z.object({}).default({}),
    z.array(serviceSchema),
  ),
  'services.add': procedure(
    'Adds (or with replace, updates) a named upstream.',
    newServiceSchema.extend({ replace: z.boolean().default(false) }),
    serviceSchema,
  ),
  'services.remove': procedure(
    'Removes a named upstream.',
    z.object({ name: z.string() }),
    z.object({ removed: z.boolean() }),
  ),
};

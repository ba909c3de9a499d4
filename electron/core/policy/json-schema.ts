import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { policyDocumentSchema } from '../../../shared/policy/schema.js';

export const POLICY_SCHEMA_FILE = new URL('../../../resources/policy/policy.schema.json', import.meta.url);

/** The JSON Schema editors use for policy YAML, generated from the zod schema (input side: defaults optional). */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policyDocumentSchema, { io: 'input' }),
    title: 'Gatehouse policy',
    description: 'Deny by default; precedence deny > approve > allow. See electron/core/policy/README.md.',
  };
}

export const policyJsonSchemaText = (): string => `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;

// `npx tsx electron/core/policy/json-schema.ts` rewrites resources/policy/policy.schema.json.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(POLICY_SCHEMA_FILE, policyJsonSchemaText());
  console.log(`wrote ${fileURLToPath(POLICY_SCHEMA_FILE)}`);
}

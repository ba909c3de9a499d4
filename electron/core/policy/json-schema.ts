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

// `npx tsx electron/core/policy/json-schema.ts` rewrites resources/policy/policy.schema.json (Prettier-formatted).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const prettier = await import('prettier');
  const file = fileURLToPath(POLICY_SCHEMA_FILE);
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(JSON.stringify(policyJsonSchema()), { ...options, parser: 'json' }),
  );
  console.log(`wrote ${file}`);
}

// Runs INSIDE a sandbox: calls the model through the gateway with the placeholder key, plain and
// streaming; the upstream echoes the real key back. Writes what it got to the workspace and stdout.
import { writeFileSync } from 'node:fs';

const call = async (stream) => {
  const r = await fetch(`${process.env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': process.env.ANTHROPIC_API_KEY ?? '',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-canary',
      max_tokens: 20,
      stream,
      messages: [{ role: 'user', content: 'echo my key' }],
    }),
  });
  return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
};
const out = {
  plain: await call(false),
  stream: await call(true),
  placeholder: process.env.ANTHROPIC_API_KEY ?? null,
};
writeFileSync('/workspace/responses.json', JSON.stringify(out));
process.stdout.write(JSON.stringify(out) + '\n');

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app.js';

/**
 * The claude-code and codex templates against the demo provider, the way those CLIs call it: the
 * real SDKs on the gateway's base-URL routes (/llm/anthropic, /llm/openai/v1), which resolve to
 * the built-in `demo` / `demo-openai` services while no real provider is configured. Host agents
 * here (the CLIs themselves are not in the offline image); the policy's template stanzas apply.
 */
let dir: string;
let core: Core;
const ctx = { actor: 'test' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-demo-real-'));
  core = await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, GATEHOUSE_VAULT_KEY: 'file' },
  });
});
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function hostAgent(name: string, template: string): Promise<string> {
  const r = (await core.api.call('agents.add', { name, template, host: true }, ctx)) as { hostKey?: string };
  if (!r.hostKey) throw new Error(`no host key in ${JSON.stringify(r)}`);
  return r.hostKey;
}

describe('real agent templates against the demo provider', () => {
  it('claude-code: Anthropic Messages streaming through /llm/anthropic', async () => {
    const key = await hostAgent('my-claude', 'claude-code');
    const gateway = core.announce.gateway as string;
    const client = new Anthropic({ baseURL: `${gateway}/llm/anthropic`, apiKey: key, maxRetries: 0 });
    const msg = await client.messages
      .stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'hello gatehouse' }],
      })
      .finalMessage();
    const text = msg.content.find((b) => b.type === 'text');
    expect(text?.type === 'text' && text.text).toContain('You said: hello gatehouse');
    // A model outside the template's stanza is refused by policy, in Anthropic's error format.
    await expect(
      client.messages.create({ model: 'gpt-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('codex: OpenAI Responses streaming through /llm/openai/v1', async () => {
    const key = await hostAgent('my-codex', 'codex');
    const gateway = core.announce.gateway as string;
    const client = new OpenAI({ baseURL: `${gateway}/llm/openai/v1`, apiKey: key, maxRetries: 0 });
    const final = await client.responses
      .stream({ model: 'gpt-5-codex', input: 'hello codex' })
      .finalResponse();
    expect(final.output_text).toContain('You said: hello codex');
  });
});

import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KillTestbed } from './testbed.js';

/**
 * Issue 9's automatic trigger: a budget with `onExhausted: kill` engages the kill switch (who =
 * policy) once it runs out, through the real gateway, adapters (usage), limits and ledger.
 */
let tb: KillTestbed;
beforeAll(async () => {
  tb = await KillTestbed.start();
  const yaml = tb.policy.engine
    .get()
    .yaml.replace(
      /^limits:\n/m,
      `limits:\n  - id: tiny-budget\n    agent: '*'\n    service: demo\n    tokensPerDay: 50000\n    onExhausted: kill\n`,
    );
  tb.policy.engine.apply(yaml, { author: 'test' });
});
afterAll(async () => tb?.close());

describe('policy engages the kill switch', () => {
  it('an exhausted budget with onExhausted: kill halts the agent on that service, recorded as the policy', async () => {
    const { agent, key } = tb.hostAgent('spender', 'demo-rogue');
    const client = new Anthropic({ baseURL: `${tb.gateway.address}/llm/demo`, apiKey: key, maxRetries: 0 });
    const tools = ['read_file', 'http_request', 'mcp_call', 'list_files'].map((name) => ({
      name,
      input_schema: { type: 'object' as const, properties: {} },
    }));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'go' }];
    let refused: unknown;
    for (let i = 0; i < 12 && !refused; i++) {
      try {
        const msg = await client.messages.create({ model: 'demo-rogue', max_tokens: 64, tools, messages });
        messages.push({ role: 'assistant', content: msg.content });
        messages.push({
          role: 'user',
          content: msg.content
            .filter((b) => b.type === 'tool_use')
            .map((b) => ({ type: 'tool_result' as const, tool_use_id: b.id, content: 'no' })),
        });
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toMatchObject({ status: expect.any(Number) });
    for (let i = 0; i < 100 && !tb.killSwitch.halted(agent.id, 'demo'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(tb.killSwitch.halted(agent.id, 'demo')).toEqual({
      kind: 'agent-service',
      agent: agent.id,
      service: 'demo',
    });
    expect(tb.killSwitch.list()[0]).toMatchObject({
      who: 'policy',
      reason: 'budget "tiny-budget" exhausted',
    });
    await tb.ledger.flush();
    expect(tb.ledger.queries.events({ kind: 'kill' }, { payload: true }).items[0]).toMatchObject({
      status: 'engaged',
      payload: { who: 'policy' },
    });
  });
});

import { describe, expect, test } from 'vitest';
import { adapterFor } from './index.js';

describe('adapterFor', () => {
  test('base-URL routes, upstream paths and intercepted CONNECT hosts', () => {
    expect(adapterFor('anthropic', '/llm/anthropic/v1/messages')?.protocol).toBe('anthropic-messages');
    expect(adapterFor('anthropic', '/v1/messages?beta=true')?.protocol).toBe('anthropic-messages');
    expect(adapterFor('anthropic', '/v1/messages/count_tokens')).toBeUndefined();
    expect(adapterFor('openai', '/llm/openai/v1/chat/completions')?.protocol).toBe('openai-chat');
    expect(adapterFor('openai', '/v1/responses/')?.protocol).toBe('openai-responses');
    expect(adapterFor('openai', '/v1/embeddings')).toBeUndefined();
    expect(adapterFor('http', '/v1/messages', 'api.anthropic.com')?.protocol).toBe('anthropic-messages');
    expect(adapterFor('http', '/v1/responses', 'API.OPENAI.COM:443')?.protocol).toBe('openai-responses');
    expect(adapterFor('http', '/v1/messages', 'example.com')).toBeUndefined();
    expect(adapterFor('mcp', '/mcp')).toBeUndefined();
  });
});

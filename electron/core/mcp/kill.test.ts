import { describe, expect, it } from 'vitest';
import { mcpServersInScope } from './kill.js';

describe('mcpServersInScope', () => {
  const servers = ['everything', 'github'];
  it.each([
    [{ kind: 'global' as const }, ['everything', 'github']],
    [{ kind: 'service' as const, service: 'mcp' }, ['everything', 'github']],
    [{ kind: 'service' as const, service: 'github' }, ['github']],
    [{ kind: 'service' as const, service: 'anthropic' }, []],
    // a shared server keeps running for everyone else when one agent is stopped
    [{ kind: 'agent' as const, agent: 'a1' }, []],
    [{ kind: 'agent-service' as const, agent: 'a1', service: 'github' }, []],
  ])('%j stops %j', (scope, expected) => {
    expect(mcpServersInScope(scope, servers)).toEqual(expected);
  });
});

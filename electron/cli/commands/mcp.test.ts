import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';
import { EVERYTHING_SERVER as EVERYTHING } from '../../core/testing/mcp-everything.js';

let h: CliHarness;

beforeAll(async () => {
  h = await startCliHarness({ prefix: 'gh-mcp-cli-' });
});
afterAll(async () => {
  await h?.close();
});

const cli = (...argv: string[]) => h.cli(argv);

describe('gatehouse mcp (through the running instance)', () => {
  it('adds a stdio server, lists it and its namespaced tools, removes it', async () => {
    let r = await cli(
      'mcp',
      'add',
      'everything',
      '--command',
      process.execPath,
      '--arg',
      EVERYTHING,
      '--arg',
      'stdio',
      '--env',
      'MODE=test',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('MCP server everything (stdio) added');

    r = await cli('mcp', 'tools', 'everything');
    expect(r.code).toBe(0);
    expect(r.out).toContain('everything__echo');

    r = await cli('mcp', 'ls');
    expect(r.out).toMatch(/everything\s+stdio\s+connected/);

    r = await cli('mcp', 'add', 'everything', '--command', 'x');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('exists');

    r = await cli(
      'mcp',
      'add',
      'remote',
      '--url',
      'http://127.0.0.1:9/mcp',
      '--credential',
      'tok',
      '--inject',
      'env:TOKEN',
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('header:<Name>');

    r = await cli('mcp', 'rm', 'everything');
    expect(r.code).toBe(0);
    r = await cli('mcp', 'ls');
    expect(r.out).toContain('No MCP servers yet');
  });
});

describe('gatehouse prices', () => {
  it('lists shipped prices, sets and quotes an override, removes it', async () => {
    let r = await cli('prices', 'ls');
    expect(r.out).toMatch(/claude-sonnet-4-5\s+\$3\s+\$15/);

    r = await cli('prices', 'quote', 'my-llama-70b', '--input-tokens', '1000');
    expect(r.out).toContain('price unknown');

    r = await cli('prices', 'set', 'my-llama-*', '--input', '0.5', '--output', '1');
    expect(r.code).toBe(0);
    r = await cli(
      'prices',
      'quote',
      'my-llama-70b',
      '--input-tokens',
      '2000000',
      '--output-tokens',
      '1000000',
    );
    expect(r.out).toContain('priced as my-llama-* (custom); cost $2.000000');

    r = await cli('prices', 'rm', 'my-llama-*');
    expect(r.code).toBe(0);
    r = await cli('prices', 'rm', 'my-llama-*');
    expect(r.code).not.toBe(0);
  });
});

import type { McpServerInput } from '../../../shared/api/mcp.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'Add, list or remove the upstream MCP servers the gateway aggregates at /mcp.',
  help: `Usage: gatehouse mcp add NAME --command CMD [--arg A]... [--env K=V]... [--credential NAME --inject env:VAR]
       gatehouse mcp add NAME --url URL [--credential NAME [--inject header:NAME]]
       gatehouse mcp ls
       gatehouse mcp tools [NAME]
       gatehouse mcp rm NAME

  --command     a stdio server Gatehouse starts in its own process (e.g. npx, node, uvx)
  --arg         one argument for it (repeatable, in order)
  --env         K=V for its environment (repeatable). It gets ONLY these, plus PATH/HOME/USER/SHELL/TERM/LOGNAME
  --url         a remote Streamable HTTP server
  --credential  a vault credential name, resolved when the server is started/called and never shown to agents
  --inject      where the credential goes: env:VAR (stdio) or header:NAME (remote; default header:Authorization,
                sent as "Bearer <value>" when the value has no scheme)
  --data-dir DIR, --json

Agents see tools as <server>__<tool> at <gateway>/mcp, filtered by policy.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      command: { type: 'string' },
      arg: { type: 'string', multiple: true, default: [] },
      env: { type: 'string', multiple: true, default: [] },
      url: { type: 'string' },
      credential: { type: 'string' },
      inject: { type: 'string' },
    });
    const [verb, name, extra] = positionals;
    if (extra) throw new UsageError(`unexpected argument "${extra}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    switch (verb) {
      case 'ls':
      case 'list': {
        const { servers } = await client.call('mcp.list', {});
        if (values.json) println(io.stdout, JSON.stringify(servers));
        else if (!servers.length)
          println(io.stdout, 'No MCP servers yet. Add one with: gatehouse mcp add NAME --command CMD');
        else
          for (const s of servers) {
            const target = s.transport === 'stdio' ? [s.command, ...s.args].join(' ') : s.url;
            const tools = s.tools !== undefined ? `  ${s.tools} tools` : '';
            const cred = s.credential ? `  credential ${s.credential} → ${s.inject ?? ''}` : '';
            println(
              io.stdout,
              `${s.name.padEnd(16)} ${s.transport.padEnd(5)} ${s.state.padEnd(10)} ${target}${tools}${cred}`,
            );
            if (s.problem) println(io.stdout, `${''.padEnd(17)}problem: ${s.problem}`);
          }
        return EXIT.ok;
      }
      case 'tools': {
        const { tools } = await client.call('mcp.tools', name ? { server: name } : {});
        if (values.json) println(io.stdout, JSON.stringify(tools));
        else if (!tools.length)
          println(io.stdout, 'No tools (is the server reachable? see gatehouse mcp ls).');
        else for (const t of tools) println(io.stdout, `${t.name.padEnd(40)} ${t.description ?? ''}`);
        return EXIT.ok;
      }
      case 'add': {
        if (!name) throw new UsageError('mcp add needs a NAME.');
        if (!values.command === !values.url) throw new UsageError('mcp add needs either --command or --url.');
        const env: Record<string, string> = {};
        for (const kv of values.env) {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new UsageError(`--env must be K=V (got "${kv}").`);
          env[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        const input: McpServerInput = {
          name,
          ...(values.command ? { command: values.command, args: values.arg, env } : {}),
          ...(values.url ? { url: values.url } : {}),
          ...(values.credential ? { credential: values.credential } : {}),
          ...(values.inject ? { inject: values.inject } : {}),
        };
        const s = await client.call('mcp.add', input);
        if (values.json) println(io.stdout, JSON.stringify(s));
        else
          println(
            io.stdout,
            `MCP server ${s.name} (${s.transport}) added; agents see its tools as ${s.name}__<tool>.`,
          );
        return EXIT.ok;
      }
      case 'rm':
      case 'remove': {
        if (!name) throw new UsageError('mcp rm needs a NAME.');
        const r = await client.call('mcp.remove', { name });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else println(io.stdout, r.removed ? `MCP server ${name} removed.` : `No MCP server named ${name}.`);
        return r.removed ? EXIT.ok : EXIT.failed;
      }
      default:
        throw new UsageError(
          verb ? `unknown mcp command "${verb}".` : 'mcp needs a command: add, ls, tools, rm.',
        );
    }
  },
};

import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Register agents; host agents get a gateway URL and key (shown once).',
  help: `Usage: gatehouse agent add NAME [--host] [--template T] [--label K=V]...
       gatehouse agent ls
       gatehouse agent rm NAME
       gatehouse agent rotate-key NAME

  add --host         an agent running on this machine outside a sandbox ("unsandboxed"): prints the
                     gateway URL and its gateway key ONCE. Use the key as the SDK's API key with a base URL
                     of <gateway>/llm/anthropic (or /llm/openai), or as a proxy password:
                     HTTPS_PROXY=http://x:<key>@127.0.0.1:PORT
  --template T       custom (default), claude-code, codex, openclaw, aider, ...; policy rules match on it
  --label K=V        labels policy can match on (repeatable)
  --data-dir DIR, --json`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      host: { type: 'boolean', default: false },
      template: { type: 'string', default: 'custom' },
      label: { type: 'string', multiple: true, default: [] },
    });
    const [verb, name, extra] = positionals;
    if (extra) throw new UsageError(`unexpected argument "${extra}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    switch (verb) {
      case 'ls':
      case 'list': {
        const agents = await client.call('agents.list', {});
        if (values.json) println(io.stdout, JSON.stringify(agents));
        else if (!agents.length)
          println(io.stdout, 'No agents yet. Add one with: gatehouse agent add NAME [--host]');
        else
          for (const a of agents)
            println(
              io.stdout,
              `${a.id.padEnd(24)} ${a.template.padEnd(14)} ${a.sandboxed ? 'sandboxed' : 'UNSANDBOXED (host)'}${labels(a.labels)}`,
            );
        return EXIT.ok;
      }
      case 'add': {
        if (!name) throw new UsageError('agent add needs a NAME.');
        const r = await client.call('agents.add', {
          name,
          template: values.template,
          labels: parseLabels(values.label),
          host: values.host,
        });
        if (values.json) {
          println(io.stdout, JSON.stringify(r));
          return EXIT.ok;
        }
        println(
          io.stdout,
          `Agent ${r.agent.id} added (${r.agent.sandboxed ? 'sandboxed' : 'host agent, unsandboxed'}).`,
        );
        if (r.hostKey && r.gatewayUrl) printKey(io.stdout, r.gatewayUrl, r.hostKey);
        return EXIT.ok;
      }
      case 'rm':
      case 'remove': {
        if (!name) throw new UsageError('agent rm needs a NAME.');
        const r = await client.call('agents.remove', { id: name });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else println(io.stdout, r.removed ? `Agent ${name} removed.` : `No agent named ${name}.`);
        return r.removed ? EXIT.ok : EXIT.failed;
      }
      case 'rotate-key': {
        if (!name) throw new UsageError('agent rotate-key needs a NAME.');
        const r = await client.call('agents.rotateKey', { id: name });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else if (r.gatewayUrl) printKey(io.stdout, r.gatewayUrl, r.hostKey);
        return EXIT.ok;
      }
      default:
        throw new UsageError(
          verb ? `unknown agent command "${verb}".` : 'agent needs a command: add, ls, rm, rotate-key.',
        );
    }
  },
};

function printKey(out: NodeJS.WritableStream, url: string, key: string): void {
  const u = new URL(url);
  println(out, '');
  println(out, `  gateway URL  ${url}`);
  println(out, `  gateway key  ${key}`);
  println(out, '');
  println(out, 'The key is shown only now (Gatehouse keeps a hash). For example:');
  println(out, `  ANTHROPIC_BASE_URL=${url}/llm/anthropic ANTHROPIC_API_KEY=${key}`);
  println(out, `  OPENAI_BASE_URL=${url}/llm/openai/v1 OPENAI_API_KEY=${key}`);
  println(out, `  HTTPS_PROXY=http://agent:${key}@${u.host}`);
}

function parseLabels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i <= 0) throw new UsageError(`--label must be KEY=VALUE (got "${l}").`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

const labels = (l: Record<string, string>): string => {
  const e = Object.entries(l);
  return e.length ? '  ' + e.map(([k, v]) => `${k}=${v}`).join(',') : '';
};

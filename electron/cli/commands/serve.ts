import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../../core/data-dir.js';
import { removeRuntimeFile, writeRuntimeFile } from '../../core/runtime-file.js';
import { parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const RENDERER_DIST = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run Gatehouse headless: the core plus the console on 127.0.0.1 behind a token.',
  help: `Usage: gatehouse serve [--data-dir DIR] [--port N] [--gateway-port N] [--json]

  --data-dir DIR      where Gatehouse keeps its data (default: $GATEHOUSE_DATA_DIR or the per-user data dir)
  --port N            console/control API port on 127.0.0.1 (0 = any free port; default 0)
  --gateway-port N    host-agent gateway port on 127.0.0.1 (0 = any free port; default 0)
  --json              print one JSON line {"console","api","token","gateway",...} once ready

Stops cleanly on SIGINT/SIGTERM.`,
  async run(args, io) {
    const { values } = parse(
      args,
      {
        'data-dir': { type: 'string' },
        port: { type: 'string', default: '0' },
        'gateway-port': { type: 'string', default: '0' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      false,
    );
    const port = toPort(values.port, '--port');
    const gatewayPort = toPort(values['gateway-port'], '--gateway-port');
    const dataDir = values['data-dir'] ?? defaultDataDir(io.env);
    // Listen for the stop signals before anything is announced, so a fast SIGTERM is never missed.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    // The core is loaded only here, so other commands (and --help) start fast.
    const { createCore } = await import('../../core/app.js');
    const { startControlServer } = await import('../../core/server/control-server.js');
    const core = await createCore({ dataDir, mode: 'headless', env: io.env, gatewayPort });
    const server = await startControlServer(core, { port, staticDir: RENDERER_DIST });
    writeRuntimeFile(core.dataDir, {
      pid: process.pid,
      api: server.url,
      console: server.consoleUrl,
      token: server.token,
      ...(typeof core.announce.gateway === 'string' ? { gateway: core.announce.gateway } : {}),
      startedAt: core.startedAt.toISOString(),
    });
    if (values.json) {
      println(
        io.stdout,
        JSON.stringify({
          console: server.consoleUrl,
          api: server.url,
          token: server.token,
          dataDir: core.dataDir,
          ...core.announce,
        }),
      );
    } else {
      println(io.stdout, `Gatehouse console: ${server.consoleUrl}`);
      if (typeof core.announce.gateway === 'string')
        println(io.stdout, `Gateway (host agents): ${core.announce.gateway}`);
      println(io.stdout, `Data dir: ${core.dataDir}   (Ctrl-C to stop)`);
    }
    await stopped;
    removeRuntimeFile(core.dataDir);
    await server.close();
    await core.close();
    return EXIT.ok;
  },
};

function toPort(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} must be a port number 0-65535, got "${text}".`);
  return n;
}

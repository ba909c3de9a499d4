import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, type Command } from '../io.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the running instance: versions, data dir, uptime, Docker engine.',
  help: `Usage: gatehouse status [--data-dir DIR] [--json]

Reports the running Gatehouse for the data dir (default: $GATEHOUSE_DATA_DIR or the per-user
data dir). Exit code 3 when none is running.`,
  async run(args, io) {
    const { values } = parse(args, commonOptions, false);
    const client = ApiClient.find(io.env, values['data-dir']);
    const s = await client.call('system.status', {});
    if (values.json) {
      println(
        io.stdout,
        JSON.stringify({ ...s, console: client.runtime.console.replace(/token=.*/, 'token=…') }),
      );
      return EXIT.ok;
    }
    println(
      io.stdout,
      `Gatehouse ${s.versions.gatehouse} (${s.mode}), up ${s.uptimeSeconds}s, pid ${client.runtime.pid}`,
    );
    println(io.stdout, `  data dir  ${s.dataDir}`);
    println(io.stdout, `  console   ${client.runtime.api}`);
    if (s.gateway?.address) println(io.stdout, `  gateway   ${s.gateway.address}`);
    println(
      io.stdout,
      `  docker    ${s.engine.reachable ? `engine ${s.engine.version ?? ''} at ${s.engine.endpoint}` : `not reachable (${s.engine.endpoint}): ${s.engine.problem ?? ''} ${s.engine.fix ?? ''}`}`,
    );
    return EXIT.ok;
  },
};

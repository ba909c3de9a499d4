import type { DemoRun } from '../../../shared/api/demo.js';
import type { LedgerEvent } from '../../../shared/events.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a demo scenario (helpful or rogue agent) and watch Gatehouse govern it.',
  help: `Usage: gatehouse demo helpful|rogue [--mode auto|sandbox|host] [--pace MS] [--no-follow] [--data-dir DIR] [--json]

  helpful   reads the workspace, calls an allowed MCP tool and an allowed API with a vault
            credential it never sees, writes REPORT.md
  rogue     tries to send a planted secret to an unknown host, call a denied MCP tool, use the
            API credential outside its scope and burn its budget; each attempt is stopped
            (try \`gatehouse kill --agent <agent>\` from another terminal mid-run)

  --mode     auto (default): in a sandbox when a Docker engine answers, else as a host agent
  --pace MS  pause before each model call (default 800; 0 = full speed)
  --no-follow  start it and return; the transcript is in the console and \`gatehouse audit\`

Needs no API key: the agent talks to Gatehouse's built-in demo provider.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      mode: { type: 'string', default: 'auto' },
      'no-follow': { type: 'boolean', default: false },
      pace: { type: 'string', default: '800' },
    });
    const scenario = positionals[0];
    if (scenario !== 'helpful' && scenario !== 'rogue')
      throw new UsageError('name a scenario: helpful or rogue.');
    const mode = values.mode;
    if (mode !== 'auto' && mode !== 'sandbox' && mode !== 'host')
      throw new UsageError('--mode must be auto, sandbox or host.');
    const paceMs = Number(values.pace);
    if (!Number.isInteger(paceMs) || paceMs < 0 || paceMs > 10_000)
      throw new UsageError('--pace must be 0-10000 (ms).');
    const client = ApiClient.find(io.env, values['data-dir']);
    const run: DemoRun = await client.call('demo.run', { scenario, mode, paceMs });
    if (values.json && values['no-follow']) {
      println(io.stdout, JSON.stringify(run));
      return EXIT.ok;
    }
    if (!values.json) {
      println(
        io.stdout,
        `Demo "${scenario}" running ${run.mode === 'sandbox' ? `in sandbox ${run.sandbox}` : 'as a host agent (unsandboxed)'}; agent ${run.agent}`,
      );
      println(io.stdout, `  workspace ${run.workspace}`);
      if (run.note) println(io.stdout, `  note: ${run.note}`);
    }
    if (values['no-follow']) return EXIT.ok;
    const stop = client.follow(['ledger.events'], (_topic, data) => {
      for (const e of (Array.isArray(data) ? data : []) as LedgerEvent[]) {
        if (e.agent !== run.agent) continue;
        println(io.stdout, values.json ? JSON.stringify(e) : transcriptLine(e));
      }
    });
    try {
      for (;;) {
        const s = await client.call('demo.status', { agent: run.agent });
        if (!s.running) {
          await new Promise((r) => setTimeout(r, 300)); // let the last events arrive
          if (!values.json) println(io.stdout, `Demo finished (agent exit code ${s.exitCode ?? '?'}).`);
          return EXIT.ok;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      stop();
    }
  },
};

const MARK: Record<string, string> = { allow: '✓', deny: '✗', approve: '?' };

/** One line per ledger event, the way the console's transcript reads. */
export function transcriptLine(e: LedgerEvent): string {
  const mark = e.decision ? `${MARK[e.decision] ?? ''} ` : '';
  const rule = e.rule ? ` [${e.rule}]` : '';
  const text = (e.summary ?? e.operation ?? '').replace(/\s+/g, ' ').slice(0, 140);
  return `  ${e.kind.padEnd(9)} ${mark}${text}${rule}`;
}

import type { KillScope, KillStatus } from '../../../shared/api/kill.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type Command } from '../io.js';

export const killCommand: Command = {
  name: 'kill',
  summary: 'Engage, release or show kill switches (everything, one agent, one service).',
  help: `Usage: gatehouse kill (--all | --agent X | --service Y | --agent X --service Y) [--reason TEXT]
       gatehouse kill release (--all | --agent X | --service Y | --agent X --service Y) [--resume]
       gatehouse kill status
       gatehouse kill config --sandbox-action pause|stop

  --all              everything: every agent, every service
  --agent X          one agent (id or name); with --service, only that agent on that service
  --service Y        one service
  --reason TEXT      recorded in the ledger with who engaged it
  --resume           on release, resume the sandboxes the switch paused (default: leave them paused)
  --sandbox-action   what engaging does to sandboxes in scope: pause (default, keeps state) or stop
  --data-dir DIR, --json

Engaging is immediate and sticky: it is saved before the command returns and stays in force
across restarts until released.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      all: { type: 'boolean', default: false },
      agent: { type: 'string' },
      service: { type: 'string' },
      reason: { type: 'string', default: '' },
      resume: { type: 'boolean', default: false },
      'sandbox-action': { type: 'string' },
    });
    const verb = positionals[0] ?? 'engage';
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    const out = (status: KillStatus) => {
      if (values.json) println(io.stdout, JSON.stringify(status));
      else printStatus(io.stdout, status);
    };
    switch (verb) {
      case 'status':
        out(await client.call('kill.status', {}));
        return EXIT.ok;
      case 'config': {
        const action = values['sandbox-action'];
        if (action !== 'pause' && action !== 'stop')
          throw new UsageError('--sandbox-action must be pause or stop.');
        out(await client.call('kill.configure', { sandboxAction: action }));
        return EXIT.ok;
      }
      case 'release': {
        const scope = scopeFrom(values);
        const r = await client.call('kill.release', { scope, resumeSandboxes: values.resume });
        if (values.json) println(io.stdout, JSON.stringify(r));
        else
          println(
            io.stdout,
            r.released
              ? `Released: ${describe(scope)}.`
              : `Nothing to release: no switch engaged for ${describe(scope)}.`,
          );
        if (!values.json && r.status.engaged.length) printStatus(io.stdout, r.status);
        return r.released ? EXIT.ok : EXIT.failed;
      }
      case 'engage': {
        const scope = scopeFrom(values);
        const r = await client.call('kill.engage', { scope, reason: values.reason });
        if (values.json) {
          println(io.stdout, JSON.stringify(r));
          return EXIT.ok;
        }
        const cut = Object.entries(r.cut).map(([k, v]) => `${v} ${k}`);
        println(
          io.stdout,
          `Kill switch engaged: ${describe(scope)}${cut.length ? ` (cut: ${cut.join(', ')})` : ''}.`,
        );
        for (const p of r.problems) println(io.stderr, `  warning: ${p}`);
        println(io.stdout, `Release with: gatehouse kill release ${flags(scope)}`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown action "${verb}" (engage flags, release, status or config).`);
    }
  },
};

function scopeFrom(v: { all?: boolean; agent?: string; service?: string }): KillScope {
  if (v.all && (v.agent || v.service))
    throw new UsageError('--all cannot be combined with --agent or --service.');
  if (v.all) return { kind: 'global' };
  if (v.agent && v.service) return { kind: 'agent-service', agent: v.agent, service: v.service };
  if (v.agent) return { kind: 'agent', agent: v.agent };
  if (v.service) return { kind: 'service', service: v.service };
  throw new UsageError('say what to cut: --all, --agent X, --service Y, or --agent X --service Y.');
}

function describe(s: KillScope): string {
  if (s.kind === 'global') return 'everything';
  if (s.kind === 'agent') return `agent ${s.agent}`;
  if (s.kind === 'service') return `service ${s.service}`;
  return `agent ${s.agent} on service ${s.service}`;
}

function flags(s: KillScope): string {
  if (s.kind === 'global') return '--all';
  if (s.kind === 'agent') return `--agent ${s.agent}`;
  if (s.kind === 'service') return `--service ${s.service}`;
  return `--agent ${s.agent} --service ${s.service}`;
}

function printStatus(out: NodeJS.WritableStream, s: KillStatus): void {
  if (!s.engaged.length) println(out, 'No kill switch engaged.');
  for (const e of s.engaged)
    println(out, `ENGAGED  ${describe(e.scope).padEnd(32)} by ${e.who} at ${e.engagedAt}: ${e.reason}`);
  println(
    out,
    `Sandboxes in scope are ${s.sandboxAction === 'pause' ? 'paused' : 'stopped'} when a switch engages.`,
  );
}

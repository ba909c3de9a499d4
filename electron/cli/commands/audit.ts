import { createWriteStream } from 'node:fs';
import type { LedgerEvent } from '../../../shared/events.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, UsageError, type CliIO, type Command } from '../io.js';

const HELP = `Usage: gatehouse audit tail [--agent A] [--run R] [--kind K]... [--last N]
       gatehouse audit search TEXT [--agent A] [--run R] [--kind K]... [--limit N]
       gatehouse audit export (--run R | --from ISO [--to ISO]) [--out FILE]
       gatehouse audit export --run R --otlp URL [--no-content]
       gatehouse audit verify
       gatehouse audit runs [--agent A] [--limit N]
       gatehouse audit status

  tail     follow new ledger events live (Ctrl-C to stop); --last N prints the N latest first
  search   full-text search over prompts, outputs, reasoning, tool arguments and results
  export   JSONL (one event per line, conversation messages inlined) to stdout or --out FILE;
           with --otlp URL, send the run as OpenTelemetry gen_ai spans to a collector instead:
           prompts, inputs, outputs, reasoning and tool calls ride along as span events
           (as the ledger stored them, redacted); --no-content sends the spans without them
  verify   recompute the hash chain and check signed checkpoints; exit 1 if broken
  --data-dir DIR, --json`;

/** One line for a terminal: time, kind, agent, what happened. */
export function formatEvent(e: LedgerEvent): string {
  const parts = [
    e.ts.slice(11, 23),
    e.kind.padEnd(9),
    (e.agent ?? '-').padEnd(12),
    e.operation ?? '',
    e.decision ? `[${e.decision}${e.rule ? ` ${e.rule}` : ''}]` : '',
    e.status ?? '',
    e.summary ?? '',
  ];
  return parts.filter(Boolean).join('  ');
}

function matches(e: LedgerEvent, f: { agent?: string; run?: string; kinds: string[] }): boolean {
  return (
    (!f.agent || e.agent === f.agent) &&
    (!f.run || e.run === f.run) &&
    (!f.kinds.length || f.kinds.includes(e.kind))
  );
}

async function tail(
  client: ApiClient,
  io: CliIO,
  f: { agent?: string; run?: string; kinds: string[] },
  last: number,
  json: boolean,
) {
  const print = (e: LedgerEvent) => println(io.stdout, json ? JSON.stringify(e) : formatEvent(e));
  if (last > 0) {
    const page = await client.call('audit.events', {
      ...(f.agent ? { agent: f.agent } : {}),
      ...(f.run ? { run: f.run } : {}),
      ...(f.kinds.length ? { kind: f.kinds as LedgerEvent['kind'][] } : {}),
      limit: Math.min(last, 1000),
    });
    for (const e of [...page.items].reverse()) print(e);
  }
  await new Promise<void>((resolve) => {
    const stop = client.follow(['ledger.events'], (_topic, data) => {
      for (const e of data as LedgerEvent[]) if (matches(e, f)) print(e);
    });
    // Ends on Ctrl-C, or when whoever reads our output goes away (`| head`, a test closing the stream).
    const end = () => {
      stop();
      process.off('SIGINT', end);
      resolve();
    };
    process.once('SIGINT', end);
    io.stdout.once('close', end);
  });
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Follow, search, export and verify the audit ledger.',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      agent: { type: 'string' },
      run: { type: 'string' },
      kind: { type: 'string', multiple: true },
      last: { type: 'string', default: '0' },
      limit: { type: 'string', default: '50' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      otlp: { type: 'string' },
      'no-content': { type: 'boolean', default: false },
    });
    if (values.help) {
      println(io.stdout, HELP);
      return EXIT.ok;
    }
    const verb = positionals[0];
    const client = ApiClient.find(io.env, values['data-dir']);
    const json = values.json;
    const filter = {
      ...(values.agent ? { agent: values.agent } : {}),
      ...(values.run ? { run: values.run } : {}),
    };
    const kinds = values.kind ?? [];
    switch (verb) {
      case 'tail':
        await tail(client, io, { ...filter, kinds }, Number(values.last) || 0, json);
        return EXIT.ok;
      case 'search': {
        const text = positionals.slice(1).join(' ');
        if (!text) throw new UsageError('search needs the text to look for.');
        const page = await client.call('audit.search', {
          q: text,
          ...filter,
          ...(kinds.length ? { kind: kinds as LedgerEvent['kind'][] } : {}),
          limit: Math.min(1000, Number(values.limit) || 50),
        });
        if (json) for (const e of page.items) println(io.stdout, JSON.stringify(e));
        else {
          for (const e of page.items) println(io.stdout, `${formatEvent(e)}\n    ${e.snippet}`);
          println(
            io.stderr,
            `${page.items.length} match(es)${page.nextCursor ? ' (more: raise --limit)' : ''}`,
          );
        }
        return EXIT.ok;
      }
      case 'export': {
        if (!values.run && !values.from) throw new UsageError('export needs --run R or --from ISO.');
        if (values['no-content'] && !values.otlp)
          throw new UsageError(
            '--no-content goes with --otlp URL; the JSONL export always carries the content.',
          );
        if (values.otlp) {
          if (!values.run) throw new UsageError('--otlp exports one run: add --run R.');
          const content = !values['no-content'];
          const r = await client.call('audit.exportOtlp', { run: values.run, url: values.otlp, content });
          const what = content
            ? `${r.spans} spans with ${r.events} content events`
            : `${r.spans} spans (no content)`;
          const cut = r.truncated
            ? ' The run is longer than one export: only its first 20,000 events were sent.'
            : '';
          println(
            io.stdout,
            json ? JSON.stringify(r) : `Sent ${what} to ${values.otlp} (HTTP ${r.status}).${cut}`,
          );
          return r.status < 300 ? EXIT.ok : EXIT.failed;
        }
        const out = values.out ? createWriteStream(values.out, { mode: 0o600 }) : io.stdout;
        let cursor: string | undefined;
        let n = 0;
        do {
          const page = await client.call('audit.export', {
            ...(values.run ? { run: values.run } : {}),
            ...(values.from ? { from: values.from } : {}),
            ...(values.to ? { to: values.to } : {}),
            ...(cursor ? { cursor } : {}),
            limit: 1000,
          });
          for (const line of page.lines) out.write(line + '\n');
          n += page.lines.length;
          cursor = page.nextCursor;
        } while (cursor);
        if (values.out) {
          await new Promise<void>((r) => (out as NodeJS.WritableStream).end(() => r()));
          println(io.stderr, `Wrote ${n} events to ${values.out}.`);
        }
        return EXIT.ok;
      }
      case 'verify': {
        const v = await client.call('audit.verify', {});
        println(io.stdout, json ? JSON.stringify(v) : v.message);
        for (const w of v.warnings) println(io.stderr, `warning: ${w}`);
        return v.ok ? EXIT.ok : EXIT.failed;
      }
      case 'runs': {
        const page = await client.call('audit.runs', {
          ...(values.agent ? { agent: values.agent } : {}),
          limit: Math.min(1000, Number(values.limit) || 50),
        });
        for (const r of page.items)
          println(
            io.stdout,
            json
              ? JSON.stringify(r)
              : `${r.run}  ${(r.agent ?? '-').padEnd(12)} ${r.startedAt}  ${Math.round(r.durationMs / 1000)}s  ${r.llmCalls} llm  ${r.toolCalls} tools  ${r.tokens} tok  $${r.costUsd.toFixed(4)}  ${r.denials} denied  ${r.errors} errors  ${r.outcome}`,
          );
        return EXIT.ok;
      }
      case 'status': {
        const s = await client.call('audit.status', {});
        if (json) println(io.stdout, JSON.stringify(s));
        else
          println(
            io.stdout,
            s.ok
              ? `ledger ok: ${s.events} events, ${s.bytes ?? '?'} bytes, ${s.file}` +
                  (s.checkpointsWaiting
                    ? '\ncheckpoints waiting: the vault holds the signing key and is locked (gatehouse vault unlock)'
                    : '')
              : `ledger UNAVAILABLE: ${s.problem} ${s.fix}`,
          );
        return s.ok ? EXIT.ok : EXIT.failed;
      }
      default:
        throw new UsageError(
          verb ? `unknown audit command "${verb}".` : 'name an audit command (tail, search, export, verify).',
        );
    }
  },
};

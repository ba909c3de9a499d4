import { readFileSync } from 'node:fs';
import type {
  DryRunReportView,
  PendingApprovalView,
  PolicyVersionInfoView,
} from '../../../shared/api/policy.js';
import { describeOperation, type PolicyRequest } from '../../../shared/policy/request.js';
import { parsePolicy } from '../../core/policy/parse.js';
import { exportCedar } from '../../core/policy/cedar/export.js';
import { ApiClient } from '../client.js';
import { commonOptions, parse } from '../args.js';
import { EXIT, println, readStdin, UsageError, type CliIO, type Command } from '../io.js';

async function readPolicyFile(file: string | undefined, io: CliIO): Promise<string> {
  if (!file) throw new UsageError('name a policy file (or - for stdin).');
  if (file === '-') return readStdin(io.stdin);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const versionLine = (v: PolicyVersionInfoView): string =>
  `v${v.version}  ${v.createdAt}  ${v.author}  ${v.rules} rules${v.rollbackOf ? `  (rollback of v${v.rollbackOf})` : ''}${v.note ? `  — ${v.note}` : ''}`;

function printReport(io: CliIO, r: DryRunReportView): void {
  println(
    io.stdout,
    `${r.evaluated} recorded requests evaluated: ${r.changes.length} would change, ${r.unchanged} unchanged.`,
  );
  for (const c of r.changes) {
    const mark = c.effectChanged ? '!' : '~';
    println(
      io.stdout,
      `  ${mark} #${c.index}  ${c.agent}  ${c.service}  ${c.operation}:  ${c.before.effect} (${c.before.rule}) → ${c.after.effect} (${c.after.rule})`,
    );
  }
  const summary = Object.entries(r.summary).map(([k, n]) => `${n} ${k}`);
  if (summary.length) println(io.stdout, `Summary: ${summary.join(', ')}`);
}

export const policyCommand: Command = {
  name: 'policy',
  summary: 'Show, validate, dry-run, apply, list and roll back policy versions.',
  help: `Usage: gatehouse policy show [--version N]
       gatehouse policy validate FILE          (offline: no running instance needed)
       gatehouse policy test FILE [--last N]   (dry-run against the last N recorded requests)
       gatehouse policy test FILE --requests REQUESTS.json   (… or against requests you give)
       gatehouse policy apply FILE [--note TEXT]
       gatehouse policy history [--limit N]
       gatehouse policy rollback VERSION [--note TEXT]
       gatehouse policy shadow FILE | --clear  (run a draft in observe mode beside the live policy)
       gatehouse policy export --cedar [--version N] [FILE]   (Cedar policy text; FILE: offline, from a file)

  FILE is a YAML policy (- reads stdin); see resources/policy/default.yaml and policy.schema.json.
  --data-dir DIR, --json

Exit codes: 0 ok, 1 invalid policy or failure, 2 usage, 3 not running.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      version: { type: 'string' },
      last: { type: 'string' },
      limit: { type: 'string' },
      note: { type: 'string', default: '' },
      clear: { type: 'boolean', default: false },
      requests: { type: 'string' },
      cedar: { type: 'boolean', default: false },
    });
    const [verb, arg, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}".`);
    const json = (x: unknown) => println(io.stdout, JSON.stringify(x));
    const client = () => ApiClient.find(io.env, values['data-dir']);
    switch (verb) {
      case 'validate': {
        const text = await readPolicyFile(arg, io);
        const r = parsePolicy(text);
        const problems = r.ok ? [] : r.problems;
        if (values.json) json({ ok: r.ok, problems });
        else if (r.ok) println(io.stdout, `${arg}: valid (${r.document.rules.length} rules).`);
        else
          for (const p of problems)
            println(io.stderr, `${arg}:${p.line}:${p.column}: ${p.message}${p.path ? ` (${p.path})` : ''}`);
        return r.ok ? EXIT.ok : EXIT.failed;
      }
      case 'show': {
        const r = await client().call(
          'policy.get',
          values.version ? { version: positiveInt(values.version, '--version') } : {},
        );
        if (values.json) json(r);
        else {
          println(
            io.stderr,
            `# version ${r.version}${r.live ? ' (live)' : ''}, ${r.author}, ${r.createdAt}${r.note ? ` — ${r.note}` : ''}`,
          );
          io.stdout.write(r.yaml.endsWith('\n') ? r.yaml : `${r.yaml}\n`);
          if (r.shadowYaml !== null)
            println(
              io.stderr,
              '# a shadow draft is running in observe mode (gatehouse policy shadow --clear stops it)',
            );
        }
        return EXIT.ok;
      }
      case 'test': {
        const yaml = await readPolicyFile(arg, io);
        const requests = values.requests ? readRequests(values.requests) : undefined;
        const r = await client().call('policy.test', {
          yaml,
          ...(requests ? { requests } : {}),
          ...(values.last ? { last: positiveInt(values.last, '--last') } : {}),
        });
        if (values.json) json(r);
        else printReport(io, r);
        return EXIT.ok;
      }
      case 'apply': {
        const yaml = await readPolicyFile(arg, io);
        const r = await client().call('policy.apply', { yaml, note: values.note });
        if (values.json) json(r);
        else
          println(
            io.stdout,
            `Applied as version ${r.version}. New requests see it; requests in flight finish under the old one.`,
          );
        return EXIT.ok;
      }
      case 'history': {
        const r = await client().call(
          'policy.history',
          values.limit ? { limit: positiveInt(values.limit, '--limit') } : {},
        );
        if (values.json) json(r);
        else for (const v of r.versions) println(io.stdout, versionLine(v));
        return EXIT.ok;
      }
      case 'rollback': {
        if (!arg) throw new UsageError('name the version to roll back to.');
        const r = await client().call('policy.rollback', {
          version: positiveInt(arg, 'VERSION'),
          ...(values.note ? { note: values.note } : {}),
        });
        if (values.json) json(r);
        else println(io.stdout, `Rolled back: version ${r.version} has the text of version ${r.rollbackOf}.`);
        return EXIT.ok;
      }
      case 'shadow': {
        if (values.clear === (arg !== undefined)) throw new UsageError('give a FILE or --clear.');
        const yaml = values.clear ? null : await readPolicyFile(arg, io);
        const r = await client().call('policy.shadow', { yaml, note: values.note });
        if (values.json) json(r);
        else
          println(
            io.stdout,
            r.active
              ? 'Shadow policy running in observe mode: decisions record what it would do.'
              : 'Shadow policy stopped.',
          );
        return EXIT.ok;
      }
      case 'export': {
        if (!values.cedar) throw new UsageError('name the format: --cedar.');
        if (arg !== undefined && values.version) throw new UsageError('give a FILE or --version, not both.');
        const text =
          arg !== undefined
            ? await readPolicyFile(arg, io)
            : (
                await client().call(
                  'policy.get',
                  values.version ? { version: positiveInt(values.version, '--version') } : {},
                )
              ).yaml;
        const r = parsePolicy(text);
        if (!r.ok) {
          for (const p of r.problems)
            println(io.stderr, `${arg ?? 'policy'}:${p.line}:${p.column}: ${p.message}`);
          return EXIT.failed;
        }
        const e = exportCedar(r.document);
        if (values.json)
          json({ cedar: e.text, entities: e.entities, rules: Object.values(e.rules), skipped: e.skipped });
        else {
          for (const s of e.skipped) println(io.stdout, `// not exported: rule ${s.rule}: ${s.reason}`);
          io.stdout.write(e.text);
          if (e.skipped.length)
            println(
              io.stderr,
              `${e.skipped.length} rule(s) could not be expressed in Cedar (listed at the top).`,
            );
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(verb ? `unknown verb "${verb}".` : 'name a verb.');
    }
  },
};

export const approvalsCommand: Command = {
  name: 'approvals',
  summary: 'List requests held for approval; approve or deny them, once or always.',
  help: `Usage: gatehouse approvals ls
       gatehouse approvals approve ID [--always]
       gatehouse approvals deny ID [--always]

  --always   also write a rule (this agent, service and operation) into a new policy version
  --data-dir DIR, --json

An approval nobody answers is denied when its timeout passes (policy defaults.approvalTimeoutSeconds).`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...commonOptions,
      always: { type: 'boolean', default: false },
    });
    const [verb, id, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}".`);
    const client = ApiClient.find(io.env, values['data-dir']);
    if (verb === 'ls' || verb === 'list') {
      const { pending } = await client.call('approvals.list', {});
      if (values.json) println(io.stdout, JSON.stringify({ pending }));
      else if (!pending.length) println(io.stdout, 'No requests are waiting for approval.');
      else for (const p of pending) println(io.stdout, pendingLine(p));
      return EXIT.ok;
    }
    if (verb !== 'approve' && verb !== 'deny')
      throw new UsageError(verb ? `unknown verb "${verb}".` : 'name a verb.');
    if (!id) throw new UsageError('name the approval ID (gatehouse approvals ls).');
    const r = await client.call('approvals.answer', {
      id,
      decision: verb,
      scope: values.always ? 'always' : 'once',
    });
    if (values.json) println(io.stdout, JSON.stringify(r));
    else {
      println(
        io.stdout,
        `${r.outcome === 'approved' ? 'Approved' : 'Denied'}${r.version ? `; rule written as policy version ${r.version}` : ''}.`,
      );
      if (r.settled > 1)
        println(io.stdout, `${r.settled - 1} other pending request(s) settled by the new rule.`);
    }
    return EXIT.ok;
  },
};

function pendingLine(p: PendingApprovalView): string {
  const args = p.operation.type === 'mcp' ? ` ${JSON.stringify(p.operation.arguments).slice(0, 120)}` : '';
  return `${p.id}  ${p.agent.id} (${p.agent.template})  ${p.service.name}  ${describeOperation(p.operation)}${args}  rule ${p.rule || '?'}  expires ${p.expiresAt}`;
}

function readRequests(file: string): PolicyRequest[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) throw new UsageError(`${file} must hold a JSON array of requests.`);
  return data as PolicyRequest[]; // validated by the control API's zod schema
}

function positiveInt(s: string, what: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number.`);
  return n;
}

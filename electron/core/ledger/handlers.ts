import type { Handlers } from '../api/registry.js';
import type { auditProcedures } from '../../../shared/api/audit.js';
import type { LedgerEvent } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Ledger } from './ledger.js';
import type { RunTotals } from './queries.js';
import { buildTranscript } from './transcript.js';
import { callTree, compareGroups, replaySteps, type TreeNode } from './review.js';
import { jsonlLine, postOtlp, runToSpans } from './export.js';

/** How many events of one run the transcript, tree and compare views read at most. */
const RUN_CAP = 20_000;

export interface AuditDeps {
  ledger: Ledger;
  /** Agent ids carrying a label (from the agent registry), for comparing groups by label. */
  agentsWithLabel?: (key: string, value: string) => string[];
}

interface Group {
  run?: string;
  runs?: string[];
  agent?: string;
  label?: { key: string; value: string };
  from?: string;
  to?: string;
}

function flatten(nodes: TreeNode[], depth = 0, parent?: string, out: ReturnType<typeof row>[] = []) {
  for (const n of nodes) {
    out.push(row(n, depth, parent));
    flatten(n.children, depth + 1, n.id, out);
  }
  return out;
}
function row(n: TreeNode, depth: number, parent?: string) {
  const { children: _c, ...rest } = n;
  return { ...rest, depth, ...(parent ? { parent } : {}) };
}

export function auditHandlers({ ledger, agentsWithLabel }: AuditDeps): Handlers<typeof auditProcedures> {
  const q = ledger.queries;
  const mustRun = (run: string): RunTotals => {
    const r = q.run(run);
    if (!r) throw new GatehouseError('not_found', `No run "${run}" in the ledger.`, 404);
    return r;
  };
  const runEvents = (run: string, payload: boolean): { events: LedgerEvent[]; truncated: boolean } => {
    const page = q.events({ run }, { limit: RUN_CAP, payload });
    return { events: page.items, truncated: page.nextCursor !== undefined };
  };
  const groupRuns = (g: Group): RunTotals[] => {
    const ids = [...(g.runs ?? []), ...(g.run ? [g.run] : [])];
    const time = { ...(g.from ? { from: g.from } : {}), ...(g.to ? { to: g.to } : {}) };
    if (ids.length) return q.runs({ runs: ids, ...time }, { limit: 1000 }).items;
    if (g.agent) return q.runs({ agent: g.agent, ...time }, { limit: 1000 }).items;
    if (g.label) {
      if (!agentsWithLabel)
        throw new GatehouseError('unsupported', 'Comparing by label needs the agent registry.', 400);
      return agentsWithLabel(g.label.key, g.label.value).flatMap(
        (agent) => q.runs({ agent, ...time }, { limit: 1000 }).items,
      );
    }
    throw new GatehouseError(
      'bad_input',
      'Name a run, a list of runs, an agent or a label for each side.',
      400,
    );
  };

  return {
    'audit.runs': ({ cursor, limit, ...f }) =>
      q.runs(f, { ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) }),
    'audit.run': ({ run }) => {
      const totals = mustRun(run);
      const { events, truncated } = runEvents(run, false);
      return { run: totals, tree: flatten(callTree(events)), truncated };
    },
    'audit.timeline': ({ run, cursor, limit, payload }) =>
      q.events({ run }, { cursor, limit, payload: payload ?? false }),
    'audit.events': ({ cursor, limit, payload, ...f }) =>
      q.events(f, { cursor, limit, order: 'desc', payload: payload ?? false }),
    'audit.event': ({ id }) => {
      const e = q.event(id);
      if (!e) throw new GatehouseError('not_found', `No event "${id}" in the ledger.`, 404);
      return e;
    },
    'audit.search': ({ q: text, cursor, limit, ...f }) => q.search(text, f, { cursor, limit }),
    'audit.transcript': ({ run }) => {
      const totals = mustRun(run);
      const { events, truncated } = runEvents(run, true);
      return { run: totals, items: buildTranscript(events), truncated };
    },
    'audit.replay': ({ run, cursor, limit }) => {
      const totals = mustRun(run);
      const page = q.events({ run }, { cursor, limit: limit ?? 200, payload: true });
      const prev = cursor
        ? q.events({ run }, { cursor: String(Number(cursor) + 1), order: 'desc', limit: 1 }).items[0]
        : undefined;
      const start = Date.parse(totals.startedAt);
      return {
        ...page,
        items: replaySteps(page.items, start, prev ? Date.parse(prev.ts) : undefined),
        startedAt: totals.startedAt,
      };
    },
    'audit.compare': ({ a, b }) => compareGroups(groupRuns(a), groupRuns(b)),
    'audit.verify': () => ledger.verify(),
    'audit.export': ({ run, from, to, cursor, limit }) => {
      const f = { ...(run ? { run } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
      const page = q.events(f, { cursor, limit: limit ?? 1000, payload: true });
      return {
        lines: page.items.map(jsonlLine),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
    'audit.exportOtlp': async ({ run, url, content }) => {
      mustRun(run);
      const { events: recorded, truncated } = runEvents(run, true);
      const spans = runToSpans(run, recorded, { content });
      const events = spans.reduce((n, s) => n + (s.events?.length ?? 0), 0);
      try {
        const { status } = await postOtlp(url, spans);
        return { spans: spans.length, events, status, ...(truncated ? { truncated: true } : {}) };
      } catch (e) {
        throw new GatehouseError(
          'otlp_unreachable',
          `The collector at ${new URL(url).origin} did not answer: ${(e as Error).message}`,
          502,
        );
      }
    },
    'audit.prune': (p) => ledger.prune(p),
    'audit.status': () => {
      const s = ledger.status();
      let bytes: number | undefined;
      try {
        bytes = q.bytes();
      } catch {
        bytes = undefined;
      }
      return { ...s, ...(bytes !== undefined ? { bytes } : {}) };
    },
  };
}

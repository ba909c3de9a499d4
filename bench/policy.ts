import Database from 'better-sqlite3';
import type { PolicyRequest } from '../shared/policy/request.js';
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyEngine } from '../electron/core/policy/engine.js';
import { parsePolicy } from '../electron/core/policy/parse.js';
import { CedarPolicy } from '../electron/core/policy/cedar/engine.js';
import { cedarCall } from '../electron/core/policy/cedar/request.js';
import { percentile, quick, writeResult } from './lib/result.js';

// `npm run bench -- policy [--quick]`: decide() latency with 1,000 rules vs an empty policy, same requests, same run.

const SAMPLES = quick ? 20_000 : 200_000;
const WARMUP = quick ? 5_000 : 50_000;
const templates = ['claude-code', 'codex', 'openclaw', 'aider', 'custom'];

/** A deterministic PRNG so every run measures the same policy and traffic. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * 1,000 rules shaped like a real team policy: per-service rules over 200 services (LLM model
 * globs, MCP server/tool with argument conditions, HTTP method/host/path globs), agent
 * template and label matchers, a tenth of them service-wildcard rules every request must check.
 */
function bigPolicy(n: number, wildcardShare: number): string {
  const r = rng(42);
  const lines = ['policy: 1', 'rules:'];
  for (let i = 0; i < n; i++) {
    const svc = `svc-${i % 200}`;
    const effect = ['allow', 'allow', 'allow', 'deny', 'approve'][i % 5];
    const agent = `    agent: { template: ${templates[i % templates.length]}${i % 7 === 0 ? `, labels: { team: t${i % 4} }` : ''} }`;
    const service = r() < wildcardShare ? `    service: 'svc-${i % 20}*'` : `    service: ${svc}`;
    lines.push(`  - id: r${i}`, `    effect: ${effect}`, agent, service);
    switch (i % 3) {
      case 0:
        lines.push(`    llm: { model: ['claude-*-${i % 9}', 'gpt-${i % 5}*'] }`);
        break;
      case 1:
        lines.push(`    mcp: { server: ${svc}, tool: ['create_*', 'list_${i % 11}'] }`);
        lines.push(`    when: { arguments.repo: { glob: 'org${i % 13}/*' } }`);
        break;
      default:
        lines.push(
          `    http: { method: [GET, POST], host: '*.example${i % 17}.test', path: '/v1/${i % 23}/**' }`,
        );
        lines.push(`    when: { query.limit: { max: ${10 + (i % 90)} } }`);
    }
  }
  return lines.join('\n');
}

function traffic(count: number): PolicyRequest[] {
  const r = rng(7);
  const out: PolicyRequest[] = [];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(r() * 200);
    const agent = {
      id: `agent-${i % 50}`,
      name: 'a',
      template: templates[i % templates.length]!,
      labels: { team: `t${i % 4}` },
    };
    const service = { name: `svc-${k}`, kind: ['anthropic', 'mcp', 'http'][i % 3]! };
    const kind = i % 3;
    const operation: PolicyRequest['operation'] =
      kind === 0
        ? { type: 'llm', provider: 'anthropic', model: `claude-sonnet-${i % 9}` }
        : kind === 1
          ? {
              type: 'mcp',
              server: service.name,
              tool: i % 2 ? 'create_issue' : `list_${i % 11}`,
              arguments: { repo: `org${i % 13}/web` },
            }
          : {
              type: 'http',
              method: 'GET',
              host: `api.example${i % 17}.test`,
              path: `/v1/${i % 23}/items/${i}`,
              query: { limit: String(i % 100) },
            };
    out.push({ agent, service, operation });
  }
  return out;
}

function measure(
  engine: { decide: PolicyEngine['decide'] },
  reqs: PolicyRequest[],
  samples = SAMPLES,
  warmup = WARMUP,
): { p50: number; p99: number; max: number; effects: Record<string, number> } {
  const effects: Record<string, number> = {};
  // Warm-up visits every request, so each index cell is built once before timing (see coldCell).
  for (let i = 0; i < Math.max(warmup, reqs.length); i++) engine.decide(reqs[i % reqs.length]!);
  const times = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const req = reqs[i % reqs.length]!;
    const t0 = process.hrtime.bigint();
    const d = engine.decide(req);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    effects[d.effect] = (effects[d.effect] ?? 0) + 1;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
    effects,
  };
}

const open = (yaml: string) => PolicyEngine.open({ db: new Database(':memory:'), defaultPolicy: yaml });
const reqs = traffic(10_000);
const empty = measure(open('policy: 1\nrules: []\n'), reqs);
const big = measure(open(bigPolicy(1000, 0.1)), reqs);
const allWildcard = measure(open(bigPolicy(1000, 1)), reqs);

/** The first decision in a cell builds it: the cost a new (operation, service, template) pays once per version. */
function coldCell(yaml: string): number {
  const engine = open(yaml);
  const times: number[] = [];
  for (const req of reqs.slice(0, 200)) {
    const t0 = process.hrtime.bigint();
    engine.decide(req);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}
const cold = coldCell(bigPolicy(1000, 0.1));

// Cedar (cedar-wasm) on the same 1,000 rules, exported by electron/core/policy/cedar/export.ts,
// and the same requests: the policy set is parsed once (preparsePolicySet); each decision is
// request marshalling + statefulIsAuthorized + reading the answer back (CedarPolicy.decide).
const parsed = parsePolicy(bigPolicy(1000, 0.1));
if (!parsed.ok) throw new Error('bench policy does not parse');
const cedarPolicy = new CedarPolicy(parsed.document, 1);
const yamlEngine = open(bigPolicy(1000, 0.1));
let agree = 0;
for (const req of reqs) {
  const a = yamlEngine.decide(req);
  const b = cedarPolicy.decide(req);
  if (a.effect === b.effect && a.rule === b.rule) agree++;
}
const CEDAR_SAMPLES = quick ? 500 : 5_000;
const cedar = measure(cedarPolicy, reqs, CEDAR_SAMPLES, quick ? 500 : 2_000);
const cedarEmpty = measure(new CedarPolicy({ ...parsed.document, rules: [] }), reqs, CEDAR_SAMPLES, 500);
const marshal: number[] = [];
for (let i = 0; i < CEDAR_SAMPLES; i++) {
  const t0 = process.hrtime.bigint();
  cedarCall(reqs[i % reqs.length]!, 'x');
  marshal.push(Number(process.hrtime.bigint() - t0) / 1000);
}
marshal.sort((a, b) => a - b);
// The plain isAuthorized call takes the policy text each time, so it re-parses 1,000 rules per decision.
const unparsed: number[] = [];
for (let i = 0; i < (quick ? 10 : 50); i++) {
  const { preparsedPolicySetId: _id, ...call } = cedarCall(reqs[i]!, 'x');
  const t0 = process.hrtime.bigint();
  isAuthorized({ ...call, policies: { staticPolicies: cedarPolicy.exported.policies } });
  unparsed.push(Number(process.hrtime.bigint() - t0) / 1000);
}
unparsed.sort((a, b) => a - b);

// Timer overhead, measured the same way, so the figures can be read net of it.
const overhead: number[] = [];
for (let i = 0; i < 10_000; i++) {
  const t0 = process.hrtime.bigint();
  overhead.push(Number(process.hrtime.bigint() - t0) / 1000);
}
overhead.sort((a, b) => a - b);

writeResult('policy', {
  figures: {
    decision_p99_us_1000_rules: big.p99,
    decision_p50_us_1000_rules: big.p50,
    decision_p99_us_empty_policy: empty.p99,
    decision_p50_us_empty_policy: empty.p50,
    decision_p99_us_1000_rules_all_service_globs: allWildcard.p99,
    first_decision_in_new_cell_p50_us_1000_rules: cold,
    timer_overhead_p50_us: percentile(overhead, 50),
    cedar_decision_p99_us_1000_rules: cedar.p99,
    cedar_decision_p50_us_1000_rules: cedar.p50,
    cedar_to_yaml_p99_ratio_1000_rules: Math.round((cedar.p99 / big.p99) * 10) / 10,
    cedar_decision_p99_us_empty_policy: cedarEmpty.p99,
    cedar_decision_p50_us_empty_policy: cedarEmpty.p50,
    cedar_request_marshalling_p50_us: percentile(marshal, 50),
    cedar_isAuthorized_unparsed_p50_us_1000_rules: percentile(unparsed, 50),
    cedar_agreement_share: agree / reqs.length,
  },
  peers: [
    { name: 'empty policy', role: 'floor: same engine, no rules, same requests' },
    {
      name: 'Cedar (@cedar-policy/cedar-wasm)',
      role: 'same 1,000 rules exported to Cedar, same requests, statefulIsAuthorized on a preparsed policy set',
    },
  ],
  table: {
    samples: SAMPLES,
    'effects (1000 rules)': Object.entries(big.effects)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    'max_us (1000 rules)': Math.round(big.max * 10) / 10,
    'effects (Cedar, 1000 rules)': Object.entries(cedar.effects)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    'rules exported to Cedar': Object.keys(cedarPolicy.exported.policies).length,
  },
  notes: [
    '1,000 rules over 200 services (10% service-glob rules), LLM/MCP/HTTP matchers with conditions; 10,000 distinct requests.',
    'all_service_globs: every rule names its service by glob, so each cell is narrowed by evaluating 1,000 globs when it is built (first_decision_in_new_cell), and holds more candidates.',
    'max_us is a single outlier (GC or JIT) in 200,000 samples; p99 is the figure the target applies to.',
    'Each sample times one decide() with process.hrtime.bigint(); figures include the timer overhead.',
    `Cedar: ${CEDAR_SAMPLES} samples; a Cedar decision includes building its entities/context from the request and reading the answer back (cedar_request_marshalling is that first part alone).`,
    'cedar_agreement_share: share of the 10,000 requests where Cedar on the exported policy gives the same effect and deciding rule as the YAML engine.',
  ],
});

import type { demoProcedures, DemoRun } from '../../../shared/api/demo.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Handlers } from '../api/registry.js';
import { startScenario, type ScenarioDeps } from './scenario.js';

const SCENARIOS = [
  {
    name: 'helpful' as const,
    title: 'Helpful agent',
    description:
      'Reads the workspace, searches the docs through an allowed MCP tool, reads the project API with a vault credential it never sees, writes REPORT.md.',
  },
  {
    name: 'rogue' as const,
    title: 'Rogue agent',
    description:
      'Tries to send a planted secret to an unknown host, call a denied MCP tool, use the API credential outside its scope and burn its budget; each attempt is stopped. Hit the kill switch mid-run.',
  },
];

export function demoHandlers(deps: ScenarioDeps): Handlers<typeof demoProcedures> {
  const runs = new Map<string, { run: DemoRun; exitCode?: number }>();
  return {
    'demo.scenarios': () => SCENARIOS,
    'demo.run': async (input) => {
      const h = await startScenario(deps, input.scenario, input.mode, input.paceMs);
      const entry: { run: DemoRun; exitCode?: number } = { run: h.run };
      runs.set(h.run.agent, entry);
      void h.done.then((r) => (entry.exitCode = r.exitCode));
      return h.run;
    },
    'demo.status': ({ agent }) => {
      const entry = runs.get(agent);
      if (!entry)
        throw new GatehouseError('unknown_run', `No demo run for agent "${agent}" in this session.`, 404);
      return {
        running: entry.exitCode === undefined,
        ...(entry.exitCode !== undefined ? { exitCode: entry.exitCode } : {}),
        run: entry.run,
      };
    },
  };
}

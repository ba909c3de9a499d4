import type { Handlers } from '../api/registry.js';
import type { systemProcedures } from '../../../shared/api/system.js';
import type { Core } from '../app.js';

type SystemDeps = Pick<Core, 'version' | 'options' | 'env' | 'dataDir' | 'startedAt' | 'docker' | 'announce'>;
import { probeEngine, engineEndpoint } from '../sandbox/engine.js';

export function systemHandlers(core: SystemDeps): Handlers<typeof systemProcedures> {
  return {
    'system.status': async () => ({
      versions: {
        gatehouse: core.version,
        node: process.versions.node,
        ...(core.options.electronVersion ? { electron: core.options.electronVersion } : {}),
      },
      mode: core.options.mode,
      dataDir: core.dataDir,
      startedAt: core.startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - core.startedAt.getTime()) / 1000),
      engine: await probeEngine(core.docker, engineEndpoint(core.env)),
      gateway: typeof core.announce.gateway === 'string' ? { address: core.announce.gateway } : {},
    }),
  };
}

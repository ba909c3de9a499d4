import type { Handlers } from '../api/registry.js';
import type { sandboxesProcedures } from '../../../shared/api/sandboxes.js';
import type { LivePort } from './ports.js';
import type { SandboxManager } from './manager.js';
import { buildImage, DEFAULT_IMAGE, imageExists, OFFLINE_IMAGE, type BuildProgress } from './image.js';
import { templates } from './templates.js';

export function sandboxesHandlers(m: SandboxManager, live: LivePort): Handlers<typeof sandboxesProcedures> {
  return {
    'sandboxes.list': () => m.list(),
    'sandboxes.get': ({ id }) => m.info(id, true),
    'sandboxes.create': (input) => m.create(input),
    'sandboxes.start': ({ id }) => m.start(id),
    'sandboxes.stop': ({ id, timeoutSeconds }) => m.stop(id, timeoutSeconds),
    'sandboxes.pause': ({ id }) => m.pause(id),
    'sandboxes.resume': ({ id }) => m.resume(id),
    'sandboxes.remove': async ({ id }) => ({ removed: await m.remove(id) }),
    'sandboxes.logs': ({ id, since, tail }) =>
      m.logs(id, { ...(since ? { since } : {}), ...(tail ? { tail } : {}) }),
    'sandboxes.templates': () =>
      Object.values(templates).map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        command: t.command,
        policyStanza: t.policyStanza,
      })),
    'sandboxes.settings.get': () => m.settings(),
    'sandboxes.settings.set': (patch) => m.setSettings(patch),
    'sandboxes.image.build': async ({ from }) => {
      const log: BuildProgress[] = [];
      try {
        const image = await buildImage(m.docker, from, (p) => {
          log.push(p);
          live.publish('sandboxes.build', p);
        });
        return { image, log };
      } catch (e) {
        live.publish('sandboxes.build', {
          source: from === 'dockerfile' ? 'dockerfile' : 'offline',
          percent: 100,
          message: 'failed',
          done: true,
          error: (e as Error).message,
        });
        throw e;
      }
    },
    'sandboxes.image.status': async () => ({
      images: await Promise.all(
        [DEFAULT_IMAGE, OFFLINE_IMAGE].map(async (image) => ({
          image,
          present: await imageExists(m.docker, image),
        })),
      ),
      defaultImage: await m.defaultImage(),
    }),
    'sandboxes.terminal.open': async ({ id, cols, rows, command }) => ({
      session: await m.openTerminal(id, { cols, rows }, command),
    }),
    'sandboxes.terminal.write': ({ session, data }) => {
      m.terminals.write(session, Buffer.from(data, 'base64'));
      return { ok: true };
    },
    'sandboxes.terminal.read': async ({ session, after, waitMs }) => {
      const r = await m.terminals.read(session, after, waitMs);
      return {
        chunks: r.chunks.map((c) => ({ seq: c.seq, data: c.data.toString('base64') })),
        exited: r.exited,
        exitCode: r.exitCode,
      };
    },
    'sandboxes.terminal.resize': async ({ session, cols, rows }) => {
      await m.terminals.resize(session, cols, rows);
      return { ok: true };
    },
    'sandboxes.terminal.close': ({ session }) => {
      m.terminals.close(session);
      return { ok: true };
    },
  };
}

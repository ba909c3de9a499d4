import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { z } from 'zod';
import type { Core } from '../core/app.js';
import { procedures } from '../../shared/api/index.js';
import { liveTopicSchema, type LiveTopic } from '../../shared/api/live.js';
import { isGatehouseError } from '../../shared/errors.js';
import { apiChannel, LIVE_CHANNEL, LIVE_SUBSCRIBE, LIVE_UNSUBSCRIBE } from '../preload/channels.js';

const subscribeSchema = z.object({ id: z.number().int(), topics: z.array(liveTopicSchema).max(32) });

/**
 * One named IPC channel per control-API procedure (no generic pass-through). Each handler checks
 * that the sender is our own top frame loaded from the packaged renderer, then hands the input to
 * the control API, which validates it with the procedure's zod schema.
 */
export function registerIpc(core: Core, isTrustedUrl: (url: string) => boolean): () => void {
  const trusted = (event: { senderFrame: { url: string; parent: unknown } | null }) =>
    event.senderFrame !== null && event.senderFrame.parent === null && isTrustedUrl(event.senderFrame.url);

  for (const name of Object.keys(procedures)) {
    ipcMain.handle(apiChannel(name), async (event: IpcMainInvokeEvent, input: unknown) => {
      if (!trusted(event)) return { error: { code: 'forbidden', message: 'Untrusted sender.' } };
      try {
        return { result: await core.api.call(name, input, { actor: 'desktop' }) };
      } catch (e) {
        if (isGatehouseError(e)) return { error: { code: e.code, message: e.message } };
        core.log.error('ipc', name, e);
        return { error: { code: 'internal', message: 'Internal error; see the Gatehouse log.' } };
      }
    });
  }

  const subscriptions = new Map<string, () => void>();
  const key = (wc: WebContents, id: number) => `${wc.id}:${id}`;
  ipcMain.on(LIVE_SUBSCRIBE, (event, raw: unknown) => {
    const parsed = subscribeSchema.safeParse(raw);
    if (!trusted(event) || !parsed.success) return;
    const topics = new Set<LiveTopic>(parsed.data.topics);
    const wc = event.sender;
    const dispose = core.live.subscribe((m) => {
      if ((topics.size === 0 || topics.has(m.topic)) && !wc.isDestroyed())
        wc.send(LIVE_CHANNEL, parsed.data.id, m);
    });
    subscriptions.set(key(wc, parsed.data.id), dispose);
    wc.once('destroyed', () => {
      subscriptions.get(key(wc, parsed.data.id))?.();
      subscriptions.delete(key(wc, parsed.data.id));
    });
  });
  ipcMain.on(LIVE_UNSUBSCRIBE, (event, id: unknown) => {
    if (typeof id !== 'number') return;
    subscriptions.get(key(event.sender, id))?.();
    subscriptions.delete(key(event.sender, id));
  });

  return () => {
    for (const name of Object.keys(procedures)) ipcMain.removeHandler(apiChannel(name));
    ipcMain.removeAllListeners(LIVE_SUBSCRIBE);
    ipcMain.removeAllListeners(LIVE_UNSUBSCRIBE);
    for (const dispose of subscriptions.values()) dispose();
  };
}

import { contextBridge, ipcRenderer } from 'electron';
import { procedureNames } from './procedure-names.js';
import { apiChannel, LIVE_CHANNEL, LIVE_SUBSCRIBE, LIVE_UNSUBSCRIBE } from './channels.js';
import type { LiveMessage } from '../../shared/api/live.js';

type Listener = (message: LiveMessage) => void;
const listeners = new Map<number, Listener>();
let nextId = 1;

ipcRenderer.on(LIVE_CHANNEL, (_event, id: number, message: LiveMessage) => listeners.get(id)?.(message));

/** One call per named procedure: `gatehouse.api['system.status'](input)`. No generic invoke. */
const apiObject: Record<string, (input: unknown) => Promise<unknown>> = {};
for (const name of procedureNames) {
  const channel = apiChannel(name);
  apiObject[name] = (input: unknown) => ipcRenderer.invoke(channel, input);
}

contextBridge.exposeInMainWorld('gatehouse', {
  transport: 'ipc',
  api: Object.freeze(apiObject),
  subscribe(topics: string[], listener: Listener): () => void {
    const id = nextId++;
    listeners.set(id, listener);
    ipcRenderer.send(LIVE_SUBSCRIBE, { id, topics });
    return () => {
      listeners.delete(id);
      ipcRenderer.send(LIVE_UNSUBSCRIBE, id);
    };
  },
});

import { app, BrowserWindow, globalShortcut, Notification } from 'electron';
import { fileURLToPath } from 'node:url';
import { createCore, type Core } from '../core/app.js';
import { hardenSession, createConsoleWindow } from './window.js';
import { registerIpc } from './ipc.js';
import { createTray } from './tray.js';
import { safeStorageKeyProvider } from './safe-storage-key.js';

// The desktop shell: the only code that imports 'electron'. Everything else is the same core
// that `gatehouse serve` runs headless.
const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
const preload = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const KILL_SHORTCUT = 'CommandOrControl+Shift+Escape';

if (!app.requestSingleInstanceLock()) app.quit();

let core: Core | undefined;
let win: BrowserWindow | undefined;

async function engageGlobalKill(source: string): Promise<void> {
  await core?.api.call(
    'kill.engage',
    { scope: { kind: 'global' }, reason: `${source} in the desktop app` },
    { actor: source },
  );
}

app.on('second-instance', () => {
  if (win?.isMinimized()) win.restore();
  win?.focus();
});

app
  .whenReady()
  .then(async () => {
    hardenSession();
    const dataDir = app.getPath('userData');
    core = await createCore({
      dataDir,
      mode: 'desktop',
      electronVersion: process.versions.electron,
      // The vault's master key is kept by the OS (Keychain, DPAPI, libsecret) through safeStorage.
      vaultKeyProvider: safeStorageKeyProvider(dataDir),
    });
    const rendererUrl = new URL('index.html', `file://${rendererDir}/`).href;
    registerIpc(core, (url) => url.split('#')[0] === rendererUrl);
    win = createConsoleWindow({ preload, rendererDir });
    createTray({
      onOpen: () => win?.show(),
      onKill: () => void engageGlobalKill('tray'),
      onQuit: () => app.quit(),
    });
    globalShortcut.register(KILL_SHORTCUT, () => void engageGlobalKill('shortcut'));
    core.live.subscribe((m) => {
      if (m.topic === 'approvals.changed' && Notification.isSupported() && !win?.isFocused()) {
        new Notification({ title: 'Gatehouse', body: 'An agent is waiting for your approval.' }).show();
      }
    });
  })
  .catch((e: unknown) => {
    console.error('Gatehouse failed to start:', e);
    app.exit(1);
  });

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('will-quit', () => {
  globalShortcut.unregisterAll();
  void core?.close();
});

app.on('window-all-closed', () => {
  // Gatehouse keeps governing agents from the tray; quit from the tray menu.
});

import { BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { CONSOLE_CSP } from '../core/server/csp.js';

/** The console window with the secure defaults: isolated, sandboxed, no Node, strict CSP, no navigation. */
export function createConsoleWindow(opts: { preload: string; rendererDir: string }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'Gatehouse',
    show: false,
    backgroundColor: '#111318',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the outside (docs, OAuth consent) open in the system browser, never in-app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadFile(join(opts.rendererDir, 'index.html'));
  return win;
}

/** Applies the CSP header to every response and denies every permission request. */
export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONSOLE_CSP] } });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

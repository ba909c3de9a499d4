import { Menu, Tray, nativeImage } from 'electron';
import { fileURLToPath } from 'node:url';

/** The tray icon: open the console, hit the global kill switch, quit. */
export function createTray(actions: { onOpen(): void; onKill(): void; onQuit(): void }): Tray {
  const icon = nativeImage.createFromPath(
    fileURLToPath(new URL('../../resources/icons/tray.png', import.meta.url)),
  );
  const tray = new Tray(icon);
  tray.setToolTip('Gatehouse');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Gatehouse', click: actions.onOpen },
      { type: 'separator' },
      { label: 'Kill switch: stop all agents', click: actions.onKill },
      { type: 'separator' },
      { label: 'Quit', click: actions.onQuit },
    ]),
  );
  tray.on('click', actions.onOpen);
  return tray;
}

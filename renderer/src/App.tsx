import { lazy, Suspense, useEffect, useMemo } from 'react';
import { CommandPalette, type PaletteCommand } from './components/CommandPalette.js';
import { KillBanner, KillButton } from './components/kill.js';
import { EngineBadge, Nav } from './components/Nav.js';
import { Loading } from './components/states.js';
import { Toasts } from './components/Toasts.js';
import { useLiveConnected } from './api/hooks.js';
import { call } from './api/client.js';
import { screens, useRouter, type ScreenId } from './state/router.js';
import { useUi } from './state/ui.js';
import { Overview } from './screens/overview/Overview.js';
import { usePendingApprovals } from './screens/approvals/data.js';

// Heavier screens (editor, terminal) load on first visit so the console opens fast.
const Transcripts = lazy(() => import('./screens/transcripts/Transcripts.js'));
const Policy = lazy(() => import('./screens/policy/Policy.js'));
const Vault = lazy(() => import('./screens/vault/Vault.js'));
const Sandboxes = lazy(() => import('./screens/sandboxes/Sandboxes.js'));
const Approvals = lazy(() => import('./screens/approvals/Approvals.js'));
const Settings = lazy(() => import('./screens/settings/Settings.js'));

function Screen({ id }: { id: ScreenId }) {
  switch (id) {
    case 'overview':
      return <Overview />;
    case 'transcripts':
      return <Transcripts />;
    case 'policy':
      return <Policy />;
    case 'vault':
      return <Vault />;
    case 'sandboxes':
      return <Sandboxes />;
    case 'approvals':
      return <Approvals />;
    case 'settings':
      return <Settings />;
  }
}

function useShortcuts() {
  const setPalette = useUi((s) => s.setPalette);
  const go = useRouter((s) => s.go);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPalette(!useUi.getState().paletteOpen);
        return;
      }
      if (e.altKey && !e.ctrlKey && !e.metaKey) {
        const s = screens.find((x) => x.key === e.key || `Digit${x.key}` === e.code);
        if (s) {
          e.preventDefault();
          go(s.id);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setPalette, go]);
}

export function App() {
  useShortcuts();
  const route = useRouter((s) => s.route);
  const connected = useLiveConnected();
  const pending = usePendingApprovals();
  const label = screens.find((s) => s.id === route.screen)?.label ?? '';
  useEffect(() => {
    document.title = `${pending > 0 ? `(${pending}) ` : ''}${label} · Gatehouse`;
  }, [label, pending]);
  const toast = useUi((s) => s.toast);
  const extra = useMemo<PaletteCommand[]>(
    () => [
      {
        id: 'kill-all',
        label: 'Stop everything (kill switch)',
        run: () =>
          void call('kill.engage', { scope: { kind: 'global' }, reason: 'Command palette' }).then(
            () => toast('info', 'Everything stopped.'),
            (e: Error) => toast('error', `Kill switch: ${e.message}`),
          ),
      },
      { id: 'new-sandbox', label: 'New sandbox', run: () => useRouter.getState().go('sandboxes') },
      { id: 'search', label: 'Search transcripts', run: () => useRouter.getState().go('transcripts') },
    ],
    [toast],
  );
  return (
    <div className="app">
      <header className="header">
        <span className="brand">Gatehouse</span>
        <EngineBadge />
        <span className={`pill ${connected ? 'ok' : 'warn'}`} title="Live event stream">
          <span className="dot" /> {connected ? 'Live' : 'Reconnecting…'}
        </span>
        <span className="spacer" />
        <button
          className="btn small"
          onClick={() => useUi.getState().setPalette(true)}
          aria-label="Open command palette"
        >
          Commands <kbd>Ctrl K</kbd>
        </button>
        <KillButton />
      </header>
      <div className="banner-slot">
        <KillBanner />
      </div>
      <Nav pendingApprovals={pending} />
      <main className="main" aria-label={label}>
        <Suspense fallback={<Loading what={`Opening ${label}`} />}>
          <Screen id={route.screen} />
        </Suspense>
      </main>
      <CommandPalette extra={extra} />
      <Toasts />
    </div>
  );
}

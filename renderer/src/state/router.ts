import { create } from 'zustand';

export const screens = [
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'transcripts', label: 'Transcripts', key: '2' },
  { id: 'policy', label: 'Policy', key: '3' },
  { id: 'vault', label: 'Vault', key: '4' },
  { id: 'sandboxes', label: 'Sandboxes', key: '5' },
  { id: 'approvals', label: 'Approvals', key: '6' },
  { id: 'settings', label: 'Settings', key: '7' },
] as const;
export type ScreenId = (typeof screens)[number]['id'];

export interface Route {
  screen: ScreenId;
  /** Path segments after the screen: ['run', id], ['compare', a, b], ... */
  rest: string[];
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const found = screens.find((s) => s.id === parts[0]);
  return found ? { screen: found.id, rest: parts.slice(1) } : { screen: 'overview', rest: [] };
}

export function routeHash(screen: ScreenId, ...rest: string[]): string {
  return '#/' + [screen, ...rest].map(encodeURIComponent).join('/');
}

interface RouterState {
  route: Route;
  go(screen: ScreenId, ...rest: string[]): void;
}

/** Hash routing: the headless server serves one page, and a reload keeps the place. */
export const useRouter = create<RouterState>((set) => ({
  route: parseHash(typeof location !== 'undefined' ? location.hash : ''),
  go(screen, ...rest) {
    const hash = routeHash(screen, ...rest);
    if (location.hash !== hash) location.hash = hash;
    set({ route: parseHash(hash) });
  },
}));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => useRouter.setState({ route: parseHash(location.hash) }));
}

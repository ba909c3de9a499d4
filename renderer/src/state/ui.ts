import { create } from 'zustand';

export interface Toast {
  id: number;
  tone: 'info' | 'error' | 'ok';
  text: string;
}

interface UiState {
  paletteOpen: boolean;
  setPalette(open: boolean): void;
  toasts: Toast[];
  toast(tone: Toast['tone'], text: string): void;
  dismiss(id: number): void;
}

let nextToast = 1;

/** UI-only state (never server data: that lives in react-query). */
export const useUi = create<UiState>((set) => ({
  paletteOpen: false,
  setPalette: (open) => set({ paletteOpen: open }),
  toasts: [],
  toast(tone, text) {
    const id = nextToast++;
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, tone, text }] }));
    setTimeout(
      () => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
      tone === 'error' ? 8000 : 4000,
    );
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

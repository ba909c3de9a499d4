import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { LiveContext } from './api/hooks.js';
import { LiveFeed } from './api/live.js';
import { ApiError } from './api/errors.js';
import { App } from './App.js';
import { useMetrics } from './state/metrics.js';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events invalidate; no polling on focus storms.
      refetchOnWindowFocus: false,
      staleTime: 5_000,
      retry: (count, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && count < 2,
    },
  },
});
const feed = new LiveFeed(queries);
feed.onLedgerEvents((events) => useMetrics.getState().add(events));
feed.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <LiveContext.Provider value={feed}>
        <App />
      </LiveContext.Provider>
    </QueryClientProvider>
  </StrictMode>,
);

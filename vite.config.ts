import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console: renderer/ is the Vite root; the build lands in dist/renderer, which both the
// headless server and the Electron shell load.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    // `npm run dev`: /api is proxied to a headless core (scripts/dev.ts) with its token added and
    // the browser's Origin removed, since the core refuses cross-origin requests.
    proxy: process.env.GATEHOUSE_DEV_API
      ? {
          '/api': {
            target: process.env.GATEHOUSE_DEV_API,
            changeOrigin: true,
            headers: { authorization: `Bearer ${process.env.GATEHOUSE_DEV_TOKEN ?? ''}` },
            configure: (proxy) => proxy.on('proxyReq', (req) => req.removeHeader('origin')),
          },
        }
      : undefined,
  },
});

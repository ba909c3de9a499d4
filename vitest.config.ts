import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'electron/**/*.test.ts',
      'shared/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'bench/**/*.test.ts',
    ],
    exclude: ['node_modules', 'dist', 'playwright'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { GATEHOUSE_VAULT_KEY: 'file' },
  },
});

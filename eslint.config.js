import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noNode = { group: ['node:*'], message: 'The renderer runs in a sandboxed browser: no Node built-ins.' };
// The 'electron' package by name (a path pattern would also catch relative imports into electron/).
const noElectron = { name: 'electron', message: "Only electron/shell may import 'electron'." };
const noMain = {
  group: ['**/electron/**'],
  message: 'The renderer talks to the core through the typed client only.',
};
const noSides = {
  group: ['**/electron/**', '**/renderer/**'],
  message: 'shared/ imports nothing from electron/ or renderer/.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'dist-electron',
      'release',
      'bench/results',
      'playwright-report',
      'test-results',
      'resources/gate/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [noElectron] }],
    },
  },
  { files: ['electron/shell/**', 'electron/preload/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [noNode, noMain] }] },
  },
  {
    files: ['shared/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [noSides, noNode] }] },
  },
  { files: ['resources/**/*.{js,mjs,cjs}'], languageOptions: { globals: { ...globals.node } } },
);

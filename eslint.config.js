/** @module Lint rules for every TypeScript and JavaScript source of the workspace: the recommended sets of ESLint and typescript-eslint. */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals that the plain JavaScript scripts (bench/, scripts/) use; TypeScript checks its own files' names. */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'console',
    'fetch',
    'performance',
    'process',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'packages/pod/frontend/build/', '.tenantry/', '.tenantry-ci/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: nodeGlobals } },
  // Tests and their support read JSON answers of every shape; typing each one would say nothing the assertions do not.
  { files: ['**/*.test.ts', '**/test-support/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    rules: {
      // An interface that extends one other is how a module's declared type is augmented (react-router's AppLoadContext).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
);

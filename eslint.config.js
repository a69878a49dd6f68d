import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/node_modules/**', 'test/cluster/k8s/**'] },
  js.configs.recommended,
  {
    // Plain JS files (the netlab responder, this config) run on Node.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Pure cores must not reach the world: no clocks, timers, sockets or API clients.
    files: [
      'packages/*/src/allocator/**/*.ts',
      'packages/*/src/election/**/*.ts',
      'packages/*/src/announce/**/*.ts',
      'packages/*/src/packet/codec/**/*.ts',
      'packages/*/src/membership/**/*.ts',
      'packages/*/src/plan/**/*.ts',
    ],
    // udp-transport.ts is the membership's one adapter (the only dgram user).
    ignores: ['**/*.test.ts', '**/test-support/**', 'packages/speaker/src/membership/udp-transport.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@kubernetes/*', 'node:net', 'node:dgram', 'node:timers*', 'pino'] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'Date'],
    },
  },
);

import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure code, in-memory, parallel), `e2e` (the real
// cluster-in-a-box and netlab, serial because they share one control plane) and `demo`
// (`npm run demo` as a child process; it brings up its own cluster, so it runs alone,
// after e2e).
export default defineConfig({
  resolve: { conditions: ['ironlb-source'] },
  ssr: { resolve: { conditions: ['ironlb-source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'test/**/*.unit.test.ts', 'bench/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'demo',
          include: ['test/demo/**/*.demo.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

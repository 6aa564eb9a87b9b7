/** Transpile-only ts-jest (tsconfig's isolatedModules): type-checking is `npm run typecheck` (tsc --noEmit), kept out of the test loop. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFiles: ['<rootDir>/__tests__/support/jest-env.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};

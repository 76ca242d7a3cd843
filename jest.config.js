// Three kinds of tests, one runner:
//   unit         *.spec.ts       pure functions and classes, no I/O
//   integration  *.int-spec.ts   real Postgres and RabbitMQ (TEST_DATABASE_URL / TEST_AMQP_URL or testcontainers)
//   e2e          *.e2e-spec.ts   every app as its own process, driven over HTTP only
//   reliability  *.rel-spec.ts   faults, duplicates, replicas, hostile input (+ *.slow-spec.ts with RELIABILITY_SLOW=1)
const { swcOptions } = require('./tools/swc-options.cjs');

const transform = { '^.+\\.ts$': ['@swc/jest', swcOptions()] };
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'], setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-unit-timeout.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-integration-timeout.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-e2e-timeout.ts'],
    },
    {
      // The reliability suite (docs/reliability.md): *.rel-spec.ts run with every `npm test`
      // (hostile HTTP, poison/duplicate messages, replicas); the fault scenarios *.slow-spec.ts
      // (broker outage, database restart, kill -9) only with RELIABILITY_SLOW=1
      // (`npm run test:reliability:slow`).
      ...common,
      displayName: 'reliability',
      // The HA fault lab *.ha-spec.ts (3-node broker cluster, database failover) only with
      // RELIABILITY_HA=1 (`npm run test:reliability:ha`).
      testMatch: [
        '<rootDir>/reliability/**/*.rel-spec.ts',
        ...(process.env.RELIABILITY_SLOW === '1' ? ['<rootDir>/reliability/**/*.slow-spec.ts'] : []),
        ...(process.env.RELIABILITY_HA === '1' ? ['<rootDir>/reliability/**/*.ha-spec.ts'] : []),
      ],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/reliability/support/jest-timeout.ts'],
    },
  ],
};

// Three kinds of tests, one runner:
//   unit         *.spec.ts       pure functions and classes, no I/O
//   integration  *.int-spec.ts   real Postgres and RabbitMQ (TEST_DATABASE_URL / TEST_AMQP_URL or testcontainers)
//   e2e          *.e2e-spec.ts   every app as its own process, driven over HTTP only
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
  ],
};

// Jest reads `testTimeout` only from the top-level config, never from a project's. Hooks here
// start real services (fresh database, migrations, broker topology): on a loaded 2-core
// machine that takes far longer than Jest's 5 s default.
jest.setTimeout(120_000);

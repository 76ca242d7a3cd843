// Jest reads `testTimeout` only from the top-level config, never from a project's, so each
// project sets its own in a setup file. Loopback HTTP tests can be slow on a loaded 2-core box.
jest.setTimeout(30_000);

// Jest reads `testTimeout` only from the top-level config, never from a project's. An e2e
// hook builds and starts six processes; a journey waits for escrow release delays.
jest.setTimeout(300_000);

// Jest reads `testTimeout` only from the top-level config, never from a project's. A scenario
// starts a whole platform (twice, with replicas) and runs batches of journeys; a fault scenario
// also waits out a broker outage or a database restart. Every wait inside is bounded as well.
jest.setTimeout(process.env.RELIABILITY_SLOW === '1' ? 900_000 : 300_000);
